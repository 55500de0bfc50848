//! The summary model: what `analyze` and `report` say about a dump, whatever
//! its format (a minidump from any platform or a Linux ELF core file).
//!
//! Plain data with `serde::Serialize`, no OS calls, so that the page can build
//! the same model from a dump opened in the browser (wasm32).

use std::fmt;

use headroom_core::units::group_thousands;
use serde::{Serialize, Serializer};

/// A 64-bit address or value, printed and serialized as `0x` hex so that
/// JSON readers with 53-bit numbers (JavaScript) keep every bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hex(pub u64);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#018x}", self.0)
    }
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Which kind of file the summary was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DumpFormat {
    Minidump,
    ElfCore,
}

impl fmt::Display for DumpFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DumpFormat::Minidump => "minidump",
            DumpFormat::ElfCore => "ELF core file",
        })
    }
}

/// A dump shorter than its headers describe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incomplete {
    /// Bytes the file holds.
    pub have: u64,
    /// Bytes its headers describe.
    pub described: u64,
    /// Whether part of the description itself is cut off (a table that
    /// lists more ranges): then the file was longer still.
    pub at_least: bool,
    /// What lies (wholly or partly) past the end.
    pub missing: Vec<String>,
}

impl fmt::Display for Incomplete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "truncated: {} of the {}{} bytes its headers describe",
            group_thousands(self.have),
            if self.at_least { "at least " } else { "" },
            group_thousands(self.described)
        )?;
        if !self.missing.is_empty() {
            write!(f, "; missing: {}", self.missing.join(", "))?;
        }
        Ok(())
    }
}

/// A known issue the dump matches, as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownIssue {
    pub id: String,
    pub title: String,
    pub advice: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Everything dumptool reports about one dump.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub format: DumpFormat,
    /// What wrote the dump, as far as its streams tell: `minidump-writer`,
    /// `Crashpad`, `Breakpad`, `Linux kernel`, `gdb (gcore)`.
    pub producer: String,
    /// When the dump was written, UTC, from the dump's own header.
    pub captured_at: Option<String>,
    pub system: System,
    pub process: Process,
    pub crash: Option<Crash>,
    /// Index into `threads` of the thread that crashed or asked for the dump.
    pub crashing_thread: Option<usize>,
    pub threads: Vec<Thread>,
    pub modules: Vec<Module>,
    /// The Linux streams (minidump-writer, Breakpad and Crashpad on Linux) or
    /// the notes of a core file.
    pub linux: Option<LinuxInfo>,
    /// How many secret values the summary hides as `[REDACTED]`.
    pub redacted: usize,
    /// The crash signature (signature.rs): stable across runs and ASLR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// The known issues (known-issues.toml) this dump matches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_issues: Vec<KnownIssue>,
    /// The crash store or compression the dump was taken out of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<Store>,
    /// Set when the file is shorter than its headers describe: the summary
    /// shows only what was there.
    pub incomplete: Option<Incomplete>,
}

