//! AMPS memory estimate (result id `amps.memory`).

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{n, sum_of, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::{Bytes, Count, Percent};
use crate::validate::rules;

pub const ID: &str = "amps.memory";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Capacity Planning > Memory, Example 25.1",
    excerpt: "This puts a general memory consumption estimate for AMPS itself at: 1GB + ( 2S * M ) + ( C * 4096) + ( TMemLimit ) + (J * 2) + (Q * 196 bytes)",
};

pub const FORMULA: &str = "1 GB + 2·S·M + 4096·C + TMemLimit + 2·J + 196·Q";

/// AMPS's own binary image and start-up state. The guide says "less than
/// 1GB" and writes its other gigabytes as powers of ten (TMemLimit =
/// 10,000,000,000), so 1 GB here is 10^9 bytes. See docs/source-discrepancies.md.
pub const BASE: Bytes = Bytes(Bytes::GB);

/// Per-client bookkeeping, bytes (the `C * 4096` term).
pub const PER_CLIENT: u64 = 4096;

/// Metadata per queued message, bytes (the `Q * 196 bytes` term).
pub const PER_QUEUED_MESSAGE: u64 = 196;

/// The inputs of Example 25.1, named as the guide names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryInput {
    /// S: average message size for topics in the SOW.
    pub sow_message_size: Bytes,
    /// M: number of messages in all topics in the SOW.
    pub sow_messages: Count,
    /// C: number of clients.
    pub clients: Count,
    /// TMemLimit: total of all MessageMemoryLimit settings in the instance.
    pub message_memory_limit: Bytes,
    /// J: the JournalSize setting.
    pub journal_size: Bytes,
    /// Q: total number of messages in the queues of the instance.
    pub queue_messages: Count,
    /// Headroom to provision, percent of the estimate: 200 for a critical
    /// system (the default), or the largest historical spike, e.g. 350.
    pub headroom_percent: Percent,
}

/// The plan file's `[amps.memory]` section.
pub type Input = MemoryInput;

/// Capacity Planning > Memory: "provision 200% of the estimate" for
/// critical systems.
pub const CRITICAL_HEADROOM_PERCENT: u64 = 200;

impl Default for MemoryInput {
    /// All counts zero, headroom 200%.
    fn default() -> Self {
        MemoryInput {
            sow_message_size: Bytes(0),
            sow_messages: Count(0),
            clients: Count(0),
            message_memory_limit: Bytes(0),
            journal_size: Bytes(0),
            queue_messages: Count(0),
            headroom_percent: Percent(CRITICAL_HEADROOM_PERCENT),
        }
    }
}

impl MemoryInput {
    /// AMPS User Guide, Example 25.2.
    pub const EXAMPLE_25_2: MemoryInput = MemoryInput {
        sow_message_size: Bytes(1024),
        sow_messages: Count(20_000_000),
        clients: Count(200),
        message_memory_limit: Bytes(10_000_000_000),
        journal_size: Bytes(1_000_000_000),
        queue_messages: Count(1_000_000),
        headroom_percent: Percent(CRITICAL_HEADROOM_PERCENT),
    };
}

/// The memory AMPS itself needs, term by term.
///
/// AMPS User Guide, ch. 25 "Operation and Deployment", Capacity Planning >
/// Memory, Example 25.1:
///
/// > 1GB + ( 2S * M ) + ( C * 4096) + ( TMemLimit ) + (J * 2) + (Q * 196 bytes)
///
/// The guide's Example 25.2 says "roughly 53GB"; the formula gives
/// 54,156,819,200 bytes (54.2 GB, 50.4 GiB). The guide's figure comes from
/// taking S as 1000 rather than 1024: see docs/source-discrepancies.md.
pub fn estimate(input: &MemoryInput) -> Result<CalcResult, CalcError> {
    let overflow = |field: &str| CalcError::Overflow { field: field.to_string() };
    // S·M in u128 (it always fits), so a count of 0 gives 0 whatever S is.
    let sow = (u128::from(input.sow_message_size.get()) * u128::from(input.sow_messages.get()))
        .checked_mul(2)
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| overflow("sow_messages"))?;
    let clients = input.clients.get().checked_mul(PER_CLIENT).ok_or_else(|| overflow("clients"))?;
    let journal =
        input.journal_size.get().checked_mul(2).ok_or_else(|| overflow("journal_size"))?;
    let queues = input
        .queue_messages
        .get()
        .checked_mul(PER_QUEUED_MESSAGE)
        .ok_or_else(|| overflow("queue_messages"))?;
    let terms = vec![
        term("1 GB", "AMPS binary and start-up state", BASE.get()),
        term("2·S·M", "SOW messages and their query indexes", sow),
        term("4096·C", "per-client state", clients),
        term(
            "TMemLimit",
            "client message buffers (MessageMemoryLimit)",
            input.message_memory_limit.get(),
        ),
        term("2·J", "latest journal file held in memory", journal),
        term("196·Q", "queue message metadata", queues),
    ];
    let total = terms
        .iter()
        .try_fold(0u64, |acc, t| acc.checked_add(t.value))
        .ok_or_else(|| overflow("message_memory_limit"))?;
    let (s, m, c) = (input.sow_message_size.get(), input.sow_messages.get(), input.clients.get());
    let steps = vec![
        Step::new("2·S·M", format!("2 × {} B × {}", n(s), n(m)), sow, Unit::Bytes),
        Step::new("4096·C", format!("4,096 B × {}", n(c)), clients, Unit::Bytes),
        Step::new("2·J", format!("2 × {} B", n(input.journal_size.get())), journal, Unit::Bytes),
        Step::new(
            "196·Q",
            format!("196 B × {}", n(input.queue_messages.get())),
            queues,
            Unit::Bytes,
        ),
        Step::new("estimate", sum_of(&terms), total, Unit::Bytes),
    ];
    Ok(CalcResult {
        steps,
        quantities: vec![Quantity {
            name: "estimate",
            label: "Estimated memory for AMPS",
            value: total,
            unit: Unit::Bytes,
        }],
        terms,
        findings: Vec::new(),
        ..CALCULATOR.result()
    })
}

