//! `dumptool`: the support engineer's companion to the Headroom planner.

use std::process::ExitCode;

use clap::Parser;

/// Capture and triage crashes of server processes.
#[derive(Debug, Parser)]
#[command(name = "dumptool", version, about, long_about = None)]
struct Cli {}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    ExitCode::SUCCESS
}
