//! One System V segment against SHMMAX, SHMALL and RAM with swap, each
//! exactly met and missed by a byte (shmget(2): EINVAL only when the size
//! is above SHMMAX, ENOSPC only above SHMALL).

use headroom_core::gemstone::{segment_vs_host, SEGMENT_RULES};
use headroom_core::host::{Host, Kernel};
use headroom_core::units::{Bytes, Count};

/// 1 MiB of RAM and 1 MiB of swap, a 2 MiB SHMMAX and 512 pages of 4 KiB
/// SHMALL: every limit is 2,097,152 B.
fn ids(size: u64) -> Vec<&'static str> {
    let kernel =
        Kernel { shmmax: Some(Bytes(2 << 20)), shmall: Some(Count(512)), ..Kernel::default() };
    let host = Host { ram: Bytes(1 << 20), swap: Bytes(1 << 20), kernel, ..Host::default() };
    segment_vs_host(&SEGMENT_RULES, Bytes(size), &host).iter().map(|f| f.id).collect()
}

#[test]
fn a_segment_of_exactly_every_limit_fits_and_a_byte_more_fails_each() {
    assert_eq!(ids(2 << 20), Vec::<&str>::new());
    assert_eq!(
        ids((2 << 20) + 1),
        [SEGMENT_RULES.shmmax.id, SEGMENT_RULES.shmall.id, SEGMENT_RULES.ram.id]
    );
}
