//! AMPS SOW storage: the smallest and largest size of a SOW on disk, the
//! largest message it can hold and the memory maps it needs (result id
//! `amps.sow_storage`).

use serde::{Deserialize, Serialize};

use super::{fit, limits, slab, storable, RECORD_HEADER, STORABLE_FLOOR};
use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{exact, n, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::{Bytes, Count};
use crate::validate::rules;

pub const ID: &str = "amps.sow_storage";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Capacity Planning > Storage > SOW, Examples 25.3 to 25.5; \
              Linux Operating System Configuration > /proc/sys/vm/max_map_count",
    excerpt: "Min = ( MsgSize * MsgCount ) + ( Cores * SlabSize ) … Max = ( MsgSize + SlabSize ) * MsgCount … The /proc/sys/vm/max_map_count parameter sets the maximum number of maps that the Linux kernel will allow for a process.",
};

pub const FORMULA: &str = "min = MsgSize·MsgCount + Cores·SlabSize·T; \
max = (MsgSize + SlabSize)·MsgCount; largest message = max(SlabSize − 64 B, 1 MiB); \
maps = ⌈MsgSize·MsgCount / SlabSize⌉ + Cores·T";

/// The `[amps.sow_storage]` section: one SOW topic, or several topics with
/// the same SlabSize and average message size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// MsgSize: average SOW message size, bytes (default 0).
    pub message_size: Bytes,
    /// MsgCount: messages in the SOW, all topics together, count (default 0).
    pub messages: Count,
    /// SlabSize of the topics, bytes (default 1 MiB, the guide's example
    /// "SlabSize set to 1MB").
    pub slab_size: Bytes,
    /// T: SOW topics, count (default 1). Each reserves a slab per core.
    pub topics: Count,
    /// The largest message the application stores, bytes; checked against
    /// the largest the SOW can hold when given (default: not set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_message_size: Option<Bytes>,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            message_size: Bytes(0),
            messages: Count(0),
            slab_size: Bytes(Bytes::MIB),
            topics: Count(1),
            max_message_size: None,
        }
    }
}

