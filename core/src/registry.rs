//! The registry of calculators: one declaration per calculator, from which
//! the plan file, its JSON schema, the page's forms, `docs/plan-format.md`
//! and the CLI's listing all come.
//!
//! A calculator is its module (the `Input` type and `evaluate`), one
//! [`Calculator`] constant in that module, and one line in the
//! `calculators!` table of `plan.rs`. Nothing else names its fields. What
//! the registry shows people (docs, listing, schema) is in `docs.rs`.

use serde::Serialize;

use crate::report::{CalcResult, Source, Unit};
use crate::validate::rules::Rule;

/// The system a calculator sizes, for grouping in the page and the docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    Amps,
    Gemstone,
    Aerospike,
    Connections,
    Vps,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            System::Amps => "60East AMPS",
            System::Gemstone => "GemStone/S and MagLev",
            System::Aerospike => "Aerospike C client",
            System::Connections => "Many TCP connections",
            System::Vps => "Small VPS (MySQL and a web server)",
        }
    }
}

/// What a calculator's results are drawn against in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// The host's RAM (memory results).
    Ram,
    /// The host's cores (CPU results, in thousandths of a core).
    Cores,
    /// Nothing the host profile knows (disk, network): the terms alone.
    None,
}

/// What a field holds and how it is written in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "choices")]
pub enum Kind {
    /// A size: `"10 GB"`, `"1 KiB"` or a number of bytes.
    Bytes,
    /// A size in KiB, as the source's setting is written (GemStone's KB).
    Kib,
    /// A count: `20000000` or `"20M"`.
    Count,
    /// A whole percentage, e.g. `200` for 200 %.
    Percent,
    /// A rate: `"5000/s"`, `"5/min"`, `"100M/d"`.
    Rate,
    /// A duration: `"8h"`, `"1 d"` or seconds.
    Duration,
    /// A ratio: a decimal fraction `0.02` or `"2%"`.
    Ratio,
    /// An integer identifier, e.g. a System V key (`0xA9000000`).
    Key,
    /// 0 or 1, as the kernel writes a boolean setting.
    Flag,
    /// Integers separated by spaces, e.g. a port range.
    IntList,
    /// One of a list: (plan value, label).
    Choice(&'static [(&'static str, &'static str)]),
    /// The tag of a variant table (`kind = "prefork"`): choosing another
    /// replaces the table with that variant's defaults.
    Variant,
}

impl Kind {
    /// The unit as the docs and the CLI name it.
    pub fn unit(self) -> &'static str {
        match self {
            Kind::Bytes => "bytes",
            Kind::Kib => "KiB",
            Kind::Count => "count",
            Kind::Percent => "percent",
            Kind::Rate => "rate",
            Kind::Duration => "duration",
            Kind::Ratio => "ratio",
            Kind::Key => "key",
            Kind::Flag => "0 or 1",
            Kind::IntList => "integers",
            Kind::Choice(_) => "choice",
            Kind::Variant => "variant",
        }
    }
}

/// One input of a calculator (or of the host profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The path inside the section, e.g. `clients` or `mysql.max_connections`.
    pub key: &'static str,
    /// The symbol the source's formula uses for it, e.g. `C`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<&'static str>,
    pub label: &'static str,
    #[serde(flatten)]
    pub kind: Kind,
    /// One sentence for the operator, ending in a full stop.
    pub help: &'static str,
    /// No default: absent means unknown (or "not set").
    pub optional: bool,
    /// The field stands for an assumption of the formula (a figure the
    /// source assumes), shown with the result so it can be questioned.
    pub assumption: bool,
    /// The smallest and largest value the source declares for it (for an
    /// integer list, for each element); checked by `bounds.rs` before any
    /// formula runs.
    pub min: u64,
    pub max: u64,
    /// Where the bounds come from, e.g. "uint32_t in as_config.h"; empty
    /// when they are only the plan's own u64.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub bound_source: &'static str,
    /// An integer list whose elements may not decrease (low <= high).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ordered: bool,
}

