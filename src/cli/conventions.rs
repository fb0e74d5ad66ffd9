//! What a command-line tool is expected to offer: shell completions and a manual page.

use clap::CommandFactory;

use super::{Cli, FAILURE, SUCCESS};

/// Arguments of `escalate completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for a shell, such as
/// `escalate completions bash > /etc/bash_completion.d/escalate`.
pub fn completions(args: &CompletionsArgs) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "escalate", &mut script);
    outp!("{}", String::from_utf8_lossy(&script));
    SUCCESS
}

/// Prints the manual page in roff, such as `escalate man > escalate.1`.
pub fn man() -> u8 {
    let mut page = Vec::new();
    match clap_mangen::Man::new(Cli::command()).render(&mut page) {
        Ok(()) => {
            outp!("{}", String::from_utf8_lossy(&page));
            SUCCESS
        }
        Err(error) => {
            eprintln!(
                "error: cannot make the manual page: {}",
                error.to_string().to_lowercase()
            );
            FAILURE
        }
    }
}
