//! AMPS SOW SlabSize: a starting value from the message sizes, and what the
//! slabs cost before the SOW holds anything (result id `amps.slab`).

use serde::{Deserialize, Serialize};

use super::{fit, overflow, storable, RECORD_HEADER, STORABLE_FLOOR};
use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{exact, n, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::{Bytes, Count};
use crate::validate::rules;

pub const ID: &str = "amps.slab";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Best Practices > SOW Parameters; Capacity Planning > Storage > SOW",
    excerpt: "If your messages are larger than the default SlabSize, a good starting point for the SlabSize is to set it to several times the maximum message size you expect to store in the SOW. … Max = SlabSize - 64 bytes",
};

pub const FORMULA: &str = "SlabSize = a·(avg + 64 B) + m·(max + 64 B), rounded up to two \
significant digits, at least 1 MiB; empty SOW = Cores·SlabSize·T; \
amortized after Cores·T·⌊SlabSize / (avg + 64 B)⌋ messages";

/// Average-sized messages a slab should hold: the guide's example sizes a
/// slab "to hold approximately 5 average-sized messages and two of the
/// larger-sized messages".
pub const AVERAGE_PER_SLAB: u64 = 5;
/// Largest messages a slab should hold, from the same example.
pub const MAX_PER_SLAB: u64 = 2;

/// The `[amps.slab]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// Average SOW message size, bytes (default 0).
    pub average_message_size: Bytes,
    /// Largest SOW message size, bytes; at least the average (default 0).
    pub max_message_size: Bytes,
    /// a: average-sized messages one slab should hold, count (default 5,
    /// the guide's example).
    pub average_per_slab: Count,
    /// m: largest messages one slab should hold, count (default 2, the
    /// guide's example).
    pub max_per_slab: Count,
    /// The SlabSize configured now, bytes; the empty-SOW cost is computed
    /// for it and it is compared with the suggestion (default: not set, the
    /// suggestion is used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slab_size: Option<Bytes>,
    /// T: SOW topics with this SlabSize, count (default 1).
    pub topics: Count,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            average_message_size: Bytes(0),
            max_message_size: Bytes(0),
            average_per_slab: Count(AVERAGE_PER_SLAB),
            max_per_slab: Count(MAX_PER_SLAB),
            slab_size: None,
            topics: Count(1),
        }
    }
}

impl Input {
    /// The guide's example: "if your message sizes are average 512 bytes but
    /// can reach a maximum of 1.2 MB, one approach would be to set a SlabSize
    /// of 2.5MB".
    pub const GUIDE_EXAMPLE: Input = Input {
        average_message_size: Bytes(512),
        max_message_size: Bytes(1_200_000),
        average_per_slab: Count(AVERAGE_PER_SLAB),
        max_per_slab: Count(MAX_PER_SLAB),
        slab_size: None,
        topics: Count(1),
    };
}

/// `n` rounded up to two significant decimal digits: 2,403,008 -> 2,500,000.
fn round_up_two_digits(n: u64) -> Option<u64> {
    let step = two_digits_step(n);
    n.div_ceil(step).checked_mul(step)
}

/// The power of ten [`round_up_two_digits`] rounds `n` up to a multiple of:
/// 100,000 for 2,403,008.
fn two_digits_step(n: u64) -> u64 {
    let mut step = 1u64;
    while n / step >= 100 {
        step *= 10;
    }
    step
}

/// "A good starting point for the SlabSize is to set it to several times
/// the maximum message size" (Best Practices > SOW Parameters), with the
/// guide's figure of two (2.5 MB for 1.2 MB): `2·(max + 64 B)`, exactly.
pub fn several_times(max: Bytes) -> u128 {
    (u128::from(max.get()) + u128::from(RECORD_HEADER)) * u128::from(MAX_PER_SLAB)
}

/// [`several_times`] rounded up to two significant digits, as a SlabSize
/// to write; `None` past u64.
pub fn several_times_setting(max: Bytes) -> Option<u64> {
    u64::try_from(several_times(max)).ok().and_then(round_up_two_digits)
}

/// Whether a SlabSize holds fewer than [`several_times`] the largest
/// message, for messages above the 1 MiB AMPS stores whatever the SlabSize.
pub fn below_several_times(slab: Bytes, max: Bytes) -> bool {
    max.get() > STORABLE_FLOOR && u128::from(slab.get()) < several_times(max)
}

