//! The crash stores people already have, opened without decompressing by
//! hand (feature `crash-stores`):
//!
//! - systemd-coredump's `/var/lib/systemd/coredump/core.*` files, compressed
//!   with zstd (the default), lz4 or xz (coredump.conf(5), `Compress=`);
//! - apport's `/var/crash/*.crash` reports: RFC 822-style `Key: value`
//!   fields, continuation lines indented, and the core in `CoreDump: base64`
//!   as indented lines each holding base64 of the next piece of a gzip
//!   stream (apport's `problem_report.py`);
//! - gzip-, zstd- and xz-compressed minidumps and cores.
//!
//! Bytes in, bytes out: no OS calls, so it is tested on buffers. A
//! compressed core may also come from any reader ([`unwrap_slim`]), e.g. a
//! file ([`unwrap_file`]), so a file of many GB is never held in memory.

use std::io::{BufRead, Cursor, Read};

use base64::Engine as _;

use crate::corefile::{self, Kept, Piped, Slimmed, Slimmer};

/// Nothing decompresses to more than this, so a crafted file cannot
/// exhaust memory (systemd-coredump's own default ProcessSizeMax is 32 GiB
/// on 64-bit; cores this size are not analyzed in memory anyway).
#[cfg(not(fuzzing))]
pub const MAX_UNPACKED: u64 = 8 << 30;
/// Under `cargo fuzz`, small enough that a decompression bomb is refused
/// within libFuzzer's 2 GB memory limit instead of ending the run.
#[cfg(fuzzing)]
pub const MAX_UNPACKED: u64 = 64 << 20;

/// How the dump was wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapping {
    Zstd,
    Lz4,
    Xz,
    Gzip,
    Apport,
}

impl Wrapping {
    pub fn name(self) -> &'static str {
        match self {
            Wrapping::Zstd => "zstd",
            Wrapping::Lz4 => "lz4",
            Wrapping::Xz => "xz",
            Wrapping::Gzip => "gzip",
            Wrapping::Apport => "apport report",
        }
    }
}

/// A dump taken out of its wrapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unwrapped {
    pub wrapping: Wrapping,
    /// The dump; a core only as far as its analysis reads it (notes,
    /// stacks, modules' first pages), when it can be read so.
    pub bytes: Vec<u8>,
    /// An apport report's fields (all but CoreDump), in file order.
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("damaged {format} data: {message}")]
    Damaged { format: &'static str, message: String },
    #[error("{format} data unpacks to more than {MAX_UNPACKED} bytes")]
    TooLarge { format: &'static str },
    #[error("apport report without a CoreDump field (apport keeps none when the core was too large or `--no-core` was set)")]
    NoCoreDump,
    #[error("apport report line {line}: the CoreDump field is not base64")]
    BadBase64 { line: usize },
}

/// What wraps `bytes`, by its magic; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<Wrapping> {
    let w = match bytes.get(..4)? {
        [0x28, 0xb5, 0x2f, 0xfd] => Wrapping::Zstd,
        [0x04, 0x22, 0x4d, 0x18] => Wrapping::Lz4,
        [0xfd, b'7', b'z', b'X'] => Wrapping::Xz,
        [0x1f, 0x8b, _, _] => Wrapping::Gzip,
        _ if bytes.starts_with(b"ProblemType: ") => Wrapping::Apport,
        _ => return None,
    };
    Some(w)
}

fn read_all(format: &'static str, reader: impl Read) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::new();
    reader
        .take(MAX_UNPACKED + 1)
        .read_to_end(&mut out)
        .map_err(|e| StoreError::Damaged { format, message: e.to_string() })?;
    if out.len() as u64 > MAX_UNPACKED {
        return Err(StoreError::TooLarge { format });
    }
    Ok(out)
}

/// The core `input` unpacks to, kept only as far as its analysis reads it
/// ([`crate::corefile::Slimmer`]): a compressed core of many GB takes the
/// memory of its stacks, not of itself. A core whose notes come after its
/// memory (gdb's gcore) is unpacked twice, from `again`, a fresh reader of
/// the same input. `None` for anything else (a minidump is declined at its
/// first bytes), which is unpacked whole.
fn unpack_slim<R: BufRead>(
    wrapping: Wrapping,
    input: R,
    again: impl FnOnce() -> Option<R>,
) -> Option<Vec<u8>> {
    two_passes(input, again, |input, slimmer| stream(wrapping, input, slimmer))
}

