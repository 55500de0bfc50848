//! `cargo xtask field-test`: dumptool on real Debian daemons (root, apt).
//!
//! Installs redis-server, nginx, memcached and mariadb-server, starts each
//! in a scratch directory on loopback with a secret planted in its
//! environment (and, for redis, in its arguments), and for each:
//! `doctor`; `capture` (the stall dumptool reports) against `gcore` (its
//! wall time: gdb stops every thread for the whole copy); `analyze` with
//! the host's files (the main thread's stack must reach the daemon's event
//! loop function, named); the planted secrets absent from dump and report;
//! then a SIGSEGV (to nginx's worker, to the others' main process) caught
//! as a core and analyzed. Where the host runs no systemd-coredump of its
//! own, gcore's core also goes through Debian's systemd-coredump, unpacked
//! and listening as its socket unit does, and the file it stores is
//! analyzed against the bare core. Prints a Markdown table for
//! docs/benchmarks.md.
//!
//! Then `doctor` on services of a real systemd manager and a core stored
//! in its journal ([`systemd`]).
//!
//! Slow (about two minutes) and root-only, so `cargo xtask test` keeps only
//! the cheap part: dumptool's tests on Debian's `sleep` (hostsyms.rs).

mod systemd;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::workspace_root;

const PACKAGES: &[&str] = &["redis-server", "nginx", "memcached", "mariadb-server", "gdb"];
const GCORE_LIMIT: Duration = Duration::from_secs(60);
const SECRET_ENV: (&str, &str) = ("FIELD_DB_PASSWORD", "PLANTED-field-env-0001");
const SECRET_ARG: &str = "PLANTED-field-arg-0002";
/// systemd-coredump.socket's address (systemd-coredump(8)).
const COREDUMP_SOCKET: &str = "/run/systemd/coredump";
const COREDUMP_DIR: &str = "/var/lib/systemd/coredump";

/// How to start one daemon and what its stacks should show.
struct Daemon {
    name: &'static str,
    /// Functions of which the main thread's stack must name one.
    event_loop: &'static [&'static str],
    /// The SIGSEGV goes to the first child (a worker) instead of the main process.
    crash_child: bool,
}

const DAEMONS: &[Daemon] = &[
    Daemon { name: "redis", event_loop: &["aeMain", "aeProcessEvents"], crash_child: false },
    Daemon {
        name: "nginx",
        event_loop: &["ngx_master_process_cycle", "ngx_process_events_and_timers"],
        crash_child: true,
    },
    Daemon { name: "memcached", event_loop: &["event_base_loop"], crash_child: false },
    Daemon {
        name: "mariadb",
        event_loop: &["handle_connections_sockets", "mysqld_main"],
        crash_child: false,
    },
];

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The command that starts `d` in `dir`, and how to tell it is ready.
fn start_command(d: &Daemon, dir: &Path) -> Result<(Command, Box<dyn Fn() -> bool>)> {
    let port = free_port()?;
    let tcp = move || TcpStream::connect(("127.0.0.1", port)).is_ok();
    let (program, args, ready): (&str, Vec<String>, Box<dyn Fn() -> bool>) = match d.name {
        "redis" => (
            "/usr/bin/redis-server",
            vec![
                "--port".into(),
                port.to_string(),
                "--bind".into(),
                "127.0.0.1".into(),
                "--dir".into(),
                dir.display().to_string(),
                "--save".into(),
                String::new(),
                "--requirepass".into(),
                SECRET_ARG.into(),
            ],
            Box::new(tcp),
        ),
        "nginx" => {
            let conf = dir.join("nginx.conf");
            let d = dir.display();
            std::fs::create_dir_all(dir.join("tmp"))?;
            std::fs::write(
                &conf,
                format!(
                    "daemon off; master_process on; worker_processes 1; user root;\n\
                     pid {d}/nginx.pid; error_log {d}/error.log; working_directory {d};\n\
                     events {{}}\n\
                     http {{ access_log off; client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp;\n\
                       fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n\
                       server {{ listen 127.0.0.1:{port}; return 200 \"ok\\n\"; }} }}\n"
                ),
            )?;
            (
                "/usr/sbin/nginx",
                vec![
                    "-c".into(),
                    conf.display().to_string(),
                    "-p".into(),
                    dir.display().to_string(),
                    "-e".into(),
                    dir.join("error.log").display().to_string(),
                ],
                Box::new(tcp),
            )
        }
        "memcached" => (
            "/usr/bin/memcached",
            vec![
                "-u".into(),
                "root".into(),
                "-l".into(),
                "127.0.0.1".into(),
                "-p".into(),
                port.to_string(),
                "-U".into(),
                "0".into(),
            ],
            Box::new(tcp),
        ),
        "mariadb" => {
            let data = dir.join("data");
            crate::run_quiet(Command::new("/usr/bin/mariadb-install-db").args([
                "--no-defaults",
                "--user=root",
                &format!("--datadir={}", data.display()),
                "--skip-test-db",
                "--auth-root-authentication-method=normal",
            ]))?;
            let sock = dir.join("mysqld.sock");
            (
                "/usr/sbin/mariadbd",
                vec![
                    "--no-defaults".into(),
                    "--user=root".into(),
                    format!("--datadir={}", data.display()),
                    format!("--socket={}", sock.display()),
                    format!("--pid-file={}", dir.join("mysqld.pid").display()),
                    format!("--log-error={}", dir.join("mysqld.err").display()),
                    "--skip-networking".into(),
                    "--innodb-buffer-pool-size=32M".into(),
                    // Its fatal-signal handler writes a core only when asked.
                    "--core-file".into(),
                ],
                Box::new(move || sock.exists()),
            )
        }
        other => bail!("unknown daemon {other}"),
    };
    // A core limit for the crash step; the kernel writes `core` in the cwd.
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -c unlimited && exec \"$@\"")
        .arg("sh")
        .arg(program)
        .args(args)
        .current_dir(dir)
        .env(SECRET_ENV.0, SECRET_ENV.1)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok((cmd, ready))
}

fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) -> Result<()> {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > limit {
            bail!("{what} not ready after {} s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        // The fields after the command's closing parenthesis: state, ppid.
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
        if ppid == Some(&pid.to_string()) {
            out.push(p);
        }
    }
    out
}

fn output(cmd: &mut Command) -> Result<(i32, String, Duration)> {
    let start = Instant::now();
    let out = cmd.output().with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    let wall = start.elapsed();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        text.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    Ok((out.status.code().unwrap_or(-1), text, wall))
}

/// The first frame of the crashing (or main) thread named with one of `want`.
fn named_frame(summary: &Value, want: &[&str]) -> Option<(usize, String)> {
    let t = summary["crashing_thread"].as_u64().unwrap_or(0) as usize;
    let frames = summary["threads"][t]["frames"].as_array()?;
    frames.iter().enumerate().find_map(|(i, f)| {
        let name = f["function"].as_str()?;
        want.iter().any(|w| name.contains(w)).then(|| (i, name.to_string()))
    })
}

fn top_function(summary: &Value) -> String {
    let t = summary["crashing_thread"].as_u64().unwrap_or(0) as usize;
    summary["threads"][t]["frames"]
        .as_array()
        .and_then(|f| f.iter().find_map(|f| f["function"].as_str()))
        .unwrap_or("-")
        .to_string()
}

fn scanned(summary: &Value) -> usize {
    let t = summary["crashing_thread"].as_u64().unwrap_or(0) as usize;
    summary["threads"][t]["frames"]
        .as_array()
        .map_or(0, |f| f.iter().filter(|f| f["trust"] == "scan").count())
}

fn analyze(dumptool: &Path, file: &Path) -> Result<Value> {
    let (code, text, _) =
        output(Command::new(dumptool).arg("analyze").arg(file).args(["--format", "json"]))?;
    if code != 0 {
        bail!("dumptool analyze {} failed: {text}", file.display());
    }
    Ok(serde_json::from_str(&text)?)
}

fn has_secret(bytes: &[u8]) -> bool {
    let hay = String::from_utf8_lossy(bytes);
    hay.contains(SECRET_ENV.1) || hay.contains(SECRET_ARG)
}

/// The core the kernel (or systemd-coredump) kept for `pid`.
/// `cwd` is the process's working directory, where a relative
/// core_pattern puts the core; `dir` takes coredumpctl's copy.
fn find_core(dir: &Path, cwd: &Path, pid: u32, limit: Duration) -> Result<PathBuf> {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    let start = Instant::now();
    loop {
        if pattern.contains("systemd-coredump") {
            let out = dir.join(format!("core.{pid}"));
            let done = Command::new("coredumpctl")
                .args(["dump", &pid.to_string(), "--output"])
                .arg(&out)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if done {
                return Ok(out);
            }
        } else {
            let found = std::fs::read_dir(cwd)?.flatten().map(|e| e.path()).find(|p| {
                p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("core"))
                    && std::fs::File::open(p)
                        .and_then(|mut f| {
                            let mut m = [0u8; 4];
                            f.read_exact(&mut m).map(|_| m == *b"\x7fELF")
                        })
                        .unwrap_or(false)
            });
            if let Some(p) = found {
                // The kernel may still be writing it.
                let mut size = 0;
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    let now = std::fs::metadata(&p)?.len();
                    if now == size {
                        return Ok(p);
                    }
                    size = now;
                }
            }
        }
        if start.elapsed() > limit {
            bail!("no core for pid {pid} (kernel.core_pattern {:?})", pattern.trim());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

struct Row {
    name: &'static str,
    doctor: String,
    stall: String,
    gcore: String,
    sizes: String,
    named: String,
    secrets: String,
    crash: String,
    stored: String,
}

fn stopped_ms(capture_out: &str) -> String {
    capture_out
        .lines()
        .find_map(|l| l.trim().strip_prefix("stopped:"))
        .map_or("-".into(), |v| v.trim().to_string())
}

/// Debian's systemd-coredump, unpacked rather than installed (its package
/// would set kernel.core_pattern) and listening as systemd-coredump.socket
/// does, so that a core goes through the real store.
struct CoredumpStore {
    bin: PathBuf,
    socket: Child,
}

impl CoredumpStore {
    /// `None` where the host runs its own (the socket exists): cores then
    /// reach it through kernel.core_pattern, and `find_core` uses coredumpctl.
    fn start(scratch: &Path) -> Result<Option<CoredumpStore>> {
        if Path::new(COREDUMP_SOCKET).exists() {
            println!("systemd-coredump: the host runs its own, so no store step");
            return Ok(None);
        }
        let bin = unpack_systemd_coredump(scratch)?.join("lib/systemd/systemd-coredump");
        let socket = Command::new("systemd-socket-activate")
            .args(["--seqpacket", "--accept", "-l", COREDUMP_SOCKET])
            .arg(&bin)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("systemd-socket-activate (Debian's systemd package)")?;
        let store = CoredumpStore { bin, socket };
        wait_for("systemd-coredump's socket", Duration::from_secs(10), || {
            Path::new(COREDUMP_SOCKET).exists()
        })?;
        Ok(Some(store))
    }

    /// Hands the core of the running `pid` to systemd-coredump with the
    /// arguments Debian's kernel.core_pattern gives it (50-coredump.conf),
    /// and returns the file it stored once it is complete.
    fn store(&self, pid: u32, core: &Path) -> Result<PathBuf> {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
        let status = Command::new(&self.bin)
            .args([&pid.to_string(), "0", "0", "11", &secs.to_string()])
            .args(["9223372036854775808", "localhost", "1"])
            .stdin(std::fs::File::open(core)?)
            .status()?;
        if !status.success() {
            bail!("systemd-coredump exited with {status}");
        }
        // core.COMM.UID.BOOTID.PID.USEC.zst, renamed from a `.#core...`
        // temporary file once written.
        let tail = format!(".{pid}.{secs}000000.");
        let mut stored = None;
        wait_for("systemd-coredump's file", Duration::from_secs(300), || {
            stored =
                std::fs::read_dir(COREDUMP_DIR).into_iter().flatten().flatten().find_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name.starts_with("core.") && name.contains(&tail)).then(|| e.path())
                });
            stored.is_some()
        })?;
        stored.context("no file")
    }
}

