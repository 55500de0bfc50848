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
//! Bytes in, bytes out: no OS calls, so it is tested on buffers.

use std::io::{Cursor, Read};

use base64::Engine as _;

/// Nothing decompresses to more than this, so a crafted file cannot
/// exhaust memory (systemd-coredump's own default ProcessSizeMax is 32 GiB
/// on 64-bit; cores this size are not analyzed in memory anyway).
pub const MAX_UNPACKED: u64 = 8 << 30;

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

/// The core `bytes` unpack to, kept only as far as its analysis reads it
/// ([`crate::corefile::Slimmer`]): a compressed core of many GB takes the
/// memory of its stacks, not of itself. `None` for anything else (a
/// minidump is declined at its first bytes), which is unpacked whole.
fn unpack_slim(wrapping: Wrapping, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut slimmer = crate::corefile::Slimmer::default();
    // A decoder's error is not looked at: the slimmer stops the stream
    // itself once the core is in or refused, and `finish` gives the core
    // only when all of it came.
    match wrapping {
        Wrapping::Zstd => {
            let mut input = Cursor::new(bytes);
            while (input.position() as usize) < bytes.len() {
                let Ok(mut frame) = ruzstd::decoding::StreamingDecoder::new(&mut input) else {
                    break;
                };
                if std::io::copy(&mut frame, &mut slimmer).is_err() {
                    break;
                }
            }
        }
        Wrapping::Lz4 => {
            let _ = std::io::copy(&mut lz4_flex::frame::FrameDecoder::new(bytes), &mut slimmer);
        }
        Wrapping::Gzip => {
            let _ = std::io::copy(&mut flate2::read::MultiGzDecoder::new(bytes), &mut slimmer);
        }
        Wrapping::Xz => {
            let _ = lzma_rs::xz_decompress(&mut std::io::BufReader::new(bytes), &mut slimmer);
        }
        Wrapping::Apport => return None,
    }
    slimmer.finish()
}

fn unpack(wrapping: Wrapping, bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    if let Some(slim) = unpack_slim(wrapping, bytes) {
        return Ok(slim);
    }
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

/// An apport report's fields and its core, gunzipped.
fn apport(bytes: &[u8]) -> Result<Unwrapped, StoreError> {
    let text = String::from_utf8_lossy(bytes);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut core: Option<Vec<u8>> = None;
    let mut in_core = false;
    for (n, line) in text.lines().enumerate() {
        if let Some(cont) = line.strip_prefix(' ') {
            if in_core {
                let piece = base64::engine::general_purpose::STANDARD
                    .decode(cont.trim())
                    .map_err(|_| StoreError::BadBase64 { line: n + 1 })?;
                core.get_or_insert_with(Vec::new).extend_from_slice(&piece);
            } else if let Some((_, value)) = fields.last_mut() {
                value.push('\n');
                value.push_str(cont);
            }
            continue;
        }
        in_core = false;
        let Some((key, value)) = line.split_once(':') else { continue };
        if key == "CoreDump" {
            in_core = true;
            core = Some(Vec::new());
        } else {
            fields.push((key.to_string(), value.trim_start().to_string()));
        }
    }
    let gz = core.filter(|c| !c.is_empty()).ok_or(StoreError::NoCoreDump)?;
    let bytes = unpack(Wrapping::Gzip, &gz)?;
    Ok(Unwrapped { wrapping: Wrapping::Apport, bytes, fields })
}

/// Takes a dump out of its wrapping; `Ok(None)` when it is not wrapped.
pub fn unwrap(bytes: &[u8]) -> Result<Option<Unwrapped>, StoreError> {
    match sniff(bytes) {
        None => Ok(None),
        Some(Wrapping::Apport) => apport(bytes).map(Some),
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
        Some(unwrapped) => Ok(summarize(unwrapped, options)?),
    }
}

/// Analyzes an unwrapped dump; the summary says how it was wrapped.
pub fn summarize(
    unwrapped: Unwrapped,
    options: &crate::analyze::Options,
) -> Result<crate::summary::Summary, crate::analyze::AnalyzeError> {
    let mut summary = crate::analyze::analyze(&unwrapped.bytes, options)?;
    summary.store = Some(crate::summary::Store {
        wrapping: unwrapped.wrapping.name().to_string(),
        fields: unwrapped
            .fields
            .into_iter()
            .filter(|(k, _)| APPORT_FIELDS.contains(&k.as_str()))
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
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/cores/testee-segv.core");
        let core = std::fs::read(&path).unwrap();
        let slim = crate::corefile::slim(&path, core.len() as u64).unwrap().unwrap();
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
        }
        // What follows the core in the stream is not unpacked.
        let mut padded = core.clone();
        padded.resize(core.len() + (1 << 20), 0);
        assert!(unwrap(&gzip(&padded)).unwrap().unwrap().bytes == slim, "the core, then padding");
        let cut = &core[..core.len() - 10];
        let got = unwrap(&gzip(cut)).unwrap().unwrap();
        assert!(got.bytes == cut, "the cut core, whole");
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
        let gz = gzip(DUMP);
        let mut report = String::from(
            "ProblemType: Crash\nDate: Thu Dec  3 10:00:00 2026\nExecutablePath: /usr/bin/sleep\n\
             Package: coreutils 9.1-1\nProcMaps:\n 55d0-55d1 r--p 00000000 08:01 1 /usr/bin/sleep\n\
             CoreDump: base64\n",
        );
        for piece in gz.chunks(7) {
            report.push(' ');
            report.push_str(&base64::engine::general_purpose::STANDARD.encode(piece));
            report.push('\n');
        }
        report.push_str("Signal: 11\n");
        let got = unwrap(report.as_bytes()).unwrap().unwrap();
        assert_eq!(got.wrapping, Wrapping::Apport);
        assert_eq!(got.bytes, DUMP);
        let field = |k: &str| got.fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(field("Package"), Some("coreutils 9.1-1"));
        assert_eq!(field("Signal"), Some("11"));
        assert_eq!(field("ProcMaps"), Some("\n55d0-55d1 r--p 00000000 08:01 1 /usr/bin/sleep"));
        let without = "ProblemType: Crash\nPackage: x 1\n";
        assert_eq!(unwrap(without.as_bytes()).unwrap_err(), StoreError::NoCoreDump);
    }
}
