//! The VPS peak against 85% of RAM and swap, and against all of it: at each
//! limit and one byte past it.

use headroom_core::finding::Severity;
use headroom_core::host::Host;
use headroom_core::units::{Bytes, Count};
use headroom_core::vps::{evaluate, Input, MyCnf};

const MIB: u64 = 1 << 20;

/// 60 MiB of RAM and 40 MiB of swap: 100 MiB = 104,857,600 B the kernel can
/// hand out, 85% of it 89,128,960 B.
const MEM: u64 = 100 * MIB;
const SAFE: u64 = 89_128_960;

/// The findings for a peak of exactly `peak` bytes: MySQL with no
/// connections is its global buffers (2 MiB key + 2 MiB query cache),
/// lighttpd 2140 KiB, the rest `other`.
fn findings(peak: u64) -> Vec<(&'static str, Severity)> {
    let fixed = 4 * MIB + 2140 * 1024;
    let input = Input {
        mysql: MyCnf { max_connections: Count(0), ..MyCnf::default() },
        other: Bytes(peak - fixed),
        ..Input::default()
    };
    let host = Host { ram: Bytes(60 * MIB), swap: Bytes(40 * MIB), ..Host::default() };
    let r = evaluate(&input, &host).unwrap();
    assert_eq!(r.quantity("peak"), Some(peak));
    r.findings.iter().map(|f| (f.id, f.severity)).collect()
}

#[test]
fn a_peak_of_exactly_85_percent_passes_and_a_byte_more_warns() {
    assert_eq!(findings(SAFE), []);
    assert_eq!(findings(SAFE + 1), [("vps.memory.above_safe", Severity::Warning)]);
}

#[test]
fn a_peak_of_exactly_ram_and_swap_warns_and_a_byte_more_is_an_error() {
    assert_eq!(findings(MEM), [("vps.memory.above_safe", Severity::Warning)]);
    assert_eq!(findings(MEM + 1), [("vps.memory.over", Severity::Error)]);
}
