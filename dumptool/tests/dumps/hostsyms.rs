//! Stacks and names from the host's own files: a capture of Debian's
//! `sleep` is unwound with the CFI of its binaries and named from their
//! symbol tables and debug files, matched by build-id.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::dumptool;

/// Captures `/usr/bin/sleep` (a Debian binary, stripped, with `.eh_frame`)
/// and returns the JSON summary of `analyze` with the given extra flags.
fn sleep_summary(extra: &[&str]) -> Value {
    let mut child = Command::new("/usr/bin/sleep")
        .arg("60")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn sleep");
    // Let sleep reach its nanosleep.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sleep.dmp");
    let path = path.to_str().unwrap();
    let run = dumptool(&["capture", &child.id().to_string(), "-o", path]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = dumptool(&[&["analyze", path, "--format", "json"][..], extra].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn frames(v: &Value) -> Vec<Value> {
    let i = v["crashing_thread"].as_u64().unwrap() as usize;
    v["threads"][i]["frames"].as_array().unwrap().clone()
}

#[test]
fn a_debian_binary_is_unwound_with_cfi_and_named_from_the_hosts_files() {
    let v = sleep_summary(&[]);
    let frames = frames(&v);
    assert!(frames.len() >= 4, "main's callers are reached: {frames:#?}");
    for f in &frames[1..] {
        assert_eq!(f["trust"], "cfi", "every caller from .eh_frame, none scanned: {f}");
    }
    let libc: Vec<&Value> = frames.iter().filter(|f| f["module"] == "libc.so.6").collect();
    assert!(!libc.is_empty());
    for f in &libc {
        let name = f["function"].as_str().unwrap_or_else(|| panic!("libc frame named: {f}"));
        let by = f["named_by"].as_str().unwrap();
        assert!(
            by.starts_with("DWARF in ") || by.starts_with("symbol table of "),
            "{name} named by {by}"
        );
    }
    // The sleep is in libc's nanosleep family, whatever name the symbol
    // table or DWARF gives it (clock_nanosleep, __GI___clock_nanosleep).
    let top = frames[0]["function"].as_str().unwrap();
    assert!(top.contains("nanosleep"), "{top}");
    // The stack ends in libc's start code, as every main thread's does.
    assert!(
        libc.iter().any(|f| f["function"].as_str().unwrap().contains("libc_start")),
        "{libc:#?}"
    );
}

#[test]
fn without_the_hosts_files_frames_are_scanned_and_unnamed() {
    let v = sleep_summary(&["--no-host-files"]);
    let frames = frames(&v);
    assert!(frames.iter().all(|f| f["function"].is_null() && f["named_by"].is_null()));
    assert!(frames.iter().any(|f| f["trust"] == "scan"), "{frames:#?}");
}
