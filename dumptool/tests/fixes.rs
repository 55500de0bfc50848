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
    // Printed, the same: commands and no file is not "nothing to raise".
    let out = run(&["fixes", plan.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("==> run as root on the host"), "{said}");
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

/// A network namespace of its own, where `net.ipv4.*` are the kernel's own
/// values for that namespace only: the host's are never touched.
fn netns_sh(script: &str) -> Option<Output> {
    Command::new("unshare").args(["-n", "sh", "-c", script]).output().ok()
}

/// The commands `fixes` prints for values the plan does not know, run as a
/// user pastes them, by the real `sysctl` against the kernel, each in a
/// fresh network namespace whose value starts below, at or above the need:
/// the value never goes down (a port range never narrows), ends at the
/// need or above, and the file kept for the next boot holds exactly what
/// was raised.
#[test]
fn the_commands_raise_the_kernels_own_values_and_never_lower_them() {
    if !netns_sh("true").is_some_and(|o| o.status.success()) {
        return headroom_tests::skip(
            "root, to run the commands in a network namespace (unshare -n)",
        );
    }
    // MegaComet's plan without the port range it knows: both of its
    // commands are for per-namespace values.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("megacomet.toml")).unwrap();
    let plan = dir.path().join("megacomet.toml");
    std::fs::write(&plan, text.replace("ip_local_port_range = [1024, 65535]\n", "")).unwrap();
    let out = run(&["fixes", plan.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let commands: Vec<&str> = v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .filter(|c| c.contains("sysctl -n net."))
        .collect();
    let keys: Vec<&str> = commands
        .iter()
        .map(|c| c.split("sysctl -n ").nth(1).unwrap().split(')').next().unwrap())
        .collect();
    assert_eq!(keys, ["net.ipv4.tcp_max_tw_buckets", "net.ipv4.ip_local_port_range"]);
    let kept = dir.path().join("kept.conf");
    let numbers =
        |s: &str| -> Vec<u64> { s.split_whitespace().map(|w| w.parse().unwrap()).collect() };
    for (command, key) in commands.iter().zip(keys) {
        let need: u64 = command
            .split(" -lt ")
            .nth(1)
            .unwrap()
            .split([' ', ';'])
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let starts: &[&str] = match key {
            "net.ipv4.ip_local_port_range" => {
                &["32768 60999", "40000 40100", "1024 65535", "2000 64000"]
            }
            _ => &["4096", "239999", "240000", "2000000"],
        };
        for start in starts {
            let _ = std::fs::remove_file(&kept);
            let command =
                command.replace(headroom_core::fixes::RAISED_PATH, kept.to_str().unwrap());
            let script = format!("sysctl -qw {key}='{start}' && {command} && sysctl -n {key}");
            let out = netns_sh(&script).unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{start}: {script}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let (before, after) = (numbers(start), numbers(stdout.lines().last().unwrap()));
            let kept = std::fs::read_to_string(&kept).unwrap_or_default();
            let raised = after != before;
            if key == "net.ipv4.ip_local_port_range" {
                assert!(after[0] <= before[0] && after[1] >= before[1], "{start} -> {after:?}");
                let (was, now) = (before[1] - before[0] + 1, after[1] - after[0] + 1);
                assert!(now >= need.min(64_512), "{start} -> {after:?}, need {need} ports");
                assert_eq!(raised, was < need, "{start} -> {after:?}, need {need} ports");
            } else {
                assert_eq!(after[0], before[0].max(need), "{start}");
            }
            let line = format!(
                "{key} = {}",
                after.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")
            );
            match raised {
                true => assert!(
                    kept.ends_with(&format!("{line}\n")) && kept.starts_with("# "),
                    "{kept}"
                ),
                false => assert_eq!(kept, "", "{start}: nothing raised"),
            }
        }
    }
}

/// Under a service manager that lacks CAP_SYS_RESOURCE, as a container's
/// (here dumptool itself is PID 1 of a new PID namespace, the capability
/// dropped and its hard open-files limit 20000), `--live` says that no
/// drop-in gives the unit more than that, with what to raise outside the
/// container, and exits 1; with the need within the limit it says nothing.
#[test]
fn live_says_what_a_container_manager_cannot_give() {
    let run_as_pid1 = |plan: &Path| {
        let script = "ulimit -n 20000 && exec unshare -pf --mount-proc setpriv \
                      --bounding-set=-sys_resource --inh-caps=-sys_resource \"$@\"";
        Command::new("sh")
            .args(["-c", script, "sh", DUMPTOOL, "fixes"])
            .arg(plan)
            .args(["--live", "--unit", "svc.service"])
            .output()
            .unwrap()
    };
    let probe = Command::new("unshare").args(["-pf", "--mount-proc", "true"]).status();
    if !probe.is_ok_and(|s| s.success()) {
        return headroom_tests::skip("root, to start a PID namespace (unshare -p)");
    }
    let out = run_as_pid1(&example("megacomet.toml"));
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("==> what no drop-in can give on this host <==\n(host): error[systemd.nofile.above_manager]: the service manager here can give svc.service at most 20000 open files, below the plan's 125064"), "{said}");
    assert!(said.contains("`docker run --ulimit nofile=125064:125064`"), "{said}");
    // AMPS needs 32768 open files: more than 20000 too. A plan needing
    // fewer than the ceiling gets no finding.
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.toml");
    std::fs::write(&small, "[host]\nram = \"4 GiB\"\n\n[connections.kernel]\nconnections = 5000\n")
        .unwrap();
    let out = run_as_pid1(&small);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!said.contains("above_manager"), "{said}");
}
