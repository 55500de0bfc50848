//! Any text as a Ipcs file, with and without a host and plan: findings or a
//! typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    headroom_core_fuzz_common::run(&text, Some(headroom_core::validate::Format::Ipcs));
});
