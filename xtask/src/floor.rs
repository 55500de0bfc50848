//! `cargo xtask size-floor`: the small programs of docs/size-floor/, built
//! as `cargo xtask dist` builds the page (wasm-bindgen, then `wasm-opt -Oz`),
//! with their sizes printed: what the planner's content, Yew alone, and a
//! first module without serde, TOML and the secondary panels weigh
//! (docs/size.md, "The floor"). `cargo xtask test` type-checks them, so they
//! cannot drift from the core they measure.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::toolchain::{self, WasmToolchain, WASM_TARGET};
use crate::web::{brotli, gzip, optimize};
use crate::{run, workspace_root};

/// A row of the table: its label, the program's folder, its cargo flags.
struct Program {
    label: &'static str,
    dir: &'static str,
    flags: &'static [&'static str],
    /// Built with nightly's size-only std flags (`--unstable`).
    unstable: bool,
}

const PROGRAMS: &[Program] = &[
    Program {
        label: "content, calculators only",
        dir: "content",
        flags: &["--no-default-features"],
        unstable: false,
    },
    Program { label: "content with the validators", dir: "content", flags: &[], unstable: false },
    Program { label: "a minimal Yew app", dir: "yew", flags: &[], unstable: false },
    Program {
        label: "a first view without serde/TOML",
        dir: "firstview",
        flags: &[],
        unstable: false,
    },
    Program { label: "the same, nightly size flags", dir: "firstview", flags: &[], unstable: true },
];

/// The flags of the `unstable` rows: a panic traps (no hook, no message), no
/// file paths or `Debug` text, std built for size.
const UNSTABLE_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none";

fn floor_dir() -> PathBuf {
    workspace_root().join("docs/size-floor")
}

/// Their own target dir: each program is a workspace of its own.
fn target_dir(unstable: bool) -> PathBuf {
    workspace_root().join(if unstable { "target/size-floor-nightly" } else { "target/size-floor" })
}

/// `cargo check` of every program for wasm32, as they are locked: a change
/// of the core's types that one of them no longer builds against fails here.
pub fn check() -> Result<()> {
    let toolchain = toolchain::wasm_toolchain()?;
    for p in PROGRAMS.iter().filter(|p| !p.unstable) {
        println!("check: docs/size-floor/{} {}", p.dir, p.flags.join(" "));
        run(toolchain
            .cargo()
            .current_dir(floor_dir().join(p.dir))
            .args(["check", "--quiet", "--locked", "--release", "--target", WASM_TARGET])
            .args(p.flags)
            .env("CARGO_TARGET_DIR", target_dir(false)))
        .with_context(|| format!("docs/size-floor/{} does not build", p.dir))?;
        run(crate::cargo().current_dir(floor_dir().join(p.dir)).args(["fmt", "--check"]))
            .with_context(|| format!("docs/size-floor/{} is not formatted", p.dir))?;
    }
    Ok(())
}

/// Builds each program and prints its module's and glue's sizes.
pub fn run_floor(unstable: bool) -> Result<()> {
    let toolchain = toolchain::wasm_toolchain()?;
    let bindgen = toolchain::wasm_bindgen()?;
    let out = workspace_root().join("target/size-floor-out");
    std::fs::create_dir_all(&out)?;
    println!(
        "{:<36} {:>10} {:>10} {:>10} {:>10} {:>11}",
        "program", "wasm", "gzip -9", "brotli", "glue gzip", "glue brotli"
    );
    for (i, p) in PROGRAMS.iter().enumerate().filter(|(_, p)| unstable || !p.unstable) {
        let wasm = build(&toolchain, p)?;
        let pkg = out.join(format!("pkg-{i}"));
        let _ = std::fs::remove_dir_all(&pkg);
        run(std::process::Command::new(&bindgen)
            .args(["--target", "web", "--no-typescript", "--out-name", "m", "--out-dir"])
            .arg(&pkg)
            .arg(&wasm))?;
        let optimized = out.join(format!("{i}.wasm"));
        optimize(&pkg.join("m_bg.wasm"), &optimized)?;
        let module = std::fs::read(&optimized)?;
        let glue = std::fs::read(pkg.join("m.js"))?;
        println!(
            "{:<36} {:>10} {:>10} {:>10} {:>10} {:>11}",
            p.label,
            module.len(),
            gzip(&module)?.len(),
            brotli(&module)?.len(),
            gzip(&glue)?.len(),
            brotli(&glue)?.len()
        );
    }
    Ok(())
}

/// `cargo build --release` of one program; the path of its .wasm.
fn build(toolchain: &WasmToolchain, p: &Program) -> Result<PathBuf> {
    let dir = floor_dir().join(p.dir);
    let target = target_dir(p.unstable);
    let mut cmd = if p.unstable {
        toolchain::nightly_rust_src()?;
        let mut c = std::process::Command::new("cargo");
        c.args(["+nightly", "build", "-Zbuild-std=std,panic_abort"])
            .arg("-Zbuild-std-features=optimize_for_size")
            .env("RUSTFLAGS", UNSTABLE_RUSTFLAGS);
        c
    } else {
        let mut c = toolchain.cargo();
        c.arg("build");
        c
    };
    println!("build: docs/size-floor/{} {}", p.dir, p.flags.join(" "));
    run(cmd
        .current_dir(&dir)
        .args(["--quiet", "--locked", "--release", "--target", WASM_TARGET])
        .args(p.flags)
        .env("CARGO_TARGET_DIR", &target))?;
    artifact(&target.join(WASM_TARGET).join("release"), p.dir)
}

/// A bin is named `size-floor-NAME.wasm`, a cdylib `size_floor_NAME.wasm`.
fn artifact(dir: &Path, name: &str) -> Result<PathBuf> {
    [format!("size-floor-{name}.wasm"), format!("size_floor_{name}.wasm")]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .with_context(|| format!("cargo built no .wasm for docs/size-floor/{name}"))
}