/// [`estimate`] plus the recommended provisioned memory (estimate ×
/// headroom_percent / 100, AMPS User Guide ch. 25, Capacity Planning >
/// Memory) compared with the host's RAM.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    // An invalid input is named before any figure is computed.
    if input.headroom_percent.get() < 100 {
        return Err(CalcError::Invalid {
            field: "headroom_percent".into(),
            reason: "must be at least 100 (percent of the estimate)".into(),
        });
    }
    let mut r = estimate(input)?;
    let total = r.quantity("estimate").unwrap_or(0);
    // Provisioned memory: rounded up once.
    let recommended = (u128::from(total) * u128::from(input.headroom_percent.get())).div_ceil(100);
    let recommended = u64::try_from(recommended)
        .map_err(|_| CalcError::Overflow { field: "headroom_percent".into() })?;
    r.steps.push(Step::new(
        "recommended",
        format!("⌈{} B × {}⌉", n(total), input.headroom_percent),
        recommended,
        Unit::Bytes,
    ));
    r.quantities.push(Quantity {
        name: "recommended",
        label: "Recommended provisioned memory",
        value: recommended,
        unit: Unit::Bytes,
    });
    let ram = host.ram.get();
    if ram > 0 && total > ram {
        r.findings.push(
            Finding::new(
                &rules::AMPS_MEMORY_EXCEEDS_RAM,
                format!(
                    "AMPS needs {} but the host has {} of RAM",
                    Bytes(total).both(),
                    host.ram.both()
                ),
            )
            .fix(format!("provision at least {} of RAM", Bytes(recommended).both())),
        );
    } else if ram > 0 && recommended > ram {
        r.findings.push(
            Finding::new(
                &rules::AMPS_MEMORY_BELOW_RECOMMENDED,
                format!(
                    "the host's {} of RAM is below the recommended {}",
                    host.ram.both(),
                    Bytes(recommended).both()
                ),
            )
            .fix(format!("provision {} of RAM", Bytes(recommended).both())),
        );
    }
    Ok(r)
}

