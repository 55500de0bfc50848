//! Linux ELF core files, through goblin: the signal and faulting thread from
//! NT_PRSTATUS and NT_SIGINFO, the command from NT_PRPSINFO, modules from
//! NT_FILE (with the build id from each one's first page), the auxv, and
//! every thread's registers. No stack walking: each thread's frame is its
//! program counter.
//!
//! gdb's `gcore` writes the same notes plus one named "GDB"; its threads
//! carry the SIGSTOP gdb stopped them with, which is no crash.
//!
//! Layouts are those of the kernel's `struct elf_prstatus` and `struct
//! elf_prpsinfo` (include/uapi/linux/elfcore.h) for 64- and 32-bit targets.

use goblin::container::Ctx;
use goblin::elf::note::NT_GNU_BUILD_ID;
use goblin::elf::program_header::{ProgramHeader, PT_LOAD};
use goblin::elf::{header, Elf};
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
/// How much of a mapped file's start is read for its ELF header and build
/// id: the page the kernel and gcore keep.
const FIRST_PAGE: u64 = 4096;

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
    // In a core cut short, the notes that are whole are still worth reading.
    let cut = super::extent::incomplete(bytes, DumpFormat::ElfCore).is_some();
    for note in notes {
        let note = match note {
            Ok(n) => n,
            Err(_) if cut => break,
            Err(e) => return Err(AnalyzeError::ElfCore(format!("bad note: {e}"))),
        };
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
                            named_by: None,
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

    #[cfg_attr(not(feature = "host-symbols"), allow(unused_mut))]
    let mut modules = modules(&files, |addr| memory_at(&elf, bytes, addr, FIRST_PAGE));
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
    #[cfg(feature = "host-symbols")]
    if let Some(locator) = &options.host {
        let arch = match machine {
            header::EM_X86_64 => Some(crate::symbols::Arch::X86_64),
            header::EM_AARCH64 => Some(crate::symbols::Arch::Aarch64),
            _ => None,
        };
        if let Some(arch) = arch {
            let read = |addr| word_at(memory_at(&elf, bytes, addr, 8)?, 0, 8);
            crate::symbols::core::unwind_threads(arch, &mut modules, &mut threads, &read, locator);
        }
    }
    // The executable is the module holding the entry point (AT_ENTRY).
    let entry = auxv_entries.iter().find(|(k, _)| k == "AT_ENTRY").map(|(_, v)| v.0);
    process.executable = entry
        .and_then(|e| modules.iter().find(|m| e >= m.base.0 && e - m.base.0 < m.size))
        .and_then(|m| m.debug_file.clone());
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
        signature: None,
        known_issues: Vec::new(),
        store: None,
        incomplete: None,
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

/// Up to `max` bytes of process memory from `addr` on, as far as the core
/// holds them without a gap.
fn memory_at<'a>(elf: &Elf, bytes: &'a [u8], addr: u64, max: u64) -> Option<&'a [u8]> {
    let ph = elf
        .program_headers
        .iter()
        .find(|ph| ph.p_type == PT_LOAD && addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_filesz)?;
    let skip = addr - ph.p_vaddr;
    let len = (ph.p_filesz - skip).min(max);
    let at = usize::try_from(ph.p_offset.checked_add(skip)?).ok()?;
    bytes.get(at..at.checked_add(usize::try_from(len).ok()?)?)
}

/// The GNU build id of an ELF file, from the notes in its first page (where
/// linkers put `.note.gnu.build-id`), as lowercase hex.
fn build_id(page: &[u8]) -> Option<String> {
    let header = Elf::parse_header(page).ok()?;
    let ctx = Ctx::new(header.container().ok()?, header.endianness().ok()?);
    let (phoff, phnum) = (usize::try_from(header.e_phoff).ok()?, usize::from(header.e_phnum));
    let mut elf = Elf::lazy_parse(header).ok()?;
    elf.program_headers = ProgramHeader::parse(page, phoff, phnum, ctx).ok()?;
    elf.iter_note_headers(page)?
        .map_while(Result::ok)
        .find(|n| n.n_type == NT_GNU_BUILD_ID && n.name == "GNU")
        .map(|n| n.desc.iter().map(|b| format!("{b:02x}")).collect())
}

