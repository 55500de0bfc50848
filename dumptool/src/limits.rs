//! `dumptool limits`: the core-dump settings of a live process, read from
//! /proc (Linux only). The verdict itself is [`crate::corelimit`], pure.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::analyze::procfs;
use crate::corelimit::{self, CoreSettings, CoreTarget, Credentials, PathInfo};

/// Why /proc could not tell.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no process {0}: check the pid with `ps -p {0}` (it may have exited)")]
    NoSuchProcess(u32),
    #[error("not permitted to read /proc/{pid}/{file}: run as the process's user or as root")]
    NotPermitted { pid: u32, file: &'static str },
    #[error("cannot read /proc/{pid}/{file}: {source}")]
    Io { pid: u32, file: &'static str, source: io::Error },
    #[error("process {0} is a zombie: it has exited and only waits for its parent to reap it, so there is no crash to predict")]
    Zombie(u32),
    #[error("process {0} is a kernel thread: it has no user memory and never dumps core, so there is nothing to predict")]
    KernelThread(u32),
}

impl LiveError {
    pub fn exit_code(&self) -> u8 {
        match self {
            LiveError::Zombie(_) | LiveError::KernelThread(_) => crate::exit::BAD_INPUT,
            _ => crate::exit::REFUSED,
        }
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

/// One mapping of /proc/PID/smaps, with what vma_dump_size looks at.
#[derive(Debug, Default)]
struct Vma {
    size: u64,
    readable: bool,
    shared: bool,
    offset_zero: bool,
    /// Backed by a file that still has a name (i_nlink > 0).
    named_file: bool,
    anonymous_file: bool,
    special: bool,
    /// Has anonymous (written) pages: the kernel's `vma->anon_vma`.
    written: bool,
    /// VmFlags `dd` (MADV_DONTDUMP) or `io` (VM_IO).
    dont_dump: bool,
}

/// `start-end perms ...`, as opposed to the `Key: value` lines under it.
fn is_vma_header(line: &str) -> bool {
    line.split_whitespace().next().is_some_and(|w| w.contains('-') && !w.ends_with(':'))
}

fn parse_smaps(smaps: &str) -> Vec<Vma> {
    let mut out: Vec<Vma> = Vec::new();
    for line in smaps.lines() {
        let mut f = line.split_whitespace();
        let first = f.next().unwrap_or("");
        if let Some((a, b)) = first.split_once('-').filter(|_| is_vma_header(line)) {
            let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
                continue;
            };
            let perms = f.next().unwrap_or("");
            let offset = f.next().unwrap_or("");
            let inode = f.nth(1).unwrap_or("0");
            let path = f.collect::<Vec<_>>().join(" ");
            out.push(Vma {
                size: b.saturating_sub(a),
                readable: perms.starts_with('r'),
                shared: perms.as_bytes().get(3) == Some(&b's'),
                offset_zero: offset.trim_start_matches('0').is_empty(),
                named_file: inode != "0" && !path.ends_with("(deleted)"),
                anonymous_file: inode != "0" && path.ends_with("(deleted)"),
                // The vdso and friends: always dumped (always_dump_vma).
                special: path.starts_with('[')
                    && !matches!(path.as_str(), "[heap]" | "[stack]")
                    && !path.starts_with("[anon"),
                ..Vma::default()
            });
            continue;
        }
        let Some(vma) = out.last_mut() else { continue };
        match first {
            "Anonymous:" | "Swap:" => {
                vma.written |= f.next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) > 0;
            }
            "VmFlags:" => vma.dont_dump = f.any(|flag| flag == "dd" || flag == "io"),
            _ => {}
        }
    }
    out
}

/// The bytes of memory a core would hold now: each mapping of /proc/PID/smaps
/// as the kernel's `vma_dump_size` (fs/coredump.c) sizes it under
/// coredump_filter (core(5): bit 0 anonymous private, 1 anonymous shared,
/// 2 file-backed private, 3 file-backed shared, 4 ELF headers). A private
/// mapping that has been written to counts as anonymous, whole; that is
/// where a library's data and a program's heap arenas go.
pub fn dumpable_bytes(smaps: &str, filter: u32) -> u64 {
    let bit = |n: u32| filter & (1 << n) != 0;
    parse_smaps(smaps)
        .iter()
        .map(|v| {
            let whole = if v.special {
                true
            } else if v.dont_dump {
                false
            } else if v.shared {
                if v.anonymous_file || !v.named_file {
                    bit(1)
                } else {
                    bit(3)
                }
            } else if v.written && bit(0) {
                true
            } else if !v.named_file {
                false
            } else {
                bit(2)
            };
            if whole {
                v.size
            } else if bit(4) && v.named_file && !v.shared && v.offset_zero && v.readable {
                4096.min(v.size)
            } else {
                0
            }
        })
        .fold(0u64, u64::saturating_add)
}

/// The ELF headers and notes ahead of the memory in a core, rounded up to
/// a page as the kernel aligns the first PT_LOAD: the ELF header, one
/// program header per mapping and one for the notes (64 + 56 bytes each),
/// per thread about 4 KiB of notes (NT_PRSTATUS, NT_FPREGSET, the XSAVE
/// area), and NT_FILE (three words per mapping and its path).
pub fn core_overhead(smaps: &str, threads: u64) -> u64 {
    let headers: Vec<&str> = smaps.lines().filter(|l| is_vma_header(l)).collect();
    let vmas = headers.len() as u64;
    let paths: u64 = headers
        .iter()
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| p.len() as u64 + 1)
        .sum();
    let bytes = 64 + 56 * (vmas + 1) + threads * 4096 + 1024 + 24 * vmas + paths;
    bytes.div_ceil(4096) * 4096
}

