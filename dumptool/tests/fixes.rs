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
    for plan in ["megacomet.toml", "amps.toml", "maglev-t1micro.toml", "aerospike.toml"] {
        let plan = example(plan);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        let out = run(&["fixes", plan.to_str().unwrap(), "--dir", root, "--unit", "svc.service"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let files = files_under(dir.path());
        // No temporary file is left beside the written ones.
        assert!(files.iter().all(|f| !f.to_string_lossy().ends_with(".tmp")), "{files:?}");
        if files.is_empty() {
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

#[test]
fn megacomet_needs_a_million_open_files() {
    let out = run(&["fixes", example("megacomet.toml").to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let limits = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/etc/security/limits.d/99-zz-headroom.conf")
        .expect("a limits.d file");
    assert!(limits["text"].as_str().unwrap().contains("* hard nofile 1000064"));
    assert!(v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().starts_with("sysctl -w net.ipv4.tcp_max_tw_buckets=")));
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
