//! `egscope completions` and `egscope man`, from the one CLI definition.

use super::{EXIT_OK, write_output};
use crate::error::UserError;

/// `egscope completions SHELL`: the completion script, generated from the
/// one CLI definition in `cli.rs`.
pub fn completions(args: &crate::cli::CompletionsArgs) -> Result<u8, UserError> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut crate::cli::Cli::command(),
        "egscope",
        &mut buf,
    );
    write_output(&String::from_utf8_lossy(&buf), None)?;
    Ok(EXIT_OK)
}

/// `egscope man`: the man page (roff), from the same CLI definition.
pub fn man() -> Result<u8, UserError> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command())
        .render(&mut buf)
        .map_err(|e| UserError::new(format!("cannot render the man page: {e}")))?;
    write_output(&String::from_utf8_lossy(&buf), None)?;
    Ok(EXIT_OK)
}
