//! Linux ELF core files, through goblin: the signal and faulting thread from
//! NT_PRSTATUS and NT_SIGINFO, the command from NT_PRPSINFO, mapped files
//! from NT_FILE, the auxv, and every thread's registers. No stack walking:
//! each thread's frame is its program counter.
//!
//! gdb's `gcore` writes the same notes plus one named "GDB"; its threads
//! carry the SIGSTOP gdb stopped them with, which is no crash.
//!
//! Layouts are those of the kernel's `struct elf_prstatus` and `struct
//! elf_prpsinfo` (include/uapi/linux/elfcore.h) for 64- and 32-bit targets.

use goblin::elf::{header, program_header::PT_LOAD, Elf};
use minidump::system_info::Cpu;
use minidump::CrashReason;
use minidump_common::format::{MINIDUMP_EXCEPTION, MINIDUMP_EXCEPTION_STREAM};

use super::minidump::{auxv, basename};
use super::{AnalyzeError, Options};
use crate::summary::{
    Crash, DumpFormat, Frame, Hex, LinuxInfo, Module, Process, Register, Summary, System, Thread,
};

const NT_PRSTATUS: u32 = 1;
const NT_PRPSINFO: u32 = 3;
const NT_AUXV: u32 = 6;
const NT_FILE: u32 = 0x4649_4c45;
const NT_SIGINFO: u32 = 0x5349_4749;
const SIGSTOP: i32 = 19;

/// x86_64 `struct user_regs_struct`, in order.
const AMD64_REGS: &[&str] = &[
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
    "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs",
    "gs",
];
/// i386 `struct user_regs_struct`, in order.
const X86_REGS: &[&str] = &[
    "ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs", "gs", "orig_eax", "eip",
    "cs", "eflags", "esp", "ss",
];
/// aarch64 `struct user_pt_regs`: x0..x30, sp, pc, pstate.
const ARM64_REGS: usize = 34;

struct Layout {
    word: usize,
    /// Offset of pr_cursig, pr_pid and pr_reg in elf_prstatus.
    cursig: usize,
    pid: usize,
    reg: usize,
    /// Offsets of pr_pid, pr_fname and pr_psargs in elf_prpsinfo.
    ps_pid: usize,
    ps_fname: usize,
    ps_args: usize,
}

const LAYOUT_64: Layout =
    Layout { word: 8, cursig: 12, pid: 32, reg: 112, ps_pid: 24, ps_fname: 40, ps_args: 56 };
const LAYOUT_32: Layout =
    Layout { word: 4, cursig: 12, pid: 24, reg: 72, ps_pid: 12, ps_fname: 28, ps_args: 44 };

fn word_at(b: &[u8], off: usize, word: usize) -> Option<u64> {
    let s = b.get(off..off.checked_add(word)?)?;
    let mut buf = [0u8; 8];
    buf[..word].copy_from_slice(s);
    Some(u64::from_le_bytes(buf))
}

fn i32_at(b: &[u8], off: usize) -> Option<i32> {
    word_at(b, off, 4).map(|v| v as u32 as i32)
}

fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

