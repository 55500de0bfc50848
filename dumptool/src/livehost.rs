//! The running host as the plan's `[host]` describes it: RAM from
//! /proc/meminfo, kernel values from /proc/sys and, for a process, its
//! open-files limits from /proc/PID/limits. What cannot be read keeps the
//! plan's value.

use std::fs;

use headroom_core::host::Host;
use headroom_core::units::{Bytes, Count};

fn proc_sys(key: &str) -> Option<String> {
    fs::read_to_string(format!("/proc/sys/{}", key.replace('.', "/")))
        .ok()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn num(key: &str) -> Option<u64> {
    proc_sys(key)?.parse().ok()
}

fn nums<const N: usize>(key: &str) -> Option<[u64; N]> {
    let v: Vec<u64> = proc_sys(key)?.split(' ').map(str::parse).collect::<Result<_, _>>().ok()?;
    v.try_into().ok()
}

/// `Max open files  1024  524288  files` of /proc/PID/limits.
fn nofile_of(pid: u32) -> Option<(u64, u64)> {
    let text = fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut w = line["Max open files".len()..].split_whitespace();
    let mut limit = || w.next()?.parse::<u64>().ok();
    Some((limit()?, limit()?))
}

/// The most open files the service manager (PID 1) can give a unit: its
/// own hard limit when it lacks CAP_SYS_RESOURCE, which raising a hard
/// limit above one's own takes (setrlimit(2)); systemd then sets the
/// closest it can. `None` when it has the capability or cannot be read.
pub fn manager_ceiling() -> Option<u64> {
    let status = fs::read_to_string("/proc/1/status").ok()?;
    ceiling_of(&status, nofile_of(1)?.1)
}

fn ceiling_of(status: &str, hard: u64) -> Option<u64> {
    const CAP_SYS_RESOURCE: u32 = 24;
    let eff = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    let eff = u64::from_str_radix(eff.trim(), 16).ok()?;
    (eff >> CAP_SYS_RESOURCE & 1 == 0).then_some(hard)
}

/// The nofile limits `user`'s login sessions get from this machine's
/// /etc/security/limits.conf and limits.d/*.conf, in pam_limits' order.
pub fn session_nofile(user: &str) -> [Option<u64>; 2] {
    session_nofile_in(std::path::Path::new("/etc/security"), user)
}

fn session_nofile_in(dir: &std::path::Path, user: &str) -> [Option<u64>; 2] {
    let mut paths = vec![dir.join("limits.conf")];
    let mut dropins: Vec<_> = fs::read_dir(dir.join("limits.d"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    // C locale order: bytes.
    dropins.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
    paths.extend(dropins);
    let texts: Vec<(String, String)> = paths
        .iter()
        .filter_map(|p| Some((p.display().to_string(), fs::read_to_string(p).ok()?)))
        .collect();
    let files: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    headroom_core::validate::limits::session_nofile(&files, user)
}

/// The unit's soft and hard open-files limits as systemd holds them (its
/// drop-ins and DefaultLimitNOFILE= included), when systemd answers.
pub fn unit_nofile(unit: &str) -> Option<(u64, u64)> {
    let out = std::process::Command::new("systemctl")
        .args(["show", "-p", "LimitNOFILESoft", "-p", "LimitNOFILE", "--", unit])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    parse_unit_nofile(&String::from_utf8_lossy(&out.stdout))
}

/// `LimitNOFILESoft=` and `LimitNOFILE=` (the hard limit) of `systemctl show`.
fn parse_unit_nofile(show: &str) -> Option<(u64, u64)> {
    let get = |key: &str| {
        let v = show.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('='))?.trim();
        match v {
            "infinity" => Some(u64::MAX),
            n => n.parse().ok(),
        }
    };
    Some((get("LimitNOFILESoft")?, get("LimitNOFILE")?))
}

/// Overwrites what `host` says with what this machine reports.
pub fn read_into(host: &mut Host, pid: Option<u32>) {
    let meminfo = fs::read_to_string("/proc/meminfo").ok();
    let kb = meminfo.as_deref().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    if let Some(kb) = kb {
        host.ram = Bytes(kb.saturating_mul(1024));
    }
    let k = &mut host.kernel;
    k.shmmax = num("kernel.shmmax").map(Bytes).or(k.shmmax);
    k.shmall = num("kernel.shmall").map(Count).or(k.shmall);
    k.shmmni = num("kernel.shmmni").map(Count).or(k.shmmni);
    k.file_max = num("fs.file-max").map(Count).or(k.file_max);
    k.nr_open = num("fs.nr_open").map(Count).or(k.nr_open);
    k.aio_max_nr = num("fs.aio-max-nr").map(Count).or(k.aio_max_nr);
    k.max_map_count = num("vm.max_map_count").map(Count).or(k.max_map_count);
    k.tcp_mem = nums("net.ipv4.tcp_mem").or(k.tcp_mem);
    k.tcp_max_tw_buckets = num("net.ipv4.tcp_max_tw_buckets").map(Count).or(k.tcp_max_tw_buckets);
    k.somaxconn = num("net.core.somaxconn").map(Count).or(k.somaxconn);
    let range = nums::<2>("net.ipv4.ip_local_port_range")
        .and_then(|[lo, hi]| Some([u16::try_from(lo).ok()?, u16::try_from(hi).ok()?]));
    k.ip_local_port_range = range.or(k.ip_local_port_range);
    if let Some((soft, hard)) = pid.and_then(nofile_of) {
        (k.nofile_soft, k.nofile_hard) = (Some(Count(soft)), Some(Count(hard)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A container's PID 1 (Docker drops CAP_SYS_RESOURCE, bit 24) is
    /// held to its own hard limit; a host's full set is not.
    #[test]
    fn a_manager_without_cap_sys_resource_has_a_ceiling() {
        let status = |eff: &str| format!("Name:\tsystemd\nCapInh:\t0\nCapEff:\t{eff}\n");
        assert_eq!(ceiling_of(&status("000001fffeffffff"), 20_000), Some(20_000));
        assert_eq!(ceiling_of(&status("00000000a80425fb"), 1_048_576), Some(1_048_576));
        assert_eq!(ceiling_of(&status("000001ffffffffff"), 20_000), None);
        assert_eq!(ceiling_of(&status("0000000001000000"), 20_000), None);
        assert_eq!(ceiling_of("Name:\tsystemd\n", 20_000), None);
    }

    #[test]
    fn a_units_limits_as_systemctl_shows_them() {
        let show = "LimitNOFILE=524288\nLimitNOFILESoft=1024\n";
        assert_eq!(parse_unit_nofile(show), Some((1024, 524_288)));
        let show = "LimitNOFILESoft=2000000\nLimitNOFILE=infinity\n";
        assert_eq!(parse_unit_nofile(show), Some((2_000_000, u64::MAX)));
        assert_eq!(parse_unit_nofile("LimitNOFILE=4096\n"), None);
    }

    /// limits.d is read after limits.conf, in name order, the last line of
    /// a domain winning.
    #[test]
    fn session_limits_come_from_limits_conf_then_limits_d() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("limits.conf"), "* soft nofile 1048576\n").unwrap();
        assert_eq!(session_nofile_in(dir.path(), "*"), [Some(1_048_576), None]);
        fs::create_dir(dir.path().join("limits.d")).unwrap();
        fs::write(dir.path().join("limits.d/20-b.conf"), "* soft nofile 4096\n").unwrap();
        fs::write(dir.path().join("limits.d/10-a.conf"), "* soft nofile 8192\n").unwrap();
        fs::write(dir.path().join("limits.d/30-c.txt"), "* soft nofile 1\n").unwrap();
        assert_eq!(session_nofile_in(dir.path(), "*"), [Some(4096), None]);
    }

    /// This machine's own values come through: the test reads /proc/sys
    /// itself and compares.
    #[test]
    fn reads_this_hosts_values() {
        let mut host = Host::default();
        read_into(&mut host, Some(std::process::id()));
        let k = &host.kernel;
        let file_max = fs::read_to_string("/proc/sys/fs/file-max").unwrap();
        assert_eq!(k.file_max, Some(Count(file_max.trim().parse().unwrap())));
        let range = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap();
        let range: Vec<u16> = range.split_whitespace().map(|w| w.parse().unwrap()).collect();
        assert_eq!(k.ip_local_port_range, Some([range[0], range[1]]));
        let (soft, hard) = nofile_of(std::process::id()).unwrap();
        assert!(soft <= hard && soft > 0);
        assert_eq!((k.nofile_soft, k.nofile_hard), (Some(Count(soft)), Some(Count(hard))));
        assert!(host.ram.get() > 0);
    }
}
