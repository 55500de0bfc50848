//! `cargo xtask bench`: dumptool against the reference tools, side by side,
//! in one run:
//!
//! - capture of a 1 GiB-RSS process with 32 threads (dumptool-testee) by
//!   `dumptool capture` and by `gcore`: wall time, dump size, and the longest
//!   stall the target saw, measured by its heartbeat thread;
//! - `dumptool analyze` against `minidump-stackwalk --json` on the corpus
//!   dumps and the captured one.
//!
//! Prints the figures and the ratios. Needs Linux; gcore and
//! minidump-stackwalk are used when installed and skipped otherwise.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::{cmd_ok, workspace_root};

const RSS_MIB: u64 = 1024;
const THREADS: u32 = 32;
const ANALYZE_RUNS: u32 = 5;

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
        let _ = std::fs::remove_file(&core);
        captures.push(Capture { tool: "gcore", wall, size, stall });
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

    println!("\n== analyze: dumptool analyze --format json vs minidump-stackwalk --json (mean of {ANALYZE_RUNS})");
    let stackwalk = cmd_ok("minidump-stackwalk", &["--version"]);
    if !stackwalk {
        println!(
            "minidump-stackwalk is not installed (cargo install minidump-stackwalk): dumptool only"
        );
    }
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
    dumps.push(dump.clone());
    let (mut total_d, mut total_s) = (0.0, 0.0);
    println!("{:<34} {:>12} {:>18} {:>7}", "dump", "dumptool", "minidump-stackwalk", "mdsw/dt");
    for path in &dumps {
        let mean = |f: &mut dyn FnMut() -> Result<Duration>| -> Result<f64> {
            let mut sum = 0.0;
            for _ in 0..ANALYZE_RUNS {
                sum += f()?.as_secs_f64();
            }
            Ok(sum / f64::from(ANALYZE_RUNS))
        };
        let d = mean(&mut || {
            timed(Command::new(&dumptool).arg("analyze").arg(path).args(["--format", "json"]))
        })?;
        let s = if stackwalk {
            mean(&mut || timed(Command::new("minidump-stackwalk").arg("--json").arg(path)))?
        } else {
            0.0
        };
        total_d += d;
        total_s += s;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "{:<34} {:>12} {:>18} {:>7}",
            name,
            ms(Duration::from_secs_f64(d)),
            if stackwalk { ms(Duration::from_secs_f64(s)) } else { "-".into() },
            if stackwalk { ratio(d, s) } else { "-".into() },
        );
    }
    if stackwalk {
        println!(
            "total: dumptool {}, minidump-stackwalk {}, stackwalk / dumptool {}",
            ms(Duration::from_secs_f64(total_d)),
            ms(Duration::from_secs_f64(total_s)),
            ratio(total_d, total_s)
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// A fresh scratch directory under the target dir (the core from gcore is
/// as large as the process, so not in a small /tmp).
fn tempfile_dir() -> Result<PathBuf> {
    let dir = target_dir().join(format!("bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
