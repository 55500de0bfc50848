//! Big core files read in pieces. A core holds the process's whole memory:
//! reading it all to analyze it took as much RAM as the core's size (on a
//! database host, the OOM killer's attention). [`extract`] reads the ELF
//! header, program headers, notes and only the memory ranges asked for, and
//! lays them out as a core file of their own, which the analysis reads as
//! it reads any core. Layout: the System V ABI, "ELF Header" and "Program
//! Header"; little-endian only (x86, x86_64, aarch64).

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

use goblin::elf::program_header::{PT_LOAD, PT_NOTE};

use crate::analyze::{self, Options};
use crate::summary::Summary;

/// Notes larger than this are read with the rest of the core.
const MAX_NOTES: u64 = 64 << 20;
/// Memory larger than this is read with the rest of the core.
const MAX_KEPT: u64 = 1 << 30;
/// How much of each thread's stack is kept, from its stack pointer up
/// (stacks grow down; 8 MiB is the usual `ulimit -s`).
const STACK_KEPT: u64 = 8 << 20;
/// Below the stack pointer: the red zone and what a leaf function keeps there.
const BELOW_SP: u64 = 4096;
/// Each mapped file's first page: its ELF header and build id.
const FIRST_PAGE: u64 = 4096;

/// Field offsets of a 64- or 32-bit ELF header and program header.
struct Layout {
    e_phoff: usize,
    e_shoff: usize,
    e_phentsize: usize,
    e_phnum: usize,
    e_shentsize: usize,
    e_shnum: usize,
    e_shstrndx: usize,
    ehsize: usize,
    phsize: usize,
    p_offset: usize,
    p_vaddr: usize,
    p_paddr: usize,
    p_filesz: usize,
    p_memsz: usize,
    word: usize,
}

const WIDE: Layout = Layout {
    e_phoff: 0x20,
    e_shoff: 0x28,
    e_phentsize: 0x36,
    e_phnum: 0x38,
    e_shentsize: 0x3a,
    e_shnum: 0x3c,
    e_shstrndx: 0x3e,
    ehsize: 64,
    phsize: 56,
    p_offset: 8,
    p_vaddr: 16,
    p_paddr: 24,
    p_filesz: 32,
    p_memsz: 40,
    word: 8,
};

const NARROW: Layout = Layout {
    e_phoff: 0x1c,
    e_shoff: 0x20,
    e_phentsize: 0x2a,
    e_phnum: 0x2c,
    e_shentsize: 0x2e,
    e_shnum: 0x30,
    e_shstrndx: 0x32,
    ehsize: 52,
    phsize: 32,
    p_offset: 4,
    p_vaddr: 8,
    p_paddr: 12,
    p_filesz: 16,
    p_memsz: 20,
    word: 4,
};

impl Layout {
    fn get(&self, b: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w[..self.word].copy_from_slice(&b[at..at + self.word]);
        u64::from_le_bytes(w)
    }

    fn set(&self, b: &mut [u8], at: usize, v: u64) {
        b[at..at + self.word].copy_from_slice(&v.to_le_bytes()[..self.word]);
    }
}

