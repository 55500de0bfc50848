//! `dumptool doctor PID`: will a minidump or a core work for this process,
//! and if not, exactly why and what to change. Pure: [`crate::limits`]
//! gathers the [`Facts`] from /proc, systemd and apport's settings (Linux
//! only); [`diagnose`] turns them into one verdict per item with its fix.
//!
//! Sources for each rule:
//! - ptrace access: ptrace(2) "Ptrace access mode checking" and the kernel's
//!   `__ptrace_may_access()` (kernel/ptrace.c): the caller's real uid and
//!   gid must equal the target's real, effective and saved ids, and the
//!   target must be dumpable, unless the caller has CAP_SYS_PTRACE; Yama
//!   (Documentation/admin-guide/LSM/Yama.rst) adds `ptrace_scope` 1
//!   (descendants only), 2 (CAP_SYS_PTRACE only) and 3 (no attach at all).
//! - dumpable: core(5) "a core dump file is not produced ... the process is
//!   not dumpable" unless `fs.suid_dumpable` is 2 (proc(5)).
//! - systemd-coredump: coredump.conf(5) `Storage=`, `ProcessSizeMax=`,
//!   `ExternalSizeMax=`, `MaxUse=`, `KeepFree=` and their defaults.
//! - a unit's limit: systemd.exec(5) `LimitCORE=`.
//! - apport: `/etc/default/apport` (`enabled=`) and apport's
//!   `likely_packaged()`, which drops crashes of programs outside the
//!   packaged prefixes.

use std::fmt;

use headroom_core::units::Bytes;
use serde::Serialize;

use crate::corelimit::{self, CoreSettings, Verdict};

/// CAP_SYS_PTRACE's bit in /proc/PID/status `CapEff` (capability.h).
pub const CAP_SYS_PTRACE: u32 = 19;

/// Who may ptrace whom, as /proc tells it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PtraceFacts {
    /// /proc/sys/kernel/yama/ptrace_scope; `None` without Yama.
    pub yama_scope: Option<u8>,
    /// dumptool's real uid and gid.
    pub uid: u32,
    pub gid: u32,
    /// Whether dumptool's effective capabilities hold CAP_SYS_PTRACE.
    pub cap_sys_ptrace: bool,
    /// The target's real, effective, saved and filesystem uids and gids.
    pub target_uids: Vec<u32>,
    pub target_gids: Vec<u32>,
    /// The target's dumpable flag (prctl PR_GET_DUMPABLE is 1), inferred
    /// from /proc/PID's owner: the kernel gives a non-dumpable process's
    /// /proc files to root.
    pub dumpable: Option<bool>,
    /// Whether dumptool is an ancestor of the target (Yama scope 1).
    pub is_descendant: bool,
    /// The pid already tracing the target (`TracerPid`), 0 when none.
    pub tracer_pid: u32,
    /// The target's `Seccomp:` mode and `NoNewPrivs:`.
    pub target_seccomp: Option<u8>,
    pub target_no_new_privs: Option<bool>,
}

/// systemd-coredump's settings (coredump.conf and its drop-ins merged).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoredumpConf {
    /// `external`, `journal` or `none`.
    pub storage: String,
    pub process_size_max: u64,
    pub external_size_max: u64,
    /// `MaxUse=`, in bytes, or a share of the file system.
    pub max_use: SizeOrShare,
    /// The files read, in the order they were applied.
    pub sources: Vec<String>,
}

/// A size in bytes, or a percentage of a file system (`MaxUse=10%`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SizeOrShare {
    Bytes(u64),
    Percent(u64),
}

impl Default for CoredumpConf {
    /// coredump.conf(5): "ProcessSizeMax= ... defaults to 32G on 64-bit
    /// systems", ExternalSizeMax likewise; "MaxUse= ... defaults to 10% ...
    /// of the size of the respective file system, but no more than 4G".
    fn default() -> Self {
        CoredumpConf {
            storage: "external".into(),
            process_size_max: 32 * Bytes::GIB,
            external_size_max: 32 * Bytes::GIB,
            max_use: SizeOrShare::Percent(10),
            sources: Vec::new(),
        }
    }
}

/// `MaxUse=`'s ceiling when given as a share (coredump.conf(5)).
pub const MAX_USE_CAP: u64 = 4 * Bytes::GIB;

/// The systemd unit the process runs in and its `LimitCORE=`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitFacts {
    pub name: String,
    /// `LimitCORESoft=` as `systemctl show` prints it; `None` is infinity
    /// and unknown alike when `known` is false.
    pub limit_core_soft: Option<u64>,
    pub known: bool,
}

