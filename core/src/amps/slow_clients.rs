//! AMPS slow-client limits for large SOW result sets (result id
//! `amps.slow_clients`).

use serde::{Deserialize, Serialize};

use crate::exact;
use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{CalcError, CalcResult, Quantity, Source, Term, Unit};
use crate::units::{Bytes, Count, Ratio};
use crate::validate::rules;

pub const ID: &str = "amps.slow_clients";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Slow Clients > Slow Client Offlining for Large Result Sets",
};

pub const FORMULA: &str =
    "MessageMemoryLimit = 10% · RAM; MessageDiskLimit = max(avg record · records · clients, MessageMemoryLimit)";

/// "Recommended starting point for tuning large result sets: 10%."
pub const MEMORY_START_PERCENT: u64 = 10;
/// "Use caution with settings over 20%": swapping.
pub const MEMORY_CAUTION_PERCENT: u64 = 20;

/// The `[amps.slow_clients]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// Average record size in a large result set, bytes (default 0).
    pub average_record_size: Bytes,
    /// Number of records a client is expected to retrieve, count (default 0).
    pub expected_records: Count,
    /// Clients retrieving such result sets at once, count (default 0).
    pub simultaneous_clients: Count,
    /// The MessageMemoryLimit configured now, a size or a share of RAM
    /// (`"10%"`); checked against RAM when given (default: not set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_memory_limit: Option<MemoryLimit>,
}

/// MessageMemoryLimit as AMPS takes it: a size, or a share of the host's
/// RAM, which the guide recommends ("10% as a starting point").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryLimit {
    Size(Bytes),
    Share(Ratio),
}

impl MemoryLimit {
    /// In bytes of `ram`, a share rounded down; `None` above 2^64 - 1.
    pub fn bytes(self, ram: u64) -> Option<u64> {
        match self {
            MemoryLimit::Size(b) => Some(b.get()),
            MemoryLimit::Share(r) => {
                let v = u128::from(ram) * u128::from(r.ppm()) / u128::from(Ratio::ONE);
                u64::try_from(v).ok()
            }
        }
    }
}

impl Serialize for MemoryLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MemoryLimit::Size(b) => b.serialize(s),
            MemoryLimit::Share(r) => s.serialize_str(&r.to_string().replace(',', "")),
        }
    }
}

impl<'de> Deserialize<'de> for MemoryLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(MemoryLimit::Size(Bytes(n))),
            Raw::Text(t) if t.trim_end().ends_with('%') => {
                Ratio::parse(&t).map(MemoryLimit::Share).map_err(serde::de::Error::custom)
            }
            Raw::Text(t) => {
                Bytes::parse(&t).map(MemoryLimit::Size).map_err(serde::de::Error::custom)
            }
        }
    }
}

