//! What a crash of a process would leave behind, from its core-dump settings:
//! RLIMIT_CORE, kernel.core_pattern and friends, the coredump_filter, free
//! space and the process's size. Pure: `limits` gathers the settings from
//! /proc (Linux only), `report` from the limits a dump holds.
//!
//! The kernel's rules are those of core(5) and fs/coredump.c: no core when
//! the soft RLIMIT_CORE is below one page, unless core_pattern pipes to a
//! handler (then the limit is not enforced, except that a limit of 1 means
//! "do not pipe"); systemd-coredump and apport honour RLIMIT_CORE themselves.

use std::fmt;

use headroom_core::units::Bytes;
use serde::Serialize;

/// Processes at least this large should not write cores. The AMPS User
/// Guide, "Ulimit": "it is recommended that the per user core file size limit
/// is set to 0 to prevent a large process image from being dumped to
/// storage", because a large core "could take seconds (maybe even hours)"
/// while a minidump takes milliseconds. The guide gives no figure; 1 GiB is
/// ours.
pub const LARGE_PROCESS: u64 = Bytes::GIB;

/// The kernel's minimum core size (`binfmt->min_coredump`, one page).
pub const MIN_COREDUMP: u64 = 4096;

/// The settings that decide what a crash leaves behind. `None` where unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CoreSettings {
    pub pid: u32,
    /// The command name (`comm`), as %e expands it.
    pub name: String,
    /// Soft and hard RLIMIT_CORE in bytes; `None` is unlimited.
    pub rlimit_soft: Option<u64>,
    pub rlimit_hard: Option<u64>,
    /// kernel.core_pattern.
    pub core_pattern: String,
    pub core_pipe_limit: Option<u64>,
    pub core_uses_pid: Option<bool>,
    pub suid_dumpable: Option<u32>,
    /// /proc/PID/coredump_filter (default 0x33).
    pub coredump_filter: Option<u32>,
    /// The process's working directory, where a relative core_pattern lands.
    pub cwd: Option<String>,
    /// Whether the directory the core would land in exists.
    pub core_dir_exists: Option<bool>,
    /// Free bytes on the filesystem the core would land on.
    pub core_dir_free: Option<u64>,
    /// What the mappings selected by coredump_filter add up to: the most a
    /// core of this process would hold now.
    pub dumpable_bytes: Option<u64>,
    /// VmRSS and VmSize from /proc/PID/status.
    pub rss_bytes: Option<u64>,
    pub vm_bytes: Option<u64>,
}

/// What a crash now would leave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Verdict {
    /// A core file of up to `bytes` at `path`.
    Writes { bytes: u64, path: String, free: Option<u64> },
    /// The core is handed to a program.
    Piped { handler: String, note: Option<String> },
    /// Nothing is written.
    NoCore { reason: String },
}

impl Verdict {
    /// Whether the verdict is a problem for `limits`' exit code.
    pub fn is_no_core(&self) -> bool {
        matches!(self, Verdict::NoCore { .. })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Writes { bytes, path, free } => {
                write!(f, "a crash now would write up to {} to {path}", Bytes(*bytes))?;
                if let Some(free) = free.filter(|free| free < bytes) {
                    write!(
                        f,
                        ", but only {} is free there: the core would be cut short",
                        Bytes(free)
                    )?;
                }
                Ok(())
            }
            Verdict::Piped { handler, note } => {
                write!(f, "a crash now would be piped to {handler}")?;
                match note {
                    Some(n) => write!(f, " ({n})"),
                    None => Ok(()),
                }
            }
            Verdict::NoCore { reason } => {
                write!(f, "a crash now would leave no core because {reason}")
            }
        }
    }
}

/// The core's file name: core_pattern with its % specifiers expanded as far
/// as they are known now (`%s`, `%t` are those of the future crash).
pub fn core_path(s: &CoreSettings) -> String {
    let pattern = if s.core_pattern.trim().is_empty() { "core" } else { s.core_pattern.trim() };
    let mut out = String::new();
    let mut chars = pattern.chars();
    let mut has_pid = false;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('p' | 'P' | 'i' | 'I') => {
                has_pid = true;
                out.push_str(&s.pid.to_string());
            }
            Some('e') => out.push_str(&s.name),
            Some('s') => out.push_str("<signal>"),
            Some('t') => out.push_str("<time>"),
            Some('h') => out.push_str("<hostname>"),
            Some('u') => out.push_str("<uid>"),
            Some('g') => out.push_str("<gid>"),
            Some('c') => out.push_str(&s.rlimit_soft.map_or("unlimited".into(), |l| l.to_string())),
            Some(other) => {
                out.push('<');
                out.push(other);
                out.push('>');
            }
            None => {}
        }
    }
    if s.core_uses_pid == Some(true) && !has_pid {
        out.push_str(&format!(".{}", s.pid));
    }
    if out.starts_with('/') {
        out
    } else {
        let cwd = s.cwd.as_deref().unwrap_or("<cwd>");
        format!("{}/{out}", cwd.trim_end_matches('/'))
    }
}

/// The handler program of a piped core_pattern (`|/usr/lib/systemd/systemd-coredump %P ...`).
pub fn pipe_handler(pattern: &str) -> Option<&str> {
    let rest = pattern.trim().strip_prefix('|')?;
    rest.split_whitespace().next()
}

