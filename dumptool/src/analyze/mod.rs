//! Dump analysis: bytes in, [`Summary`] out. No OS calls besides reading
//! Breakpad symbol files from the directories given, so the module builds for
//! wasm32 and the page can open dumps in the browser.
//!
//! The format is chosen by the file's magic: `MDMP` for minidumps (Breakpad,
//! Crashpad, minidump-writer; Windows, macOS, Linux), `\x7fELF` for Linux
//! core files.

mod elfcore;
mod minidump;
pub mod procfs;

use std::path::PathBuf;

use crate::redact::Redactor;
use crate::summary::Summary;

/// How to analyze.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Breakpad symbol stores (`module/DEBUGID/module.sym`), searched in order.
    pub symbol_paths: Vec<PathBuf>,
    /// What the summary hides as `[REDACTED]`.
    pub redactor: Redactor,
    /// Unwind and name frames from the host's binaries and debug files
    /// (matched by build-id); `None` leaves the host's files alone.
    #[cfg(feature = "host-symbols")]
    pub host: Option<crate::symbols::Locator>,
}

/// Why a file could not be analyzed. Each is a clear sentence.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnalyzeError {
    #[error("the file is empty")]
    Empty,
    #[error("not a minidump or an ELF core file (the file starts with {0})")]
    UnknownFormat(String),
    #[error("malformed minidump: {0}")]
    Minidump(String),
    #[error("malformed ELF core file: {0}")]
    ElfCore(String),
    #[error("an ELF file but not a core file ({0}): analyze the core, not the program")]
    NotCore(String),
}

/// As [`analyze`], with Breakpad .sym files given as their text instead of
/// symbol directories (the page reads them from files the user chose). Each
/// file symbolizes the module named by its `MODULE` line; ELF cores ignore
/// them, as `analyze` ignores symbol directories for them.
pub fn analyze_with_symbols(
    bytes: &[u8],
    options: &Options,
    sym_texts: &[String],
) -> Result<Summary, AnalyzeError> {
    match (bytes.is_empty(), sniff(bytes)) {
        (false, Some(crate::summary::DumpFormat::Minidump)) => {
            minidump::analyze_with(bytes, options, sym_texts).map(triage)
        }
        _ => analyze(bytes, options),
    }
}

/// What kind of dump `bytes` holds, by its magic; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<crate::summary::DumpFormat> {
    use crate::summary::DumpFormat;
    match bytes.get(..4)? {
        b"MDMP" | b"PMDM" => Some(DumpFormat::Minidump),
        b"\x7fELF" => Some(DumpFormat::ElfCore),
        _ => None,
    }
}

/// Analyzes a minidump or an ELF core file.
pub fn analyze(bytes: &[u8], options: &Options) -> Result<Summary, AnalyzeError> {
    if bytes.is_empty() {
        return Err(AnalyzeError::Empty);
    }
    match sniff(bytes) {
        Some(crate::summary::DumpFormat::Minidump) => minidump::analyze(bytes, options).map(triage),
        Some(crate::summary::DumpFormat::ElfCore) => elfcore::analyze(bytes, options).map(triage),
        None => {
            let head: String =
                bytes.iter().take(4).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ");
            Err(AnalyzeError::UnknownFormat(head))
        }
    }
}

/// The crash signature and the known issues it matches.
fn triage(mut summary: Summary) -> Summary {
    summary.signature = crate::signature::of(&summary);
    summary.known_issues = crate::known_issues::matching(&summary);
    summary
}
