//! AMPS log files: the space the event log takes at trace or info level
//! over a retention period (result id `amps.logs`).

use serde::{Deserialize, Serialize};

use crate::exact;
use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{
    self, events_over, n, per_second, sum_of, CalcError, CalcResult, Quantity, Source, Step, Term,
    Unit,
};
use crate::units::{Bytes, Duration, Rate};
use crate::validate::rules;

pub const ID: &str = "amps.logs";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Capacity Planning > Storage > AMPS log files",
    excerpt: "in the worst-case, trace logging, AMPS will need at least enough storage for every message published into AMPS and every message sent out of AMPS plus 20%. … For info level logging, a good estimate of AMPS log file sizes would be 2MB per 10 million messages published.",
};

pub const FORMULA: &str = "trace: (S·in + S·out)·(1 + 20%); info: 2 MB per 10,000,000 \
messages published; in and out over the retention period";

/// Trace level: "every message published into AMPS and every message sent
/// out of AMPS plus 20%".
pub const TRACE_OVERHEAD_PERCENT: u64 = 20;
/// Info level: "2MB per 10 million messages published". MB is 10^6 here,
/// as in the guide's other figures.
pub const INFO_BYTES: u64 = 2 * Bytes::MB;
/// The 10 million messages of [`INFO_BYTES`].
pub const INFO_PER_MESSAGES: u64 = 10_000_000;

/// The log level the estimate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Every message in and out: the guide's worst case.
    Trace,
    #[default]
    Info,
}

/// The levels the page offers (plan value, label).
pub const LEVELS: &[(&str, &str)] = &[("info", "info"), ("trace", "trace")];

/// The `[amps.logs]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// `trace` or `info` (default `info`).
    pub level: Level,
    /// Messages published into AMPS, rate (default 0/s).
    pub publish_rate: Rate,
    /// Messages sent out of AMPS to subscribers and queries, rate (default
    /// 0/s); counts at trace level only.
    pub delivery_rate: Rate,
    /// Average message size, bytes (default 0); counts at trace level only.
    pub message_size: Bytes,
    /// How long logs are kept, duration (default 0).
    pub retention: Duration,
}

/// The log space for the retention period, AMPS User Guide ch. 25, Capacity
/// Planning > Storage > AMPS log files:
///
/// > in the worst-case, trace logging, AMPS will need at least enough
/// > storage for every message published into AMPS and every message sent
/// > out of AMPS plus 20%.
/// >
/// > For info level logging, a good estimate of AMPS log file sizes would be
/// > 2MB per 10 million messages published.
///
/// Messages are counted whole (rounded up) over the retention period, then
/// sized; the 20% and the info figure are rounded up to a byte.
pub fn evaluate(input: &Input, _host: &Host) -> Result<CalcResult, CalcError> {
    // Messages logged are whole (rounded up over the span); bytes follow
    // exactly and each figure is rounded up once.
    let span = exact::int(input.retention.seconds());
    let size = exact::int(input.message_size.get());
    let r_in = exact::rate(input.publish_rate);
    let inbound = (&r_in * &span).ceil();
    let b = |v: u64| report::exact(v, Unit::Bytes);
    let size_b = b(input.message_size.get());
    let logged = |r: Rate| format!("⌈{}⌉", events_over(r, &[input.retention]));
    // The terms, each with its working, and the write rate with its own.
    let (terms, mut steps, write_rate, rate_working) = match input.level {
        Level::Trace => {
            let r_out = exact::rate(input.delivery_rate);
            let outbound = (&r_out * &span).ceil();
            let in_q = &size * inbound;
            let out_q = &size * outbound;
            let overhead = (&in_q + &out_q) * exact::int(TRACE_OVERHEAD_PERCENT) / exact::int(100);
            let rate =
                (r_in + r_out) * &size * exact::int(100 + TRACE_OVERHEAD_PERCENT) / exact::int(100);
            let s_in = exact::ceil(&in_q, "publish_rate")?;
            let s_out = exact::ceil(&out_q, "delivery_rate")?;
            let plus = exact::ceil(&overhead, "message_size")?;
            let terms = vec![
                term("S·in", "every message published into AMPS", s_in),
                term("S·out", "every message sent out of AMPS", s_out),
                term("20%", "trace log overhead", plus),
            ];
            let steps = vec![
                Step::new(
                    "S·in",
                    format!("{size_b} × {}", logged(input.publish_rate)),
                    s_in,
                    Unit::Bytes,
                ),
                Step::new(
                    "S·out",
                    format!("{size_b} × {}", logged(input.delivery_rate)),
                    s_out,
                    Unit::Bytes,
                ),
                Step::new(
                    "20%",
                    format!("⌈({} + {}) × {TRACE_OVERHEAD_PERCENT}%⌉", b(s_in), b(s_out)),
                    plus,
                    Unit::Bytes,
                ),
            ];
            let rate_working = format!(
                "⌈({} + {}) × {size_b} × {}%⌉",
                per_second(input.publish_rate),
                per_second(input.delivery_rate),
                100 + TRACE_OVERHEAD_PERCENT
            );
            (terms, steps, exact::ceil(&rate, "message_size")?, rate_working)
        }
        Level::Info => {
            let per_message = exact::int(INFO_BYTES) / exact::int(INFO_PER_MESSAGES);
            let bytes = exact::ceil(&(inbound * &per_message), "publish_rate")?;
            let terms =
                vec![term("2 MB / 10M published", "info-level log per published message", bytes)];
            let per_message_text = format!("{} ÷ {}", b(INFO_BYTES), n(INFO_PER_MESSAGES));
            // The one term is the total: its working is the total's.
            let steps = vec![Step::new(
                "retained",
                format!("⌈{} × {per_message_text}⌉", logged(input.publish_rate)),
                bytes,
                Unit::Bytes,
            )];
            let rate_working = format!("⌈{} × {per_message_text}⌉", per_second(input.publish_rate));
            (terms, steps, exact::ceil(&(r_in * per_message), "publish_rate")?, rate_working)
        }
    };
    let retained = terms
        .iter()
        .try_fold(0u64, |a, t| a.checked_add(t.value))
        .ok_or_else(|| super::overflow("message_size"))?;
    // Trace's terms add up to the total; info's one term is the total.
    if input.level == Level::Trace {
        steps.push(Step::new("retained", sum_of(&terms), retained, Unit::Bytes));
    }
    steps.push(Step::new("write_rate", rate_working, write_rate, Unit::BytesPerSecond));
    let mut findings = Vec::new();
    if input.level == Level::Trace {
        findings.push(
            Finding::new(
&rules::AMPS_LOGS_TRACE,
                format!(
                    "trace logging writes {}/s: {} for {} of logs",
                    Bytes(write_rate).both(),
                    Bytes(retained).both(),
                    span
                ),
            )
            .why("trace logs every message in and out plus 20%, the guide's worst case (AMPS User Guide, ch. 25, AMPS log files)")
            .fix("log at info level, or cap the space with a log rotation that reuses the same file name"),
        );
    }
    Ok(CalcResult {
        quantities: vec![
            Quantity {
                name: "retained",
                label: "Log space for the retention period",
                value: retained,
                unit: Unit::Bytes,
            },
            Quantity {
                name: "write_rate",
                label: "Log write rate",
                value: write_rate,
                unit: Unit::BytesPerSecond,
            },
        ],
        terms,
        findings,
        steps,
        ..CALCULATOR.result()
    })
}

