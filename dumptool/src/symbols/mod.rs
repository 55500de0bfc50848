//! Stacks and names from the host's own files (feature `host-symbols`).
//!
//! For each module of a dump, [`locate`] finds the binary and the split debug
//! file with the module's build-id; framehop unwinds with their CFI
//! (`.eh_frame`, `.debug_frame`) and addr2line names addresses from DWARF
//! (functions, inlined frames, file:line) or, without DWARF, from `.symtab`
//! or `.dynsym`. [`HostSymbols`] plugs both into minidump-unwind's walker as
//! a `SymbolProvider` (the way its own `debuginfo` feature does, but matched
//! by build-id rather than by path) and walks core files directly.

#[cfg(feature = "cli")]
pub mod args;
pub mod buildid;
pub mod core;
pub mod debuginfod;
pub mod locate;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use framehop::{FrameAddress, Unwinder};
use minidump::Module;
use minidump_unwind::{
    FileError, FileKind, FillSymbolError, FrameSymbolizer, FrameWalker, SymbolProvider,
};
use object::{Object, ObjectSection, ObjectSegment};

pub use locate::Locator;

/// One module of a dump, as the search needs it.
#[derive(Debug, Clone)]
pub struct ModuleRef {
    pub base: u64,
    pub size: u64,
    /// The path the process mapped it from.
    pub code_file: String,
    pub build_id: Option<Vec<u8>>,
}

/// A source position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub file: String,
    pub line: u32,
}

/// The name of one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The function the address is in (the outermost, not inlined, one).
    pub function: String,
    /// Address of its first instruction, when a symbol gives it.
    pub function_base: Option<u64>,
    pub line: Option<Line>,
    /// Functions inlined at the address, outermost first, with the line
    /// each one is at.
    pub inlined: Vec<(String, Option<Line>)>,
    /// What named it: `DWARF in PATH` or `.symtab of PATH`.
    pub named_by: String,
}

/// The CPU architectures framehop unwinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Aarch64,
}

type Data = Vec<u8>;

enum Unwind {
    X86_64(framehop::x86_64::UnwinderX86_64<Data>, Mutex<framehop::x86_64::CacheX86_64>),
    Aarch64(framehop::aarch64::UnwinderAarch64<Data>, Mutex<framehop::aarch64::CacheAarch64>),
}

struct Loaded {
    range: Range<u64>,
    /// Runtime address minus the address the file states (ELF load bias).
    bias: u64,
    /// The file the names come from.
    names: Option<(PathBuf, Mutex<addr2line::Loader>)>,
    /// Whether framehop has this module's CFI.
    has_cfi: bool,
    /// The file's `.note.package`, as `name version (type)`.
    package: Option<String>,
    found: locate::Found,
}

/// Unwind tables and names of a dump's modules, from the host's files.
pub struct HostSymbols {
    modules: Vec<Loaded>,
    unwind: Unwind,
    /// The function and source of each instruction address this provider named.
    named: Mutex<HashMap<u64, (String, String)>>,
}

/// framehop's view of a binary and its split debug file: each section from
/// the first file that has its bytes (a debug file's `.eh_frame` and
/// `.text` are empty NOBITS sections).
struct Sections<'a> {
    files: Vec<object::File<'a>>,
}

impl<'a> Sections<'a> {
    fn section(&self, name: &[u8]) -> Option<object::Section<'a, '_>> {
        self.files.iter().find_map(|f| {
            f.section_by_name_bytes(name).filter(|s| s.data().is_ok_and(|d| !d.is_empty()))
        })
    }
}

impl framehop::ModuleSectionInfo<Data> for Sections<'_> {
    fn base_svma(&self) -> u64 {
        // ELF: addresses are stated relative to 0.
        0
    }
    fn section_svma_range(&mut self, name: &[u8]) -> Option<Range<u64>> {
        let s = self.section(name)?;
        Some(s.address()..s.address() + s.size())
    }
    fn section_data(&mut self, name: &[u8]) -> Option<Data> {
        self.section(name)?.data().ok().map(<[u8]>::to_vec)
    }
    fn segment_svma_range(&mut self, _name: &[u8]) -> Option<Range<u64>> {
        None
    }
    fn segment_data(&mut self, _name: &[u8]) -> Option<Data> {
        None
    }
}

