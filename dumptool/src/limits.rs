//! `dumptool limits`: the core-dump settings of a live process, read from
//! /proc (Linux only). The verdict itself is [`crate::corelimit`], pure.

use std::fs;
use std::io;
use std::path::Path;

use crate::analyze::procfs;
use crate::corelimit::{self, CoreSettings};

/// Why /proc could not tell.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no process {0}: check the pid with `ps -p {0}` (it may have exited)")]
    NoSuchProcess(u32),
    #[error("not permitted to read /proc/{pid}/{file}: run as the process's user or as root")]
    NotPermitted { pid: u32, file: &'static str },
    #[error("cannot read /proc/{pid}/{file}: {source}")]
    Io { pid: u32, file: &'static str, source: io::Error },
}

impl LiveError {
    pub fn exit_code(&self) -> u8 {
        crate::exit::REFUSED
    }
}

/// Why `doctor` could not tell.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error(transparent)]
    Live(#[from] LiveError),
    /// A malformed system configuration file, named with its line.
    #[error("{0}: fix the file, then run again")]
    Config(String),
}

impl DoctorError {
    pub fn exit_code(&self) -> u8 {
        match self {
            DoctorError::Live(e) => e.exit_code(),
            DoctorError::Config(_) => crate::exit::BAD_INPUT,
        }
    }
}

/// Reads /proc/PID/FILE as text, mapping errors to [`LiveError`].
pub fn read_proc(pid: u32, file: &'static str) -> Result<Vec<u8>, LiveError> {
    fs::read(format!("/proc/{pid}/{file}")).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => LiveError::NoSuchProcess(pid),
        io::ErrorKind::PermissionDenied => LiveError::NotPermitted { pid, file },
        _ if source.raw_os_error() == Some(3) => LiveError::NoSuchProcess(pid),
        _ => LiveError::Io { pid, file, source },
    })
}

fn sysctl(path: &str) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

fn limit_bytes(s: &str) -> Option<Option<u64>> {
    if s == "unlimited" {
        Some(None)
    } else {
        s.parse().ok().map(Some)
    }
}

/// `VmRSS:   1234 kB` from /proc/PID/status, in bytes.
fn status_kib(status: &[(String, String)], key: &str) -> Option<u64> {
    let (_, v) = status.iter().find(|(k, _)| k == key)?;
    v.split_whitespace().next()?.parse::<u64>().ok()?.checked_mul(1024)
}

/// The bytes a core would hold now: mappings selected by coredump_filter
/// (core(5): bit 0 anonymous private, 1 anonymous shared, 2 file-backed
/// private, 3 file-backed shared, 4 ELF headers). An upper bound: pages
/// never touched are holes in the core.
pub fn dumpable_bytes(maps: &str, filter: u32) -> u64 {
    let mut total: u64 = 0;
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (Some(range), Some(perms), Some(offset), Some(_dev), Some(inode)) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let path = f.next().unwrap_or("");
        let Some((a, b)) = range.split_once('-') else { continue };
        let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
            continue;
        };
        let size = b.saturating_sub(a);
        if !perms.starts_with('r') || path == "[vvar]" || path == "[vsyscall]" {
            continue;
        }
        let shared = perms.as_bytes().get(3) == Some(&b's');
        let anon = inode == "0";
        let bit = match (anon, shared) {
            (true, false) => 0,
            (true, true) => 1,
            (false, false) => 2,
            (false, true) => 3,
        };
        if filter & (1 << bit) != 0 {
            total = total.saturating_add(size);
        } else if !anon
            && !shared
            && filter & (1 << 4) != 0
            && offset.trim_start_matches('0').is_empty()
        {
            total = total.saturating_add(4096.min(size));
        }
    }
    total
}

