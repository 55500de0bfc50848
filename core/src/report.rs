//! The shape every calculator returns: what the page renders and what
//! `dumptool plan` prints, so both show the same figures, formula and source.

use serde::Serialize;

use crate::finding::Finding;
use crate::units::{decimal, group_thousands, Duration, Rate};

/// The unit of a [`Quantity`] or [`Term`]; values are always in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Bytes,
    BytesPerSecond,
    BitsPerSecond,
    Count,
    /// Thousandths of a CPU core, so fractional core counts stay integers.
    MilliCores,
    /// Kernel pages (kernel.shmall, net.ipv4.tcp_mem).
    Pages,
    Seconds,
}

/// Where a formula comes from: the document, its section, and the words
/// of the document the formula rests on, so a reader can check it without
/// the document at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Source {
    pub document: &'static str,
    pub section: &'static str,
    /// Verbatim from the document (whitespace collapsed); ` … ` joins
    /// passages that are apart in it.
    pub excerpt: &'static str,
}

/// A named output figure, e.g. `estimate = 54156819200 bytes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quantity {
    pub name: &'static str,
    pub label: &'static str,
    pub value: u64,
    pub unit: Unit,
}

/// One term of a formula's sum, for the breakdown and the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    /// The term as the source writes it, e.g. `2·S·M`.
    pub symbol: &'static str,
    pub label: &'static str,
    pub value: u64,
    pub unit: Unit,
}

/// One calculator's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalcResult {
    /// Stable id, e.g. `amps.memory`; documented in docs/plan-format.md.
    pub id: &'static str,
    pub title: &'static str,
    pub formula: &'static str,
    pub source: Source,
    pub quantities: Vec<Quantity>,
    pub terms: Vec<Term>,
    pub findings: Vec<Finding>,
    /// The inputs the figures were computed from, as the plan writes them.
    pub inputs: Vec<InputUsed>,
    /// The arithmetic with the plan's own figures, one step per
    /// intermediate or final figure, in the order it is worked out.
    pub steps: Vec<Step>,
}

/// One step of a result's arithmetic: `2·S·M = 2 × 1,024 × 20,000,000 =
/// 40,960,000,000 B`.
///
/// `working` is written so that a reader (and the test that evaluates
/// every step, `core/tests/steps.rs`) can redo it: whole numbers with
/// their thousands grouped by `,` and decimals with `.`, each number
/// optionally followed by its unit (`1,024 B`, `5,000/s`, which the
/// arithmetic ignores) or by `%` (divided by 100); the operators
/// `+ − × ÷`; brackets `( )`; `⌈x⌉` and `⌊x⌋` where the calculator rounds
/// up or down; `min(a, b)` and `max(a, b)`. It evaluates to `value` in
/// the unit people read (cores for [`Unit::MilliCores`]), to within the
/// last unit counted where the calculator rounds without saying so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What the step computes, as the formula or the source writes it.
    pub symbol: &'static str,
    pub working: String,
    pub value: u64,
    pub unit: Unit,
}

impl Step {
    pub fn new(symbol: &'static str, working: String, value: u64, unit: Unit) -> Step {
        Step { symbol, working, value, unit }
    }
}

/// A whole number as a step's working writes it: `20,000,000`.
pub fn n(value: u64) -> String {
    group_thousands(value)
}

/// `⌈working⌉`, or `working` alone when its value is `whole` already, so
/// the brackets show only where the calculator rounds.
pub fn up(working: String, whole: bool) -> String {
    if whole {
        working
    } else {
        format!("⌈{working}⌉")
    }
}

/// `⌊working⌋`, or `working` alone when its value is `whole` already.
pub fn down(working: String, whole: bool) -> String {
    if whole {
        working
    } else {
        format!("⌊{working}⌋")
    }
}

/// A value to the last unit it is counted in, as a step's working and the
/// "exact" column write it: `54,156,819,200 B`, `2.167 cores`.
pub fn exact(value: u64, unit: Unit) -> String {
    let n = group_thousands(value);
    match unit {
        Unit::Bytes => format!("{n} B"),
        Unit::BytesPerSecond => format!("{n} B/s"),
        Unit::BitsPerSecond => format!("{n} b/s"),
        Unit::Count => n,
        Unit::MilliCores => cores(decimal(value, 3), value == 1000),
        Unit::Pages => format!("{n} pages"),
        Unit::Seconds => format!("{n} s"),
    }
}

