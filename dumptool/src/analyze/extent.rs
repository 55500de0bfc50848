//! How many bytes a dump's own headers say it has, so that a file cut short
//! (a copy interrupted, a disk that filled while the kernel wrote the core)
//! is named as such, with what is missing. Pure: bytes in.
//!
//! Minidump layout: `MINIDUMP_HEADER`, the stream directory and the
//! `MINIDUMP_MEMORY_DESCRIPTOR`s of the thread and memory lists
//! (minidumpapiset.h, as minidump-common spells it). ELF: the program and
//! section header tables and every segment's `p_offset + p_filesz` (the
//! System V ABI, "Program Header").

use goblin::container::Ctx;
use goblin::elf::program_header::{ProgramHeader, PT_LOAD, PT_NOTE};
use goblin::elf::Elf;
use minidump_common::format::MINIDUMP_STREAM_TYPE as St;

use crate::summary::DumpFormat;
pub use crate::summary::Incomplete;

/// What past the end of `bytes` its headers describe, or `None` when the
/// file is whole (or its headers cannot be read at all).
pub fn incomplete(bytes: &[u8], format: DumpFormat) -> Option<Incomplete> {
    let mut ranges = Vec::new();
    let (at_least, missing) = match format {
        DumpFormat::Minidump => minidump(bytes, &mut ranges)?,
        DumpFormat::ElfCore => elf(bytes, &mut ranges)?,
    };
    let have = bytes.len() as u64;
    let described = ranges.iter().map(|r| r.1).max().unwrap_or(0);
    (described > have && packed(have, ranges)).then_some(Incomplete {
        have,
        described,
        at_least,
        missing,
    })
}

/// The largest hole between the described ranges that a dump cut short can
/// have. Writers (minidump-writer, Breakpad, Crashpad, the kernel, gcore)
/// lay their data out one piece after the other, so the ranges past the
/// end of a cut file follow each other closely; a range far beyond the
/// rest is a damaged or crafted header, not a cut, and is left to the
/// parser to reject.
const MAX_HOLE: u64 = 1 << 20;

/// Whether the ranges past `have` follow on from it with no hole larger
/// than [`MAX_HOLE`].
fn packed(have: u64, mut ranges: Vec<(u64, u64)>) -> bool {
    ranges.retain(|&(start, end)| end > have && end > start);
    ranges.sort_unstable();
    let mut covered = have;
    for (start, end) in ranges {
        if start > covered.saturating_add(MAX_HOLE) {
            return false;
        }
        covered = covered.max(end);
    }
    true
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    let s = b.get(off..off.checked_add(8)?)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(s);
    Some(u64::from_le_bytes(w))
}

fn stream_name(ty: u32) -> String {
    let known = [
        (St::ThreadListStream, "thread list"),
        (St::ModuleListStream, "module list"),
        (St::MemoryListStream, "memory list"),
        (St::Memory64ListStream, "memory list (64-bit)"),
        (St::ExceptionStream, "exception"),
        (St::SystemInfoStream, "system info"),
        (St::MiscInfoStream, "misc info"),
        (St::ThreadNamesStream, "thread names"),
        (St::LinuxCpuInfo, "Linux /proc/cpuinfo"),
        (St::LinuxProcStatus, "Linux /proc/PID/status"),
        (St::LinuxLsbRelease, "Linux lsb-release"),
        (St::LinuxCmdLine, "Linux command line"),
        (St::LinuxEnviron, "Linux environment"),
        (St::LinuxAuxv, "Linux auxv"),
        (St::LinuxMaps, "Linux /proc/PID/maps"),
        (St::LinuxDsoDebug, "Linux DSO debug"),
        (St::MozLinuxLimits, "Linux /proc/PID/limits"),
        // Also written by minidump-writer on Linux.
        (St::MemoryInfoListStream, "memory info list"),
        (St::HandleDataStream, "handle data (open files)"),
        (St::MozSoftErrors, "soft errors"),
    ];
    known
        .iter()
        .find(|(t, _)| *t as u32 == ty)
        .map_or_else(|| format!("stream {ty:#x}"), |(_, n)| format!("the {n} stream"))
}

