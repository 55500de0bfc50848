//! `cargo xtask mutants`: mutation testing of `headroom-core` with
//! cargo-mutants. Each mutant is a deliberate bug (an operator swapped, a
//! function body replaced); a test must fail for it, or the formula it
//! touches is not really pinned. Survivors go to a report under target/ and,
//! with the reason each one lives, to docs/mutants.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{cargo, cmd_ok, run, run_quiet, workspace_root};

/// The package mutated: the pure core, whose formulas the page and the CLI share.
const PACKAGE: &str = "headroom-core";

/// What to mutate; every field narrows the run.
pub struct Options {
    /// Only mutants on lines that differ from this git revision (e.g. `main`).
    pub in_diff: Option<String>,
    /// `k/n`: the k-th of n slices (from 0), for runs spread over time or machines.
    pub shard: Option<String>,
    /// Only these source files (globs relative to the workspace, e.g. `core/src/vps.rs`).
    pub files: Vec<String>,
    /// Concurrent builds; each copies the tree and uses a core.
    pub jobs: u32,
    /// Skip the mutants the last run caught or could not build: re-test
    /// only its survivors (and any new mutant), after adding tests.
    pub iterate: bool,
}

/// Runs cargo-mutants as the options say, writes the report and prints the summary.
pub fn run_mutants(options: &Options) -> Result<()> {
    install()?;
    let root = workspace_root();
    let out = root.join("target/mutants");
    std::fs::create_dir_all(&out)?;
    let mut cmd = cargo();
    // Random order: a run stopped early has still tested a fair sample.
    cmd.current_dir(&root)
        .args(["mutants", "--package", PACKAGE, "--shuffle", "--output"])
        .arg(&out)
        .args(["--jobs", &options.jobs.to_string()])
        // No debug info: each mutant links faster, and no test reads it.
        .env("CARGO_PROFILE_DEV_DEBUG", "0");
    if let Some(rev) = &options.in_diff {
        let diff = out.join("in.diff");
        let text = Command::new("git")
            .current_dir(&root)
            .args(["diff", rev, "--", "core/"])
            .output()
            .context("git diff")?;
        if !text.status.success() {
            bail!("git diff {rev} failed: {}", String::from_utf8_lossy(&text.stderr));
        }
        std::fs::write(&diff, &text.stdout)?;
        cmd.arg("--in-diff").arg(&diff);
    }
    if let Some(shard) = &options.shard {
        // Round robin: each shard samples every file, so one shard's caught
        // rate estimates the whole core's.
        cmd.args(["--shard", shard, "--sharding", "round-robin"]);
    }
    for file in &options.files {
        cmd.args(["--file", file]);
    }
    if options.iterate {
        cmd.arg("--iterate");
    }
    println!("mutants: {cmd:?}");
    // Exit 2 means "some mutants were missed" and 3 "some timed out", which
    // the report below says.
    let status = cmd.status().context("cannot start cargo mutants")?;
    let results = out.join("mutants.out");
    let summary = Summary::read(&results)?;
    let report = out.join("missed.md");
    std::fs::write(&report, summary.report())?;
    println!("{}", summary.line());
    println!("missed mutants: {}", report.display());
    match status.code() {
        Some(0 | 2 | 3) => Ok(()),
        _ => bail!("cargo mutants exited with {status} (see {})", results.display()),
    }
}

/// Installs cargo-mutants from crates.io unless `cargo mutants` already runs.
fn install() -> Result<()> {
    let cargo_bin = std::env::var("CARGO").unwrap_or("cargo".into());
    if cmd_ok(&cargo_bin, &["mutants", "--version"]) {
        return Ok(());
    }
    println!("setup: cargo install cargo-mutants");
    if run_quiet(cargo().args(["install", "cargo-mutants", "--locked"])).is_err() {
        // A lock file that no longer builds with this toolchain: resolve afresh.
        run(cargo().args(["install", "cargo-mutants"]))?;
    }
    Ok(())
}

/// The outcome lists cargo-mutants writes, one mutant per line.
#[derive(Debug, PartialEq)]
struct Summary {
    caught: Vec<String>,
    missed: Vec<String>,
    timeout: Vec<String>,
    unviable: Vec<String>,
    /// With `--iterate`: caught or unviable in an earlier run, not re-tested.
    previously: Vec<String>,
}

impl Summary {
    fn read(dir: &Path) -> Result<Summary> {
        let list = |name: &str| -> Result<Vec<String>> {
            let path: PathBuf = dir.join(format!("{name}.txt"));
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(text.lines().filter(|l| !l.is_empty()).map(String::from).collect()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
                Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
            }
        };
        Ok(Summary {
            caught: list("caught")?,
            missed: list("missed")?,
            timeout: list("timeout")?,
            unviable: list("unviable")?,
            previously: list("previously_caught")?,
        })
    }

    /// Caught over viable mutants (caught, missed and timed out), in percent;
    /// a timeout counts as missed: no assertion rejected the mutant.
    fn caught_percent(&self) -> Option<f64> {
        let viable = self.caught.len() + self.missed.len() + self.timeout.len();
        (viable > 0).then(|| 100.0 * self.caught.len() as f64 / viable as f64)
    }

    fn line(&self) -> String {
        let percent =
            self.caught_percent().map_or("no viable mutant".into(), |p| format!("{p:.1}% caught"));
        let earlier = match self.previously.len() {
            0 => String::new(),
            n => format!(" (this run; {n} caught or unviable earlier)"),
        };
        format!(
            "mutants: {} caught, {} missed, {} timeout, {} unviable: {percent}{earlier}",
            self.caught.len(),
            self.missed.len(),
            self.timeout.len(),
            self.unviable.len()
        )
    }

    fn report(&self) -> String {
        let mut text = format!("# Missed mutants\n\n{}\n\n", self.line());
        for m in self.missed.iter().chain(&self.timeout) {
            text.push_str(&format!("- `{m}`\n"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_each_list_and_reports_the_survivors() {
        let dir = std::env::temp_dir().join(format!("headroom-mutants-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("caught.txt"), "a\nb\nc\n\n").unwrap();
        std::fs::write(dir.join("missed.txt"), "core/src/vps.rs:1:2: replace + with -\n").unwrap();
        std::fs::write(dir.join("unviable.txt"), "u\n").unwrap();
        let s = Summary::read(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            (s.caught.len(), s.missed.len(), s.timeout.len(), s.unviable.len()),
            (3, 1, 0, 1)
        );
        // 3 of 4 viable: the unviable one is neither caught nor missed.
        assert_eq!(s.caught_percent(), Some(75.0));
        assert_eq!(s.line(), "mutants: 3 caught, 1 missed, 0 timeout, 1 unviable: 75.0% caught");
        assert!(s.report().ends_with("- `core/src/vps.rs:1:2: replace + with -`\n"));
        let again = Summary { previously: vec!["a".into(), "u".into()], ..s };
        assert!(again.line().ends_with("75.0% caught (this run; 2 caught or unviable earlier)"));
    }
}