/// The process's file-system credentials and capabilities from
/// /proc/PID/status (`Uid:`/`Gid:` real, effective, saved, fs; `CapEff:`).
fn credentials(pid: u32, status: &[(String, String)]) -> Option<Credentials> {
    let ids = |key: &str| -> Option<Vec<u32>> {
        let (_, v) = status.iter().find(|(k, _)| k == key)?;
        v.split_whitespace().map(|w| w.parse().ok()).collect()
    };
    let (uid, gid) = (ids("Uid")?, ids("Gid")?);
    let cap = status
        .iter()
        .find(|(k, _)| k == "CapEff")
        .and_then(|(_, v)| u64::from_str_radix(v, 16).ok())
        .unwrap_or(0);
    let euid = *uid.get(1)?;
    // proc(5): a process that is not dumpable has its /proc/PID files owned by root.
    let owner = fs::metadata(format!("/proc/{pid}")).ok().map(|m| m.uid());
    Some(Credentials {
        fsuid: *uid.get(3)?,
        fsgid: *gid.get(3)?,
        groups: ids("Groups").unwrap_or_default(),
        dac_override: cap & (1 << CAP_DAC_OVERRIDE) != 0,
        fowner: cap & (1 << CAP_FOWNER) != 0,
        dumpable: euid == 0 || owner != Some(0),
    })
}

/// capability.h bit numbers.
const CAP_DAC_OVERRIDE: u32 = 1;
const CAP_FOWNER: u32 = 3;

fn path_info(path: &str, meta: &fs::Metadata) -> PathInfo {
    PathInfo { path: path.to_string(), uid: meta.uid(), gid: meta.gid(), mode: meta.mode() }
}

/// The directories down to the core's and what is at its path, looked up
/// in the process's own root (/proc/PID/root, for chroots and containers).
fn core_target(pid: u32, core: &str) -> (bool, Option<CoreTarget>) {
    let root = format!("/proc/{pid}/root");
    let inside = |p: &Path| -> PathBuf {
        let in_root = Path::new(&root).join(p.strip_prefix("/").unwrap_or(p));
        if Path::new(&root).is_dir() {
            in_root
        } else {
            p.to_path_buf()
        }
    };
    let core = Path::new(core);
    let Some(dir) = core.parent() else { return (false, None) };
    let mut target = CoreTarget::default();
    for d in dir.ancestors().collect::<Vec<_>>().into_iter().rev() {
        match fs::metadata(inside(d)) {
            Ok(m) if m.is_dir() => target.dirs.push(path_info(&d.display().to_string(), &m)),
            _ => return (false, None),
        }
    }
    target.existing =
        fs::symlink_metadata(inside(core)).ok().map(|m| path_info(&core.display().to_string(), &m));
    target.read_only = rustix::fs::statvfs(inside(dir))
        .is_ok_and(|v| v.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY));
    (true, Some(target))
}

/// The fields of /proc/PID/stat that matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub state: char,
    pub flags: u64,
}

/// `PF_KTHREAD` in the flags of /proc/PID/stat (include/linux/sched.h).
pub const PF_KTHREAD: u64 = 0x0020_0000;

/// Parses /proc/PID/stat (the command name may hold spaces and parentheses).
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9).
    Some(ProcStat { state: fields.first()?.chars().next()?, flags: fields.get(6)?.parse().ok()? })
}

/// Zombies and kernel threads never dump core: there is nothing to predict.
fn check_predictable(pid: u32) -> Result<(), LiveError> {
    let stat = String::from_utf8_lossy(&read_proc(pid, "stat")?).into_owned();
    let Some(st) = parse_stat(&stat) else { return Ok(()) };
    if st.flags & PF_KTHREAD != 0 {
        return Err(LiveError::KernelThread(pid));
    }
    if matches!(st.state, 'Z' | 'X') {
        return Err(LiveError::Zombie(pid));
    }
    Ok(())
}

