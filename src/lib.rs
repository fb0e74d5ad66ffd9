//! escalate: a small language for escalation policies in healthcare performance management,
//! and the interpreter that runs them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ast;
pub mod calendar;
pub mod data;
pub mod month;
pub mod parse;
pub mod schema;
pub mod check;
pub mod program;
pub mod cli;
pub mod diagnostic;
pub mod policy;
