//! `dumptool plan FILE`: evaluate a plan file with the core's calculators.

use clap::Args;

use crate::exit::Failure;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The plan file (TOML or JSON).
    pub file: std::path::PathBuf,
}

/// Returns the exit code.
pub fn run(args: &PlanArgs) -> anyhow::Result<u8> {
    Err(Failure::bad_input(format!("{}: plans are not evaluated yet", args.file.display())).into())
}
