//! The debuginfod client against Debian's real `debuginfod` server on
//! loopback: a program built here and stripped, its split debug file served
//! by the server and nowhere else. With the server its frames get function
//! names and file:line; without it, or offline with an empty cache, they do
//! not, and nothing is asked of the network.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use headroom_tests::skip;
use serde_json::Value;

use crate::support::Run;

const DEBUGINFOD: &str = "/usr/bin/debuginfod";

const PROGRAM: &str = r#"#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) static void wait_for_capture(void) {
    for (;;)
        pause();
}

int main(void) {
    printf("ready\n");
    fflush(stdout);
    wait_for_capture();
    return 0;
}
"#;

/// The line of `pause();` in PROGRAM, where the program waits.
const PAUSE_LINE: usize = 6;

fn run(cmd: &mut Command) -> Run {
    cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}")).into()
}

fn tool(name: &str, args: &[&str], dir: &Path) {
    let r = run(Command::new(name).args(args).current_dir(dir));
    assert_eq!(r.code, 0, "{name} {args:?}: {}", r.stderr);
}

/// Kills the server (or program) when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until the server has indexed `build_id`.
fn wait_indexed(url: &str, build_id: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    let probe = format!("{url}/buildid/{build_id}/debuginfo");
    while Instant::now() < deadline {
        if ureq::get(&probe).call().is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// `dumptool analyze DUMP --format json` with exactly the debuginfod
/// environment given.
fn analyze(dump: &Path, env: &[(&str, &Path)], extra: &[&str]) -> Value {
    let mut cmd = Command::new(crate::support::DUMPTOOL);
    cmd.args(["analyze", dump.to_str().unwrap(), "--format", "json"]).args(extra);
    for var in ["DEBUGINFOD_URLS", "DEBUGINFOD_CACHE_PATH", "DEBUGINFOD_TIMEOUT"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

/// (function, source) of the first frame of the program's own module.
fn own_frames(v: &Value) -> Vec<(String, String)> {
    v["threads"][0]["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["module"] == "prog")
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("-").to_string();
            (s("function"), s("source"))
        })
        .collect()
}

#[test]
fn split_debug_info_from_a_loopback_debuginfod_names_the_frames() {
    if !Path::new(DEBUGINFOD).exists() {
        return skip(&format!("{DEBUGINFOD} (cargo xtask setup installs it)"));
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("prog.c"), PROGRAM).unwrap();
    tool("cc", &["-g", "-O1", "-Wl,--build-id", "-o", "prog", "prog.c"], d);
    let served = d.join("served");
    std::fs::create_dir(&served).unwrap();
    tool("objcopy", &["--only-keep-debug", "prog", "served/prog.debug"], d);
    tool("strip", &["--strip-all", "prog"], d);
    let id = dumptool::symbols::locate::build_id_of(&std::fs::read(d.join("prog")).unwrap())
        .expect("the program has a build-id");
    let id = dumptool::symbols::locate::hex(&id);

    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let _server = Killed(
        Command::new(DEBUGINFOD)
            .args(["-F", served.to_str().unwrap(), "-p", &port.to_string(), "-d"])
            .arg(d.join("index.sqlite"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start debuginfod"),
    );
    assert!(wait_indexed(&url, &id), "debuginfod served {id} within a minute");

    // The stripped program, waiting; captured.
    let mut prog = Command::new(d.join("prog")).stdout(Stdio::piped()).spawn().unwrap();
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(prog.stdout.take().unwrap()),
        &mut ready,
    )
    .unwrap();
    let prog = Killed(prog);
    // "ready" is printed before the wait: capture once it sleeps in pause().
    let stat = format!("/proc/{}/stat", prog.0.id());
    let asleep = || {
        let s = std::fs::read_to_string(&stat).unwrap_or_default();
        s.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('S'))
    };
    for _ in 0..1000 {
        if asleep() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let dump = d.join("prog.dmp");
    let r = crate::support::dumptool(&[
        "capture",
        &prog.0.id().to_string(),
        "-o",
        dump.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    drop(prog);

    let cache: PathBuf = d.join("cache");
    let url_path = PathBuf::from(&url);
    // No server configured: the stripped binary has no name for them.
    let without = own_frames(&analyze(&dump, &[("DEBUGINFOD_CACHE_PATH", &cache)], &[]));
    assert!(!without.is_empty());
    assert!(without.iter().all(|(f, _)| f == "-"), "{without:?}");
    // Offline with a server configured: nothing is fetched.
    let offline = analyze(
        &dump,
        &[("DEBUGINFOD_URLS", &url_path), ("DEBUGINFOD_CACHE_PATH", &cache)],
        &["--offline"],
    );
    assert!(own_frames(&offline).iter().all(|(f, _)| f == "-"));
    assert!(!cache.join(&id).exists(), "offline wrote nothing to the cache");

    let with =
        analyze(&dump, &[("DEBUGINFOD_URLS", &url_path), ("DEBUGINFOD_CACHE_PATH", &cache)], &[]);
    let frames = own_frames(&with);
    let want_line = format!("prog.c:{PAUSE_LINE}");
    assert!(
        frames.iter().any(|(f, s)| f == "wait_for_capture" && s.ends_with(&want_line)),
        "{frames:?}"
    );
    assert!(frames.iter().any(|(f, _)| f == "main"), "{frames:?}");
    // Stored as elfutils stores it, and used from there offline.
    assert!(cache.join(&id).join("debuginfo").is_file());
    let cached = analyze(&dump, &[("DEBUGINFOD_CACHE_PATH", &cache)], &["--offline"]);
    assert_eq!(own_frames(&cached), frames);
}