impl Drop for CoredumpStore {
    fn drop(&mut self) {
        let _ = self.socket.kill();
        let _ = self.socket.wait();
        let _ = std::fs::remove_file(COREDUMP_SOCKET);
    }
}

/// Debian's systemd-coredump package unpacked under `scratch` (once);
/// returns the root of its files.
fn unpack_systemd_coredump(scratch: &Path) -> Result<PathBuf> {
    let dir = scratch.join("systemd-coredump");
    let root = dir.join("root");
    if root.is_dir() {
        return Ok(root);
    }
    std::fs::create_dir_all(&dir)?;
    crate::run_quiet(
        Command::new("apt-get").args(["download", "systemd-coredump"]).current_dir(&dir),
    )?;
    let deb = std::fs::read_dir(&dir)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .context("apt-get download systemd-coredump left no .deb")?;
    crate::run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root))?;
    Ok(root)
}

/// gcore's core through systemd-coredump: the stored file's size and
/// whether `analyze` says the same of it as of the bare core.
fn through_store(store: &CoredumpStore, dumptool: &Path, pid: u32, core: &Path) -> Result<String> {
    let stored = store.store(pid, core)?;
    let timed = |file: &Path| -> Result<(Value, Duration)> {
        let start = Instant::now();
        let v = analyze(dumptool, file)?;
        Ok((v, start.elapsed()))
    };
    let via_store = timed(&stored);
    let size = std::fs::metadata(&stored).map_or(0, |m| m.len());
    let _ = std::fs::remove_file(&stored);
    let (mut via_store, wall) = via_store?;
    let wrapping = via_store.as_object_mut().and_then(|o| o.remove("store"));
    let (bare, bare_wall) = timed(core)?;
    Ok(format!(
        "{:.1} MiB {}, {} summary, analyze {:.0} ms (bare core {:.0} ms)",
        size as f64 / 1048576.0,
        wrapping.as_ref().map_or("-", |w| w["wrapping"].as_str().unwrap_or("-")),
        if via_store == bare { "same" } else { "DIFFERENT" },
        wall.as_secs_f64() * 1000.0,
        bare_wall.as_secs_f64() * 1000.0
    ))
}

