//! 60East AMPS sizing, from the AMPS User Guide, chapter 25 "Operation and
//! Deployment" (`shared/sources/001_70ad89a4d522c144.txt`).
//!
//! One calculator per section of the guide's Capacity Planning and Best
//! Practices: memory, Linux limits, slow clients, SOW storage, SlabSize,
//! transaction log, log files, total storage, network and CPU.

pub mod cpu;
pub mod limits;
pub mod logs;
pub mod memory;
pub mod network;
pub mod slab;
pub mod slow_clients;
pub mod sow_storage;
pub mod storage;
pub mod txlog;

use crate::report::CalcError;
use crate::units::Bytes;

/// The overflow error for `field`.
pub(crate) fn overflow(field: &str) -> CalcError {
    CalcError::Overflow { field: field.to_string() }
}

/// A wide intermediate as a `u64` result; `None` or a value above
/// `u64::MAX` is an overflow naming `field`.
pub(crate) fn fit(value: Option<u128>, field: &str) -> Result<u64, CalcError> {
    value.and_then(|v| u64::try_from(v).ok()).ok_or_else(|| overflow(field))
}

/// Record header of every SOW message, bytes. Example 25.5: the largest
/// message is "the SlabSize minus 64 bytes for the record header
/// information".
pub const RECORD_HEADER: u64 = 64;

/// The storable-message floor, bytes. Example 25.5: "AMPS enforces a lower
/// limit of approximately 1MB: if the maximum size works out to less than
/// 1MB, AMPS will use 1MB". "Approximately" leaves the unit open; Headroom
/// takes 1 MiB, as the AMPS config validator does (`validate/amps_xml.rs`).
pub const STORABLE_FLOOR: u64 = Bytes::MIB;

/// The largest message a SOW with this SlabSize stores: Example 25.5,
/// `max(SlabSize − 64 B, 1 MiB)`.
pub fn storable(slab_size: Bytes) -> u64 {
    slab_size.get().saturating_sub(RECORD_HEADER).max(STORABLE_FLOOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_past_u64_is_an_overflow_naming_the_field() {
        assert_eq!(fit(Some(u128::from(u64::MAX) + 1), "x"), Err(overflow("x")));
        assert_eq!(fit(Some(5), "x"), Ok(5));
    }
}
