//! Issue 20, item 1: a process that rewrote its command line (setproctitle)
//! leaks nothing, and a process is named as the kernel names it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{assert_no_secret, dumptool, files_in, Testee, TESTEE};

/// nginx's master after `nginx -g 'daemon off; env DB_PASSWORD=...;'`: one
/// string where argv was. UPSTREAM is no secret name: only `--redact-env
/// UPSTREAM` hides it.
const TITLE: &str = "tst-title: master process -g daemon off; \
                     env DB_PASSWORD=PLANTED-title-0006; env UPSTREAM=PLANTED-title-0007;";

fn spawn_titled() -> Testee {
    let mut cmd = Command::new(TESTEE);
    cmd.args(["--threads", "1", "--set-title", TITLE]);
    Testee::spawn_cmd(cmd)
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap().trim().to_string()
}

/// Every output dumptool makes of the dump in `dir`, none with a secret.
fn assert_outputs_clean(dir: &Path, extra: &[&str]) {
    let dump = dir.join(&files_in(dir)[0]);
    let path = dump.to_str().unwrap();
    for (cmd, format) in [
        ("analyze", "text"),
        ("analyze", "json"),
        ("analyze", "markdown"),
        ("report", "markdown"),
        ("report", "json"),
    ] {
        let mut args = vec![cmd, path, "--format", format];
        args.extend_from_slice(extra);
        let run = dumptool(&args);
        assert_eq!(run.code, 0, "{cmd} {format}: {}", run.stderr);
        assert_no_secret(&format!("{cmd} --format {format}"), run.stdout.as_bytes());
        assert!(run.stdout.contains("DB_PASSWORD=[REDACTED]"), "{cmd} {format}: {}", run.stdout);
    }
    for format in ["text", "json"] {
        let run = dumptool(&["list", dir.to_str().unwrap(), "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_no_secret(&format!("list --format {format}"), run.stdout.as_bytes());
    }
}

#[test]
fn a_rewritten_command_line_leaks_no_secret() {
    let t = spawn_titled();
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", t.pid)).unwrap();
    assert!(
        String::from_utf8_lossy(&cmdline).starts_with(TITLE),
        "the kernel shows the title as the command line"
    );
    let name = comm(t.pid);

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let pid = t.pid.to_string();
    let run = dumptool(&["capture", &pid, "--dir", d, "--redact-env", "UPSTREAM"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dump = dir.path().join(&files_in(dir.path())[0]);
    assert_no_secret("the dump file", &std::fs::read(&dump).unwrap());
    assert_outputs_clean(dir.path(), &[]);

    let json = dumptool(&["analyze", dump.to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["process"]["name"], name.as_str(), "the kernel's name, not the title");
    let args = v["process"]["command_line"].as_array().unwrap();
    assert_eq!(args.len(), 1, "one string: {args:?}");
    let title = args[0].as_str().unwrap();
    assert!(title.starts_with("tst-title: master process -g daemon off;"), "{title}");
    assert!(!title.ends_with(' '), "padding trimmed: {title:?}");

    // Captured without redaction, the summaries still hide the title's secrets.
    let raw = tempfile::tempdir().unwrap();
    let run = dumptool(&["capture", &pid, "--dir", raw.path().to_str().unwrap(), "--no-redact"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bytes = std::fs::read(raw.path().join(&files_in(raw.path())[0])).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("PLANTED-title-0006"), "kept verbatim");
    assert_outputs_clean(raw.path(), &["--redact-env", "UPSTREAM"]);
}

/// redis-server is a symlink to redis-check-rdb: the process runs under the
/// link's name, and its executable is shown beside it.
#[test]
fn a_program_started_through_a_symlink_keeps_its_name() {
    let bin = tempfile::tempdir().unwrap();
    let link = bin.path().join("srv-alias");
    std::os::unix::fs::symlink(TESTEE, &link).unwrap();
    let mut cmd = Command::new(&link);
    cmd.args(["--threads", "1"]);
    let t = Testee::spawn_cmd(cmd);
    assert_eq!(comm(t.pid), "srv-alias");

    let dir = tempfile::tempdir().unwrap();
    let run = dumptool(&["capture", &t.pid.to_string(), "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dump = dir.path().join(&files_in(dir.path())[0]);
    let json = dumptool(&["analyze", dump.to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["process"]["name"], "srv-alias");
    let exe = v["process"]["executable"].as_str().unwrap();
    assert!(exe.ends_with("/dumptool-testee"), "{exe}");
    let text = dumptool(&["analyze", dump.to_str().unwrap()]);
    assert!(text.stdout.contains("Process:   srv-alias (pid"), "{}", text.stdout);
    assert!(text.stdout.contains(&format!("Program:   {exe}")), "{}", text.stdout);
    // Nothing crashed: the dump was asked for.
    assert!(text.stdout.contains("\nRequested thread 0 (tid"), "{}", text.stdout);
    assert!(!text.stdout.contains("Crashing"), "{}", text.stdout);
    let report = dumptool(&["report", dump.to_str().unwrap()]);
    assert!(report.stdout.starts_with("# Dump requested: srv-alias\n"), "{}", report.stdout);
    assert!(report.stdout.contains("| 0 (requested) |"), "{}", report.stdout);
    let list = dumptool(&["list", dir.path().to_str().unwrap()]);
    assert!(list.stdout.contains("srv-alias"), "{}", list.stdout);
}
