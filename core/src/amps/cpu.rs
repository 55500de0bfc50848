//! AMPS CPU for content filtering: subscriptions and SOW queries, at the
//! guide's measured filter rate (result id `amps.cpu`).

use serde::{Deserialize, Serialize};

use crate::exact;
use crate::finding::Finding;
use crate::host::Host;
use crate::present::format_value;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{n, per_second, up, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::{group_thousands, Count, Rate};
use crate::validate::rules;

pub const ID: &str = "amps.cpu";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Capacity Planning > CPU",
    excerpt: "a moderate query filter with 5 predicates can be executed against 1KB messages at more than 1,000,000 messages per second, per core on an Intel i7 3GHz CPU.",
};

pub const FORMULA: &str = "cores = (R·N + Qs·M) / F, F = 1,000,000 evaluations/s per core";

/// "a moderate query filter with 5 predicates can be executed against 1KB
/// messages at more than 1,000,000 messages per second, per core on an
/// Intel i7 3GHz CPU" (Capacity Planning > CPU).
pub const FILTER_RATE_PER_CORE: Rate = Rate::per_second(1_000_000);

/// The `[amps.cpu]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// R: messages published per second, rate (default 0/s).
    pub publish_rate: Rate,
    /// N: content-filtered subscriptions each published message is checked
    /// against, count (default 0).
    pub subscriptions: Count,
    /// Qs: SOW queries with a content filter, rate (default 0/s).
    pub query_rate: Rate,
    /// M: messages in the SOW topic each query scans, count (default 0).
    pub sow_messages: Count,
    /// F: filter evaluations one core runs per second, rate (default
    /// 1,000,000/s: the guide's 5-predicate filter on 1 KB messages on a
    /// 3 GHz i7). Lower it for heavier filters or larger messages.
    pub filter_rate_per_core: Rate,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            publish_rate: Rate::per_second(0),
            subscriptions: Count(0),
            query_rate: Rate::per_second(0),
            sow_messages: Count(0),
            filter_rate_per_core: FILTER_RATE_PER_CORE,
        }
    }
}

