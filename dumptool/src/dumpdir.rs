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
    /// Why the dump could not be analyzed, or how it is cut short.
    pub error: Option<String>,
}

fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A file in the directory that is not a dump, and what it is instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Other {
    pub path: PathBuf,
    pub what: String,
}

/// What a directory holds: dumps, oldest first, and everything else.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scan {
    pub dumps: Vec<DumpEntry>,
    pub others: Vec<Other>,
}

/// Why a directory entry is not a dump, or `None` when it is one. Symbolic
/// links are never followed: a link to a dump is not a dump of this
/// directory, and whatever it points to is left alone.
fn not_a_dump(meta: &fs::Metadata, head: &[u8]) -> Option<String> {
    let ft = meta.file_type();
    if ft.is_symlink() {
        return Some("a symbolic link (never followed)".into());
    }
    if ft.is_dir() {
        return Some("a directory (not searched)".into());
    }
    if !ft.is_file() {
        return Some("not a regular file".into());
    }
    // A compressed file or an apport report is a dump when what it holds
    // is one: `scan` checks that once it is unpacked.
    if analyze::identify(head).is_some() || wrapped(head) {
        return None;
    }
    Some(match analyze::elf_type(head).filter(|_| head.starts_with(b"\x7fELF")) {
        Some(t) => format!(
            "an ELF file but not a core file ({}): a program or library",
            goblin::elf::header::et_to_str(t)
        ),
        None if meta.len() == 0 => "an empty file".into(),
        None => "not a minidump or an ELF core file".into(),
    })
}

/// Reads the first [`analyze::IDENTIFY_LEN`] bytes (fewer for a short file).
fn head(path: &Path) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(analyze::IDENTIFY_LEN);
    fs::File::open(path)?.take(analyze::IDENTIFY_LEN as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Every entry directly in `dir`: the minidumps and core files (bare,
/// compressed by systemd-coredump, or in apport reports), recognised
/// by their headers (not their names), and the rest apart.
pub fn scan(dir: &Path) -> io::Result<Scan> {
    let mut out = Scan::default();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // DirEntry::metadata does not follow symbolic links.
        let meta = entry.metadata()?;
        let head = if meta.file_type().is_file() { head(&path) } else { Ok(Vec::new()) };
        let head = match head {
            Ok(h) => h,
            Err(e) => {
                out.others.push(Other { path, what: format!("unreadable: {e}") });
                continue;
            }
        };
        if let Some(what) = not_a_dump(&meta, &head) {
            out.others.push(Other { path, what });
            continue;
        }
        let modified = meta.modified().map(epoch_secs).unwrap_or(0);
        let mut e = DumpEntry {
            path: path.clone(),
            size: meta.len(),
            modified,
            format: analyze::identify(&head).map_or(String::new(), |f| f.to_string()),
            process: None,
            crash: None,
            error: None,
        };
        let core = analyze::identify(&head) == Some(crate::summary::DumpFormat::ElfCore);
        // A core's notes tell its process and signal; its memory is not read.
        let skeleton =
            if core { crate::corefile::extract(&path, meta.len(), &[]) } else { Ok(None) };
        let opened = match streamed(&path, &head) {
            Some(opened) => opened,
            None => match skeleton.and_then(|s| s.map_or_else(|| fs::read(&path), Ok)) {
                Ok(bytes) => open(&bytes),
                Err(e) => Opened::Unreadable(e.to_string()),
            },
        };
        match opened {
            #[cfg(feature = "crash-stores")]
            Opened::NotADump(what) => {
                out.others.push(Other { path, what });
                continue;
            }
            Opened::Dump(s) => {
                if let Some(store) = &s.store {
                    e.format = format!("{} ({})", s.format, store.wrapping);
                }
                e.error = s.incomplete.as_ref().map(ToString::to_string);
                e.process = s.process.name.clone();
                e.crash = Some(match (s.crash, &s.incomplete) {
                    (Some(c), _) => c.reason,
                    // Cut short before the exception stream: not known.
                    (None, Some(_)) => "unknown".into(),
                    (None, None) => "no crash (requested dump)".into(),
                });
            }
            Opened::Unreadable(err) => e.error = Some(err),
        }
        out.dumps.push(e);
    }
    out.dumps.sort_by(|a, b| a.modified.cmp(&b.modified).then_with(|| a.path.cmp(&b.path)));
    out.others.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Whether `head` starts a compressed file or an apport report.
fn wrapped(head: &[u8]) -> bool {
    #[cfg(feature = "crash-stores")]
    return crate::crashstore::sniff(head).is_some();
    #[cfg(not(feature = "crash-stores"))]
    return {
        let _ = head;
        false
    };
}

/// A compressed core (systemd-coredump's store), unpacked as it is read
/// and kept only as far as its analysis reads it: a store of cores of many
/// GB is listed without holding any of them whole. `None` for anything
/// else, which is read whole.
fn streamed(path: &Path, head: &[u8]) -> Option<Opened> {
    #[cfg(feature = "crash-stores")]
    if wrapped(head) {
        let u = crate::crashstore::unwrap_file(path)?;
        return Some(match crate::crashstore::summarize(&u, &Options::default()) {
            Ok(s) => Opened::Dump(Box::new(s)),
            Err(e) => Opened::Unreadable(e.to_string()),
        });
    }
    let _ = (path, head);
    None
}

/// A file's summary, or why it is not a dump after all (a compressed file
/// that holds something else), or why it could not be read.
enum Opened {
    Dump(Box<crate::summary::Summary>),
    #[cfg(feature = "crash-stores")]
    NotADump(String),
    Unreadable(String),
}

fn open(bytes: &[u8]) -> Opened {
    let options = Options::default();
    #[cfg(feature = "crash-stores")]
    match crate::crashstore::unwrap(bytes) {
        Ok(None) => {}
        Err(e) => return Opened::NotADump(format!("not a dump: {e}")),
        Ok(Some(u)) if analyze::identify(&u.bytes).is_none() => {
            return Opened::NotADump(format!(
                "{} data that holds no minidump or core file",
                u.wrapping.name()
            ))
        }
        Ok(Some(u)) => {
            return match crate::crashstore::summarize(&u, &options) {
                Ok(s) => Opened::Dump(Box::new(s)),
                Err(e) => Opened::Unreadable(e.to_string()),
            }
        }
    }
    match analyze::analyze(bytes, &options) {
        Ok(s) => Opened::Dump(Box::new(s)),
        Err(e) => Opened::Unreadable(e.to_string()),
    }
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

/// Parses an age with the core's duration parser: `45s`, `90m`, `12h`, `7d`,
/// `2w`, `1.5 d`. A bare number is refused: it could mean seconds or days,
/// and guessing wrong deletes the wrong files.
pub fn parse_age(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("age {t:?} has no unit: write it as 7d, 12h, 30m or 45s"));
    }
    headroom_core::units::Duration::parse(t)
        .map(|d| Duration::from_secs(d.seconds()))
        .map_err(|e| e.to_string())
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
        assert_eq!(parse_age("1.5 d"), Ok(Duration::from_secs(129_600)));
        assert_eq!(
            parse_age("7"),
            Err("age \"7\" has no unit: write it as 7d, 12h, 30m or 45s".into())
        );
        assert!(parse_age("7x").unwrap_err().contains("use s, min, h, d or w"));
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
