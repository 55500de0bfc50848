//! Minidumps from any platform, through the minidump and minidump-processor
//! crates (the same code minidump-stackwalk runs).

use minidump::{Minidump, Module as _};
use minidump_common::format::MINIDUMP_STREAM_TYPE as St;
use minidump_processor::ProcessState;
use minidump_unwind::{simple_symbol_supplier, Symbolizer};

use super::procfs;
use super::{AnalyzeError, Options};
use crate::summary::{
    utc_timestamp, Crash, DumpFormat, Frame, Hex, LinuxInfo, Module, Process, Summary, System,
    Thread,
};

// Stream ids come from minidump-common so they are never retyped by hand.
const STREAM_BREAKPAD_INFO: u32 = St::BreakpadInfoStream as u32;
const STREAM_LINUX_PROC_STATUS: u32 = St::LinuxProcStatus as u32;
const STREAM_LINUX_LSB_RELEASE: u32 = St::LinuxLsbRelease as u32;
const STREAM_LINUX_CMDLINE: u32 = St::LinuxCmdLine as u32;
const STREAM_LINUX_ENVIRON: u32 = St::LinuxEnviron as u32;
const STREAM_LINUX_AUXV: u32 = St::LinuxAuxv as u32;
const STREAM_LINUX_MAPS: u32 = St::LinuxMaps as u32;
const STREAM_CRASHPAD_INFO: u32 = St::CrashpadInfoStream as u32;
const STREAM_MOZ_LINUX_LIMITS: u32 = St::MozLinuxLimits as u32;
const STREAM_MOZ_SOFT_ERRORS: u32 = St::MozSoftErrors as u32;
const STREAM_HANDLE_DATA: u32 = St::HandleDataStream as u32;
/// sizeof(MINIDUMP_HANDLE_DESCRIPTOR), the smaller of the two versions.
const HANDLE_DESCRIPTOR_MIN: u32 = 32;