/// The slim core `feed` writes into a slimmer from `input`, and once more
/// from `again` when the slimmer asks for a second pass (notes last).
fn two_passes<R>(
    input: R,
    again: impl FnOnce() -> Option<R>,
    mut feed: impl FnMut(R, &mut Slimmer),
) -> Option<Vec<u8>> {
    let mut slimmer = Slimmer::default();
    feed(input, &mut slimmer);
    let mut slimmer = match slimmer.finish()? {
        Slimmed::Core(core) => return Some(core),
        Slimmed::Again(next) => next,
    };
    feed(again()?, &mut slimmer);
    match slimmer.finish()? {
        Slimmed::Core(core) => Some(core),
        Slimmed::Again(_) => None,
    }
}

/// Unpacks `input` into `slimmer`. A decoder's error is not looked at: the
/// slimmer stops the stream itself once the core is in or refused, and
/// `finish` gives the core only when all of it came.
fn stream(wrapping: Wrapping, mut input: impl BufRead, slimmer: &mut Slimmer) {
    match wrapping {
        Wrapping::Zstd => {
            // Frame after frame, until the input ends.
            while input.fill_buf().is_ok_and(|b| !b.is_empty()) {
                let Ok(mut frame) = ruzstd::decoding::StreamingDecoder::new(&mut input) else {
                    break;
                };
                if std::io::copy(&mut frame, slimmer).is_err() {
                    break;
                }
            }
        }
        Wrapping::Lz4 => {
            let _ = std::io::copy(&mut lz4_flex::frame::FrameDecoder::new(input), slimmer);
        }
        Wrapping::Gzip => {
            let _ = std::io::copy(&mut flate2::read::MultiGzDecoder::new(input), slimmer);
        }
        Wrapping::Xz => {
            let _ = lzma_rs::xz_decompress(&mut input, slimmer);
        }
        Wrapping::Apport => {}
    }
}

/// A compressed core read from `open()` as it streams in, kept only as far
/// as its analysis reads it: the caller need not hold the file. `open` is
/// called again for a core whose notes come last (see [`unpack_slim`]).
/// An apport report is read line by line, its fields kept. `None` for
/// anything else, and where a core cannot be read so (see
/// [`crate::corefile::Slimmer`]): the caller then reads it whole, with
/// [`unwrap`].
pub fn unwrap_slim<R: BufRead>(mut open: impl FnMut() -> Option<R>) -> Option<Unwrapped> {
    let mut input = open()?;
    let wrapping = sniff(input.fill_buf().ok()?)?;
    if wrapping == Wrapping::Apport {
        return apport(input, open);
    }
    let bytes = unpack_slim(wrapping, input, open)?;
    Some(Unwrapped { wrapping, bytes, fields: Vec::new() })
}

/// [`unwrap_slim`] of the file at `path`, read in pieces of 1 MiB: the
/// one place this module opens a file.
pub fn unwrap_file(path: &std::path::Path) -> Option<Unwrapped> {
    unwrap_slim(|| {
        std::fs::File::open(path).ok().map(|f| std::io::BufReader::with_capacity(1 << 20, f))
    })
}

/// What [`unwrap_piped`] read.
#[derive(Debug, PartialEq, Eq)]
pub enum FromPipe {
    /// A compressed dump or an apport report, unwrapped as it came.
    Unwrapped(Unwrapped),
    /// Anything else, as [`corefile::slim_piped`] reads it; so is a wrapped
    /// dump that one pass could not unwrap (whole, to unwrap with [`unwrap`]).
    Plain(Piped),
}

