//! `dumptool capture`: a minidump of a live process with minidump-writer
//! (Linux only). The dump is written to memory, redacted there, and only
//! then written to a temporary file in the destination directory, synced and
//! renamed: the file appears whole or not at all, and no secret touches disk.
//!
//! minidump-writer SIGSTOPs and ptrace-attaches the target while it reads it.
//! SIGINT and SIGTERM are held off during the capture; dumptool then lets
//! the writer detach, sends SIGCONT (unless the target was stopped before),
//! and exits without a file.

use std::fs::{self, File};
use std::io::{self, Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use minidump_writer::minidump_writer::MinidumpWriterConfig;

use crate::exit;
use crate::limits::{parse_stat, read_proc, LiveError, ProcStat, PF_KTHREAD};
use crate::redact::{self, RedactionStats, Redactor};

/// Where the dump goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// This exact file.
    File(PathBuf),
    /// A file named after the process, pid and UTC time in this directory.
    Dir(PathBuf),
}

#[derive(Debug, Clone)]
pub struct CaptureOptions {
    pub pid: u32,
    /// The thread to blame (the dump's requesting thread); the main thread by default.
    pub tid: Option<u32>,
    pub output: Output,
    /// `None` keeps every secret (`--no-redact`).
    pub redactor: Option<Redactor>,
}

/// What a capture wrote.
#[derive(Debug, Clone)]
pub struct Captured {
    pub path: PathBuf,
    pub size: u64,
    pub threads: usize,
    /// How long the writer held the target stopped (an upper bound: the
    /// whole minidump-writer call).
    pub stopped: Duration,
    pub redaction: Option<RedactionStats>,
}

/// Every way a capture fails, each one sentence with the fix.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("no process {0}: check the pid with `ps -p {0}` (it may have exited)")]
    NoSuchProcess(u32),
    #[error("process {0} has no thread {1}: list them with `ls /proc/{0}/task`")]
    NoSuchThread(u32, u32),
    #[error("process {0} is a zombie: it has exited and only waits for its parent to reap it, so there is nothing to capture")]
    Zombie(u32),
    #[error("process {0} is a kernel thread: it has no user-space memory to capture")]
    KernelThread(u32),
    #[error("not permitted to ptrace process {pid}{detail}: run dumptool as the process's user (same uid) or as root, or grant CAP_SYS_PTRACE (`setcap cap_sys_ptrace+ep $(which dumptool)`); with kernel.yama.ptrace_scope of 1 or 2 only root/CAP_SYS_PTRACE can attach, and 3 forbids it until reboot")]
    NotPermitted { pid: u32, detail: String },
    #[error("process {pid} is already traced by pid {tracer}{name}, and a process has one tracer: detach the debugger or tracer first (or capture from it: gdb's `gcore`)")]
    AlreadyTraced { pid: u32, tracer: u32, name: String },
    #[error(
        "{path} exists and is {what}, not a dump: it is not replaced; choose another name with -o"
    )]
    NotADump { path: PathBuf, what: &'static str },
    #[error("process {0} exited during the capture: no dump was written")]
    ExitedDuringCapture(u32),
    #[error("the output directory {0} does not exist: create it or choose another with --dir")]
    OutputDirMissing(PathBuf),
    #[error("the output directory {0} is a file, not a directory: choose a directory with --dir")]
    OutputNotDir(PathBuf),
    #[error("{0}")]
    Output(#[from] crate::outfile::OutputError),
    #[error(
        "cannot write to {0} (read-only or not permitted): choose a writable directory with --dir"
    )]
    OutputReadOnly(PathBuf),
    #[error("no space left in {dir} ({free} bytes free, the dump needs {needed}): free some space or choose another directory with --dir")]
    OutputFull { dir: PathBuf, needed: u64, free: u64 },
    #[error("interrupted: process {0} was resumed and no dump was written")]
    Interrupted(u32),
    #[error("minidump-writer failed on process {pid}: {message}")]
    Writer { pid: u32, message: String },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl CaptureError {
    /// The exit code `dumptool capture` ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            CaptureError::NoSuchThread(..)
            | CaptureError::Zombie(_)
            | CaptureError::KernelThread(_)
            | CaptureError::OutputDirMissing(_)
            | CaptureError::OutputNotDir(_)
            | CaptureError::NotADump { .. } => exit::BAD_INPUT,
            CaptureError::Output(e) => e.exit_code(),
            CaptureError::ExitedDuringCapture(_) | CaptureError::Interrupted(_) => exit::PROBLEM,
            _ => exit::REFUSED,
        }
    }
}