/// apport's settings, when core_pattern pipes to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApportFacts {
    /// `enabled=` in /etc/default/apport.
    pub enabled: Option<bool>,
    /// The crashing program's path (/proc/PID/exe).
    pub exe: Option<String>,
    /// Free bytes in /var/crash.
    pub crash_dir_free: Option<u64>,
}

/// Everything `doctor` looks at.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    pub core: CoreSettings,
    pub ptrace: PtraceFacts,
    pub unit: Option<UnitFacts>,
    /// Set when core_pattern pipes to systemd-coredump.
    pub coredump: Option<CoredumpConf>,
    /// Free and total bytes of /var/lib/systemd/coredump's file system.
    pub coredump_dir_space: Option<(u64, u64)>,
    pub apport: Option<ApportFacts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    Info,
    Warn,
    Fail,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::Info => "info",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        })
    }
}

/// One checked item: what was found and, when it is not ok, what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `capture`, `core`, `dumpable`, `unit`, `systemd-coredump`, `apport`.
    pub item: &'static str,
    pub status: Status,
    pub finding: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Whether a failure here means a crash leaves no core.
    #[serde(skip)]
    pub loses_core: bool,
}

/// The whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub pid: u32,
    pub name: String,
    pub items: Vec<Item>,
    /// A crash now would leave no core (nor apport/systemd-coredump record
    /// with one): `doctor` exits 1.
    pub crash_leaves_nothing: bool,
}

fn item(item: &'static str, status: Status, finding: String, fix: Option<String>) -> Item {
    Item { item, status, finding, fix, loses_core: false }
}

fn lost(mut i: Item) -> Item {
    i.loses_core = true;
    i
}

/// `uid 0`, or `uids 1000, 0, 0, 0 (real, effective, saved, fs)` when they
/// differ, as /proc/PID/status lists them.
fn ids(what: &str, ids: &[u32]) -> String {
    match ids {
        [first, rest @ ..] if rest.iter().all(|i| i == first) => format!("{what} {first}"),
        _ => {
            let list: Vec<String> = ids.iter().map(u32::to_string).collect();
            format!("{what}s {} (real, effective, saved, fs)", list.join(", "))
        }
    }
}

/// Whether dumptool may attach to the target (what `capture` needs).
fn ptrace_item(p: &PtraceFacts, pid: u32) -> Item {
    let id = "capture";
    if p.tracer_pid != 0 {
        return item(
            id,
            Status::Fail,
            format!(
                "the process is already traced by pid {}, and a process has one tracer",
                p.tracer_pid
            ),
            Some(format!("detach the debugger or tracer (pid {}) first", p.tracer_pid)),
        );
    }
    let as_root = "run dumptool as root or with CAP_SYS_PTRACE (`sudo dumptool capture PID`)";
    match p.yama_scope {
        Some(3) => {
            return item(
                id,
                Status::Fail,
                "kernel.yama.ptrace_scope is 3: no process may attach to another until reboot".into(),
                Some("set kernel.yama.ptrace_scope to 2 or lower in /etc/sysctl.d and reboot (3 cannot be lowered at run time)".into()),
            )
        }
        Some(2) if !p.cap_sys_ptrace => {
            return item(
                id,
                Status::Fail,
                "kernel.yama.ptrace_scope is 2: only processes with CAP_SYS_PTRACE may attach".into(),
                Some(as_root.into()),
            )
        }
        Some(1) if !p.cap_sys_ptrace && !p.is_descendant => {
            return item(
                id,
                Status::Fail,
                "kernel.yama.ptrace_scope is 1: without CAP_SYS_PTRACE only a parent may attach (or a process the target named with prctl(PR_SET_PTRACER))".into(),
                Some(format!("{as_root}, or `sysctl kernel.yama.ptrace_scope=0` where policy allows")),
            )
        }
        _ => {}
    }
    if !p.cap_sys_ptrace {
        let same = |ids: &[u32], mine: u32| !ids.is_empty() && ids.iter().all(|&i| i == mine);
        if !same(&p.target_uids, p.uid) || !same(&p.target_gids, p.gid) {
            return item(
                id,
                Status::Fail,
                format!(
                    "the process runs as {} {}, dumptool as uid {} gid {}: ptrace needs the same ids or CAP_SYS_PTRACE",
                    ids("uid", &p.target_uids), ids("gid", &p.target_gids), p.uid, p.gid
                ),
                Some(format!("run as the process's user (`sudo -u#{} dumptool capture {pid}`) or as root", p.target_uids.first().copied().unwrap_or(0))),
            );
        }
        if p.dumpable == Some(false) {
            return item(
                id,
                Status::Fail,
                "the process is not dumpable (setuid/setgid, changed credentials, or prctl(PR_SET_DUMPABLE, 0)): only CAP_SYS_PTRACE may attach".into(),
                Some(as_root.into()),
            );
        }
    }
    let how = if p.cap_sys_ptrace { "dumptool has CAP_SYS_PTRACE" } else { "same user, dumpable" };
    let mut finding = format!("dumptool may attach ({how})");
    if p.target_seccomp == Some(2) || p.target_no_new_privs == Some(true) {
        // The target's own filter limits its syscalls, not a tracer's reads.
        finding.push_str("; the process runs under a seccomp filter or no_new_privs, which does not stop a capture");
    }
    item(id, Status::Ok, finding, None)
}