/// minidump 0.27 reserves room for the handle data stream's descriptor count
/// before reading the descriptors, and accepts a descriptor size of 0, so a
/// crafted count asks for tens of gigabytes and aborts the process (found by
/// fuzzing; `testdata/minidumps/fuzz-handle-descriptor-size-0.dmp`). Such a
/// stream is emptied in a copy: it has no descriptors to lose.
fn sanitize(bytes: &[u8]) -> Option<Vec<u8>> {
    let streams = crate::redact::minidump_streams(bytes).ok()?;
    let bogus: Vec<usize> = streams
        .iter()
        .filter(|(ty, r)| *ty == STREAM_HANDLE_DATA && r.len() >= 12)
        .filter(|(_, r)| {
            let word = |at: usize| {
                let b = &bytes[r.start + at..r.start + at + 4];
                u32::from_le_bytes([b[0], b[1], b[2], b[3]])
            };
            word(4) < HANDLE_DESCRIPTOR_MIN && word(8) != 0
        })
        .map(|(_, r)| r.start + 8)
        .collect();
    if bogus.is_empty() {
        return None;
    }
    let mut copy = bytes.to_vec();
    for at in bogus {
        copy[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    }
    Some(copy)
}

pub(super) fn analyze(bytes: &[u8], options: &Options) -> Result<Summary, AnalyzeError> {
    analyze_with(bytes, options, &[])
}

/// The `MODULE os arch debugid name` line that opens a Breakpad .sym file:
/// the debug id and debug file name it holds symbols for.
fn sym_module_id(sym: &str) -> Option<(&str, &str)> {
    let mut words = sym.lines().next()?.strip_prefix("MODULE ")?.splitn(4, ' ');
    let (_os, _arch) = (words.next()?, words.next()?);
    Some((words.next()?, words.next()?.trim_end()))
}

/// As [`analyze`], with Breakpad .sym files given as text (the page has no
/// symbol directory). Each applies to the module whose debug id and debug
/// file name match its MODULE line, as in a symbol store's layout.
pub(super) fn analyze_with(
    bytes: &[u8],
    options: &Options,
    sym_texts: &[String],
) -> Result<Summary, AnalyzeError> {
    let sanitized = sanitize(bytes);
    let bytes = sanitized.as_deref().unwrap_or(bytes);
    let dump = Minidump::read(bytes).map_err(|e| AnalyzeError::Minidump(e.to_string()))?;
    let symbolizer = if sym_texts.is_empty() {
        Symbolizer::new(simple_symbol_supplier(options.symbol_paths.clone()))
    } else {
        let mut by_code_file = std::collections::HashMap::new();
        if let Ok(list) = dump.get_stream::<minidump::MinidumpModuleList>() {
            for m in list.iter() {
                let (Some(id), Some(file)) = (m.debug_identifier(), m.debug_file()) else {
                    continue;
                };
                let id = id.breakpad().to_string();
                let file = basename(&file).to_string();
                let sym = sym_texts.iter().find(|t| {
                    sym_module_id(t).is_some_and(|(i, f)| i.eq_ignore_ascii_case(&id) && f == file)
                });
                if let Some(sym) = sym {
                    by_code_file.insert(m.code_file().into_owned(), sym.clone());
                }
            }
        }
        Symbolizer::new(minidump_unwind::string_symbol_supplier(by_code_file))
    };
    #[cfg(feature = "host-symbols")]
    let host = options.host.as_ref().and_then(|locator| host_symbols(&dump, locator));
    #[cfg(not(feature = "host-symbols"))]
    let host: Option<NoHost> = None;
    let process = |dump| match &host {
        #[cfg(feature = "host-symbols")]
        Some(host) => futures_executor::block_on(minidump_processor::process_minidump(
            dump,
            &crate::symbols::WithHost { first: &symbolizer, host },
        )),
        _ => futures_executor::block_on(minidump_processor::process_minidump(dump, &symbolizer)),
    };
    let state = process(&dump).map_err(|e| AnalyzeError::Minidump(e.to_string()))?;
    let named_by = |f: &minidump_unwind::StackFrame| -> Option<String> {
        let function = f.function_name.as_deref()?;
        #[cfg(feature = "host-symbols")]
        if let Some(by) = host.as_ref().and_then(|h| h.named_by(f.instruction, function)) {
            return Some(by);
        }
        let _ = function;
        Some("Breakpad symbols".to_string())
    };
    let raw = |ty: u32| dump.get_raw_stream(ty).ok();
    #[cfg(feature = "host-symbols")]
    let package = |base| host.as_ref().and_then(|h| h.package(base));
    #[cfg(not(feature = "host-symbols"))]
    let package = |_: u64| None;
    let word = match state.system_info.cpu.pointer_width() {
        minidump::system_info::PointerWidth::Bits32 => 4,
        _ => 8,
    };
    let executable = state.modules.main_module().map(|m| m.code_file().into_owned());
    let (mut process, linux, redacted) = process_and_linux(&dump, word, executable, options);
    process.pid = state.process_id;

    Ok(Summary {
        format: DumpFormat::Minidump,
        producer: producer(&|ty| raw(ty).is_some()).to_string(),
        captured_at: Some(utc_timestamp(u64::from(dump.header.time_date_stamp))),
        system: system(&state),
        process,
        // minidump-writer and Breakpad mark a dump taken on request with
        // the pseudo-signal DUMP_REQUESTED: no crash, only a requesting thread.
        crash: state
            .exception_info
            .as_ref()
            .filter(|e| !dump_requested(&e.reason))
            .map(|e| Crash { reason: e.reason.to_string(), address: Some(Hex(e.address.0)) }),
        crashing_thread: state.requesting_thread,
        threads: state.threads.iter().map(|t| thread(t, &named_by)).collect(),
        modules: state
            .modules
            .by_addr()
            .map(|m| Module { package: package(m.base_address()), ..module(m) })
            .collect(),
        linux,
        redacted,
        signature: None,
        known_issues: Vec::new(),
        store: None,
        incomplete: None,
    })
}

/// What a minidump cut short still tells when minidump-processor cannot
/// read it (its thread list or system info is past the end): the system,
/// modules, process and Linux streams that are whole, and no threads.
pub(super) fn partial(bytes: &[u8], options: &Options) -> Option<Summary> {
    let dump = Minidump::read(bytes).ok()?;
    let raw = |ty: u32| dump.get_raw_stream(ty).ok();
    let info = dump.get_stream::<minidump::MinidumpSystemInfo>().ok();
    let modules = dump.get_stream::<minidump::MinidumpModuleList>().ok();
    let word = match info.as_ref().map(|i| i.cpu.pointer_width()) {
        Some(minidump::system_info::PointerWidth::Bits32) => 4,
        _ => 8,
    };
    let executable =
        modules.as_ref().and_then(|m| m.main_module()).map(|m| m.code_file().into_owned());
    let (process, linux, redacted) = process_and_linux(&dump, word, executable, options);
    let crash = match (&info, dump.get_stream::<minidump::MinidumpException>()) {
        (Some(i), Ok(e)) => {
            Some(e.get_crash_reason(i.os, i.cpu)).filter(|r| !dump_requested(r)).map(|r| Crash {
                reason: r.to_string(),
                address: Some(Hex(e.get_crash_address(i.os, i.cpu))),
            })
        }
        _ => None,
    };
    Some(Summary {
        format: DumpFormat::Minidump,
        producer: producer(&|ty| raw(ty).is_some()).to_string(),
        captured_at: Some(utc_timestamp(u64::from(dump.header.time_date_stamp))),
        system: System {
            os: info.as_ref().map_or_else(|| "unknown".into(), |i| i.os.long_name().into_owned()),
            os_version: None,
            cpu: info.as_ref().map_or_else(|| "unknown".into(), |i| i.cpu.to_string()),
            cpu_info: None,
            cpu_count: info.as_ref().map_or(0, |i| u32::from(i.raw.number_of_processors)),
        },
        process,
        crash,
        crashing_thread: None,
        threads: Vec::new(),
        modules: modules.map(|m| m.by_addr().map(module).collect()).unwrap_or_default(),
        linux,
        redacted,
        signature: None,
        known_issues: Vec::new(),
        store: None,
        incomplete: None,
    })
}

/// The process (name, executable, redacted command line) and the Linux
/// streams, with how many values were redacted.
fn process_and_linux(
    dump: &Minidump<'_, &[u8]>,
    word: usize,
    executable: Option<String>,
    options: &Options,
) -> (Process, Option<LinuxInfo>, usize) {
    let raw = |ty: u32| dump.get_raw_stream(ty).ok();
    let mut redacted = 0;
    let mut command_line = raw(STREAM_LINUX_CMDLINE).map(procfs::command_line).unwrap_or_default();
    redacted += options.redactor.redact_args(&mut command_line);
    // The kernel's name (status `Name:`, i.e. comm), else the executable's;
    // never argv[0], which setproctitle rewrites.
    let comm = raw(STREAM_LINUX_PROC_STATUS)
        .map(|b| procfs::parse_status(&String::from_utf8_lossy(b)))
        .and_then(|status| status.into_iter().find(|(k, _)| k == "Name").map(|(_, v)| v))
        .filter(|n| !n.is_empty());
    let name = comm.or_else(|| executable.as_deref().map(|e| basename(e).to_string()));

    let linux = if raw(STREAM_LINUX_PROC_STATUS).is_some() || raw(STREAM_LINUX_ENVIRON).is_some() {
        let mut environ = raw(STREAM_LINUX_ENVIRON).map(procfs::parse_environ).unwrap_or_default();
        redacted += options.redactor.redact_environ(&mut environ);
        let text =
            |ty| raw(ty).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        Some(LinuxInfo {
            environ: environ
                .into_iter()
                .map(|(name, value)| crate::summary::EnvVar { name, value })
                .collect(),
            limits: procfs::parse_limits(&text(STREAM_MOZ_LINUX_LIMITS)),
            status: procfs::parse_status(&text(STREAM_LINUX_PROC_STATUS)),
            os_release: procfs::parse_os_release(&text(STREAM_LINUX_LSB_RELEASE)),
            maps: text(STREAM_LINUX_MAPS).lines().count(),
            auxv: raw(STREAM_LINUX_AUXV).map(|b| auxv(b, word)).unwrap_or_default(),
        })
    } else {
        None
    };
    (Process { pid: None, name, executable, command_line }, linux, redacted)
}

fn dump_requested(reason: &minidump::CrashReason) -> bool {
    use minidump_common::errors::ExceptionCodeLinux;
    matches!(reason, minidump::CrashReason::LinuxGeneral(ExceptionCodeLinux::DUMP_REQUESTED, _))
}

/// Who wrote the dump, from the streams only its writer adds.
fn producer(has: &dyn Fn(u32) -> bool) -> &'static str {
    if has(STREAM_CRASHPAD_INFO) {
        "Crashpad"
    } else if has(STREAM_MOZ_LINUX_LIMITS) || has(STREAM_MOZ_SOFT_ERRORS) {
        "minidump-writer"
    } else if has(STREAM_BREAKPAD_INFO) {
        "Breakpad"
    } else {
        "unknown writer"
    }
}