impl From<LiveError> for CaptureError {
    fn from(e: LiveError) -> Self {
        match e {
            LiveError::NoSuchProcess(pid) => CaptureError::NoSuchProcess(pid),
            LiveError::NotPermitted { pid, file } => CaptureError::NotPermitted {
                pid,
                detail: format!(" (cannot read /proc/{pid}/{file})"),
            },
            LiveError::Io { pid, file, source } => {
                CaptureError::Io { path: PathBuf::from(format!("/proc/{pid}/{file}")), source }
            }
            LiveError::Zombie(pid) => CaptureError::Zombie(pid),
            LiveError::KernelThread(pid) => CaptureError::KernelThread(pid),
        }
    }
}

/// What an existing file at the output path is, when it is not a dump
/// that a new capture may replace; `None` when there is no file or it is
/// one (a minidump, a core, an empty file left by a failed copy).
fn not_a_dump(path: &Path) -> Option<&'static str> {
    let mut head = Vec::new();
    let mut file = File::open(path).ok()?;
    io::Read::read_to_end(&mut io::Read::take(&mut file, 64), &mut head).ok()?;
    let dump = head.is_empty() || crate::analyze::identify(&head).is_some();
    (!dump).then_some(if head.starts_with(b"\x7fELF") {
        "a program or library"
    } else {
        "another file"
    })
}

fn stat(pid: u32) -> Result<ProcStat, CaptureError> {
    let text = String::from_utf8_lossy(&read_proc(pid, "stat")?).into_owned();
    parse_stat(&text).ok_or(CaptureError::NoSuchProcess(pid))
}

fn alive(pid: u32) -> bool {
    matches!(stat(pid), Ok(s) if !matches!(s.state, 'Z' | 'X'))
}

/// `ampServer-1234-20261122T141523Z.dmp`.
pub fn default_file_name(comm: &str, pid: u32, now: SystemTime) -> String {
    let secs = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let stamp: String =
        crate::summary::utc_timestamp(secs).chars().filter(|c| !matches!(c, '-' | ':')).collect();
    let name: String = comm
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    let name = if name.is_empty() { "process".to_string() } else { name };
    format!("{name}-{pid}-{stamp}.dmp")
}

fn io_err(path: &Path, source: io::Error) -> CaptureError {
    use io::ErrorKind as K;
    // tempfile wraps the OS error with its path, so match the kind first.
    match (source.kind(), source.raw_os_error()) {
        (K::StorageFull, _) | (_, Some(28 | 122)) => {
            CaptureError::OutputFull { dir: path.to_path_buf(), needed: 0, free: 0 }
        }
        (K::ReadOnlyFilesystem | K::PermissionDenied, _) | (_, Some(1 | 13 | 30)) => {
            CaptureError::OutputReadOnly(path.to_path_buf())
        }
        _ => CaptureError::Io { path: path.to_path_buf(), source },
    }
}

fn free_bytes(dir: &Path) -> Option<u64> {
    rustix::fs::statvfs(dir).ok().map(|v| v.f_bavail.saturating_mul(v.f_frsize))
}

fn resume(pid: u32) {
    if let Some(p) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::CONT);
    }
}

fn count_threads(bytes: &[u8]) -> usize {
    minidump::Minidump::read(bytes)
        .ok()
        .and_then(|d| d.get_stream::<minidump::MinidumpThreadList>().ok().map(|t| t.threads.len()))
        .unwrap_or(0)
}

/// Test hook: kill the target right before the writer starts, to exercise
/// "the target exits during capture" deterministically. Test builds only.
#[cfg(feature = "fault-injection")]
const FAULT_KILL_TARGET: &str = "DUMPTOOL_FAULT_KILL_TARGET";

#[cfg(all(feature = "fault-injection", not(debug_assertions)))]
compile_error!("the fault-injection feature is for test builds: never build a release with it");

/// Captures a minidump of `options.pid`.
pub fn capture(options: &CaptureOptions) -> Result<Captured, CaptureError> {
    // From here on SIGINT and SIGTERM only set a flag: the temporary file is
    // removed and the target resumed before dumptool exits.
    let interrupted = Arc::new(AtomicBool::new(false));
    let mut hooks = Vec::new();
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Ok(id) = signal_hook::flag::register(sig, Arc::clone(&interrupted)) {
            hooks.push(id);
        }
    }
    let result = capture_inner(options, &interrupted);
    for id in hooks {
        signal_hook::low_level::unregister(id);
    }
    result
}