/// Cores for content filtering, AMPS User Guide ch. 25, Capacity Planning >
/// CPU: a 5-predicate filter runs against 1 KB messages "at more than
/// 1,000,000 messages per second, per core on an Intel i7 3GHz CPU. This
/// applies to both subscription based content filtering and SOW queries."
///
/// Assumptions (the guide gives only the rate): every published message is
/// evaluated once against each content-filtered subscription (R·N), and
/// every SOW query evaluates its filter once against each message of the
/// topic (Qs·M, a full scan, no index); filters are like the guide's and
/// messages about 1 KB; cores scale linearly. The guide's rate is a lower
/// bound ("more than"), so the result is an upper estimate for such
/// filters. Each term is rounded up to a thousandth of a core. The
/// comparison is with `host.cores`, which also run AMPS's other threads.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let f = input.filter_rate_per_core;
    if f.events() == 0 {
        return Err(CalcError::Invalid {
            field: "filter_rate_per_core".into(),
            reason: "must be above 0/s, e.g. \"1000000/s\"".into(),
        });
    }
    // rate·count evaluations per second, as a fraction e/s, over F = fe/fs
    // per core: milli-cores = 1000·e·fs / (s·fe).
    // Exact loads; cores (in thousandths) and evaluations are each rounded
    // up once from their exact sum, the terms on their own.
    let per_core = exact::rate(f);
    let subs = exact::rate(input.publish_rate) * exact::int(input.subscriptions.get());
    let scans = exact::rate(input.query_rate) * exact::int(input.sow_messages.get());
    let milli_of =
        |q: &exact::Q, field: &str| exact::ceil(&(q * exact::int(1000) / &per_core), field);
    let sub_milli = milli_of(&subs, "subscriptions")?;
    let query_milli = milli_of(&scans, "sow_messages")?;
    let total = &subs + &scans;
    let evals = exact::ceil(&total, "sow_messages")?;
    let milli = milli_of(&total, "sow_messages")?;
    // Cores are shown to the thousandth they are rounded up to.
    let (r, qs, f_per) =
        (per_second(input.publish_rate), per_second(input.query_rate), per_second(f));
    let rn = format!("{r} × {}", n(input.subscriptions.get()));
    let qm = format!("{qs} × {}", n(input.sow_messages.get()));
    let steps = vec![
        Step::new("R·N / F", format!("{rn} ÷ {f_per}"), sub_milli, Unit::MilliCores),
        Step::new("Qs·M / F", format!("{qm} ÷ {f_per}"), query_milli, Unit::MilliCores),
        Step::new(
            "evaluations",
            up(format!("{rn} + {qm}"), total.is_integer()),
            evals,
            Unit::Count,
        ),
        Step::new("cores", format!("({rn} + {qm}) ÷ {f_per}"), milli, Unit::MilliCores),
    ];
    let mut findings = Vec::new();
    let cores = host.cores.get();
    if cores > 0 && u128::from(milli) > u128::from(cores) * 1000 {
        findings.push(
            Finding::new(
&rules::AMPS_CPU_EXCEEDS_CORES,
                format!(
                    "content filtering needs {} at {f} per core; the host has {}",
                    format_value(milli, Unit::MilliCores),
                    group_thousands(cores)
                ),
            )
            .why("SOW queries with content filters are CPU-bound and the number of cores decides how quickly they run (AMPS User Guide, ch. 25, CPU)")
            .fix(format!(
                "provision at least {} cores, or fewer filtered subscriptions and full-topic queries",
                milli.div_ceil(1000)
            )),
        );
    }
    let cores_term = |symbol, label, value| Term { symbol, label, value, unit: Unit::MilliCores };
    Ok(CalcResult {
        quantities: vec![
            Quantity {
                name: "cores",
                label: "Cores for content filtering",
                value: milli,
                unit: Unit::MilliCores,
            },
            Quantity {
                name: "evaluations",
                label: "Filter evaluations per second",
                value: evals,
                unit: Unit::Count,
            },
        ],
        terms: vec![
            cores_term("R·N / F", "subscription content filtering", sub_milli),
            cores_term("Qs·M / F", "SOW query scans", query_milli),
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
    title: "AMPS CPU",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "Assumes every published message is checked against each filtered subscription and every query scans the whole topic.",
    capacity: Capacity::Cores,
    occupies: Some("cores"),
    fields: &[
        Field::new("publish_rate", "Messages published (R)", Kind::Rate, "Rate, e.g. \"5000/s\".").symbol("R"),
        Field::new("subscriptions", "Filtered subscriptions (N)", Kind::Count, "Content filters each published message is checked against.").symbol("N"),
        Field::new("query_rate", "Filtered SOW queries (Qs)", Kind::Rate, "Rate, e.g. \"10/s\".").symbol("Qs"),
        Field::new("sow_messages", "Messages per query scan (M)", Kind::Count, "Messages in the SOW topic each query scans.").symbol("M"),
        Field::new("filter_rate_per_core", "Filter rate per core (F)", Kind::Rate, "Evaluations one core runs per second; the guide measured 1,000,000/s.").symbol("F"),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "cores", unit: Unit::MilliCores, meaning: "(R·N + Qs·M) / F" },
        QuantityDoc { name: "evaluations", unit: Unit::Count, meaning: "filter evaluations per second" },
    ],
    findings: &[
        rules::AMPS_CPU_EXCEEDS_CORES,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    #[test]
    fn a_million_evaluations_a_second_is_one_core() {
        let i = Input {
            publish_rate: Rate::per_second(10_000),
            subscriptions: Count(100),
            ..Input::default()
        };
        let r = evaluate(&i, &Host::with_cores(8)).unwrap();
        assert_eq!(r.quantity("evaluations"), Some(1_000_000));
        assert_eq!(r.quantity("cores"), Some(1000));
        assert!(r.findings.is_empty());
    }

    /// The inputs of the worked example below.
    fn example() -> Input {
        Input {
            publish_rate: Rate::per_second(5000),
            subscriptions: Count(100),
            query_rate: Rate::per_minute(5),
            sow_messages: Count(20_000_000),
            ..Input::default()
        }
    }

    #[test]
    fn example_25_7_traffic_with_20_million_sow_messages() {
        // Example 25.7's 5000/s to 100 subscriptions and 5 queries a minute,
        // each scanning Example 25.2's 20 million SOW messages.
        let i = example();
        let r = evaluate(&i, &Host::with_cores(2)).unwrap();
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        // 500,000/s is half a core; 20,000,000/12 s is 1.667 cores.
        assert_eq!(terms, [500, 1667]);
        assert_eq!(r.quantity("cores"), Some(2167));
        assert_eq!(r.quantity("evaluations"), Some(500_000 + 1_666_667));
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.cpu.exceeds_cores", Severity::Warning));
        assert_eq!(f.fix.as_deref(), Some("provision at least 3 cores, or fewer filtered subscriptions and full-topic queries"));
        assert!(evaluate(&i, &Host::with_cores(3)).unwrap().findings.is_empty());
        // Unknown (0) cores: no comparison.
        assert!(evaluate(&i, &Host::with_cores(0)).unwrap().findings.is_empty());
        // A heavier filter at half the guide's rate needs twice the cores.
        let heavy = Input { filter_rate_per_core: Rate::per_second(500_000), ..i };
        assert_eq!(evaluate(&heavy, &Host::with_cores(8)).unwrap().quantity("cores"), Some(4334));
    }

    #[test]
    fn example_25_7_worked_out_with_its_figures() {
        let i = example();
        let r = evaluate(&i, &Host::with_cores(2)).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "R·N / F = 5,000/s × 100 ÷ 1,000,000/s = 500",
                "Qs·M / F = (5/min ÷ 60 s/min) × 20,000,000 ÷ 1,000,000/s = 1667",
                "evaluations = ⌈5,000/s × 100 + (5/min ÷ 60 s/min) × 20,000,000⌉ = 2166667",
                "cores = (5,000/s × 100 + (5/min ÷ 60 s/min) × 20,000,000) ÷ 1,000,000/s = 2167",
            ]
        );
        // A whole number of evaluations is shown without rounding brackets.
        let whole = Input { query_rate: Rate::per_second(0), ..i };
        let r = evaluate(&whole, &Host::with_cores(2)).unwrap();
        assert_eq!(r.steps[2].working, "5,000/s × 100 + 0/s × 20,000,000");
    }

    #[test]
    fn a_zero_filter_rate_is_invalid() {
        let i = Input { filter_rate_per_core: Rate::per_second(0), ..Input::default() };
        assert!(
            matches!(evaluate(&i, &Host::with_cores(8)), Err(CalcError::Invalid { field, .. }) if field == "filter_rate_per_core")
        );
    }

    fn input() -> impl Strategy<Value = Input> {
        any::<[u64; 8]>().prop_map(|v| {
            let s = |x: u64| x >> (x % 64);
            let rate = |e: u64, secs: u64| Rate::new(s(e), s(secs).max(1)).unwrap_or_default();
            Input {
                publish_rate: rate(v[0], v[1]),
                subscriptions: Count(s(v[2])),
                query_rate: rate(v[3], v[4]),
                sow_messages: Count(s(v[5])),
                filter_rate_per_core: rate(v[6], v[7]),
            }
        })
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error(i in input(), cores in any::<u64>()) {
            match evaluate(&i, &Host::with_cores(cores)) {
                Ok(r) => {
                    // Each term is rounded up on its own, the total once.
                    let sum: u128 = r.terms.iter().map(|t| u128::from(t.value)).sum();
                    let cores = u128::from(r.quantity("cores").unwrap());
                    prop_assert!(sum >= cores && sum <= cores + 1);
                }
                Err(CalcError::Overflow { .. } | CalcError::Invalid { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn cores_never_shrink_when_a_rate_or_count_grows(i in input(), extra in 0u64..1 << 20) {
            let more = |r: Rate| Rate::new(r.events().saturating_add(extra), r.per_seconds()).unwrap_or_default();
            let grown = [
                Input { publish_rate: more(i.publish_rate), ..i },
                Input { query_rate: more(i.query_rate), ..i },
                Input { subscriptions: Count(i.subscriptions.get().saturating_add(extra)), ..i },
                Input { sow_messages: Count(i.sow_messages.get().saturating_add(extra)), ..i },
            ];
            if let Ok(a) = evaluate(&i, &Host::with_cores(8)) {
                for g in grown {
                    if let Ok(b) = evaluate(&g, &Host::with_cores(8)) {
                        prop_assert!(b.quantity("cores") >= a.quantity("cores"));
                        prop_assert!(b.quantity("evaluations") >= a.quantity("evaluations"));
                    }
                }
            }
        }
    }
}