/// The ranges a minidump's headers describe (pushed to `ranges`), whether
/// part of that description is cut off, and what lies past the end.
fn minidump(b: &[u8], ranges: &mut Vec<(u64, u64)>) -> Option<(bool, Vec<String>)> {
    let len = b.len() as u64;
    let (Some(count), Some(dir)) = (u32_at(b, 8), u32_at(b, 12)) else {
        // Cut inside MINIDUMP_HEADER (32 bytes).
        ranges.push((0, 32));
        return Some((true, vec!["part of the header".to_string()]));
    };
    let (count, dir) = (u64::from(count), u64::from(dir));
    let mut add = |rva: u64, size: u64| {
        ranges.push((rva, rva.saturating_add(size)));
        rva.saturating_add(size) > len
    };
    add(0, 32);
    let mut missing = Vec::new();
    let mut at_least = false;
    if add(dir, count.saturating_mul(12)) {
        missing.push("part of the stream directory".to_string());
        at_least = true;
    }
    let (mut regions, mut cut_regions) = (0u64, 0u64);
    let entries = usize::try_from(count.min(len / 12)).ok()?;
    for i in 0..entries {
        let at = usize::try_from(dir).ok()?.checked_add(i * 12)?;
        let (Some(ty), Some(size), Some(rva)) =
            (u32_at(b, at), u32_at(b, at + 4), u32_at(b, at + 8))
        else {
            break;
        };
        let (rva, size) = (u64::from(rva), u64::from(size));
        let cut = add(rva, size);
        if cut && ty != 0 {
            missing.push(stream_name(ty));
        }
        let s = b.get(usize::try_from(rva).ok()?..).unwrap_or(&[]);
        let s = &s[..s.len().min(usize::try_from(size).ok()?)];
        // Entries that are whole, from a count the stream may not hold.
        let n = |entry: usize| (u32_at(s, 0).unwrap_or(0) as usize).min(s.len() / entry);
        // (entry size, offsets of (size, rva) locations in an entry)
        let (entry, locations): (usize, &[usize]) = match ty {
            t if t == St::ThreadListStream as u32 => (48, &[32, 40]),
            t if t == St::MemoryListStream as u32 => (16, &[8]),
            t if t == St::ModuleListStream as u32 => (108, &[76, 84]),
            t if t == St::Memory64ListStream as u32 => {
                let (Some(count), Some(mut rva)) = (u64_at(s, 0), u64_at(s, 8)) else { continue };
                let whole = usize::try_from(count).unwrap_or(usize::MAX).min(s.len() / 16);
                at_least |= cut;
                for i in 0..whole {
                    let size = u64_at(s, 16 + i * 16 + 8).unwrap_or(0);
                    regions += 1;
                    cut_regions += u64::from(add(rva, size));
                    rva = rva.saturating_add(size);
                }
                continue;
            }
            _ => continue,
        };
        at_least |= cut;
        let memory = ty != St::ModuleListStream as u32;
        for i in 0..n(entry) {
            let e = 4 + i * entry;
            for &loc in locations {
                if let (Some(size), Some(rva)) = (u32_at(s, e + loc), u32_at(s, e + loc + 4)) {
                    let past = add(u64::from(rva), u64::from(size));
                    if memory {
                        regions += 1;
                        cut_regions += u64::from(past);
                    }
                }
            }
            // A module's name: a MINIDUMP_STRING (byte length, UTF-16, NUL).
            if !memory {
                if let Some(name) = u32_at(s, e + 20) {
                    let bytes = b.get(name as usize..).and_then(|n| u32_at(n, 0)).unwrap_or(0);
                    add(u64::from(name), 4 + u64::from(bytes) + 2);
                }
            }
        }
    }
    if cut_regions > 0 {
        missing.push(format!(
            "{cut_regions} of {regions} memory regions (thread stacks and contexts, memory)"
        ));
    }
    Some((at_least, missing))
}

