//! AMPS network capacity: publishing in, matching subscriptions and SOW
//! queries out (result id `amps.network`).

use serde::{Deserialize, Serialize};

use crate::exact;
use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{
    exact as shown, n, per_second, up, CalcError, CalcResult, Quantity, Source, Step, Term, Unit,
};
use crate::units::{group_thousands, Bytes, Count, Rate, Ratio};
use crate::validate::rules;

pub const ID: &str = "amps.network";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Capacity Planning > Network, Example 25.7",
    excerpt: "R * S ( 1 + M * S ) + Q … R = Rate S = Average Message Size M = Match Ratio Q = Query Load … Mq * S * Qs",
};

/// As Example 25.7's arithmetic uses it; the guide prints
/// `R * S ( 1 + M * S ) + Q` (docs/source-discrepancies.md).
pub const FORMULA: &str = "R·S·(1 + M·N) + Mq·S·Qs";

/// Network classes, bits per second, smallest first.
pub const CLASSES: [(u64, &str); 5] = [
    (100_000_000, "100 Mb/s"),
    (1_000_000_000, "1 Gb/s"),
    (10_000_000_000, "10 Gb/s"),
    (25_000_000_000, "25 Gb/s"),
    (100_000_000_000, "100 Gb/s"),
];

/// The `[amps.network]` section, named as Example 25.7 names its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// R: messages published per second, rate (default 0/s).
    pub publish_rate: Rate,
    /// S: average message size, bytes (default 0).
    pub message_size: Bytes,
    /// M: expected match ratio per subscription, a fraction from 0 to 1
    /// (`0.02` or `"2%"`; default 0).
    pub match_ratio: Ratio,
    /// N: subscriptions, count (default 0).
    pub subscriptions: Count,
    /// Mq: messages each query returns, count (default 0).
    pub messages_per_query: Count,
    /// Qs: queries, rate (default 0/s); "5/min" is one query every 12 s.
    pub query_rate: Rate,
}

impl Input {
    /// AMPS User Guide, Example 25.7: 5000 messages/s of 600 B, a 2% match
    /// rate with 100 subscriptions, 5 queries a minute of 1000 messages.
    pub const EXAMPLE_25_7: Input = Input {
        publish_rate: Rate::per_second(5000),
        message_size: Bytes(600),
        match_ratio: Ratio::percent(2),
        subscriptions: Count(100),
        messages_per_query: Count(1000),
        query_rate: Rate::per_minute(5),
    };
}

