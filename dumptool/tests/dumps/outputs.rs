//! Output files (`report -o`, `capture -o`, `capture --dir`): written whole
//! or not at all, never in place of a directory or a device, and a path that
//! cannot take a file is bad input (2).

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::Command;

use crate::support::{dumptool, files_in, testdata, Run, Testee, DUMPTOOL};

fn dump(name: &str) -> String {
    testdata().join(name).display().to_string()
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

fn is_fifo(path: &Path) -> bool {
    std::fs::symlink_metadata(path).unwrap().file_type().is_fifo()
}

/// A report that fails half-way (here the file size limit of `ulimit -f`,
/// as a full disk would) leaves the previous report whole and no partial
/// or temporary file.
#[test]
fn report_cut_short_by_the_disk_keeps_the_previous_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ticket-1234.md");
    std::fs::write(&out, "the previous report\n").unwrap();
    // 512-byte blocks in dash; SIGXFSZ ignored so write() fails with EFBIG.
    let run: Run = Command::new("sh")
        .args(["-c", "ulimit -f 1; trap '' XFSZ; exec \"$@\"", "sh", DUMPTOOL, "report"])
        .arg(dump("linux-mini.dmp"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("ticket-1234.md"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "one sentence: {}", run.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "the previous report\n");
    assert_eq!(files_in(dir.path()), ["ticket-1234.md"]);
}

#[test]
fn report_into_a_path_that_cannot_take_a_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let missing = dir.path().join("no-such-dir/ticket.md");
    for (out, message) in [
        (missing.as_path(), "its directory does not exist"),
        (dir.path(), "is a directory"),
        (fifo.as_path(), "is not a regular file"),
    ] {
        let run = dumptool(&["report", &dump("linux-mini.dmp"), "-o", out.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{}: {}", out.display(), run.stderr);
        assert!(run.stderr.contains(message), "{message:?} in {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "one sentence: {}", run.stderr);
    }
    assert!(is_fifo(&fifo));
    assert_eq!(files_in(dir.path()), ["fifo"]);
}

/// `capture -o /dev/null` as root used to rename the dump over the device
/// node; a FIFO stands for the device here.
#[test]
fn capture_never_replaces_a_device_or_fifo() {
    let t = Testee::spawn(1);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let run = dumptool(&["capture", &t.pid.to_string(), "-o", fifo.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is not a regular file"), "{}", run.stderr);
    assert!(is_fifo(&fifo));
    assert_eq!(files_in(dir.path()), ["fifo"]);
    assert_ne!(t.state(), 'T');
}

#[test]
fn capture_through_a_link_replaces_the_file_it_points_to() {
    let t = Testee::spawn(1);
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.dmp");
    let link = dir.path().join("link.dmp");
    std::fs::copy(testdata().join("linux-mini.dmp"), &real).unwrap();
    let old = std::fs::read(&real).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let run = dumptool(&["capture", &t.pid.to_string(), "-o", link.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    let new = std::fs::read(&real).unwrap();
    assert!(new.starts_with(b"MDMP") && new != old);
}

/// A new dump replaces an old dump, never another file: `capture PID -o
/// notes.txt` (a typo, a tab completion) used to replace the notes.
#[test]
fn capture_never_replaces_a_file_that_is_not_a_dump() {
    let t = Testee::spawn(1);
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "the customer's notes\n").unwrap();
    let run = dumptool(&["capture", &t.pid.to_string(), "-o", notes.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("notes.txt exists and is another file, not a dump"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "the customer's notes\n");
    assert_eq!(files_in(dir.path()), ["notes.txt"]);
    assert_ne!(t.state(), 'T');
}

#[test]
fn capture_into_a_file_given_as_the_directory() {
    let t = Testee::spawn(1);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "notes").unwrap();
    let run = dumptool(&["capture", &t.pid.to_string(), "--dir", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is a file, not a directory"), "{}", run.stderr);
    assert_eq!(files_in(dir.path()), ["notes.txt"]);
}

/// `report crash.dmp -o crash.dmp` (or through a link) would have replaced
/// the dump with its report.
#[test]
fn report_never_replaces_its_own_dump() {
    let dir = tempfile::tempdir().unwrap();
    let dump_path = dir.path().join("crash.dmp");
    std::fs::copy(testdata().join("linux-mini.dmp"), &dump_path).unwrap();
    let link = dir.path().join("link.dmp");
    std::os::unix::fs::symlink(&dump_path, &link).unwrap();
    let before = std::fs::read(&dump_path).unwrap();
    for out in [&dump_path, &link] {
        let run = dumptool(&["report", dump_path.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("is the dump itself"), "{}", run.stderr);
    }
    assert_eq!(std::fs::read(&dump_path).unwrap(), before);
}
