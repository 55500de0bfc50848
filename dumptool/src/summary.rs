//! The summary model: what `analyze` and `report` say about a dump, whatever
//! its format (a minidump from any platform or a Linux ELF core file).
//!
//! Plain data with `serde::Serialize`, no OS calls, so that the page can build
//! the same model from a dump opened in the browser (wasm32).

use std::fmt;

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
    /// Set when the file is shorter than its headers describe: the summary
    /// shows only what was there.
    pub incomplete: Option<crate::analyze::extent::Incomplete>,
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
    /// How the unwinder found the frame: `context`, `cfi`, `frame pointer`, `scan`.
    pub trust: String,
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