fn term(symbol: &'static str, label: &'static str, value: u64) -> Term {
    Term { symbol, label, value, unit: Unit::Bytes }
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "AMPS memory",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "Compared with `host.ram`: an error when the estimate does not fit, a warning when the recommended figure does not.",
    capacity: Capacity::Ram,
    occupies: Some("estimate"),
    fields: &[
        Field::new("sow_message_size", "Average SOW message size (S)", Kind::Bytes, "Bytes per message, e.g. \"1 KiB\" or \"600 B\".").symbol("S"),
        Field::new("sow_messages", "Messages in all SOW topics (M)", Kind::Count, "A count, e.g. \"20M\" or \"20,000,000\".").symbol("M"),
        Field::new("clients", "Connected clients (C)", Kind::Count, "Clients connected at once.").symbol("C"),
        Field::new("message_memory_limit", "Total MessageMemoryLimit (TMemLimit)", Kind::Bytes, "Sum over all transports, e.g. \"10 GB\".").symbol("TMemLimit"),
        Field::new("journal_size", "JournalSize (J)", Kind::Bytes, "The transaction log's JournalSize, e.g. \"1 GB\".").symbol("J"),
        Field::new("queue_messages", "Messages in queues (Q)", Kind::Count, "Messages active in queues at any time.").symbol("Q"),
        Field::new("headroom_percent", "Headroom to provision (%)", Kind::Percent, "Percent of the estimate: 200 for a critical system, or the largest spike seen, e.g. 350."),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "estimate", unit: Unit::Bytes, meaning: "1 GB + 2·S·M + 4096·C + TMemLimit + 2·J + 196·Q" },
        QuantityDoc { name: "recommended", unit: Unit::Bytes, meaning: "estimate × headroom_percent / 100" },
    ],
    findings: &[
        rules::AMPS_MEMORY_EXCEEDS_RAM,
        rules::AMPS_MEMORY_BELOW_RECOMMENDED,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn example_25_2() {
        let r = estimate(&MemoryInput::EXAMPLE_25_2).unwrap();
        // 1e9 + 40,960,000,000 + 819,200 + 1e10 + 2e9 + 196,000,000
        assert_eq!(r.quantity("estimate"), Some(54_156_819_200));
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        assert_eq!(
            terms,
            [1_000_000_000, 40_960_000_000, 819_200, 10_000_000_000, 2_000_000_000, 196_000_000]
        );
        assert_eq!(Bytes(54_156_819_200).both(), "54.2 GB (50.4 GiB)");
    }

    #[test]
    fn example_25_2_worked_out_with_its_figures() {
        let r = evaluate(&MemoryInput::EXAMPLE_25_2, &Host::default()).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "2·S·M = 2 × 1,024 B × 20,000,000 = 40960000000",
                "4096·C = 4,096 B × 200 = 819200",
                "2·J = 2 × 1,000,000,000 B = 2000000000",
                "196·Q = 196 B × 1,000,000 = 196000000",
                "estimate = 1,000,000,000 B + 40,960,000,000 B + 819,200 B + 10,000,000,000 B \
                 + 2,000,000,000 B + 196,000,000 B = 54156819200",
                "recommended = ⌈54,156,819,200 B × 200%⌉ = 108313638400",
            ]
        );
    }

    #[test]
    fn the_guides_53_gb_comes_from_s_equal_1000() {
        let input = MemoryInput { sow_message_size: Bytes(1000), ..MemoryInput::EXAMPLE_25_2 };
        let r = estimate(&input).unwrap();
        assert_eq!(r.quantity("estimate"), Some(53_196_819_200));
    }

    /// Small distinct inputs, so each coefficient shows in the total.
    #[test]
    fn each_coefficient_on_its_own_input() {
        let input = MemoryInput {
            sow_message_size: Bytes(1500),
            sow_messages: Count(3),
            clients: Count(7),
            message_memory_limit: Bytes(11),
            journal_size: Bytes(13),
            queue_messages: Count(17),
            headroom_percent: Percent(350),
        };
        let r = evaluate(&input, &Host::default()).unwrap();
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        // 1 GB, 2·1500·3, 4096·7, 11, 2·13, 196·17.
        assert_eq!(terms, [1_000_000_000, 9000, 28_672, 11, 26, 3332]);
        assert_eq!(r.quantity("estimate"), Some(1_000_041_041));
        // 350% of it, 3,500,143,643.5, rounded up to a byte.
        assert_eq!(r.quantity("recommended"), Some(3_500_143_644));
    }

    #[test]
    fn overflow_names_the_field() {
        let input = MemoryInput { sow_messages: Count(u64::MAX), ..MemoryInput::EXAMPLE_25_2 };
        assert_eq!(estimate(&input), Err(CalcError::Overflow { field: "sow_messages".into() }));
    }

    fn input() -> impl Strategy<Value = MemoryInput> {
        (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>())
            .prop_map(|(s, m, c, t, j, q)| MemoryInput {
                sow_message_size: Bytes(s >> (s % 64)),
                sow_messages: Count(m >> (m % 64)),
                clients: Count(c >> (c % 64)),
                message_memory_limit: Bytes(t >> (t % 64)),
                journal_size: Bytes(j >> (j % 64)),
                queue_messages: Count(q >> (q % 64)),
                headroom_percent: Percent(CRITICAL_HEADROOM_PERCENT),
            })
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error(i in input()) {
            // The formula again, in u128; only 2·S·M can pass 2^128, and
            // saturating there keeps it above u64::MAX, which is all that counts.
            let v = |x: u64| u128::from(x);
            let sow = v(i.sow_message_size.get()).saturating_mul(v(i.sow_messages.get()));
            let exact = sow.saturating_mul(2).saturating_add(
                1_000_000_000 + 4096 * v(i.clients.get()) + v(i.message_memory_limit.get())
                    + 2 * v(i.journal_size.get()) + 196 * v(i.queue_messages.get()),
            );
            match estimate(&i) {
                Ok(r) => {
                    prop_assert_eq!(r.quantity("estimate").map(u128::from), Some(exact));
                    let sum: u128 = r.terms.iter().map(|t| u128::from(t.value)).sum();
                    prop_assert_eq!(sum, exact);
                }
                // Each term is at most the total: only a total above u64 overflows.
                Err(CalcError::Overflow { .. }) => prop_assert!(exact > v(u64::MAX)),
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn more_clients_never_need_less_memory(i in input(), extra in 0u64..1_000_000) {
            let more = MemoryInput { clients: Count(i.clients.get().saturating_add(extra)), ..i };
            if let (Ok(a), Ok(b)) = (estimate(&i), estimate(&more)) {
                prop_assert!(b.quantity("estimate") >= a.quantity("estimate"));
            }
        }
    }
}