/// Everything that decides what a crash of `pid` would leave behind.
pub fn gather(pid: u32) -> Result<CoreSettings, LiveError> {
    check_predictable(pid)?;
    let limits = procfs::parse_limits(&String::from_utf8_lossy(&read_proc(pid, "limits")?));
    let core = limits.iter().find(|l| l.name == "Max core file size");
    let status = procfs::parse_status(&String::from_utf8_lossy(&read_proc(pid, "status")?));
    let name = String::from_utf8_lossy(&read_proc(pid, "comm")?).trim().to_string();
    let filter = read_proc(pid, "coredump_filter")
        .ok()
        .and_then(|b| u32::from_str_radix(String::from_utf8_lossy(&b).trim(), 16).ok());
    let smaps = read_proc(pid, "smaps").ok().map(|b| String::from_utf8_lossy(&b).into_owned());
    let cwd = fs::read_link(format!("/proc/{pid}/cwd")).ok().map(|p| p.display().to_string());
    let threads =
        status.iter().find(|(k, _)| k == "Threads").and_then(|(_, v)| v.parse().ok()).unwrap_or(1);

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
        dumpable_bytes: smaps.as_deref().map(|m| {
            dumpable_bytes(m, filter.unwrap_or(0x33)).saturating_add(core_overhead(m, threads))
        }),
        size_method: smaps.as_ref().map(|_| corelimit::SIZE_METHOD.to_string()),
        rss_bytes: status_kib(&status, "VmRSS"),
        vm_bytes: status_kib(&status, "VmSize"),
        credentials: credentials(pid, &status),
        ..CoreSettings::default()
    };
    // An "unlimited" limit parses to None; a missing line must not read as unlimited.
    if core.is_none() {
        s.rlimit_soft = Some(0);
    }
    if corelimit::pipe_handler(&s.core_pattern).is_none() {
        let path = corelimit::core_path(&s);
        let (exists, target) = core_target(pid, &path);
        let dir = Path::new(&path).parent().unwrap_or(Path::new("/"));
        s.core_dir_exists = Some(exists);
        s.target = target;
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

/// The pid already tracing `pid` (a debugger, strace), if any: a process
/// has one tracer, so `capture` cannot attach while it is there.
pub fn tracer_pid(pid: u32) -> Option<u32> {
    let status = read_proc(pid, "status").ok()?;
    let status = procfs::parse_status(&String::from_utf8_lossy(&status));
    status_field(&status, "TracerPid").filter(|&t: &u32| t != 0)
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

    /// smaps entries in the kernel's format (fields that do not matter left out).
    const SMAPS: &str = "\
00400000-00401000 r-xp 00000000 08:01 1234 /usr/bin/x
Anonymous:             0 kB
VmFlags: rd ex mr mw me
00401000-00403000 rw-p 00001000 08:01 1234 /usr/bin/x
Anonymous:             4 kB
VmFlags: rd wr mr mw me ac
00600000-00700000 rw-p 00000000 00:00 0 [heap]
Anonymous:           132 kB
VmFlags: rd wr mr mw me ac
7f0000000000-7f0000100000 rw-s 00000000 00:05 99 /dev/shm/seg
Anonymous:             0 kB
VmFlags: rd wr sh mr mw me ms
7f0000200000-7f0000300000 ---p 00000000 00:00 0
Anonymous:             0 kB
VmFlags: mr mw me
7f0000400000-7f0000500000 rw-p 00000000 00:00 0
Anonymous:            64 kB
VmFlags: rd wr mr mw me ac dd
7fff00000000-7fff00002000 r-xp 00000000 00:00 0 [vdso]
Anonymous:             0 kB
VmFlags: rd ex mr mw me de
";

    #[test]
    fn filter_selects_mappings_as_vma_dump_size_does() {
        // Default 0x33: the ELF header page of x, its written data (whole),
        // the heap, the vdso; not the shared file, the untouched guard
        // area, or the MADV_DONTDUMP area.
        assert_eq!(dumpable_bytes(SMAPS, 0x33), 4096 + 0x2000 + 0x100000 + 0x2000);
        // Bit 3 adds the shared file mapping; bit 2 the whole text.
        assert_eq!(dumpable_bytes(SMAPS, 0x3f), 0x1000 + 0x2000 + 0x100000 + 0x100000 + 0x2000);
        // Nothing selected: only the vdso, which is always dumped.
        assert_eq!(dumpable_bytes(SMAPS, 0), 0x2000);
    }

    #[test]
    fn overhead_is_page_aligned_and_grows_with_threads() {
        let one = core_overhead(SMAPS, 1);
        assert_eq!(one % 4096, 0);
        assert!(core_overhead(SMAPS, 9) >= one + 8 * 4096);
    }
}