/// The SOW's storage bounds, AMPS User Guide ch. 25, Capacity Planning >
/// Storage > SOW:
///
/// > Min = ( MsgSize * MsgCount ) + ( Cores * SlabSize )  (Example 25.3)
/// >
/// > Max = ( MsgSize + SlabSize ) * MsgCount  (Example 25.4)
/// >
/// > Max = SlabSize - 64 bytes  (Example 25.5, the largest message)
///
/// Cores is `host.cores`. The per-core term is per topic ("the SOW for this
/// topic will consume 1MB per processor core with no messages stored"), so
/// with T topics it is `Cores·SlabSize·T`; T = 1 is the guide's formula.
/// With fewer messages than cores Example 25.4 gives less than Example
/// 25.3; `max` is then raised to `min` (docs/source-discrepancies.md).
///
/// Memory maps: the guide says a small SlabSize "results in frequent
/// extensions of your SOW topic", which "in extreme cases can exhaust the
/// kernel limit on the number of regions that a process can map" (Best
/// Practices > SOW Parameters). Headroom assumes one map per slab: the
/// slabs that hold the messages, `⌈MsgSize·MsgCount / SlabSize⌉`, plus the
/// slab each core reserves in each topic. The count is compared with
/// `host.kernel.max_map_count`, or with the kernel's default 65530 when
/// that is unknown; it covers the SOW only, not the journals or the heap.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let size = u128::from(input.message_size.get());
    let count = u128::from(input.messages.get());
    let slab = u128::from(input.slab_size.get());
    let cores = u128::from(host.cores.get());
    let topics = u128::from(input.topics.get());
    if slab == 0 {
        return Err(CalcError::Invalid {
            field: "slab_size".into(),
            reason: "must be more than 0 bytes (AMPS stores SOW messages in slabs)".into(),
        });
    }
    if topics == 0 {
        return Err(CalcError::Invalid {
            field: "topics".into(),
            reason: "must be at least 1 SOW topic".into(),
        });
    }
    let messages = fit(size.checked_mul(count), "messages")?;
    let per_core = fit(cores.checked_mul(slab).and_then(|v| v.checked_mul(topics)), "topics")?;
    let min = fit(Some(u128::from(messages) + u128::from(per_core)), "messages")?;
    let slack = fit(slab.checked_mul(count), "messages")?;
    let max = fit(Some(u128::from(messages) + u128::from(slack)), "messages")?.max(min);
    let storable = storable(input.slab_size);
    let maps = fit(Some(u128::from(messages).div_ceil(slab) + cores * topics), "messages")?;
    let mut findings = Vec::new();
    if let Some(big) = input.max_message_size.filter(|m| m.get() > storable) {
        let suggestion = slab::suggest(
            input.message_size.min(big),
            big,
            slab::AVERAGE_PER_SLAB,
            slab::MAX_PER_SLAB,
        )?;
        findings.push(
            Finding::new(
&rules::AMPS_SOW_MESSAGE_TOO_LARGE,
                format!(
                    "a SlabSize of {} stores messages up to {}; the largest message is {}",
                    input.slab_size.both(),
                    Bytes(storable).both(),
                    big.both()
                ),
            )
            .why("the largest SOW message is SlabSize − 64 bytes, at least 1 MB (AMPS User Guide, Example 25.5)")
            .fix(format!("<SlabSize>{}</SlabSize>", Bytes(suggestion).exact().replace(' ', ""))),
        );
    }
    let known = host.kernel.max_map_count.map(Count::get);
    let limit = known.unwrap_or(limits::MAX_MAP_COUNT_MIN);
    if maps > limit {
        let set =
            maps.saturating_add(limits::MAX_MAP_COUNT_MIN).max(limits::MAX_MAP_COUNT_RECOMMENDED);
        let (rule, what) = match known {
            Some(_) => (&rules::AMPS_SOW_MAP_COUNT, "vm.max_map_count is"),
            None => {
                (&rules::AMPS_SOW_MAP_COUNT_DEFAULT, "the kernel's default vm.max_map_count is")
            }
        };
        findings.push(
            Finding::new(
                rule,
                format!("the SOW needs about {maps} memory maps; {what} {limit}"),
            )
            .why("past vm.max_map_count, memory allocation fails even with memory free (AMPS User Guide, ch. 25, vm.max_map_count); a larger SlabSize needs fewer maps")
            .fix(format!("sysctl -w vm.max_map_count={set}")),
        );
    }
    let b = |v: u64| exact(v, Unit::Bytes);
    let (slab_b, cores_n, topics_n) =
        (b(input.slab_size.get()), n(host.cores.get()), n(input.topics.get()));
    let steps = vec![
        Step::new(
            "MsgSize·MsgCount",
            format!("{} × {}", b(input.message_size.get()), n(input.messages.get())),
            messages,
            Unit::Bytes,
        ),
        Step::new(
            "Cores·SlabSize·T",
            format!("{cores_n} × {slab_b} × {topics_n}"),
            per_core,
            Unit::Bytes,
        ),
        Step::new("min", format!("{} + {}", b(messages), b(per_core)), min, Unit::Bytes),
        Step::new(
            "max",
            format!(
                "max(({} + {slab_b}) × {}, {})",
                b(input.message_size.get()),
                n(input.messages.get()),
                b(min)
            ),
            max,
            Unit::Bytes,
        ),
        Step::new(
            "max_message_size",
            format!("max({slab_b} − {}, {})", b(RECORD_HEADER), b(STORABLE_FLOOR)),
            storable,
            Unit::Bytes,
        ),
        Step::new(
            "maps",
            format!("⌈{} ÷ {slab_b}⌉ + {cores_n} × {topics_n}", b(messages)),
            maps,
            Unit::Count,
        ),
    ];
    let bytes = |name, label, value| Quantity { name, label, value, unit: Unit::Bytes };
    Ok(CalcResult {
        quantities: vec![
            bytes("min", "Minimum SOW size (Example 25.3)", min),
            bytes("max", "Maximum SOW size (Example 25.4)", max),
            bytes("max_message_size", "Largest message the SOW stores (Example 25.5)", storable),
            Quantity {
                name: "maps",
                label: "Memory maps for the SOW's slabs",
                value: maps,
                unit: Unit::Count,
            },
        ],
        terms: vec![
            Term {
                symbol: "MsgSize·MsgCount",
                label: "the messages",
                value: messages,
                unit: Unit::Bytes,
            },
            Term {
                symbol: "Cores·SlabSize·T",
                label: "a slab per core per topic, on first write",
                value: per_core,
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
    title: "AMPS SOW storage",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "Cores is `host.cores`. Memory maps assume one map per slab, compared with `host.kernel.max_map_count` (the kernel default 65530 when unknown).",
    capacity: Capacity::None,
    occupies: None,
    fields: &[
        Field::new("message_size", "Average message size (MsgSize)", Kind::Bytes, "Bytes, e.g. \"1 KiB\".").symbol("MsgSize"),
        Field::new("messages", "Messages in the SOW (MsgCount)", Kind::Count, "All topics together, e.g. \"20M\".").symbol("MsgCount"),
        Field::new("slab_size", "SlabSize", Kind::Bytes, "The topics' SlabSize, e.g. \"1 MiB\" (the guide's example)."),
        Field::new("topics", "SOW topics (T)", Kind::Count, "Each reserves a slab per core.").symbol("T"),
        Field::new("max_message_size", "Largest message", Kind::Bytes, "The largest the application stores, e.g. \"4 MiB\"; empty if unknown.").optional(),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "min", unit: Unit::Bytes, meaning: "MsgSize·MsgCount + Cores·SlabSize·T" },
        QuantityDoc { name: "max", unit: Unit::Bytes, meaning: "(MsgSize + SlabSize)·MsgCount, never below min" },
        QuantityDoc { name: "max_message_size", unit: Unit::Bytes, meaning: "max(SlabSize − 64 B, 1 MiB)" },
        QuantityDoc { name: "maps", unit: Unit::Count, meaning: "⌈MsgSize·MsgCount / SlabSize⌉ + Cores·T" },
    ],
    findings: &[
        rules::AMPS_SOW_MESSAGE_TOO_LARGE,
        rules::AMPS_SOW_MAP_COUNT,
        rules::AMPS_SOW_MAP_COUNT_DEFAULT,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amps::STORABLE_FLOOR;
    use crate::finding::Severity;
    use proptest::prelude::*;

    /// The inputs of the worked example below.
    fn example() -> Input {
        Input {
            message_size: Bytes(1024),
            messages: Count(20_000_000),
            slab_size: Bytes(Bytes::MIB),
            ..Input::default()
        }
    }

    #[test]
    fn examples_25_3_to_25_5() {
        // 20 million 1 KiB messages (Example 25.2's SOW) in 1 MiB slabs on 16 cores.
        let i = example();
        let r = evaluate(&i, &Host::with_cores(16)).unwrap();
        // 20,480,000,000 + 16 · 1,048,576
        assert_eq!(r.quantity("min"), Some(20_496_777_216));
        // (1024 + 1,048,576) · 20,000,000
        assert_eq!(r.quantity("max"), Some(20_992_000_000_000));
        // 1 MiB − 64 B is below the floor: AMPS stores up to 1 MiB.
        assert_eq!(r.quantity("max_message_size"), Some(1_048_576));
        // ⌈20,480,000,000 / 1,048,576⌉ = 19,532, plus 16.
        assert_eq!(r.quantity("maps"), Some(19_548));
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        let sum: u64 = r.terms.iter().map(|t| t.value).sum();
        assert_eq!(Some(sum), r.quantity("min"));
    }

    #[test]
    fn examples_25_3_to_25_5_worked_out_with_their_figures() {
        let i = example();
        let r = evaluate(&i, &Host::with_cores(16)).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "MsgSize·MsgCount = 1,024 B × 20,000,000 = 20480000000",
                "Cores·SlabSize·T = 16 × 1,048,576 B × 1 = 16777216",
                "min = 20,480,000,000 B + 16,777,216 B = 20496777216",
                "max = max((1,024 B + 1,048,576 B) × 20,000,000, 20,496,777,216 B) = 20992000000000",
                "max_message_size = max(1,048,576 B − 64 B, 1,048,576 B) = 1048576",
                "maps = ⌈20,480,000,000 B ÷ 1,048,576 B⌉ + 16 × 1 = 19548",
            ]
        );
    }

    #[test]
    fn an_empty_sow_costs_a_slab_per_core() {
        // "with the SlabSize set to 1MB, the SOW for this topic will consume
        // 1MB per processor core with no messages stored in the SOW".
        let i = Input { slab_size: Bytes(Bytes::MB), ..Input::default() };
        let r = evaluate(&i, &Host::with_cores(8)).unwrap();
        assert_eq!(r.quantity("min"), Some(8_000_000));
        // Example 25.4 gives 0 here; the maximum is never below the minimum.
        assert_eq!(r.quantity("max"), Some(8_000_000));
    }

    #[test]
    fn the_largest_message_is_slab_size_less_64_bytes_at_least_1_mib() {
        assert_eq!(storable(Bytes(4_000_000)), 3_999_936);
        assert_eq!(storable(Bytes(1024)), Bytes::MIB);
        assert_eq!(storable(Bytes(0)), Bytes::MIB);
    }

    #[test]
    fn a_message_larger_than_the_slab_stores_is_an_error() {
        let i = Input {
            message_size: Bytes(512),
            messages: Count(1000),
            slab_size: Bytes(2 * Bytes::MIB),
            max_message_size: Some(Bytes(3 * Bytes::MIB)),
            ..Input::default()
        };
        let r = evaluate(&i, &Host::with_cores(4)).unwrap();
        assert_eq!(r.findings.len(), 1);
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.sow_storage.message_too_large", Severity::Error));
        // 5·(512 + 64) + 2·(3 MiB + 64) = 6,294,464, rounded up to 6.3 MB.
        assert_eq!(f.fix.as_deref(), Some("<SlabSize>6300kB</SlabSize>"));
        let fits = Input { max_message_size: Some(Bytes(2 * Bytes::MIB - 64)), ..i };
        assert!(evaluate(&fits, &Host::with_cores(4)).unwrap().findings.is_empty());
        // Below the floor, any message up to 1 MiB fits a small slab.
        let small =
            Input { slab_size: Bytes(4096), max_message_size: Some(Bytes(Bytes::MIB)), ..i };
        assert!(evaluate(&small, &Host::with_cores(4)).unwrap().findings.is_empty());
    }

    #[test]
    fn maps_against_max_map_count() {
        // 100 million 1 KiB messages in 64 KiB slabs: 1,562,500 slabs.
        let i = Input {
            message_size: Bytes(1024),
            messages: Count(100_000_000),
            slab_size: Bytes(64 * Bytes::KIB),
            ..Input::default()
        };
        let mut h = Host::with_cores(8);
        let r = evaluate(&i, &h).unwrap();
        assert_eq!(r.quantity("maps"), Some(1_562_508));
        let f = &r.findings[0];
        assert_eq!(
            (f.id, f.severity),
            ("amps.sow_storage.max_map_count.default", Severity::Warning)
        );
        assert_eq!(f.fix.as_deref(), Some("sysctl -w vm.max_map_count=1628038"));
        h.kernel.max_map_count = Some(Count(500_000));
        let r = evaluate(&i, &h).unwrap();
        assert_eq!(r.findings[0].severity, Severity::Error);
        h.kernel.max_map_count = Some(Count(2_000_000));
        assert!(evaluate(&i, &h).unwrap().findings.is_empty());
        // 64 MiB slabs need 1,526 + 8 maps: within the default.
        let big = Input { slab_size: Bytes(64 * Bytes::MIB), ..i };
        let r = evaluate(&big, &Host::with_cores(8)).unwrap();
        assert_eq!(r.quantity("maps"), Some(1_526 + 8));
        assert!(r.findings.is_empty());
    }

    #[test]
    fn invalid_and_overflowing_inputs_name_the_field() {
        let zero = Input { slab_size: Bytes(0), ..Input::default() };
        assert!(
            matches!(evaluate(&zero, &Host::with_cores(1)), Err(CalcError::Invalid { field, .. }) if field == "slab_size")
        );
        let no_topics = Input { topics: Count(0), ..Input::default() };
        assert!(
            matches!(evaluate(&no_topics, &Host::with_cores(1)), Err(CalcError::Invalid { field, .. }) if field == "topics")
        );
        let huge = Input { message_size: Bytes(u64::MAX), messages: Count(2), ..Input::default() };
        assert_eq!(
            evaluate(&huge, &Host::with_cores(1)),
            Err(CalcError::Overflow { field: "messages".into() })
        );
    }

    fn input() -> impl Strategy<Value = (Input, u64)> {
        (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>())
            .prop_map(|(s, m, b, t, x, c)| {
                (
                    Input {
                        message_size: Bytes(s >> (s % 64)),
                        messages: Count(m >> (m % 64)),
                        slab_size: Bytes(b >> (b % 64)),
                        topics: Count(t >> (t % 64)),
                        max_message_size: Some(Bytes(x >> (x % 64))),
                    },
                    c >> (c % 64),
                )
            })
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error((i, cores) in input()) {
            match evaluate(&i, &Host::with_cores(cores)) {
                Ok(r) => {
                    prop_assert!(r.quantity("max") >= r.quantity("min"));
                    prop_assert!(r.quantity("max_message_size") >= Some(STORABLE_FLOOR));
                }
                Err(CalcError::Overflow { .. } | CalcError::Invalid { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn sizes_never_decrease_when_a_count_or_size_grows(
            (i, cores) in input(), extra in 0u64..1 << 20
        ) {
            let grown = [
                Input { message_size: Bytes(i.message_size.get().saturating_add(extra)), ..i },
                Input { messages: Count(i.messages.get().saturating_add(extra)), ..i },
                Input { topics: Count(i.topics.get().saturating_add(extra)), ..i },
            ];
            if let Ok(a) = evaluate(&i, &Host::with_cores(cores)) {
                for g in grown {
                    for (h, g) in [(cores, g), (cores.saturating_add(extra), i)] {
                        if let Ok(b) = evaluate(&g, &Host::with_cores(h)) {
                            for q in ["min", "max", "maps"] {
                                prop_assert!(b.quantity(q) >= a.quantity(q), "{q}");
                            }
                        }
                    }
                }
            }
        }
    }
}
