//! Dump analysis: bytes in, [`Summary`] out. No OS calls besides reading
//! Breakpad symbol files from the directories given, so the module builds for
//! wasm32 and the page can open dumps in the browser.
//!
//! The format is chosen by the file's magic: `MDMP` for minidumps (Breakpad,
//! Crashpad, minidump-writer; Windows, macOS, Linux), `\x7fELF` for Linux
//! core files.

mod elfcore;
pub mod extent;
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
    /// Cut short, and too little is left to analyze.
    #[error("{incomplete}; what is there could not be read ({reason})")]
    Truncated { incomplete: extent::Incomplete, reason: String },
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
        (false, Some(f @ crate::summary::DumpFormat::Minidump)) => {
            marked(bytes, f, options, minidump::analyze_with(bytes, options, sym_texts)).map(triage)
        }
        _ => analyze(bytes, options),
    }
}

/// A summary of a file cut short says so; a failure on one names the cut
/// as the cause.
fn marked(
    bytes: &[u8],
    format: crate::summary::DumpFormat,
    options: &Options,
    result: Result<Summary, AnalyzeError>,
) -> Result<Summary, AnalyzeError> {
    let incomplete = extent::incomplete(bytes, format);
    // A minidump cut before its thread list still has streams worth showing.
    let result = match result {
        Err(e) if incomplete.is_some() && format == crate::summary::DumpFormat::Minidump => {
            minidump::partial(bytes, options).ok_or(e)
        }
        other => other,
    };
    match (result, incomplete) {
        (Ok(mut s), incomplete) => {
            s.incomplete = incomplete;
            Ok(s)
        }
        (Err(e), Some(incomplete)) => {
            let reason = match e {
                AnalyzeError::Minidump(r) | AnalyzeError::ElfCore(r) => r,
                other => other.to_string(),
            };
            Err(AnalyzeError::Truncated { incomplete, reason })
        }
        (Err(e), None) => Err(e),
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

/// Bytes of a file's start that [`identify`] needs.
pub const IDENTIFY_LEN: usize = 64;

/// Whether a file whose first bytes are `head` is positively a dump
/// dumptool reads: a minidump, or an ELF file of type `ET_CORE`. Programs,
/// libraries and anything else are not. `prune` deletes only what this
/// names; new input forms (compressed dumps) are added here.
pub fn identify(head: &[u8]) -> Option<crate::summary::DumpFormat> {
    use crate::summary::DumpFormat;
    match sniff(head)? {
        DumpFormat::Minidump => Some(DumpFormat::Minidump),
        DumpFormat::ElfCore => {
            (elf_type(head)? == goblin::elf::header::ET_CORE).then_some(DumpFormat::ElfCore)
        }
    }
}

/// `e_type` of an ELF header, in the file's byte order (`EI_DATA`).
pub fn elf_type(head: &[u8]) -> Option<u16> {
    let t = [*head.get(16)?, *head.get(17)?];
    match head.get(5)? {
        1 => Some(u16::from_le_bytes(t)),
        2 => Some(u16::from_be_bytes(t)),
        _ => None,
    }
}

/// Analyzes a minidump or an ELF core file.
pub fn analyze(bytes: &[u8], options: &Options) -> Result<Summary, AnalyzeError> {
    if bytes.is_empty() {
        return Err(AnalyzeError::Empty);
    }
    match sniff(bytes) {
        Some(f @ crate::summary::DumpFormat::Minidump) => {
            marked(bytes, f, options, minidump::analyze(bytes, options)).map(triage)
        }
        Some(f @ crate::summary::DumpFormat::ElfCore) => {
            marked(bytes, f, options, elfcore::analyze(bytes, options)).map(triage)
        }
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