/// The drop-in that raises a unit's core limit (never lowers it).
fn unit_drop_in(unit: &str) -> String {
    format!("`systemctl edit {unit}` and add `[Service]` `LimitCORE=infinity`, then restart it")
}

fn core_item(f: &Facts, v: &Verdict) -> Item {
    let id = "core";
    let s = &f.core;
    match v {
        Verdict::NoCore { fix, .. } => {
            let fix = if s.rlimit_soft.is_some_and(|l| l < corelimit::MIN_COREDUMP) {
                match &f.unit {
                    Some(u) => unit_drop_in(&u.name),
                    None => format!(
                        "start the process with `ulimit -c unlimited` (or now: `prlimit --pid {} --core=unlimited`)",
                        s.pid
                    ),
                }
            } else {
                // The verdict knows why (read-only, missing directory,
                // permissions, full): its fix names the cause.
                fix.clone()
            };
            lost(item(id, Status::Fail, v.to_string(), Some(fix)))
        }
        Verdict::Writes { bytes, free: Some(free), .. } if free < bytes => lost(item(
            id,
            Status::Fail,
            v.to_string(),
            Some("free space there or point kernel.core_pattern to a larger file system".into()),
        )),
        _ => item(id, Status::Ok, v.to_string(), None),
    }
}

fn dumpable_item(f: &Facts) -> Option<Item> {
    if f.ptrace.dumpable != Some(false) {
        return None;
    }
    let id = "dumpable";
    match f.core.suid_dumpable {
        Some(2) => Some(item(
            id,
            Status::Ok,
            "the process is not dumpable, but fs.suid_dumpable is 2: its core is written readable by root only".into(),
            None,
        )),
        _ => Some(lost(item(
            id,
            Status::Fail,
            "the process is not dumpable (setuid/setgid or prctl(PR_SET_DUMPABLE, 0)) and fs.suid_dumpable is not 2: the kernel writes no core".into(),
            Some("set fs.suid_dumpable=2 (needs an absolute kernel.core_pattern or a pipe), or have the program call prctl(PR_SET_DUMPABLE, 1)".into()),
        ))),
    }
}

fn unit_item(f: &Facts) -> Option<Item> {
    let u = f.unit.as_ref()?;
    let id = "unit";
    if !u.known {
        return Some(item(
            id,
            Status::Info,
            format!("runs in {}; its LimitCORE= could not be read (systemctl unavailable)", u.name),
            None,
        ));
    }
    let show = |l: Option<u64>| l.map_or("infinity".to_string(), |b| Bytes(b).to_string());
    if u.limit_core_soft.is_some_and(|l| l < corelimit::MIN_COREDUMP) {
        // What runs now may differ; the next start takes the unit's value.
        return Some(item(
            id,
            Status::Warn,
            format!(
                "{} has LimitCORE={}: after a restart no core is written",
                u.name,
                show(u.limit_core_soft)
            ),
            Some(unit_drop_in(&u.name)),
        ));
    }
    Some(item(
        id,
        Status::Ok,
        format!("{} has LimitCORE={}", u.name, show(u.limit_core_soft)),
        None,
    ))
}

