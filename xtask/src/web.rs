//! Builds the planner page: cargo (wasm32) -> wasm-bindgen -> wasm-opt ->
//! `dist/` with index.html and the static assets. The crash-dump viewer is a
//! second module built the same way and fetched only when its view opens.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

use crate::toolchain::{self, WASM_TARGET};
use crate::{run, workspace_root};

/// The size-tuned profile in the workspace Cargo.toml.
const PROFILE: &str = "wasm-release";
const CRATE: &str = "headroom-web";
/// The crash-dump viewer (web/dumpview), loaded by `dumpview-loader.js`.
const DUMPVIEW_CRATE: &str = "headroom-dumpview";
const MODULES: [&str; 2] = [CRATE, DUMPVIEW_CRATE];

/// The wasm build's own target dir: it may use another rustc than the host
/// build, and must not invalidate its artifacts.
fn wasm_target_dir() -> PathBuf {
    workspace_root().join("target/wasm")
}

/// `cargo clippy -D warnings` for the crates that ship as wasm32, on wasm32:
/// cfg'd code and 32-bit `usize` only show up there.
pub fn clippy_wasm() -> Result<()> {
    let toolchain = toolchain::wasm_toolchain()?;
    run(toolchain
        .cargo()
        .current_dir(workspace_root())
        .args(["clippy", "--quiet", "-p", "headroom-core"])
        .args(MODULES.iter().flat_map(|m| ["-p", m]))
        .args(["--target", WASM_TARGET])
        .args(["--profile", PROFILE, "--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", wasm_target_dir()))
}

/// Builds `dist/` and returns its path.
pub fn build_dist() -> Result<PathBuf> {
    let root = workspace_root();
    let toolchain = toolchain::wasm_toolchain()?;
    let bindgen = toolchain::wasm_bindgen()?;
    let target_dir = wasm_target_dir();
    // One cargo run per module: built together, cargo would unify the
    // features of their shared dependencies and the planner could change.
    for krate in MODULES {
        println!("build: cargo build -p {krate} --target {WASM_TARGET} --profile {PROFILE}");
        run(toolchain
            .cargo()
            .current_dir(&root)
            .args(["build", "--quiet", "-p", krate, "--target", WASM_TARGET, "--profile", PROFILE])
            .env("CARGO_TARGET_DIR", &target_dir))?;
    }

    let pkg = root.join("target/web-pkg");
    let dist = root.join("dist");
    let staging = root.join("target/dist-staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    for krate in MODULES {
        bindgen_module(&bindgen, krate, &pkg)?;
        let bg = format!("{krate}_bg.wasm");
        optimize(&pkg.join(&bg), &staging.join(&bg))?;
        std::fs::copy(pkg.join(format!("{krate}.js")), staging.join(format!("{krate}.js")))?;
    }
    std::fs::copy(root.join("index.html"), staging.join("index.html"))?;
    for entry in std::fs::read_dir(root.join("web/assets"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), staging.join(entry.file_name()))?;
    }
    fingerprint_modules(&staging)?;
    write_service_worker(&root.join("web/sw.js"), &staging)?;
    precompress(&staging)?;
    // Replace dist/ whole, so it never holds a half-written site.
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::rename(&staging, &dist).context("moving the built site into dist/")?;
    Ok(dist)
}

/// Runs wasm-bindgen on the module cargo last built for `krate`, into `pkg`.
fn bindgen_module(bindgen: &Path, krate: &str, pkg: &Path) -> Result<()> {
    // Cargo names the artifact after the crate, with `-` as `_` for a lib.
    let artifact = wasm_target_dir().join(WASM_TARGET).join(PROFILE);
    let wasm = [format!("{krate}.wasm"), format!("{}.wasm", krate.replace('-', "_"))]
        .into_iter()
        .map(|name| artifact.join(name))
        .find(|p| p.exists())
        .with_context(|| format!("cargo built no .wasm for {krate}"))?;
    run(Command::new(bindgen)
        .args(["--target", "web", "--no-typescript", "--out-name", krate, "--out-dir"])
        .arg(pkg)
        .arg(&wasm))
}

