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
    /// How `dumpable_bytes` was reckoned ([`SIZE_METHOD`]).
    pub size_method: Option<String>,
    /// VmRSS and VmSize from /proc/PID/status.
    pub rss_bytes: Option<u64>,
    pub vm_bytes: Option<u64>,
    /// Who the process is to the file system, when known.
    pub credentials: Option<Credentials>,
    /// The directories on the way to the core file and the file itself.
    pub target: Option<CoreTarget>,
}

/// How `limits` reckons a core's size, as it says in its output.
pub const SIZE_METHOD: &str = "estimate: the mappings of /proc/PID/smaps that coredump_filter \
     selects, chosen as the kernel's vma_dump_size (fs/coredump.c) chooses them, plus the ELF \
     headers and notes; this is the file's apparent size (untouched pages are holes)";

/// The process's credentials as the kernel uses them to create a core file
/// (the file-system uid and gid, /proc/PID/status `Uid:`/`Gid:` fourth field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Credentials {
    pub fsuid: u32,
    pub fsgid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// CAP_DAC_OVERRIDE in the effective set: directory permissions do not apply.
    pub dac_override: bool,
    /// CAP_FOWNER: may remove others' files from a sticky directory.
    pub fowner: bool,
    /// Whether a crash may dump as the process's own user. A process that
    /// changed its credentials (setuid programs, daemons that drop root) is
    /// not, and falls under fs.suid_dumpable; /proc shows it by owning the
    /// process's files by root.
    pub dumpable: bool,
}

/// Owner and permission bits of a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathInfo {
    pub path: String,
    pub uid: u32,
    pub gid: u32,
    /// `st_mode`: the file type and permission bits.
    pub mode: u32,
}

/// Where the core file would go, as the process sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CoreTarget {
    /// From `/` down to the directory the core lands in.
    pub dirs: Vec<PathInfo>,
    /// What is at the core's path already (not followed if a link).
    pub existing: Option<PathInfo>,
    /// Whether that directory's file system is mounted read-only.
    pub read_only: bool,
}

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_ISVTX: u32 = 0o1000;

/// Whether `creds` may search (1), write (2) or read (4) `p`, by the
/// permission bits (path_resolution(7)); CAP_DAC_OVERRIDE grants all of
/// them on directories.
fn allows(p: &PathInfo, creds: &Credentials, want: u32) -> bool {
    if creds.dac_override {
        return true;
    }
    let bits = if p.uid == creds.fsuid {
        p.mode >> 6
    } else if p.gid == creds.fsgid || creds.groups.contains(&p.gid) {
        p.mode >> 3
    } else {
        p.mode
    };
    bits & want == want
}