fn coredump_items(f: &Facts) -> Vec<Item> {
    let Some(c) = &f.coredump else { return Vec::new() };
    let id = "systemd-coredump";
    let size = f.core.dumpable_bytes.or(f.core.rss_bytes).unwrap_or(0);
    let conf = "in /etc/systemd/coredump.conf.d/headroom.conf under [Coredump]";
    let mut out = Vec::new();
    match c.storage.as_str() {
        "none" => out.push(lost(item(
            id,
            Status::Fail,
            "Storage=none: systemd-coredump logs the crash and keeps no core".into(),
            Some(format!("set Storage=external {conf}")),
        ))),
        "journal" => out.push(item(
            id,
            Status::Info,
            "Storage=journal: the core goes into the journal (`coredumpctl dump` gets it back)"
                .into(),
            None,
        )),
        _ => {}
    }
    let want = Bytes(size.next_power_of_two().max(Bytes::GIB));
    if size > c.process_size_max {
        out.push(lost(item(
            id,
            Status::Fail,
            format!(
                "the process may dump {} but ProcessSizeMax={}: the core would be dropped, only the crash's metadata logged",
                Bytes(size),
                Bytes(c.process_size_max)
            ),
            Some(format!("set ProcessSizeMax={} {conf}", want.binary())),
        )));
    } else if c.storage == "external" && size > c.external_size_max {
        out.push(lost(item(
            id,
            Status::Fail,
            format!(
                "the process may dump {} but ExternalSizeMax={}: the core would not be stored",
                Bytes(size),
                Bytes(c.external_size_max)
            ),
            Some(format!("set ExternalSizeMax={} {conf}", want.binary())),
        )));
    }
    let max_use = match (c.max_use, f.coredump_dir_space) {
        (SizeOrShare::Bytes(b), _) => Some(b),
        (SizeOrShare::Percent(p), Some((_, total))) => {
            Some((total / 100).saturating_mul(p).min(MAX_USE_CAP))
        }
        _ => None,
    };
    if let Some(max_use) = max_use.filter(|&m| size > m) {
        out.push(item(
            id,
            Status::Warn,
            format!(
                "the process may dump {} but MaxUse= allows {} in /var/lib/systemd/coredump: older cores are removed first, and a compressed core larger than that is removed at once",
                Bytes(size),
                Bytes(max_use)
            ),
            Some(format!("set MaxUse={} {conf}", want.binary())),
        ));
    }
    if let Some((free, _)) = f.coredump_dir_space.filter(|&(free, _)| free < size) {
        out.push(item(
            id,
            Status::Warn,
            format!(
                "only {} free in /var/lib/systemd/coredump for a core of up to {}",
                Bytes(free),
                Bytes(size)
            ),
            Some(
                "free space there (cores are compressed, often by 10x, so this may still fit)"
                    .into(),
            ),
        ));
    }
    if out.is_empty() {
        out.push(item(
            id,
            Status::Ok,
            format!(
                "Storage={}, ProcessSizeMax={}: a core of up to {} is kept (`coredumpctl list`)",
                c.storage,
                Bytes(c.process_size_max),
                Bytes(size)
            ),
            None,
        ));
    }
    out
}

/// apport's `likely_packaged()`: programs outside these are ignored.
const PACKAGED_PREFIXES: &[&str] =
    &["/bin/", "/boot/", "/etc/", "/initrd/", "/lib/", "/sbin/", "/opt/", "/usr/", "/var/"];

fn apport_items(f: &Facts) -> Vec<Item> {
    let Some(a) = &f.apport else { return Vec::new() };
    let id = "apport";
    let mut out = Vec::new();
    if a.enabled == Some(false) {
        out.push(lost(item(
            id,
            Status::Fail,
            "apport is disabled (enabled=0 in /etc/default/apport): crashes are dropped".into(),
            Some("set enabled=1 in /etc/default/apport and `systemctl restart apport`".into()),
        )));
    }
    if let Some(exe) = &a.exe {
        let packaged = PACKAGED_PREFIXES.iter().any(|p| exe.starts_with(p))
            && !exe.starts_with("/usr/local/")
            && !exe.starts_with("/var/lib/schroot/");
        if !packaged {
            out.push(lost(item(
                id,
                Status::Fail,
                format!("{exe} is outside the packaged prefixes, and apport ignores crashes of unpackaged programs"),
                Some("add `[main]` `unpackaged=true` to ~/.config/apport/settings of the user the program runs as, or write cores to a file (kernel.core_pattern)".into()),
            )));
        }
    }
    let size = f.core.dumpable_bytes.or(f.core.rss_bytes).unwrap_or(0);
    if let Some(free) = a.crash_dir_free.filter(|&free| free < size) {
        // apport gzips the core into the report, so it may still fit.
        out.push(item(
            id,
            Status::Warn,
            format!("only {} free in /var/crash for a core of up to {}", Bytes(free), Bytes(size)),
            Some("free space in /var/crash".into()),
        ));
    }
    if out.is_empty() {
        out.push(item(
            id,
            Status::Ok,
            "apport is enabled and writes /var/crash/*.crash (`dumptool analyze` reads them)"
                .into(),
            None,
        ));
    }
    out
}

