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
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("(unrecognised, detected)"), "{}", run.stdout);
    assert!(run.stdout.contains("detect.unrecognised"), "{}", run.stdout);
    let forced = check(&["--as", "limits", "megacomet-sysctl.conf"]);
    assert_eq!(forced.code, 1, "{}", forced.stdout);
    assert!(forced.stdout.contains("(limits, given)"), "{}", forced.stdout);
}

#[test]
fn bad_input_exits_two() {
    for args in [
        &["no-such-file.conf"][..],
        &["--as", "ini", "megacomet-sysctl.conf"],
        &["--db-version", "latest", "vps-my.cnf"],
        &["--plan", "no-such-plan.toml", "vps-my.cnf"],
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
