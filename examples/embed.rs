//! Embedding the evaluator: load a policy and a data folder, evaluate a month, and use the
//! actions in your own program.
//!
//! ```text
//! cargo run --example embed -- policies/ooh_callbacks.policy examples/data/ooh 2026-10
//! ```

use std::process::ExitCode;

use escalate::{DataErrors, DataSources, Dataset, EvalOptions, Policy};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [policy_path, data_dir, month] = args.as_slice() else {
        eprintln!("usage: embed POLICY DATA_DIR YYYY-MM");
        return ExitCode::from(2);
    };
    let policy = match Policy::from_path(policy_path) {
        Ok(policy) => policy,
        Err(error) => {
            eprint!("{}", error.render(false));
            return ExitCode::from(1);
        }
    };
    let data = DataSources::from_dir(data_dir.as_ref())
        .map_err(DataErrors::from)
        .and_then(|sources| Dataset::load(&policy.program().schema, &sources));
    let data = match data {
        Ok(data) => data,
        Err(errors) => {
            for error in errors.iter() {
                eprint!("{}", escalate::render_diagnostic(error, false));
            }
            return ExitCode::from(1);
        }
    };
    let Ok(as_of) = month.parse() else {
        eprintln!("`{month}` is not a month of the form YYYY-MM");
        return ExitCode::from(2);
    };
    let evaluation = policy.evaluate(&data, as_of, &EvalOptions::default());
    for action in &evaluation.actions {
        let due = action.due.map(|d| d.to_string()).unwrap_or_default();
        println!(
            "{:<8} {:<28} {:<28} due {due}",
            action.subject, action.rule, action.owner_name
        );
    }
    println!(
        "{} actions, {} undecided",
        evaluation.actions.len(),
        evaluation.undecided.len()
    );
    ExitCode::SUCCESS
}
