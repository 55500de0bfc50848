//! Config validators: a file's text in, findings out (rule id, severity,
//! line, why, the exact fix). Pure: the page passes pasted text, `dumptool
//! check` passes files it read. One module per format; rules are defined once
//! in [`rules`].
//!
//! Files are checked on their own (syntax, removed keys, units) and against
//! what the host and plan need when a [`Context`] gives them. Several files
//! checked together ([`check_files`]) are combined as the system combines
//! them: sysctl.d and limits.d lines in order (a later setting wins), each
//! systemd unit with the drop-ins of its own `UNIT.d/` directory (unrelated
//! units are judged apart), and my.cnf files as one server configuration.

pub mod aerospike;
pub mod amps_xml;
pub mod detect;
pub mod gemstone;
pub mod limits;
pub mod mycnf;
mod needs;
pub mod rules;
pub mod sysctl;
pub mod systemd;

use std::collections::HashMap;

use serde::Serialize;

use crate::finding::{Finding, Location, Severity};
use crate::host::Host;
use crate::units::Bytes;

/// A config format the validators know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// sysctl.conf, /etc/sysctl.d/*.conf, `sysctl -a` output.
    Sysctl,
    /// /etc/security/limits.conf and limits.d/*.conf.
    Limits,
    /// /proc/PID/limits.
    ProcLimits,
    /// A systemd unit file or drop-in.
    Systemd,
    /// GemStone/MagLev system.conf.
    GemstoneConf,
    /// startstone output, the stone log or a `*pcmon.log`.
    GemstoneLog,
    /// my.cnf.
    Mycnf,
    /// Aerospike client shared-memory settings.
    AerospikeConf,
    /// `ipcs -m` output.
    Ipcs,
    /// An AMPS configuration file.
    AmpsXml,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Sysctl,
        Format::Limits,
        Format::ProcLimits,
        Format::Systemd,
        Format::GemstoneConf,
        Format::GemstoneLog,
        Format::Mycnf,
        Format::AerospikeConf,
        Format::Ipcs,
        Format::AmpsXml,
    ];

    /// The name used by `--as` and the page.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sysctl => "sysctl",
            Format::Limits => "limits",
            Format::ProcLimits => "proc-limits",
            Format::Systemd => "systemd",
            Format::GemstoneConf => "gemstone-conf",
            Format::GemstoneLog => "gemstone-log",
            Format::Mycnf => "mycnf",
            Format::AerospikeConf => "aerospike",
            Format::Ipcs => "ipcs",
            Format::AmpsXml => "amps-xml",
        }
    }

    /// Reads a name given by `--as` or the page.
    pub fn parse(name: &str) -> Result<Format, ValidateError> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name() == name.trim())
            .ok_or_else(|| ValidateError::UnknownFormat { name: name.to_string() })
    }
}

/// A MySQL or MariaDB server version, for the version-aware my.cnf rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DbVersion {
    pub mariadb: bool,
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl DbVersion {
    /// Reads `"8.0.36"`, `"mysql 5.7"`, `"mariadb 10.11.6"`, `"10.6.12-MariaDB"`.
    pub fn parse(text: &str) -> Result<DbVersion, ValidateError> {
        let lower = text.trim().to_ascii_lowercase();
        let mariadb = lower.contains("mariadb");
        let digits: String = lower
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = digits.split('.').map(|p| p.parse::<u32>());
        let bad = || ValidateError::BadVersion { text: text.to_string() };
        let major = parts.next().and_then(Result::ok).ok_or_else(bad)?;
        let minor = parts.next().and_then(Result::ok).unwrap_or(0);
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Ok(DbVersion { mariadb, major, minor, patch })
    }

    fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }
}

/// What the plan needs from the host, as the validators compare against it.
/// Every field is optional: a rule that needs an unknown figure stays quiet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Needs {
    /// The host runs AMPS: apply the AMPS kernel minimums, and note where a
    /// core of a large instance would be slow to write.
    pub amps: bool,
    /// Open files per process the service needs (soft and hard nofile).
    pub nofile: Option<u64>,
    /// Host-wide open files (fs.file-max).
    pub file_max: Option<u64>,
    /// fs.aio-max-nr.
    pub aio_max_nr: Option<u64>,
    /// vm.max_map_count.
    pub max_map_count: Option<u64>,
    /// Concurrent TCP connections the host must hold.
    pub connections: Option<u64>,
    /// (client address, server port) pairs the connections spread over:
    /// each pair holds at most one connection per local port.
    pub port_pairs: Option<u64>,
    /// TIME_WAIT sockets the connection churn leaves (closes per second x 60 s).
    pub time_wait: Option<u64>,
    /// Kernel memory the connections' buffers need under load, bytes.
    pub tcp_memory: Option<Bytes>,
    /// Largest message an AMPS SOW must store.
    pub max_message_size: Option<Bytes>,
    /// The largest shared memory segment a service creates (GemStone page
    /// cache, Aerospike client), for kernel.shmmax and kernel.shmall.
    pub shm_segment: Option<Bytes>,
    /// The Aerospike client's segment size for its configured maxima.
    pub aerospike_segment: Option<Bytes>,
    /// Real Aerospike node and namespace counts, for the cushion rule.
    pub aerospike_nodes: Option<u64>,
    pub aerospike_namespaces: Option<u64>,
    /// The MySQL or MariaDB version.
    pub db_version: Option<DbVersion>,
}