/// The lowest address an ELF file's loadable segments state, rounded down to
/// a page: what the first mapping of the module corresponds to.
fn first_load_address(file: &object::File) -> u64 {
    file.segments().map(|s| s.address()).min().unwrap_or(0) & !0xfff
}

impl HostSymbols {
    /// Finds and loads the files of `modules`.
    pub fn load(arch: Arch, modules: &[ModuleRef], locator: &Locator) -> HostSymbols {
        let mut unwind = match arch {
            Arch::X86_64 => Unwind::X86_64(Default::default(), Default::default()),
            Arch::Aarch64 => Unwind::Aarch64(Default::default(), Default::default()),
        };
        let mut loaded = Vec::new();
        for m in modules {
            let found = locator.locate(&m.code_file, m.build_id.as_deref());
            let read = |p: &Option<PathBuf>| p.as_ref().and_then(|p| std::fs::read(p).ok());
            let (binary, debug) = (read(&found.binary), read(&found.debug));
            let files: Vec<object::File> = [&binary, &debug]
                .into_iter()
                .flatten()
                .filter_map(|b| object::File::parse(b.as_slice()).ok())
                .collect();
            let Some(first) = files.first() else {
                loaded.push(Loaded {
                    range: m.base..m.base.saturating_add(m.size),
                    bias: 0,
                    names: None,
                    has_cfi: false,
                    package: None,
                    found,
                });
                continue;
            };
            let bias = m.base.wrapping_sub(first_load_address(first));
            let package = files.iter().find_map(|f| locate::package_note(f));
            let range = m.base..m.base.saturating_add(m.size);
            let sections = Sections { files };
            let has_cfi =
                [&b".eh_frame"[..], b".debug_frame"].iter().any(|n| sections.section(n).is_some());
            let name = m.code_file.clone();
            match &mut unwind {
                Unwind::X86_64(u, _) => {
                    u.add_module(framehop::Module::new(name, range.clone(), bias, sections))
                }
                Unwind::Aarch64(u, _) => {
                    u.add_module(framehop::Module::new(name, range.clone(), bias, sections))
                }
            }
            // Names: the debug file when there is one (full .symtab and
            // DWARF), else the binary (its .symtab, or .dynsym when stripped).
            let names = found
                .debug
                .clone()
                .or_else(|| found.binary.clone())
                .and_then(|p| addr2line::Loader::new(&p).ok().map(|l| (p, Mutex::new(l))));
            loaded.push(Loaded { range, bias, names, has_cfi, package, found });
        }
        HostSymbols { modules: loaded, unwind, named: Mutex::default() }
    }

    fn module_at(&self, addr: u64) -> Option<&Loaded> {
        self.modules.iter().find(|m| m.range.contains(&addr))
    }

    /// The package note of the module loaded at `base`.
    pub fn package(&self, base: u64) -> Option<String> {
        self.modules.iter().find(|m| m.range.start == base)?.package.clone()
    }

    /// Whether the module holding `addr` has CFI from the host's files.
    pub fn has_cfi(&self, addr: u64) -> bool {
        self.module_at(addr).is_some_and(|m| m.has_cfi)
    }

    /// The files used and passed over for each module, for the report.
    pub fn notes(&self) -> Vec<String> {
        self.modules.iter().flat_map(|m| m.found.rejected.iter().cloned()).collect()
    }

