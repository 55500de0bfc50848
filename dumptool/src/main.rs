//! `dumptool`: the support engineer's companion to the Headroom planner.
//! Argument handling, output and exit codes only; the work is in the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dumptool::exit::{self, Failure};

const AFTER_HELP: &str = "\
Exit codes:
  0  ok
  1  the operation found a problem (e.g. findings of severity error)
  2  bad input or usage
  3  the system refused (permissions, no such process)

Examples:
  dumptool plan examples/amps.toml --format json
  dumptool check /etc/sysctl.conf /etc/security/limits.conf";

/// Capture and triage crashes of server processes, and check a host's plan
/// and configuration against what its services need.
#[derive(Debug, Parser)]
#[command(name = "dumptool", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate a Headroom plan file: every calculator, its figures and findings.
    Plan(dumptool::plan_cmd::PlanArgs),
    /// Check config files (sysctl, limits, my.cnf, ...) and report findings.
    Check(dumptool::check_cmd::CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Plan(args) => dumptool::plan_cmd::run(args),
        Command::Check(args) => dumptool::check_cmd::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let code = err.downcast_ref::<Failure>().map_or(exit::BAD_INPUT, |f| f.code);
            eprintln!("dumptool: {err:#}");
            ExitCode::from(code)
        }
    }
}