/// One verdict per item, in the order a reader fixes them.
pub fn diagnose(f: &Facts) -> Diagnosis {
    let verdict = corelimit::verdict(&f.core);
    let mut items = vec![ptrace_item(&f.ptrace, f.core.pid), core_item(f, &verdict)];
    items.extend(dumpable_item(f));
    items.extend(unit_item(f));
    if matches!(verdict, Verdict::Piped { .. }) {
        items.extend(coredump_items(f));
        items.extend(apport_items(f));
    }
    // A NoCore verdict's fix is already the core item's.
    if let Some(advice) = corelimit::advice(&f.core, &verdict).filter(|_| !verdict.is_no_core()) {
        items.push(item("size", Status::Info, advice, None));
    }
    let crash_leaves_nothing = items.iter().any(|i| i.loses_core && i.status == Status::Fail);
    Diagnosis { pid: f.core.pid, name: f.core.name.clone(), items, crash_leaves_nothing }
}

/// The text `doctor` prints.
pub fn to_text(d: &Diagnosis) -> String {
    let mut t = format!("Crash readiness of {} (pid {})\n", d.name, d.pid);
    for i in &d.items {
        t.push_str(&format!("  [{:<4}] {:<16} {}\n", i.status.to_string(), i.item, i.finding));
        if let Some(fix) = &i.fix {
            t.push_str(&format!("  {:<23} fix: {fix}\n", ""));
        }
    }
    t.push_str(if d.crash_leaves_nothing {
        "\nVerdict: a crash now would leave nothing to analyze; fix the FAIL items above.\n"
    } else {
        "\nVerdict: a crash now would leave a core to analyze.\n"
    });
    t
}

/// A systemd size (`32G`, `1.5G`, `767M`, `4096`, `infinity`): suffixes are
/// powers of 1024 (systemd's `parse_size()`). `None` for infinity.
pub fn parse_systemd_size(value: &str) -> Result<Option<u64>, String> {
    let v = value.trim();
    if v == "infinity" {
        return Ok(None);
    }
    let unit = match v.chars().last() {
        Some(c @ ('K' | 'M' | 'G' | 'T' | 'P' | 'E')) => Some(c),
        _ => None,
    };
    let number = v.trim_end_matches(['K', 'M', 'G', 'T', 'P', 'E', 'B']);
    let text = match unit {
        Some(u) => format!("{number} {u}iB"),
        None => format!("{number} B"),
    };
    Bytes::parse(&text).map(|b| Some(b.get())).map_err(|e| format!("{value:?}: {e}"))
}

/// Merges coredump.conf files given in the order systemd applies them (the
/// main file, then the drop-ins sorted by file name); later keys win.
/// Errors name the file and line.
pub fn parse_coredump_conf(files: &[(String, String)]) -> Result<CoredumpConf, String> {
    let mut c = CoredumpConf::default();
    for (path, text) in files {
        c.sources.push(path.clone());
        let mut in_section = false;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if line.starts_with('[') {
                in_section = line == "[Coredump]";
                continue;
            }
            let Some((key, value)) = line.split_once('=').filter(|_| in_section) else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            // systemd-coredump cannot parse an empty value and ignores the
            // line, keeping the earlier setting (seen with 252: `ExternalSizeMax=1K`
            // then `ExternalSizeMax=` still refuses a 7.8 kB core). Debian's
            // coredump.conf ships `#MaxUse=`, so an uncommented copy has one.
            if value.is_empty() {
                continue;
            }
            let at = |e: String| format!("{path} line {}: {key}={e}", n + 1);
            let size = || parse_systemd_size(value).map(|s| s.unwrap_or(u64::MAX)).map_err(at);
            match key {
                "Storage" => c.storage = value.to_string(),
                "ProcessSizeMax" => c.process_size_max = size()?,
                "ExternalSizeMax" => c.external_size_max = size()?,
                "MaxUse" => {
                    c.max_use = match value.strip_suffix('%') {
                        Some(p) => SizeOrShare::Percent(
                            p.trim()
                                .parse()
                                .map_err(|_| at(format!("{value:?} is not a percentage")))?,
                        ),
                        None => SizeOrShare::Bytes(size()?),
                    }
                }
                _ => {}
            }
        }
    }
    Ok(c)
}

/// The service of a `/proc/PID/cgroup` file (`0::/system.slice/redis-server.service`).
pub fn unit_of_cgroup(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.splitn(3, ':').nth(2))
        .flat_map(|path| path.split('/'))
        .rfind(|part| part.ends_with(".service"))
        .map(str::to_string)
}

