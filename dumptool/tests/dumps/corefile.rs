//! A core written by the kernel for the test program killed with SIGSEGV,
//! analyzed into the same summary as a minidump.

use std::process::Command;

use serde_json::Value;

use crate::support::{dumptool, Testee, TESTEE};

#[test]
fn kernel_core_of_a_segv() {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    if pattern.trim_start().starts_with('|') {
        eprintln!("skipped: kernel.core_pattern pipes cores to {}", pattern.trim());
        return;
    }
    if pattern.trim_start().starts_with('/') {
        eprintln!(
            "skipped: kernel.core_pattern writes cores to {}, outside the test's directory",
            pattern.trim()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        &format!("ulimit -c unlimited && exec {TESTEE} --threads 3 --password=PLANTED-core-0006"),
    ])
    .current_dir(dir.path());
    let mut t = Testee::spawn_cmd(cmd);
    let pid = t.pid;
    // Rust's runtime handles SIGSEGV to report stack overflows; a SIGSEGV
    // that is not a guard-page fault restores the default action and
    // returns, so a signal sent with kill(1) takes effect the second time.
    let status = loop {
        assert!(Command::new("kill").args(["-SEGV", &pid.to_string()]).status().unwrap().success());
        std::thread::sleep(std::time::Duration::from_millis(200));
        if let Some(status) = t.child.try_wait().unwrap() {
            break status;
        }
    };
    assert!(!status.success());
    let core = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("core"));
    let Some(core) = core else {
        eprintln!("skipped: no core was written (core_pattern {:?})", pattern.trim());
        return;
    };
    let run = dumptool(&["analyze", core.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("PLANTED"), "the summary hides the argument");
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["format"], "elf-core");
    assert_eq!(v["system"]["os"], "Linux");
    assert!(v["crash"]["reason"].as_str().unwrap().starts_with("SIGSEGV"), "{}", v["crash"]);
    assert_eq!(v["process"]["pid"], pid);
    assert_eq!(v["process"]["name"], "dumptool-testee");
    assert_eq!(v["crashing_thread"], 0);
    assert!(v["threads"].as_array().unwrap().len() >= 5, "main, 3 workers, heartbeat");
    let modules: Vec<&str> =
        v["modules"].as_array().unwrap().iter().filter_map(|m| m["name"].as_str()).collect();
    assert!(modules.contains(&"dumptool-testee"), "{modules:?}");
    let regs = v["threads"][0]["registers"].as_array().unwrap();
    assert!(regs.iter().any(|r| r["name"] == "rip" || r["name"] == "pc"));
    assert!(v["linux"]["auxv"].as_array().unwrap().iter().any(|a| a[0] == "AT_PAGESZ"));

    let text = dumptool(&["analyze", core.to_str().unwrap()]);
    assert!(text.stdout.contains("ELF core file written by Linux kernel"), "{}", text.stdout);
    let a = dumptool(&["report", core.to_str().unwrap()]);
    let b = dumptool(&["report", core.to_str().unwrap()]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}
