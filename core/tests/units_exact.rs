//! Units at the edges the worked examples do not reach: rounding half up,
//! the last unit of each table, the threshold where a formatter changes
//! notation, and each serde form. Every expected string or number is
//! computed by hand in the comment beside it.

use std::cmp::Ordering;

use headroom_core::units::{group_thousands, Bytes, Count, Duration, Rate, Ratio, UnitError};

#[test]
fn every_byte_unit_has_its_multiplier() {
    let cases = [
        ("1 KiB", 1u64 << 10),
        ("1 MiB", 1 << 20),
        ("1 GiB", 1 << 30),
        ("1 TiB", 1 << 40),
        ("1 PiB", 1 << 50),
        ("3 kb", 3_000),
        ("3 MB", 3_000_000),
        ("3 GB", 3_000_000_000),
        ("3 TB", 3_000_000_000_000),
        ("3 PB", 3_000_000_000_000_000),
        // One letter is binary.
        ("2K", 2 << 10),
        ("2M", 2 << 20),
        ("2G", 2 << 30),
        ("2T", 2 << 40),
        ("2P", 2 << 50),
        ("7 bytes", 7),
        ("7 byte", 7),
        ("7b", 7),
        ("+7", 7),
        ("1_000", 1000),
        ("1,000 B", 1000),
        ("1 kib", 1024),
    ];
    for (text, want) in cases {
        assert_eq!(Bytes::parse(text), Ok(Bytes(want)), "{text}");
        assert_eq!(text.parse::<Bytes>(), Ok(Bytes(want)), "{text}");
    }
    assert_eq!(Bytes::parse("1 KiB"), Ok(Bytes(Bytes::KIB)));
    assert_eq!(Bytes::parse("1 MiB"), Ok(Bytes(Bytes::MIB)));
    assert_eq!(Bytes::parse("1 GiB"), Ok(Bytes(Bytes::GIB)));
    assert_eq!(Bytes::parse("1 kB"), Ok(Bytes(Bytes::KB)));
    assert_eq!(Bytes::parse("1 MB"), Ok(Bytes(Bytes::MB)));
    assert_eq!(Bytes::parse("1 GB"), Ok(Bytes(Bytes::GB)));
}

#[test]
fn fractions_round_half_up_to_a_whole_unit() {
    // 0.4 B rounds down, 0.5 B and 1.5 B up: (m + 10/2) / 10.
    assert_eq!(Bytes::parse("0.4 B"), Ok(Bytes(0)));
    assert_eq!(Bytes::parse("0.5 B"), Ok(Bytes(1)));
    assert_eq!(Bytes::parse("1.5 B"), Ok(Bytes(2)));
    assert_eq!(Bytes::parse(".5 KiB"), Ok(Bytes(512)));
    assert_eq!(Count::parse("2.5"), Ok(Count(3)));
    assert_eq!(Count::parse("2.49"), Ok(Count(2)));
    assert_eq!(Count::parse("2b"), Ok(Count(2_000_000_000)));
    assert_eq!(Count::parse("3t"), Ok(Count(3_000_000_000_000)));
    assert_eq!(Count::parse("4g"), Ok(Count(4_000_000_000)));
    assert_eq!("20M".parse::<Count>(), Ok(Count(20_000_000)));
    assert_eq!(Duration::parse("0.5 s"), Ok(Duration(1)));
    assert_eq!(Duration::parse("1.5 h"), Ok(Duration(5400)));
    assert_eq!(Duration::parse("2 weeks"), Ok(Duration(1_209_600)));
    assert_eq!("3 days".parse::<Duration>(), Ok(Duration(259_200)));
}

#[test]
fn thirty_digits_parse_and_more_are_an_overflow_not_a_panic() {
    let thirty = format!("{}1", "0".repeat(29));
    assert_eq!(Bytes::parse(&thirty), Ok(Bytes(1)));
    let thirty_one = format!("{}1", "0".repeat(30));
    assert!(matches!(Bytes::parse(&thirty_one), Err(UnitError::Overflow { .. })));
    assert!(matches!(Bytes::parse(&"9".repeat(45)), Err(UnitError::Overflow { .. })));
    assert!(matches!(Count::parse("20000000000000000000"), Err(UnitError::Overflow { .. })));
    assert!(matches!(Bytes::parse("1.2.3"), Err(UnitError::NotANumber { .. })));
    assert!(matches!(Bytes::parse(","), Err(UnitError::NotANumber { .. })));
}

