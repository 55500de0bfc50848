//! `list`, `prune`, `completions`, `man`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::support::{core_fixture, dumptool, files_in, testdata, TESTEE};

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
    let (dumps, others) = run.stdout.split_once("other entries").unwrap();
    assert!(!dumps.contains("notes.txt"), "{}", run.stdout);
    assert!(others.contains("notes.txt: not a minidump or an ELF core file"), "{}", run.stdout);
    let json = dumptool(&["list", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["dumps"].as_array().unwrap().len(), 4);
    assert_eq!(v["others"][0]["what"], "not a minidump or an ELF core file");
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

/// Sets a file's (not a link target's) modification time `days` back.
fn age(path: &Path, days: u64) {
    let when = SystemTime::now() - Duration::from_secs(days * 86_400);
    let times = std::fs::FileTimes::new().set_modified(when);
    std::fs::File::options().write(true).open(path).unwrap().set_times(times).unwrap();
}

/// A shared library of the host, as a real one: the C library the test
/// binary itself runs with.
fn a_library() -> PathBuf {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let lib =
        maps.lines().filter_map(|l| l.split_whitespace().nth(5)).find(|p| p.contains("libc.so"));
    PathBuf::from(lib.expect("the test binary maps libc"))
}

/// Issue 20, item 2: prune deletes only what it identified as a dump.
#[test]
fn prune_deletes_only_dumps() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let outside_dump = outside.path().join("elsewhere.dmp");
    std::fs::copy(testdata().join("test.dmp"), &outside_dump).unwrap();
    age(&outside_dump, 30);

    let dumps = ["test.dmp", "linux-mini.dmp", "simple-crashpad.dmp", "invalid-range.dmp"];
    for name in dumps {
        std::fs::copy(testdata().join(name), d.join(name)).unwrap();
    }
    std::fs::copy(core_fixture(), d.join("core.1234")).unwrap();
    // A dump cut short is still a dump.
    let cut = std::fs::read(testdata().join("linux-mini.dmp")).unwrap();
    std::fs::write(d.join("cut.dmp"), &cut[..cut.len() / 2]).unwrap();

    std::fs::copy(TESTEE, d.join("a-program")).unwrap();
    std::fs::copy(a_library(), d.join("libc.so.6")).unwrap();
    std::fs::write(d.join("notes.txt"), "not a dump").unwrap();
    std::fs::write(d.join("empty.dmp"), "").unwrap();
    std::fs::write(d.join("MDM"), "MDM").unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::copy(testdata().join("test.dmp"), d.join("sub/inner.dmp")).unwrap();
    std::os::unix::fs::symlink(&outside_dump, d.join("link-to-dump.dmp")).unwrap();
    std::os::unix::fs::symlink(d.join("a-program"), d.join("link-to-program")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/x.dmp", d.join("dangling.dmp")).unwrap();

    let mut kept = Vec::new();
    for entry in std::fs::read_dir(d).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_symlink() && path.is_file() {
            age(&path, 30);
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !dumps.contains(&name.as_str()) && name != "core.1234" && name != "cut.dmp" {
            kept.push((name, std::fs::symlink_metadata(&path).unwrap().len()));
        }
    }
    kept.sort();
    let contents = |names: &[(String, u64)]| -> Vec<Vec<u8>> {
        names
            .iter()
            .map(|(n, _)| std::fs::read(d.join(n)).unwrap_or_else(|_| b"(dangling)".to_vec()))
            .collect()
    };
    let before = contents(&kept);
    let ds = d.to_str().unwrap();

    let run = dumptool(&["prune", ds, "--older-than", "7d", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches("would remove").count(), 6, "{}", run.stdout);
    assert!(run.stdout.contains("6 of 6 dumps"), "{}", run.stdout);
    assert_eq!(files_in(d).len(), kept.len() + 6, "dry run removes nothing");

    let run = dumptool(&["prune", ds, "--older-than", "7d"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("6 of 6 dumps"), "{}", run.stdout);
    for (what, name) in [
        ("a program or library", "a-program"),
        ("a program or library", "libc.so.6"),
        ("a symbolic link (never followed)", "link-to-dump.dmp"),
        ("a directory", "sub"),
        ("an empty file", "empty.dmp"),
    ] {
        let line = run.stdout.lines().find(|l| l.contains(&format!("/{name}:"))).unwrap_or("");
        assert!(line.contains(what), "{name}: {what}: {}", run.stdout);
    }
    let mut left: Vec<(String, u64)> = files_in(d)
        .into_iter()
        .map(|n| {
            let len = std::fs::symlink_metadata(d.join(&n)).unwrap().len();
            (n, len)
        })
        .collect();
    left.sort();
    assert_eq!(left, kept, "every non-dump is left");
    assert_eq!(contents(&left), before, "and unchanged");
    assert!(d.join("sub/inner.dmp").exists(), "subdirectories are not searched");
    assert!(outside_dump.exists(), "a link's target is never touched");

    let run = dumptool(&["list", ds]);
    assert!(run.stdout.contains("0 dumps"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("{} other entries", kept.len())), "{}", run.stdout);
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

/// Each command's --help teaches by example and says what its exit codes
/// mean; its examples run that command.
#[test]
fn every_command_help_has_examples_and_exit_codes() {
    for cmd in [
        "plan", "check", "fixes", "capture", "limits", "doctor", "analyze", "report", "submit",
        "list", "prune",
    ] {
        let run = crate::support::dumptool(&[cmd, "--help"]);
        assert_eq!(run.code, 0, "{cmd}: {}", run.stderr);
        let (_, examples) = run.stdout.split_once("Examples:").unwrap_or_else(|| panic!("{cmd}"));
        assert!(run.stdout.contains("Exit codes"), "{cmd} --help: {}", run.stdout);
        let lines: Vec<&str> =
            examples.lines().map(str::trim).filter(|l| l.starts_with("dumptool ")).collect();
        assert!(!lines.is_empty(), "{cmd}");
        for l in lines {
            assert!(l.starts_with(&format!("dumptool {cmd} ")), "{cmd} --help: {l}");
        }
    }
}

/// `dumptool ... | head`: a reader that has gone is no error and no panic
/// (plan, check and fixes printed with `print!`, which panics on EPIPE).
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let plan = root.join("examples/amps.toml").display().to_string();
    let sysctl = root.join("testdata/configs/debian-sysctl.conf").display().to_string();
    let dump = testdata().join("linux-mini.dmp").display().to_string();
    let runs: [&[&str]; 10] = [
        &["plan", "--list"],
        &["plan", "--schema"],
        &["plan", &plan],
        &["check", &sysctl],
        &["fixes", &plan],
        &["fixes", &plan, "--format", "json"],
        &["analyze", &dump],
        &["report", &dump],
        &["man"],
        &["completions", "bash"],
    ];
    for args in runs {
        // A socket whose peer is gone fails writes with EPIPE, as a pipe
        // whose reader exited does.
        let (writer, reader) = std::os::unix::net::UnixStream::pair().unwrap();
        drop(reader);
        let out = std::process::Command::new(crate::support::DUMPTOOL)
            .args(args)
            .stdout(std::os::fd::OwnedFd::from(writer))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

/// `list` of a directory of big cores reads their notes, not their memory:
/// it used to read each core whole, as much RAM as the core's size. A 4 GiB
/// core (the fixture with a sparse tail) is listed under a 1 GB
/// address-space limit.
#[test]
fn list_reads_a_core_without_its_memory() {
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("core.1234");
    std::fs::copy(core_fixture(), &core).unwrap();
    std::fs::File::options().write(true).open(&core).unwrap().set_len(4 << 30).unwrap();
    let out = std::process::Command::new("sh")
        .args(["-c", "ulimit -v 1000000; exec \"$@\"", "sh", crate::support::DUMPTOOL, "list"])
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = &v["dumps"][0];
    assert_eq!(entry["size"], 4u64 << 30);
    assert_eq!(entry["process"], "dumptool-testee", "{entry}");
    assert_eq!(entry["crash"], "SIGSEGV", "{entry}");
    assert_eq!(entry["error"], serde_json::Value::Null, "{entry}");
}