/// The network capacity AMPS needs, AMPS User Guide ch. 25, Capacity
/// Planning > Network, Example 25.7:
///
/// > 5000 * 600 B * ( 1 + 0.02 * 100 ) + ( 1000 * 600 B * 1/12 ) ~ 9 MB / s ~ 72 Mb / s
///
/// that is `R·S·(1 + M·N) + Mq·S·Qs`, N being the number of subscriptions.
/// The guide's formula line reads `R * S ( 1 + M * S ) + Q` and its text
/// says "5 queries per 1 minute ( or 12 queries per second)", while its
/// arithmetic uses N = 100 and 1/12 query per second; Headroom follows the
/// arithmetic (docs/source-discrepancies.md). The terms are exact
/// fractions; each figure shown (a term, the total, the bits) is rounded up
/// to a whole byte or bit per second once, from them. The class is the smallest of 100 Mb/s, 1, 10, 25 and
/// 100 Gb/s that carries the result; like the guide's analysis it counts
/// AMPS alone, not other traffic on the host.
pub fn evaluate(input: &Input, _host: &Host) -> Result<CalcResult, CalcError> {
    if input.match_ratio.ppm() > Ratio::ONE {
        return Err(CalcError::Invalid {
            field: "match_ratio".into(),
            reason: format!(
                "{} is above 100%: write the share of published messages a subscription matches, e.g. 0.02 or \"2%\"",
                input.match_ratio
            ),
        });
    }
    // Exact terms; each figure (a term, the total, the bits) is rounded up
    // once from them, so bits are 8 × the exact bytes, not 8 × rounded bytes.
    let size = exact::int(input.message_size.get());
    let inbound_q = exact::rate(input.publish_rate) * &size;
    let outbound_q =
        &inbound_q * exact::ratio(input.match_ratio) * exact::int(input.subscriptions.get());
    let queries_q =
        exact::int(input.messages_per_query.get()) * &size * exact::rate(input.query_rate);
    let total_q = &inbound_q + &outbound_q + &queries_q;
    let inbound = exact::ceil(&inbound_q, "publish_rate")?;
    let outbound = exact::ceil(&outbound_q, "subscriptions")?;
    let queries = exact::ceil(&queries_q, "messages_per_query")?;
    let total = exact::ceil(&total_q, "message_size")?;
    let bits_q = &total_q * exact::int(8);
    let bits = exact::ceil(&bits_q, "message_size")?;
    let (r, s) = (per_second(input.publish_rate), shown(input.message_size.get(), Unit::Bytes));
    let (m, nn) = (input.match_ratio, n(input.subscriptions.get()));
    let mq_s_qs =
        format!("{} × {s} × {}", n(input.messages_per_query.get()), per_second(input.query_rate));
    let sum = format!("{r} × {s} × (1 + {m} × {nn}) + {mq_s_qs}");
    let step = |symbol, working, q: &exact::Q, value| {
        Step::new(symbol, up(working, q.is_integer()), value, Unit::BytesPerSecond)
    };
    let mut steps = vec![
        step("R·S", format!("{r} × {s}"), &inbound_q, inbound),
        step("R·S·M·N", format!("{r} × {s} × {m} × {nn}"), &outbound_q, outbound),
        step("Mq·S·Qs", mq_s_qs.clone(), &queries_q, queries),
        step("bandwidth", sum.clone(), &total_q, total),
        // From the exact bytes: 8 × the rounded figure only when it is exact.
        Step::new(
            "bandwidth_bits",
            if total_q.is_integer() {
                format!("{} × 8", shown(total, Unit::BytesPerSecond))
            } else {
                up(format!("8 × ({sum})"), bits_q.is_integer())
            },
            bits,
            Unit::BitsPerSecond,
        ),
    ];
    let (largest, largest_name) = CLASSES[CLASSES.len() - 1];
    let mut findings = Vec::new();
    let class = match CLASSES.iter().find(|(c, _)| *c >= bits) {
        Some(&(c, _)) => {
            // The smallest class that carries it.
            steps.push(Step::new(
                "network_class",
                shown(c, Unit::BitsPerSecond),
                c,
                Unit::BitsPerSecond,
            ));
            c
        }
        None => {
            let links = bits.div_ceil(largest);
            findings.push(
                Finding::new(
                    &rules::AMPS_NETWORK_ABOVE_100G,
                    format!(
                        "AMPS needs {} bit/s, more than one {largest_name} link carries",
                        group_thousands(bits)
                    ),
                )
                .why("the load must be split over several links or several instances")
                .fix(format!(
                    "plan {links} × {largest_name}, or split the topics across instances"
                )),
            );
            // Near 2^64 b/s the links' total is past a u64: an error, not a
            // class below the need.
            let class = links
                .checked_mul(largest)
                .ok_or_else(|| CalcError::Overflow { field: "message_size".into() })?;
            let link = shown(largest, Unit::BitsPerSecond);
            steps.push(Step::new(
                "network_class",
                format!("⌈{} ÷ {link}⌉ × {link}", shown(bits, Unit::BitsPerSecond)),
                class,
                Unit::BitsPerSecond,
            ));
            class
        }
    };
    let bytes = |symbol, label, value| Term { symbol, label, value, unit: Unit::BytesPerSecond };
    Ok(CalcResult {
        quantities: vec![
            Quantity {
                name: "bandwidth",
                label: "Network capacity AMPS needs",
                value: total,
                unit: Unit::BytesPerSecond,
            },
            Quantity {
                name: "bandwidth_bits",
                label: "Network capacity AMPS needs, in bits",
                value: bits,
                unit: Unit::BitsPerSecond,
            },
            Quantity {
                name: "network_class",
                label: "Network class for AMPS alone",
                value: class,
                unit: Unit::BitsPerSecond,
            },
        ],
        terms: vec![
            bytes("R·S", "messages published in", inbound),
            bytes("R·S·M·N", "matching messages out to subscribers", outbound),
            bytes("Mq·S·Qs", "query results out (query load)", queries),
        ],
        findings,
        steps,
        ..CALCULATOR.result()
    })
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "AMPS network",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "Example 25.7's formula as its arithmetic uses it (see docs/source-discrepancies.md).",
    capacity: Capacity::None,
    occupies: None,
    fields: &[
        Field::new("publish_rate", "Messages published (R)", Kind::Rate, "Rate, e.g. \"5000/s\".").symbol("R"),
        Field::new("message_size", "Average message size (S)", Kind::Bytes, "Bytes, e.g. \"1 KiB\".").symbol("S"),
        Field::new("match_ratio", "Match ratio (M)", Kind::Ratio, "Share of messages a subscription matches: 0.02 or \"2%\".").symbol("M"),
        Field::new("subscriptions", "Subscriptions (N)", Kind::Count, "Subscriptions receiving the matches.").symbol("N"),
        Field::new("messages_per_query", "Messages per query (Mq)", Kind::Count, "Messages each SOW query returns.").symbol("Mq"),
        Field::new("query_rate", "Queries (Qs)", Kind::Rate, "Rate, e.g. \"5/min\" is one query every 12 s.").symbol("Qs"),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "bandwidth", unit: Unit::BytesPerSecond, meaning: "R·S·(1 + M·N) + Mq·S·Qs" },
        QuantityDoc { name: "bandwidth_bits", unit: Unit::BitsPerSecond, meaning: "8 × the exact bandwidth, rounded up once" },
        QuantityDoc { name: "network_class", unit: Unit::BitsPerSecond, meaning: "the smallest of 100 Mb/s, 1, 10, 25, 100 Gb/s (or a multiple of 100 Gb/s) that carries it" },
    ],
    findings: &[
        rules::AMPS_NETWORK_ABOVE_100G,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    #[test]
    fn example_25_7() {
        let r = evaluate(&Input::EXAMPLE_25_7, &Host::default()).unwrap();
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        // 5000·600, 5000·600·0.02·100, 1000·600·1/12
        assert_eq!(terms, [3_000_000, 6_000_000, 50_000]);
        // "~ 9 MB / s ~ 72 Mb / s"
        assert_eq!(r.quantity("bandwidth"), Some(9_050_000));
        assert_eq!(r.quantity("bandwidth_bits"), Some(72_400_000));
        assert_eq!(Bytes(9_050_000).decimal(), "9.05 MB");
        // "this deployment would fall into a 100Mb/s class network".
        assert_eq!(r.quantity("network_class"), Some(100_000_000));
        assert!(r.findings.is_empty());
    }

    #[test]
    fn example_25_7_worked_out_with_its_figures() {
        let r = evaluate(&Input::EXAMPLE_25_7, &Host::default()).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "R·S = 5,000/s × 600 B = 3000000",
                "R·S·M·N = 5,000/s × 600 B × 2% × 100 = 6000000",
                "Mq·S·Qs = 1,000 × 600 B × (5/min ÷ 60 s/min) = 50000",
                "bandwidth = 5,000/s × 600 B × (1 + 2% × 100) + 1,000 × 600 B × (5/min ÷ 60 s/min) = 9050000",
                "bandwidth_bits = 9,050,000 B/s × 8 = 72400000",
                "network_class = 100,000,000 b/s = 100000000",
            ]
        );
    }

    /// Where the bytes are not whole, the bits come from the exact sum and
    /// each rounding shows.
    #[test]
    fn fractional_bytes_show_their_rounding() {
        let i = Input {
            publish_rate: Rate::per_minute(7),
            message_size: Bytes(1),
            messages_per_query: Count(1),
            ..Input::default()
        };
        let r = evaluate(&i, &Host::default()).unwrap();
        let steps: Vec<(&str, &str)> =
            r.steps.iter().map(|s| (s.symbol, s.working.as_str())).collect();
        assert_eq!(
            steps[3],
            ("bandwidth", "⌈(7/min ÷ 60 s/min) × 1 B × (1 + 0% × 0) + 1 × 1 B × 0/s⌉")
        );
        assert_eq!(
            steps[4],
            ("bandwidth_bits", "⌈8 × ((7/min ÷ 60 s/min) × 1 B × (1 + 0% × 0) + 1 × 1 B × 0/s)⌉")
        );
    }

    #[test]
    fn links_past_2_to_the_64_bits_are_an_overflow() {
        // 8 × S is just under 2^64 b/s, but 184,467,441 links of 100 Gb/s are over it.
        let i = Input {
            publish_rate: Rate::per_second(1),
            message_size: Bytes(u64::MAX / 8),
            ..Input::default()
        };
        assert_eq!(
            evaluate(&i, &Host::default()),
            Err(CalcError::Overflow { field: "message_size".into() })
        );
    }

    #[test]
    fn the_misprints_would_change_the_class() {
        // Read literally, "12 queries per second" gives 7.2 MB/s of queries
        // and a 1 Gb/s class.
        let twelve = Input { query_rate: Rate::per_second(12), ..Input::EXAMPLE_25_7 };
        let r = evaluate(&twelve, &Host::default()).unwrap();
        assert_eq!(r.quantity("bandwidth"), Some(16_200_000));
        assert_eq!(r.quantity("bandwidth_bits"), Some(129_600_000));
        assert_eq!(r.quantity("network_class"), Some(1_000_000_000));
        // `M * S` for `M * N` would be 5000·600·(1 + 0.02·600) = 39 MB/s.
        let m_times_s = Input { subscriptions: Count(600), ..Input::EXAMPLE_25_7 };
        let r = evaluate(&m_times_s, &Host::default()).unwrap();
        assert_eq!(r.quantity("bandwidth"), Some(39_050_000));
    }

    #[test]
    fn the_example_reads_from_a_plan() {
        let text = "publish_rate = \"5000/s\"\nmessage_size = \"600 B\"\nmatch_ratio = 0.02\n\
                    subscriptions = 100\nmessages_per_query = 1000\nquery_rate = \"5/min\"\n";
        let i: Input = toml::from_str(text).unwrap();
        assert_eq!(i, Input::EXAMPLE_25_7);
        let back: Input = toml::from_str(&toml::to_string(&i).unwrap()).unwrap();
        assert_eq!(back, i);
        let percent: Input = toml::from_str("match_ratio = \"2%\"").unwrap();
        assert_eq!(percent.match_ratio, Input::EXAMPLE_25_7.match_ratio);
    }

    #[test]
    fn above_100_gb_needs_several_links() {
        let i = Input {
            publish_rate: Rate::per_second(1_000_000),
            message_size: Bytes(1024),
            match_ratio: Ratio::percent(10),
            subscriptions: Count(200),
            ..Input::default()
        };
        let r = evaluate(&i, &Host::default()).unwrap();
        // 1,024,000,000 · 21 B/s = 172,032,000,000 bit/s: two 100 Gb/s links.
        assert_eq!(r.quantity("bandwidth_bits"), Some(172_032_000_000));
        assert_eq!(r.quantity("network_class"), Some(200_000_000_000));
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.network.above_100g", Severity::Warning));
        let fewer = Input { subscriptions: Count(100), ..i };
        let r = evaluate(&fewer, &Host::default()).unwrap();
        assert_eq!(r.quantity("network_class"), Some(100_000_000_000));
        assert!(r.findings.is_empty());
    }

    /// Issue 22: 7 B a minute is 0.93 b/s, one bit per second rounded up,
    /// not 8 × the byte per second it rounds up to.
    #[test]
    fn bits_come_from_the_exact_rate_not_the_rounded_bytes() {
        let i =
            Input { publish_rate: Rate::per_minute(7), message_size: Bytes(1), ..Input::default() };
        let r = evaluate(&i, &Host::default()).unwrap();
        assert_eq!(r.quantity("bandwidth"), Some(1));
        assert_eq!(r.quantity("bandwidth_bits"), Some(1));
    }

    #[test]
    fn a_match_ratio_above_one_is_invalid() {
        let i = Input { match_ratio: Ratio::percent(200), ..Input::EXAMPLE_25_7 };
        assert!(
            matches!(evaluate(&i, &Host::default()), Err(CalcError::Invalid { field, .. }) if field == "match_ratio")
        );
    }

    fn input() -> impl Strategy<Value = Input> {
        (any::<[u64; 6]>(), 0u64..=Ratio::ONE).prop_map(|(v, m)| {
            let s = |x: u64| x >> (x % 64);
            Input {
                publish_rate: Rate::new(s(v[0]), s(v[1]).max(1)).unwrap_or_default(),
                message_size: Bytes(s(v[2])),
                match_ratio: Ratio::from_ppm(m),
                subscriptions: Count(s(v[3])),
                messages_per_query: Count(s(v[4])),
                query_rate: Rate::new(s(v[5]), 60).unwrap_or_default(),
            }
        })
    }

    /// A second example where no division is exact: every term rounds up,
    /// and rounding any of them down gives another total.
    #[test]
    fn each_term_rounds_up_to_a_byte_per_second() {
        let i = Input {
            publish_rate: Rate::per_minute(7),
            message_size: Bytes(101),
            match_ratio: Ratio::percent(3),
            subscriptions: Count(7),
            messages_per_query: Count(333),
            query_rate: Rate::per_minute(7),
        };
        let r = evaluate(&i, &Host::default()).unwrap();
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        // 7·101/60 = 11.78; 7·101·0.03·7/60 = 2.47; 333·101·7/60 = 3923.85.
        assert_eq!(terms, [12, 3, 3924]);
        assert_eq!(r.quantity("bandwidth"), Some(12 + 3 + 3924));
        // Bits from the exact rate, 3938.107 B/s · 8 = 31,504.86, rounded up.
        assert_eq!(r.quantity("bandwidth_bits"), Some(31_505));
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error(i in input(), ppm in any::<u64>()) {
            for i in [i, Input { match_ratio: Ratio::from_ppm(ppm), ..i }] {
                match evaluate(&i, &Host::default()) {
                    Ok(r) => {
                        let bytes = r.quantity("bandwidth").unwrap();
                        // Each term is rounded up on its own, the total once.
                        let terms = r.terms.iter().map(|t| u128::from(t.value)).sum::<u128>();
                        prop_assert!(terms >= u128::from(bytes) && terms <= u128::from(bytes) + 2);
                        let bits = r.quantity("bandwidth_bits").unwrap();
                        prop_assert!(bits <= bytes * 8 && bits + 8 > bytes * 8);
                        prop_assert!(r.quantity("network_class") >= r.quantity("bandwidth_bits"));
                    }
                    Err(CalcError::Overflow { .. } | CalcError::Invalid { .. }) => {}
                    Err(e) => prop_assert!(false, "unexpected error {e}"),
                }
            }
        }

        #[test]
        fn bandwidth_never_shrinks_when_a_rate_size_or_count_grows(i in input(), extra in 0u64..1 << 20) {
            let more = |r: Rate| Rate::new(r.events().saturating_add(extra), r.per_seconds()).unwrap_or_default();
            let grown = [
                Input { publish_rate: more(i.publish_rate), ..i },
                Input { query_rate: more(i.query_rate), ..i },
                Input { message_size: Bytes(i.message_size.get().saturating_add(extra)), ..i },
                Input { subscriptions: Count(i.subscriptions.get().saturating_add(extra)), ..i },
                Input { messages_per_query: Count(i.messages_per_query.get().saturating_add(extra)), ..i },
                Input { match_ratio: Ratio::from_ppm(i.match_ratio.ppm().saturating_add(extra).min(Ratio::ONE)), ..i },
            ];
            if let Ok(a) = evaluate(&i, &Host::default()) {
                for g in grown {
                    if let Ok(b) = evaluate(&g, &Host::default()) {
                        prop_assert!(b.quantity("bandwidth") >= a.quantity("bandwidth"));
                        prop_assert!(b.quantity("network_class") >= a.quantity("network_class"));
                    }
                }
            }
        }
    }
}
