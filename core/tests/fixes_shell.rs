//! The commands `fixes` prints for values the plan does not know, run
//! through the real /bin/sh against a host model: `sysctl`, `systemctl` and
//! the limits files answer with random values, and whatever the host has,
//! no value goes down, the plan's need is met afterwards, and the kept file
//! holds exactly what was raised.

use std::collections::BTreeMap;
use std::process::Command;

use headroom_core::fixes::{generate, Service, LIMITS_RAISED_PATH, RAISED_PATH};
use headroom_core::host::Host;
use headroom_core::units::Bytes;
use headroom_core::validate::Needs;
use proptest::prelude::*;

/// A `sysctl` that reads and writes `$DIR/<key>`, as the kernel's files.
const FAKE_SYSCTL: &str = r#"sysctl() {
  if [ "$1" = -n ]; then cat "$DIR/$2"; return; fi
  [ "$1" = -w ] || return 2
  k=${2%%=*}; printf '%s\n' "${2#*=}" > "$DIR/$k"
}
"#;

/// Runs one command with the host's values in a temporary directory;
/// returns the values afterwards and what was kept for the next boot.
fn run_sysctl(command: &str, live: &BTreeMap<&str, String>) -> (BTreeMap<String, String>, String) {
    let dir = tempfile::tempdir().unwrap();
    for (k, v) in live {
        std::fs::write(dir.path().join(k), format!("{v}\n")).unwrap();
    }
    let kept = dir.path().join("kept.conf");
    let command = command.replace(RAISED_PATH, kept.to_str().unwrap());
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{FAKE_SYSCTL}{command}"))
        .env("DIR", dir.path())
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "{command}: {}", String::from_utf8_lossy(&out.stderr));
    let after = live
        .keys()
        .map(|k| {
            let v = std::fs::read_to_string(dir.path().join(k)).unwrap();
            (k.to_string(), v.trim().to_string())
        })
        .collect();
    (after, std::fs::read_to_string(&kept).unwrap_or_default())
}

fn numbers(s: &str) -> Vec<u64> {
    s.split_whitespace().map(|w| w.parse().unwrap()).collect()
}

