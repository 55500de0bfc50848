//! `cargo xtask fuzz`: every cargo-fuzz target in the workspace, in turn.
//!
//! Fuzz crates live next to the crate they fuzz (`core/fuzz`,
//! `dumptool/fuzz`), each with its own `[workspace]`, as rust-minidump does.
//! Crashes found become regression tests in the fuzzed crate. Each target
//! starts from the project's own test data (real dumps, cores, configs and
//! plans), so it reaches deep paths from the first second.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{cmd_ok, workspace_root};

const FUZZ_DIRS: &[&str] = &["core/fuzz", "dumptool/fuzz"];

/// Seed inputs for a target: (folder of the workspace, file name suffix,
/// bytes the target itself puts in front of its input, so stripped here,
/// and bytes that pick how the target reads the rest, so put in front).
type Seeds = (&'static str, &'static str, &'static [u8], &'static [u8]);

fn seed_source(target: &str) -> Option<Seeds> {
    match target {
        "analyze_elfcore" | "slim_elfcore" => Some(("testdata/cores", ".core", b"\x7fELF", b"")),
        "analyze_minidump" | "redact_minidump" => {
            Some(("testdata/minidumps", ".dmp", b"MDMP", b""))
        }
        // The first byte 0 puts the rest behind zstd's magic.
        "unwrap_store" => Some(("testdata/cores", ".zst", b"\x28\xb5\x2f\xfd", b"\0")),
        "plan" => Some(("examples", ".toml", b"", b"")),
        t if t == "detect" || t.starts_with("validate_") => {
            Some(("testdata/configs", "", b"", b""))
        }
        _ => None,
    }
}

/// Writes the seeds of `target` under target/fuzz-seeds and returns that
/// folder, or `None` when the target has none.
fn seeds(root: &Path, target: &str) -> Result<Option<PathBuf>> {
    let Some((folder, suffix, magic, pick)) = seed_source(target) else { return Ok(None) };
    let out = root.join("target/fuzz-seeds").join(target);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    for entry in std::fs::read_dir(root.join(folder))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if !path.is_file() || !name.ends_with(suffix) || name == "README.md" {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        if let Some(rest) = bytes.strip_prefix(magic) {
            std::fs::write(out.join(&name), [pick, rest].concat())?;
        }
    }
    Ok(Some(out))
}

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
            let mut cmd = Command::new("cargo");
            cmd.args(["+nightly", "fuzz", "run", target]).current_dir(&dir);
            if let Some(seeds) = seeds(&root, target)? {
                // New inputs go to the first folder, the target's own corpus.
                let corpus = dir.join("corpus").join(target);
                std::fs::create_dir_all(&corpus)?;
                cmd.arg(&corpus).arg(seeds);
            }
            crate::run(
                cmd.args(["--", "-print_final_stats=1"]).arg(format!("-max_total_time={seconds}")),
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