/// As [`minidump`], for an ELF core.
fn elf(b: &[u8], ranges: &mut Vec<(u64, u64)>) -> Option<(bool, Vec<String>)> {
    let len = b.len() as u64;
    // EI_CLASS: the ELF header is 52 bytes for 32-bit files, 64 for 64-bit.
    let header_len = match b.get(4) {
        Some(1) => 52,
        _ => 64,
    };
    if len < header_len {
        ranges.push((0, header_len));
        return Some((true, vec!["part of the ELF header".to_string()]));
    }
    let header = Elf::parse_header(b).ok()?;
    let ctx = Ctx::new(header.container().ok()?, header.endianness().ok()?);
    ranges.push((0, u64::from(header.e_ehsize)));
    let table =
        |at: u64, n: u16, size: u16| (at, at.saturating_add(u64::from(n) * u64::from(size)));
    ranges.push(table(header.e_phoff, header.e_phnum, header.e_phentsize));
    if header.e_shoff != 0 {
        ranges.push(table(header.e_shoff, header.e_shnum, header.e_shentsize));
    }
    let mut missing = Vec::new();
    let phoff = usize::try_from(header.e_phoff).ok()?;
    // The table itself may be cut: read the headers that are whole.
    let whole = usize::from(header.e_phnum)
        .min(b.len().saturating_sub(phoff) / usize::from(header.e_phentsize.max(1)));
    if whole < usize::from(header.e_phnum) {
        missing.push("part of the program header table".to_string());
    }
    let phdrs = ProgramHeader::parse(b, phoff, whole, ctx).ok()?;
    let (mut loads, mut cut_loads) = (0u64, 0u64);
    for ph in phdrs.iter().filter(|ph| ph.p_filesz > 0) {
        let end = ph.p_offset.saturating_add(ph.p_filesz);
        ranges.push((ph.p_offset, end));
        match ph.p_type {
            PT_NOTE if end > len => missing
                .push("part of the notes (threads, registers, signal, mapped files)".to_string()),
            PT_LOAD => {
                loads += 1;
                cut_loads += u64::from(end > len);
            }
            _ => {}
        }
    }
    if cut_loads > 0 {
        missing.push(format!("{cut_loads} of {loads} memory segments"));
    }
    Some((whole < usize::from(header.e_phnum), missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_minidump_writer_writes_have_names() {
        for ty in [St::MemoryInfoListStream, St::HandleDataStream, St::MozSoftErrors] {
            assert!(!stream_name(ty as u32).contains("0x"), "{ty:?}");
        }
        assert_eq!(stream_name(0x1234_5678), "stream 0x12345678");
    }

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/").to_string() + path)
            .expect("testdata")
    }

    #[test]
    fn whole_dumps_are_not_incomplete() {
        for (path, format) in [
            ("minidumps/linux-mini.dmp", DumpFormat::Minidump),
            ("minidumps/test.dmp", DumpFormat::Minidump),
            ("minidumps/simple-crashpad.dmp", DumpFormat::Minidump),
            ("cores/testee-segv.core", DumpFormat::ElfCore),
        ] {
            assert_eq!(incomplete(&fixture(path), format), None, "{path}");
        }
    }

    #[test]
    fn cut_dumps_name_their_size_and_what_is_missing() {
        for (path, format) in [
            ("minidumps/linux-mini.dmp", DumpFormat::Minidump),
            ("cores/testee-segv.core", DumpFormat::ElfCore),
        ] {
            let whole = fixture(path);
            for cut in [whole.len() / 10, whole.len() / 2, whole.len() - 1] {
                let got = incomplete(&whole[..cut], format).expect(path);
                assert_eq!(got.have, cut as u64, "{path} at {cut}");
                if got.at_least {
                    assert!(got.described <= whole.len() as u64, "{path} at {cut}");
                } else {
                    assert_eq!(got.described, whole.len() as u64, "{path} at {cut}");
                }
                assert!(!got.missing.is_empty(), "{path} at {cut}");
                assert!(got.to_string().starts_with("truncated: "), "{got}");
            }
        }
    }

    #[test]
    fn damaged_headers_are_not_a_cut() {
        // Ranges far past the rest (crafted or corrupt headers): the parser's case.
        for name in ["invalid-range.dmp", "fuzz-handle-descriptor-size-0.dmp"] {
            let bytes = fixture(&format!("minidumps/{name}"));
            assert_eq!(incomplete(&bytes, DumpFormat::Minidump), None, "{name}");
        }
        assert!(packed(100, vec![(0, 100), (100, 200), (150, 5000)]));
        assert!(!packed(100, vec![(0, 100), (100 + MAX_HOLE + 1, 200 + MAX_HOLE)]));
    }

    static LINUX_MINI: std::sync::LazyLock<Vec<u8>> =
        std::sync::LazyLock::new(|| fixture("minidumps/linux-mini.dmp"));
    static CORE: std::sync::LazyLock<Vec<u8>> =
        std::sync::LazyLock::new(|| fixture("cores/testee-segv.core"));

    /// Cut anywhere, a real dump is named truncated: what it holds, and a
    /// size its headers describe that is the whole file's, or a lower
    /// bound that says so.
    fn assert_cut(whole: &[u8], format: DumpFormat, cut: usize) {
        let got = incomplete(&whole[..cut], format).expect("named truncated");
        assert_eq!(got.have, cut as u64);
        assert!(got.described > cut as u64 && got.described <= whole.len() as u64, "{got:?}");
        if !got.at_least {
            assert_eq!(got.described, whole.len() as u64, "cut at {cut}: {got:?}");
        }
        assert!(!got.missing.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn every_cut_of_a_minidump_is_named(at in 0.0f64..1.0) {
            let cut = 4 + ((LINUX_MINI.len() - 5) as f64 * at) as usize;
            assert_cut(&LINUX_MINI, DumpFormat::Minidump, cut);
        }

        #[test]
        fn every_cut_of_a_core_is_named(at in 0.0f64..1.0) {
            let cut = 4 + ((CORE.len() - 5) as f64 * at) as usize;
            assert_cut(&CORE, DumpFormat::ElfCore, cut);
        }
    }

    #[test]
    fn message_groups_thousands() {
        let i = Incomplete {
            have: 12_582_912,
            described: 25_608_192,
            at_least: false,
            missing: Vec::new(),
        };
        assert_eq!(
            i.to_string(),
            "truncated: 12,582,912 of the 25,608,192 bytes its headers describe"
        );
    }
}
