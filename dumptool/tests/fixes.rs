//! `dumptool fixes`: the drop-ins a plan needs, written whole, and read back
//! by `dumptool check` against the same plan without an error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DUMPTOOL: &str = env!("CARGO_BIN_EXE_dumptool");

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(DUMPTOOL).args(args).output().expect("run dumptool")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn written_drop_ins_read_back_clean() {
    const SYSCTL: &str = "etc/sysctl.d/99-zz-headroom.conf";
    const LIMITS: &str = "etc/security/limits.d/99-zz-headroom.conf";
    const UNIT: &str = "etc/systemd/system/svc.service.d/99-zz-headroom.conf";
    // Limits (limits.d and the unit's drop-in) only for the plans that set
    // nofile; no sysctl file where a stock host already has enough shared
    // memory (GemStone's 300 MB cache, the Aerospike client's segment).
    for (plan, expected) in [
        ("megacomet.toml", &[UNIT, LIMITS, SYSCTL][..]),
        ("amps.toml", &[UNIT, LIMITS, SYSCTL]),
        ("maglev-t1micro.toml", &[]),
        ("aerospike.toml", &[]),
    ] {
        let plan = example(plan);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        let out = run(&["fixes", plan.to_str().unwrap(), "--dir", root, "--unit", "svc.service"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let files = files_under(dir.path());
        // Exactly these, so no temporary file is left beside them either.
        let written: Vec<PathBuf> =
            files.iter().map(|f| f.strip_prefix(dir.path()).unwrap().into()).collect();
        let mut expected: Vec<PathBuf> = expected.iter().map(PathBuf::from).collect();
        expected.sort();
        assert_eq!(written, expected, "{}", plan.display());
        if files.is_empty() {
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(said.contains("Nothing to raise"), "{said}");
            continue;
        }
        let mut args = vec!["check".to_string(), "--plan".into(), plan.display().to_string()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let check = run(&args);
        let stdout = String::from_utf8_lossy(&check.stdout);
        assert_eq!(check.status.code(), Some(0), "{}: {stdout}", plan.display());
        assert!(stdout.contains(" 0 errors"), "{stdout}");
    }
}

/// MegaComet's 8 workers each hold an eighth of the million connections.
#[test]
fn megacomet_workers_each_need_their_share_of_open_files() {
    let out = run(&["fixes", example("megacomet.toml").to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let limits = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/etc/security/limits.d/99-zz-headroom.conf")
        .expect("a limits.d file");
    assert!(limits["text"].as_str().unwrap().contains("* soft nofile 125064"));
    assert!(v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().contains("sysctl -w net.ipv4.tcp_max_tw_buckets=")));
}

/// The commands for values the plan does not know read the live value first
/// and write only above it: run through the real /bin/sh, with `sysctl`
/// answering a host tuned above the plan (tcp_max_tw_buckets 2000000), one
/// below it (5000), and one the shell cannot compare.
#[test]
fn commands_for_unknown_values_never_lower_the_live_one() {
    let out = run(&["fixes", example("megacomet.toml").to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let command = v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .find(|c| c.contains("net.ipv4.tcp_max_tw_buckets="))
        .unwrap()
        .to_string();
    for (live, writes) in [("2000000", false), ("5000", true), ("18446744073709551615", false)] {
        let script = format!(
            "sysctl() {{ if [ \"$1\" = -n ]; then echo {live}; else echo \"WRITE $*\"; fi; }}\n{command}\n"
        );
        let out = Command::new("/bin/sh").args(["-c", &script]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout.contains("WRITE -w net.ipv4.tcp_max_tw_buckets="),
            writes,
            "{live}: {stdout}"
        );
    }
}

#[test]
fn bad_plans_and_directories_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[connections.kernel]\nconections = 5\n").unwrap();
    let out = run(&["fixes", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("conections"));
    let missing = dir.path().join("no-such-dir");
    let plan = example("megacomet.toml");
    let out = run(&["fixes", plan.to_str().unwrap(), "--dir", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
}
