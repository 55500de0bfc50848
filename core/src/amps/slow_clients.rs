//! AMPS slow-client limits for large SOW result sets (result id
//! `amps.slow_clients`).

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{CalcError, CalcResult, Quantity, Source, Term, Unit};
use crate::units::{Bytes, Count};
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
    /// The MessageMemoryLimit configured now, bytes; checked against RAM
    /// when given (default: not set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_memory_limit: Option<Bytes>,
}

/// AMPS User Guide ch. 25, Slow Clients: MessageMemoryLimit starts at 10% of
/// RAM (caution above 20%); MessageDiskLimit is "Average record size *
/// number of expected records * number of simultaneous clients, or
/// MessageMemoryLimit, whichever is greater".
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let ram = host.ram.get();
    let memory = ram / 100 * MEMORY_START_PERCENT + ram % 100 * MEMORY_START_PERCENT / 100;
    let configured = input.message_memory_limit.map_or(memory, Bytes::get);
    let backlog = input
        .average_record_size
        .get()
        .checked_mul(input.expected_records.get())
        .ok_or_else(|| CalcError::Overflow { field: "expected_records".into() })?
        .checked_mul(input.simultaneous_clients.get())
        .ok_or_else(|| CalcError::Overflow { field: "simultaneous_clients".into() })?;
    let disk = backlog.max(configured);
    let mut findings = Vec::new();
    let caution = u128::from(ram) * u128::from(MEMORY_CAUTION_PERCENT) / 100;
    if let Some(set) = input.message_memory_limit {
        if u128::from(set.get()) > caution {
            findings.push(
                Finding::new(
                    &rules::AMPS_SLOW_CLIENTS_MEMORY,
                    format!(
                        "MessageMemoryLimit {} is over 20% of the host's {} of RAM",
                        set.both(),
                        host.ram.both()
                    ),
                )
                .why("memory for client messages may cause swapping and reduce performance")
                .fix(format!(
                    "<MessageMemoryLimit>{}</MessageMemoryLimit>; raise MessageDiskLimit first",
                    memory
                )),
            );
        }
    }
    Ok(CalcResult {
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
            "The configured limit, e.g. \"10 GB\", checked against RAM; empty if not set.",
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
        let i = Input { message_memory_limit: Some(Bytes(30 * Bytes::GB)), ..Input::default() };
        let r = evaluate(&i, &host(100 * Bytes::GB)).unwrap();
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].severity, Severity::Warning);
        let ok = Input { message_memory_limit: Some(Bytes(20 * Bytes::GB)), ..i };
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
                message_memory_limit: Some(Bytes(s)),
            };
            match evaluate(&i, &host(ram)) {
                Ok(r) => prop_assert!(r.quantity("message_disk_limit") >= Some(s)),
                Err(CalcError::Overflow { .. }) => {}
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
