//! `dumptool limits`: the settings and the verdict for a live process.

use std::process::Command;

use crate::support::{dumptool, Testee, TESTEE};

fn testee_with_core_limit(limit: &str) -> Testee {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &format!("ulimit -c {limit} && exec {TESTEE} --threads 1")]);
    Testee::spawn_cmd(cmd)
}

#[test]
fn no_core_when_the_limit_is_zero() {
    let t = testee_with_core_limit("0");
    let run = dumptool(&["limits", &t.pid.to_string()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for field in [
        "RLIMIT_CORE soft:       0",
        "kernel.core_pattern:",
        "kernel.core_pipe_limit:",
        "kernel.core_uses_pid:",
        "fs.suid_dumpable:",
        "coredump_filter:",
        "process size:",
    ] {
        assert!(run.stdout.contains(field), "{field}: {}", run.stdout);
    }
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    if !pattern.starts_with('|') {
        assert!(
            run.stdout.contains("would leave no core because the soft RLIMIT_CORE is 0"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_core_when_unlimited() {
    let t = testee_with_core_limit("unlimited");
    let run = dumptool(&["limits", &t.pid.to_string(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["settings"]["rlimit_soft"], serde_json::Value::Null, "unlimited");
    let outcome = v["verdict"]["outcome"].as_str().unwrap();
    assert!(outcome == "writes" || outcome == "piped", "{outcome}");
    assert!(v["message"].as_str().unwrap().starts_with("a crash now would"));
}

#[test]
fn no_such_process() {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let run = dumptool(&["limits", &pid.to_string()]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("no process"), "{}", run.stderr);
}
