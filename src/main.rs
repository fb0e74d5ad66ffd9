//! The `escalate` command.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    escalate::__private::run()
}