/// Why the kernel would not create the core file, and how to let it; `None`
/// when it would. The rules of fs/coredump.c (`do_coredump`): a process
/// that changed credentials dumps only under fs.suid_dumpable 1 or 2, and
/// under 2 as root and only to an absolute path; an existing file is
/// unlinked first (not under mode 2), then the core is created with
/// `O_CREAT | O_EXCL | O_NOFOLLOW`, with the process's file-system
/// credentials.
pub fn cannot_create(
    creds: &Credentials,
    suid_dumpable: Option<u32>,
    path: &str,
    target: &CoreTarget,
) -> Option<(String, String)> {
    let suid_safe = !creds.dumpable && suid_dumpable == Some(2);
    if suid_safe && !path.starts_with('/') {
        return Some((
            "the process changed its credentials and, with fs.suid_dumpable = 2, the kernel \
             writes its core only to an absolute path, which kernel.core_pattern is not"
                .into(),
            "set kernel.core_pattern to an absolute path (e.g. /var/crash/core.%e.%p) in a \
             directory that exists"
                .into(),
        ));
    }
    // Mode 2 writes as root.
    let root = Credentials { dac_override: true, fowner: true, ..Credentials::default() };
    let who = if suid_safe { &root } else { creds };
    let (parent, above) = target.dirs.split_last()?;
    let user = format!("uid {} (gid {})", who.fsuid, who.fsgid);
    let fix_dir = |dir: &str| {
        format!(
            "let {user} write to {dir} (its owner, group or mode), or set kernel.core_pattern to \
             an absolute path in a directory it can write (e.g. /var/crash/core.%e.%p with \
             /var/crash mode 1733)"
        )
    };
    if let Some(d) = above.iter().find(|d| !allows(d, who, 1)) {
        return Some((
            format!("{user} may not enter {} (mode {:o})", d.path, d.mode & 0o7777),
            fix_dir(&d.path),
        ));
    }
    if !allows(parent, who, 3) {
        return Some((
            format!(
                "{user} may not create files in {} (owner {}, group {}, mode {:o})",
                parent.path,
                parent.uid,
                parent.gid,
                parent.mode & 0o7777
            ),
            fix_dir(&parent.path),
        ));
    }
    if target.read_only {
        return Some((
            format!("{} is on a file system mounted read-only", parent.path),
            "point kernel.core_pattern to a writable file system".into(),
        ));
    }
    if let Some(f) = &target.existing {
        let remove = "remove it, or let kernel.core_pattern name each core apart (%p, %t)";
        if suid_safe {
            return Some((
                format!(
                    "{} exists, and under fs.suid_dumpable = 2 the kernel does not replace it",
                    f.path
                ),
                remove.into(),
            ));
        }
        if f.mode & S_IFMT != S_IFREG && f.mode & S_IFMT != 0o120_000 {
            return Some((format!("{} exists and is not a file", f.path), remove.into()));
        }
        let sticky_blocks = parent.mode & S_ISVTX != 0
            && f.uid != who.fsuid
            && parent.uid != who.fsuid
            && !who.fowner;
        if sticky_blocks {
            return Some((
                format!(
                    "{} exists, belongs to uid {}, and {} is sticky: {user} may not replace it",
                    f.path, f.uid, parent.path
                ),
                remove.into(),
            ));
        }
    }
    None
}