/// One module per mapped ELF file: from its lowest to its highest address,
/// with its build id when the core holds it.
///
/// Both the kernel and gcore keep the first page of every ELF mapping
/// (coredump_filter bit 4, on by default) and, by default, no other
/// file-backed page; so a file whose first page is kept is a module only if
/// that page is an ELF header (locale archives, fonts and data files are
/// not). When no first page is kept at all (a filter without bit 4), every
/// file is listed, since none can be told apart.
fn modules<'a>(files: &[MappedFile], memory: impl Fn(u64) -> Option<&'a [u8]>) -> Vec<Module> {
    // The first page of each file mapped from its start, when the core has it.
    let first_pages: Vec<(&str, &[u8])> = files
        .iter()
        .filter(|f| f.page == 0)
        .filter_map(|f| Some((f.path.as_str(), memory(f.start)?)))
        .collect();
    let first_page = |path: &str| first_pages.iter().find(|(p, _)| *p == path).map(|(_, b)| *b);
    let is_module = |path: &str| {
        first_pages.is_empty() || first_page(path).is_some_and(|b| b.starts_with(b"\x7fELF"))
    };
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
                code_id: first_page(&f.path).and_then(build_id),
                debug_file: Some(f.path.clone()),
                debug_id: None,
                version: None,
                package: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use goblin::elf::program_header::PT_NOTE;
    use proptest::prelude::*;

    fn own_executable() -> Vec<u8> {
        std::fs::read("/proc/self/exe").expect("read the test binary")
    }

    /// The test binary's first page, read once for the property test.
    static FIRST: std::sync::LazyLock<Vec<u8>> =
        std::sync::LazyLock::new(|| own_executable()[..FIRST_PAGE as usize].to_vec());

    #[test]
    fn build_id_of_the_first_page_is_the_files() {
        let file = own_executable();
        let elf = Elf::parse(&file).expect("the test binary is ELF");
        let whole: Option<String> = elf
            .iter_note_headers(&file)
            .and_then(|mut notes| {
                notes.find_map(|n| n.ok().filter(|n| n.n_type == NT_GNU_BUILD_ID))
            })
            .map(|n| n.desc.iter().map(|b| format!("{b:02x}")).collect());
        assert!(whole.is_some(), "the linker gave the test binary a build id");
        assert_eq!(build_id(&file[..FIRST_PAGE as usize]), whole);
    }

    #[test]
    fn mapped_files_that_are_not_elf_are_not_modules() {
        let exe = own_executable();
        let page = |addr: u64| match addr {
            0x1000 => Some(&exe[..FIRST_PAGE as usize]),
            0x9000 => Some(&b"# locale archive, not ELF"[..]),
            _ => None,
        };
        let file = |start: u64, page_no: u64, path: &str| MappedFile {
            start,
            end: start + 0x1000,
            page: page_no,
            path: path.into(),
        };
        let files = [
            file(0x1000, 0, "/usr/bin/app"),
            file(0x2000, 1, "/usr/bin/app"),
            file(0x9000, 0, "/usr/lib/locale/C.utf8/LC_CTYPE"),
            // Its first page is not in the core: cannot be told, and others can.
            file(0xa000, 0, "/usr/share/fonts/font.ttf"),
        ];
        let modules = modules(&files, page);
        assert_eq!(modules.len(), 1, "{modules:?}");
        assert_eq!((modules[0].base.0, modules[0].size), (0x1000, 0x2000));
        assert!(modules[0].code_id.is_some());

        // A core that keeps no first page at all (coredump_filter without
        // bit 4): every file stays listed, without a build id.
        let listed = super::modules(&files, |_| None);
        assert_eq!(listed.len(), 3);
        assert!(listed.iter().all(|m| m.code_id.is_none()));
    }

    /// The byte ranges of `page` that `build_id` walks to find the id: the
    /// ELF header, the program headers and every PT_NOTE segment, as goblin
    /// (independently of `build_id`) reads them; and where the id itself is.
    fn structure(page: &[u8]) -> (Vec<std::ops::Range<usize>>, std::ops::Range<usize>) {
        let header = Elf::parse_header(page).expect("the first page has the ELF header");
        let ctx = Ctx::new(header.container().unwrap(), header.endianness().unwrap());
        let phoff = header.e_phoff as usize;
        let phnum = usize::from(header.e_phnum);
        let phdrs = ProgramHeader::parse(page, phoff, phnum, ctx).unwrap();
        let mut walked = vec![
            0..usize::from(header.e_ehsize),
            phoff..phoff + phnum * usize::from(header.e_phentsize),
        ];
        walked.extend(phdrs.iter().filter(|p| p.p_type == PT_NOTE).map(|p| p.file_range()));
        let id = build_id(page).expect("the first page has the build id");
        let desc: Vec<u8> = (0..id.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&id[i..i + 2], 16).unwrap())
            .collect();
        let at = page.windows(desc.len()).position(|w| w == desc).expect("the id is in the page");
        (walked, at..at + desc.len())
    }

    proptest! {
        /// Any bytes, or a real first page cut short with any bytes changed
        /// (headers included): either no id, or one read from an ELF page,
        /// whose bytes are in the input (never made up).
        #[test]
        fn a_build_id_is_bytes_of_an_elf_page(
            noise in proptest::collection::vec(any::<u8>(), 0..5000),
            cut in 0usize..=4096,
            edits in proptest::collection::vec((0usize..4096, any::<u8>()), 0..16),
        ) {
            let mut page = FIRST[..cut].to_vec();
            for (at, b) in edits.into_iter().filter(|&(at, _)| at < cut) {
                page[at] = b;
            }
            for bytes in [&noise, &page] {
                let Some(id) = build_id(bytes) else { continue };
                prop_assert!(bytes.starts_with(b"\x7fELF"));
                prop_assert!(id.len() % 2 == 0);
                let desc: Vec<u8> = (0..id.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&id[i..i + 2], 16))
                    .collect::<Result<_, _>>()
                    .map_err(|e| TestCaseError::fail(format!("{id} is not hex: {e}")))?;
                prop_assert!(desc.is_empty() || bytes.windows(desc.len()).any(|w| w == desc));
            }
        }

        /// A real first page with bytes changed outside the headers and
        /// notes, and in the id: the id read is exactly the changed bytes.
        #[test]
        fn the_build_id_follows_its_bytes_and_nothing_else(
            edits in proptest::collection::vec((0usize..4096, any::<u8>()), 0..16),
        ) {
            let (walked, desc) = structure(&FIRST);
            let mut page = FIRST.clone();
            for (at, b) in edits {
                if desc.contains(&at) || !walked.iter().any(|r| r.contains(&at)) {
                    page[at] = b;
                }
            }
            let expected: String = page[desc].iter().map(|b| format!("{b:02x}")).collect();
            prop_assert_eq!(build_id(&page), Some(expected));
        }
    }
}
