//! Any bytes after an ELF magic: core analysis and rendering must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"\x7fELF".to_vec();
    bytes.extend_from_slice(data);
    if let Ok(summary) = dumptool::analyze::analyze(&bytes, &Default::default()) {
        let _ = dumptool::report::summary_text(&summary);
        let _ = dumptool::report::Report::new("core", &bytes, summary).to_markdown();
    }
});