fn term(symbol: &'static str, label: &'static str, value: u64) -> Term {
    Term { symbol, label, value, unit: Unit::Bytes }
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "AMPS log files",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "trace logs every message in and out; info logs 2 MB per 10,000,000 messages published.",
    capacity: Capacity::None,
    occupies: None,
    fields: &[
        Field::new(
            "level",
            "Log level",
            Kind::Choice(LEVELS),
            "trace logs every message in and out: the guide's worst case.",
        ),
        Field::new(
            "publish_rate",
            "Messages published",
            Kind::Rate,
            "Rate into AMPS, e.g. \"5000/s\".",
        ),
        Field::new(
            "delivery_rate",
            "Messages delivered",
            Kind::Rate,
            "Rate out to subscribers and queries; counts at trace only.",
        ),
        Field::new(
            "message_size",
            "Average message size",
            Kind::Bytes,
            "Bytes; counts at trace level only.",
        ),
        Field::new(
            "retention",
            "Retention",
            Kind::Duration,
            "How long logs are kept, e.g. \"7 d\".",
        ),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc {
            name: "retained",
            unit: Unit::Bytes,
            meaning: "log volume over the retention period",
        },
        QuantityDoc {
            name: "write_rate",
            unit: Unit::BytesPerSecond,
            meaning: "log bytes written per second",
        },
    ],
    findings: &[rules::AMPS_LOGS_TRACE],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    #[test]
    fn info_is_2_mb_per_10_million_published() {
        let i = Input {
            level: Level::Info,
            publish_rate: Rate::per_day(10_000_000),
            delivery_rate: Rate::per_second(1_000_000),
            message_size: Bytes(1024),
            retention: Duration(Duration::DAY),
        };
        let r = evaluate(&i, &Host::default()).unwrap();
        assert_eq!(r.quantity("retained"), Some(2_000_000));
        // 2 MB a day, rounded up to a byte a second.
        assert_eq!(r.quantity("write_rate"), Some(24));
        assert!(r.findings.is_empty());
        let week = Input { retention: Duration(7 * Duration::DAY), ..i };
        assert_eq!(
            evaluate(&week, &Host::default()).unwrap().quantity("retained"),
            Some(14_000_000)
        );
    }

    #[test]
    fn trace_is_every_message_in_and_out_plus_20_percent() {
        let i = Input {
            level: Level::Trace,
            publish_rate: Rate::per_second(1000),
            delivery_rate: Rate::per_second(3000),
            message_size: Bytes(600),
            retention: Duration(Duration::HOUR),
        };
        let r = evaluate(&i, &Host::default()).unwrap();
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        // 3.6M in and 10.8M out of 600 B, and 20% of their sum.
        assert_eq!(terms, [2_160_000_000, 6_480_000_000, 1_728_000_000]);
        assert_eq!(r.quantity("retained"), Some(10_368_000_000));
        assert_eq!(r.quantity("write_rate"), Some(2_880_000));
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.logs.trace", Severity::Info));
    }

    #[test]
    fn both_levels_worked_out_with_their_figures() {
        let lines = |i: &Input| -> Vec<String> {
            let r = evaluate(i, &Host::default()).unwrap();
            r.step_lines()
        };
        let info = Input {
            publish_rate: Rate::per_day(10_000_000),
            retention: Duration(Duration::DAY),
            ..Input::default()
        };
        assert_eq!(
            lines(&info),
            [
                "retained = ⌈⌈10,000,000/d × 1 d⌉ × 2,000,000 B ÷ 10,000,000⌉ = 2000000",
                "write_rate = ⌈(10,000,000/d ÷ 86,400 s/d) × 2,000,000 B ÷ 10,000,000⌉ = 24",
            ]
        );
        let trace = Input {
            level: Level::Trace,
            publish_rate: Rate::per_second(1000),
            delivery_rate: Rate::per_second(3000),
            message_size: Bytes(600),
            retention: Duration(Duration::HOUR),
        };
        assert_eq!(
            lines(&trace),
            [
                "S·in = 600 B × ⌈1,000/s × 3,600 s⌉ = 2160000000",
                "S·out = 600 B × ⌈3,000/s × 3,600 s⌉ = 6480000000",
                "20% = ⌈(2,160,000,000 B + 6,480,000,000 B) × 20%⌉ = 1728000000",
                "retained = 2,160,000,000 B + 6,480,000,000 B + 1,728,000,000 B = 10368000000",
                "write_rate = ⌈(1,000/s + 3,000/s) × 600 B × 120%⌉ = 2880000",
            ]
        );
    }

    #[test]
    fn levels_read_from_a_plan() {
        let i: Input = toml::from_str("level = \"trace\"\npublish_rate = \"5/min\"").unwrap();
        assert_eq!(i.level, Level::Trace);
        assert_eq!(i.publish_rate, Rate::per_minute(5));
        assert!(toml::from_str::<Input>("level = \"debug\"").is_err());
    }

    fn input() -> impl Strategy<Value = Input> {
        (any::<[u64; 4]>(), 1u64..u64::MAX, 1u64..u64::MAX, any::<bool>()).prop_map(
            |(v, si, so, trace)| {
                let s = |x: u64| x >> (x % 64);
                Input {
                    level: if trace { Level::Trace } else { Level::Info },
                    publish_rate: Rate::new(s(v[0]), s(si).max(1)).unwrap_or_default(),
                    delivery_rate: Rate::new(s(v[1]), s(so).max(1)).unwrap_or_default(),
                    message_size: Bytes(s(v[2])),
                    retention: Duration(s(v[3])),
                }
            },
        )
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error(i in input()) {
            match evaluate(&i, &Host::default()) {
                Ok(r) => {
                    // The guide's rule again in u128: whole messages over the
                    // period, then trace's bytes + 20% or info's 2 MB per 10 million.
                    let over = |r: Rate| (u128::from(r.events()) * u128::from(i.retention.seconds()))
                        .div_ceil(u128::from(r.per_seconds()));
                    let size = u128::from(i.message_size.get());
                    let expected = match i.level {
                        Level::Trace => {
                            let both = size * over(i.publish_rate) + size * over(i.delivery_rate);
                            both + (both * 20).div_ceil(100)
                        }
                        Level::Info => (over(i.publish_rate) * 2_000_000).div_ceil(10_000_000),
                    };
                    prop_assert_eq!(r.quantity("retained").map(u128::from), Some(expected));
                    let sum: u128 = r.terms.iter().map(|t| u128::from(t.value)).sum();
                    prop_assert_eq!(sum, expected);
                }
                Err(CalcError::Overflow { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn logs_never_shrink_when_a_rate_size_or_period_grows(i in input(), extra in 0u64..1 << 20) {
            let more = |r: Rate| Rate::new(r.events().saturating_add(extra), r.per_seconds()).unwrap_or_default();
            let grown = [
                Input { publish_rate: more(i.publish_rate), ..i },
                Input { delivery_rate: more(i.delivery_rate), ..i },
                Input { message_size: Bytes(i.message_size.get().saturating_add(extra)), ..i },
                Input { retention: Duration(i.retention.seconds().saturating_add(extra)), ..i },
            ];
            if let Ok(a) = evaluate(&i, &Host::default()) {
                for g in grown {
                    if let Ok(b) = evaluate(&g, &Host::default()) {
                        prop_assert!(b.quantity("retained") >= a.quantity("retained"));
                        prop_assert!(b.quantity("write_rate") >= a.quantity("write_rate"));
                    }
                }
            }
        }
    }
}