#[test]
fn human_figures_keep_three_significant_digits_rounded_half_up() {
    let cases = [
        (999, "999 B"),
        (1000, "1 kB"),
        // 1004 / 1000 = 1.004: two decimals, 1.00, zeros dropped.
        (1004, "1 kB"),
        // (1005 · 100 + 500) / 1000 = 101: 1.01.
        (1005, "1.01 kB"),
        (1995, "2 kB"),
        // (12345 · 10 + 500) / 1000 = 123: 12.3; 12350 gives 124.
        (12_345, "12.3 kB"),
        (12_350, "12.4 kB"),
        (123_456, "123 kB"),
        (999_999, "1000 kB"),
        (1_000_000_000_000_000_000, "1 EB"),
        // (u64::MAX · 10 + 10^18 / 2) / 10^18 = 184: 18.4 EB, the last unit.
        (u64::MAX, "18.4 EB"),
    ];
    for (n, want) in cases {
        assert_eq!(Bytes(n).decimal(), want, "{n}");
    }
    // (1536 · 100 + 512) / 1024 = 150: 1.50 KiB.
    assert_eq!(Bytes(1536).binary(), "1.5 KiB");
    assert_eq!(Bytes(1023).binary(), "1,023 B");
    assert_eq!(Bytes(u64::MAX).binary(), "16 EiB");
    // Both notations from 1000 bytes on, even where binary is still bytes.
    assert_eq!(Bytes(999).both(), "999 B");
    assert_eq!(Bytes(1000).both(), "1 kB (1,000 B)");
    assert_eq!(Bytes(1536).to_string(), "1.54 kB (1.5 KiB)");
}

#[test]
fn exact_spelling_prefers_the_largest_whole_unit() {
    let cases = [
        (0, "0 B"),
        (1 << 40, "1 TiB"),
        (2_000_000_000_000, "2 TB"),
        (3 << 30, "3 GiB"),
        (5_000_000_000, "5 GB"),
        (7 << 20, "7 MiB"),
        (9_000_000, "9 MB"),
        (3072, "3 KiB"),
        (2000, "2 kB"),
        // Divisible by 1024 but not by 10^6 or 2^20: KiB comes first.
        (2_048_000, "2000 KiB"),
        (1023, "1023 B"),
    ];
    for (n, want) in cases {
        assert_eq!(Bytes(n).exact(), want, "{n}");
    }
}

#[test]
fn thousands_are_grouped_by_three_from_the_right() {
    let cases = [
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (100_000, "100,000"),
        (1_234_567, "1,234,567"),
        (u64::MAX, "18,446,744,073,709,551,615"),
    ];
    for (n, want) in cases {
        assert_eq!(group_thousands(n), want);
    }
    assert_eq!(Count(1_234_567).to_string(), "1,234,567");
}

#[test]
fn rates_print_in_the_first_unit_that_keeps_them_whole() {
    assert_eq!(Rate::per_hour(1).to_string(), "1/h");
    assert_eq!(Rate::per_day(1).to_string(), "1/d");
    // 90/min is 3 every 2 s: not whole per second, whole per minute.
    assert_eq!(Rate::per_minute(90).to_string(), "90/min");
    assert_eq!(Rate::new(1, 604_800).unwrap().to_string(), "1/604,800 s");
    // 2^64 - 1 every 2 s: per minute it would need 30 · (2^64 - 1).
    assert_eq!(Rate::new(u64::MAX, 2).unwrap().to_string(), "18,446,744,073,709,551,615/2 s");
    assert_eq!(Rate::per_second(7), "7".parse::<Rate>().unwrap());
}

#[test]
fn durations_print_in_the_largest_whole_unit() {
    let cases = [
        (0, "0 s"),
        (90, "90 s"),
        (120, "2 min"),
        (3660, "61 min"),
        (7200, "2 h"),
        (172_800, "2 d"),
        (604_800, "1 w"),
    ];
    for (s, want) in cases {
        assert_eq!(Duration(s).to_string(), want);
    }
}

#[test]
fn ratios_print_as_percentages_and_read_every_spelling() {
    assert_eq!(Ratio::from_ppm(1).to_string(), "0.0001%");
    assert_eq!(Ratio::from_ppm(10_000_000).to_string(), "1,000%");
    assert_eq!(Ratio::from_ppm(1_234_500).to_string(), "123.45%");
    assert_eq!(Ratio::percent(u64::MAX).ppm(), u64::MAX);
    assert_eq!(Ratio::percent(3).ppm(), 30_000);
    assert_eq!(Ratio::parse("0.5 %"), Ok(Ratio::from_ppm(5000)));
    assert_eq!(Ratio::parse("1"), Ok(Ratio::from_ppm(1_000_000)));
    assert_eq!(Ratio::parse("12 PPM"), Ok(Ratio::from_ppm(12)));
    // Half a millionth rounds up, less rounds down.
    assert_eq!(Ratio::parse("0.0000005"), Ok(Ratio::from_ppm(1)));
    assert_eq!(Ratio::parse("0.0000004"), Ok(Ratio::from_ppm(0)));
    assert_eq!("2%".parse::<Ratio>(), Ok(Ratio::percent(2)));
    // JSON writes the fraction, and reads numbers, fractions and text.
    assert_eq!(serde_json::to_string(&Ratio::from_ppm(250_000)).unwrap(), "0.25");
    assert_eq!(serde_json::from_str::<Ratio>("3").unwrap(), Ratio::percent(300));
    assert_eq!(serde_json::from_str::<Ratio>("0.125").unwrap(), Ratio::from_ppm(125_000));
    assert_eq!(serde_json::from_str::<Ratio>("\"150 ppm\"").unwrap(), Ratio::from_ppm(150));
    assert!(serde_json::from_str::<Ratio>("18446744073709551615").is_err());
}

