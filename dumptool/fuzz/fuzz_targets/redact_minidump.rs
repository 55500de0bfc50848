//! In-place redaction of any minidump: no panic, and the size never changes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"MDMP".to_vec();
    bytes.extend_from_slice(data);
    let len = bytes.len();
    let _ = dumptool::redact::redact_minidump(&mut bytes, &Default::default());
    assert_eq!(bytes.len(), len);
});