    /// Names the instruction at `addr`.
    pub fn lookup(&self, addr: u64) -> Option<Named> {
        let m = self.module_at(addr)?;
        let (path, loader) = m.names.as_ref()?;
        let loader = loader.lock().ok()?;
        let probe = addr.wrapping_sub(m.bias);
        let symbol = loader
            .find_symbol_info(probe)
            .map(|s| (addr2line::demangle_auto(s.name().into(), None).into_owned(), s.address()));
        // addr2line yields the innermost (inlined) function first.
        let mut dwarf: Vec<(String, Option<Line>)> = Vec::new();
        if let Ok(mut frames) = loader.find_frames(probe) {
            while let Ok(Some(f)) = frames.next() {
                let Some(name) = f.function.as_ref().and_then(|n| n.demangle().ok()) else {
                    continue;
                };
                let line = f.location.and_then(|l| {
                    Some(Line { file: l.file?.to_string(), line: l.line.unwrap_or(0) })
                });
                dwarf.push((name.into_owned(), line));
            }
        }
        let base = symbol.as_ref().map(|s| s.1.wrapping_add(m.bias));
        let named = match dwarf.pop() {
            Some((function, line)) => Named {
                function,
                function_base: base,
                line,
                inlined: dwarf.into_iter().rev().collect(),
                named_by: format!("DWARF in {}", path.display()),
            },
            None => {
                let (function, _) = symbol?;
                Named {
                    function,
                    function_base: base,
                    line: None,
                    inlined: Vec::new(),
                    named_by: format!("symbol table of {}", path.display()),
                }
            }
        };
        if let Ok(mut seen) = self.named.lock() {
            seen.insert(addr, (named.function.clone(), named.named_by.clone()));
        }
        Some(named)
    }

    /// What named the frame at `addr`, when this provider gave it the name
    /// `function` (another provider may have named it after).
    pub fn named_by(&self, addr: u64, function: &str) -> Option<String> {
        let named = self.named.lock().ok()?;
        named.get(&addr).filter(|(f, _)| f == function).map(|(_, by)| by.clone())
    }

    /// Unwinds a stack from its registers (x86_64: rip, rsp, rbp; aarch64:
    /// pc, sp, x29, x30), reading memory with `read`. Returns each frame's
    /// address: the pc first, then return addresses.
    pub fn unwind_stack(
        &self,
        regs: &[(&str, u64)],
        read: &mut dyn FnMut(u64) -> Option<u64>,
        max_frames: usize,
    ) -> Vec<u64> {
        let reg = |name: &str| regs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let frames = match &self.unwind {
            Unwind::X86_64(u, cache) => (|| {
                let pc = reg("rip")?;
                let regs = framehop::x86_64::UnwindRegsX86_64::new(pc, reg("rsp")?, reg("rbp")?);
                Some(iter_frames(u, cache, pc, regs, read, max_frames))
            })(),
            Unwind::Aarch64(u, cache) => (|| {
                let pc = reg("pc")?;
                let regs =
                    framehop::aarch64::UnwindRegsAarch64::new(reg("x30")?, reg("sp")?, reg("x29")?);
                Some(iter_frames(u, cache, pc, regs, read, max_frames))
            })(),
        };
        frames.unwrap_or_default()
    }

    /// One step of minidump-unwind's walker with framehop (as
    /// minidump-unwind's `debuginfo` feature does it).
    fn walk(&self, walker: &mut (dyn FrameWalker + Send)) -> Option<()> {
        let instruction = walker.get_instruction();
        // A caller's instruction is its return address minus one.
        let address = if walker.has_grand_callee() {
            FrameAddress::from_return_address(instruction + 1)?
        } else {
            FrameAddress::from_instruction_pointer(instruction)
        };
        match &self.unwind {
            Unwind::X86_64(u, cache) => {
                let mut regs = framehop::x86_64::UnwindRegsX86_64::new(
                    walker.get_callee_register("rip")?,
                    walker.get_callee_register("rsp")?,
                    walker.get_callee_register("rbp")?,
                );
                step(u, cache, address, &mut regs, walker)?;
                walker.set_cfa(regs.sp())?;
                walker.set_caller_register("rbp", regs.bp())
            }
            Unwind::Aarch64(u, cache) => {
                let mut regs = framehop::aarch64::UnwindRegsAarch64::new(
                    walker.get_callee_register("lr")?,
                    walker.get_callee_register("sp")?,
                    walker.get_callee_register("fp")?,
                );
                step(u, cache, address, &mut regs, walker)?;
                walker.set_cfa(regs.sp())?;
                walker.set_caller_register("lr", regs.lr())?;
                walker.set_caller_register("fp", regs.fp())
            }
        }
    }
}