fn system(state: &ProcessState) -> System {
    let s = &state.system_info;
    System {
        os: s.os.long_name().into_owned(),
        os_version: s.format_os_version().map(|v| v.into_owned()),
        cpu: s.cpu.to_string(),
        cpu_info: s.cpu_info.clone(),
        cpu_count: u32::try_from(s.cpu_count).unwrap_or(u32::MAX),
    }
}

fn thread(
    stack: &minidump_unwind::CallStack,
    named_by: &dyn Fn(&minidump_unwind::StackFrame) -> Option<String>,
) -> Thread {
    let mut frames = Vec::new();
    for f in &stack.frames {
        let module = f.module.as_ref().map(|m| basename(&m.code_file()).to_string());
        let module_offset =
            f.module.as_ref().map(|m| Hex(f.instruction.wrapping_sub(m.base_address())));
        let source = |file: &Option<String>, line: Option<u32>| {
            file.as_ref().map(|file| match line {
                Some(line) => format!("{file}:{line}"),
                None => file.clone(),
            })
        };
        let by = named_by(f);
        // Innermost first, as debuggers print them: the inlined functions
        // (stored outermost first), then the function they are inlined into.
        for inline in f.inlines.iter().rev() {
            frames.push(Frame {
                instruction: Hex(f.instruction),
                module: module.clone(),
                module_offset,
                function: Some(inline.function_name.clone()),
                source: source(&inline.source_file_name, inline.source_line),
                trust: "inlined".to_string(),
                named_by: by.clone(),
            });
        }
        frames.push(Frame {
            instruction: Hex(f.instruction),
            module,
            module_offset,
            function: f.function_name.clone(),
            source: source(&f.source_file_name, f.source_line),
            trust: f.trust.as_str().to_string(),
            named_by: by,
        });
    }
    Thread { id: stack.thread_id, name: stack.thread_name.clone(), frames, registers: Vec::new() }
}