/// What a file is checked against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    pub host: Option<&'a Host>,
    pub needs: Option<&'a Needs>,
}

impl Context<'_> {
    fn needs(&self) -> Needs {
        self.needs.cloned().unwrap_or_default()
    }
}

/// One setting as a file sets it, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub location: Location,
}

/// What the validators made of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub name: String,
    /// `None` when no format matched (the findings say so).
    pub format: Option<Format>,
    /// True when the format was detected rather than given.
    pub detected: bool,
    pub findings: Vec<Finding>,
    /// The value of each key after every override in the file, in first-seen order.
    pub values: Vec<Setting>,
}

impl FileReport {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Several files read together, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// Findings that need more than one file (overrides across files, a
    /// limits.conf without a unit file, ...).
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.files.iter().any(FileReport::has_errors)
            || self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Every finding, file by file, then the cross-file ones.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter()).chain(self.findings.iter())
    }
}

/// Why a file could not be checked at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidateError {
    #[error("unknown format \"{name}\": use one of sysctl, limits, proc-limits, systemd, gemstone-conf, gemstone-log, mycnf, aerospike, ipcs, amps-xml")]
    UnknownFormat { name: String },
    #[error(
        "\"{text}\" is not a MySQL or MariaDB version: write e.g. \"8.0.36\" or \"mariadb 10.11\""
    )]
    BadVersion { text: String },
    #[error("{name}: the file is {len} bytes; the validators read at most {max} bytes")]
    TooLarge { name: String, len: u64, max: u64 },
    #[error("{name}: not a format Headroom knows (nothing marks it as one), so it was not checked; name one with --as: sysctl, limits, proc-limits, systemd, gemstone-conf, gemstone-log, mycnf, aerospike, ipcs, amps-xml")]
    Unrecognised { name: String },
}

/// Config files are small; a larger paste is a mistake (a log dump, a binary).
pub const MAX_TEXT: u64 = 4 << 20;

/// Checks one file. `format` forces a format; `None` detects it, and a file
/// that matches no format is a [`ValidateError::Unrecognised`].
pub fn check_text(
    name: &str,
    text: &str,
    format: Option<Format>,
    ctx: &Context<'_>,
) -> Result<FileReport, ValidateError> {
    let mut report = check_files(&[(name, text, format)], ctx)?;
    // check_files returns one report per input; the fallback is never used.
    let mut file = report.files.pop().unwrap_or_else(|| FileReport {
        name: name.to_string(),
        format,
        detected: false,
        findings: Vec::new(),
        values: Vec::new(),
    });
    file.findings.append(&mut report.findings);
    Ok(file)
}

/// What a format module makes of one file.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub findings: Vec<Finding>,
    /// Settings in file order (all of them, overrides included).
    pub settings: Vec<Setting>,
    pub aerospike: Vec<aerospike::Cluster>,
    pub segments: Vec<aerospike::Segment>,
    /// my.cnf: the file has a group the server reads, so it is judged as
    /// (part of) a server configuration.
    pub server_group: bool,
}

fn parse(format: Format, name: &str, text: &str, host: Option<&Host>, needs: &Needs) -> Parsed {
    match format {
        Format::Sysctl => sysctl::parse(name, text),
        Format::Limits => limits::parse(name, text),
        Format::ProcLimits => limits::parse_proc(name, text, needs),
        Format::Systemd => systemd::parse(name, text),
        Format::GemstoneConf => gemstone::check_conf(name, text, host),
        Format::GemstoneLog => gemstone::check_log(name, text, host),
        Format::Mycnf => mycnf::check(name, text, needs),
        Format::AerospikeConf => aerospike::parse_conf(name, text, host, needs),
        Format::Ipcs => aerospike::parse_ipcs(name, text),
        Format::AmpsXml => amps_xml::check(name, text, host, needs),
    }
}