fn half(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

/// Reads `buf.len()` bytes at `at`; `false` when the file ends first.
fn read_at(f: &mut fs::File, at: u64, buf: &mut [u8]) -> io::Result<bool> {
    f.seek(SeekFrom::Start(at))?;
    match f.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The core at `path` (`len` bytes) as a core file of its own holding its
/// notes and, of its memory, only what lies in `keep` (virtual addresses).
/// `None` where this does not apply: not a little-endian ELF, a core cut
/// short (the whole read names what is missing), PN_XNUM program headers,
/// notes over [`MAX_NOTES`] or kept memory over [`MAX_KEPT`].
pub fn extract(path: &Path, len: u64, keep: &[Range<u64>]) -> io::Result<Option<Vec<u8>>> {
    let mut f = fs::File::open(path)?;
    let mut ehdr = [0u8; 64];
    if !read_at(&mut f, 0, &mut ehdr)? || !ehdr.starts_with(b"\x7fELF") || ehdr[5] != 1 {
        return Ok(None);
    }
    let l = match ehdr[4] {
        1 => &NARROW,
        2 => &WIDE,
        _ => return Ok(None),
    };
    let (phoff, shoff, phnum) =
        (l.get(&ehdr, l.e_phoff), l.get(&ehdr, l.e_shoff), half(&ehdr, l.e_phnum));
    if half(&ehdr, l.e_phentsize) != l.phsize as u64 || phnum == 0 || phnum == 0xffff {
        return Ok(None);
    }
    let sh_size = half(&ehdr, l.e_shentsize) * half(&ehdr, l.e_shnum);
    let mut phdrs = vec![0u8; l.phsize * phnum as usize];
    let within = |at: u64, size: u64| at.checked_add(size).is_some_and(|end| end <= len);
    if !within(shoff, sh_size)
        || !within(phoff, phdrs.len() as u64)
        || !read_at(&mut f, phoff, &mut phdrs)?
    {
        return Ok(None);
    }
    // What to copy: (program header, where its bytes are in the core).
    let mut pieces: Vec<(Vec<u8>, u64)> = Vec::new();
    let (mut notes, mut kept) = (0, 0);
    for ph in phdrs.chunks_exact(l.phsize) {
        let (offset, vaddr, size) =
            (l.get(ph, l.p_offset), l.get(ph, l.p_vaddr), l.get(ph, l.p_filesz));
        if !within(offset, size) {
            return Ok(None);
        }
        match u32::from_le_bytes([ph[0], ph[1], ph[2], ph[3]]) {
            PT_NOTE => {
                notes += size;
                pieces.push((ph.to_vec(), offset));
            }
            PT_LOAD => {
                for r in keep {
                    let (start, end) = (r.start.max(vaddr), r.end.min(vaddr.saturating_add(size)));
                    if start < end {
                        let mut part = ph.to_vec();
                        for at in [l.p_vaddr, l.p_paddr] {
                            l.set(&mut part, at, start);
                        }
                        for at in [l.p_filesz, l.p_memsz] {
                            l.set(&mut part, at, end - start);
                        }
                        kept += end - start;
                        pieces.push((part, offset + (start - vaddr)));
                    }
                }
            }
            _ => {}
        }
    }
    if notes > MAX_NOTES || kept > MAX_KEPT {
        return Ok(None);
    }
    // ELF header, program headers, then each piece's bytes; no sections.
    let mut out = ehdr[..l.ehsize].to_vec();
    l.set(&mut out, l.e_phoff, l.ehsize as u64);
    l.set(&mut out, l.e_shoff, 0);
    for (at, v) in [(l.e_phnum, pieces.len()), (l.e_shnum, 0), (l.e_shstrndx, 0)] {
        out[at..at + 2].copy_from_slice(&(v as u16).to_le_bytes());
    }
    let mut at = (l.ehsize + l.phsize * pieces.len()) as u64;
    for (ph, _) in &mut pieces {
        l.set(ph, l.p_offset, at);
        at += l.get(ph, l.p_filesz);
    }
    for (ph, _) in &pieces {
        out.extend_from_slice(ph);
    }
    for (ph, from) in &pieces {
        let mut data = vec![0u8; l.get(ph, l.p_filesz) as usize];
        if !read_at(&mut f, *from, &mut data)? {
            return Ok(None);
        }
        out.extend_from_slice(&data);
    }
    Ok(Some(out))
}

/// What the analysis of a core reads of its memory, from a first look at
/// its notes: each thread's stack from its stack pointer up, and each
/// mapped file's first page.
pub fn wanted(summary: &Summary) -> Vec<Range<u64>> {
    let sp = |t: &crate::summary::Thread| {
        t.registers
            .iter()
            .find(|r| matches!(r.name.as_str(), "rsp" | "sp" | "esp"))
            .map(|r| r.value.0)
    };
    let stacks = summary
        .threads
        .iter()
        .filter_map(sp)
        .map(|sp| sp.saturating_sub(BELOW_SP)..sp.saturating_add(STACK_KEPT));
    let pages = summary.modules.iter().map(|m| m.base.0..m.base.0.saturating_add(FIRST_PAGE));
    stacks.chain(pages).collect()
}

/// The core at `path` with only the memory its analysis reads, or `None`
/// to read it whole (see [`extract`]).
pub fn slim(path: &Path, len: u64) -> io::Result<Option<Vec<u8>>> {
    let Some(skeleton) = extract(path, len, &[])? else { return Ok(None) };
    // The first look needs no symbols: host files are left alone.
    let Ok(first) = analyze::analyze(&skeleton, &Options::default()) else { return Ok(None) };
    extract(path, len, &wanted(&first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/cores/testee-segv.core")
    }

    /// The notes alone tell what the whole core tells of process, signal
    /// and threads; a cut core gets nothing (the whole read names the cut).
    #[test]
    fn a_skeleton_holds_the_notes() {
        let whole = fs::read(fixture()).unwrap();
        let skeleton = extract(&fixture(), whole.len() as u64, &[]).unwrap().expect("a skeleton");
        assert!(skeleton.len() < whole.len(), "{} of {}", skeleton.len(), whole.len());
        let options = Options::default();
        let a = analyze::analyze(&whole, &options).unwrap();
        let b = analyze::analyze(&skeleton, &options).unwrap();
        assert_eq!(b.process.name, a.process.name);
        assert_eq!(b.process.pid, a.process.pid);
        assert_eq!(b.crash.map(|c| c.reason), a.crash.map(|c| c.reason));
        assert_eq!(b.threads.len(), a.threads.len());
        assert!(b.incomplete.is_none());

        let dir = tempfile::tempdir().unwrap();
        let cut = dir.path().join("cut.core");
        fs::write(&cut, &whole[..whole.len() - 100]).unwrap();
        assert_eq!(extract(&cut, whole.len() as u64 - 100, &[]).unwrap(), None);
    }
}