/// A starting SlabSize for `a` messages of the average size and `m` of the
/// largest in one slab, each with its 64-byte record header.
///
/// AMPS User Guide ch. 25, Best Practices > SOW Parameters: "if your message
/// sizes are average 512 bytes but can reach a maximum of 1.2 MB, one
/// approach would be to set a SlabSize of 2.5MB to hold approximately 5
/// average-sized messages and two of the larger-sized messages". With the
/// headers that is 2,403,008 bytes; rounded up to two significant digits,
/// the guide's 2.5 MB. The slab always holds one largest message, and the
/// suggestion is never below 1 MiB: the guide recommends "leaving the
/// SlabSize at the default size if your messages are smaller than the
/// default SlabSize", and AMPS stores messages of up to about 1 MB whatever
/// the SlabSize (Example 25.5).
pub fn suggest(average: Bytes, max: Bytes, a: u64, m: u64) -> Result<u64, CalcError> {
    suggestion(average, max, a, m).map(|(_, suggested)| suggested)
}

/// [`suggest`], with the slab's bytes before rounding.
fn suggestion(average: Bytes, max: Bytes, a: u64, m: u64) -> Result<(u64, u64), CalcError> {
    let avg = u128::from(average.get()) + u128::from(RECORD_HEADER);
    let big = u128::from(max.get()) + u128::from(RECORD_HEADER);
    let raw = avg
        .checked_mul(u128::from(a))
        .and_then(|v| v.checked_add(big.checked_mul(u128::from(m))?))
        .ok_or_else(|| overflow("max_message_size"))?;
    let raw = fit(Some(raw.max(big)), "max_message_size")?;
    let rounded = round_up_two_digits(raw).ok_or_else(|| overflow("max_message_size"))?;
    Ok((raw, rounded.max(STORABLE_FLOOR)))
}

