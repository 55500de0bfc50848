//! Any bytes after an ELF magic, read in pieces as a big core file is: no
//! panic, and a slimmed core's memory is the input's own.
#![no_main]

use std::io::Cursor;

use goblin::container::Ctx;
use goblin::elf::program_header::{ProgramHeader, PT_LOAD};
use libfuzzer_sys::fuzz_target;

/// The PT_LOADs of an ELF file by its program headers alone (the input's
/// section headers may be anything: the slimmer does not read them).
fn loads(bytes: &[u8]) -> Vec<ProgramHeader> {
    let header = goblin::elf::Elf::parse_header(bytes).expect("an ELF header");
    let ctx = Ctx::new(header.container().unwrap(), header.endianness().unwrap());
    ProgramHeader::parse(bytes, header.e_phoff as usize, header.e_phnum.into(), ctx)
        .expect("program headers")
        .into_iter()
        .filter(|p| p.p_type == PT_LOAD)
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"\x7fELF".to_vec();
    bytes.extend_from_slice(data);
    let len = bytes.len() as u64;
    let Ok(Some(slim)) = dumptool::corefile::slim_from(&mut Cursor::new(&bytes), len) else {
        return;
    };
    let whole = loads(&bytes);
    for ph in loads(&slim) {
        // Each kept piece is a slice of one of the core's own PT_LOADs.
        let held = whole.iter().any(|w| {
            w.p_vaddr <= ph.p_vaddr
                && ph.p_vaddr + ph.p_filesz <= w.p_vaddr + w.p_filesz
                && bytes[w.file_range()][(ph.p_vaddr - w.p_vaddr) as usize..]
                    [..ph.p_filesz as usize]
                    == slim[ph.file_range()]
        });
        assert!(held, "{ph:?} is not the core's own memory");
    }
    // Streamed, the core slims the same (or is declined as a whole read),
    // in two passes where its notes come last.
    use dumptool::corefile::{Slimmed, Slimmer};
    // A failed write is the slimmer stopping the stream (core in, or refused).
    let feed = |s: &mut Slimmer| {
        let _ = bytes.chunks(4096).try_for_each(|c| std::io::Write::write_all(s, c));
    };
    let mut slimmer = Slimmer::default();
    feed(&mut slimmer);
    let streamed = match slimmer.finish() {
        Some(Slimmed::Again(mut again)) => {
            feed(&mut again);
            match again.finish() {
                Some(Slimmed::Core(s)) => Some(s),
                Some(Slimmed::Again(_)) => panic!("a third pass asked for"),
                None => None,
            }
        }
        Some(Slimmed::Core(s)) => Some(s),
        None => None,
    };
    if let Some(s) = streamed {
        assert!(s == slim, "the streamed core slims as the file does");
    }
    // From a pipe, read once: the same slim core, or the input whole.
    use dumptool::corefile::{slim_piped, Piped};
    match slim_piped(&mut Cursor::new(&bytes), bytes.len()).expect("a buffer reads") {
        Piped::Slim(s) => assert!(s == slim, "the piped core slims as the file does"),
        Piped::Whole(w) => assert!(w == bytes, "kept whole as it came"),
        Piped::NotOnePass { .. } => panic!("refused although it could be kept whole"),
    }
    let _ = dumptool::analyze::analyze(&slim, &Default::default());
});
