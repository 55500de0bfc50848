//! `cargo xtask bench`: dumptool against the reference tools, side by side,
//! in one run:
//!
//! - capture of a 1 GiB-RSS process with 32 threads (dumptool-testee) by
//!   `dumptool capture` and by `gcore`: wall time, dump size, and the longest
//!   stall the target saw, measured by its heartbeat thread;
//! - `dumptool analyze` of gcore's core against gdb's backtrace of it:
//!   time, peak RSS, threads and frames;
//! - `dumptool analyze` against `minidump-stackwalk --json` on the corpus
//!   dumps and the captured one: time, peak RSS, and whether the two agree
//!   on modules, threads and the crashing thread's frames.
//!
//! Prints the figures and the ratios. Needs Linux; gcore is used when
//! installed, minidump-stackwalk is installed into target/tools when missing.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::{cmd_ok, workspace_root};

const RSS_MIB: u64 = 1024;
const THREADS: u32 = 32;
/// Runs per tool and dump: an analysis takes milliseconds, so the median
/// of many keeps a busy machine's hiccups out of the figure.
const ANALYZE_RUNS: u32 = 21;

struct Testee {
    child: Child,
    pid: u32,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Testee {
    fn spawn(exe: &Path) -> Result<Testee> {
        let mut child = Command::new(exe)
            .args(["--threads", &THREADS.to_string(), "--rss-mib", &RSS_MIB.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let stdin = child.stdin.take().context("testee stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().context("testee stdout")?);
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let pid =
            line.trim().strip_prefix("ready ").context("testee did not say ready")?.parse()?;
        Ok(Testee { child, pid, stdin, stdout })
    }

    fn ask(&mut self, cmd: &str) -> Result<String> {
        writeln!(self.stdin, "{cmd}")?;
        self.stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        Ok(line.trim().to_string())
    }

    /// Longest heartbeat gap since the last reset.
    fn stall(&mut self) -> Result<Duration> {
        let answer = self.ask("stall")?;
        let us: u64 = answer.strip_prefix("stall_us ").context("stall answer")?.parse()?;
        Ok(Duration::from_micros(us))
    }
}

impl Drop for Testee {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Capture {
    tool: &'static str,
    wall: Duration,
    size: u64,
    stall: Duration,
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn timed(cmd: &mut Command) -> Result<Duration> {
    let start = Instant::now();
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    let wall = start.elapsed();
    if !out.status.success() {
        bail!("{:?} failed: {}", cmd.get_program(), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(wall)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1u64 << 20) as f64)
}

fn ratio(a: f64, b: f64) -> String {
    if a > 0.0 {
        format!("{:.1}x", b / a)
    } else {
        "-".into()
    }
}

pub fn run() -> Result<()> {
    if !cfg!(target_os = "linux") {
        bail!("the capture benchmark needs Linux (ptrace)");
    }
    let root = workspace_root();
    crate::run(
        Command::new("cargo")
            .args(["build", "--release", "-p", "dumptool", "--bins"])
            .current_dir(&root),
    )?;
    let bin = target_dir().join("release");
    let dumptool = bin.join("dumptool");
    // The release binary measured here is the one users get: no test switch.
    let found = crate::web::test_switches_in(&dumptool)?;
    if !found.is_empty() {
        bail!("{} contains the test switch(es) {}", dumptool.display(), found.join(", "));
    }
    let testee_exe = bin.join("dumptool-testee");
    let scratch = tempfile_dir()?;

    println!("== capture: {RSS_MIB} MiB resident, {THREADS} threads (dumptool-testee)");
    let mut testee = Testee::spawn(&testee_exe)?;
    std::thread::sleep(Duration::from_millis(200));
    let mut captures = Vec::new();
    let mut gcore_core = None;

    testee.ask("reset")?;
    let dump = scratch.join("bench.dmp");
    let wall = timed(
        Command::new(&dumptool).arg("capture").arg(testee.pid.to_string()).arg("-o").arg(&dump),
    )?;
    std::thread::sleep(Duration::from_millis(20));
    let stall = testee.stall()?;
    captures.push(Capture {
        tool: "dumptool capture",
        wall,
        size: std::fs::metadata(&dump)?.len(),
        stall,
    });

    if cmd_ok("gcore", &["--version"]) || Path::new("/usr/bin/gcore").exists() {
        testee.ask("reset")?;
        let prefix = scratch.join("core");
        let wall = timed(Command::new("gcore").arg("-o").arg(&prefix).arg(testee.pid.to_string()))?;
        std::thread::sleep(Duration::from_millis(20));
        let stall = testee.stall()?;
        let core = scratch.join(format!("core.{}", testee.pid));
        let size = std::fs::metadata(&core).map(|m| m.len()).unwrap_or(0);
        captures.push(Capture { tool: "gcore", wall, size, stall });
        gcore_core = Some(core);
    } else {
        println!("gcore is not installed (apt-get install gdb): skipped");
    }
    if testee.ask("ping")? != "pong" {
        bail!("the testee stopped answering after the captures");
    }
    drop(testee);

    println!("{:<18} {:>12} {:>14} {:>14}", "tool", "wall", "size", "longest stall");
    for c in &captures {
        println!("{:<18} {:>12} {:>14} {:>14}", c.tool, ms(c.wall), mib(c.size), ms(c.stall));
    }
    if let [d, g] = &captures[..] {
        println!(
            "gcore / dumptool: wall {}, size {}, stall {}",
            ratio(d.wall.as_secs_f64(), g.wall.as_secs_f64()),
            ratio(d.size as f64, g.size as f64),
            ratio(d.stall.as_secs_f64(), g.stall.as_secs_f64()),
        );
    }

    if let Some(core) = &gcore_core {
        analyze_core(&dumptool, &testee_exe, core, &scratch)?;
        let _ = std::fs::remove_file(core);
    }
    let stackwalk = stackwalk()?;
    analyze(&root, &dumptool, &stackwalk, &dump)?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// Runs of each tool on the gcore core: seconds each, not milliseconds.
const CORE_RUNS: u32 = 5;

/// `dumptool analyze` of gcore's core of the testee against gdb's
/// `thread apply all bt` of the same core, both with this host's files
/// (gdb reads a core's memory as it needs it; dumptool reads the notes,
/// the stacks and the modules' first pages): median time, peak RSS, and
/// the threads and frames each found.
fn analyze_core(dumptool: &Path, exe: &Path, core: &Path, scratch: &Path) -> Result<()> {
    println!(
        "\n== analyze a core: dumptool analyze --offline --format json vs gdb -batch \
         -ex 'thread apply all bt' ({}, median of {CORE_RUNS}; peak RSS of one run)",
        mib(std::fs::metadata(core)?.len())
    );
    let d = argv(&[&dumptool, &"analyze", &core, &"--offline", &"--format", &"json"]);
    let g = argv(&[
        &"gdb",
        &"-batch",
        &"-nx",
        &"-ex",
        &"set debuginfod enabled off",
        &"-ex",
        &"thread apply all bt",
        &exe,
        &core,
    ]);
    let (d_out, d_rss) = output_and_rss(&d, scratch)?;
    let (g_out, g_rss) = output_and_rss(&g, scratch)?;
    let summary: Value = serde_json::from_slice(&d_out).context("dumptool's JSON")?;
    let threads = len(&summary["threads"]);
    let frames: usize =
        summary["threads"].as_array().map_or(0, |ts| ts.iter().map(|t| len(&t["frames"])).sum());
    let g_text = String::from_utf8_lossy(&g_out);
    let g_threads = g_text.lines().filter(|l| l.starts_with("Thread ")).count();
    let g_frames = g_text.lines().filter(|l| l.starts_with('#')).count();
    let (dt, gt) = medians(&d, &g, CORE_RUNS)?;
    println!(
        "dumptool {} ({} peak), gdb {} ({} peak), gdb / dumptool {}; \
         threads: dumptool {threads}, gdb {g_threads}; frames: dumptool {frames}, gdb {g_frames}",
        ms(dt),
        kib(d_rss),
        ms(gt),
        kib(g_rss),
        ratio(dt.as_secs_f64(), gt.as_secs_f64()),
    );
    Ok(())
}

/// A fresh scratch directory under the target dir (the core from gcore is
/// as large as the process, so not in a small /tmp).
fn tempfile_dir() -> Result<PathBuf> {
    let dir = target_dir().join(format!("bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// minidump-stackwalk, rust-minidump's own CLI, at the version of the
/// rust-minidump crates dumptool links (Cargo.lock), so both run the same
/// parser and stack walker. Installed from crates.io into target/tools the
/// first time (a few minutes of compiling), reused after.
fn stackwalk() -> Result<PathBuf> {
    let version = crate::toolchain::locked_version("minidump-processor")?;
    let root = target_dir().join("tools");
    let exe = root.join("bin").join("minidump-stackwalk");
    let have = Command::new(&exe)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if have.as_deref() == Some(&format!("minidump-stackwalk {version}")) {
        return Ok(exe);
    }
    println!("bench: installing minidump-stackwalk {version} into {}", root.display());
    crate::run(
        Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
            .args(["install", "--locked", "minidump-stackwalk", "--version", &version, "--root"])
            .arg(&root),
    )?;
    Ok(exe)
}

/// What a dump holds by one tool's account: the figures both tools report.
#[derive(Debug)]
struct Shape {
    os: String,
    crash: String,
    modules: usize,
    threads: usize,
    crashing: Option<u64>,
    /// The crashing (or requesting) thread's frames, then how many
    /// inlined calls they hold.
    frames: Option<(usize, usize)>,
    /// Frames of all threads found by stack scanning.
    scanned: usize,
}

fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

fn frames_with_trust(threads: &Value, trust: &str) -> usize {
    threads
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["frames"].as_array().into_iter().flatten())
        .filter(|f| f["trust"] == trust)
        .count()
}

/// dumptool lists an inlined call as a frame of its own (trust `inlined`).
fn dumptool_shape(v: &Value) -> Shape {
    let crashing = v["crashing_thread"].as_u64();
    let frames = crashing.and_then(|i| v["threads"][i as usize]["frames"].as_array()).map(|f| {
        let inlined = f.iter().filter(|f| f["trust"] == "inlined").count();
        (f.len() - inlined, inlined)
    });
    Shape {
        os: v["system"]["os"].as_str().unwrap_or_default().to_string(),
        crash: v["crash"]["reason"].as_str().unwrap_or_default().to_string(),
        modules: len(&v["modules"]),
        threads: len(&v["threads"]),
        crashing,
        frames,
        scanned: frames_with_trust(&v["threads"], "scan"),
    }
}

/// minidump-stackwalk nests inlined calls in their frame's `inlines`, and
/// calls a dump taken on request (no exception) `DUMP_REQUESTED` where
/// dumptool reports no crash.
fn stackwalk_shape(v: &Value) -> Shape {
    let crashing = v["crash_info"]["crashing_thread"].as_u64();
    let frames = crashing
        .and_then(|i| v["threads"][i as usize]["frames"].as_array())
        .map(|f| (f.len(), f.iter().map(|f| len(&f["inlines"])).sum()));
    Shape {
        os: v["system_info"]["os"].as_str().unwrap_or_default().to_string(),
        crash: v["crash_info"]["type"]
            .as_str()
            .filter(|t| *t != "DUMP_REQUESTED")
            .unwrap_or_default()
            .to_string(),
        modules: len(&v["modules"]),
        threads: len(&v["threads"]),
        crashing,
        frames,
        scanned: frames_with_trust(&v["threads"], "scan"),
    }
}

/// Where the two accounts differ, as `field dumptool/stackwalk` pairs.
fn differences(d: &Shape, s: &Shape) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name} {a}/{b}"));
        }
    };
    check("os", d.os.clone(), s.os.clone());
    check("crash", d.crash.clone(), s.crash.clone());
    check("modules", d.modules.to_string(), s.modules.to_string());
    check("threads", d.threads.to_string(), s.threads.to_string());
    check("crashing thread", format!("{:?}", d.crashing), format!("{:?}", s.crashing));
    check("frames", format!("{:?}", d.frames), format!("{:?}", s.frames));
    out
}

/// Runs a command once for its standard output and its peak resident set
/// (GNU time's `%M`, KiB; `None` without /usr/bin/time).
fn output_and_rss(argv: &[OsString], scratch: &Path) -> Result<(Vec<u8>, Option<u64>)> {
    let gnu_time = Path::new("/usr/bin/time");
    let report = scratch.join("rss");
    let mut cmd = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.args(["-f", "%M", "-o"]).arg(&report).args(argv);
        c
    } else {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        c
    };
    let out = cmd.output().with_context(|| format!("cannot start {:?}", argv[0]))?;
    if !out.status.success() {
        bail!("{:?} failed: {}", argv[0], String::from_utf8_lossy(&out.stderr).trim());
    }
    // GNU time's last line is the figure asked for.
    let rss = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
    Ok((out.stdout, rss))
}

/// The median of `runs` runs of each command, run in turn so that load
/// from elsewhere on the machine falls on both alike.
fn medians(a: &[OsString], b: &[OsString], runs: u32) -> Result<(Duration, Duration)> {
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        ta.push(timed(Command::new(&a[0]).args(&a[1..]))?);
        tb.push(timed(Command::new(&b[0]).args(&b[1..]))?);
    }
    ta.sort();
    tb.sort();
    Ok((ta[ta.len() / 2], tb[tb.len() / 2]))
}

fn argv(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    parts.iter().map(|p| p.as_ref().to_os_string()).collect()
}

fn kib(k: Option<u64>) -> String {
    k.map_or("-".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

/// `dumptool analyze` against `minidump-stackwalk --json` on the corpus
/// dumps and the captured one: the same symbols for both (the corpus's
/// Breakpad store; dumptool's host-file lookup off, since minidump-stackwalk
/// has none), then dumptool as users run it, with this host's files, on
/// the captured dump.
fn analyze(root: &Path, dumptool: &Path, stackwalk: &Path, captured: &Path) -> Result<()> {
    let store = root.join("testdata/minidumps/symbols");
    let scratch = captured.parent().context("scratch directory")?;
    let mut dumps: Vec<PathBuf> = std::fs::read_dir(root.join("testdata/minidumps"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dmp"))
        // The malformed dumps and the fuzz regression are errors (the latter
        // aborts minidump-stackwalk 0.27), not workloads.
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            !name.starts_with("invalid-r") && !name.starts_with("fuzz-")
        })
        .collect();
    dumps.sort();
    dumps.push(captured.to_path_buf());

    println!(
        "\n== analyze, same symbols: dumptool analyze --format json --no-host-files --symbols S \
         vs minidump-stackwalk --json --symbols-path S (median of {ANALYZE_RUNS}; peak RSS of one run)"
    );
    println!(
        "{:<32} {:>9} {:>9} {:>6} {:>9} {:>9} {:>6}  agreement",
        "dump", "dumptool", "stackwalk", "time", "dt RSS", "sw RSS", "RSS"
    );
    let (mut total_d, mut total_s) = (Duration::ZERO, Duration::ZERO);
    let mut agreeing = 0;
    for path in &dumps {
        let d = argv(&[
            &dumptool,
            &"analyze",
            path,
            &"--format",
            &"json",
            &"--no-host-files",
            &"--symbols",
            &store,
        ]);
        let s = argv(&[&stackwalk, &"--json", &"--symbols-path", &store, path]);
        let (d_out, d_rss) = output_and_rss(&d, scratch)?;
        let (s_out, s_rss) = output_and_rss(&s, scratch)?;
        let d_shape = dumptool_shape(&serde_json::from_slice(&d_out).context("dumptool's JSON")?);
        let s_shape =
            stackwalk_shape(&serde_json::from_slice(&s_out).context("minidump-stackwalk's JSON")?);
        let diff = differences(&d_shape, &s_shape);
        let (dt, st) = medians(&d, &s, ANALYZE_RUNS)?;
        total_d += dt;
        total_s += st;
        let agreement = if diff.is_empty() {
            agreeing += 1;
            format!(
                "same: {} modules, {} threads, {} frames",
                d_shape.modules,
                d_shape.threads,
                d_shape.frames.map_or(0, |f| f.0 + f.1)
            )
        } else {
            format!("differs: {}", diff.join(", "))
        };
        let rss_ratio = match (d_rss, s_rss) {
            (Some(a), Some(b)) => ratio(a as f64, b as f64),
            _ => "-".into(),
        };
        println!(
            "{:<32} {:>9} {:>9} {:>6} {:>9} {:>9} {:>6}  {agreement}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            ms(dt),
            ms(st),
            ratio(dt.as_secs_f64(), st.as_secs_f64()),
            kib(d_rss),
            kib(s_rss),
            rss_ratio,
        );
    }
    println!(
        "total: dumptool {}, minidump-stackwalk {}, stackwalk / dumptool {}; \
         {agreeing} of {} dumps agree",
        ms(total_d),
        ms(total_s),
        ratio(total_d.as_secs_f64(), total_s.as_secs_f64()),
        dumps.len()
    );

    println!(
        "\n== analyze, as run by default: dumptool with this host's files, on the captured dump"
    );
    let d = argv(&[&dumptool, &"analyze", &captured, &"--format", &"json", &"--offline"]);
    let s = argv(&[&stackwalk, &"--json", &captured]);
    let (d_out, d_rss) = output_and_rss(&d, scratch)?;
    let (s_out, s_rss) = output_and_rss(&s, scratch)?;
    let d_shape = dumptool_shape(&serde_json::from_slice(&d_out).context("dumptool's JSON")?);
    let s_shape =
        stackwalk_shape(&serde_json::from_slice(&s_out).context("minidump-stackwalk's JSON")?);
    let (dt, st) = medians(&d, &s, ANALYZE_RUNS)?;
    println!(
        "dumptool {} ({} peak), minidump-stackwalk {} ({} peak), stackwalk / dumptool {}",
        ms(dt),
        kib(d_rss),
        ms(st),
        kib(s_rss),
        ratio(dt.as_secs_f64(), st.as_secs_f64())
    );
    println!(
        "frames found by stack scanning, all threads: dumptool {}, minidump-stackwalk {}; \
         requesting thread's frames: dumptool {:?}, minidump-stackwalk {:?}",
        d_shape.scanned, s_shape.scanned, d_shape.frames, s_shape.frames
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two tools' JSON for the same requested dump: dumptool lists the
    /// inlined call as a frame, minidump-stackwalk nests it and names the
    /// dump DUMP_REQUESTED. Both say the same.
    #[test]
    fn the_two_accounts_are_compared_alike() {
        let dumptool: Value = serde_json::json!({
            "system": {"os": "Linux"}, "crash": null, "crashing_thread": 0,
            "modules": [{}, {}],
            "threads": [{"frames": [{"trust": "inlined"}, {"trust": "context"}, {"trust": "cfi"}]}],
        });
        let stackwalk: Value = serde_json::json!({
            "system_info": {"os": "Linux"},
            "crash_info": {"type": "DUMP_REQUESTED", "crashing_thread": 0},
            "modules": [{}, {}],
            "threads": [{"frames": [{"trust": "context", "inlines": [{}]}, {"trust": "cfi"}]}],
        });
        let (d, s) = (dumptool_shape(&dumptool), stackwalk_shape(&stackwalk));
        assert_eq!(differences(&d, &s), Vec::<String>::new());
        let mut scanned = stackwalk.clone();
        scanned["threads"][0]["frames"][1]["trust"] = "scan".into();
        scanned["threads"][0]["frames"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"trust": "scan"}));
        let s = stackwalk_shape(&scanned);
        assert_eq!(differences(&d, &s), ["frames Some((2, 1))/Some((3, 1))"]);
        assert_eq!(s.scanned, 2);
    }
}
