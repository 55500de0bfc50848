//! `dumptool check FILES...`: run the core's validators over config files.

use clap::Args;

use crate::exit::Failure;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Config files to check.
    pub files: Vec<std::path::PathBuf>,
}

/// Returns the exit code.
pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    Err(Failure::bad_input(format!("{} files: checks are not implemented yet", args.files.len()))
        .into())
}