/// AMPS User Guide ch. 25, Slow Clients: MessageMemoryLimit starts at 10% of
/// RAM (caution above 20%); MessageDiskLimit is "Average record size *
/// number of expected records * number of simultaneous clients, or
/// MessageMemoryLimit, whichever is greater".
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let ram = host.ram.get();
    let memory = ram / 100 * MEMORY_START_PERCENT + ram % 100 * MEMORY_START_PERCENT / 100;
    let set = match input.message_memory_limit {
        Some(limit) => Some(
            limit
                .bytes(ram)
                .ok_or_else(|| CalcError::Overflow { field: "message_memory_limit".into() })?,
        ),
        None => None,
    };
    let configured = set.unwrap_or(memory);
    // The product is exact: a factor of 0 gives 0 whatever the others are.
    let backlog = exact::ceil(
        &(exact::int(input.average_record_size.get())
            * exact::int(input.expected_records.get())
            * exact::int(input.simultaneous_clients.get())),
        "simultaneous_clients",
    )?;
    let disk = backlog.max(configured);
    let mut findings = Vec::new();
    let caution = u128::from(ram) * u128::from(MEMORY_CAUTION_PERCENT) / 100;
    if let Some(set) = set {
        if u128::from(set) > caution {
            findings.push(
                Finding::new(
                    &rules::AMPS_SLOW_CLIENTS_MEMORY,
                    format!(
                        "MessageMemoryLimit {} is over 20% of the host's {} of RAM",
                        Bytes(set).both(),
                        host.ram.both()
                    ),
                )
                .why("the AMPS guide starts MessageMemoryLimit at 10% of RAM, raises it 1-2% at a time and advises caution over 20%: memory for client messages may cause swapping and reduce performance")
                .fix("<MessageMemoryLimit>10%</MessageMemoryLimit>; raise MessageDiskLimit first"),
            );
        }
    }
    Ok(CalcResult {
        // Filled by the plan, which knows the registry and the defaults.
        inputs: Vec::new(),
        id: ID,
        title: CALCULATOR.title,
        formula: FORMULA,
        source: SOURCE,
        quantities: vec![
            Quantity {
                name: "message_memory_limit",
                label: "MessageMemoryLimit starting point (10% of RAM)",
                value: memory,
                unit: Unit::Bytes,
            },
            Quantity {
                name: "message_disk_limit",
                label: "MessageDiskLimit starting point",
                value: disk,
                unit: Unit::Bytes,
            },
        ],
        terms: vec![Term {
            symbol: "size·records·clients",
            label: "offline backlog of the simultaneous clients",
            value: backlog,
            unit: Unit::Bytes,
        }],
        findings,
    })
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "AMPS slow clients",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes:
        "The guide suggests MessageMemoryLimit at 10% of RAM as a start, with caution above 20%.",
    capacity: Capacity::Ram,
    fields: &[
        Field::new(
            "average_record_size",
            "Average record size",
            Kind::Bytes,
            "Bytes per record of a large result set, e.g. \"1 KiB\".",
        ),
        Field::new(
            "expected_records",
            "Records per result set",
            Kind::Count,
            "Records a client is expected to retrieve, e.g. \"1M\".",
        ),
        Field::new(
            "simultaneous_clients",
            "Simultaneous clients",
            Kind::Count,
            "Clients retrieving such result sets at once.",
        ),
        Field::new(
            "message_memory_limit",
            "MessageMemoryLimit now",
            Kind::Bytes,
            "The configured limit, a size (\"10 GB\") or a share of RAM (\"10%\"), checked against RAM; empty if not set.",
        )
        .optional(),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc {
            name: "message_memory_limit",
            unit: Unit::Bytes,
            meaning: "10% of RAM, the guide's starting point",
        },
        QuantityDoc {
            name: "message_disk_limit",
            unit: Unit::Bytes,
            meaning: "max(record size · records · simultaneous clients, MessageMemoryLimit)",
        },
    ],
    findings: &[rules::AMPS_SLOW_CLIENTS_MEMORY],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    fn host(ram: u64) -> Host {
        Host { ram: Bytes(ram), ..Host::default() }
    }

    /// Issue 16: the guide writes MessageMemoryLimit as a percentage.
    #[test]
    fn a_percentage_of_ram_is_accepted_and_judged() {
        let host = Host { ram: Bytes(64 * Bytes::GIB), ..Host::default() };
        let i: Input = toml::from_str("message_memory_limit = \"50%\"").unwrap();
        assert_eq!(i.message_memory_limit, Some(MemoryLimit::Share(Ratio::percent(50))));
        let r = evaluate(&i, &host).unwrap();
        assert_eq!(r.quantity("message_disk_limit"), Some(32 * Bytes::GIB));
        let f = &r.findings[0];
        assert_eq!(f.id, "amps.slow_clients.memory_over_20_percent");
        assert!(f.why.as_deref().unwrap().contains("1-2% at a time"));
        let ten: Input = toml::from_str("message_memory_limit = \"10%\"").unwrap();
        assert!(evaluate(&ten, &host).unwrap().findings.is_empty());
        assert!(toml::to_string(&ten).unwrap().contains("message_memory_limit = \"10%\""));
    }

    #[test]
    fn ten_percent_and_the_larger_disk_limit() {
        let i = Input {
            average_record_size: Bytes(1024),
            expected_records: Count(1_000_000),
            simultaneous_clients: Count(10),
            message_memory_limit: None,
        };
        let r = evaluate(&i, &host(64 * Bytes::GIB)).unwrap();
        assert_eq!(r.quantity("message_memory_limit"), Some(6_871_947_673));
        assert_eq!(r.quantity("message_disk_limit"), Some(10_240_000_000));
        let small = Input { expected_records: Count(10), ..i };
        let r = evaluate(&small, &host(64 * Bytes::GIB)).unwrap();
        assert_eq!(r.quantity("message_disk_limit"), Some(6_871_947_673));
    }

    #[test]
    fn over_20_percent_warns() {
        let i = Input {
            message_memory_limit: Some(MemoryLimit::Size(Bytes(30 * Bytes::GB))),
            ..Input::default()
        };
        let r = evaluate(&i, &host(100 * Bytes::GB)).unwrap();
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].severity, Severity::Warning);
        let ok =
            Input { message_memory_limit: Some(MemoryLimit::Size(Bytes(20 * Bytes::GB))), ..i };
        assert!(evaluate(&ok, &host(100 * Bytes::GB)).unwrap().findings.is_empty());
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error(
            s in any::<u64>(), n in any::<u64>(), c in any::<u64>(), ram in any::<u64>()
        ) {
            let i = Input {
                average_record_size: Bytes(s),
                expected_records: Count(n),
                simultaneous_clients: Count(c),
                message_memory_limit: Some(MemoryLimit::Size(Bytes(s))),
            };
            match evaluate(&i, &host(ram)) {
                Ok(r) => prop_assert!(r.quantity("message_disk_limit") >= Some(s)),
                Err(CalcError::Overflow { .. }) => {}
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