fn field_one(
    d: &Daemon,
    dumptool: &Path,
    scratch: &Path,
    store: Option<&CoredumpStore>,
) -> Result<Row> {
    let dir = scratch.join(d.name);
    std::fs::create_dir_all(&dir)?;
    let (mut cmd, ready) = start_command(d, &dir)?;
    let mut child: Child = cmd.spawn().with_context(|| format!("cannot start {}", d.name))?;
    let result = (|| -> Result<Row> {
        wait_for(d.name, Duration::from_secs(60), ready)?;
        // sh execs the daemon, so the child's pid is the daemon's.
        let pid = child.id();
        let pid_s = pid.to_string();

        let (code, text, _) =
            output(Command::new(dumptool).args(["doctor", &pid_s, "--format", "json"]))?;
        let v: Value = serde_json::from_str(&text).with_context(|| text.clone())?;
        let fails: Vec<String> = v["diagnosis"]["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| i["status"] == "fail")
            .map(|i| i["item"].as_str().unwrap_or("").to_string())
            .collect();
        let doctor = if fails.is_empty() {
            format!("exit {code}, all ok")
        } else {
            format!("exit {code}, fail: {}", fails.join(", "))
        };

        let dump = dir.join(format!("{}.dmp", d.name));
        let (code, cap, wall) =
            output(Command::new(dumptool).args(["capture", &pid_s, "-o"]).arg(&dump))?;
        if code != 0 {
            bail!("capture of {} failed: {cap}", d.name);
        }
        let stall = format!("{} (wall {:.0} ms)", stopped_ms(&cap), wall.as_secs_f64() * 1000.0);
        // gcore copies the whole address space: mariadbd's is tens of GB,
        // so it gets a time limit (and the disk is spared).
        let prefix = dir.join("gcore");
        let limit = GCORE_LIMIT.as_secs().to_string();
        let (gcode, gout, gwall) = output(
            Command::new("timeout")
                .args(["-s", "KILL", &limit, "gcore", "-o"])
                .arg(&prefix)
                .arg(&pid_s),
        )?;
        let gcore_file = dir.join(format!("gcore.{pid}"));
        let gsize = std::fs::metadata(&gcore_file).map_or(0, |m| m.len());
        let stored = match store {
            Some(store) if gcode == 0 => through_store(store, dumptool, pid, &gcore_file)
                .unwrap_or_else(|e| format!("failed: {e:#}")),
            Some(_) => "gcore did not finish".into(),
            None => "-".into(),
        };
        let _ = std::fs::remove_file(&gcore_file);
        let gcore = match gcode {
            0 => format!("{:.0} ms", gwall.as_secs_f64() * 1000.0),
            // `timeout -s KILL` kills its own process group, itself too.
            _ if gwall >= GCORE_LIMIT => format!("over {limit} s (stopped)"),
            // gdb warns about some processes and exits 1, core written.
            code => format!(
                "{:.0} ms (exit {code}: {})",
                gwall.as_secs_f64() * 1000.0,
                gout.lines().last().unwrap_or("").trim()
            ),
        };
        let dsize = std::fs::metadata(&dump)?.len();
        let sizes =
            format!("{:.2} / {:.1} MiB", dsize as f64 / 1048576.0, gsize as f64 / 1048576.0);

        let summary = analyze(dumptool, &dump)?;
        let named = match named_frame(&summary, d.event_loop) {
            Some((i, f)) => format!("`{f}` (frame {i}, {} scanned)", scanned(&summary)),
            None => format!("not found; top: `{}`", top_function(&summary)),
        };
        let (_, report, _) = output(Command::new(dumptool).arg("report").arg(&dump))?;
        let leaked = has_secret(&std::fs::read(&dump)?) || has_secret(report.as_bytes());
        let secrets = if leaked { "LEAKED".to_string() } else { "absent".to_string() };

        let victim = if d.crash_child {
            *children_of(pid).first().context("nginx has no worker")?
        } else {
            pid
        };
        // mariadbd works in its datadir: the core lands there.
        let cwd = std::fs::read_link(format!("/proc/{victim}/cwd")).unwrap_or(dir.clone());
        segv(victim)?;
        // mariadbd's handler prints its own stack trace before the core.
        let core = find_core(&dir, &cwd, victim, Duration::from_secs(300))?;
        let s = analyze(dumptool, &core)?;
        let reason = s["crash"]["reason"].as_str().unwrap_or("-").to_string();
        let who = if d.crash_child { "worker" } else { "main" };
        let crash = format!("{who}: {reason}, top `{}`", top_function(&s));
        let _ = std::fs::remove_file(&core);
        Ok(Row { name: d.name, doctor, stall, gcore, sizes, named, secrets, crash, stored })
    })();
    // Workers first: once the master is gone they belong to init.
    for c in children_of(child.id()) {
        let _ = Command::new("kill").args(["-9", &c.to_string()]).status();
    }
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn segv(pid: u32) -> Result<()> {
    let ok = Command::new("kill").args(["-SEGV", &pid.to_string()]).status()?.success();
    if !ok {
        bail!("kill -SEGV {pid} failed");
    }
    Ok(())
}

/// Runs the field test on `only` (daemon names and `systemd`), or on all.
pub fn run(only: &[String]) -> Result<()> {
    let known = |n: &str| n == "systemd" || DAEMONS.iter().any(|d| d.name == n);
    if let Some(unknown) = only.iter().find(|n| !known(n)) {
        bail!("unknown step {unknown}: choose among redis, nginx, memcached, mariadb, systemd");
    }
    let root = workspace_root();
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if !missing.is_empty() {
        // Debian's maintainer scripts would start each daemon as a service;
        // a policy-rc.d that says no keeps the host as it was.
        let policy = Path::new("/usr/sbin/policy-rc.d");
        let ours = !policy.exists();
        if ours {
            std::fs::write(policy, "#!/bin/sh\nexit 101\n")?;
            std::fs::set_permissions(policy, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
        }
        let installed = crate::toolchain::apt_install(&missing);
        if ours {
            let _ = std::fs::remove_file(policy);
        }
        installed?;
    }
    crate::run(
        Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
            .args(["build", "--release", "-p", "dumptool", "--bin", "dumptool"])
            .current_dir(&root),
    )?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dumptool = target.join("release/dumptool");
    let scratch = target.join(format!("field-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    println!("kernel.core_pattern: {}", pattern.trim());

    let wanted = |name: &str| only.is_empty() || only.iter().any(|n| n == name);
    let store =
        if DAEMONS.iter().any(|d| wanted(d.name)) { CoredumpStore::start(&scratch)? } else { None };
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for d in DAEMONS.iter().filter(|d| wanted(d.name)) {
        println!("== {}", d.name);
        match field_one(d, &dumptool, &scratch, store.as_ref()) {
            Ok(r) => rows.push(r),
            Err(e) => {
                println!("{}: {e:#}", d.name);
                failed.push(d.name);
            }
        }
    }
    drop(store);
    if wanted("systemd") {
        println!("== systemd");
        let done = unpack_systemd_coredump(&scratch)
            .and_then(|coredump| systemd::run(&dumptool, &scratch, &coredump));
        if let Err(e) = done {
            println!("systemd: {e:#}");
            failed.push("systemd");
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if !rows.is_empty() {
        println!("\n| daemon | doctor | dumptool stall | gcore wall | minidump / gcore size | main thread's event loop | planted secrets | SIGSEGV core analyzed | gcore's core stored by systemd-coredump |");
        println!("| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |");
        for r in &rows {
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.name, r.doctor, r.stall, r.gcore, r.sizes, r.named, r.secrets, r.crash, r.stored
            );
        }
    }
    let bad: Vec<&str> = rows
        .iter()
        .filter(|r| {
            r.secrets != "absent"
                || r.named.starts_with("not found")
                || r.stored.contains("DIFFERENT")
                || r.stored.starts_with("failed")
        })
        .map(|r| r.name)
        .chain(failed)
        .collect();
    if !bad.is_empty() {
        bail!("field test failed for {}", bad.join(", "));
    }
    Ok(())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}
