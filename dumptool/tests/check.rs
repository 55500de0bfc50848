//! `dumptool check`: the real binary over the config fixtures in
//! testdata/configs/, each output mode pinned by a snapshot, and the exit
//! codes (0 clean, 1 errors, 2 bad input).

mod common;

use std::path::{Path, PathBuf};

use common::{dumptool, Run};

fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/configs")
}

/// Runs `dumptool check ARGS` inside testdata/configs.
fn check(args: &[&str]) -> Run {
    dumptool("check", args, &configs())
}

macro_rules! snapshot {
    ($name:ident, $code:expr, $($arg:expr),+) => {
        #[test]
        fn $name() {
            let run = check(&[$($arg),+]);
            assert_eq!(run.code, $code, "{}{}", run.stdout, run.stderr);
            insta::assert_snapshot!(stringify!($name), run.stdout);
        }
    };
}

snapshot!(text_megacomet, 0, "megacomet-sysctl.conf", "megacomet-limits.conf");
snapshot!(
    json_megacomet_amps,
    1,
    "megacomet-sysctl.conf",
    "megacomet-limits.conf",
    "--amps",
    "--nofile",
    "2000000",
    "--format",
    "json"
);
snapshot!(
    markdown_t1micro_logs,
    1,
    "t1micro-startstone.txt",
    "t1micro-maglev.log",
    "t1micro-maglev_8207pcmon.log",
    "--format",
    "markdown"
);
snapshot!(text_vps_mysql8, 1, "vps-my.cnf", "--db-version", "8.0.36");

fn write_plan(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("plan.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn plan_host_is_checked_against() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_plan(dir.path(), "[host]\nram = \"613 MB\"\ncores = 1\n");
    let plan = plan.to_str().unwrap();
    let bad = check(&["--plan", plan, "t1micro-system-default.conf"]);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    assert!(bad.stdout.contains("error[gemstone.page_cache.ram]"), "{}", bad.stdout);
    assert!(bad.stdout.contains("EINVAL"), "{}", bad.stdout);
    let good = check(&["--plan", plan, "t1micro-system.conf"]);
    assert_eq!(good.code, 0, "{}{}", good.stdout, good.stderr);
}

