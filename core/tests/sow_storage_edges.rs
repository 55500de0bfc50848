//! The SOW's memory maps against vm.max_map_count, at the limit and one
//! past it.

use headroom_core::amps::sow_storage::{evaluate, Input};
use headroom_core::host::{Host, Kernel};
use headroom_core::units::{Bytes, Count};

/// 1,000 messages of 10,000 B in 1 MB slabs: 10 slabs, and one slab per
/// core (8) per topic (2), 16 more: 26 maps.
fn maps_rule(max_map_count: u64) -> Vec<&'static str> {
    let input = Input {
        message_size: Bytes(10_000),
        messages: Count(1_000),
        slab_size: Bytes(1_000_000),
        topics: Count(2),
        max_message_size: None,
    };
    let kernel = Kernel { max_map_count: Some(Count(max_map_count)), ..Kernel::default() };
    let host = Host { cores: Count(8), kernel, ..Host::default() };
    let r = evaluate(&input, &host).unwrap();
    let maps = r.quantities.iter().find(|q| q.name == "maps").map(|q| q.value);
    assert_eq!(maps, Some(26));
    r.findings.iter().map(|f| f.id).collect()
}

#[test]
fn as_many_maps_as_the_kernel_allows_pass_and_one_more_fails() {
    assert_eq!(maps_rule(26), Vec::<&str>::new());
    assert_eq!(maps_rule(25), ["amps.sow_storage.max_map_count"]);
}
