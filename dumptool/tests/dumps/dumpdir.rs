//! `list`, `prune`, `completions`, `man`.

use std::time::{Duration, SystemTime};

use crate::support::{dumptool, files_in, testdata};

fn dump_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    for (i, name) in ["test.dmp", "linux-mini.dmp", "simple-crashpad.dmp", "invalid-range.dmp"]
        .iter()
        .enumerate()
    {
        let to = dir.path().join(name);
        std::fs::copy(testdata().join(name), &to).unwrap();
        // test.dmp is 30 days old, the next 20, ...: oldest first.
        let age = Duration::from_secs((30 - 10 * i as u64) * 86_400);
        let f = std::fs::File::options().write(true).open(&to).unwrap();
        f.set_modified(now - age).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "not a dump").unwrap();
    dir
}

#[test]
fn list_shows_each_dump() {
    let dir = dump_dir();
    let run = dumptool(&["list", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("test_app.exe"), "{}", run.stdout);
    assert!(run.stdout.contains("EXCEPTION_ACCESS_VIOLATION_WRITE"), "{}", run.stdout);
    assert!(run.stdout.contains("30d"), "{}", run.stdout);
    assert!(run.stdout.contains("unreadable"), "{}", run.stdout);
    assert!(run.stdout.contains("4 dumps"), "{}", run.stdout);
    assert!(!run.stdout.contains("notes.txt"));
    let json = dumptool(&["list", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
}

#[test]
fn prune_by_age_and_count() {
    let dir = dump_dir();
    let d = dir.path().to_str().unwrap();
    let run = dumptool(&["prune", d, "--older-than", "15d", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("would remove"), "{}", run.stdout);
    assert_eq!(files_in(dir.path()).len(), 5);
    let run = dumptool(&["prune", d, "--older-than", "15d"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(files_in(dir.path()), ["invalid-range.dmp", "notes.txt", "simple-crashpad.dmp"]);
    let run = dumptool(&["prune", d, "--keep", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(files_in(dir.path()), ["invalid-range.dmp", "notes.txt"]);
}

#[test]
fn prune_needs_a_rule() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(dumptool(&["prune", dir.path().to_str().unwrap()]).code, 2);
    assert_eq!(dumptool(&["prune", dir.path().to_str().unwrap(), "--older-than", "7x"]).code, 2);
    assert_eq!(dumptool(&["list", "/nonexistent-dir"]).code, 2);
}

#[test]
fn completions_and_man_page() {
    let run = dumptool(&["completions", "bash"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("dumptool") && run.stdout.contains("capture"));
    let run = dumptool(&["man"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with(".ie") || run.stdout.contains(".TH"), "{}", &run.stdout[..200]);
    let help = dumptool(&["--help"]);
    assert!(help.stdout.contains("Exit codes:"));
}
