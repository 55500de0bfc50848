//! `dumptool doctor`: one verdict per item for a live process, exit 1 when
//! a crash would leave nothing.

use std::os::unix::process::CommandExt;
use std::process::Command;

use headroom_tests::skip;
use serde_json::Value;

use crate::support::{dumptool, Run, Testee, DUMPTOOL, TESTEE};

fn testee_with_core_limit(limit: &str) -> Testee {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &format!("ulimit -c {limit} && exec {TESTEE} --threads 1")]);
    Testee::spawn_cmd(cmd)
}

fn items(run: &Run) -> Vec<Value> {
    let v: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    v["diagnosis"]["items"].as_array().unwrap().clone()
}

fn find<'a>(items: &'a [Value], id: &str) -> &'a Value {
    items.iter().find(|i| i["item"] == id).unwrap_or_else(|| panic!("no {id} item: {items:?}"))
}

fn piped() -> bool {
    std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default().starts_with('|')
}

#[test]
fn a_zero_core_limit_fails_with_its_fix_and_exit_1() {
    let t = testee_with_core_limit("0");
    let run = dumptool(&["doctor", &t.pid.to_string()]);
    if piped() {
        // A handler such as systemd-coredump ignores the limit.
        return skip("a kernel.core_pattern that writes files, not a pipe to a handler");
    }
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("[FAIL] core"), "{}", run.stdout);
    assert!(
        run.stdout.contains("fix: start the process with `ulimit -c unlimited`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Verdict: a crash now would leave nothing"), "{}", run.stdout);

    let json = dumptool(&["doctor", &t.pid.to_string(), "--format", "json"]);
    assert_eq!(json.code, 1);
    let items = items(&json);
    assert_eq!(find(&items, "core")["status"], "fail");
    assert!(find(&items, "core")["fix"].is_string());
}

#[test]
fn an_unlimited_process_is_ready_and_capturable_by_its_own_user() {
    let t = testee_with_core_limit("unlimited");
    let run = dumptool(&["doctor", &t.pid.to_string(), "--format", "json"]);
    let items = items(&run);
    let core = find(&items, "core");
    assert!(core["finding"].as_str().unwrap().starts_with("a crash now would"), "{core}");
    // The same user (or root) may attach to its own child.
    assert_eq!(find(&items, "capture")["status"], "ok", "{items:?}");
    assert_eq!(run.code, if core["status"] == "ok" { 0 } else { 1 }, "{}", run.stdout);
}

/// Another user's process: ptrace needs the same ids or CAP_SYS_PTRACE.
#[test]
fn another_users_process_cannot_be_captured_and_says_why() {
    let root = crate::support::is_root();
    let t = root.then(|| testee_with_core_limit("unlimited"));
    let (pid, mut cmd) = match &t {
        // As root: dumptool as nobody against root's process.
        Some(t) => {
            let mut c = Command::new(DUMPTOOL);
            c.uid(65534).gid(65534);
            (t.pid, c)
        }
        None => (1, Command::new(DUMPTOOL)),
    };
    let run: Run =
        cmd.args(["doctor", &pid.to_string(), "--format", "json"]).output().unwrap().into();
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let capture = find(&items(&run), "capture").clone();
    assert_eq!(capture["status"], "fail", "{capture}");
    let finding = capture["finding"].as_str().unwrap();
    assert!(finding.contains("same ids") || finding.contains("ptrace_scope"), "{finding}");
}

#[test]
fn no_such_process_is_refused() {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let run = dumptool(&["doctor", &pid.to_string()]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("no process"), "{}", run.stderr);
}
