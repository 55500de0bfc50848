//! Any bytes after an MDMP header: analysis and every renderer must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"MDMP".to_vec();
    bytes.extend_from_slice(data);
    if let Ok(summary) = dumptool::analyze::analyze(&bytes, &Default::default()) {
        let _ = dumptool::report::summary_text(&summary);
        let _ = dumptool::report::summary_markdown(&summary, Default::default());
        let _ = dumptool::report::Report::new("fuzz.dmp", &bytes, summary).to_json();
    }
});
