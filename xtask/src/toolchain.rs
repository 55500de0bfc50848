//! Setup shared by `serve`, `dist` and `test`: a compiler that can target
//! wasm32, the wasm-bindgen CLI at the version in Cargo.lock, and Chromium.
//!
//! Every step checks first and does nothing when already satisfied, printing
//! one line either way. See shared/TOOLCHAIN.md for why the Debian fallback
//! exists (no route to the rustup servers on these machines).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::{cmd_ok, run, run_quiet, workspace_root};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian's packages that give a wasm-capable rustc when rustup cannot.
const DEBIAN_RUST: &[&str] =
    &["rustc-web", "cargo-web", "rust-web-src", "rust-web-llvm", "rust-web-clippy", "lld-22"];
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_STD_SRC: &str = "/usr/lib/rustlib/src/rust/library";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How to build for wasm32 on this machine.
#[derive(Debug, Clone)]
pub enum WasmToolchain {
    /// rustup's toolchain with the prebuilt wasm32 standard library.
    Rustup,
    /// Debian's rustc-web, building std from source (`-Zbuild-std`).
    Debian,
}

impl WasmToolchain {
    /// A `cargo` command set up to build for wasm32 with this toolchain.
    pub fn cargo(&self) -> Command {
        match self {
            WasmToolchain::Rustup => Command::new(std::env::var("CARGO").unwrap_or("cargo".into())),
            WasmToolchain::Debian => {
                let mut c = Command::new(DEBIAN_CARGO);
                // Debian's cargo-clippy and clippy-driver must win over rustup's proxies.
                let path = std::env::var("PATH").unwrap_or_default();
                c.env("PATH", format!("/usr/bin:{path}"))
                    .env("RUSTC", DEBIAN_RUSTC)
                    .env("RUSTC_BOOTSTRAP", "1")
                    .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
                    .env_remove("RUSTUP_TOOLCHAIN")
                    .env_remove("RUSTDOC");
                c
            }
        }
    }
}

/// Finds or installs a wasm32-capable compiler.
pub fn wasm_toolchain() -> Result<WasmToolchain> {
    if rustup_has_target() {
        println!("setup: wasm32 target: rustup has {WASM_TARGET}, nothing to do");
        return Ok(WasmToolchain::Rustup);
    }
    if debian_rust_ready() {
        println!("setup: wasm32 target: using Debian's rustc-web (rustup has no {WASM_TARGET}), nothing to install");
        return Ok(WasmToolchain::Debian);
    }
    if cmd_ok("rustup", &["--version"]) {
        // Cannot succeed without internet: keep the wait short.
        let added = run_with_timeout(
            Command::new("rustup").args(["target", "add", WASM_TARGET]),
            Duration::from_secs(20),
        );
        if added && rustup_has_target() {
            println!("setup: wasm32 target: installed with rustup target add");
            return Ok(WasmToolchain::Rustup);
        }
    }
    apt_install(DEBIAN_RUST)?;
    if !debian_rust_ready() {
        bail!(
            "Debian's rustc-web installed but {DEBIAN_STD_SRC} is missing; reinstall rust-web-src"
        );
    }
    println!("setup: wasm32 target: installed Debian's rustc-web ({})", DEBIAN_RUST.join(" "));
    Ok(WasmToolchain::Debian)
}

fn rustup_has_target() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == WASM_TARGET))
        .unwrap_or(false)
}

fn debian_rust_ready() -> bool {
    Path::new(DEBIAN_RUSTC).exists()
        && Path::new(DEBIAN_CARGO).exists()
        && Path::new(DEBIAN_STD_SRC).exists()
        && Path::new("/usr/bin/cargo-clippy").exists()
        && cmd_ok("which", &["wasm-ld-22"])
}

/// Installs Debian packages, or explains what to do when this is not root.
pub fn apt_install(packages: &[&str]) -> Result<()> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !is_root || !cmd_ok("apt-get", &["--version"]) {
        bail!(
            "cannot install {} here: this needs root and apt-get. Either run `rustup target add {WASM_TARGET}` \
             (needs internet), or as root: apt-get install -y {}",
            packages.join(" "),
            packages.join(" ")
        );
    }
    println!("setup: apt-get install {} (once per machine)", packages.join(" "));
    run_quiet(Command::new("apt-get").args(["update", "-qq"]))?;
    run_quiet(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// The wasm-bindgen version pinned in Cargo.lock.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    locked_version("wasm-bindgen")
}

/// The version of a package pinned in Cargo.lock (the first one listed
/// when the lock holds several).
pub fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock"))
        .context("reading Cargo.lock")?;
    let lock: toml::Table = lock.parse().context("parsing Cargo.lock")?;
    lock.get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(package))
        .and_then(|p| p.get("version")?.as_str().map(str::to_string))
        .with_context(|| format!("Cargo.lock has no {package} package"))
}