pub(super) fn analyze(bytes: &[u8], options: &Options) -> Result<Summary, AnalyzeError> {
    let elf = Elf::parse(bytes).map_err(|e| AnalyzeError::ElfCore(e.to_string()))?;
    if elf.header.e_type != header::ET_CORE {
        return Err(AnalyzeError::NotCore(header::et_to_str(elf.header.e_type).to_string()));
    }
    if !elf.little_endian {
        return Err(AnalyzeError::ElfCore("big-endian core files are not supported".into()));
    }
    let layout = if elf.is_64 { &LAYOUT_64 } else { &LAYOUT_32 };
    let machine = elf.header.e_machine;
    let cpu = match machine {
        header::EM_X86_64 => "amd64".to_string(),
        header::EM_386 => "x86".to_string(),
        header::EM_AARCH64 => "arm64".to_string(),
        header::EM_ARM => "arm".to_string(),
        header::EM_PPC64 => "ppc64".to_string(),
        other => format!("unknown ({other})"),
    };

    let mut threads = Vec::new();
    let mut signal = None;
    let mut siginfo: Option<(i32, i32, u64)> = None;
    let mut process = Process::default();
    let mut files: Vec<MappedFile> = Vec::new();
    let mut auxv_entries = Vec::new();
    let mut by_gdb = false;

    let notes = elf.iter_note_headers(bytes).ok_or_else(|| {
        AnalyzeError::ElfCore("no PT_NOTE segment: the core was cut short".into())
    })?;
    for note in notes {
        let note = note.map_err(|e| AnalyzeError::ElfCore(format!("bad note: {e}")))?;
        by_gdb |= note.name == "GDB";
        if note.name != "CORE" {
            continue;
        }
        let d = note.desc;
        match note.n_type {
            NT_PRSTATUS => {
                let pid = i32_at(d, layout.pid).unwrap_or(0);
                let cursig = word_at(d, layout.cursig, 2).unwrap_or(0) as i32;
                if signal.is_none() && cursig != 0 {
                    signal = Some(cursig);
                }
                let (registers, pc) = registers(d, layout, machine);
                threads.push(Thread {
                    id: pid as u32,
                    name: None,
                    frames: pc
                        .map(|pc| Frame {
                            instruction: Hex(pc),
                            module: None,
                            module_offset: None,
                            function: None,
                            source: None,
                            trust: "context".into(),
                        })
                        .into_iter()
                        .collect(),
                    registers,
                });
            }
            NT_PRPSINFO => {
                process.pid = i32_at(d, layout.ps_pid).map(|p| p as u32);
                process.name = d.get(layout.ps_fname..layout.ps_fname + 16).map(c_string);
                process.command_line = d
                    .get(layout.ps_args..layout.ps_args + 80)
                    .map(c_string)
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
            }
            NT_SIGINFO => {
                let signo = i32_at(d, 0).unwrap_or(0);
                let code = i32_at(d, 8).unwrap_or(0);
                // si_addr follows the three ints, aligned to a word.
                let addr = word_at(d, if layout.word == 8 { 16 } else { 12 }, layout.word);
                siginfo = Some((signo, code, addr.unwrap_or(0)));
            }
            NT_AUXV => auxv_entries = auxv(d, layout.word),
            NT_FILE => files = nt_file(d, layout.word),
            _ => {}
        }
    }

    let modules = modules(&files, |addr| bytes_at(&elf, bytes, addr, 4));
    for t in &mut threads {
        for f in &mut t.frames {
            if let Some(m) = modules
                .iter()
                .find(|m| f.instruction.0 >= m.base.0 && f.instruction.0 - m.base.0 < m.size)
            {
                f.module = Some(m.name.clone());
                f.module_offset = Some(Hex(f.instruction.0 - m.base.0));
            }
        }
    }
    let redacted = options.redactor.redact_args(&mut process.command_line);
    let crash = signal
        .or(siginfo.map(|s| s.0))
        // gcore stops the process to copy it: a snapshot, not a crash.
        .filter(|&sig| !(by_gdb && sig == SIGSTOP))
        .map(|sig| {
            let code = siginfo.filter(|s| s.0 == sig).map(|s| s.1);
            Crash {
                reason: signal_reason(sig, code),
                address: siginfo
                    .filter(|s| s.0 == sig && s.1 > 0 && faults_on_address(sig))
                    .map(|s| Hex(s.2)),
            }
        });

    Ok(Summary {
        format: DumpFormat::ElfCore,
        producer: if by_gdb { "gdb (gcore)" } else { "Linux kernel" }.into(),
        captured_at: None,
        system: System { os: "Linux".into(), os_version: None, cpu, cpu_info: None, cpu_count: 0 },
        crashing_thread: (crash.is_some() && !threads.is_empty()).then_some(0),
        crash,
        process,
        threads,
        linux: Some(LinuxInfo { maps: files.len(), auxv: auxv_entries, ..LinuxInfo::default() }),
        modules,
        redacted,
    })
}

fn registers(
    d: &[u8],
    layout: &Layout,
    machine: u16,
) -> (Vec<crate::summary::Register>, Option<u64>) {
    let names: Vec<String> = match machine {
        header::EM_X86_64 => AMD64_REGS.iter().map(|s| s.to_string()).collect(),
        header::EM_386 => X86_REGS.iter().map(|s| s.to_string()).collect(),
        header::EM_AARCH64 => (0..ARM64_REGS)
            .map(|i| match i {
                31 => "sp".to_string(),
                32 => "pc".to_string(),
                33 => "pstate".to_string(),
                _ => format!("x{i}"),
            })
            .collect(),
        _ => Vec::new(),
    };
    let regs: Vec<Register> = names
        .into_iter()
        .enumerate()
        .map_while(|(i, name)| {
            word_at(d, layout.reg + i * layout.word, layout.word)
                .map(|v| Register { name, value: Hex(v) })
        })
        .collect();
    let pc =
        regs.iter().find(|r| matches!(r.name.as_str(), "rip" | "eip" | "pc")).map(|r| r.value.0);
    (regs, pc)
}

