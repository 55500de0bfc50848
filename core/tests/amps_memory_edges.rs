//! The AMPS memory estimate against the host's RAM: the estimate exactly
//! met, the recommended 200% exactly met, each missed by a byte, and an
//! unknown RAM (0).

use headroom_core::amps::memory::{evaluate, Input};
use headroom_core::host::Host;
use headroom_core::units::Bytes;
use headroom_core::validate::rules::{AMPS_MEMORY_BELOW_RECOMMENDED, AMPS_MEMORY_EXCEEDS_RAM};

/// With no SOW, clients, buffers, journal or queues the estimate is the
/// 1 GB base and the recommendation twice that (User Guide, Example 25.1).
fn ids(ram: u64) -> Vec<&'static str> {
    let r = evaluate(&Input::default(), &Host { ram: Bytes(ram), ..Host::default() }).unwrap();
    assert_eq!(r.quantity("estimate"), Some(1_000_000_000));
    assert_eq!(r.quantity("recommended"), Some(2_000_000_000));
    r.findings.iter().map(|f| f.id).collect()
}

#[test]
fn ram_of_exactly_the_estimate_is_below_the_recommendation_and_a_byte_less_exceeded() {
    assert_eq!(ids(1_000_000_000), [AMPS_MEMORY_BELOW_RECOMMENDED.id]);
    assert_eq!(ids(999_999_999), [AMPS_MEMORY_EXCEEDS_RAM.id]);
}

#[test]
fn ram_of_exactly_the_recommendation_passes_and_a_byte_less_warns() {
    assert_eq!(ids(2_000_000_000), Vec::<&str>::new());
    assert_eq!(ids(1_999_999_999), [AMPS_MEMORY_BELOW_RECOMMENDED.id]);
}

#[test]
fn unknown_ram_raises_nothing() {
    assert_eq!(ids(0), Vec::<&str>::new());
}