/// The wasm-bindgen CLI matching Cargo.lock, installed when missing.
pub fn wasm_bindgen() -> Result<PathBuf> {
    let want = locked_wasm_bindgen_version()?;
    let have = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if have.as_deref() == Some(&format!("wasm-bindgen {want}")) {
        println!("setup: wasm-bindgen CLI {want}: present, nothing to do");
        return Ok(PathBuf::from("wasm-bindgen"));
    }
    println!("setup: wasm-bindgen CLI {want}: installing with cargo install (about 5 min, once per machine)");
    // `--locked` fails today: a locked dependency of the CLI was yanked.
    run(Command::new(std::env::var("CARGO").unwrap_or("cargo".into())).args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &want,
    ]))?;
    Ok(PathBuf::from("wasm-bindgen"))
}

/// Nightly's std source, for `cargo xtask size-floor --unstable`'s
/// `-Zbuild-std`; added with rustup when missing (needs its servers).
pub fn nightly_rust_src() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["component", "list", "--toolchain", "nightly", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.starts_with("rust-src")))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    println!("setup: rustup component add rust-src --toolchain nightly");
    run(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", "nightly"]))
}

/// binaryen from the npm registry: Debian's (version 108) rejects modules
/// built by current rustc.
const BINARYEN_VERSION: &str = "132.0.0";

/// A wasm-opt that understands what rustc emits, installed when missing;
/// `None` (with a line saying so) when neither it nor npm is available.
pub fn wasm_opt() -> Option<PathBuf> {
    let pkg = format!("binaryen@{BINARYEN_VERSION}");
    match npm_packages("binaryen", BINARYEN_VERSION, &[&pkg]) {
        Ok(dir) => {
            let bin = dir.join("node_modules/.bin/wasm-opt");
            if bin.exists() {
                return Some(bin);
            }
            println!("setup: wasm-opt: {pkg} has no wasm-opt, the wasm is shipped unoptimized");
            None
        }
        Err(e) => {
            println!("setup: wasm-opt: {e:#}; the wasm is shipped unoptimized");
            None
        }
    }
}

/// Installs pinned npm packages into `~/.cache/headroom/<name>/<key>` once
/// and returns that folder; later calls only check its marker file. `key`
/// must change whenever `packages` does, so a new pin gets a new folder.
pub fn npm_packages(name: &str, key: &str, packages: &[&str]) -> Result<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from).context("HOME is not set")?;
    let dir = home.join(".cache/headroom").join(name).join(key);
    // Written last, so an interrupted install is redone.
    let marker = dir.join(".installed");
    if marker.exists() {
        println!("setup: {}: present, nothing to do", packages.join(" "));
        return Ok(dir);
    }
    if !cmd_ok("npm", &["--version"]) {
        bail!("npm not found: install Node.js and npm (Debian: apt-get install npm)");
    }
    println!("setup: npm install {} into {}", packages.join(" "), dir.display());
    std::fs::create_dir_all(&dir)?;
    run_quiet(
        Command::new("npm")
            .current_dir(&dir)
            .args(["install", "--no-audit", "--no-fund", "--save-exact", "--prefix"])
            .arg(&dir)
            .args(packages),
    )
    .with_context(|| format!("npm install {}", packages.join(" ")))?;
    std::fs::write(&marker, packages.join("\n"))?;
    Ok(dir)
}

/// Debian's Chromium, for the browser tests.
pub fn chromium() -> Result<PathBuf> {
    if Path::new(CHROMIUM).exists() {
        println!("setup: chromium: {CHROMIUM} present, nothing to do");
    } else {
        apt_install(&["chromium"])?;
        println!("setup: chromium: installed Debian's chromium");
    }
    Ok(PathBuf::from(CHROMIUM))
}

/// Debian's tools that dumptool's tests run for real: the debuginfod
/// server (a split debug file served on loopback), the compressors
/// systemd-coredump and users pack cores with, and gdb (gcore's cores, and
/// a debugger already attached when `capture` starts). Without root the debuginfod
/// test skips itself, so a failed install is a warning, not an error.
const TEST_TOOLS: &[(&str, &str)] = &[
    ("/usr/bin/debuginfod", "debuginfod"),
    ("/usr/bin/zstd", "zstd"),
    ("/usr/bin/lz4", "lz4"),
    ("/usr/bin/xz", "xz-utils"),
    ("/usr/bin/gdb", "gdb"),
];

pub fn test_tools() {
    let missing: Vec<&str> =
        TEST_TOOLS.iter().filter(|(bin, _)| !Path::new(bin).exists()).map(|&(_, p)| p).collect();
    if missing.is_empty() {
        println!("setup: test tools (debuginfod, zstd, lz4, xz, gdb): present, nothing to do");
        return;
    }
    match apt_install(&missing) {
        Ok(()) => println!("setup: test tools: installed {}", missing.join(" ")),
        Err(e) => println!("setup: test tools: not installed ({e:#}); their tests will fail"),
    }
}

/// Runs a command, killing it after `limit`; true when it exited 0 in time.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> bool {
    let Ok(mut child) =
        cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn()
    else {
        return false;
    };
    let start = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(200)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}