/// Everything that decides what a crash of `pid` would leave behind.
pub fn gather(pid: u32) -> Result<CoreSettings, LiveError> {
    let limits = procfs::parse_limits(&String::from_utf8_lossy(&read_proc(pid, "limits")?));
    let core = limits.iter().find(|l| l.name == "Max core file size");
    let status = procfs::parse_status(&String::from_utf8_lossy(&read_proc(pid, "status")?));
    let name = String::from_utf8_lossy(&read_proc(pid, "comm")?).trim().to_string();
    let filter = read_proc(pid, "coredump_filter")
        .ok()
        .and_then(|b| u32::from_str_radix(String::from_utf8_lossy(&b).trim(), 16).ok());
    let maps = read_proc(pid, "maps").ok().map(|b| String::from_utf8_lossy(&b).into_owned());
    let cwd = fs::read_link(format!("/proc/{pid}/cwd")).ok().map(|p| p.display().to_string());

    let mut s = CoreSettings {
        pid,
        name,
        rlimit_soft: core.and_then(|l| limit_bytes(&l.soft)).flatten(),
        rlimit_hard: core.and_then(|l| limit_bytes(&l.hard)).flatten(),
        core_pattern: sysctl("/proc/sys/kernel/core_pattern").unwrap_or_else(|| "core".into()),
        core_pipe_limit: sysctl("/proc/sys/kernel/core_pipe_limit").and_then(|v| v.parse().ok()),
        core_uses_pid: sysctl("/proc/sys/kernel/core_uses_pid").map(|v| v != "0"),
        suid_dumpable: sysctl("/proc/sys/fs/suid_dumpable").and_then(|v| v.parse().ok()),
        coredump_filter: filter,
        cwd,
        dumpable_bytes: maps.as_deref().map(|m| dumpable_bytes(m, filter.unwrap_or(0x33))),
        rss_bytes: status_kib(&status, "VmRSS"),
        vm_bytes: status_kib(&status, "VmSize"),
        ..CoreSettings::default()
    };
    // An "unlimited" limit parses to None; a missing line must not read as unlimited.
    if core.is_none() {
        s.rlimit_soft = Some(0);
    }
    if corelimit::pipe_handler(&s.core_pattern).is_none() {
        let path = corelimit::core_path(&s);
        let dir = Path::new(&path).parent().unwrap_or(Path::new("/"));
        s.core_dir_exists = Some(dir.is_dir());
        s.core_dir_free =
            rustix::fs::statvfs(dir).ok().map(|v| v.f_bavail.saturating_mul(v.f_frsize));
    }
    Ok(s)
}

/// `Uid:` / `Gid:` of /proc/PID/status: real, effective, saved, filesystem.
fn ids(status: &[(String, String)], key: &str) -> Vec<u32> {
    status
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.split_whitespace().filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default()
}

fn status_field<T: std::str::FromStr>(status: &[(String, String)], key: &str) -> Option<T> {
    status.iter().find(|(k, _)| k == key)?.1.parse().ok()
}

/// Whether `ancestor` is `pid`'s parent, grandparent, ... (Yama scope 1).
fn is_descendant(pid: u32, ancestor: u32) -> bool {
    let mut cur = pid;
    // Bounded: pid chains are short, and a race must not loop forever.
    for _ in 0..64 {
        let Ok(status) = read_proc(cur, "status") else { return false };
        let status = procfs::parse_status(&String::from_utf8_lossy(&status));
        match status_field::<u32>(&status, "PPid") {
            Some(p) if p == ancestor => return true,
            Some(p) if p > 1 => cur = p,
            _ => return false,
        }
    }
    false
}

/// Who may ptrace `pid`, from dumptool's and the target's /proc files.
fn ptrace_facts(pid: u32, status: &[(String, String)]) -> crate::doctor::PtraceFacts {
    use std::os::unix::fs::MetadataExt;
    let me = procfs::parse_status(&fs::read_to_string("/proc/self/status").unwrap_or_default());
    let cap_eff = me
        .iter()
        .find(|(k, _)| k == "CapEff")
        .and_then(|(_, v)| u64::from_str_radix(v, 16).ok())
        .unwrap_or(0);
    let target_uids = ids(status, "Uid");
    // The kernel gives a non-dumpable process's /proc files to root
    // (task_dump_owner()), so a root-owned /proc/PID of a non-root euid
    // means "not dumpable".
    let dumpable = fs::metadata(format!("/proc/{pid}"))
        .ok()
        .zip(target_uids.get(1))
        .map(|(m, &euid)| !(m.uid() == 0 && euid != 0));
    crate::doctor::PtraceFacts {
        yama_scope: sysctl("/proc/sys/kernel/yama/ptrace_scope").and_then(|v| v.parse().ok()),
        uid: ids(&me, "Uid").first().copied().unwrap_or(u32::MAX),
        gid: ids(&me, "Gid").first().copied().unwrap_or(u32::MAX),
        cap_sys_ptrace: cap_eff & (1 << crate::doctor::CAP_SYS_PTRACE) != 0,
        target_uids,
        target_gids: ids(status, "Gid"),
        dumpable,
        is_descendant: is_descendant(pid, std::process::id()),
        tracer_pid: status_field(status, "TracerPid").unwrap_or(0),
        target_seccomp: status_field(status, "Seccomp"),
        target_no_new_privs: status_field::<u8>(status, "NoNewPrivs").map(|v| v != 0),
    }
}