fn capture_inner(
    options: &CaptureOptions,
    interrupted: &AtomicBool,
) -> Result<Captured, CaptureError> {
    let pid = options.pid;
    let before = stat(pid)?;
    if before.flags & PF_KTHREAD != 0 {
        return Err(CaptureError::KernelThread(pid));
    }
    if matches!(before.state, 'Z' | 'X') {
        return Err(CaptureError::Zombie(pid));
    }
    if let Some(tid) = options.tid {
        if !Path::new(&format!("/proc/{pid}/task/{tid}")).exists() {
            return Err(CaptureError::NoSuchThread(pid, tid));
        }
    }
    // The same access check ptrace does (PTRACE_MODE_READ), before stopping anything.
    read_proc(pid, "environ")?;
    if fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope").is_ok_and(|s| s.trim() == "3") {
        return Err(CaptureError::NotPermitted {
            pid,
            detail: " (kernel.yama.ptrace_scope is 3)".into(),
        });
    }

    if let Some(tracer) = crate::limits::tracer_pid(pid) {
        let name = read_proc(tracer, "comm")
            .map(|c| format!(" ({})", String::from_utf8_lossy(&c).trim()))
            .unwrap_or_default();
        return Err(CaptureError::AlreadyTraced { pid, tracer, name });
    }

    let comm = String::from_utf8_lossy(&read_proc(pid, "comm")?).trim().to_string();
    let (dir, path) = match &options.output {
        Output::Dir(d) => (d.clone(), d.join(default_file_name(&comm, pid, SystemTime::now()))),
        Output::File(f) => {
            // The file the rename replaces: never a directory or a device.
            let f = crate::outfile::destination(f)?;
            // A dump replaces an older dump, never another file (a typo
            // or a tab completion onto a config file).
            if let Some(what) = not_a_dump(&f) {
                return Err(CaptureError::NotADump { path: f, what });
            }
            let dir = match f.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            (dir, f)
        }
    };
    if dir.exists() && !dir.is_dir() {
        return Err(CaptureError::OutputNotDir(dir));
    }
    if !dir.is_dir() {
        return Err(CaptureError::OutputDirMissing(dir));
    }
    // Create the temporary file first: a read-only directory fails here,
    // before the target is stopped.
    let mut tmp = tempfile::Builder::new()
        .prefix(".dumptool-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| io_err(&dir, e))?;

    #[cfg(feature = "fault-injection")]
    if std::env::var_os(FAULT_KILL_TARGET).is_some() {
        if let Some(p) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) {
            let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    if interrupted.load(Ordering::SeqCst) {
        return Err(CaptureError::Interrupted(pid));
    }
    let blamed = options.tid.unwrap_or(pid);
    let mut cursor = Cursor::new(Vec::new());
    let start = Instant::now();
    let result = MinidumpWriterConfig::new(pid as i32, blamed as i32).write(&mut cursor);
    let stopped = start.elapsed();
    if before.state != 'T' {
        resume(pid);
    }

    if let Err(e) = result {
        if !alive(pid) {
            return Err(CaptureError::ExitedDuringCapture(pid));
        }
        let message = error_chain(&e);
        if message.contains("EPERM") || message.contains("Operation not permitted") {
            return Err(CaptureError::NotPermitted { pid, detail: String::new() });
        }
        return Err(CaptureError::Writer { pid, message });
    }
    if !alive(pid) {
        return Err(CaptureError::ExitedDuringCapture(pid));
    }
    if interrupted.load(Ordering::SeqCst) {
        return Err(CaptureError::Interrupted(pid));
    }
    let mut bytes = cursor.into_inner();
    let threads = count_threads(&bytes);
    if threads == 0 {
        return Err(CaptureError::NotPermitted {
            pid,
            detail: " (no thread could be attached)".into(),
        });
    }
    let redaction = match &options.redactor {
        Some(r) => Some(
            redact::redact_minidump(&mut bytes, r)
                .map_err(|e| CaptureError::Writer { pid, message: e.to_string() })?,
        ),
        None => None,
    };

    let needed = bytes.len() as u64;
    if let Some(free) = free_bytes(&dir).filter(|&free| free < needed) {
        return Err(CaptureError::OutputFull { dir, needed, free });
    }
    let write = |tmp: &mut tempfile::NamedTempFile| -> io::Result<()> {
        tmp.write_all(&bytes)?;
        tmp.as_file().sync_all()
    };
    if let Err(e) = write(&mut tmp) {
        return Err(match io_err(&dir, e) {
            CaptureError::OutputFull { .. } => CaptureError::OutputFull {
                dir,
                needed,
                free: free_bytes(Path::new(".")).unwrap_or(0),
            },
            other => other,
        });
    }
    tmp.persist(&path).map_err(|e| io_err(&path, e.error))?;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(Captured { path, size: needed, threads, stopped, redaction })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields() {
        let s = parse_stat("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0").unwrap();
        assert_eq!(s.state, 'S');
        assert_ne!(s.flags & PF_KTHREAD, 0);
        let s = parse_stat("77 (a (b) c) Z 1 77 77 0 -1 4194560 0").unwrap();
        assert_eq!(s.state, 'Z');
        assert_eq!(s.flags & PF_KTHREAD, 0);
    }

    #[test]
    fn file_names() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_360_523);
        assert_eq!(default_file_name("amps server", 42, t), "amps_server-42-20261122T151523Z.dmp");
    }
}