/// A dump read once from a pipe: a compressed core or an apport report
/// unwrapped as it streams in, as [`unwrap_slim`] reads a file; a core as
/// [`corefile::slim_piped`] reads it. Up to `keep_whole` bytes are kept as
/// they came, for what cannot be read so.
pub fn unwrap_piped(input: impl Read, keep_whole: usize) -> std::io::Result<FromPipe> {
    let mut kept = Kept::new(input, keep_whole);
    let got = {
        let mut reader = std::io::BufReader::with_capacity(1 << 20, &mut kept);
        let wrapped = loop {
            match reader.fill_buf() {
                Ok(head) => break sniff(head).is_some(),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if wrapped {
            let mut once = Some(&mut reader);
            unwrap_slim(|| once.take()).map(FromPipe::Unwrapped)
        } else {
            corefile::slim_stream(&mut reader)?.map(|core| FromPipe::Plain(Piped::Slim(core)))
        }
    };
    match got {
        Some(piped) => Ok(piped),
        None => kept.whole().map(FromPipe::Plain),
    }
}

fn unpack(wrapping: Wrapping, bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    match unpack_slim(wrapping, bytes, || Some(bytes)) {
        Some(slim) => Ok(slim),
        None => unpack_whole(wrapping, bytes),
    }
}

/// All that `bytes` unpack to, up to [`MAX_UNPACKED`].
fn unpack_whole(wrapping: Wrapping, bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    let format = wrapping.name();
    let damaged = |message: String| StoreError::Damaged { format, message };
    match wrapping {
        Wrapping::Zstd => {
            // A zstd file may hold several frames, one after the other.
            // Each is decoded straight onto the end of `out`: a core is
            // hundreds of MB, and a copy per frame would double the peak.
            let mut input = Cursor::new(bytes);
            let mut out = Vec::new();
            while (input.position() as usize) < bytes.len() {
                let decoder = ruzstd::decoding::StreamingDecoder::new(&mut input)
                    .map_err(|e| damaged(e.to_string()))?;
                let budget = MAX_UNPACKED - out.len() as u64;
                decoder
                    .take(budget + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| damaged(e.to_string()))?;
                if out.len() as u64 > MAX_UNPACKED {
                    return Err(StoreError::TooLarge { format });
                }
            }
            Ok(out)
        }
        Wrapping::Lz4 => read_all(format, lz4_flex::frame::FrameDecoder::new(bytes)),
        Wrapping::Gzip => read_all(format, flate2::read::MultiGzDecoder::new(bytes)),
        Wrapping::Xz => {
            let mut out = Capped(Vec::new());
            lzma_rs::xz_decompress(&mut std::io::BufReader::new(bytes), &mut out).map_err(|e| {
                match e {
                    lzma_rs::error::Error::IoError(io)
                        if io.kind() == std::io::ErrorKind::OutOfMemory =>
                    {
                        StoreError::TooLarge { format }
                    }
                    e => damaged(e.to_string()),
                }
            })?;
            Ok(out.0)
        }
        // An apport report is parsed by `apport`, never unpacked whole.
        Wrapping::Apport => Err(StoreError::NoCoreDump),
    }
}

/// A buffer that refuses to grow past [`MAX_UNPACKED`] (lzma-rs takes a
/// writer, not a limit).
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() as u64 + buf.len() as u64 > MAX_UNPACKED {
            return Err(std::io::ErrorKind::OutOfMemory.into());
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An apport report read line by line: its fields are kept, and reading it
/// gives the gzip stream of its core, each `CoreDump` line's base64 decoded
/// as it comes, so a report of many GB is never held whole.
struct Apport<R> {
    input: R,
    /// The line just read, and its number.
    line: Vec<u8>,
    number: usize,
    /// Every field but CoreDump, in file order.
    fields: Vec<(String, String)>,
    /// Inside the CoreDump field; `core` once it was seen.
    in_core: bool,
    core: bool,
    /// Lines of the core are skipped, not decoded (the rest of the report
    /// read for its fields once the core is in).
    skip_core: bool,
    /// The last core line's bytes, and how many of them were read.
    piece: Vec<u8>,
    at: usize,
    bad: Option<StoreError>,
}

impl<R: BufRead> Apport<R> {
    fn new(input: R) -> Self {
        Apport {
            input,
            line: Vec::new(),
            number: 0,
            fields: Vec::new(),
            in_core: false,
            core: false,
            skip_core: false,
            piece: Vec::new(),
            at: 0,
            bad: None,
        }
    }

    /// Reads one line: a field, a continuation, or a piece of the core
    /// (into `piece`). `false` at the end.
    fn next_line(&mut self) -> std::io::Result<bool> {
        self.line.clear();
        if self.input.read_until(b'\n', &mut self.line)? == 0 {
            return Ok(false);
        }
        self.number += 1;
        let text = String::from_utf8_lossy(&self.line);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        if let Some(cont) = text.strip_prefix(' ') {
            if self.in_core {
                if !self.skip_core {
                    self.piece.clear();
                    self.at = 0;
                    if base64::engine::general_purpose::STANDARD
                        .decode_vec(cont.trim(), &mut self.piece)
                        .is_err()
                    {
                        self.bad = Some(StoreError::BadBase64 { line: self.number });
                        return Err(std::io::ErrorKind::InvalidData.into());
                    }
                }
            } else if let Some((_, value)) = self.fields.last_mut() {
                value.push('\n');
                value.push_str(cont);
            }
            return Ok(true);
        }
        self.in_core = false;
        if let Some((key, value)) = text.split_once(':') {
            if key == "CoreDump" {
                (self.in_core, self.core) = (true, true);
            } else {
                self.fields.push((key.to_string(), value.trim_start().to_string()));
            }
        }
        Ok(true)
    }

    /// Reads the rest of the report for its fields, skipping the core.
    fn finish(mut self) -> Vec<(String, String)> {
        self.skip_core = true;
        while self.next_line().unwrap_or(false) {}
        self.fields
    }
}

impl<R: BufRead> Read for Apport<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.piece.len() {
            self.piece.clear();
            self.at = 0;
            if !self.next_line()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.piece.len() - self.at);
        out[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// An apport report's fields and its core, gunzipped: as it is read, kept
/// only as far as its analysis reads it (see [`unpack_slim`]; `again` reads
/// the report anew), else whole.
fn apport<R: BufRead>(input: R, again: impl FnOnce() -> Option<R>) -> Option<Unwrapped> {
    let mut fields = None;
    let core = two_passes(input, again, |input, slimmer| {
        let mut report = Apport::new(input);
        stream(Wrapping::Gzip, std::io::BufReader::new(&mut report), slimmer);
        // The rest of the report is read for its fields once: a second
        // pass would read the same.
        if fields.is_none() {
            fields = Some(report.finish());
        }
    })?;
    Some(Unwrapped { wrapping: Wrapping::Apport, bytes: core, fields: fields.unwrap_or_default() })
}

/// An apport report's fields and its core, gunzipped whole where it
/// cannot be read in pieces (a minidump, a core cut short).
fn apport_whole(bytes: &[u8]) -> Result<Unwrapped, StoreError> {
    if let Some(slim) = apport(bytes, || Some(bytes)) {
        return Ok(slim);
    }
    let mut report = Apport::new(bytes);
    let mut gz = Vec::new();
    let read = report.read_to_end(&mut gz);
    if let Some(bad) = report.bad.take() {
        return Err(bad);
    }
    read.map_err(|e| StoreError::Damaged { format: "apport report", message: e.to_string() })?;
    if !report.core || gz.is_empty() {
        return Err(StoreError::NoCoreDump);
    }
    // Its core was tried in pieces above: here it is unpacked whole.
    let bytes = unpack_whole(Wrapping::Gzip, &gz)?;
    Ok(Unwrapped { wrapping: Wrapping::Apport, bytes, fields: report.fields })
}

/// Takes a dump out of its wrapping; `Ok(None)` when it is not wrapped.
pub fn unwrap(bytes: &[u8]) -> Result<Option<Unwrapped>, StoreError> {
    match sniff(bytes) {
        None => Ok(None),
        Some(Wrapping::Apport) => apport_whole(bytes).map(Some),
        Some(w) => {
            Ok(Some(Unwrapped { wrapping: w, bytes: unpack(w, bytes)?, fields: Vec::new() }))
        }
    }
}

/// The apport fields a summary shows: what identifies the crash. The rest
/// (ProcEnviron, ProcCmdline, ProcMaps, CoreDump ...) can hold secrets and
/// stays out of every output.
pub const APPORT_FIELDS: &[&str] = &[
    "ProblemType",
    "Date",
    "ExecutablePath",
    "Package",
    "SourcePackage",
    "Signal",
    "DistroRelease",
    "Architecture",
];

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Analyze(#[from] crate::analyze::AnalyzeError),
}

/// Analyzes a dump, wrapped or not; the summary says how it was wrapped.
pub fn analyze(
    bytes: &[u8],
    options: &crate::analyze::Options,
) -> Result<crate::summary::Summary, OpenError> {
    match unwrap(bytes)? {
        None => Ok(crate::analyze::analyze(bytes, options)?),
        Some(unwrapped) => Ok(summarize(&unwrapped, options)?),
    }
}

/// Analyzes an unwrapped dump; the summary says how it was wrapped.
pub fn summarize(
    unwrapped: &Unwrapped,
    options: &crate::analyze::Options,
) -> Result<crate::summary::Summary, crate::analyze::AnalyzeError> {
    let mut summary = crate::analyze::analyze(&unwrapped.bytes, options)?;
    summary.store = Some(crate::summary::Store {
        wrapping: unwrapped.wrapping.name().to_string(),
        fields: unwrapped
            .fields
            .iter()
            .filter(|(k, _)| APPORT_FIELDS.contains(&k.as_str()))
            .cloned()
            .collect(),
    });
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const DUMP: &[u8] = b"\x7fELF a core file's bytes, repeated repeated repeated repeated";

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    /// The fixture core, and the slim core its file gives.
    fn fixture() -> (Vec<u8>, Vec<u8>) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/cores/testee-segv.core");
        let core = std::fs::read(&path).unwrap();
        let slim = crate::corefile::slim(&path, core.len() as u64).unwrap().unwrap();
        (core, slim)
    }

    /// An apport report as apport writes one: `head`'s fields, the gzip
    /// stream `gz` cut into `piece`-byte pieces, each base64-encoded on its
    /// own indented line, then `tail`.
    fn report(head: &str, gz: &[u8], piece: usize, tail: &str) -> String {
        let mut report = format!("{head}CoreDump: base64\n");
        for piece in gz.chunks(piece) {
            report.push(' ');
            report.push_str(&base64::engine::general_purpose::STANDARD.encode(piece));
            report.push('\n');
        }
        report + tail
    }

    #[test]
    fn each_compression_round_trips() {
        let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
        lz4.write_all(DUMP).unwrap();
        let lz4 = lz4.finish().unwrap();
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut std::io::BufReader::new(DUMP), &mut xz).unwrap();
        let zstd =
            ruzstd::encoding::compress_to_vec(DUMP, ruzstd::encoding::CompressionLevel::Fastest);
        for (packed, w) in [
            (gzip(DUMP), Wrapping::Gzip),
            (lz4, Wrapping::Lz4),
            (xz, Wrapping::Xz),
            (zstd, Wrapping::Zstd),
        ] {
            let got = unwrap(&packed).unwrap().unwrap();
            assert_eq!((got.wrapping, got.bytes.as_slice()), (w, DUMP), "{w:?}");
        }
        assert_eq!(unwrap(DUMP).unwrap(), None);
    }

    /// A compressed core unpacks to the part its analysis reads, as the
    /// core's own file does (`corefile::slim`); a core cut short, to all
    /// there is, for the analysis to name what is missing.
    #[test]
    fn a_compressed_core_unpacks_to_what_its_analysis_reads() {
        let (core, slim) = fixture();
        assert!(slim.len() < core.len(), "{} of {}", slim.len(), core.len());
        let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
        lz4.write_all(&core).unwrap();
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut std::io::BufReader::new(core.as_slice()), &mut xz).unwrap();
        let fast = ruzstd::encoding::CompressionLevel::Fastest;
        let mut zstd = ruzstd::encoding::compress_to_vec(&core[..5000], fast);
        zstd.extend(ruzstd::encoding::compress_to_vec(&core[5000..], fast));
        for (packed, w) in [
            (gzip(&core), Wrapping::Gzip),
            (lz4.finish().unwrap(), Wrapping::Lz4),
            (xz, Wrapping::Xz),
            (zstd, Wrapping::Zstd),
        ] {
            let got = unwrap(&packed).unwrap().unwrap();
            assert_eq!(got.wrapping, w);
            assert!(
                got.bytes == slim,
                "{w:?}: {} bytes, not the slim core's {}",
                got.bytes.len(),
                slim.len()
            );
            // The same from a reader, taken in small pieces: a file is
            // never held whole.
            let read =
                unwrap_slim(|| Some(std::io::BufReader::with_capacity(64, packed.as_slice())));
            assert!(read.as_ref() == Some(&got), "{w:?} from a reader");
        }
        // Where the core cannot be streamed, a reader gives nothing and the
        // caller reads it whole: a core cut short, a compressed minidump,
        // anything uncompressed.
        let cut = gzip(&core[..core.len() - 10]);
        assert_eq!(unwrap_slim(|| Some(cut.as_slice())), None);
        let minidump = gzip(DUMP);
        assert_eq!(unwrap_slim(|| Some(minidump.as_slice())), None);
        assert_eq!(unwrap_slim(|| Some(core.as_slice())), None);
        // What follows the core in the stream is not unpacked.
        let mut padded = core.clone();
        padded.resize(core.len() + (1 << 20), 0);
        assert!(unwrap(&gzip(&padded)).unwrap().unwrap().bytes == slim, "the core, then padding");
        let cut = &core[..core.len() - 10];
        let got = unwrap(&gzip(cut)).unwrap().unwrap();
        assert!(got.bytes == cut, "the cut core, whole");
    }

    /// gdb's gcore writes a core's notes after its memory: a compressed one
    /// is unpacked twice, first for its notes, then for what their analysis
    /// reads, and comes out as the file itself is slimmed, never whole.
    #[test]
    fn a_compressed_core_with_its_notes_last_is_unpacked_twice() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/cores/testee-segv.core");
        let mut core = std::fs::read(&path).unwrap();
        // The fixture's first program header (at 64) is its PT_NOTE: its
        // bytes move to the end, as gcore places them.
        let field = |at: usize| u64::from_le_bytes(core[at..at + 8].try_into().unwrap()) as usize;
        assert_eq!(&core[64..68], &4u32.to_le_bytes(), "PT_NOTE first");
        let (offset, size) = (field(64 + 8), field(64 + 32));
        let notes = core[offset..offset + size].to_vec();
        let end = core.len() as u64;
        core[64 + 8..64 + 16].copy_from_slice(&end.to_le_bytes());
        core.extend_from_slice(&notes);
        let file = crate::corefile::slim_from(&mut Cursor::new(&core), core.len() as u64)
            .unwrap()
            .expect("the file slims");
        assert!(file.len() < core.len());

        let packed = gzip(&core);
        let got = unwrap(&packed).unwrap().unwrap();
        assert!(got.bytes == file, "{} bytes, not the file's slim core", got.bytes.len());
        let mut opened = 0;
        let read = unwrap_slim(|| {
            opened += 1;
            Some(packed.as_slice())
        });
        assert!(read.is_some_and(|u| u.bytes == file));
        assert_eq!(opened, 2, "read twice");
    }

    /// `zstd a b > ab.zst` and `cat a.zst b.zst` give one frame per part.
    #[test]
    fn zstd_frames_one_after_the_other_unpack_in_order() {
        let fast = ruzstd::encoding::CompressionLevel::Fastest;
        let mut packed = ruzstd::encoding::compress_to_vec(&DUMP[..20], fast);
        packed.extend(ruzstd::encoding::compress_to_vec(&DUMP[20..], fast));
        let got = unwrap(&packed).unwrap().unwrap();
        assert_eq!(got.bytes, DUMP);
    }

    #[test]
    fn damaged_data_is_an_error_naming_the_format() {
        let mut packed = gzip(DUMP);
        packed.truncate(packed.len() / 2);
        let err = unwrap(&packed).unwrap_err();
        assert!(err.to_string().starts_with("damaged gzip data"), "{err}");
    }

    /// An apport report as apport writes it: the gzip stream cut into
    /// pieces, each base64-encoded on its own indented line.
    #[test]
    fn apport_reports_give_their_core_and_fields() {
        let head = "ProblemType: Crash\nDate: Thu Dec  3 10:00:00 2026\nExecutablePath: /usr/bin/sleep\n\
             Package: coreutils 9.1-1\nProcMaps:\n 55d0-55d1 r--p 00000000 08:01 1 /usr/bin/sleep\n";
        let report = report(head, &gzip(DUMP), 7, "Signal: 11\n");
        let got = unwrap(report.as_bytes()).unwrap().unwrap();
        assert_eq!(got.wrapping, Wrapping::Apport);
        assert_eq!(got.bytes, DUMP);
        let field = |k: &str| got.fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(field("Package"), Some("coreutils 9.1-1"));
        assert_eq!(field("Signal"), Some("11"));
        assert_eq!(field("ProcMaps"), Some("\n55d0-55d1 r--p 00000000 08:01 1 /usr/bin/sleep"));
        let without = "ProblemType: Crash\nPackage: x 1\n";
        assert_eq!(unwrap(without.as_bytes()).unwrap_err(), StoreError::NoCoreDump);
        let empty = "ProblemType: Crash\nCoreDump: base64\nSignal: 11\n";
        assert_eq!(unwrap(empty.as_bytes()).unwrap_err(), StoreError::NoCoreDump);
        let bad = "ProblemType: Crash\nCoreDump: base64\n H4sI\n not base64!\n";
        assert_eq!(unwrap(bad.as_bytes()).unwrap_err(), StoreError::BadBase64 { line: 4 });
    }

    /// A report holding a core is read line by line, from a reader in small
    /// pieces: the slim core and every field, before the core and after it.
    #[test]
    fn an_apport_report_is_read_as_it_comes() {
        let (core, slim) = fixture();
        let head = "ProblemType: Crash\r\nProcEnviron:\n LANG=C\n";
        let report = report(head, &gzip(&core), 1000, "Signal: 11\nNo colon on this line\n");
        let whole = unwrap(report.as_bytes()).unwrap().unwrap();
        assert!(whole.bytes == slim, "the slim core");
        let fields = [("ProblemType", "Crash"), ("ProcEnviron", "\nLANG=C"), ("Signal", "11")];
        let fields = fields.map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(whole.fields, fields);
        let read = unwrap_slim(|| Some(std::io::BufReader::with_capacity(64, report.as_bytes())));
        assert!(read == Some(whole), "read in pieces as from memory");
    }

    /// A pipe is read once: a compressed core and an apport report are
    /// unwrapped as they come, as from memory; a plain core is slimmed; what
    /// one pass cannot read (a notes-last core, compressed) is the input
    /// whole, to unwrap in memory, while no more than was kept went by, and
    /// is refused past that.
    #[test]
    fn a_pipe_is_unwrapped_once_or_kept_whole() {
        let (core, slim) = fixture();
        let piped = |bytes: &[u8], keep: usize| unwrap_piped(bytes, keep).unwrap();

        let packed = gzip(&core);
        let want = unwrap(&packed).unwrap().unwrap();
        assert_eq!(piped(&packed, 0), FromPipe::Unwrapped(want));
        let report = report("ProblemType: Crash\n", &packed, 1000, "Signal: 11\n");
        let want = unwrap(report.as_bytes()).unwrap().unwrap();
        assert_eq!(want.fields.len(), 2);
        assert_eq!(piped(report.as_bytes(), 0), FromPipe::Unwrapped(want));
        assert_eq!(piped(&core, 0), FromPipe::Plain(Piped::Slim(slim)));

        // The PT_NOTE (the first program header) moved after the memory.
        let mut gcore = core.clone();
        let field = |at: usize| u64::from_le_bytes(core[at..at + 8].try_into().unwrap()) as usize;
        let (offset, size) = (field(64 + 8), field(64 + 32));
        gcore[64 + 8..64 + 16].copy_from_slice(&(core.len() as u64).to_le_bytes());
        gcore.extend_from_slice(&core[offset..offset + size]);
        let packed = gzip(&gcore);
        let len = packed.len();
        assert_eq!(piped(&packed, len), FromPipe::Plain(Piped::Whole(packed.clone())));
        let refused = FromPipe::Plain(Piped::NotOnePass { read: len as u64 });
        assert_eq!(piped(&packed, len - 1), refused);
        // Neither wrapped nor a core: whole.
        assert_eq!(piped(DUMP, DUMP.len()), FromPipe::Plain(Piped::Whole(DUMP.to_vec())));
    }

    /// A read interrupted by a signal is tried again; a pipe that fails is
    /// an error, not an empty input.
    #[test]
    fn a_pipe_is_read_past_interruptions_and_fails_on_errors() {
        struct Failing<'a>(std::io::ErrorKind, &'a [u8]);
        impl Read for Failing<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                match std::mem::replace(&mut self.0, std::io::ErrorKind::Other) {
                    std::io::ErrorKind::Other => self.1.read(out),
                    kind => Err(kind.into()),
                }
            }
        }
        // No core inside: given back whole, to unwrap in memory.
        let packed = gzip(DUMP);
        let len = packed.len();
        let got = unwrap_piped(Failing(std::io::ErrorKind::Interrupted, &packed), len).unwrap();
        assert_eq!(got, FromPipe::Plain(Piped::Whole(packed.clone())));
        let got = unwrap_piped(Failing(std::io::ErrorKind::ConnectionReset, &packed), len);
        assert_eq!(got.unwrap_err().kind(), std::io::ErrorKind::ConnectionReset);
    }
}
