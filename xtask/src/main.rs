//! `cargo xtask`: every project task in one place.
//!
//! - `cargo xtask serve` builds the planner and serves it on 127.0.0.1:8080.
//! - `cargo xtask test` runs everything CI runs.
//! - `cargo xtask dist` writes the static site to `dist/` and prints sizes.
//! - `cargo xtask size-floor` prints what the programs of docs/size-floor/ weigh.
//! - `cargo xtask mutants` runs mutation testing on the core.
//! - `cargo xtask audit` runs Lighthouse and axe-core on the built page.

mod audit;
mod bench;
#[cfg(test)]
mod cycles;
mod field;
mod floor;
mod fuzz;
mod mutants;
mod skips;
mod sweep;
mod toolchain;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Headroom's build, serve, test and dist tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build the planner page and serve it on loopback.
    Serve {
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
    /// Everything: fmt, clippy, unit/integration/doc tests, the wasm build and
    /// the browser tests.
    Test,
    /// Only the browser tests (after building dist/ and their copy of the
    /// site), e.g. `cargo xtask e2e daily::` for one module.
    E2e {
        /// Run only the tests whose names contain this.
        filter: Option<String>,
    },
    /// Write the deployable static site to dist/ and print each file's size.
    Dist,
    /// Build the programs of docs/size-floor/ as dist is built and print
    /// their sizes: what the content, Yew and a leaner first view weigh.
    SizeFloor {
        /// Also the first view with nightly's size-only flags (installs
        /// nightly's rust-src with rustup when missing).
        #[arg(long)]
        unstable: bool,
    },
    /// Lighthouse (mobile, desktop) and axe-core on the built page, served as
    /// a static host would; reports in target/audit/. Fails under the
    /// thresholds (see xtask/src/audit.rs).
    Audit {
        /// Lighthouse runs per preset; the median performance run is kept.
        #[arg(long, default_value_t = 1)]
        runs: u32,
    },
    /// Install what the other tasks need (wasm32 compiler, wasm-bindgen CLI,
    /// wasm-opt, Chromium); each step is skipped when already satisfied.
    Setup,
    /// Benchmark dumptool against gcore and minidump-stackwalk; prints ratios.
    Bench,
    /// `dumptool check` over the stock config files of 49 Debian packages
    /// (apt-get download, dpkg-deb -x; needs root and `apt-get update`);
    /// fails on any error finding and writes docs/sweep.md.
    Sweep,
    /// dumptool on Debian's redis, nginx, memcached and mariadb (root, apt):
    /// doctor, capture against gcore, named stacks, redaction, a SIGSEGV core;
    /// then doctor on systemd services and a core kept in the journal.
    FieldTest {
        /// Only these steps (redis, nginx, memcached, mariadb, systemd).
        daemons: Vec<String>,
    },
    /// Run every cargo-fuzz target for a while (needs the nightly toolchain).
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// Mutation testing of headroom-core (installs cargo-mutants): which
    /// deliberate bugs no test catches. A full run takes about four hours on
    /// two cores; narrow it with --in-diff, --file or --shard (docs/mutants.md).
    Mutants {
        /// Only mutants on lines changed since this git revision (e.g. main).
        #[arg(long, value_name = "REV")]
        in_diff: Option<String>,
        /// Only the k-th of n slices of the mutants, counted from 0: 0/4 to 3/4.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Only this file of core (repeatable), e.g. core/src/vps.rs.
        #[arg(long, value_name = "GLOB")]
        file: Vec<String>,
        /// Mutants built and tested at once (each takes a core).
        #[arg(long, default_value_t = 1)]
        jobs: u32,
        /// Re-test only the last run's survivors (after adding tests).
        #[arg(long)]
        iterate: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Serve { port } => serve(port),
        Task::Test => test(),
        Task::E2e { filter } => e2e(filter.as_deref()),
        Task::Dist => web::build_dist().and_then(|d| web::print_sizes(&d)),
        Task::SizeFloor { unstable } => floor::run_floor(unstable),
        Task::Audit { runs } => audit::run_audit(runs),
        Task::Setup => setup(),
        Task::Bench => bench::run(),
        Task::FieldTest { daemons } => field::run(&daemons),
        Task::Fuzz { seconds } => fuzz::run(seconds),
        Task::Mutants { in_diff, shard, file, jobs, iterate } => {
            mutants::run_mutants(&mutants::Options { in_diff, shard, files: file, jobs, iterate })
        }
        Task::Sweep => sweep::run_sweep(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn setup() -> Result<()> {
    toolchain::wasm_toolchain()?;
    toolchain::wasm_bindgen()?;
    toolchain::wasm_opt();
    toolchain::chromium()?;
    toolchain::test_tools();
    Ok(())
}

fn serve(port: u16) -> Result<()> {
    let dist = web::build_dist()?;
    let server = headroom_tests::StaticServer::start(&dist, port)?;
    println!("serving {} at {} (Ctrl-C to stop)", dist.display(), server.url());
    server.wait();
    Ok(())
}

fn e2e(filter: Option<&str>) -> Result<()> {
    let chromium = toolchain::chromium()?;
    let dist = web::build_dist()?;
    let test_site = web::build_test_site(&dist)?;
    let mut cmd = cargo();
    cmd.args(["test", "-p", "headroom-tests", "--test", "e2e", "--"]).args(filter);
    step(
        "browser tests",
        cmd.env("HEADROOM_DIST", &dist)
            .env("HEADROOM_TEST_SITE", &test_site)
            .env("HEADROOM_CHROMIUM", &chromium),
    )
}

fn test() -> Result<()> {
    let start = Instant::now();
    let chromium = toolchain::chromium()?;
    toolchain::test_tools();
    step("cargo fmt --check", cargo().args(["fmt", "--all", "--check"]))?;
    step(
        "cargo clippy",
        cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
    )?;
    println!("== cargo clippy (wasm32)");
    web::clippy_wasm().context("step `cargo clippy (wasm32)` failed")?;
    println!("== docs/size-floor builds (cargo check, wasm32)");
    floor::check()?;
    println!("== wasm build (dist/)");
    let dist = web::build_dist()?;
    println!("== wasm build with test hooks (target/test-site/)");
    let test_site = web::build_test_site(&dist)?;
    // Skips are listed, then fail the run; under CI=true they fail their test.
    let skip_log = skips::fresh_log()?;
    step(
        "cargo test",
        cargo()
            .args(["test", "--workspace", "--features", "dumptool/fault-injection"])
            .env("HEADROOM_DIST", &dist)
            .env("HEADROOM_TEST_SITE", &test_site)
            .env("HEADROOM_CHROMIUM", &chromium)
            .env("HEADROOM_SKIP_LOG", &skip_log),
    )?;
    // The README's dumptool lines, exactly as a reader types them.
    step("README: dumptool --help", cargo().args(["run", "-q", "-p", "dumptool", "--", "--help"]))?;
    step(
        "README: dumptool plan",
        cargo().args(["run", "-q", "-p", "dumptool", "--", "plan", "examples/amps.toml"]),
    )?;
    println!("== no test switch in what ships");
    no_test_switches(&dist)?;
    let verdict = skips::verdict(start.elapsed().as_secs_f64(), &skips::read(&skip_log)?);
    println!("{}", verdict.map_err(anyhow::Error::msg)?);
    Ok(())
}

/// Fails when a test switch is in the page's wasm or in dumptool. The
/// dumptool checked is the debug binary the README step just built without
/// test features: its hook is gated by a cargo feature, which a debug and a
/// release build resolve alike (and a release build refuses), so the debug
/// binary answers for the release one without a second, release, build.
fn no_test_switches(dist: &Path) -> Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dist)?
        .map(|e| Ok(e?.path()))
        .filter(|p| p.as_ref().map_or(true, |p| p.extension().is_some_and(|x| x == "wasm")))
        .collect::<Result<_>>()?;
    files.push(workspace_root().join("target/debug/dumptool"));
    for file in files {
        let found = web::test_switches_in(&file)?;
        if !found.is_empty() {
            bail!("{} contains the test switch(es) {}", file.display(), found.join(", "));
        }
        println!("{}: none of {}", file.display(), web::TEST_SWITCHES.join(", "));
    }
    Ok(())
}

fn step(name: &str, cmd: &mut Command) -> Result<()> {
    println!("== {name}");
    run(cmd.current_dir(workspace_root())).with_context(|| format!("step `{name}` failed"))
}

pub(crate) fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
}

/// Runs a command with inherited output; an error when it fails.
pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!("{:?} exited with {status}", cmd.get_program());
    }
    Ok(())
}

/// Runs a command with its output kept back unless it fails: for installers
/// whose progress lines would bury the one-line setup messages.
pub(crate) fn run_quiet(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    if !out.status.success() {
        eprint!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        bail!("{:?} exited with {}", cmd.get_program(), out.status);
    }
    Ok(())
}

/// True when the command starts and exits 0.
pub(crate) fn cmd_ok(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

pub(crate) fn workspace_root() -> PathBuf {
    headroom_tests::workspace_root()
}