/// The cargo feature of the planner that only its test build has.
pub const TEST_HOOKS: &str = "test-hooks";

/// The switches [`TEST_HOOKS`] and dumptool's fault injection add: none may
/// be in a shipped file.
pub const TEST_SWITCHES: [&str; 3] =
    ["panic-test", "DUMPTOOL_FAULT_KILL_TARGET", "DUMPTOOL_READ_WHOLE"];

/// Builds the browser tests' copy of the site in target/test-site: `dist`
/// with the planner rebuilt with its test hooks. Never deployed, so the
/// module is not run through wasm-opt. Cargo keeps both builds of the crate
/// (features are part of a build's identity), so switching costs a link.
pub fn build_test_site(dist: &Path) -> Result<PathBuf> {
    let root = workspace_root();
    let toolchain = toolchain::wasm_toolchain()?;
    let bindgen = toolchain::wasm_bindgen()?;
    println!("build: cargo build -p {CRATE} --features {TEST_HOOKS} (browser tests only)");
    run(toolchain
        .cargo()
        .current_dir(&root)
        .args(["build", "--quiet", "-p", CRATE, "--features", TEST_HOOKS])
        .args(["--target", WASM_TARGET, "--profile", PROFILE])
        .env("CARGO_TARGET_DIR", wasm_target_dir()))?;
    let pkg = root.join("target/test-site-pkg");
    bindgen_module(&bindgen, CRATE, &pkg)?;
    let site = root.join("target/test-site");
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(&site)?;
    for entry in std::fs::read_dir(dist)? {
        let entry = entry?;
        std::fs::copy(entry.path(), site.join(entry.file_name()))?;
    }
    // The test build replaces the planner's script and its (fingerprinted)
    // module; their precompressed copies would shadow the new bytes.
    std::fs::copy(pkg.join(format!("{CRATE}.js")), site.join(format!("{CRATE}.js")))?;
    let wasm = std::fs::read(pkg.join(format!("{CRATE}_bg.wasm")))?;
    for entry in std::fs::read_dir(&site)? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let module = name.starts_with(&format!("{CRATE}_bg.")) && name.ends_with(".wasm");
        if module {
            std::fs::write(&path, &wasm)?;
        }
        let planner =
            name.starts_with(&format!("{CRATE}.js.")) || name.starts_with(&format!("{CRATE}_bg."));
        if planner && (name.ends_with(".br") || name.ends_with(".gz")) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(site)
}

/// The test switches found in `file`'s bytes, as `strings` would show them.
pub fn test_switches_in(file: &Path) -> Result<Vec<&'static str>> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    Ok(TEST_SWITCHES
        .into_iter()
        .filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
        .collect())
}

/// Renames each wasm module to a name holding a hash of its bytes
/// (`headroom-web_bg.0123456789abcdef.wasm`) and points the scripts that
/// load it (and index.html's preload) there. A static host can then let browsers keep the modules, the
/// bulk of the page, for a year: a new build has new names. The scripts stay
/// under fixed names (index.html must find them) and are revalidated.
fn fingerprint_modules(site: &Path) -> Result<()> {
    let mut renames = Vec::new();
    for krate in MODULES {
        let name = format!("{krate}_bg.wasm");
        let bytes = std::fs::read(site.join(&name))?;
        let hashed = format!("{krate}_bg.{}.wasm", short_hash(&bytes));
        std::fs::rename(site.join(&name), site.join(&hashed))?;
        renames.push((format!("./{name}"), format!("./{hashed}")));
    }
    for entry in std::fs::read_dir(site)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "js" || e == "html") {
            let text = std::fs::read_to_string(&path)?;
            let new = renames.iter().fold(text.clone(), |t, (from, to)| t.replace(from, to));
            if new != text {
                std::fs::write(&path, new)?;
            }
        }
    }
    Ok(())
}