/// [`suggest`], and the cost of the slab in use (the configured one, or the
/// suggestion): "AMPS reserves the configured SlabSize for each processor
/// core in the system the first time a thread running on that core writes
/// to the SOW" (Capacity Planning > Storage > SOW), so an empty SOW takes
/// `Cores·SlabSize` per topic; "this cost will amortize as the number of
/// messages in the SOW exceeds the number of cores in the system * the
/// number of messages that fit into a slab" (Best Practices > SOW
/// Parameters). Cores is `host.cores`.
///
/// A SlabSize set now is checked against the guide's rule "If your messages
/// are larger than the default SlabSize, a good starting point for the
/// SlabSize is to set it to several times the maximum message size", with
/// its figure: 2.5 MB for 1.2 MB messages holds two. The chapter does not
/// state the default SlabSize; the rule applies to messages above the
/// 1 MiB AMPS stores whatever the SlabSize (Example 25.5), see
/// docs/source-discrepancies.md.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let (average, max) = (input.average_message_size, input.max_message_size);
    if max < average {
        return Err(CalcError::Invalid {
            field: "max_message_size".into(),
            reason: format!("{} is below the average message size {}", max.both(), average.both()),
        });
    }
    if input.topics.get() == 0 {
        return Err(CalcError::Invalid {
            field: "topics".into(),
            reason: "must be at least 1 SOW topic".into(),
        });
    }
    let (a, m) = (input.average_per_slab.get(), input.max_per_slab.get());
    let (raw, suggested) = suggestion(average, max, a, m)?;
    let slab = input.slab_size.map_or(suggested, Bytes::get);
    let cores = u128::from(host.cores.get());
    let topics = u128::from(input.topics.get());
    let empty =
        fit(cores.checked_mul(u128::from(slab)).and_then(|v| v.checked_mul(topics)), "topics")?;
    let per_slab = slab / (average.get().saturating_add(RECORD_HEADER));
    let amortized =
        fit(cores.checked_mul(u128::from(per_slab)).and_then(|v| v.checked_mul(topics)), "topics")?;
    let avg_term = fit(
        u128::from(a).checked_mul(u128::from(average.get()) + u128::from(RECORD_HEADER)),
        "average_per_slab",
    )?;
    let max_term = fit(
        u128::from(m).checked_mul(u128::from(max.get()) + u128::from(RECORD_HEADER)),
        "max_per_slab",
    )?;
    let largest = u128::from(max.get()) + u128::from(RECORD_HEADER);
    let max_per_slab = fit(Some(u128::from(slab) / largest), "max_message_size")?;
    let b = |v: u64| exact(v, Unit::Bytes);
    let (avg_b, max_b) = (b(average.get()), b(max.get()));
    let header = b(RECORD_HEADER);
    let (cores_n, topics_n) = (n(host.cores.get()), n(input.topics.get()));
    // Without a largest message in the slab, the slab still holds one.
    let slab_bytes = if m == 0 {
        Step::new(
            "max(a·(avg + 64 B), max + 64 B)",
            format!("max({}, {max_b} + {header})", b(avg_term)),
            raw,
            Unit::Bytes,
        )
    } else {
        Step::new(
            "a·(avg + 64 B) + m·(max + 64 B)",
            format!("{} + {}", b(avg_term), b(max_term)),
            raw,
            Unit::Bytes,
        )
    };
    let rounded = match two_digits_step(raw) {
        1 => b(raw),
        step => format!("⌈{} ÷ {}⌉ × {}", b(raw), n(step), n(step)),
    };
    let slab_b = b(slab);
    let steps = vec![
        Step::new(
            "a·(avg + 64 B)",
            format!("{} × ({avg_b} + {header})", n(a)),
            avg_term,
            Unit::Bytes,
        ),
        Step::new(
            "m·(max + 64 B)",
            format!("{} × ({max_b} + {header})", n(m)),
            max_term,
            Unit::Bytes,
        ),
        slab_bytes,
        Step::new(
            "suggested_slab_size",
            format!("max({rounded}, {})", b(STORABLE_FLOOR)),
            suggested,
            Unit::Bytes,
        ),
        Step::new("empty_sow", format!("{cores_n} × {slab_b} × {topics_n}"), empty, Unit::Bytes),
        Step::new(
            "messages_per_slab",
            format!("⌊{slab_b} ÷ ({avg_b} + {header})⌋"),
            per_slab,
            Unit::Count,
        ),
        Step::new(
            "max_messages_per_slab",
            format!("⌊{slab_b} ÷ ({max_b} + {header})⌋"),
            max_per_slab,
            Unit::Count,
        ),
        Step::new(
            "amortized_after",
            format!("{cores_n} × {} × {topics_n}", n(per_slab)),
            amortized,
            Unit::Count,
        ),
    ];
    let mut findings = Vec::new();
    if let Some(set) = input.slab_size {
        let short = below_several_times(set, max);
        let fix =
            |size: u64| format!("<SlabSize>{}</SlabSize>", Bytes(size).exact().replace(' ', ""));
        if storable(set) < max.get() {
            findings.push(Finding::new(
&rules::AMPS_SLAB_MESSAGE_TOO_LARGE,
                format!(
                    "a SlabSize of {} stores messages up to {}; the largest is {}",
                    set.both(),
                    Bytes(storable(set)).both(),
                    max.both()
                ),
            )
            .why("the largest SOW message is SlabSize − 64 bytes, at least 1 MB (AMPS User Guide, Example 25.5)")
            .fix(fix(suggested)));
        } else if short {
            // Past u64 only for absurd sizes; the suggestion then stands.
            let size = several_times_setting(max).unwrap_or(0);
            findings.push(
                Finding::new(
                    &rules::AMPS_SLAB_SEVERAL_MAX,
                    format!(
                        "a SlabSize of {} holds {} of the largest {} messages; the guide starts at several times the largest",
                        set.both(),
                        u128::from(set.get()) / largest,
                        max.both()
                    ),
                )
                .why("for messages larger than the default SlabSize, a good starting point is several times the maximum message size: 2.5 MB for 1.2 MB messages, two of them (AMPS User Guide, ch. 25, SOW Parameters)")
                .fix(fix(size.max(suggested))),
            );
        } else if set.get() < suggested {
            findings.push(Finding::new(
&rules::AMPS_SLAB_BELOW_SUGGESTED,
                format!(
                    "the SlabSize of {} is below the suggested {}",
                    set.both(),
                    Bytes(suggested).both()
                ),
            )
            .why("a small SlabSize extends the SOW often, which costs throughput and memory maps (AMPS User Guide, ch. 25, SOW Parameters)")
            .fix(fix(suggested)));
        }
    }
    Ok(CalcResult {
        quantities: vec![
            Quantity {
                name: "suggested_slab_size",
                label: "Suggested SlabSize",
                value: suggested,
                unit: Unit::Bytes,
            },
            Quantity {
                name: "empty_sow",
                label: "SOW size with no messages (a slab per core per topic)",
                value: empty,
                unit: Unit::Bytes,
            },
            Quantity {
                name: "messages_per_slab",
                label: "Average-sized messages per slab",
                value: per_slab,
                unit: Unit::Count,
            },
            Quantity {
                name: "max_messages_per_slab",
                label: "Largest messages per slab",
                value: max_per_slab,
                unit: Unit::Count,
            },
            Quantity {
                name: "amortized_after",
                label: "Messages past which the empty-slab cost is amortized",
                value: amortized,
                unit: Unit::Count,
            },
        ],
        terms: vec![
            Term {
                symbol: "a·(avg + 64 B)",
                label: "average-sized messages with their record headers",
                value: avg_term,
                unit: Unit::Bytes,
            },
            Term {
                symbol: "m·(max + 64 B)",
                label: "largest messages with their record headers",
                value: max_term,
                unit: Unit::Bytes,
            },
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
    title: "AMPS SlabSize",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "The guide's 512 B and 1.2 MB give 2.5 MB. An empty SOW takes `Cores·SlabSize·T`.",
    capacity: Capacity::Ram,
    occupies: None,
    fields: &[
        Field::new(
            "average_message_size",
            "Average message size",
            Kind::Bytes,
            "Bytes, e.g. \"512 B\".",
        ),
        Field::new(
            "max_message_size",
            "Largest message size",
            Kind::Bytes,
            "Bytes, at least the average, e.g. \"1.2 MB\".",
        ),
        Field::new(
            "average_per_slab",
            "Average messages per slab (a)",
            Kind::Count,
            "Average-sized messages one slab should hold; the guide uses 5.",
        )
        .symbol("a"),
        Field::new(
            "max_per_slab",
            "Largest messages per slab (m)",
            Kind::Count,
            "Largest messages one slab should hold; the guide uses 2.",
        )
        .symbol("m"),
        Field::new(
            "slab_size",
            "SlabSize now",
            Kind::Bytes,
            "The configured SlabSize, e.g. \"2.5 MB\"; empty to use the suggestion.",
        )
        .optional(),
        Field::new("topics", "SOW topics (T)", Kind::Count, "Topics with this SlabSize.")
            .symbol("T"),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc {
            name: "suggested_slab_size",
            unit: Unit::Bytes,
            meaning: "a·(avg + 64 B) + m·(max + 64 B), two significant digits, at least 1 MiB",
        },
        QuantityDoc { name: "empty_sow", unit: Unit::Bytes, meaning: "Cores·SlabSize·T" },
        QuantityDoc {
            name: "messages_per_slab",
            unit: Unit::Count,
            meaning: "average messages one slab holds",
        },
        QuantityDoc {
            name: "max_messages_per_slab",
            unit: Unit::Count,
            meaning: "⌊SlabSize / (max + 64 B)⌋, the guide's figure holds 2",
        },
        QuantityDoc {
            name: "amortized_after",
            unit: Unit::Count,
            meaning: "Cores·T·messages_per_slab",
        },
    ],
    findings: &[
        rules::AMPS_SLAB_MESSAGE_TOO_LARGE,
        rules::AMPS_SLAB_SEVERAL_MAX,
        rules::AMPS_SLAB_BELOW_SUGGESTED,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    #[test]
    fn the_guides_example_gives_2_5_mb() {
        let r = evaluate(&Input::GUIDE_EXAMPLE, &Host::with_cores(8)).unwrap();
        // 5·(512 + 64) + 2·(1,200,000 + 64) = 2,403,008 -> 2.5 MB.
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        assert_eq!(terms, [2_880, 2_400_128]);
        assert_eq!(r.quantity("suggested_slab_size"), Some(2_500_000));
        assert_eq!(Bytes(2_500_000).decimal(), "2.5 MB");
        // 8 cores · 2.5 MB before the first message.
        assert_eq!(r.quantity("empty_sow"), Some(20_000_000));
        // ⌊2,500,000 / 576⌋ = 4,340 average messages a slab; 8 · 4,340.
        assert_eq!(r.quantity("messages_per_slab"), Some(4_340));
        assert_eq!(r.quantity("amortized_after"), Some(34_720));
        assert!(r.findings.is_empty());
    }

    #[test]
    fn the_guides_example_worked_out_with_its_figures() {
        let r = evaluate(&Input::GUIDE_EXAMPLE, &Host::with_cores(8)).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "a·(avg + 64 B) = 5 × (512 B + 64 B) = 2880",
                "m·(max + 64 B) = 2 × (1,200,000 B + 64 B) = 2400128",
                "a·(avg + 64 B) + m·(max + 64 B) = 2,880 B + 2,400,128 B = 2403008",
                "suggested_slab_size = max(⌈2,403,008 B ÷ 100,000⌉ × 100,000, 1,048,576 B) \
                 = 2500000",
                "empty_sow = 8 × 2,500,000 B × 1 = 20000000",
                "messages_per_slab = ⌊2,500,000 B ÷ (512 B + 64 B)⌋ = 4340",
                "max_messages_per_slab = ⌊2,500,000 B ÷ (1,200,000 B + 64 B)⌋ = 2",
                "amortized_after = 8 × 4,340 × 1 = 34720",
            ]
        );
        // No largest message asked for: the slab still holds one.
        let one = Input { max_per_slab: Count(0), ..Input::GUIDE_EXAMPLE };
        let r = evaluate(&one, &Host::with_cores(8)).unwrap();
        assert_eq!(r.steps[2].working, "max(2,880 B, 1,200,000 B + 64 B)");
        assert_eq!(r.steps[3].working, "max(⌈1,200,064 B ÷ 100,000⌉ × 100,000, 1,048,576 B)");
        assert_eq!(r.quantity("suggested_slab_size"), Some(1_300_000));
    }

    #[test]
    fn one_mb_slabs_cost_one_mb_per_core() {
        // "with the SlabSize set to 1MB, the SOW for this topic will consume
        // 1MB per processor core with no messages stored in the SOW".
        let i = Input { slab_size: Some(Bytes(Bytes::MB)), topics: Count(3), ..Input::default() };
        let r = evaluate(&i, &Host::with_cores(16)).unwrap();
        assert_eq!(r.quantity("empty_sow"), Some(48_000_000));
    }

    #[test]
    fn small_messages_keep_a_1_mib_slab() {
        let i = Input {
            average_message_size: Bytes(200),
            max_message_size: Bytes(4096),
            ..Input::default()
        };
        assert_eq!(
            evaluate(&i, &Host::with_cores(4)).unwrap().quantity("suggested_slab_size"),
            Some(Bytes::MIB)
        );
        assert_eq!(round_up_two_digits(2_403_008), Some(2_500_000));
        assert_eq!(round_up_two_digits(99), Some(99));
        assert_eq!(round_up_two_digits(995), Some(1000));
        assert_eq!(round_up_two_digits(2_400_000), Some(2_400_000));
        assert_eq!(round_up_two_digits(u64::MAX), None);
    }

    /// "several times the maximum message size", with the guide's figure:
    /// 2.5 MB holds two 1.2 MB messages, 2 MB only one.
    #[test]
    fn a_slab_of_fewer_than_two_largest_messages() {
        let guide = Input { slab_size: Some(Bytes(2_500_000)), ..Input::GUIDE_EXAMPLE };
        let r = evaluate(&guide, &Host::with_cores(8)).unwrap();
        assert_eq!(r.quantity("max_messages_per_slab"), Some(2));
        assert!(r.findings.is_empty());
        let small = Input { slab_size: Some(Bytes(2 * Bytes::MB)), ..Input::GUIDE_EXAMPLE };
        let r = evaluate(&small, &Host::with_cores(8)).unwrap();
        assert_eq!(r.quantity("max_messages_per_slab"), Some(1));
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.slab.below_several_max", Severity::Warning));
        assert_eq!(f.fix.as_deref(), Some("<SlabSize>2500kB</SlabSize>"));
        // Messages AMPS stores whatever the SlabSize: the rule does not apply.
        let small_messages = Input {
            average_message_size: Bytes(512),
            max_message_size: Bytes(600_000),
            slab_size: Some(Bytes(Bytes::MIB)),
            ..Input::default()
        };
        let f = evaluate(&small_messages, &Host::with_cores(8)).unwrap().findings;
        assert_eq!(f.iter().map(|f| f.id).collect::<Vec<_>>(), ["amps.slab.below_suggested"]);
    }

    #[test]
    fn a_configured_slab_below_the_suggestion() {
        // Two 1.2 MB messages fit, five 512 B ones beside them do not.
        let small = Input { slab_size: Some(Bytes(2_401_000)), ..Input::GUIDE_EXAMPLE };
        let r = evaluate(&small, &Host::with_cores(8)).unwrap();
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.slab.below_suggested", Severity::Info));
        assert_eq!(f.fix.as_deref(), Some("<SlabSize>2500kB</SlabSize>"));
        // The empty-SOW cost is the configured slab's.
        assert_eq!(r.quantity("empty_sow"), Some(19_208_000));
        let tiny = Input { slab_size: Some(Bytes(Bytes::MB)), ..small };
        let tiny_max = Input { max_message_size: Bytes(2 * Bytes::MB), ..tiny };
        let r = evaluate(&tiny_max, &Host::with_cores(8)).unwrap();
        assert_eq!(r.findings[0].id, "amps.slab.message_too_large");
        assert_eq!(r.findings[0].severity, Severity::Error);
        let enough = Input { slab_size: Some(Bytes(3 * Bytes::MB)), ..small };
        assert!(evaluate(&enough, &Host::with_cores(8)).unwrap().findings.is_empty());
    }

    #[test]
    fn invalid_inputs_name_the_field() {
        let i = Input { average_message_size: Bytes(10), ..Input::default() };
        assert!(
            matches!(evaluate(&i, &Host::with_cores(1)), Err(CalcError::Invalid { field, .. }) if field == "max_message_size")
        );
        let i = Input { topics: Count(0), ..Input::default() };
        assert!(
            matches!(evaluate(&i, &Host::with_cores(1)), Err(CalcError::Invalid { field, .. }) if field == "topics")
        );
    }

    fn input() -> impl Strategy<Value = (Input, u64)> {
        (any::<[u64; 6]>(), any::<u64>(), any::<bool>()).prop_map(|(v, c, set)| {
            let s = |x: u64| x >> (x % 64);
            let (x, y) = (s(v[0]), s(v[1]));
            (
                Input {
                    average_message_size: Bytes(x.min(y)),
                    max_message_size: Bytes(x.max(y)),
                    average_per_slab: Count(s(v[2])),
                    max_per_slab: Count(s(v[3])),
                    slab_size: set.then_some(Bytes(s(v[4]))),
                    topics: Count(s(v[5])),
                },
                s(c),
            )
        })
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error((i, cores) in input()) {
            match evaluate(&i, &Host::with_cores(cores)) {
                Ok(r) => {
                    let s = r.quantity("suggested_slab_size").unwrap();
                    prop_assert!(s >= STORABLE_FLOOR);
                    prop_assert!(storable(Bytes(s)) >= i.max_message_size.get());
                }
                Err(CalcError::Overflow { .. } | CalcError::Invalid { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn the_suggestion_never_shrinks_when_a_size_or_count_grows(
            (i, cores) in input(), extra in 0u64..1 << 30
        ) {
            let grown = [
                Input { max_message_size: Bytes(i.max_message_size.get().saturating_add(extra)), ..i },
                Input { average_per_slab: Count(i.average_per_slab.get().saturating_add(extra)), ..i },
                Input { max_per_slab: Count(i.max_per_slab.get().saturating_add(extra)), ..i },
                Input { topics: Count(i.topics.get().saturating_add(extra)), ..i },
            ];
            if let Ok(a) = evaluate(&i, &Host::with_cores(cores)) {
                for g in grown {
                    if let Ok(b) = evaluate(&g, &Host::with_cores(cores)) {
                        prop_assert!(b.quantity("suggested_slab_size") >= a.quantity("suggested_slab_size"));
                        prop_assert!(b.quantity("empty_sow") >= a.quantity("empty_sow"));
                    }
                }
            }
        }
    }
}
