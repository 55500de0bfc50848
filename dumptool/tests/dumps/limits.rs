//! `dumptool limits`: the settings and the verdict for a live process.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use headroom_tests::skip;
use serde_json::Value;

use crate::support::{dumptool, files_in, is_root, Testee, TESTEE};

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

/// The test program as uid/gid 65534 (nobody), core limit unlimited, with
/// `cwd` as its working directory: started as root, switched by setpriv
/// (util-linux), as a daemon drops root before it runs.
fn testee_as_nobody(bin: &Path, cwd: &Path) -> Testee {
    let mut cmd = Command::new("sh");
    cmd.current_dir(cwd).args([
        "-c",
        &format!(
            "ulimit -c unlimited && exec setpriv --reuid 65534 --regid 65534 --clear-groups {} \
             --threads 2",
            bin.display()
        ),
    ]);
    Testee::spawn_cmd(cmd)
}

/// Crashes the test program with SIGABRT (a kill(2)ed SIGSEGV only resets
/// Rust's stack-overflow handler) and waits for the kernel to finish.
fn crash(mut t: Testee) {
    let status = Command::new("kill").args(["-ABRT", &t.pid.to_string()]).status().unwrap();
    assert!(status.success());
    t.child.wait().unwrap();
}

fn limits_json(pid: u32) -> (i32, Value) {
    let run = dumptool(&["limits", &pid.to_string(), "--format", "json"]);
    (run.code, serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}", run.stderr)))
}

/// Issue 20, item 4: an nginx-like worker running as uid 65534 in a
/// root-owned 0755 directory. `limits` says no core would be written and
/// why, and a crash indeed writes none; once the directory is writable it
/// says where the core goes and about how large it is, and the crash
/// writes it.
#[test]
fn another_uid_in_an_unwritable_directory() {
    if !is_root() {
        return skip("root, to switch to uid 65534");
    }
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    if pattern.trim() != "core" {
        return skip(&format!("the kernel's default core_pattern `core` (it is {pattern:?})"));
    }
    // A copy of the program that uid 65534 may run, whatever the checkout's modes.
    let bin_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = bin_dir.path().join("worker");
    std::fs::copy(TESTEE, &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();

    let cwd = tempfile::tempdir().unwrap();
    std::fs::set_permissions(cwd.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = testee_as_nobody(&bin, cwd.path());
    let run = dumptool(&["limits", &t.pid.to_string()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let why = format!(
        "would leave no core because uid 65534 (gid 65534) may not create files in {} \
         (owner 0, group 0, mode 755)",
        cwd.path().display()
    );
    assert!(run.stdout.contains(&why), "{}", run.stdout);
    assert!(
        run.stdout.contains("credentials:            fsuid 65534, fsgid 65534"),
        "{}",
        run.stdout
    );
    let (_, v) = limits_json(t.pid);
    assert_eq!(v["verdict"]["outcome"], "no-core");
    assert!(v["advice"].as_str().unwrap().contains("let uid 65534"), "{v}");
    crash(t);
    assert_eq!(files_in(cwd.path()), Vec::<String>::new(), "the kernel wrote no core either");

    // Writable by the worker: a core, of about the size predicted.
    std::fs::set_permissions(cwd.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let t = testee_as_nobody(&bin, cwd.path());
    let (code, v) = limits_json(t.pid);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verdict"]["outcome"], "writes", "{v}");
    let core = cwd.path().join("core");
    assert_eq!(v["verdict"]["path"], core.display().to_string());
    let predicted = v["verdict"]["bytes"].as_u64().unwrap();
    assert!(v["settings"]["size_method"].as_str().unwrap().starts_with("estimate:"));
    crash(t);
    let written = std::fs::metadata(&core).expect("the kernel wrote the core").len();
    let (low, high) = (written - written / 10, written + written / 10);
    assert!(
        (low..=high).contains(&predicted),
        "predicted {predicted} bytes, the kernel wrote {written}"
    );
}

#[test]
fn a_zombie_has_nothing_to_predict() {
    let mut child = crate::support::zombie();
    let pid = child.id();
    let run = dumptool(&["limits", &pid.to_string()]);
    child.wait().unwrap();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("is a zombie"), "{}", run.stderr);
    assert!(run.stderr.contains("no crash to predict"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no verdict: {}", run.stdout);
}

#[test]
fn a_kernel_thread_has_nothing_to_predict() {
    // kthreadd is pid 2 wherever the kernel's threads are visible.
    let Ok(stat) = std::fs::read_to_string("/proc/2/stat") else {
        return skip("a kernel thread visible in this PID namespace");
    };
    if !stat.contains("(kthreadd)") {
        return skip("kthreadd as pid 2 in this PID namespace");
    }
    let run = dumptool(&["limits", "2"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("is a kernel thread"), "{}", run.stderr);
}