/// The unit's `LimitCORESoft=`, asked of systemd when it runs.
fn unit_facts(pid: u32) -> Option<crate::doctor::UnitFacts> {
    let cgroup = String::from_utf8_lossy(&read_proc(pid, "cgroup").ok()?).into_owned();
    let name = crate::doctor::unit_of_cgroup(&cgroup)?;
    let shown = std::process::Command::new("systemctl")
        .args(["show", "-p", "LimitCORESoft", "--", &name])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| crate::doctor::parse_limit_core_soft(&String::from_utf8_lossy(&o.stdout)));
    Some(crate::doctor::UnitFacts {
        name,
        known: shown.is_some(),
        limit_core_soft: shown.flatten(),
    })
}

/// coredump.conf and its drop-ins in the order systemd applies them: the
/// main file, then every `*.conf` of the drop-in directories sorted by
/// name, a name in /etc hiding the same name in /run and /usr/lib.
fn coredump_conf() -> Result<crate::doctor::CoredumpConf, String> {
    let main = ["/etc/systemd/coredump.conf", "/usr/lib/systemd/coredump.conf"];
    let mut files: Vec<(String, String)> = main
        .iter()
        .find_map(|p| fs::read_to_string(p).ok().map(|t| (p.to_string(), t)))
        .into_iter()
        .collect();
    let dirs = [
        "/etc/systemd/coredump.conf.d",
        "/run/systemd/coredump.conf.d",
        "/usr/local/lib/systemd/coredump.conf.d",
        "/usr/lib/systemd/coredump.conf.d",
    ];
    let mut drop_ins: std::collections::BTreeMap<String, std::path::PathBuf> = Default::default();
    for dir in dirs.iter().rev() {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".conf") {
                drop_ins.insert(name, e.path());
            }
        }
    }
    for path in drop_ins.values() {
        if let Ok(text) = fs::read_to_string(path) {
            files.push((path.display().to_string(), text));
        }
    }
    crate::doctor::parse_coredump_conf(&files)
}

fn space(dir: &str) -> Option<(u64, u64)> {
    rustix::fs::statvfs(dir)
        .ok()
        .map(|v| (v.f_bavail.saturating_mul(v.f_frsize), v.f_blocks.saturating_mul(v.f_frsize)))
}

/// Everything `doctor` looks at. A malformed coredump.conf is an error
/// naming its file and line.
pub fn doctor_facts(pid: u32) -> Result<crate::doctor::Facts, DoctorError> {
    let core = gather(pid)?;
    let status = procfs::parse_status(&String::from_utf8_lossy(&read_proc(pid, "status")?));
    let handler = corelimit::pipe_handler(&core.core_pattern).unwrap_or("").to_string();
    let mut f = crate::doctor::Facts {
        ptrace: ptrace_facts(pid, &status),
        unit: unit_facts(pid),
        ..Default::default()
    };
    if handler.ends_with("systemd-coredump") {
        f.coredump = Some(coredump_conf().map_err(DoctorError::Config)?);
        f.coredump_dir_space = space("/var/lib/systemd/coredump");
    }
    if handler.contains("apport") {
        let enabled = fs::read_to_string("/etc/default/apport").ok().and_then(|t| {
            procfs::parse_os_release(&t)
                .into_iter()
                .find(|(k, _)| k == "enabled")
                .map(|(_, v)| v != "0")
        });
        f.apport = Some(crate::doctor::ApportFacts {
            enabled,
            exe: fs::read_link(format!("/proc/{pid}/exe")).ok().map(|p| p.display().to_string()),
            crash_dir_free: space("/var/crash").map(|(free, _)| free),
        });
    }
    f.core = core;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_selects_mappings() {
        let maps = "\
00400000-00401000 r-xp 00000000 08:01 1234 /usr/bin/x
00600000-00700000 rw-p 00000000 00:00 0 [heap]
7f0000000000-7f0000100000 rw-s 00000000 00:05 99 /dev/shm/seg
7f0000200000-7f0000300000 ---p 00000000 00:00 0
7fff00000000-7fff00001000 r--p 00000000 00:00 0 [vvar]
";
        // Default 0x33: anonymous private and shared, ELF headers.
        assert_eq!(dumpable_bytes(maps, 0x33), 0x100000 + 4096);
        // Everything.
        assert_eq!(dumpable_bytes(maps, 0x1ff), 0x1000 + 0x100000 + 0x100000);
    }
}