impl Field {
    pub const fn new(
        key: &'static str,
        label: &'static str,
        kind: Kind,
        help: &'static str,
    ) -> Field {
        let max = match kind {
            Kind::Flag => 1,
            _ => u64::MAX,
        };
        Field {
            key,
            symbol: None,
            label,
            kind,
            help,
            optional: false,
            assumption: false,
            min: 0,
            max,
            bound_source: "",
            ordered: false,
        }
    }

    /// Values from `min` to `max` inclusive, as `source` declares them.
    pub const fn range(mut self, min: u64, max: u64, source: &'static str) -> Field {
        self.min = min;
        self.max = max;
        self.bound_source = source;
        self
    }

    /// An integer list written low to high (a range).
    pub const fn ordered(mut self) -> Field {
        self.ordered = true;
        self
    }

    pub const fn symbol(mut self, symbol: &'static str) -> Field {
        self.symbol = Some(symbol);
        self
    }

    pub const fn optional(mut self) -> Field {
        self.optional = true;
        self
    }

    pub const fn assumption(mut self) -> Field {
        self.assumption = true;
        self
    }
}

/// A nested table of a section, e.g. `[vps.memory.mysql]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Group {
    pub key: &'static str,
    pub label: &'static str,
}

/// One alternative of a tagged table inside a section: choosing it replaces
/// the table with this variant's defaults.
#[derive(Clone, Copy)]
pub struct Variant {
    /// The table's path inside the section, e.g. `web`.
    pub path: &'static str,
    /// The tag key, e.g. `kind`, and this variant's value of it.
    pub tag: &'static str,
    pub value: &'static str,
    pub label: &'static str,
    pub defaults: fn() -> toml::Table,
}

/// A named figure a calculator returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuantityDoc {
    pub name: &'static str,
    pub unit: Unit,
    /// How it is derived, in a few words.
    pub meaning: &'static str,
}

/// Everything the shells need to know about one calculator.
#[derive(Clone, Copy)]
pub struct Calculator {
    /// The section's path in the plan and its result id, e.g. `amps.memory`.
    pub id: &'static str,
    pub title: &'static str,
    pub system: System,
    pub source: Source,
    pub formula: &'static str,
    /// What the formula assumes and how it is read, for the docs.
    pub notes: &'static str,
    pub capacity: Capacity,
    /// The figure (one of `quantities`, in the unit of `capacity`) that
    /// takes up that part of the host and adds up with the other systems'
    /// in the page's host roll-up. `None` when no figure does, or when the
    /// figures are inside another calculator's (the AMPS slow-client limit
    /// is part of the AMPS memory estimate) or are a recommendation.
    pub occupies: Option<&'static str>,
    pub fields: &'static [Field],
    pub groups: &'static [Group],
    pub variants: &'static [Variant],
    pub quantities: &'static [QuantityDoc],
    /// The rules whose findings the calculator reports.
    pub findings: &'static [Rule],
    /// The section's inputs with their defaults, as the plan writes them.
    pub defaults: fn() -> toml::Table,
}

impl Calculator {
    /// An empty result of this calculator: its id, title, formula and
    /// source, no figures yet.
    pub fn result(&self) -> CalcResult {
        CalcResult {
            id: self.id,
            title: self.title,
            formula: self.formula,
            source: self.source,
            quantities: Vec::new(),
            terms: Vec::new(),
            findings: Vec::new(),
            inputs: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// The field at `key` (a path inside the section).
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn group_label(&self, key: &str) -> Option<&'static str> {
        self.groups.iter().find(|g| g.key == key).map(|g| g.label)
    }
}

/// A value serialized as a TOML table (structs always are); the registry's
/// `defaults` functions are this over each `Input::default()`.
pub fn table_of<T: Serialize>(value: &T) -> toml::Table {
    toml::Table::try_from(value).unwrap_or_default()
}

/// `T::default()` as a table.
pub fn defaults_of<T: Serialize + Default>() -> toml::Table {
    table_of(&T::default())
}