/// Checks files together, in order: sysctl and limits lines across files
/// (a later setting wins, as sysctl.d and limits.d apply them), each systemd
/// unit with its own drop-ins ([`systemd::groups`]), every my.cnf file as one
/// server configuration, and the value that wins is what is checked.
pub fn check_files(
    files: &[(&str, &str, Option<Format>)],
    ctx: &Context<'_>,
) -> Result<Report, ValidateError> {
    let needs = ctx.needs();
    let mut parsed: Vec<(FileReport, Parsed)> = Vec::new();
    for &(name, text, format) in files {
        let len = u64::try_from(text.len()).unwrap_or(u64::MAX);
        if len > MAX_TEXT {
            return Err(ValidateError::TooLarge { name: name.to_string(), len, max: MAX_TEXT });
        }
        // Every reader here skips a UTF-8 byte order mark (systemd, procps'
        // sysctl and mysqld all do), so a BOM never hides a first line.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let (format, detected) = match format {
            Some(f) => (f, false),
            None => (
                detect::detect_named(name, text)
                    .ok_or_else(|| ValidateError::Unrecognised { name: name.to_string() })?,
                true,
            ),
        };
        let p = parse(format, name, text, ctx.host, &needs);
        let report = FileReport {
            name: name.to_string(),
            format: Some(format),
            detected,
            findings: Vec::new(),
            values: last_wins(&p.settings),
        };
        parsed.push((report, p));
    }
    let mut cross: Vec<Finding> = Vec::new();
    let of = |f: Format| -> Vec<Setting> {
        parsed
            .iter()
            .filter(|(r, _)| r.format == Some(f))
            .flat_map(|(_, p)| p.settings.iter().cloned())
            .collect()
    };
    let in_order = |f: Format, cross: &mut Vec<Finding>| -> Vec<Setting> {
        let files: Vec<(&str, &[Setting])> = parsed
            .iter()
            .filter(|(r, _)| r.format == Some(f))
            .map(|(r, p)| (r.name.as_str(), p.settings.as_slice()))
            .collect();
        let (order, masked) = system_order(&files, f == Format::Sysctl);
        for (hidden, by) in masked {
            cross.push(
                rules::SYSCTL_FILE_MASKED
                    .finding(format!(
                        "{} is not read: {} has the same name in a directory read first",
                        files[hidden].0, files[by].0
                    ))
                    .at(at(files[hidden].0, 1)),
            );
        }
        order.into_iter().flat_map(|i| files[i].1.iter().cloned()).collect()
    };
    let sysctl_all = in_order(Format::Sysctl, &mut cross);
    let limits_all = in_order(Format::Limits, &mut cross);
    let kernel = sysctl::KernelView::new(ctx.host, &last_wins(&sysctl_all));
    if !sysctl_all.is_empty() {
        cross.extend(sysctl::check(&sysctl_all, &kernel, ctx.host, &needs));
    }
    let units: Vec<(&str, &[Setting])> = parsed
        .iter()
        .filter(|(r, _)| r.format == Some(Format::Systemd))
        .map(|(r, p)| (r.name.as_str(), p.settings.as_slice()))
        .collect();
    if !limits_all.is_empty() {
        cross.extend(limits::check(&limits_all, &kernel, &needs, !units.is_empty()));
    }
    for group in systemd::groups(&units) {
        cross.extend(systemd::check(&group, &kernel, &needs));
    }
    if parsed.iter().any(|(r, p)| r.format == Some(Format::Mycnf) && p.server_group) {
        cross.extend(mycnf::check_all(&of(Format::Mycnf), ctx.host, &needs));
    }
    let segments: Vec<aerospike::Segment> =
        parsed.iter().flat_map(|(_, p)| p.segments.iter().cloned()).collect();
    let clusters: Vec<aerospike::Cluster> =
        parsed.iter().flat_map(|(_, p)| p.aerospike.iter().cloned()).collect();
    cross.extend(aerospike::check_segments(&clusters, &segments, &needs));
    // Each finding goes to the file it points at.
    let mut rest = Vec::new();
    for (report, p) in &mut parsed {
        report.findings.append(&mut p.findings);
    }
    for f in cross {
        let target = f
            .location
            .as_ref()
            .and_then(|l| parsed.iter_mut().rev().find(|(r, _)| r.name == l.file));
        match target {
            Some((r, _)) => r.findings.push(f),
            None => rest.push(f),
        }
    }
    let files = parsed
        .into_iter()
        .map(|(mut r, _)| {
            r.findings = collapse(r.findings);
            r
        })
        .collect();
    Ok(Report { files, findings: collapse(rest) })
}