fn unknown_host_commands(needs: &Needs) -> Vec<String> {
    let host = Host { ram: Bytes(16 << 30), ..Host::default() };
    let fixes = generate(&host, needs, &Service::default());
    // Nothing unknown reaches a file: only the commands, which compare.
    assert!(fixes.files.iter().all(|f| !f.path.starts_with("/etc/sysctl.d/")), "{fixes:#?}");
    fixes.commands.into_iter().filter(|c| c.contains("sysctl -n")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn unknown_sysctl_values_are_raised_to_the_need_and_never_lowered(
        live_scalar in 1u64..1 << 40,
        tcp in (1u64..1 << 30, 1u64..1 << 30, 1u64..1 << 30),
        lo in 1024u16..65_000,
        span in 0u16..64_000,
        tw in 1u64..1 << 24,
        tcp_need in 1u64..1 << 40,
        conns in 1u64..100_000,
        amps in any::<bool>(),
    ) {
        let needs = Needs {
            amps,
            connections: Some(conns),
            port_pairs: Some(1),
            time_wait: Some(tw),
            tcp_memory: Some(Bytes(tcp_need)),
            ..Needs::default()
        };
        let mut tcp_live = [tcp.0, tcp.1, tcp.2];
        tcp_live.sort_unstable();
        let hi = lo.saturating_add(span);
        for command in unknown_host_commands(&needs) {
            let key = command.split("sysctl -n ").nth(1).unwrap().split([')', ' ']).next().unwrap();
            let before = match key {
                "net.ipv4.tcp_mem" => format!("{}\t{}\t{}", tcp_live[0], tcp_live[1], tcp_live[2]),
                "net.ipv4.ip_local_port_range" => format!("{lo}\t{hi}"),
                _ => live_scalar.to_string(),
            };
            let live = BTreeMap::from([(key, before.clone())]);
            let (after, kept) = run_sysctl(&command, &live);
            let (b, a) = (numbers(&before), numbers(&after[key]));
            if key == "net.ipv4.ip_local_port_range" {
                // Only widened, and then to at least the ports needed.
                prop_assert!(a[0] <= b[0] && a[1] >= b[1], "{command}\n{before} -> {a:?}");
                let ports = a[1] - a[0] + 1;
                prop_assert!(ports >= conns.min(64_512), "{command}\n{before} -> {a:?}");
                // Widened down only as far as the need: to 65536 - ports.
                if a != b {
                    prop_assert_eq!(a[0], b[0].min(65_536u64.saturating_sub(conns).max(1024)));
                }
                // Already enough: left as it is.
                if b[1] - b[0] + 1 >= conns {
                    prop_assert_eq!(&a, &b, "{}", command);
                }
            } else {
                for (x, y) in a.iter().zip(&b) {
                    prop_assert!(x >= y, "{command}\n{before} -> {a:?}");
                }
            }
            if a == b {
                prop_assert!(kept.is_empty(), "{command}\nnothing raised, yet kept {kept}");
            } else {
                // What is kept for the boot is the value set now.
                let line = kept.lines().find(|l| l.starts_with(key)).unwrap_or_default();
                let expect = format!(
                    "{key} = {}",
                    a.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")
                );
                prop_assert_eq!(line, expect.as_str(), "{}", command);
                prop_assert!(kept.lines().next().unwrap().starts_with("# sysctl."), "{}", kept);
            }
            if key != "net.ipv4.ip_local_port_range" && key != "net.ipv4.tcp_mem" {
                let need: u64 = command.split(" -lt ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
                prop_assert!(a[0] >= need, "{command}\n{before} -> {a:?}");
                prop_assert_eq!(a[0], b[0].max(need));
            }
        }
    }
}

/// The unit drop-in for a service whose limits are unknown: written only
/// when systemd says the unit's soft limit is below the need; a higher hard
/// limit, or infinity, is kept.
#[test]
fn an_unknown_units_limit_is_raised_by_what_systemd_says() {
    let needs = Needs { nofile: Some(200_000), ..Needs::default() };
    let fixes = generate(&Host::default(), &needs, &Service::default());
    assert!(fixes.files.iter().all(|f| !f.path.contains(".service.d/")), "{:#?}", fixes.files);
    let command = fixes.commands.iter().find(|c| c.contains("systemctl show")).unwrap();
    for (soft, hard, written) in [
        ("1024", "524288", Some("LimitNOFILE=200000:524288")),
        ("1024", "4096", Some("LimitNOFILE=200000:200000")),
        ("1024", "infinity", Some("LimitNOFILE=200000:infinity")),
        ("300000", "300000", None),
        ("infinity", "infinity", None),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let unit_dir = dir.path().join("unit.d");
        let path = "/etc/systemd/system/headroom.service.d";
        let command = command.replace(path, unit_dir.to_str().unwrap());
        let fake = format!(
            "systemctl() {{ case \"$*\" in *LimitNOFILESoft*) echo {soft};; *LimitNOFILE*) echo {hard};; \
             daemon-reload) echo reloaded;; esac; }}\n"
        );
        let out = Command::new("/bin/sh").arg("-c").arg(fake + &command).output().unwrap();
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        let file = std::fs::read_to_string(unit_dir.join("99-zz-headroom.conf")).ok();
        match written {
            Some(line) => {
                let file = file.unwrap();
                assert!(file.starts_with("[Service]\n# systemd.nofile.below_need\n"), "{file}");
                assert!(file.ends_with(&format!("{line}\n")), "{soft}:{hard} {file}");
                assert_eq!(String::from_utf8_lossy(&out.stdout), "reloaded\n");
            }
            None => assert_eq!(file, None, "{soft}:{hard}"),
        }
    }
}

/// The login sessions' line for a user whose limits are unknown: appended
/// only when no line of limits.conf or limits.d for the user, a group or
/// everyone already gives at least the need.
#[test]
fn an_unknown_sessions_limit_is_added_only_above_every_line() {
    let needs = Needs { nofile: Some(200_000), ..Needs::default() };
    let service = Service { user: "amps", ..Service::default() };
    let fixes = generate(&Host::default(), &needs, &service);
    assert!(fixes.files.iter().all(|f| !f.path.contains("limits.d")), "{:#?}", fixes.files);
    let commands: Vec<&String> =
        fixes.commands.iter().filter(|c| c.contains("/etc/security/limits.conf")).collect();
    // The hard limit of a stock session, 524288, is above the need.
    assert_eq!(commands.len(), 1, "{commands:#?}");
    for (conf, adds) in [
        ("", true),
        ("* soft nofile 4096\n", true),
        ("amps soft nofile 1048576\n", false),
        ("* - nofile unlimited\n", false),
        ("amps soft nofile -1\n", false),
        ("@staff soft nofile 500000\n", false),
        ("other soft nofile 900000\namps hard nofile 900000\n", true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path();
        std::fs::create_dir(etc.join("limits.d")).unwrap();
        std::fs::write(etc.join("limits.conf"), conf).unwrap();
        let kept = etc.join("limits.d/99-zz-headroom-raised.conf");
        let command = commands[0]
            .replace(LIMITS_RAISED_PATH, kept.to_str().unwrap())
            .replace("/etc/security", etc.to_str().unwrap());
        let out = Command::new("/bin/sh").arg("-c").arg(&command).output().unwrap();
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(&kept).unwrap_or_default();
        let expected =
            if adds { "# limits.nofile.below_need\namps soft nofile 200000\n" } else { "" };
        assert_eq!(text, expected, "{conf:?}");
    }
}
