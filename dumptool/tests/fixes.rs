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

/// The example with the host's kernel values known, all at a stock Debian
/// host's or below: what `[host.kernel]` gives when copied off a host.
fn with_known_kernel(name: &str, dir: &Path) -> PathBuf {
    let known = "file_max = 100000\nnr_open = 1048576\naio_max_nr = 65536\n\
                 max_map_count = 65530\ntcp_max_tw_buckets = 4096\n\
                 tcp_mem = [1000, 2000, 3000]\nnofile_soft = 1024\nnofile_hard = 524288\n";
    let text = std::fs::read_to_string(example(name)).unwrap();
    let text = if text.contains("[host.kernel]\n") {
        text.replace("[host.kernel]\n", &format!("[host.kernel]\n{known}"))
    } else {
        format!("{text}\n[host.kernel]\n{known}")
    };
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn written_drop_ins_read_back_clean() {
    const SYSCTL: &str = "etc/sysctl.d/99-zz-headroom.conf";
    const UNIT: &str = "etc/systemd/system/svc.service.d/99-zz-headroom.conf";
    // The unit's drop-in only for the plans that need open files; no sysctl
    // file where a stock host already has enough shared memory (GemStone's
    // 300 MB cache, the Aerospike client's segment). limits.d is written
    // only with --live, which reads the sessions' limits.
    let plans = tempfile::tempdir().unwrap();
    for (plan, expected) in [
        ("megacomet.toml", &[UNIT, SYSCTL][..]),
        ("amps.toml", &[UNIT, SYSCTL]),
        ("maglev-t1micro.toml", &[]),
        ("aerospike.toml", &[]),
    ] {
        let plan = with_known_kernel(plan, plans.path());
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

/// Without the host's values, no file is written: a host tuned above the
/// stock values would be lowered at the next boot. The commands, which
/// compare with the host first, are printed instead.
#[test]
fn unknown_values_are_left_to_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let plan = example("amps.toml");
    let out = run(&["fixes", plan.to_str().unwrap(), "--dir", root]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(files_under(dir.path()).is_empty());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("==> run as root on the host"), "{said}");
    assert!(said.contains("[ \"$(sysctl -n fs.aio-max-nr)\" -lt 1048576 ]"), "{said}");
    assert!(said.contains("systemctl show -p LimitNOFILESoft --value headroom.service"), "{said}");
    assert!(!said.contains("Nothing to raise"), "{said}");
}

/// MegaComet's 8 workers each hold an eighth of the million connections.
#[test]
fn megacomet_workers_each_need_their_share_of_open_files() {
    let out = run(&["fixes", example("megacomet.toml").to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nofile = v["decisions"].as_array().unwrap().iter().find(|d| d["key"] == "nofile").unwrap();
    assert_eq!(nofile["needed"], "125064");
    // The sessions' limits are not known without --live: the command asks.
    assert!(v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().contains("%s soft nofile 125064")));
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