/// The host's files for a Linux minidump's modules, by build-id (the code
/// id minidump-writer and Breakpad record); `None` for other systems, whose
/// files are not here.
#[cfg(feature = "host-symbols")]
fn host_symbols(
    dump: &Minidump<&[u8]>,
    locator: &crate::symbols::Locator,
) -> Option<crate::symbols::HostSymbols> {
    use crate::symbols::{locate::parse_hex, Arch, HostSymbols, ModuleRef};
    use minidump::system_info::{Cpu, Os};
    let info = dump.get_stream::<minidump::MinidumpSystemInfo>().ok()?;
    let arch = match (info.os, info.cpu) {
        (Os::Linux, Cpu::X86_64) => Arch::X86_64,
        (Os::Linux, Cpu::Arm64) => Arch::Aarch64,
        _ => return None,
    };
    let list = dump.get_stream::<minidump::MinidumpModuleList>().ok()?;
    let modules: Vec<ModuleRef> = list
        .iter()
        .map(|m| ModuleRef {
            base: m.base_address(),
            size: m.size(),
            code_file: m.code_file().into_owned(),
            build_id: m.code_identifier().and_then(|c| parse_hex(c.as_str())),
        })
        .collect();
    Some(HostSymbols::load(arch, &modules, locator))
}

/// Stands in for the host's files in a build without them.
#[cfg(not(feature = "host-symbols"))]
enum NoHost {}

fn module(m: &minidump::MinidumpModule) -> Module {
    Module {
        base: Hex(m.base_address()),
        size: m.size(),
        name: basename(&m.code_file()).to_string(),
        code_id: m.code_identifier().map(|c| c.to_string()),
        debug_file: m.debug_file().map(|d| d.into_owned()),
        debug_id: m.debug_identifier().map(|d| d.breakpad().to_string()),
        version: m.version().map(|v| v.into_owned()),
        package: None,
    }
}

/// The file name of a Unix or Windows path.
pub(super) fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Name of an auxv entry type (elf.h, `AT_*`).
pub(super) fn auxv_name(ty: u64) -> String {
    let name = match ty {
        3 => "AT_PHDR",
        4 => "AT_PHENT",
        5 => "AT_PHNUM",
        6 => "AT_PAGESZ",
        7 => "AT_BASE",
        8 => "AT_FLAGS",
        9 => "AT_ENTRY",
        11 => "AT_UID",
        12 => "AT_EUID",
        13 => "AT_GID",
        14 => "AT_EGID",
        15 => "AT_PLATFORM",
        16 => "AT_HWCAP",
        17 => "AT_CLKTCK",
        23 => "AT_SECURE",
        25 => "AT_RANDOM",
        26 => "AT_HWCAP2",
        31 => "AT_EXECFN",
        33 => "AT_SYSINFO_EHDR",
        51 => "AT_MINSIGSTKSZ",
        _ => return format!("AT_{ty}"),
    };
    name.to_string()
}

/// The auxiliary vector: (type, value) words up to `AT_NULL`.
pub(super) fn auxv(bytes: &[u8], word: usize) -> Vec<(String, Hex)> {
    let read = |c: &[u8]| -> u64 {
        let mut buf = [0u8; 8];
        buf[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(buf)
    };
    bytes
        .chunks_exact(word * 2)
        .map(|pair| (read(&pair[..word]), read(&pair[word..])))
        .take_while(|&(ty, _)| ty != 0)
        .map(|(ty, v)| (auxv_name(ty), Hex(v)))
        .collect()
}