/// What a crash now would leave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Verdict {
    /// A core file of up to `bytes` at `path`.
    Writes { bytes: u64, path: String, free: Option<u64> },
    /// The core is handed to a program.
    Piped { handler: String, note: Option<String> },
    /// Nothing is written: why, and what would let a core be written.
    NoCore { reason: String, fix: String },
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
            Verdict::NoCore { reason, .. } => {
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

/// Advice that raises RLIMIT_CORE, for a verdict that found it too low.
const RAISE_LIMIT: &str = "if a core is wanted, raise the soft limit before the process starts \
     (`ulimit -c unlimited`, LimitCORE=infinity under systemd); for a large process prefer \
     `dumptool capture`";

/// What a crash of the process would leave now.
pub fn verdict(s: &CoreSettings) -> Verdict {
    if let Some(c) = &s.credentials {
        // The kernel checks this before it looks at core_pattern.
        if !c.dumpable && !matches!(s.suid_dumpable, Some(1 | 2)) {
            return Verdict::NoCore {
                reason: "the process changed its credentials (setuid, or it dropped root) and \
                         fs.suid_dumpable is 0"
                    .into(),
                fix: "set fs.suid_dumpable = 2 with an absolute kernel.core_pattern, or take a \
                      minidump with `dumptool capture`"
                    .into(),
            };
        }
    }
    if let Some(handler) = pipe_handler(&s.core_pattern) {
        let handler = handler.to_string();
        if s.rlimit_soft == Some(1) {
            return Verdict::NoCore {
                reason: "RLIMIT_CORE is 1, which tells the kernel not to pipe cores".into(),
                fix: RAISE_LIMIT.into(),
            };
        }
        let honours = handler.ends_with("systemd-coredump") || handler.contains("apport");
        let note = (s.rlimit_soft == Some(0) && honours)
            .then(|| "which honours RLIMIT_CORE 0 and keeps only the crash's metadata".to_string());
        return Verdict::Piped { handler, note };
    }
    match s.rlimit_soft {
        Some(0) => {
            return Verdict::NoCore {
                reason: "the soft RLIMIT_CORE is 0 (ulimit -c 0)".into(),
                fix: RAISE_LIMIT.into(),
            }
        }
        Some(n) if n < MIN_COREDUMP => {
            return Verdict::NoCore {
                reason: format!("the soft RLIMIT_CORE is {n} bytes, less than one page"),
                fix: RAISE_LIMIT.into(),
            }
        }
        _ => {}
    }
    let path = core_path(s);
    if s.core_dir_exists == Some(false) {
        let dir = path.rsplit_once('/').map_or(".", |(d, _)| d).to_string();
        return Verdict::NoCore {
            reason: format!("the directory {dir} does not exist"),
            fix: format!("create {dir}, or point kernel.core_pattern to a directory that exists"),
        };
    }
    if let (Some(c), Some(t)) = (&s.credentials, &s.target) {
        if let Some((reason, fix)) = cannot_create(c, s.suid_dumpable, &path, t) {
            return Verdict::NoCore { reason, fix };
        }
    }
    if s.core_dir_free == Some(0) {
        return Verdict::NoCore {
            reason: "the filesystem it would land on is full".into(),
            fix: "free space there, or point kernel.core_pattern to another file system".into(),
        };
    }
    let size = s.dumpable_bytes.or(s.vm_bytes).unwrap_or(u64::MAX);
    let bytes = s.rlimit_soft.map_or(size, |l| l.min(size));
    Verdict::Writes { bytes, path, free: s.core_dir_free }
}

/// For a large process that would write or pipe a core: that a minidump is
/// the fast dump. Never advice to lower the limit (the AMPS User Guide's
/// `ulimit -c 0`): nothing Headroom advises lowers a limit.
pub fn advice(s: &CoreSettings, v: &Verdict) -> Option<String> {
    if let Verdict::NoCore { fix, .. } = v {
        return Some(fix.clone());
    }
    let size = s.rss_bytes.or(s.dumpable_bytes)?;
    if size < LARGE_PROCESS {
        return None;
    }
    Some(format!(
        "this process is large ({}): a core of it can take minutes to write, while the \
         process cannot restart; a minidump (`dumptool capture`, or AMPS's own on a crash) \
         takes milliseconds",
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

    /// The kernel.core_pattern Debian's systemd-coredump package installs
    /// (/usr/lib/sysctl.d/50-coredump.conf): a fixed number where upstream
    /// has %c, and the /lib path.
    #[test]
    fn debian_systemd_coredump_pattern() {
        let sysctl = include_str!(
            "../../testdata/configs/debian/systemd-coredump/usr/lib/sysctl.d/50-coredump.conf"
        );
        let pattern = sysctl.lines().find_map(|l| l.strip_prefix("kernel.core_pattern=")).unwrap();
        assert_eq!(pipe_handler(pattern), Some("/lib/systemd/systemd-coredump"));
        assert_eq!(
            verdict(&settings(pattern, Some(0))).to_string(),
            "a crash now would be piped to /lib/systemd/systemd-coredump (which honours \
             RLIMIT_CORE 0 and keeps only the crash's metadata)"
        );
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
        let large = advice(&s, &verdict(&s)).unwrap();
        assert!(large.contains("dumptool capture"), "{large}");
        assert!(!large.contains("-c 0") && !large.contains("CORE=0"), "never lowers: {large}");
        let s0 = settings("core", Some(0));
        assert!(advice(&s0, &verdict(&s0)).unwrap().contains("ulimit -c unlimited"));
        let mut small = settings("core", None);
        small.rss_bytes = Some(Bytes::MIB);
        assert_eq!(advice(&small, &verdict(&small)), None);
    }

    fn dir(path: &str, uid: u32, mode: u32) -> PathInfo {
        PathInfo { path: path.into(), uid, gid: uid, mode: 0o040_000 | mode }
    }

    fn nobody() -> Credentials {
        Credentials { fsuid: 65534, fsgid: 65534, dumpable: true, ..Credentials::default() }
    }

    #[test]
    fn the_process_credentials_must_create_the_file() {
        let target = |parent: PathInfo, existing: Option<PathInfo>| CoreTarget {
            dirs: vec![dir("/", 0, 0o755), dir("/srv", 0, 0o755), parent],
            existing,
            read_only: false,
        };
        let path = "/srv/app/core";
        let cases: &[(CoreTarget, Credentials, Option<u32>, Option<&str>)] = &[
            // nginx's worker in a root-owned 0755 directory: issue 20.
            (target(dir("/srv/app", 0, 0o755), None), nobody(), Some(0),
             Some("uid 65534 (gid 65534) may not create files in /srv/app (owner 0, group 0, mode 755)")),
            (target(dir("/srv/app", 65534, 0o755), None), nobody(), Some(0), None),
            (target(dir("/srv/app", 0, 0o1777), None), nobody(), Some(0), None),
            // root-owned 0700 on the way: cannot even enter it.
            (CoreTarget { dirs: vec![dir("/", 0, 0o755), dir("/srv", 0, 0o700), dir("/srv/app", 65534, 0o755)], ..CoreTarget::default() },
             nobody(), Some(0), Some("uid 65534 (gid 65534) may not enter /srv (mode 700)")),
            // Someone else's core in a sticky directory.
            (target(dir("/srv/app", 0, 0o1777), Some(PathInfo { path: path.into(), uid: 1000, gid: 1000, mode: 0o100_600 })),
             nobody(), Some(0), Some("/srv/app/core exists, belongs to uid 1000, and /srv/app is sticky")),
            // Root may write anywhere.
            (target(dir("/srv/app", 0, 0o755), None),
             Credentials { dac_override: true, fowner: true, dumpable: true, ..Credentials::default() }, Some(0), None),
            // Changed credentials under suid_dumpable 2: written as root, absolute path only.
            (target(dir("/srv/app", 0, 0o755), None), Credentials { dumpable: false, ..nobody() }, Some(2), None),
            (target(dir("/srv/app", 0, 0o755), Some(PathInfo { path: path.into(), uid: 0, gid: 0, mode: 0o100_600 })),
             Credentials { dumpable: false, ..nobody() }, Some(2), Some("under fs.suid_dumpable = 2 the kernel does not replace it")),
        ];
        for (i, (t, c, suid, want)) in cases.iter().enumerate() {
            let got = cannot_create(c, *suid, path, t).map(|(reason, _)| reason);
            match want {
                None => assert_eq!(got, None, "case {i}"),
                Some(w) => {
                    assert!(got.as_deref().is_some_and(|g| g.contains(w)), "case {i}: {got:?}")
                }
            }
        }
        let relative = cannot_create(
            &Credentials { dumpable: false, ..nobody() },
            Some(2),
            "core",
            &CoreTarget::default(),
        );
        assert!(relative.unwrap().0.contains("only to an absolute path"));
    }

    #[test]
    fn changed_credentials_under_suid_dumpable_0_leave_no_core() {
        let mut s = settings("|/usr/lib/systemd/systemd-coredump %P", None);
        s.credentials = Some(Credentials { dumpable: false, ..nobody() });
        s.suid_dumpable = Some(0);
        let v = verdict(&s);
        assert!(v.to_string().contains("changed its credentials"), "{v}");
        assert!(advice(&s, &v).unwrap().contains("fs.suid_dumpable = 2"));
        s.suid_dumpable = Some(2);
        assert!(!verdict(&s).is_no_core());
    }
}
