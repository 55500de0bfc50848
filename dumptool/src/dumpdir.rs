//! The minidump directory (`dumptool list`, `dumptool prune`): what each dump
//! is, how old, and which ones are no longer needed. The AMPS User Guide
//! ("Minidump"): "60East recommends monitoring the minidump directory" and
//! "removing minidumps when they are no longer needed".
//!
//! The caller passes the current time, so selection is testable.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::analyze::{self, Options};

/// One dump in the directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DumpEntry {
    pub path: PathBuf,
    pub size: u64,
    /// Seconds since the Unix epoch of the file's modification.
    pub modified: u64,
    pub format: String,
    pub process: Option<String>,
    pub crash: Option<String>,
    /// Why the dump could not be analyzed, if it could not.
    pub error: Option<String>,
}

fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Every minidump and core file directly in `dir`, oldest first, with
/// systemd-coredump's compressed cores and apport's reports. Files are
/// recognised by their magic bytes, not their names.
pub fn scan(dir: &Path) -> io::Result<Vec<DumpEntry>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = match entry.metadata() {
            Ok(m) if m.is_file() => m,
            _ => continue,
        };
        let path = entry.path();
        let mut head = [0u8; 16];
        let n = fs::File::open(&path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
        let Some(sniffed) = sniff(&head[..n]) else { continue };
        let modified = meta.modified().map(epoch_secs).unwrap_or(0);
        let mut e = DumpEntry {
            path: path.clone(),
            size: meta.len(),
            modified,
            format: sniffed,
            process: None,
            crash: None,
            error: None,
        };
        match fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| open(&bytes).map_err(|e| e.to_string()))
        {
            Ok(s) => {
                e.format = match &s.store {
                    Some(store) => format!("{} ({})", s.format, store.wrapping),
                    None => s.format.to_string(),
                };
                e.process = s.process.name.clone();
                e.crash =
                    Some(s.crash.map_or_else(|| "no crash (requested dump)".into(), |c| c.reason));
            }
            Err(err) => e.error = Some(err),
        }
        out.push(e);
    }
    out.sort_by(|a, b| a.modified.cmp(&b.modified).then_with(|| a.path.cmp(&b.path)));
    Ok(out)
}

/// What a file is, by its first bytes: a dump, or (with the crash-stores
/// feature) a compressed dump or an apport report.
fn sniff(head: &[u8]) -> Option<String> {
    if let Some(f) = analyze::sniff(head) {
        return Some(f.to_string());
    }
    #[cfg(feature = "crash-stores")]
    if let Some(w) = crate::crashstore::sniff(head) {
        return Some(w.name().to_string());
    }
    None
}

#[cfg(feature = "crash-stores")]
fn open(bytes: &[u8]) -> Result<crate::summary::Summary, crate::crashstore::OpenError> {
    crate::crashstore::analyze(bytes, &Options::default())
}

#[cfg(not(feature = "crash-stores"))]
fn open(bytes: &[u8]) -> Result<crate::summary::Summary, analyze::AnalyzeError> {
    analyze::analyze(bytes, &Options::default())
}

/// Which dumps `prune` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneRule {
    /// Everything modified longer ago than this.
    OlderThan(Duration),
    /// All but the newest N.
    Keep(usize),
}

/// The dumps `rule` removes, from `entries` sorted oldest first.
pub fn select(entries: &[DumpEntry], rule: PruneRule, now: SystemTime) -> Vec<&DumpEntry> {
    match rule {
        PruneRule::OlderThan(age) => {
            let cutoff = epoch_secs(now).saturating_sub(age.as_secs());
            entries.iter().filter(|e| e.modified < cutoff).collect()
        }
        PruneRule::Keep(n) => {
            let drop = entries.len().saturating_sub(n);
            entries.iter().take(drop).collect()
        }
    }
}

/// Parses an age: `45s`, `90m`, `12h`, `7d`, `2w`.
pub fn parse_age(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid age {s:?}: use a number and a unit, e.g. 7d, 12h, 30m"))?;
    let mult = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" | "" => 86_400,
        "w" => 7 * 86_400,
        other => return Err(format!("unknown unit {other:?} in {s:?}: use s, m, h, d or w")),
    };
    n.checked_mul(mult).map(Duration::from_secs).ok_or_else(|| format!("age {s:?} is too large"))
}

/// `3d 4h`, `5m 2s`: the two largest units.
pub fn format_age(secs: u64) -> String {
    let units = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)];
    let parts: Vec<String> = units
        .iter()
        .scan(secs, |rest, &(name, size)| {
            let n = *rest / size;
            *rest %= size;
            Some((n, name))
        })
        .skip_while(|&(n, _)| n == 0)
        .take(2)
        .filter(|&(n, _)| n > 0)
        .map(|(n, name)| format!("{n}{name}"))
        .collect();
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, modified: u64) -> DumpEntry {
        DumpEntry {
            path: PathBuf::from(name),
            size: 1,
            modified,
            format: "minidump".into(),
            process: None,
            crash: None,
            error: None,
        }
    }

    #[test]
    fn ages() {
        assert_eq!(parse_age("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_age("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert!(parse_age("7x").is_err());
        assert!(parse_age("d").is_err());
        assert!(parse_age("99999999999999999999w").is_err());
        assert_eq!(format_age(0), "0s");
        assert_eq!(format_age(90_061), "1d 1h");
        assert_eq!(format_age(3600), "1h");
        assert_eq!(format_age(62), "1m 2s");
    }

    #[test]
    fn selection() {
        let entries = vec![entry("a", 100), entry("b", 200), entry("c", 300)];
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(400);
        let names =
            |v: Vec<&DumpEntry>| v.iter().map(|e| e.path.display().to_string()).collect::<Vec<_>>();
        assert_eq!(names(select(&entries, PruneRule::Keep(1), now)), ["a", "b"]);
        assert_eq!(names(select(&entries, PruneRule::Keep(5), now)), Vec::<String>::new());
        assert_eq!(
            names(select(&entries, PruneRule::OlderThan(Duration::from_secs(250)), now)),
            ["a"]
        );
    }
}