/// Precedence of a sysctl.d directory (sysctl.d(5)): /etc over /run over
/// /usr/local/lib over /usr/lib and /lib; `None` outside a sysctl.d.
fn sysctl_dir_rank(path: &str) -> Option<u8> {
    if path == "/etc/sysctl.conf" {
        return Some(0);
    }
    let dir = path.rsplit_once('/')?.0;
    let parent = dir.strip_suffix("sysctl.d")?;
    let ranks =
        [("/etc/", 0), ("/run/", 1), ("/usr/local/lib/", 2), ("/usr/lib/", 3), ("/lib/", 4)];
    Some(ranks.iter().find(|(p, _)| parent.ends_with(p)).map_or(5, |&(_, r)| r))
}

/// The order the system reads files given in any order, and the files it
/// skips. sysctl.d(5), as systemd-sysctl applies it at boot: files of all
/// sysctl.d directories in name order (/etc/sysctl.conf as Debian's
/// 99-sysctl.conf), a name in a directory of higher precedence masking the
/// same name in another; files outside such directories after them, in the
/// order given. limits.conf(5), pam_limits: limits.conf
/// first, then limits.d/*.conf in name order. Returns indices into
/// `files`, and (masked, masking) pairs.
fn system_order(files: &[(&str, &[Setting])], sysctl: bool) -> (Vec<usize>, Vec<(usize, usize)>) {
    // systemd-sysctl reads /etc/sysctl.conf through Debian's link
    // /etc/sysctl.d/99-sysctl.conf (package systemd), so it sorts as that.
    let base = |i: usize| match files[i].0 {
        "/etc/sysctl.conf" => "99-sysctl.conf",
        name => name.rsplit('/').next().unwrap_or(name),
    };
    let mut masked = Vec::new();
    let mut order: Vec<usize> = (0..files.len()).collect();
    if sysctl {
        for i in 0..files.len() {
            let Some(rank) = sysctl_dir_rank(files[i].0) else { continue };
            let by = (0..files.len()).find(|&j| {
                j != i
                    && base(j) == base(i)
                    && sysctl_dir_rank(files[j].0).is_some_and(|r| r < rank || (r == rank && j > i))
            });
            if let Some(j) = by {
                masked.push((i, j));
            }
        }
        order.retain(|i| !masked.iter().any(|(m, _)| m == i));
        order.sort_by_key(|&i| match sysctl_dir_rank(files[i].0) {
            Some(_) => (0, base(i)),
            None => (1, ""),
        });
    } else {
        order.sort_by_key(|&i| {
            let in_d = files[i].0.rsplit_once('/').is_some_and(|(d, _)| d.ends_with("limits.d"));
            if in_d {
                (1, base(i))
            } else {
                (0, "")
            }
        });
    }
    (order, masked)
}

/// Identical findings (same rule, message and fix: a key repeated on
/// thousands of lines) become one, at the first place, with the count in
/// its message, so a report stays as long as what is different in a file.
fn collapse(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<(Finding, usize)> = Vec::new();
    let mut index: HashMap<(&str, String, Option<String>), usize> = HashMap::new();
    for f in findings {
        let key = (f.id, f.message.clone(), f.fix.clone());
        match index.get(&key) {
            Some(&i) => out[i].1 += 1,
            None => {
                index.insert(key, out.len());
                out.push((f, 1));
            }
        }
    }
    out.into_iter()
        .map(|(mut f, n)| {
            if n > 1 {
                f.message.push_str(&format!(" ({n} times; the first is shown)"));
            }
            f
        })
        .collect()
}

/// The last value of each key, in first-seen key order.
pub fn last_wins(settings: &[Setting]) -> Vec<Setting> {
    let mut out: Vec<Setting> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for s in settings {
        match index.get(s.key.as_str()) {
            Some(&i) => out[i] = s.clone(),
            None => {
                index.insert(&s.key, out.len());
                out.push(s.clone());
            }
        }
    }
    out
}

/// Lines with their 1-based numbers (saturating: a file over 4 G lines is
/// refused earlier by [`MAX_TEXT`]).
pub(crate) fn numbered(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.lines().enumerate().map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
}

pub(crate) fn at(file: &str, line: u32) -> Location {
    Location { file: file.to_string(), line, column: None }
}

pub(crate) fn at_col(file: &str, line: u32, column: usize) -> Location {
    Location {
        file: file.to_string(),
        line,
        column: Some(u32::try_from(column).unwrap_or(u32::MAX)),
    }
}
