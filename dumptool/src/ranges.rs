//! Byte and address ranges, as the core reader and the redactor use them.

use std::ops::Range;

/// `ranges` sorted, with overlapping and touching ones joined and empty
/// ones dropped: what they cover, each byte once (a thread's stack and a
/// module's first page often meet; so do a minidump's memory regions).
pub(crate) fn merged<T: Ord + Copy>(ranges: impl IntoIterator<Item = Range<T>>) -> Vec<Range<T>> {
    let mut sorted: Vec<_> = ranges.into_iter().filter(|r| r.start < r.end).collect();
    sorted.sort_by_key(|r| r.start);
    let mut out: Vec<Range<T>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_and_touching_ranges_are_joined() {
        assert_eq!(merged([5u64..9, 1..3, 3..4, 8..12, 20..20, 15..16]), vec![1..4, 5..12, 15..16]);
    }
}
