//! `dumptool`: the support engineer's companion to the Headroom planner.
//! Argument handling, output and exit codes only; the work is in the library.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use dumptool::commands;
use dumptool::exit::{self, Failure};

const AFTER_HELP: &str = "\
A minidump is a small file (kilobytes) with every thread's stack and
registers, the loaded modules, and on Linux the process's /proc files: enough
to see where a service crashed or hung, taken in milliseconds. A core file is
the whole memory image. On Linux, analyze and report unwind stacks with the
CFI of this host's binaries and name frames from their symbol tables and
debug files, each matched by build-id (the module's own file,
/usr/lib/debug/.build-id, --debug-dir, then the servers in DEBUGINFOD_URLS;
--offline asks none, --no-host-files reads none). Breakpad .sym stores
(--symbols) add names for other platforms.

Secrets: capture overwrites environment values and secret-looking arguments
in the dump itself (policy allowlist by default, see docs/redaction.md), and
every summary and report shows them as [REDACTED].

Exit codes:
  0  ok
  1  the operation found a problem (e.g. findings of severity error, `limits`
     or `doctor` says a crash would leave no core, the target exited during
     a capture, `submit` refused a dump that is not redacted)
  2  bad input or usage (malformed dump, missing output directory, a zombie
     or kernel thread as target)
  3  the system refused (permissions, no such process, disk full)
  4  incomplete input: the dump is shorter than its headers describe (cut
     short); `analyze` and `report` print what could be read, marked as
     truncated

Examples:
  dumptool plan examples/amps.toml --format json
  dumptool check /etc/sysctl.conf /etc/security/limits.conf
  dumptool fixes examples/megacomet.toml --dir ./staged
  dumptool capture $(pidof ampServer) --dir /var/tmp/minidumps
  dumptool limits $(pidof ampServer)
  dumptool doctor $(pidof redis-server) --format json
  dumptool analyze crash.dmp --symbols ./symbols
  dumptool report crash.dmp -o ticket-1234.md
  dumptool submit crash.dmp --to https://sentry.example/api/42/minidump/?sentry_key=KEY --dry-run
  dumptool prune /var/tmp/minidumps --older-than 14d --dry-run";

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
    /// Write the sysctl.d, limits.d and systemd drop-ins a plan needs, and
    /// the `sysctl -w` commands to apply them now.
    Fixes(dumptool::fixes_cmd::FixesArgs),
    /// Write a minidump of a live process (Linux), secrets redacted; the
    /// process is stopped for milliseconds and always resumed.
    Capture(commands::CaptureArgs),
    /// Tell what a crash of a process would leave behind: its core-dump
    /// settings, whether its credentials can create the core where
    /// core_pattern puts it, an estimate of the core's size, and a verdict
    /// (exit 1 when no core would be written).
    Limits(commands::LimitsArgs),
    /// Check, item by item with the fix, that a hang or crash of a process
    /// can be captured and kept (exit 1 when a crash would leave nothing).
    ///
    /// Items: ptrace access for `capture` (Yama, uids, CAP_SYS_PTRACE, the
    /// dumpable flag), the core limit and core_pattern, the unit's
    /// LimitCORE=, systemd-coredump's coredump.conf or apport's settings
    /// against the process's size, and free space.
    Doctor(commands::DoctorArgs),
    /// Summarize a minidump (any platform) or a Linux core file: crash,
    /// every thread's stack, modules, system, Linux streams (exit 4 when
    /// the file is cut short).
    Analyze(commands::AnalyzeArgs),
    /// The attachment for a support ticket: the redacted summary, the dump's
    /// sha256 and size, and how and when it was captured. Deterministic.
    Report(commands::ReportArgs),
    /// Send a redacted minidump to Sentry or a Socorro collector (Breakpad's
    /// multipart upload) with the report's findings as fields.
    Submit(commands::SubmitArgs),
    /// List the dumps in a directory: age, size, process, crash reason;
    /// other files apart.
    List(commands::ListArgs),
    /// Remove old dumps from a directory (--older-than or --keep); only
    /// files identified as minidumps or core files, never through a link.
    Prune(commands::PruneArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output.
    Man,
}

fn generated(command: &Command) -> anyhow::Result<u8> {
    use std::io::Write;
    let mut buf = Vec::new();
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "dumptool", &mut buf)
        }
        _ => clap_mangen::Man::new(Cli::command()).render(&mut buf)?,
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&buf)?;
    stdout.flush()?;
    Ok(exit::OK)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Plan(args) => dumptool::plan_cmd::run(args),
        Command::Check(args) => dumptool::check_cmd::run(args),
        Command::Fixes(args) => dumptool::fixes_cmd::run(args),
        Command::Capture(args) => commands::capture(args),
        Command::Limits(args) => commands::limits(args),
        Command::Doctor(args) => commands::doctor(args),
        Command::Analyze(args) => commands::analyze(args),
        Command::Report(args) => commands::report(args),
        Command::Submit(args) => commands::submit(args),
        Command::List(args) => commands::list(args),
        Command::Prune(args) => commands::prune(args),
        c @ (Command::Completions { .. } | Command::Man) => generated(c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let code = err.downcast_ref::<Failure>().map_or(exit::BAD_INPUT, |f| f.code);
            eprintln!("dumptool: {err:#}");
            ExitCode::from(code)
        }
    }
}