/// One entry of NT_FILE: a mapping of `path` at `start..end`, from the
/// file's page `page` on.
struct MappedFile {
    start: u64,
    end: u64,
    page: u64,
    path: String,
}

/// NT_FILE: count, page size, then (start, end, file offset in pages) per
/// mapping, then the NUL-terminated file names.
fn nt_file(d: &[u8], word: usize) -> Vec<MappedFile> {
    let Some(count) = word_at(d, 0, word) else { return Vec::new() };
    let Some(table_len) = (count as usize).checked_mul(3 * word) else { return Vec::new() };
    let names_at = 2 * word + table_len;
    if names_at > d.len() {
        return Vec::new();
    }
    let mut names = d[names_at..].split(|&b| b == 0);
    (0..count as usize)
        .map_while(|i| {
            let at = 2 * word + i * 3 * word;
            let start = word_at(d, at, word)?;
            let end = word_at(d, at + word, word)?;
            let page = word_at(d, at + 2 * word, word)?;
            let path = String::from_utf8_lossy(names.next()?).into_owned();
            Some(MappedFile { start, end, page, path })
        })
        .collect()
}

/// The `len` bytes of process memory at `addr`, when the core holds them.
fn bytes_at<'a>(elf: &Elf, bytes: &'a [u8], addr: u64, len: u64) -> Option<&'a [u8]> {
    let ph = elf.program_headers.iter().find(|ph| {
        ph.p_type == PT_LOAD
            && addr >= ph.p_vaddr
            && addr
                .checked_add(len)
                .is_some_and(|end| end <= ph.p_vaddr.saturating_add(ph.p_filesz))
    })?;
    let at = usize::try_from(ph.p_offset.checked_add(addr - ph.p_vaddr)?).ok()?;
    bytes.get(at..at.checked_add(len as usize)?)
}

/// One module per mapped ELF file: from its lowest to its highest address.
///
/// Both the kernel and gcore keep the first page of every ELF mapping
/// (coredump_filter bit 4, on by default) and, by default, no other
/// file-backed page; so a file whose first page is kept is a module only if
/// that page is an ELF header (locale archives, fonts and data files are
/// not). When no first page is kept at all (a filter without bit 4), every
/// file is listed, since none can be told apart.
fn modules<'a>(files: &[MappedFile], memory: impl Fn(u64) -> Option<&'a [u8]>) -> Vec<Module> {
    let header: Vec<(&str, Option<bool>)> = files
        .iter()
        .filter(|f| f.page == 0)
        .map(|f| (f.path.as_str(), memory(f.start).map(|b| b == b"\x7fELF")))
        .collect();
    let known = header.iter().any(|(_, elf)| elf.is_some());
    let is_module =
        |path: &str| !known || header.iter().any(|(p, elf)| *p == path && *elf == Some(true));
    let mut out: Vec<Module> = Vec::new();
    for f in files.iter().filter(|f| is_module(&f.path)) {
        match out.iter_mut().find(|m| m.debug_file.as_deref() == Some(f.path.as_str())) {
            Some(m) => {
                let top = (m.base.0.saturating_add(m.size)).max(f.end);
                m.base = Hex(m.base.0.min(f.start));
                m.size = top.saturating_sub(m.base.0);
            }
            None => out.push(Module {
                base: Hex(f.start),
                size: f.end.saturating_sub(f.start),
                name: basename(&f.path).to_string(),
                code_id: None,
                debug_file: Some(f.path.clone()),
                debug_id: None,
                version: None,
            }),
        }
    }
    out.sort_by_key(|m| m.base);
    out
}

/// Signals whose si_addr is the faulting address, when the kernel raised
/// them (si_code > 0; a signal sent with kill(2) carries a pid there).
fn faults_on_address(sig: i32) -> bool {
    matches!(sig, 4 | 7 | 8 | 11)
}

/// `SIGSEGV / SEGV_MAPERR`: minidump's own naming of Linux signals and
/// their si_code, so a core reads like a minidump of the same crash.
fn signal_reason(sig: i32, code: Option<i32>) -> String {
    let raw = MINIDUMP_EXCEPTION_STREAM {
        thread_id: 0,
        __align: 0,
        exception_record: MINIDUMP_EXCEPTION {
            exception_code: sig as u32,
            // SI_USER (0) prints the bare signal name.
            exception_flags: code.unwrap_or(0) as u32,
            ..MINIDUMP_EXCEPTION::default()
        },
        thread_context: Default::default(),
    };
    // The CPU does not change how Linux signals are named.
    match CrashReason::from_linux_exception(&raw, Cpu::X86_64) {
        Some(reason) => reason.to_string(),
        None => format!("signal {sig}"),
    }
}
