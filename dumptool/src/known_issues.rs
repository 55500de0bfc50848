//! Known issues: entries of a TOML file matched against a dump's summary,
//! shown by `analyze` and `report` with their advice. dumptool ships
//! `known-issues.toml` (what the project knows how to diagnose); the format
//! is in docs/known-issues.md.

use serde::Deserialize;

use crate::signature::glob;
pub use crate::summary::KnownIssue as Match;
use crate::summary::Summary;

/// The entries dumptool ships.
pub const SHIPPED: &str = include_str!("../known-issues.toml");

/// One entry. Every condition it gives must hold; an entry with none never
/// matches.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub advice: String,
    pub link: Option<String>,
    /// Glob on the crash reason (`SIGBUS*`).
    pub reason: Option<String>,
    /// Glob on the crash signature (see signature.rs).
    pub signature: Option<String>,
    /// Glob that some frame of the crashing thread's function matches.
    pub frame: Option<String>,
    /// The soft RLIMIT_NOFILE in the dump is below this.
    pub max_open_files_below: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    issue: Vec<Entry>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("known-issues file: {0}")]
pub struct ParseError(String);

/// Parses a known-issues file.
pub fn parse(text: &str) -> Result<Vec<Entry>, ParseError> {
    let file: File = toml::from_str(text).map_err(|e| ParseError(e.to_string()))?;
    Ok(file.issue)
}

/// The soft limit on open files the dump recorded.
fn open_files_soft(s: &Summary) -> Option<u64> {
    let l = s.linux.as_ref()?.limits.iter().find(|l| l.name == "Max open files")?;
    l.soft.parse().ok()
}

impl Entry {
    pub fn matches(&self, s: &Summary) -> bool {
        let reason = s.crash.as_ref().map(|c| c.reason.as_str());
        let frames = || s.crashing().into_iter().flat_map(|t| &t.frames);
        let checks = [
            self.reason.as_ref().map(|p| reason.is_some_and(|r| glob(p, r))),
            self.signature.as_ref().map(|p| s.signature.as_deref().is_some_and(|g| glob(p, g))),
            self.frame
                .as_ref()
                .map(|p| frames().any(|f| f.function.as_deref().is_some_and(|name| glob(p, name)))),
            self.max_open_files_below.map(|max| open_files_soft(s).is_some_and(|n| n < max)),
        ];
        checks.iter().any(Option::is_some) && checks.iter().flatten().all(|&ok| ok)
    }
}

/// The shipped entries that match `s`.
pub fn matching(s: &Summary) -> Vec<Match> {
    // The shipped file is checked by a test; a broken one matches nothing.
    let entries = parse(SHIPPED).unwrap_or_default();
    entries
        .into_iter()
        .filter(|e| e.matches(s))
        .map(|e| Match { id: e.id, title: e.title, advice: e.advice, link: e.link })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{Crash, Frame, Hex, Limit, LinuxInfo};

    fn summary(reason: &str, functions: &[&str], nofile: &str) -> Summary {
        let frames = functions
            .iter()
            .map(|f| Frame {
                instruction: Hex(0x1000),
                module: Some("libc.so.6".into()),
                module_offset: Some(Hex(0x10)),
                function: Some(f.to_string()),
                source: None,
                trust: "cfi".into(),
                named_by: None,
            })
            .collect();
        let limit = Limit {
            name: "Max open files".into(),
            soft: nofile.into(),
            hard: "524288".into(),
            unit: "files".into(),
        };
        let mut s = crate::summary::with_frames(frames);
        s.crash = Some(Crash { reason: reason.into(), address: None });
        s.linux = Some(LinuxInfo { limits: vec![limit], ..LinuxInfo::default() });
        s.signature = crate::signature::of(&s);
        s
    }

    fn ids(s: &Summary) -> Vec<String> {
        matching(s).into_iter().map(|m| m.id).collect()
    }

    #[test]
    fn the_shipped_file_parses_and_each_entry_has_a_condition() {
        let entries = parse(SHIPPED).unwrap();
        assert_eq!(entries.len(), 3);
        for e in entries {
            assert!(
                e.reason.is_some() || e.frame.is_some() || e.signature.is_some(),
                "{} can match",
                e.id
            );
        }
    }

    #[test]
    fn shipped_entries_match_their_crashes_and_nothing_else() {
        assert_eq!(
            ids(&summary("SIGBUS / BUS_ADRERR", &["memcpy"], "65536")),
            ["sigbus-shared-memory"]
        );
        assert_eq!(
            ids(&summary("SIGABRT", &["abort", "shmget", "segment_create"], "65536")),
            ["shmget-failed"]
        );
        assert_eq!(
            ids(&summary("SIGABRT", &["abort", "accept_loop"], "1024")),
            ["out-of-file-descriptors"]
        );
        assert!(ids(&summary("SIGABRT", &["abort", "accept_loop"], "65536")).is_empty());
        assert!(ids(&summary("SIGSEGV / SEGV_MAPERR", &["main"], "1024")).is_empty());
    }

    #[test]
    fn all_conditions_must_hold_and_unknown_fields_are_refused() {
        let entries = parse(
            "[[issue]]\nid='x'\ntitle='t'\nadvice='a'\nreason='SIGSEGV*'\nsignature='main*'\n",
        )
        .unwrap();
        assert!(entries[0].matches(&summary("SIGSEGV", &["main"], "1024")));
        assert!(!entries[0].matches(&summary("SIGSEGV", &["other"], "1024")));
        let empty = parse("[[issue]]\nid='x'\ntitle='t'\nadvice='a'\n").unwrap();
        assert!(!empty[0].matches(&summary("SIGSEGV", &["main"], "1024")));
        let err = parse("[[issue]]\nid='x'\ntitle='t'\nadvice='a'\nreasn='x'\n").unwrap_err();
        assert!(err.to_string().contains("reasn"), "{err}");
    }
}