/// `LimitCORESoft=` from `systemctl show -p LimitCORESoft UNIT`.
pub fn parse_limit_core_soft(show: &str) -> Option<Option<u64>> {
    let v = show.lines().find_map(|l| l.strip_prefix("LimitCORESoft="))?.trim();
    match v {
        "infinity" | "18446744073709551615" => Some(None),
        n => n.parse().ok().map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_as_numbers() {
        assert_eq!(ids("uid", &[0, 0, 0, 0]), "uid 0");
        assert_eq!(ids("gid", &[1000, 0, 0, 0]), "gids 1000, 0, 0, 0 (real, effective, saved, fs)");
    }

    fn facts(pattern: &str, soft: Option<u64>) -> Facts {
        Facts {
            core: CoreSettings {
                pid: 42,
                name: "redis-server".into(),
                rlimit_soft: soft,
                core_pattern: pattern.into(),
                cwd: Some("/var/lib/redis".into()),
                core_dir_exists: Some(true),
                core_dir_free: Some(100 * Bytes::GIB),
                dumpable_bytes: Some(200 * Bytes::MIB),
                rss_bytes: Some(20 * Bytes::MIB),
                suid_dumpable: Some(0),
                ..CoreSettings::default()
            },
            ptrace: PtraceFacts {
                yama_scope: Some(1),
                uid: 1000,
                gid: 1000,
                target_uids: vec![1000; 4],
                target_gids: vec![1000; 4],
                dumpable: Some(true),
                ..PtraceFacts::default()
            },
            ..Facts::default()
        }
    }

    fn status(d: &Diagnosis, id: &str) -> Vec<(Status, String)> {
        d.items.iter().filter(|i| i.item == id).map(|i| (i.status, i.finding.clone())).collect()
    }

    #[test]
    fn ptrace_rules() {
        let base = facts("core", None);
        type Case = (&'static str, fn(&mut PtraceFacts), Status, &'static str);
        let cases: &[Case] = &[
            ("scope 1, not a parent", |_| {}, Status::Fail, "ptrace_scope is 1"),
            ("scope 1, a parent", |p| p.is_descendant = true, Status::Ok, "same user"),
            ("scope 0, same user", |p| p.yama_scope = Some(0), Status::Ok, "same user"),
            (
                "no Yama, other user",
                |p| {
                    p.yama_scope = None;
                    p.uid = 1001
                },
                Status::Fail,
                "same ids",
            ),
            (
                "saved uid differs",
                |p| {
                    p.yama_scope = Some(0);
                    p.target_uids[2] = 0
                },
                Status::Fail,
                "same ids",
            ),
            (
                "not dumpable",
                |p| {
                    p.yama_scope = Some(0);
                    p.dumpable = Some(false)
                },
                Status::Fail,
                "not dumpable",
            ),
            (
                "root",
                |p| {
                    p.cap_sys_ptrace = true;
                    p.uid = 0
                },
                Status::Ok,
                "CAP_SYS_PTRACE",
            ),
            (
                "scope 2, root",
                |p| {
                    p.yama_scope = Some(2);
                    p.cap_sys_ptrace = true
                },
                Status::Ok,
                "CAP_SYS_PTRACE",
            ),
            ("scope 2, user", |p| p.yama_scope = Some(2), Status::Fail, "ptrace_scope is 2"),
            (
                "scope 3, root",
                |p| {
                    p.yama_scope = Some(3);
                    p.cap_sys_ptrace = true
                },
                Status::Fail,
                "until reboot",
            ),
            (
                "traced",
                |p| {
                    p.cap_sys_ptrace = true;
                    p.tracer_pid = 77
                },
                Status::Fail,
                "traced by pid 77",
            ),
            (
                "seccomp",
                |p| {
                    p.cap_sys_ptrace = true;
                    p.target_seccomp = Some(2)
                },
                Status::Ok,
                "does not stop",
            ),
        ];
        for (name, change, want, text) in cases {
            let mut f = base.clone();
            change(&mut f.ptrace);
            let d = diagnose(&f);
            let got = &status(&d, "capture")[0];
            assert_eq!(got.0, *want, "{name}: {}", got.1);
            assert!(got.1.contains(text), "{name}: {}", got.1);
            // ptrace decides capture; only a non-dumpable process (with
            // fs.suid_dumpable 0) also loses its core.
            assert_eq!(d.crash_leaves_nothing, f.ptrace.dumpable == Some(false), "{name}");
        }
    }

    #[test]
    fn no_core_is_a_failure_with_the_units_fix() {
        let mut f = facts("core", Some(0));
        f.unit = Some(UnitFacts {
            name: "redis-server.service".into(),
            limit_core_soft: Some(0),
            known: true,
        });
        let d = diagnose(&f);
        assert!(d.crash_leaves_nothing);
        let core = d.items.iter().find(|i| i.item == "core").unwrap();
        assert_eq!(core.status, Status::Fail);
        assert!(core.fix.as_deref().unwrap().contains("systemctl edit redis-server.service"));
        assert_eq!(status(&d, "unit")[0].0, Status::Warn);
        assert!(to_text(&d).contains("a crash now would leave nothing"), "{}", to_text(&d));
    }

    #[test]
    fn not_dumpable_loses_the_core_unless_suid_dumpable_is_2() {
        let mut f = facts("/var/crash/core.%p", None);
        f.ptrace.dumpable = Some(false);
        assert!(diagnose(&f).crash_leaves_nothing);
        f.core.suid_dumpable = Some(2);
        assert!(!diagnose(&f).crash_leaves_nothing);
    }

    const SYSTEMD: &str = "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h";

    #[test]
    fn systemd_coredump_limits() {
        let mut f = facts(SYSTEMD, None);
        f.coredump = Some(CoredumpConf::default());
        f.coredump_dir_space = Some((50 * Bytes::GIB, 100 * Bytes::GIB));
        let d = diagnose(&f);
        assert!(!d.crash_leaves_nothing, "{d:?}");
        assert_eq!(status(&d, "systemd-coredump")[0].0, Status::Ok);

        f.coredump = Some(
            parse_coredump_conf(&[("a.conf".into(), "[Coredump]\nProcessSizeMax=100M\n".into())])
                .unwrap(),
        );
        let d = diagnose(&f);
        assert!(d.crash_leaves_nothing);
        let item = d.items.iter().find(|i| i.item == "systemd-coredump").unwrap();
        assert!(item.finding.contains("ProcessSizeMax=105 MB (100 MiB)"), "{}", item.finding);
        assert_eq!(item.fix.as_deref(), Some("set ProcessSizeMax=1 GiB in /etc/systemd/coredump.conf.d/headroom.conf under [Coredump]"));

        f.coredump = Some(
            parse_coredump_conf(&[("a.conf".into(), "[Coredump]\nStorage=none\n".into())]).unwrap(),
        );
        assert!(diagnose(&f).crash_leaves_nothing);

        // MaxUse defaults to 10% of a 1 GiB file system: a warning only.
        f.coredump = Some(CoredumpConf::default());
        f.coredump_dir_space = Some((Bytes::GIB, Bytes::GIB));
        let d = diagnose(&f);
        assert!(!d.crash_leaves_nothing);
        assert!(status(&d, "systemd-coredump")[0].1.contains("MaxUse="), "{d:?}");
    }

    #[test]
    fn apport_disabled_or_unpackaged() {
        let mut f = facts("|/usr/share/apport/apport -p%p -s%s -c%c", None);
        f.apport = Some(ApportFacts {
            enabled: Some(true),
            exe: Some("/usr/bin/redis-server".into()),
            crash_dir_free: None,
        });
        assert!(!diagnose(&f).crash_leaves_nothing);
        f.apport = Some(ApportFacts {
            enabled: Some(true),
            exe: Some("/usr/local/bin/x".into()),
            crash_dir_free: None,
        });
        assert!(diagnose(&f).crash_leaves_nothing);
        f.apport = Some(ApportFacts { enabled: Some(false), exe: None, crash_dir_free: None });
        assert!(diagnose(&f).crash_leaves_nothing);
        f.apport =
            Some(ApportFacts { enabled: Some(true), exe: None, crash_dir_free: Some(Bytes::MIB) });
        let d = diagnose(&f);
        assert!(!d.crash_leaves_nothing);
        assert_eq!(
            status(&d, "apport"),
            [(
                Status::Warn,
                "only 1.05 MB (1 MiB) free in /var/crash for a core of up to 210 MB (200 MiB)"
                    .to_string()
            )]
        );
    }

    #[test]
    fn coredump_conf_drop_ins_override_in_order_and_errors_name_the_line() {
        let files = [
            (
                "/etc/systemd/coredump.conf".to_string(),
                "[Coredump]\n#Storage=none\nProcessSizeMax=2G\nMaxUse=5%\n".to_string(),
            ),
            (
                "/etc/systemd/coredump.conf.d/big.conf".to_string(),
                "[Coredump]\nProcessSizeMax=1.5G\nExternalSizeMax=infinity\n".to_string(),
            ),
        ];
        let c = parse_coredump_conf(&files).unwrap();
        assert_eq!(c.storage, "external");
        assert_eq!(c.process_size_max, 3 * Bytes::GIB / 2);
        assert_eq!(c.external_size_max, u64::MAX);
        assert_eq!(c.max_use, SizeOrShare::Percent(5));
        let err = parse_coredump_conf(&[("x.conf".into(), "[Coredump]\n\nMaxUse=lots\n".into())])
            .unwrap_err();
        assert!(err.starts_with("x.conf line 3: MaxUse="), "{err}");
    }

    /// Debian 12's coredump.conf (systemd-coredump 252.39): every setting
    /// commented out, so the compiled-in defaults apply. Its comments still
    /// show 2G where coredump.conf(5) in the same package says 32G on
    /// 64-bit: uncommenting the file as shipped lowers both limits.
    #[test]
    fn debian_coredump_conf_as_shipped_and_uncommented() {
        let path = "/etc/systemd/coredump.conf".to_string();
        let text = include_str!("../../testdata/configs/debian-coredump.conf");
        let stock = parse_coredump_conf(&[(path.clone(), text.into())]).unwrap();
        assert_eq!(stock, CoredumpConf { sources: vec![path.clone()], ..Default::default() });
        let uncommented: String = text
            .lines()
            .map(|l| l.strip_prefix('#').filter(|l| l.contains('=')).unwrap_or(l))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(uncommented.contains("\nMaxUse=\n"), "{uncommented}");
        let shown = parse_coredump_conf(&[(path.clone(), uncommented)]).unwrap();
        assert_eq!(
            shown,
            CoredumpConf {
                process_size_max: 2 * Bytes::GIB,
                external_size_max: 2 * Bytes::GIB,
                sources: vec![path],
                ..Default::default()
            }
        );
    }

    #[test]
    fn an_empty_value_keeps_the_earlier_setting() {
        let files = [
            ("a.conf".to_string(), "[Coredump]\nExternalSizeMax=1K\n".to_string()),
            ("b.conf".to_string(), "[Coredump]\nExternalSizeMax=\nStorage=\n".to_string()),
        ];
        let c = parse_coredump_conf(&files).unwrap();
        assert_eq!((c.external_size_max, c.storage.as_str()), (1024, "external"));
    }

    #[test]
    fn systemd_sizes_are_binary() {
        assert_eq!(parse_systemd_size("32G"), Ok(Some(32 * Bytes::GIB)));
        assert_eq!(parse_systemd_size("767M"), Ok(Some(767 * Bytes::MIB)));
        assert_eq!(parse_systemd_size("4096"), Ok(Some(4096)));
        assert_eq!(parse_systemd_size("infinity"), Ok(None));
        assert!(parse_systemd_size("ten").is_err());
    }

    /// A service working in `/` on a read-only root (seen live in the
    /// field test's systemd): the core item carries the verdict's own fix,
    /// not a guess about space, and says it once.
    #[test]
    fn read_only_core_dir_gets_its_own_fix() {
        let mut f = facts("core", None);
        f.core.credentials = Some(corelimit::Credentials {
            dac_override: true,
            fowner: true,
            dumpable: true,
            ..Default::default()
        });
        let root = corelimit::PathInfo { path: "/".into(), uid: 0, gid: 0, mode: 0o040_755 };
        f.core.target =
            Some(corelimit::CoreTarget { dirs: vec![root], existing: None, read_only: true });
        let d = diagnose(&f);
        let core = d.items.iter().find(|i| i.item == "core").unwrap();
        assert_eq!(core.status, Status::Fail);
        assert!(core.finding.contains("mounted read-only"), "{core:?}");
        assert_eq!(
            core.fix.as_deref(),
            Some("point kernel.core_pattern to a writable file system")
        );
        assert!(status(&d, "size").is_empty(), "{d:?}");
        assert!(d.crash_leaves_nothing);
    }

    #[test]
    fn unit_from_cgroup_and_systemctl() {
        let v2 = "0::/system.slice/redis-server.service\n";
        assert_eq!(unit_of_cgroup(v2).as_deref(), Some("redis-server.service"));
        let v1 =
            "12:pids:/system.slice/nginx.service\n1:name=systemd:/system.slice/nginx.service\n";
        assert_eq!(unit_of_cgroup(v1).as_deref(), Some("nginx.service"));
        assert_eq!(unit_of_cgroup("0::/user.slice/user-1000.slice/init.scope\n"), None);
        assert_eq!(parse_limit_core_soft("LimitCORESoft=0\n"), Some(Some(0)));
        assert_eq!(parse_limit_core_soft("LimitCORESoft=infinity\n"), Some(None));
        assert_eq!(parse_limit_core_soft("LimitCORE=0\n"), None);
    }

    /// What systemd 252 printed in `cargo xtask field-test systemd`: a
    /// hybrid host whose v1 lines show the root, only cgroup2 the service.
    #[test]
    fn unit_and_limit_as_a_live_systemd_shows_them() {
        let cgroup = "9:name=systemd:/\n8:pids:/\n4:memory:/\n1:cpu:/\n\
                      0::/system.slice/headroom-field-core1m.service\n";
        assert_eq!(unit_of_cgroup(cgroup).as_deref(), Some("headroom-field-core1m.service"));
        let shown = "LimitCORE=1048576\nLimitCORESoft=1048576\n";
        assert_eq!(parse_limit_core_soft(shown), Some(Some(Bytes::MIB)));
    }
}
