//! Big core files read in pieces. A core holds the process's whole memory:
//! reading it all to analyze it took as much RAM as the core's size (on a
//! database host, the OOM killer's attention). [`extract`] reads the ELF
//! header, program headers, notes and only the memory ranges asked for, and
//! lays them out as a core file of their own, which the analysis reads as
//! it reads any core. The headers are read and written with goblin (the
//! System V ABI's "ELF Header" and "Program Header").

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

use goblin::container::Ctx;
use goblin::elf::header::{self, Header};
use goblin::elf::program_header::{ProgramHeader, PT_LOAD, PT_NOTE};
use scroll::ctx::IntoCtx;
use scroll::{Pread, Pwrite};

use crate::analyze::{self, Options};
use crate::summary::Summary;

/// `e_phnum` saying the count is in section 0 (gABI, "ELF Header"); goblin
/// has no name for it.
const PN_XNUM: u16 = 0xffff;
/// Notes larger than this are read with the rest of the core.
const MAX_NOTES: u64 = 64 << 20;
/// Memory larger than this is read with the rest of the core.
#[cfg(not(fuzzing))]
const MAX_KEPT: u64 = 1 << 30;
/// Under `cargo fuzz`: within libFuzzer's memory limit (see
/// `crashstore::MAX_UNPACKED`).
#[cfg(fuzzing)]
const MAX_KEPT: u64 = 64 << 20;
/// The most of each thread's stack kept, from its stack pointer up
/// (stacks grow down; 8 MiB is the usual `ulimit -s`).
const STACK_KEPT: u64 = 8 << 20;
/// Below the stack pointer: the red zone and what a leaf function keeps there.
const BELOW_SP: u64 = 4096;
/// Each mapped file's first page: its ELF header and build id.
const FIRST_PAGE: u64 = 4096;