/// The first 8 bytes of a SHA-256, in hex: the fingerprint of a file name.
fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Files a static host should not compress: already compressed, or too
/// small to gain.
fn worth_compressing(name: &str) -> bool {
    !name.ends_with(".gz") && !name.ends_with(".br") && !name.ends_with(".png")
}

/// Writes `NAME.gz` (gzip -9) and `NAME.br` (brotli, quality 11) beside each
/// file, for hosts that serve precompressed files (nginx `gzip_static` and
/// `brotli_static`, `cargo xtask serve`): the wasm goes over the wire at
/// about 40% of its size without the host compressing on every request.
fn precompress(site: &Path) -> Result<()> {
    for entry in std::fs::read_dir(site)? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !worth_compressing(&name) {
            continue;
        }
        let data = std::fs::read(&path)?;
        std::fs::write(site.join(format!("{name}.gz")), gzip(&data)?)?;
        std::fs::write(site.join(format!("{name}.br")), brotli(&data)?)?;
    }
    Ok(())
}

pub(crate) fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(data)?;
    Ok(gz.finish()?)
}

pub(crate) fn brotli(data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
    Ok(out)
}

/// Writes `sw.js` from its template: the version is a hash of every other
/// file of the site (so a new build replaces the stored copies), and the
/// files stored at install are the planner's own.
fn write_service_worker(template: &Path, site: &Path) -> Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(site)?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_>>()?;
    names.sort();
    let mut hash = Sha256::new();
    for name in &names {
        hash.update(name.as_bytes());
        hash.update(std::fs::read(site.join(name))?);
    }
    let version: String = hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    let precache: Vec<String> = std::iter::once("./".to_string())
        .chain(names.iter().filter(|n| part_of(n) == PLANNER).map(|n| format!("./{n}")))
        .map(|n| format!("\"{n}\""))
        .collect();
    let text = std::fs::read_to_string(template)?
        .replace("__VERSION__", &version)
        .replace("__PRECACHE__", &format!("[{}]", precache.join(", ")));
    std::fs::write(site.join("sw.js"), text)?;
    Ok(())
}

/// Shrinks the wasm with wasm-opt when one is available; copies it otherwise.
/// Results are kept by the input's hash, so an unchanged module is not
/// optimized again (wasm-opt is most of a rebuild's time when nothing changed).
pub(crate) fn optimize(input: &Path, output: &Path) -> Result<()> {
    if let Some(wasm_opt) = toolchain::wasm_opt() {
        let bytes = std::fs::read(input)?;
        let digest: String =
            Sha256::digest(&bytes).iter().take(16).map(|b| format!("{b:02x}")).collect();
        let cached = workspace_root().join("target/wasm-opt-cache").join(format!("{digest}.wasm"));
        if cached.exists() {
            std::fs::copy(&cached, output)?;
            // Marks it recently used, for the pruning below.
            std::fs::File::options()
                .append(true)
                .open(&cached)?
                .set_modified(std::time::SystemTime::now())?;
            println!("build: wasm-opt -Oz: unchanged module, reused");
            return Ok(());
        }
        // The features rustc enables by default for wasm32-unknown-unknown.
        let status = Command::new(&wasm_opt)
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
                "-o",
            ])
            .arg(output)
            .arg(input)
            .status()?;
        if status.success() {
            // Written beside, then renamed: an interrupted copy is never reused.
            std::fs::create_dir_all(cached.parent().context("cache dir")?)?;
            let partial = cached.with_extension("partial");
            std::fs::copy(output, &partial)?;
            std::fs::rename(&partial, &cached)?;
            prune_cache(cached.parent().context("cache dir")?)?;
            println!("build: wasm-opt -Oz applied");
            return Ok(());
        }
        println!("build: wasm-opt failed ({status}); shipping the unoptimized module");
    }
    std::fs::copy(input, output)?;
    Ok(())
}