/// Where a wrapped dump came from: `zstd`, `xz`, `apport report`, ... and,
/// for apport, the fields that identify the crash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Store {
    pub wrapping: String,
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct System {
    /// `Linux`, `Windows NT`, `Mac OS X`, as minidump-stackwalk names them.
    pub os: String,
    pub os_version: Option<String>,
    /// `amd64`, `x86`, `arm64`, ...
    pub cpu: String,
    pub cpu_info: Option<String>,
    pub cpu_count: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Process {
    pub pid: Option<u32>,
    /// The name the kernel keeps for the process (`comm`: the file name it
    /// was started as, a symlink's own name included), never taken from
    /// argv, which a program may rewrite (setproctitle).
    pub name: Option<String>,
    /// The executable's resolved path (the main module).
    pub executable: Option<String>,
    /// argv, redacted; all of it, argument 0 included, is treated as
    /// arguments.
    pub command_line: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crash {
    /// `SIGSEGV / SEGV_MAPERR`, `EXCEPTION_ACCESS_VIOLATION_READ`, ...
    pub reason: String,
    pub address: Option<Hex>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thread {
    pub id: u32,
    pub name: Option<String>,
    pub frames: Vec<Frame>,
    /// Registers of the thread's context, for core files (a minidump's are in
    /// its frames' context and not repeated here).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registers: Vec<Register>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Register {
    pub name: String,
    pub value: Hex,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    pub instruction: Hex,
    pub module: Option<String>,
    /// `module + 0x1234` when there is no symbol.
    pub module_offset: Option<Hex>,
    pub function: Option<String>,
    pub source: Option<String>,
    /// How the unwinder found the frame: `context`, `cfi`, `frame pointer`,
    /// `scan`, or `inlined` for a function inlined into the next frame.
    pub trust: String,
    /// What named the frame: `DWARF in PATH`, `symbol table of PATH`,
    /// `Breakpad symbols`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Module {
    pub base: Hex,
    pub size: u64,
    pub name: String,
    pub code_id: Option<String>,
    pub debug_file: Option<String>,
    pub debug_id: Option<String>,
    pub version: Option<String>,
    /// The package the module's file says it came from (`.note.package`):
    /// `coreutils 9.1-1 (deb)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

/// The Linux-specific parts: /proc files minidump-writer and Breakpad copy
/// into the dump, or the notes of a core file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LinuxInfo {
    /// The process environment, values redacted.
    pub environ: Vec<EnvVar>,
    /// /proc/PID/limits as the dump holds it.
    pub limits: Vec<Limit>,
    /// /proc/PID/status, key and value.
    pub status: Vec<(String, String)>,
    /// /etc/os-release (or lsb-release) of the host.
    pub os_release: Vec<(String, String)>,
    /// Number of lines in /proc/PID/maps, or mapped files of a core.
    pub maps: usize,
    /// The auxiliary vector: type name and value.
    pub auxv: Vec<(String, Hex)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// `Max core file size`, as /proc/PID/limits names it.
    pub name: String,
    /// `unlimited` or a number.
    pub soft: String,
    pub hard: String,
    pub unit: String,
}

impl Summary {
    /// The thread that crashed or asked for the dump.
    pub fn crashing(&self) -> Option<&Thread> {
        self.crashing_thread.and_then(|i| self.threads.get(i))
    }

    /// The soft and hard RLIMIT_CORE, in bytes, when the dump holds the
    /// process's limits; `None` stands for `unlimited`.
    pub fn core_limit(&self) -> Option<(Option<u64>, Option<u64>)> {
        let limit = self.linux.as_ref()?.limits.iter().find(|l| l.name == "Max core file size")?;
        let parse = |s: &str| if s == "unlimited" { Some(None) } else { s.parse().ok().map(Some) };
        Some((parse(&limit.soft)?, parse(&limit.hard)?))
    }
}

/// A Linux amd64 minidump summary with one crashing thread of `frames`, for
/// the unit tests of what is computed from summaries.
#[cfg(test)]
pub(crate) fn with_frames(frames: Vec<Frame>) -> Summary {
    Summary {
        format: DumpFormat::Minidump,
        producer: String::new(),
        captured_at: None,
        system: System {
            os: "Linux".into(),
            os_version: None,
            cpu: "amd64".into(),
            cpu_info: None,
            cpu_count: 1,
        },
        process: Process::default(),
        crash: None,
        crashing_thread: Some(0),
        threads: vec![Thread { id: 1, name: None, frames, registers: Vec::new() }],
        modules: Vec::new(),
        linux: None,
        redacted: 0,
        signature: None,
        known_issues: Vec::new(),
        store: None,
        incomplete: None,
    }
}

/// `2026-11-22T14:15:23Z` from seconds since the Unix epoch, without a clock
/// or a time zone database (wasm32 has neither).
pub fn utc_timestamp(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's `civil_from_days` for days since 1970-01-01, unsigned.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_timestamps() {
        for (secs, want) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_795_360_523, "2026-11-22T15:15:23Z"),
        ] {
            assert_eq!(utc_timestamp(secs), want, "{secs}");
        }
    }
}
