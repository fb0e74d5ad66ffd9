//! escalate: a small language for escalation policies in healthcare performance management,
//! and the interpreter that runs them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ast;
pub mod calendar;
pub mod check;
pub mod cli;
pub mod data;
pub mod diagnostic;
pub mod eval;
pub mod month;
pub mod parse;
pub mod policy;
pub mod program;
pub mod report;
pub mod schema;