/// Reads `buf.len()` bytes at `at`; `false` when the file ends first.
fn read_at(f: &mut (impl Read + Seek), at: u64, buf: &mut [u8]) -> io::Result<bool> {
    f.seek(SeekFrom::Start(at))?;
    match f.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The core at `path` (`len` bytes) as a core file of its own holding its
/// notes and, of its memory, only what lies in `keep` (virtual addresses).
/// `None` where this does not apply: not an ELF file, a core cut short (the
/// whole read names what is missing), PN_XNUM program headers, notes over
/// [`MAX_NOTES`] or kept memory over [`MAX_KEPT`].
pub fn extract(path: &Path, len: u64, keep: &[Range<u64>]) -> io::Result<Option<Vec<u8>>> {
    extract_from(&mut fs::File::open(path)?, len, keep)
}

/// The ELF header of the core in `f`, its layout and its program headers;
/// `None` where [`extract`] does not apply (not ELF, PN_XNUM, cut short in
/// its headers).
fn headers(f: &mut (impl Read + Seek)) -> io::Result<Option<(Header, Ctx, Vec<ProgramHeader>)>> {
    let mut ident = [0u8; header::header64::SIZEOF_EHDR];
    if !read_at(f, 0, &mut ident)? {
        return Ok(None);
    }
    let Ok(ehdr) = ident.pread::<Header>(0) else { return Ok(None) };
    let (Ok(container), Ok(le)) = (ehdr.container(), ehdr.endianness()) else {
        return Ok(None);
    };
    let ctx = Ctx::new(container, le);
    let phsize = ProgramHeader::size(ctx);
    let phnum = usize::from(ehdr.e_phnum);
    if usize::from(ehdr.e_phentsize) != phsize || phnum == 0 || ehdr.e_phnum == PN_XNUM {
        return Ok(None);
    }
    let mut table = vec![0u8; phsize * phnum];
    if !read_at(f, ehdr.e_phoff, &mut table)? {
        return Ok(None);
    }
    let Ok(phdrs) = ProgramHeader::parse(&table, 0, phnum, ctx) else { return Ok(None) };
    Ok(Some((ehdr, ctx, phdrs)))
}

/// Whether a file of `len` bytes holds all that its headers describe: a
/// core cut short is read whole, and the analysis names what is missing.
fn complete(ehdr: &Header, phdrs: &[ProgramHeader], len: u64) -> bool {
    let within = |at: u64, size: u64| at.checked_add(size).is_some_and(|end| end <= len);
    within(ehdr.e_shoff, u64::from(ehdr.e_shentsize) * u64::from(ehdr.e_shnum))
        && phdrs.iter().all(|ph| within(ph.p_offset, ph.p_filesz))
}

/// A program header of the slim core and where its bytes are in the source.
type Piece = (ProgramHeader, u64);

/// The core file [`extract`] lays out: its ELF header and program headers,
/// and for each program header where its bytes are in the source core.
/// `None` over [`MAX_NOTES`] or [`MAX_KEPT`], or with too many pieces.
fn layout(
    ehdr: &Header,
    ctx: Ctx,
    phdrs: &[ProgramHeader],
    keep: &[Range<u64>],
) -> Option<(Vec<u8>, Vec<Piece>)> {
    let keep = crate::ranges::merged(keep.iter().cloned());
    let mut pieces: Vec<Piece> = Vec::new();
    let (mut notes, mut kept) = (0, 0);
    for ph in phdrs {
        let (offset, vaddr, size) = (ph.p_offset, ph.p_vaddr, ph.p_filesz);
        match ph.p_type {
            PT_NOTE => {
                notes += size;
                pieces.push((ph.clone(), offset));
            }
            PT_LOAD => {
                for r in &keep {
                    let (start, end) = (r.start.max(vaddr), r.end.min(vaddr.saturating_add(size)));
                    if start < end {
                        let part = ProgramHeader {
                            p_vaddr: start,
                            p_filesz: end - start,
                            p_memsz: end - start,
                            ..ph.clone()
                        };
                        kept += end - start;
                        pieces.push((part, offset + (start - vaddr)));
                    }
                }
            }
            _ => {}
        }
    }
    if notes > MAX_NOTES || kept > MAX_KEPT {
        return None;
    }
    // ELF header, program headers, then each piece's bytes; no sections.
    let (ehsize, phsize) = (Header::size(ctx), ProgramHeader::size(ctx));
    // PN_XNUM and above would need the count in a section header.
    let count = u16::try_from(pieces.len()).ok().filter(|&n| n < PN_XNUM)?;
    let out_header = Header {
        e_phoff: ehsize as u64,
        e_ehsize: ehsize as u16,
        e_phnum: count,
        e_shoff: 0,
        e_shnum: 0,
        e_shstrndx: 0,
        ..*ehdr
    };
    let mut at = (ehsize + phsize * pieces.len()) as u64;
    for (ph, _) in &mut pieces {
        ph.p_offset = at;
        at += ph.p_filesz;
    }
    // In the core's own byte order (`ctx`), the buffer sized for them.
    let mut out = vec![0u8; ehsize + phsize * pieces.len()];
    out_header.into_ctx(&mut out[..ehsize], ctx);
    for (i, (ph, _)) in pieces.iter().enumerate() {
        out.pwrite_with(ph.clone(), ehsize + i * phsize, ctx).ok()?;
    }
    Some((out, pieces))
}

/// [`extract`] of a core read from `f`, `len` bytes long.
pub fn extract_from(
    f: &mut (impl Read + Seek),
    len: u64,
    keep: &[Range<u64>],
) -> io::Result<Option<Vec<u8>>> {
    let Some((ehdr, ctx, phdrs)) = headers(f)? else { return Ok(None) };
    if !complete(&ehdr, &phdrs, len) {
        return Ok(None);
    }
    let Some(laid_out) = layout(&ehdr, ctx, &phdrs, keep) else { return Ok(None) };
    read_pieces(f, laid_out)
}

/// The headers [`layout`] wrote, followed by each piece's bytes from `f`.
fn read_pieces(
    f: &mut (impl Read + Seek),
    (mut out, pieces): (Vec<u8>, Vec<Piece>),
) -> io::Result<Option<Vec<u8>>> {
    for (ph, from) in &pieces {
        let mut data = vec![0u8; ph.p_filesz as usize];
        if !read_at(f, *from, &mut data)? {
            return Ok(None);
        }
        out.extend_from_slice(&data);
    }
    Ok(Some(out))
}

/// What the analysis of a core reads of its memory, from a first look at
/// its notes and the memory it maps (`mapped`, virtual address ranges):
/// each thread's stack from its stack pointer up to the end of the mapping
/// that holds it (stacks grow down, so the rest of the mapping is unused),
/// and each mapped file's first page.
pub fn wanted(summary: &Summary, mapped: &[Range<u64>]) -> Vec<Range<u64>> {
    let sp = |t: &crate::summary::Thread| {
        t.registers
            .iter()
            .find(|r| matches!(r.name.as_str(), "rsp" | "sp" | "esp"))
            .map(|r| r.value.0)
    };
    let top = |sp: u64| {
        let most = sp.saturating_add(STACK_KEPT);
        mapped.iter().find(|m| m.contains(&sp)).map_or(most, |m| m.end.min(most))
    };
    let stacks =
        summary.threads.iter().filter_map(sp).map(|sp| sp.saturating_sub(BELOW_SP)..top(sp));
    let pages = summary.modules.iter().map(|m| m.base.0..m.base.0.saturating_add(FIRST_PAGE));
    stacks.chain(pages).collect()
}

/// The virtual address ranges a core's PT_LOADs map.
fn mapped(phdrs: &[ProgramHeader]) -> Vec<Range<u64>> {
    phdrs
        .iter()
        .filter(|ph| ph.p_type == PT_LOAD)
        .map(|ph| ph.p_vaddr..ph.p_vaddr.saturating_add(ph.p_memsz))
        .collect()
}

/// The core at `path` with only the memory its analysis reads, or `None`
/// to read it whole (see [`extract`]).
pub fn slim(path: &Path, len: u64) -> io::Result<Option<Vec<u8>>> {
    slim_from(&mut fs::File::open(path)?, len)
}

/// [`slim`] of a core read from `f`, `len` bytes long.
pub fn slim_from(f: &mut (impl Read + Seek), len: u64) -> io::Result<Option<Vec<u8>>> {
    let Some((ehdr, ctx, phdrs)) = headers(f)? else { return Ok(None) };
    if !complete(&ehdr, &phdrs, len) {
        return Ok(None);
    }
    let Some(skeleton) = layout(&ehdr, ctx, &phdrs, &[]) else { return Ok(None) };
    let Some(skeleton) = read_pieces(f, skeleton)? else { return Ok(None) };
    let Some(slim) = slim_layout(&ehdr, ctx, &phdrs, &skeleton) else { return Ok(None) };
    read_pieces(f, slim)
}

/// The slim core's layout, from a first look at the core's skeleton (its
/// headers and notes, [`layout`] with nothing kept).
fn slim_layout(
    ehdr: &Header,
    ctx: Ctx,
    phdrs: &[ProgramHeader],
    skeleton: &[u8],
) -> Option<(Vec<u8>, Vec<Piece>)> {
    // The first look needs no symbols: host files are left alone.
    let first = analyze::analyze(skeleton, &Options::default()).ok()?;
    layout(ehdr, ctx, phdrs, &wanted(&first, &mapped(phdrs)))
}

/// The largest core a [`Slimmer`] streams: twice systemd-coredump's own
/// limit on 64-bit (`ProcessSizeMax=32G`, coredump.conf(5)). A core that
/// says it is larger is read the whole way, which refuses it past
/// `crashstore::MAX_UNPACKED`: a small file that unpacks to zeros without
/// end costs no more than that.
#[cfg(not(fuzzing))]
const MAX_STREAMED: u64 = 64 << 30;
/// Under `cargo fuzz`: a bomb that unpacks to zeros stops in a second.
#[cfg(fuzzing)]
const MAX_STREAMED: u64 = 256 << 20;

/// The most of a core's start (headers and notes) a [`Slimmer`] holds
/// before it gives up: [`MAX_NOTES`] and room for the headers.
const MAX_HEAD: u64 = MAX_NOTES + (1 << 20);

/// [`slim`] of a core that arrives as a stream, e.g. out of a decompressor:
/// written to in file order, it keeps the headers and notes, then only the
/// memory the analysis reads, never the whole core. [`Slimmer::finish`]
/// gives the slim core, or `None` where this does not apply (not an ELF
/// core, a core cut short): the caller then reads the core whole. Once
/// that is known, or once the whole core is in, a write fails, which stops
/// the decompressor early. Where the notes come after the memory (gdb's
/// gcore writes them last, the kernel first), a first pass keeps the notes
/// alone, and `finish` gives a second slimmer for the core streamed again.
#[derive(Default)]
pub struct Slimmer {
    /// Bytes written so far: the file offset of the next one.
    received: u64,
    /// The core's first bytes, until its headers and notes are in.
    head: Vec<u8>,
    body: Option<Body>,
    declined: bool,
}

/// What [`Slimmer::finish`] gives.
pub enum Slimmed {
    /// The slim core.
    Core(Vec<u8>),
    /// The notes came last: stream the core once more into this slimmer,
    /// which keeps what the analysis of those notes reads.
    Again(Slimmer),
}

struct Body {
    ehdr: Header,
    ctx: Ctx,
    phdrs: Vec<ProgramHeader>,
    /// The pieces are the notes alone: a first pass over a notes-last core.
    notes_only: bool,
    /// Where the last byte the headers describe ends: nothing after it is read.
    end: u64,
    /// The slim core's headers.
    out: Vec<u8>,
    /// Each piece's offset in the source and its bytes, in the slim core's order.
    pieces: Vec<(u64, Vec<u8>)>,
    /// The pieces' indexes, by their offset in the source.
    by_offset: Vec<usize>,
    /// The longest piece's length.
    longest: u64,
}

impl Slimmer {
    /// Once the headers and notes are in: the pieces to keep. `None` to
    /// wait for more, `Some(None)` to decline.
    fn plan(&self) -> Option<Option<Body>> {
        let mut head = io::Cursor::new(&self.head);
        let (ehdr, ctx, phdrs) = match headers(&mut head) {
            Ok(Some(h)) => h,
            // The headers are not all in yet, or are not a core's.
            Ok(None) if self.head.len() < header::header64::SIZEOF_EHDR => return None,
            Ok(None) | Err(_) => {
                let table = self.head.pread::<Header>(0).ok().map(|h| {
                    h.e_phoff.saturating_add(u64::from(h.e_phentsize) * u64::from(h.e_phnum))
                });
                return match table {
                    Some(end) if end > self.head.len() as u64 && end <= MAX_HEAD => None,
                    _ => Some(None),
                };
            }
        };
        let notes_end = phdrs
            .iter()
            .filter(|ph| ph.p_type == PT_NOTE)
            .map(|ph| ph.p_offset.saturating_add(ph.p_filesz))
            .max()
            .unwrap_or(0);
        let memory_start = phdrs
            .iter()
            .filter(|ph| ph.p_type == PT_LOAD && ph.p_filesz > 0)
            .map(|ph| ph.p_offset)
            .min()
            .unwrap_or(u64::MAX);
        let end = phdrs
            .iter()
            .map(|ph| ph.p_offset.saturating_add(ph.p_filesz))
            .chain([ehdr
                .e_shoff
                .saturating_add(u64::from(ehdr.e_shentsize) * u64::from(ehdr.e_shnum))])
            .max()
            .unwrap_or(0);
        if end > MAX_STREAMED {
            return Some(None);
        }
        if notes_end > memory_start {
            // The notes come last: this pass keeps them alone.
            let Some(notes) = layout(&ehdr, ctx, &phdrs, &[]) else { return Some(None) };
            return Some(Some(Body::new(ehdr, ctx, phdrs, end, notes, true)));
        }
        if notes_end > MAX_HEAD {
            return Some(None);
        }
        if (self.head.len() as u64) < notes_end {
            return None;
        }
        let Some((mut skeleton, notes)) = layout(&ehdr, ctx, &phdrs, &[]) else {
            return Some(None);
        };
        for (ph, from) in &notes {
            skeleton.extend_from_slice(&self.head[*from as usize..][..ph.p_filesz as usize]);
        }
        let slim = slim_layout(&ehdr, ctx, &phdrs, &skeleton);
        Some(slim.map(|slim| Body::new(ehdr, ctx, phdrs, end, slim, false)))
    }

    /// Copies what the pieces hold of `bytes`, which start at `at`.
    fn keep(body: &mut Body, at: u64, bytes: &[u8]) {
        let end = at + bytes.len() as u64;
        let pieces = &mut body.pieces;
        // No piece starting `longest` or more before `at` reaches it.
        let longest = body.longest;
        let first = body.by_offset.partition_point(|&i| pieces[i].0 + longest <= at);
        for &i in &body.by_offset[first..] {
            let (from, data) = &mut pieces[i];
            if *from >= end {
                break;
            }
            let (start, stop) = ((*from).max(at), (*from + data.len() as u64).min(end));
            if start < stop {
                data[(start - *from) as usize..(stop - *from) as usize]
                    .copy_from_slice(&bytes[(start - at) as usize..(stop - at) as usize]);
            }
        }
    }

    /// The slim core (or, after a first pass over a notes-last core, the
    /// slimmer for the second), when the whole core came in and this applied.
    pub fn finish(self) -> Option<Slimmed> {
        let body = self.body.filter(|_| !self.declined)?;
        if !complete(&body.ehdr, &body.phdrs, self.received) {
            return None;
        }
        let mut out = body.out;
        for (_, data) in body.pieces {
            out.extend_from_slice(&data);
        }
        if !body.notes_only {
            return Some(Slimmed::Core(out));
        }
        // `out` is the core's skeleton: its headers and notes.
        let slim = slim_layout(&body.ehdr, body.ctx, &body.phdrs, &out)?;
        let body = Body::new(body.ehdr, body.ctx, body.phdrs, body.end, slim, false);
        Some(Slimmed::Again(Slimmer { body: Some(body), ..Slimmer::default() }))
    }
}

impl Body {
    /// The pieces of `layout` to fill from the stream; `notes_only` for a
    /// first pass that keeps the notes alone.
    fn new(
        ehdr: Header,
        ctx: Ctx,
        phdrs: Vec<ProgramHeader>,
        end: u64,
        (out, pieces): (Vec<u8>, Vec<Piece>),
        notes_only: bool,
    ) -> Body {
        let pieces: Vec<_> =
            pieces.into_iter().map(|(ph, from)| (from, vec![0u8; ph.p_filesz as usize])).collect();
        // In offset order, a write finds its pieces by binary search.
        let mut by_offset: Vec<usize> = (0..pieces.len()).collect();
        by_offset.sort_by_key(|&i| pieces[i].0);
        let longest = pieces.iter().map(|(_, d)| d.len() as u64).max().unwrap_or(0);
        Body { ehdr, ctx, phdrs, notes_only, end, out, pieces, by_offset, longest }
    }
}

impl io::Write for Slimmer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.declined {
            return Err(io::Error::other("not a core laid out to be read in pieces"));
        }
        let at = self.received;
        if let Some(body) = &mut self.body {
            // All the core is in: what follows is not read (a failed write
            // stops the decompressor; `finish` still gives the core).
            if at >= body.end {
                return Err(io::Error::other("the core is complete"));
            }
            self.received += buf.len() as u64;
            Self::keep(body, at, buf);
            return Ok(buf.len());
        }
        self.received += buf.len() as u64;
        self.head.extend_from_slice(buf);
        // `plan` waits only for bytes before MAX_HEAD: the head stays under it.
        match self.plan() {
            None => {}
            Some(None) => self.declined = true,
            Some(Some(mut body)) => {
                let head = std::mem::take(&mut self.head);
                Self::keep(&mut body, 0, &head);
                self.body = Some(body);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How much of a pipe [`slim_piped`] keeps as it came, for the dumps it
/// cannot slim: all the slimmer may decline, and a core cut short or with
/// its notes last up to this size.
pub const PIPE_KEPT: usize = 80 << 20;
const _: () = assert!(PIPE_KEPT as u64 > MAX_HEAD + (1 << 20));

/// What [`slim_piped`] read.
#[derive(Debug, PartialEq, Eq)]
pub enum Piped {
    /// A core, with only the memory its analysis reads.
    Slim(Vec<u8>),
    /// All of the input: no core, or a core that could not be slimmed and
    /// was small enough to keep whole as it went by.
    Whole(Vec<u8>),
    /// A core larger than what was kept whole, that one pass could not
    /// slim: its notes come after its memory, or it was cut short. `read`
    /// bytes of it went by.
    NotOnePass { read: u64 },
}

/// A core read once from a pipe (`coredumpctl dump PID | dumptool analyze
/// -`), kept only as far as its analysis reads it, as a core file is: a
/// pipe cannot be read twice, so up to `keep_whole` bytes are also kept
/// as they came ([`Kept`]), for whatever the slimmer declines (anything but
/// a core, notes over [`MAX_NOTES`]; it declines within [`MAX_HEAD`]) or
/// cannot finish (a core cut short, notes last).
pub fn slim_piped(input: impl Read, keep_whole: usize) -> io::Result<Piped> {
    let mut kept = Kept::new(input, keep_whole);
    match slim_stream(&mut kept)? {
        Some(core) => Ok(Piped::Slim(core)),
        None => kept.whole(),
    }
}

/// The slim core of `input` read once, when it is a core that one pass
/// slims; it is read only until the slimmer has all it needs or declines.
pub fn slim_stream(mut input: impl Read) -> io::Result<Option<Vec<u8>>> {
    use io::Write as _;
    let mut buf = vec![0u8; 1 << 20];
    let mut slimmer = Slimmer::default();
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // A failed write: the core is in, or the slimmer declined it.
        if slimmer.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    match slimmer.finish() {
        Some(Slimmed::Core(core)) => Ok(Some(core)),
        _ => Ok(None),
    }
}

/// A reader of a pipe that keeps what it gives, up to `cap` bytes, so that
/// the input can still be read whole after a reader stopped in it.
pub struct Kept<R> {
    input: R,
    /// All that was read, while it fits.
    kept: Option<Vec<u8>>,
    cap: usize,
    read: u64,
}

impl<R: Read> Kept<R> {
    pub fn new(input: R, cap: usize) -> Self {
        // Reserved at once: pages are taken only as they are written, and a
        // Vec grown by doubling would hold half as much again.
        Kept { input, kept: Some(Vec::with_capacity(cap)), cap, read: 0 }
    }

    /// The whole input: what was kept and the rest; or how much went by,
    /// when that was more than could be kept.
    pub fn whole(mut self) -> io::Result<Piped> {
        match self.kept.take() {
            Some(mut whole) => {
                self.input.read_to_end(&mut whole)?;
                Ok(Piped::Whole(whole))
            }
            None => Ok(Piped::NotOnePass { read: self.read }),
        }
    }
}

impl<R: Read> Read for Kept<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(out)?;
        self.read += n as u64;
        let cap = self.cap;
        self.kept = self.kept.take().filter(|k| k.len() + n <= cap).map(|mut k| {
            k.extend_from_slice(&out[..n]);
            k
        });
        Ok(n)
    }
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

    /// A stack is kept from just below its pointer to the end of the
    /// mapping that holds it, at most [`STACK_KEPT`]; with no mapping
    /// known, [`STACK_KEPT`].
    #[test]
    fn a_stack_is_kept_from_its_pointer_to_the_end_of_its_mapping() {
        use crate::summary::{Hex, Register};
        let whole = fs::read(fixture()).unwrap();
        let mut summary = analyze::analyze(&whole, &Options::default()).unwrap();
        summary.modules.clear();
        let thread = summary.threads[0].clone();
        let at = |sp: u64| crate::summary::Thread {
            registers: vec![Register { name: "rsp".into(), value: Hex(sp) }],
            ..thread.clone()
        };
        let big = 0x4000_0000..0x4000_0000 + 2 * STACK_KEPT;
        summary.threads = vec![at(0x10_8000), at(0x20_0000 - 16), at(0x90_0000), at(big.start)];
        let mapped = [0x10_0000..0x10_c000, 0x1f_0000..0x20_0000, big.clone()];
        assert_eq!(
            wanted(&summary, &mapped),
            vec![
                0x10_8000 - BELOW_SP..0x10_c000,
                0x20_0000 - 16 - BELOW_SP..0x20_0000,
                0x90_0000 - BELOW_SP..0x90_0000 + STACK_KEPT,
                big.start - BELOW_SP..big.start + STACK_KEPT,
            ]
        );
    }

    /// What a core maps is its PT_LOADs' whole memory, with or without
    /// bytes in the file (a kernel core leaves out what it cannot read).
    #[test]
    fn the_mapped_memory_is_every_load_in_full() {
        let load = |vaddr, memsz, filesz| ProgramHeader {
            p_type: PT_LOAD,
            p_vaddr: vaddr,
            p_memsz: memsz,
            p_filesz: filesz,
            ..ProgramHeader::default()
        };
        let note = ProgramHeader { p_type: PT_NOTE, p_filesz: 100, ..ProgramHeader::default() };
        let phdrs = [note, load(0x1000, 0x2000, 0), load(0x8000, 0x1000, 0x1000)];
        assert_eq!(mapped(&phdrs), vec![0x1000..0x3000, 0x8000..0x9000]);
    }

    /// Written in pieces of any size, a core comes out of the slimmer as
    /// [`slim`] reads it from its file; cut short, it does not come out.
    #[test]
    fn a_streamed_core_slims_as_the_file_does() {
        use std::io::Write;
        let whole = fs::read(fixture()).unwrap();
        let want = slim(&fixture(), whole.len() as u64).unwrap().expect("a slim core");
        for chunk in [1, 7, 4096, 65536, whole.len()] {
            let mut s = Slimmer::default();
            for piece in whole.chunks(chunk) {
                s.write_all(piece).unwrap();
            }
            assert!(core(s.finish()) == Some(want.clone()), "in pieces of {chunk}");
        }
        let mut cut = Slimmer::default();
        cut.write_all(&whole[..whole.len() - 1]).unwrap();
        assert!(cut.finish().is_none());
    }

    /// Once the core is in, what follows is not read: the stream stops
    /// there and the core is given. A core that says it is larger than any
    /// store keeps is refused at its headers, not streamed to its end.
    #[test]
    fn a_stream_stops_at_the_cores_end_and_at_its_limit() {
        use std::io::Write;
        let whole = fs::read(fixture()).unwrap();
        let want = slim(&fixture(), whole.len() as u64).unwrap().unwrap();
        let mut s = Slimmer::default();
        s.write_all(&whole).unwrap();
        assert!(s.write_all(b"trailing bytes").is_err());
        assert!(core(s.finish()) == Some(want));

        // A core ending at `end`: its program headers come last here.
        let ending_at = |end: u64| {
            edited(|h, p, bytes| {
                let table = bytes.len().next_multiple_of(8);
                bytes.resize(table, 0);
                h.e_phoff = table as u64;
                let at = (table + (p.len() + 1) * 56) as u64;
                let size = end - at;
                p.push(ProgramHeader {
                    p_type: PT_LOAD,
                    p_offset: at,
                    p_filesz: size,
                    p_memsz: size,
                    p_vaddr: 1 << 44,
                    ..ProgramHeader::default()
                });
            })
        };
        // Refused once its headers are in; at the limit, streamed on.
        let mut s = Slimmer::default();
        s.write_all(&ending_at(MAX_STREAMED + 1)).unwrap();
        assert!(s.write_all(&[0; 4096]).is_err(), "refused at the headers");
        assert!(s.finish().is_none());
        let mut s = Slimmer::default();
        s.write_all(&ending_at(MAX_STREAMED)).unwrap();
        assert!(s.write_all(&[0; 4096]).is_ok(), "streamed up to the limit");
    }

    /// Notes that end past [`MAX_HEAD`] are not buffered up to their end:
    /// the stream is declined at its headers (and the core read whole).
    /// Notes ending at the limit are streamed, and slim as the file does.
    #[test]
    fn notes_past_the_head_limit_are_declined_at_the_headers() {
        let notes_ending_at = |end: u64| {
            edited(|_, p, bytes| {
                let note = p.iter().position(|ph| ph.p_type == PT_NOTE).unwrap();
                let notes = bytes[p[note].file_range()].to_vec();
                let memory = p.iter().filter(|ph| ph.p_type == PT_LOAD).map(|ph| ph.p_offset);
                let memory = memory.min().unwrap();
                let tail = bytes[memory as usize..].to_vec();
                let start = end - notes.len() as u64;
                bytes.truncate(p[note].p_offset as usize);
                bytes.resize(start as usize, 0);
                bytes.extend_from_slice(&notes);
                bytes.extend_from_slice(&tail);
                p[note].p_offset = start;
                for ph in p.iter_mut().filter(|ph| ph.p_type == PT_LOAD) {
                    ph.p_offset = ph.p_offset - memory + end;
                }
            })
        };
        let far = notes_ending_at(MAX_HEAD + 1);
        assert_eq!(streamed(&far), (None, 1), "declined at the first page");
        let near = notes_ending_at(MAX_HEAD);
        let (got, taken) = streamed(&near);
        assert!(got.is_some() && got == slimmed(&near), "streamed as the file slims");
        assert!(taken > 1);
    }

    /// A reader that gives `step` bytes at a time, interrupted before each.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
        interrupt: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn piped(bytes: &[u8], keep_whole: usize) -> Piped {
        slim_piped(&mut io::Cursor::new(bytes), keep_whole).unwrap()
    }

    /// A pipe is read once: a core comes out as its file slims, however
    /// it arrives and with nothing kept whole; anything the slimmer cannot
    /// take is the input whole, while it is no larger than what is kept,
    /// and is refused past that.
    #[test]
    fn a_pipe_is_slimmed_in_one_pass_or_kept_whole() {
        let whole = fs::read(fixture()).unwrap();
        let slim = slimmed(&whole).unwrap();
        assert_eq!(piped(&whole, 0), Piped::Slim(slim.clone()));
        let mut trickle = Trickle { bytes: &whole, step: 7, interrupt: false };
        assert_eq!(slim_piped(&mut trickle, PIPE_KEPT).unwrap(), Piped::Slim(slim));

        let minidump = fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/minidumps/linux-mini.dmp"),
        )
        .unwrap();
        let cut = &whole[..whole.len() - 1];
        let gcore_like = edited(|_, p, bytes| {
            for ph in p.iter_mut().filter(|ph| ph.p_type == PT_NOTE) {
                let notes = bytes[ph.file_range()].to_vec();
                ph.p_offset = bytes.len() as u64;
                bytes.extend_from_slice(&notes);
            }
        });
        for input in [&minidump[..], cut, &gcore_like] {
            let len = input.len();
            assert_eq!(piped(input, len), Piped::Whole(input.to_vec()));
            assert_eq!(piped(input, len - 1), Piped::NotOnePass { read: len as u64 });
            // Read in pieces the same, the rest after a decline included.
            let mut trickle = Trickle { bytes: input, step: 1000, interrupt: false };
            let got = slim_piped(&mut trickle, PIPE_KEPT).unwrap();
            assert_eq!(got, Piped::Whole(input.to_vec()));
        }
    }

    /// A pipe that fails is an error, not the end of the input.
    #[test]
    fn a_pipe_that_fails_is_an_error() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::ConnectionReset.into())
            }
        }
        let got = slim_piped(&mut Broken, PIPE_KEPT).map_err(|e| e.kind());
        assert_eq!(got, Err(io::ErrorKind::ConnectionReset));
    }

    /// Not a core: the first write says so, which stops a decompressor.
    #[test]
    fn a_stream_that_is_no_core_is_declined_at_once() {
        use std::io::Write;
        let minidump = fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/minidumps/linux-mini.dmp"),
        )
        .unwrap();
        let mut s = Slimmer::default();
        s.write_all(&minidump[..4096]).unwrap();
        assert!(s.write_all(&minidump[4096..]).is_err());
        assert!(s.finish().is_none());
    }

    /// The fixture core with its headers changed by `edit` (which may also
    /// add bytes), the program headers written where `e_phoff` then says.
    fn edited(edit: impl FnOnce(&mut Header, &mut Vec<ProgramHeader>, &mut Vec<u8>)) -> Vec<u8> {
        let mut bytes = fs::read(fixture()).unwrap();
        let (mut ehdr, ctx, mut phdrs) = headers(&mut io::Cursor::new(&bytes)).unwrap().unwrap();
        edit(&mut ehdr, &mut phdrs, &mut bytes);
        ehdr.e_phnum = phdrs.len() as u16;
        let (at, phsize) = (ehdr.e_phoff as usize, ProgramHeader::size(ctx));
        if bytes.len() < at + phsize * phdrs.len() {
            bytes.resize(at + phsize * phdrs.len(), 0);
        }
        ehdr.into_ctx(&mut bytes[..Header::size(ctx)], ctx);
        for (i, ph) in phdrs.into_iter().enumerate() {
            bytes.pwrite_with(ph, at + i * phsize, ctx).unwrap();
        }
        bytes
    }

    fn extracted(bytes: &[u8], keep: &[Range<u64>]) -> Option<Vec<u8>> {
        extract_from(&mut io::Cursor::new(bytes), bytes.len() as u64, keep).unwrap()
    }

    fn slimmed(bytes: &[u8]) -> Option<Vec<u8>> {
        slim_from(&mut io::Cursor::new(bytes), bytes.len() as u64).unwrap()
    }

    /// The slim core, when that is what the slimmer gave.
    fn core(s: Option<Slimmed>) -> Option<Vec<u8>> {
        match s? {
            Slimmed::Core(core) => Some(core),
            Slimmed::Again(_) => None,
        }
    }

    /// The slimmer fed `bytes` in pages, and again when it asks: what it
    /// gives, and how many pages its first pass took before it refused more.
    fn streamed(bytes: &[u8]) -> (Option<Vec<u8>>, usize) {
        use std::io::Write;
        let feed =
            |s: &mut Slimmer| bytes.chunks(4096).take_while(|c| s.write_all(c).is_ok()).count();
        let mut s = Slimmer::default();
        let taken = feed(&mut s);
        let got = match s.finish() {
            Some(Slimmed::Again(mut again)) => {
                feed(&mut again);
                core(again.finish())
            }
            other => core(other),
        };
        (got, taken)
    }

    fn summary_of(core: &[u8]) -> Summary {
        analyze::analyze(core, &Options::default()).unwrap()
    }

    /// Headers no analysis could use as a core's send the core to the
    /// whole read, which says what is wrong; the slimmer refuses it at once.
    #[test]
    fn headers_that_describe_no_core_are_read_whole() {
        let wrong_size = edited(|h, _, _| h.e_phentsize = 32);
        assert!(extracted(&wrong_size, &[]).is_none());
        assert_eq!(streamed(&wrong_size).1, 1);
        assert!(streamed(&wrong_size).0.is_none());
        let none = edited(|h, p, _| {
            h.e_phnum = 0;
            p.clear();
        });
        assert!(extracted(&none, &[]).is_none());
        // PN_XNUM: the count is in section 0, which this does not read.
        let xnum = edited(|h, p, _| {
            h.e_phnum = PN_XNUM;
            p.resize(usize::from(PN_XNUM), ProgramHeader::default());
        });
        assert!(extracted(&xnum, &[]).is_none());
    }

    /// Section headers the file does not hold mean a core cut short; those
    /// it holds are not copied, and the slim core says it has none.
    #[test]
    fn section_headers_count_toward_a_whole_core_and_are_dropped() {
        let with_sections = |count: u16| {
            edited(move |h, _, bytes| {
                h.e_shoff = bytes.len() as u64 - 100;
                (h.e_shentsize, h.e_shnum, h.e_shstrndx) = (64, count, 1);
            })
        };
        // 2 x 64 B from 100 B before the end: past it.
        assert!(extracted(&with_sections(2), &[]).is_none());
        let out = extracted(&with_sections(1), &[]).expect("a skeleton");
        let h = out.pread::<Header>(0).unwrap();
        assert_eq!((h.e_shoff, h.e_shnum, h.e_shstrndx), (0, 0, 0));
        // gdb's cores end with their section headers: a stream, here a byte
        // at a time, is read up to their end and no further.
        let last = edited(|h, _, bytes| {
            h.e_shoff = bytes.len() as u64;
            bytes.resize(bytes.len() + 128, 0);
            (h.e_shentsize, h.e_shnum, h.e_shstrndx) = (64, 2, 1);
        });
        let mut s = Slimmer::default();
        let taken =
            last.iter().take_while(|b| io::Write::write_all(&mut s, &[**b]).is_ok()).count();
        assert_eq!(taken, last.len());
        assert!(core(s.finish()).is_some());
    }

    /// The program headers may be anywhere in the file (here after its
    /// end's data); the slim core has them right after its ELF header.
    #[test]
    fn program_headers_anywhere_are_found_and_moved_up() {
        let moved = edited(|h, _, bytes| {
            bytes.resize(bytes.len().next_multiple_of(8) + 8, 0);
            h.e_phoff = bytes.len() as u64;
            // A size no reader uses; the slim core states its own.
            h.e_ehsize = 0;
        });
        let slim = slimmed(&moved).expect("a slim core");
        let h = slim.pread::<Header>(0).unwrap();
        assert_eq!((h.e_phoff, h.e_ehsize), (64, 64));
        let whole = fs::read(fixture()).unwrap();
        assert_eq!(summary_of(&slim).threads, summary_of(&whole).threads);
        assert!(streamed(&moved).0 == Some(slim));
    }

    /// Notes past [`MAX_NOTES`] and kept memory past [`MAX_KEPT`] send the
    /// core to the whole read. The memory is a sparse tail: nothing of it is
    /// read when it is refused.
    #[test]
    fn notes_and_memory_over_their_limits_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let with_extra = |ty: u32, size: u64| {
            let path = dir.path().join(format!("core-{ty}-{size}"));
            let mut at = 0;
            // The program headers move to the end, the extra bytes after them.
            let bytes = edited(|h, p, bytes| {
                let table = bytes.len().next_multiple_of(8);
                bytes.resize(table, 0);
                h.e_phoff = table as u64;
                at = (table + (p.len() + 1) * 56) as u64;
                p.push(ProgramHeader {
                    p_type: ty,
                    p_offset: at,
                    p_filesz: size,
                    p_memsz: size,
                    p_vaddr: 1 << 44,
                    ..ProgramHeader::default()
                });
            });
            fs::write(&path, &bytes).unwrap();
            fs::File::options().write(true).open(&path).unwrap().set_len(at + size).unwrap();
            (path, at + size)
        };
        let fixture_notes: u64 = {
            let (_, _, p) = headers(&mut fs::File::open(fixture()).unwrap()).unwrap().unwrap();
            p.iter().filter(|p| p.p_type == PT_NOTE).map(|p| p.p_filesz).sum()
        };
        let (path, len) = with_extra(PT_NOTE, MAX_NOTES - fixture_notes);
        assert!(extract(&path, len, &[]).unwrap().is_some(), "notes of exactly MAX_NOTES");
        let (path, len) = with_extra(PT_NOTE, MAX_NOTES - fixture_notes + 1);
        assert!(extract(&path, len, &[]).unwrap().is_none());

        let (path, len) = with_extra(PT_LOAD, MAX_KEPT + 4096);
        let base = 1u64 << 44;
        let (page, over) = (base..base + 4096, base..base + MAX_KEPT + 1);
        assert!(extract(&path, len, &[page]).unwrap().is_some());
        assert!(extract(&path, len, &[over]).unwrap().is_none());
        // Kept in two ranges, counted together.
        let halves =
            [base..base + MAX_KEPT / 2 + 1, base + MAX_KEPT / 2 + 4096..base + MAX_KEPT + 4096];
        assert!(extract(&path, len, &halves).unwrap().is_none());
    }

    /// gdb's gcore writes the notes after the memory: the file is slimmed
    /// as it is; a stream is read twice, first for its notes, then for what
    /// their analysis reads, and comes out as the file does.
    #[test]
    fn notes_after_the_memory_are_slimmed_in_two_passes() {
        let gcore_like = edited(|_, p, bytes| {
            for ph in p.iter_mut().filter(|ph| ph.p_type == PT_NOTE) {
                let notes = bytes[ph.file_range()].to_vec();
                ph.p_offset = bytes.len() as u64;
                bytes.extend_from_slice(&notes);
            }
        });
        let slim = slimmed(&gcore_like).expect("a slim core");
        let whole = fs::read(fixture()).unwrap();
        assert_eq!(summary_of(&slim).threads, summary_of(&whole).threads);
        let (got, taken) = streamed(&gcore_like);
        assert!(got == Some(slim), "two passes give the file's slim core");
        assert_eq!(taken, gcore_like.len().div_ceil(4096), "the first pass reads to the notes");
        // One pass alone does not give a core.
        let mut once = Slimmer::default();
        std::io::Write::write_all(&mut once, &gcore_like).unwrap();
        assert!(matches!(once.finish(), Some(Slimmed::Again(_))));
        // A mapping without bytes in the file may name any offset, even one
        // before the notes: the notes still come first, one pass does.
        let empty_first = edited(|_, p, _| {
            let empty = p.iter_mut().find(|ph| ph.p_type == PT_LOAD && ph.p_filesz == 0).unwrap();
            empty.p_offset = 0;
        });
        let mut once = Slimmer::default();
        std::io::Write::write_all(&mut once, &empty_first).unwrap();
        assert!(matches!(once.finish(), Some(Slimmed::Core(_))));
    }

    /// Each PT_LOAD of a core as (vaddr, its bytes), read by goblin's own
    /// parser of a whole ELF file.
    fn loads(core: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let elf = goblin::elf::Elf::parse(core).expect("an ELF core");
        elf.program_headers
            .iter()
            .filter(|ph| ph.p_type == PT_LOAD)
            .map(|ph| (ph.p_vaddr, core[ph.file_range()].to_vec()))
            .collect()
    }

    fn byte_at(loads: &[(u64, Vec<u8>)], addr: u64) -> Option<u8> {
        loads.iter().find_map(|(base, bytes)| {
            let i = addr.checked_sub(*base)?;
            bytes.get(usize::try_from(i).ok()?).copied()
        })
    }

    /// The analysis of the slim core is the analysis of the whole one:
    /// the same threads, frames and modules.
    #[test]
    fn the_slim_core_reads_as_the_whole_one() {
        let whole = fs::read(fixture()).unwrap();
        let slim = slim(&fixture(), whole.len() as u64).unwrap().expect("a slim core");
        assert!(slim.len() < whole.len(), "{} of {}", slim.len(), whole.len());
        let options = Options::default();
        let (a, b) = (
            analyze::analyze(&whole, &options).unwrap(),
            analyze::analyze(&slim, &options).unwrap(),
        );
        let json = |s: &Summary| {
            let mut v = serde_json::to_value(s).unwrap();
            v.as_object_mut().unwrap().remove("incomplete");
            v
        };
        assert_eq!(json(&b), json(&a));

        // Only stacks (each in its own mapping) and modules' first pages.
        let (_, _, source) = headers(&mut fs::File::open(fixture()).unwrap()).unwrap().unwrap();
        let maps = mapped(&source);
        let sps: Vec<u64> = a
            .threads
            .iter()
            .filter_map(|t| t.registers.iter().find(|r| r.name == "rsp").map(|r| r.value.0))
            .collect();
        let (_, _, kept) = headers(&mut io::Cursor::new(&slim)).unwrap().unwrap();
        for ph in kept.iter().filter(|p| p.p_type == PT_LOAD) {
            let piece = ph.p_vaddr..ph.p_vaddr + ph.p_filesz;
            // From just below a stack pointer up to the end of its mapping.
            let stack = sps.iter().any(|&sp| {
                maps.iter().any(|m| {
                    m.contains(&sp)
                        && piece.start >= sp - BELOW_SP
                        && (piece.end <= m.end && piece.start >= m.start || piece.end == m.start)
                })
            });
            let page = a
                .modules
                .iter()
                .any(|m| piece.start >= m.base.0 && piece.end <= m.base.0 + FIRST_PAGE);
            assert!(stack || page, "{piece:x?} is neither a stack nor a module's first page");
            assert_eq!(ph.p_memsz, ph.p_filesz);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever ranges are kept, every kept address reads as it does in
        /// the whole core, every address of a kept range that the core holds
        /// is kept, and the notes are whole.
        #[test]
        fn kept_memory_is_the_cores_own(
            picks in proptest::collection::vec((0usize..64, 0u64..0x4000, 1u64..0x6000), 0..6)
        ) {
            let whole = fs::read(fixture()).unwrap();
            let original = loads(&whole);
            // Ranges around the core's own mappings, so most of them meet one.
            let keep: Vec<Range<u64>> = picks
                .iter()
                .map(|&(i, from, len)| {
                    let base = original[i % original.len()].0;
                    let start = base.saturating_sub(0x1000) + from;
                    start..start + len
                })
                .collect();
            let out = extract(&fixture(), whole.len() as u64, &keep).unwrap().expect("a core");
            let kept = loads(&out);
            for r in &keep {
                for addr in (r.start..r.end).step_by(61).chain([r.start, r.end - 1]) {
                    proptest::prop_assert_eq!(byte_at(&kept, addr), byte_at(&original, addr), "at {:#x}", addr);
                }
            }
            // Kept only what was asked for, and nothing twice.
            let mut spans: Vec<_> = kept.iter().map(|(base, b)| (*base, base + b.len() as u64)).collect();
            spans.sort();
            for (start, end) in &spans {
                proptest::prop_assert!(keep.iter().any(|r| r.start <= *end && *start <= r.end));
                proptest::prop_assert!((*start..*end).step_by(61).all(|a| keep.iter().any(|r| r.contains(&a))));
            }
            for pair in spans.windows(2) {
                proptest::prop_assert!(pair[0].1 <= pair[1].0, "{:x?} overlap", pair);
            }
            let notes = |core: &[u8]| {
                let elf = goblin::elf::Elf::parse(core).unwrap();
                let ranges: Vec<_> = elf.program_headers.iter().filter(|p| p.p_type == PT_NOTE).map(|p| p.file_range()).collect();
                ranges.into_iter().map(|r| core[r].to_vec()).collect::<Vec<_>>()
            };
            proptest::prop_assert_eq!(notes(&out), notes(&whole));
        }
    }
}