/// framehop's frame iterator, for any architecture, up to `max` frames.
fn iter_frames<U: Unwinder>(
    u: &U,
    cache: &Mutex<U::Cache>,
    pc: u64,
    regs: U::UnwindRegs,
    read: &mut dyn FnMut(u64) -> Option<u64>,
    max: usize,
) -> Vec<u64> {
    let mut out = Vec::new();
    let Ok(mut cache) = cache.lock() else { return out };
    let mut read = |addr| read(addr).ok_or(());
    let mut it = u.iter_frames(pc, regs, &mut *cache, &mut read);
    while let Ok(Some(f)) = it.next() {
        out.push(f.address());
        if out.len() >= max {
            break;
        }
    }
    out
}

/// Unwinds one frame of minidump-unwind's walker and gives it the return
/// address; the caller copies the architecture's registers back.
fn step<U: Unwinder>(
    u: &U,
    cache: &Mutex<U::Cache>,
    address: FrameAddress,
    regs: &mut U::UnwindRegs,
    walker: &mut (dyn FrameWalker + Send),
) -> Option<()> {
    let mut cache = cache.lock().ok()?;
    let ra = u
        .unwind_frame(address, regs, &mut cache, &mut |a| {
            walker.get_register_at_address(a).ok_or(())
        })
        .ok()?;
    if let Some(ra) = ra {
        walker.set_ra(ra);
    }
    Some(())
}

#[async_trait::async_trait]
impl SymbolProvider for HostSymbols {
    async fn fill_symbol(
        &self,
        _module: &(dyn Module + Sync),
        frame: &mut (dyn FrameSymbolizer + Send),
    ) -> Result<(), FillSymbolError> {
        let addr = frame.get_instruction();
        let named = self.lookup(addr).ok_or(FillSymbolError {})?;
        let base = named.function_base.unwrap_or(addr);
        frame.set_function(&named.function, base, 0);
        if let Some(line) = &named.line {
            frame.set_source_file(&line.file, line.line, base);
        }
        for (name, line) in &named.inlined {
            frame.add_inline_frame(
                name,
                line.as_ref().map(|l| l.file.as_str()),
                line.as_ref().map(|l| l.line),
            );
        }
        Ok(())
    }

    async fn walk_frame(
        &self,
        module: &(dyn Module + Sync),
        walker: &mut (dyn FrameWalker + Send),
    ) -> Option<()> {
        if !self.has_cfi(module.base_address()) {
            return None;
        }
        self.walk(walker)
    }

    async fn get_file_path(
        &self,
        module: &(dyn Module + Sync),
        file_kind: FileKind,
    ) -> Result<PathBuf, FileError> {
        let m = self.module_at(module.base_address()).ok_or(FileError::NotFound)?;
        let path: Option<&Path> = match file_kind {
            FileKind::Binary => m.found.binary.as_deref(),
            FileKind::ExtraDebugInfo => m.found.debug.as_deref(),
            FileKind::BreakpadSym => None,
        };
        path.map(Path::to_path_buf).ok_or(FileError::NotFound)
    }
}

/// Another provider (Breakpad symbol stores) with the host's files behind
/// it: its CFI first, and its names over the host's when it has them (the
/// user pointed at those stores).
pub struct WithHost<'a, P> {
    pub first: &'a P,
    pub host: &'a HostSymbols,
}

#[async_trait::async_trait]
impl<P: SymbolProvider + Sync> SymbolProvider for WithHost<'_, P> {
    async fn fill_symbol(
        &self,
        module: &(dyn Module + Sync),
        frame: &mut (dyn FrameSymbolizer + Send),
    ) -> Result<(), FillSymbolError> {
        let host = self.host.fill_symbol(module, frame).await;
        let first = self.first.fill_symbol(module, frame).await;
        first.or(host)
    }

    async fn walk_frame(
        &self,
        module: &(dyn Module + Sync),
        walker: &mut (dyn FrameWalker + Send),
    ) -> Option<()> {
        match self.first.walk_frame(module, walker).await {
            Some(()) => Some(()),
            None => self.host.walk_frame(module, walker).await,
        }
    }

    async fn get_file_path(
        &self,
        module: &(dyn Module + Sync),
        file_kind: FileKind,
    ) -> Result<PathBuf, FileError> {
        match self.first.get_file_path(module, file_kind).await {
            Ok(p) => Ok(p),
            Err(_) => self.host.get_file_path(module, file_kind).await,
        }
    }
}