const PLANNER: &str = "planner (first load)";

/// Keeps the most recently used optimized modules (a few builds of each
/// module, e.g. across a branch switch) and deletes the rest.
fn prune_cache(dir: &Path) -> Result<()> {
    const KEEP: usize = 8;
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(|e| {
            let e = e.ok()?;
            Some((e.metadata().ok()?.modified().ok()?, e.path()))
        })
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, path) in entries.into_iter().skip(KEEP) {
        std::fs::remove_file(path)?;
    }
    Ok(())
}

/// Which load a file of `dist/` belongs to: what the page fetches first,
/// then the modules it fetches later.
fn part_of(file: &str) -> &'static str {
    if file.starts_with("headroom-dumpview")
        || file.starts_with("dumpview.")
        || file.starts_with("dumpview-worker")
    {
        "dump viewer (fetched when its view opens)"
    } else {
        PLANNER
    }
}

/// Prints each file's raw and gzipped size, with a total for each load.
pub fn print_sizes(dist: &Path) -> Result<()> {
    let mut files: Vec<_> = std::fs::read_dir(dist)?.collect::<Result<_, _>>()?;
    files.sort_by_key(|e| e.file_name());
    let mut parts: Vec<(&str, [u64; 3])> = Vec::new();
    println!("{:<40} {:>12} {:>12} {:>12}", "file", "bytes", "gzip -9", "brotli");
    for entry in files {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".gz") || name.ends_with(".br") {
            continue;
        }
        let raw = entry.metadata()?.len();
        // What a host sends: the precompressed file when there is one.
        let sent =
            |ext: &str| std::fs::metadata(dist.join(format!("{name}.{ext}"))).map(|m| m.len());
        let sizes = [raw, sent("gz").unwrap_or(raw), sent("br").unwrap_or(raw)];
        println!("{:<40} {:>12} {:>12} {:>12}", name, sizes[0], sizes[1], sizes[2]);
        let part = part_of(&name);
        match parts.iter_mut().find(|p| p.0 == part) {
            Some(p) => p.1.iter_mut().zip(sizes).for_each(|(t, s)| *t += s),
            None => parts.push((part, sizes)),
        }
    }
    parts.sort();
    for (part, [raw, gz, br]) in &parts {
        println!("total, {part}: {raw} bytes, {gz} gzipped, {br} brotli");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn the_cache_keeps_the_most_recently_used_modules() {
        let dir = std::env::temp_dir().join(format!("headroom-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let now = SystemTime::now();
        for i in 0..12u64 {
            let path = dir.join(format!("{i:02}.wasm"));
            std::fs::write(&path, b"\0asm").unwrap();
            // 00 was used last, 11 first.
            let used = now - Duration::from_secs(60 * i);
            std::fs::File::options().append(true).open(&path).unwrap().set_modified(used).unwrap();
        }
        prune_cache(&dir).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let _ = std::fs::remove_dir_all(&dir);
        let newest: Vec<String> = (0..8).map(|i| format!("{i:02}.wasm")).collect();
        assert_eq!(left, newest);
    }

    #[test]
    fn a_switch_anywhere_in_a_binary_is_found() {
        let dir = std::env::temp_dir().join(format!("headroom-switches-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (with, without) = (dir.join("with"), dir.join("without"));
        std::fs::write(
            &with,
            b"\0\x7fELF..\0DUMPTOOL_FAULT_KILL_TARGET\0?panic-test\0DUMPTOOL_READ_WHOLE",
        )
        .unwrap();
        // A prefix is not the switch.
        std::fs::write(&without, b"\0DUMPTOOL_FAULT_KILL_TARGE\0panic-tes\0").unwrap();
        let found = (test_switches_in(&with).unwrap(), test_switches_in(&without).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(found.0, TEST_SWITCHES);
        assert!(found.1.is_empty(), "{:?}", found.1);
    }
}