/// What a crash of the process would leave now.
pub fn verdict(s: &CoreSettings) -> Verdict {
    if let Some(handler) = pipe_handler(&s.core_pattern) {
        let handler = handler.to_string();
        if s.rlimit_soft == Some(1) {
            return Verdict::NoCore {
                reason: "RLIMIT_CORE is 1, which tells the kernel not to pipe cores".into(),
            };
        }
        let honours = handler.ends_with("systemd-coredump") || handler.contains("apport");
        let note = (s.rlimit_soft == Some(0) && honours)
            .then(|| "which honours RLIMIT_CORE 0 and keeps only the crash's metadata".to_string());
        return Verdict::Piped { handler, note };
    }
    match s.rlimit_soft {
        Some(0) => {
            return Verdict::NoCore { reason: "the soft RLIMIT_CORE is 0 (ulimit -c 0)".into() }
        }
        Some(n) if n < MIN_COREDUMP => {
            return Verdict::NoCore {
                reason: format!("the soft RLIMIT_CORE is {n} bytes, less than one page"),
            }
        }
        _ => {}
    }
    let path = core_path(s);
    if s.core_dir_exists == Some(false) {
        let dir = path.rsplit_once('/').map_or(".", |(d, _)| d).to_string();
        return Verdict::NoCore { reason: format!("the directory {dir} does not exist") };
    }
    if s.core_dir_free == Some(0) {
        return Verdict::NoCore { reason: "the filesystem it would land on is full".into() };
    }
    let size = s.dumpable_bytes.or(s.vm_bytes).unwrap_or(u64::MAX);
    let bytes = s.rlimit_soft.map_or(size, |l| l.min(size));
    Verdict::Writes { bytes, path, free: s.core_dir_free }
}

/// The AMPS advice, where it applies: a large process that would write or
/// pipe a core should run with `ulimit -c 0` and rely on minidumps.
pub fn advice(s: &CoreSettings, v: &Verdict) -> Option<String> {
    let size = s.rss_bytes.or(s.dumpable_bytes)?;
    if size < LARGE_PROCESS || v.is_no_core() {
        return None;
    }
    Some(format!(
        "this process is large ({}): as the AMPS User Guide advises, run it with `ulimit -c 0` \
         (LimitCORE=0 under systemd) and rely on minidumps (`dumptool capture`), which take \
         milliseconds where a core of this size can take minutes",
        Bytes(size)
    ))
}

/// The part of the verdict a dump can tell: it holds RLIMIT_CORE but not
/// core_pattern. `None` when the dump has no limits.
pub fn dump_verdict(soft: Option<u64>, hard: Option<u64>) -> String {
    let show = |l: Option<u64>| l.map_or("unlimited".to_string(), |b| Bytes(b).to_string());
    match soft {
        Some(n) if n < MIN_COREDUMP => format!(
            "RLIMIT_CORE was {} (hard {}) when the dump was taken: a crash would leave no core \
             file, unless kernel.core_pattern pipes cores to a handler that ignores the limit",
            show(soft),
            show(hard)
        ),
        _ => format!(
            "RLIMIT_CORE was {} (hard {}) when the dump was taken: a crash could write a core \
             of up to that size, depending on kernel.core_pattern (run `dumptool limits PID` on \
             the host)",
            show(soft),
            show(hard)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pattern: &str, soft: Option<u64>) -> CoreSettings {
        CoreSettings {
            pid: 42,
            name: "ampServer".into(),
            rlimit_soft: soft,
            core_pattern: pattern.into(),
            cwd: Some("/var/lib/amps".into()),
            core_dir_exists: Some(true),
            core_dir_free: Some(100 * Bytes::GIB),
            dumpable_bytes: Some(2 * Bytes::GIB),
            rss_bytes: Some(3 * Bytes::GIB),
            ..CoreSettings::default()
        }
    }

    #[test]
    fn verdicts() {
        let cases: &[(&str, Option<u64>, &str)] = &[
            ("core", Some(0), "a crash now would leave no core because the soft RLIMIT_CORE is 0 (ulimit -c 0)"),
            ("core", None, "a crash now would write up to 2.15 GB (2 GiB) to /var/lib/amps/core"),
            ("/cores/core.%e.%p", Some(Bytes::GIB), "a crash now would write up to 1.07 GB (1 GiB) to /cores/core.ampServer.42"),
            ("|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h", None, "a crash now would be piped to /usr/lib/systemd/systemd-coredump"),
            ("|/usr/share/apport/apport -p%p", Some(0), "a crash now would be piped to /usr/share/apport/apport (which honours RLIMIT_CORE 0 and keeps only the crash's metadata)"),
            ("|/bin/handler", Some(1), "a crash now would leave no core because RLIMIT_CORE is 1, which tells the kernel not to pipe cores"),
        ];
        for (pattern, soft, want) in cases {
            assert_eq!(verdict(&settings(pattern, *soft)).to_string(), *want, "{pattern}");
        }
    }

    #[test]
    fn core_uses_pid_appends_the_pid() {
        let mut s = settings("core", None);
        s.core_uses_pid = Some(true);
        assert_eq!(core_path(&s), "/var/lib/amps/core.42");
    }

    #[test]
    fn amps_advice_for_large_processes_only() {
        let s = settings("core", None);
        assert!(advice(&s, &verdict(&s)).unwrap().contains("ulimit -c 0"));
        let s0 = settings("core", Some(0));
        assert_eq!(advice(&s0, &verdict(&s0)), None);
        let mut small = settings("core", None);
        small.rss_bytes = Some(Bytes::MIB);
        assert_eq!(advice(&small, &verdict(&small)), None);
    }
}