/// The terms of a sum, each to its last unit: `1,000 B + 24 B`.
pub fn sum_of(terms: &[Term]) -> String {
    let parts: Vec<String> = terms.iter().map(|t| exact(t.value, t.unit)).collect();
    parts.join(" + ")
}

/// A rate as a step's working writes it, per second: `5,000/s`, or the
/// events of its own unit over that unit's seconds, `(100,000,000/d ÷
/// 86,400 s/d)`, so the working stays exact.
pub fn per_second(rate: Rate) -> String {
    match whole_per(rate) {
        Some((events, 1, name)) => format!("{}/{name}", n(events)),
        Some((events, seconds, name)) => {
            format!("({}/{name} ÷ {} s/{name})", n(events), n(seconds))
        }
        None => format!("({} ÷ {} s)", n(rate.events()), n(rate.per_seconds())),
    }
}

/// The events of `rate` over the longest of `spans`, as a step's working
/// writes it: `5,000/s × 3,600 s`, `100,000,000/d × 3 d`, `1,000/s ×
/// max(7,200 s, 28,800 s)`; in seconds when a span is not a whole number
/// of the rate's unit.
pub fn events_over(rate: Rate, spans: &[Duration]) -> String {
    let (rate_text, unit, name) = match whole_per(rate) {
        Some((events, unit, name)) if spans.iter().all(|d| d.seconds() % unit == 0) => {
            (format!("{}/{name}", n(events)), unit, name)
        }
        _ => (per_second(rate), 1, "s"),
    };
    let longest = spans
        .iter()
        .map(|d| format!("{} {name}", n(d.seconds() / unit)))
        .reduce(|a, b| format!("max({a}, {b})"))
        .unwrap_or_else(|| format!("0 {name}"));
    format!("{rate_text} × {longest}")
}

/// `rate` as whole events per second, minute, hour or day, the first that
/// is whole: (events, the unit's seconds, the unit's name).
fn whole_per(rate: Rate) -> Option<(u64, u64, &'static str)> {
    let seconds = rate.per_seconds();
    [("s", 1), ("min", 60), ("h", 3600), ("d", 86_400)].into_iter().find_map(|(name, unit)| {
        let times = (unit % seconds == 0).then(|| unit / seconds)?;
        Some((rate.events().checked_mul(times)?, unit, name))
    })
}

pub(crate) fn cores(number: String, one: bool) -> String {
    if one {
        format!("{number} core")
    } else {
        format!("{number} cores")
    }
}

/// One input a result used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputUsed {
    /// The field's path inside the section, e.g. `mysql.max_connections`.
    pub key: &'static str,
    pub label: &'static str,
    /// The value as a plan writes it, or `not set` for an absent optional.
    pub value: String,
    /// The value is the field's documented default.
    pub default: bool,
    /// The field is an assumption of the formula, to question.
    pub assumption: bool,
}

impl CalcResult {
    /// Each step as `symbol = working = value`, for tests that pin a
    /// worked example line by line.
    #[cfg(test)]
    pub(crate) fn step_lines(&self) -> Vec<String> {
        self.steps.iter().map(|s| format!("{} = {} = {}", s.symbol, s.working, s.value)).collect()
    }

    /// The value of a named quantity, if the calculator produced it.
    pub fn quantity(&self, name: &str) -> Option<u64> {
        self.quantities.iter().find(|q| q.name == name).map(|q| q.value)
    }
}

/// Why a calculation could not be done; always names the input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalcError {
    #[error("{field}: {source}")]
    Unit {
        field: String,
        #[source]
        source: crate::units::UnitError,
    },
    #[error("{field}: the result is too large to compute (over 2^64 - 1); check the value")]
    Overflow { field: String },
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_written_exactly_in_their_own_unit() {
        let hour = Duration(Duration::HOUR);
        assert_eq!(per_second(Rate::per_second(5000)), "5,000/s");
        assert_eq!(per_second(Rate::per_day(100_000_000)), "(100,000,000/d ÷ 86,400 s/d)");
        assert_eq!(per_second(Rate::new(7, 13).unwrap()), "(7 ÷ 13 s)");
        assert_eq!(events_over(Rate::per_minute(5), &[hour]), "5/min × 60 min");
        assert_eq!(events_over(Rate::per_minute(5), &[Duration(90)]), "(5/min ÷ 60 s/min) × 90 s");
        assert_eq!(
            events_over(Rate::per_second(1000), &[Duration(7200), Duration(28_800)]),
            "1,000/s × max(7,200 s, 28,800 s)"
        );
        assert_eq!(events_over(Rate::per_hour(3), &[]), "3/h × 0 h");
    }
}
