//! `cargo xtask fuzz`: every cargo-fuzz target in the workspace, in turn.
//!
//! Fuzz crates live next to the crate they fuzz (`core/fuzz`,
//! `dumptool/fuzz`), each with its own `[workspace]`, as rust-minidump does.
//! Crashes found become regression tests in the fuzzed crate.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{cmd_ok, workspace_root};

const FUZZ_DIRS: &[&str] = &["core/fuzz", "dumptool/fuzz"];

pub fn run(seconds: u64) -> Result<()> {
    if !cmd_ok("cargo", &["fuzz", "--version"]) {
        println!("setup: cargo-fuzz: installing with cargo install (once per machine)");
        crate::run(Command::new("cargo").args(["install", "cargo-fuzz"]))?;
    }
    if !cmd_ok("rustup", &["run", "nightly", "rustc", "--version"]) {
        bail!("cargo fuzz needs a nightly toolchain: rustup toolchain install nightly");
    }
    let root = workspace_root();
    let mut ran = 0;
    for dir in FUZZ_DIRS {
        let dir = root.join(dir);
        if !dir.join("Cargo.toml").exists() {
            continue;
        }
        let out = Command::new("cargo")
            .args(["+nightly", "fuzz", "list"])
            .current_dir(&dir)
            .output()
            .context("cargo fuzz list")?;
        for target in String::from_utf8_lossy(&out.stdout).lines().map(str::trim) {
            if target.is_empty() {
                continue;
            }
            println!("== fuzz {} {target} ({seconds} s)", dir.display());
            crate::run(
                Command::new("cargo")
                    .args(["+nightly", "fuzz", "run", target, "--", "-print_final_stats=1"])
                    .arg(format!("-max_total_time={seconds}"))
                    .current_dir(&dir),
            )?;
            ran += 1;
        }
    }
    if ran == 0 {
        bail!("no fuzz targets found under {}", FUZZ_DIRS.join(", "));
    }
    println!("xtask fuzz: {ran} targets ran without a crash");
    Ok(())
}
