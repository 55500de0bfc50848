//! A tiny harness: run dumptool, spawn the test program, find test data.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

pub const DUMPTOOL: &str = env!("CARGO_BIN_EXE_dumptool");
pub const TESTEE: &str = env!("CARGO_BIN_EXE_dumptool-testee");

/// Secrets planted in the test program's environment and arguments: none
/// may appear in a dump, a summary or a report.
pub const PLANTED: &[(&str, &str)] = &[
    ("DB_PASSWORD", "PLANTED-db-password-0001"),
    ("AWS_SECRET_ACCESS_KEY", "PLANTED-aws-secret-0002"),
    ("APP_MODE", "PLANTED-harmless-looking-0003"),
];
pub const PLANTED_ARG: &str = "--api-token=PLANTED-argument-0004";
pub const PLANTED_URL: &str = "postgres://admin:PLANTED-url-0005@db.internal/app";

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/minidumps")
}

/// The kernel-written core of the test program in testdata/cores.
pub fn core_fixture() -> String {
    testdata().join("../cores/testee-segv.core").display().to_string()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn dumptool(args: &[&str]) -> Run {
    Command::new(DUMPTOOL).args(args).output().expect("run dumptool").into()
}

/// The test program, running, with planted secrets.
pub struct Testee {
    pub child: Child,
    pub pid: u32,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Testee {
    pub fn spawn(threads: usize) -> Testee {
        let mut cmd = Command::new(TESTEE);
        cmd.args(["--threads", &threads.to_string(), PLANTED_ARG, PLANTED_URL]);
        Self::spawn_cmd(cmd)
    }

    pub fn spawn_cmd(mut cmd: Command) -> Testee {
        for (k, v) in PLANTED {
            cmd.env(k, v);
        }
        cmd.env("LANG", "C.UTF-8");
        let mut child =
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("spawn testee");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).expect("testee ready line");
        let pid = line.trim().strip_prefix("ready ").expect("ready PID").parse().unwrap();
        Testee { child, pid, stdin, stdout }
    }

    /// Sends a command, returns the answer line.
    pub fn ask(&mut self, cmd: &str) -> String {
        writeln!(self.stdin, "{cmd}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim().to_string()
    }

    /// The process state letter from /proc/PID/stat (R, S, T, Z, ...).
    pub fn state(&self) -> char {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap();
        stat[stat.rfind(')').unwrap() + 2..].chars().next().unwrap()
    }
}

impl Drop for Testee {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fails if any planted secret appears in `bytes`.
pub fn assert_no_secret(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.contains("PLANTED"), "{what} holds a planted secret");
}

/// Files in a directory, names only, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// A child that has exited and is not reaped: a zombie until `wait()`.
pub fn zombie() -> Child {
    let child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    for _ in 0..100 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        if stat.contains(") Z ") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child
}
