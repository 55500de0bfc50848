//! MessageMemoryLimit against the guide's caution line of 20% of RAM
//! (AMPS User Guide, Table 25.1): a limit whose next 1% step lands exactly
//! on the line is told nothing, a byte more is told the step passes it.

use headroom_core::amps::slow_clients::{evaluate, Input, MemoryLimit};
use headroom_core::host::Host;
use headroom_core::units::Bytes;

/// 100 GB of RAM: the line is 20 GB and a 1% step 1 GB.
fn findings(limit: u64) -> Vec<&'static str> {
    let input =
        Input { message_memory_limit: Some(MemoryLimit::Size(Bytes(limit))), ..Input::default() };
    let r = evaluate(&input, &Host { ram: Bytes(100 * Bytes::GB), ..Host::default() }).unwrap();
    assert_eq!(r.quantity("memory_step_1_percent"), Some(limit + Bytes::GB));
    r.findings.iter().map(|f| f.id).collect()
}

#[test]
fn a_step_landing_exactly_on_20_percent_passes_and_a_byte_past_is_told() {
    assert_eq!(findings(19 * Bytes::GB), Vec::<&str>::new());
    assert_eq!(findings(19 * Bytes::GB + 1), ["amps.slow_clients.step_past_20_percent"]);
}
