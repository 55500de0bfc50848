//! The crash stores' readers (`dumptool::crashstore`): systemd-coredump's
//! compressed cores and apport's reports.
//!
//! The first byte picks what the rest becomes:
//! - 0-4: any bytes behind a zstd, lz4, xz or gzip magic, or an apport
//!   report's first key: no panic, the wrapping named is the one sniffed,
//!   nothing unpacks past the limit, and no apport field is the core;
//! - 5-6: a payload gzipped or lz4-framed here, or put in an apport report
//!   with a field of any text: the reader gives back the payload and the
//!   field as written.
#![no_main]

use std::io::Write;

use base64::Engine as _;
use dumptool::crashstore::{self, Wrapping, MAX_UNPACKED};
use libfuzzer_sys::fuzz_target;

const MAGICS: [&[u8]; 5] = [
    &[0x28, 0xb5, 0x2f, 0xfd],
    &[0x04, 0x22, 0x4d, 0x18],
    &[0xfd, b'7', b'z', b'X'],
    &[0x1f, 0x8b],
    b"ProblemType: ",
];

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// An apport report as `problem_report.py` writes one: a `Key: value`
/// field (continuation lines indented by one space), then the core as
/// base64 lines, each of the next piece of its gzip stream.
fn report(value: &str, core: &[u8]) -> Vec<u8> {
    let mut out = b"ProblemType: Crash\nFuzz: ".to_vec();
    out.extend_from_slice(value.replace('\n', "\n ").as_bytes());
    out.extend_from_slice(b"\nCoreDump: base64\n");
    for piece in gzip(core).chunks(57) {
        out.push(b' ');
        out.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(piece).as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"Signal: 11\n");
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    match pick % 7 {
        i @ 0..=4 => {
            let mut bytes = MAGICS[i as usize].to_vec();
            bytes.extend_from_slice(rest);
            let sniffed = crashstore::sniff(&bytes);
            if let Ok(Some(u)) = crashstore::unwrap(&bytes) {
                assert_eq!(Some(u.wrapping), sniffed);
                assert!(u.bytes.len() as u64 <= MAX_UNPACKED);
                assert!(u.fields.iter().all(|(k, _)| k != "CoreDump"));
            }
        }
        // A core may be slimmed: only other payloads come back whole.
        5 if rest.starts_with(b"\x7fELF") => {}
        5 => {
            let gz = crashstore::unwrap(&gzip(rest)).expect("its own gzip").expect("sniffed");
            assert_eq!((gz.wrapping, &gz.bytes[..]), (Wrapping::Gzip, rest));
            let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
            lz4.write_all(rest).unwrap();
            let lz4 = lz4.finish().unwrap();
            let lz = crashstore::unwrap(&lz4).expect("its own lz4").expect("sniffed");
            assert_eq!((lz.wrapping, &lz.bytes[..]), (Wrapping::Lz4, rest));
        }
        _ => {
            // The field's text from the first half, the core the rest.
            let (text, core) = rest.split_at(rest.len() / 2);
            let value: String = String::from_utf8_lossy(text)
                .chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .collect::<String>()
                .trim_start()
                .to_string();
            if core.is_empty() || core.starts_with(b"\x7fELF") {
                return;
            }
            let u = crashstore::unwrap(&report(&value, core)).expect("its own report").unwrap();
            assert_eq!(u.wrapping, Wrapping::Apport);
            assert_eq!(u.bytes, core);
            let fields: Vec<(&str, &str)> =
                u.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            assert_eq!(fields, [("ProblemType", "Crash"), ("Fuzz", &value), ("Signal", "11")]);
        }
    }
});
