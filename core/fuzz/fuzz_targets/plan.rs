//! Any text as a plan file (TOML or JSON: what the page imports and reads
//! from a shared link): a plan or a typed error, and every plan evaluates
//! and yields host needs and drop-ins without a panic.
#![no_main]

use headroom_core::fixes::{self, Service};
use headroom_core::plan::{self, Plan};
use headroom_core::validate::Needs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(plan) = Plan::parse(&text) {
        let _ = plan::evaluate(&plan);
        let needs = Needs::from_plan(&plan);
        let _ = fixes::generate(&plan.host, &needs, &Service::default());
        let _ = plan.to_toml();
    }
});