/// Debian's stock kernel.shmmax, 18446744073692774399, is above i64::MAX:
/// `plan` and `fixes` read it, and so must `check --plan`, as a plan or as a
/// bare host profile.
#[test]
fn plan_with_debians_shmmax_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let shm = "shmmax = 18446744073692774399\nshmall = 18446744073692774399\n";
    let plan = write_plan(
        dir.path(),
        &format!("[host]\nram = \"613 MB\"\ncores = 1\n[host.kernel]\n{shm}"),
    );
    let run = check(&["--plan", plan.to_str().unwrap(), "t1micro-system.conf"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let profile = dir.path().join("host.toml");
    std::fs::write(&profile, format!("ram = \"613 MB\"\n[kernel]\n{shm}")).unwrap();
    let run = check(&["--plan", profile.to_str().unwrap(), "t1micro-system.conf"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// --nofile above what any Linux process can have is refused, naming the
/// flag, rather than judged into fixes the kernel would refuse.
#[test]
fn nofile_above_what_linux_allows_is_refused() {
    let run = check(&["--nofile", "2147483585", "megacomet-limits.conf"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--nofile"), "{}", run.stderr);
    let run = check(&["--nofile", "2147483584", "megacomet-limits.conf"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
}

#[test]
fn plan_calculators_give_what_the_host_needs() {
    let dir = tempfile::tempdir().unwrap();
    // Two million connections need more than MegaComet's 1048576 nofile.
    let plan = write_plan(
        dir.path(),
        "[host]\nram = \"64 GiB\"\n[connections.kernel]\nconnections = 2000000\nclient_ips = 40\n",
    );
    let plan = plan.to_str().unwrap();
    let run = check(&["--plan", plan, "megacomet-limits.conf"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2000064"), "{}", run.stdout);
    let megacomet = configs().join("../../examples/megacomet.toml");
    let run = check(&["--plan", megacomet.to_str().unwrap(), "megacomet-limits.conf"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn clean_files_exit_zero() {
    let run = check(&[
        "debian-sysctl.conf",
        "debian-limits.conf",
        "amps-config.xml",
        "aerospike-client.conf",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("4 files: 0 errors"), "{}", run.stdout);
}

#[test]
fn forced_format_and_unrecognised_files() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "restart the service after the change\n").unwrap();
    let run = check(&[notes.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("notes.txt: not a format Headroom knows"), "{}", run.stderr);
    assert!(run.stderr.contains("--as"), "{}", run.stderr);
    let forced = check(&["--as", "limits", "megacomet-sysctl.conf"]);
    assert_eq!(forced.code, 1, "{}", forced.stdout);
    assert!(forced.stdout.contains("(limits, given)"), "{}", forced.stdout);
}

/// `--help` documents the exit codes the tests above and below observe.
#[test]
fn help_states_the_exit_codes() {
    let run = check(&["--help"]);
    assert_eq!(run.code, 0);
    let help: String = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "Exit codes: 0 no error findings (warnings and advice may be printed), 1 error findings,",
        "2 bad input (a file that cannot be read, is not a regular file, is too large or is in no format Headroom recognises; a bad plan or option).",
    ] {
        assert!(help.contains(part), "{part}\n{help}");
    }
}

/// Every stock file of testdata/configs/debian/, each alone and all at once:
/// no error, exit 0; the masked unit is reported as masked.
#[test]
fn debian_stock_files_exit_zero() {
    let root = configs().join("debian");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if std::fs::symlink_metadata(&p).unwrap().is_dir() {
                stack.push(p);
            } else {
                files.push(p.strip_prefix(configs()).unwrap().to_str().unwrap().to_string());
            }
        }
    }
    files.sort();
    for f in &files {
        let run = check(&[f]);
        assert_eq!(run.code, 0, "{f}: {}{}", run.stdout, run.stderr);
    }
    let all: Vec<&str> = files.iter().map(String::as_str).collect();
    let run = check(&all);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("info[systemd.masked]"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("debian/systemd/lib/systemd/system/hwclock.service (systemd, detected)"),
        "{}",
        run.stdout
    );
}

#[test]
fn two_unrelated_units_are_judged_apart() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.service");
    let b = dir.path().join("b.service");
    std::fs::write(&a, "[Service]\nExecStart=/a\nLimitNOFILE=1024\n").unwrap();
    std::fs::write(&b, "[Service]\nExecStart=/b\nLimitNOFILE=65536\n").unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let run = check(&["--nofile", "65536", a, b]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("a.service:3:13: error[systemd.nofile.below_need]"),
        "{}",
        run.stdout
    );
}

/// `plan` and `check --plan` give one verdict on one host value: an AMPS
/// plan on a host whose nofile is 1024 is an error in both.
#[test]
fn plan_and_check_agree_on_amps_nofile() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_plan(
        dir.path(),
        "[host]\nram = \"16 GiB\"\n[host.kernel]\nnofile_soft = 1024\n\
         [amps.limits]\nclients = 100\nsow_topics = 2\njournal_files = 10\n",
    );
    let limits = dir.path().join("amps-limits.conf");
    std::fs::write(&limits, "amps - nofile 1024\n").unwrap();
    let planned = dumptool("plan", &[plan.to_str().unwrap()], &configs());
    assert!(planned.stdout.contains("amps.limits.nofile"), "{}{}", planned.stdout, planned.stderr);
    assert_eq!(planned.code, 1, "{}{}", planned.stdout, planned.stderr);
    let checked = check(&["--plan", plan.to_str().unwrap(), limits.to_str().unwrap()]);
    assert_eq!(checked.code, 1, "{}{}", checked.stdout, checked.stderr);
    assert!(checked.stdout.contains("error[limits.nofile.below_need]"), "{}", checked.stdout);
    assert!(checked.stdout.contains("4096 open files the plan needs"), "{}", checked.stdout);
}

/// A GemStone plan's segment is checked against kernel.shmmax in a file.
#[test]
fn gemstone_plan_segment_is_checked_against_shmmax() {
    let dir = tempfile::tempdir().unwrap();
    let plan = configs().join("../../examples/maglev-t1micro.toml");
    let sysctl = dir.path().join("shm.conf");
    std::fs::write(&sysctl, "kernel.shmmax = 33554432\n").unwrap();
    let run = check(&["--plan", plan.to_str().unwrap(), sysctl.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("error[sysctl.shm.segment]"), "{}", run.stdout);
}

#[test]
fn standard_input_is_read_with_a_dash() {
    use std::io::Write as _;
    let mut child = std::process::Command::new(common::DUMPTOOL)
        .args(["check", "--as", "sysctl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"net.ipv4.tcp_tw_recycle = 1\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("-:1:26: error[sysctl.tcp_tw_recycle.removed]"), "{stdout}");
}

/// A FIFO would block and /dev/zero never ends: both are refused before
/// any read, and an oversized file before it is read.
#[cfg(unix)]
#[test]
fn non_regular_and_huge_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.conf");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let huge = dir.path().join("huge.conf");
    std::fs::write(&huge, "fs.file-max = 1\n".repeat(300_000)).unwrap();
    for (path, says) in [
        (fifo.to_str().unwrap(), "not a regular file"),
        ("/dev/zero", "not a regular file"),
        (huge.to_str().unwrap(), "larger than 4194304 bytes"),
    ] {
        let run = check(&["--as", "sysctl", path]);
        assert_eq!(run.code, 2, "{path}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{path}: {}", run.stderr);
    }
}

/// A Latin-1 comment does not hide the file: sysctl reads bytes.
#[test]
fn latin1_comments_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("99-caf\u{e9}.conf");
    std::fs::write(&f, b"# r\xe9glage du caf\xe9\nnet.ipv4.tcp_tw_recycle = 1\n").unwrap();
    let run = check(&["--as", "sysctl", f.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("error[sysctl.tcp_tw_recycle.removed]"), "{}", run.stdout);
}

#[test]
fn bad_input_exits_two() {
    for args in [
        &["no-such-file.conf"][..],
        &["--as", "ini", "megacomet-sysctl.conf"],
        &["--db-version", "latest", "vps-my.cnf"],
        &["--plan", "no-such-plan.toml", "vps-my.cnf"],
        &["."],
        &[],
    ] {
        let run = check(args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(!run.stderr.is_empty(), "{args:?} says why");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn live_reads_this_host_and_this_process() {
    let pid = std::process::id().to_string();
    let run = check(&["--live", "--pid", &pid, "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}{}", run.stdout, run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> =
        v["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert!(names.contains(&format!("/proc/{pid}/limits").as_str()), "{names:?}");
    let proc_limits =
        v["files"].as_array().unwrap().iter().find(|f| f["format"] == "proc_limits").unwrap();
    assert!(proc_limits["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["key"] == "process:soft:nofile"));
}

/// A value the kernel refuses (`sysctl -p`: "Invalid argument") for a key
/// check judges as a number was passed over without a word.
#[test]
fn a_value_that_is_not_a_number_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("99-tuning.conf");
    std::fs::write(&f, "fs.file-max = 2M\nnet.core.somaxconn = 4096\nvm.swappiness = 10\n")
        .unwrap();
    let run = check(&["--as", "sysctl", f.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "99-tuning.conf:1:14: error[sysctl.syntax]: fs.file-max = 2M: not a whole number"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 errors"), "{}", run.stdout);
}