#[test]
fn rate_arithmetic_rounds_the_way_each_use_needs() {
    let third = Rate::new(1, 3).unwrap();
    let two_thirds = Rate::new(2, 3).unwrap();
    // Thousandths half up: 333.3 -> 333, 666.7 -> 667.
    assert_eq!(third.milli_per_second(), 333);
    assert_eq!(two_thirds.milli_per_second(), 667);
    assert_eq!(Rate::per_second(u64::MAX).milli_per_second(), u64::MAX);
    // Whole events per second, down: 7/2 -> 3.
    assert_eq!(Rate::new(7, 2).unwrap().per_second_floor(), 3);
    assert_eq!(Rate::per_minute(5).per_second_floor(), 0);
    // Events in 4 s at 1/3 s: 1.33 -> 2, up.
    assert_eq!(third.over(Duration(4)), Some(2));
    assert_eq!(third.times(4), Some(2));
    assert_eq!(Rate::per_second(u64::MAX).over(Duration(2)), None);
    assert_eq!(Rate::per_second(2).times(u64::MAX), None);
    assert_eq!(Rate::per_second(3).times(5), Some(15));
}

#[test]
fn rates_compare_as_fractions() {
    // 5/s against 9 every 2 s (4.5/s): 5·2 > 9·1.
    let five = Rate::per_second(5);
    let four_and_a_half = Rate::new(9, 2).unwrap();
    assert_eq!(five.cmp(&four_and_a_half), Ordering::Greater);
    assert_eq!(four_and_a_half.partial_cmp(&five), Some(Ordering::Less));
    assert_eq!(Rate::new(2, 6).unwrap().cmp(&Rate::new(1, 3).unwrap()), Ordering::Equal);
    assert!(Rate::per_minute(61) > Rate::per_second(1));
    assert_eq!(Rate::per_minute(0), Rate::default());
    assert_eq!(Rate::per_hour(7200), Rate::per_second(2));
    assert_eq!(Rate::per_day(172_800), Rate::per_second(2));
    assert_eq!((Rate::per_minute(90).events(), Rate::per_minute(90).per_seconds()), (3, 2));
}

#[test]
fn rates_read_decimals_on_both_sides_of_the_slash() {
    // 1.5 events per 0.25 s: (15 · 10^2) / (25 · 10^1) = 1500 / 250 = 6/s.
    assert_eq!(Rate::parse("1.5/0.25 s"), Ok(Rate::per_second(6)));
    // 0.5 per 2 s: 5 / 20 = 1/4 s.
    assert_eq!(Rate::parse("0.5/2 s"), Rate::new(1, 4).ok_or(UnitError::Empty));
    assert_eq!(Rate::parse("2k per minute"), Rate::new(100, 3).ok_or(UnitError::Empty));
    assert!(matches!(Rate::parse("5 parsecs/s"), Err(UnitError::UnknownUnit { .. })));
    assert!(matches!(Rate::parse("99999999999999999999/s"), Err(UnitError::Overflow { .. })));
}

#[test]
fn each_quantity_reads_a_number_or_text_and_writes_its_spelling() {
    assert_eq!(serde_json::to_string(&Bytes(3072)).unwrap(), "\"3 KiB\"");
    assert_eq!(serde_json::from_str::<Bytes>("4096").unwrap(), Bytes(4096));
    assert_eq!(serde_json::from_str::<Bytes>("\"4 KiB\"").unwrap(), Bytes(4096));
    assert!(serde_json::from_str::<Bytes>("\"4 parsecs\"").is_err());
    assert_eq!(serde_json::to_string(&Count(20_000_000)).unwrap(), "20000000");
    assert_eq!(serde_json::from_str::<Count>("7").unwrap(), Count(7));
    assert_eq!(serde_json::from_str::<Count>("\"20M\"").unwrap(), Count(20_000_000));
    assert!(serde_json::from_str::<Count>("\"many\"").is_err());
    assert_eq!(serde_json::to_string(&Duration(28_800)).unwrap(), "\"8 h\"");
    assert_eq!(serde_json::from_str::<Duration>("90").unwrap(), Duration(90));
    assert_eq!(serde_json::from_str::<Duration>("\"8h\"").unwrap(), Duration(28_800));
    assert!(serde_json::from_str::<Duration>("\"8 eons\"").is_err());
    assert_eq!(serde_json::to_string(&Rate::per_second(5000)).unwrap(), "\"5000/s\"");
    assert_eq!(serde_json::from_str::<Rate>("5").unwrap(), Rate::per_second(5));
    assert!(serde_json::from_str::<Rate>("\"5/eon\"").is_err());
    assert_eq!(Bytes(5).get(), 5);
    assert_eq!(Count(5).get(), 5);
    assert_eq!(Duration(5).seconds(), 5);
    assert_eq!(Bytes(5).checked_add(Bytes(6)), Some(Bytes(11)));
    assert_eq!(Bytes(u64::MAX).checked_add(Bytes(1)), None);
    assert_eq!(Bytes(5).checked_mul(6), Some(Bytes(30)));
    assert_eq!(Bytes(u64::MAX).checked_mul(2), None);
}
