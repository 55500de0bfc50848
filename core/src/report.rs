//! The shape every calculator returns: what the page renders and what
//! `dumptool plan` prints, so both show the same figures, formula and source.

use serde::Serialize;

use crate::finding::Finding;

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
