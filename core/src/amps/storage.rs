//! AMPS total storage: SOW, transaction log, log files, slow-client offline
//! storage and the rest of the install, against the disk they are written
//! to (result id `amps.storage`).

use serde::{Deserialize, Serialize};

use crate::exact;
use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{self, sum_of, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::Bytes;
use crate::validate::rules;

pub const ID: &str = "amps.storage";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Capacity Planning > Storage",
    excerpt: "AMPS needs enough space to store its own binary images, configuration files, SOW persistence files, log files, transaction log journals, and slow client offline storage, if any.",
};

pub const FORMULA: &str = "total = SOW + transaction log + log files + offline messages + \
binaries and configuration; SOW between Example 25.3 (min) and Example 25.4 (max)";

/// The `[amps.storage]` section. A component left empty takes the figure of
/// its own section in the same plan (`[amps.sow_storage]`, `[amps.txlog]`,
/// `[amps.logs]`, `[amps.slow_clients]`), and 0 when the plan has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// Smallest SOW on disk, bytes (default: `[amps.sow_storage]` min, or
    /// `sow_max` when only that is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sow_min: Option<Bytes>,
    /// Largest SOW on disk, bytes (default: `[amps.sow_storage]` max, or
    /// `sow_min` when only that is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sow_max: Option<Bytes>,
    /// Transaction log journals, bytes (default: `[amps.txlog]` capacity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_log: Option<Bytes>,
    /// Log files, bytes (default: `[amps.logs]` retained).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<Bytes>,
    /// Slow-client offline storage, MessageDiskLimit, bytes (default:
    /// `[amps.slow_clients]`'s planned message_disk_limit, else its
    /// recommended one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline: Option<Bytes>,
    /// Binary images, configuration files and anything else on the same
    /// disk, bytes (default 0: the guide gives no figure).
    pub other: Bytes,
    /// Space the disk has for AMPS, bytes (default: not set, no check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<Bytes>,
}

/// The storage AMPS needs, AMPS User Guide ch. 25, Capacity Planning >
/// Storage: "AMPS needs enough space to store its own binary images,
/// configuration files, SOW persistence files, log files, transaction log
/// journals, and slow client offline storage, if any."
///
/// The SOW is a range: "The storage requirements should be between the two
/// values above" (Examples 25.3 and 25.4), so the total is a range too. A
/// disk below the smallest total cannot hold AMPS; one below the largest
/// may fill up as the SOW grows.
pub fn evaluate(input: &Input, _host: &Host) -> Result<CalcResult, CalcError> {
    let (sow_min, sow_max) = match (input.sow_min, input.sow_max) {
        (Some(a), Some(b)) => (a.get(), b.get()),
        (Some(a), None) | (None, Some(a)) => (a.get(), a.get()),
        (None, None) => (0, 0),
    };
    if sow_min > sow_max {
        return Err(CalcError::Invalid {
            field: "sow_min".into(),
            reason: format!("{} is above sow_max {}", Bytes(sow_min).both(), Bytes(sow_max).both()),
        });
    }
    let get = |b: Option<Bytes>| b.map_or(0, Bytes::get);
    let (txlog, logs, offline) = (get(input.transaction_log), get(input.logs), get(input.offline));
    let rest =
        exact::int(txlog) + exact::int(logs) + exact::int(offline) + exact::int(input.other.get());
    let total_min = exact::ceil(&(exact::int(sow_min) + &rest), "sow_min")?;
    let total_max = exact::ceil(&(exact::int(sow_max) + &rest), "sow_max")?;
    let mut findings = Vec::new();
    if let Some(disk) = input.disk {
        let why = "AMPS needs space for its binaries, configuration, SOW, log files, transaction log journals and slow-client offline storage (AMPS User Guide, ch. 25, Capacity Planning > Storage)";
        if total_min > disk.get() {
            findings.push(
                Finding::new(
                    &rules::AMPS_STORAGE_EXCEEDS_DISK,
                    format!(
                        "AMPS needs at least {} of storage; the disk has {}",
                        Bytes(total_min).both(),
                        disk.both()
                    ),
                )
                .why(why)
                .fix(format!("a disk of at least {} for AMPS", Bytes(total_max).both())),
            );
        } else if total_max > disk.get() {
            findings.push(
                Finding::new(
                    &rules::AMPS_STORAGE_MAY_EXCEED_DISK,
                    format!(
                        "AMPS needs up to {} of storage when the SOW reaches its largest size; the disk has {}",
                        Bytes(total_max).both(),
                        disk.both()
                    ),
                )
                .why("the SOW takes between Example 25.3's minimum and Example 25.4's maximum (AMPS User Guide, ch. 25, Storage > SOW)")
                .fix(format!("a disk of at least {} for AMPS", Bytes(total_max).both())),
            );
        }
    }
    let term = |symbol, label, value| Term { symbol, label, value, unit: Unit::Bytes };
    let terms = vec![
        term("SOW", "SOW persistence files (smallest)", sow_min),
        term("journals", "transaction log journals", txlog),
        term("logs", "log files", logs),
        term("offline", "slow-client offline storage", offline),
        term("other", "binaries, configuration and the rest", input.other.get()),
    ];
    // The largest total is the same sum with the largest SOW first.
    let with_sow_max = format!("{} + {}", report::exact(sow_max, Unit::Bytes), sum_of(&terms[1..]));
    let steps = vec![
        Step::new("total_min", sum_of(&terms), total_min, Unit::Bytes),
        Step::new("total_max", with_sow_max, total_max, Unit::Bytes),
    ];
    Ok(CalcResult {
        quantities: vec![
            Quantity {
                name: "total_min",
                label: "Storage with the smallest SOW",
                value: total_min,
                unit: Unit::Bytes,
            },
            Quantity {
                name: "total_max",
                label: "Storage with the largest SOW",
                value: total_max,
                unit: Unit::Bytes,
            },
        ],
        terms,
        findings,
        steps,
        ..CALCULATOR.result()
    })
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "AMPS total storage",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "An empty component takes its own section's figure in the same plan: \
`[amps.sow_storage]` min and max, `[amps.txlog]` capacity, `[amps.logs]` retained, \
`[amps.slow_clients]` message_disk_limit (planned, else recommended).",
    capacity: Capacity::None,
    occupies: None,
    fields: &[
        Field::new(
            "sow_min",
            "SOW, smallest",
            Kind::Bytes,
            "Example 25.3's minimum; empty for [amps.sow_storage]'s, or sow_max.",
        )
        .optional(),
        Field::new(
            "sow_max",
            "SOW, largest",
            Kind::Bytes,
            "Example 25.4's maximum; empty for [amps.sow_storage]'s, or sow_min.",
        )
        .optional(),
        Field::new(
            "transaction_log",
            "Transaction log",
            Kind::Bytes,
            "Journals kept; empty for [amps.txlog]'s capacity.",
        )
        .optional(),
        Field::new(
            "logs",
            "Log files",
            Kind::Bytes,
            "Logs kept; empty for [amps.logs]'s retained space.",
        )
        .optional(),
        Field::new(
            "offline",
            "Offline messages",
            Kind::Bytes,
            "MessageDiskLimit; empty for [amps.slow_clients]'s.",
        )
        .optional(),
        Field::new(
            "other",
            "Binaries and configuration",
            Kind::Bytes,
            "Anything else AMPS keeps on the disk, e.g. \"2 GB\".",
        ),
        Field::new(
            "disk",
            "Disk space",
            Kind::Bytes,
            "Space the disk has for AMPS, e.g. \"2 TB\"; empty to skip the check.",
        )
        .optional(),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc {
            name: "total_min",
            unit: Unit::Bytes,
            meaning: "SOW min + journals + logs + offline + other",
        },
        QuantityDoc {
            name: "total_max",
            unit: Unit::Bytes,
            meaning: "SOW max + journals + logs + offline + other",
        },
    ],
    findings: &[rules::AMPS_STORAGE_EXCEEDS_DISK, rules::AMPS_STORAGE_MAY_EXCEED_DISK],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    fn b(n: u64) -> Option<Bytes> {
        Some(Bytes(n))
    }

    /// The inputs of the worked example below.
    fn example() -> Input {
        Input {
            sow_min: b(20_496_777_216),
            sow_max: b(20_992_000_000_000),
            transaction_log: b(100 * Bytes::GB),
            logs: b(604_800_000),
            offline: b(10 * Bytes::GB),
            other: Bytes(0),
            disk: b(4_000 * Bytes::GB),
        }
    }

    /// The guide's own figures: Example 25.2's SOW (20 million 1 KiB
    /// messages in 1 MiB slabs, Examples 25.3 and 25.4 on 16 cores), a
    /// transaction log of "100GB a day", info logs of 2 MB per 10 million
    /// messages for 3,024,000,000 messages, and a 10 GB MessageDiskLimit.
    #[test]
    fn the_guides_components_add_up() {
        let i = example();
        let r = evaluate(&i, &Host::default()).unwrap();
        assert_eq!(r.quantity("total_min"), Some(131_101_577_216));
        assert_eq!(r.quantity("total_max"), Some(21_102_604_800_000));
        let sum: u64 = r.terms.iter().map(|t| t.value).sum();
        assert_eq!(Some(sum), r.quantity("total_min"));
        // 4 TB holds the smallest SOW but not Example 25.4's largest.
        let f = &r.findings[..];
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].id, f[0].severity), ("amps.storage.may_exceed_disk", Severity::Warning));
        let small = Input { disk: b(100 * Bytes::GB), ..i };
        let f = evaluate(&small, &Host::default()).unwrap().findings;
        assert_eq!((f[0].id, f[0].severity), ("amps.storage.exceeds_disk", Severity::Error));
        assert_eq!(f[0].fix.as_deref(), Some("a disk of at least 21.1 TB (19.2 TiB) for AMPS"));
        let big = Input { disk: b(22_000 * Bytes::GB), ..i };
        assert!(evaluate(&big, &Host::default()).unwrap().findings.is_empty());
        let unknown = Input { disk: None, ..i };
        assert!(evaluate(&unknown, &Host::default()).unwrap().findings.is_empty());
    }

    #[test]
    fn the_guides_components_worked_out_with_their_figures() {
        let i = Input { disk: None, ..example() };
        let r = evaluate(&i, &Host::default()).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "total_min = 20,496,777,216 B + 100,000,000,000 B + 604,800,000 B \
                 + 10,000,000,000 B + 0 B = 131101577216",
                "total_max = 20,992,000,000,000 B + 100,000,000,000 B + 604,800,000 B \
                 + 10,000,000,000 B + 0 B = 21102604800000",
            ]
        );
    }

    #[test]
    fn one_sow_figure_stands_for_both_and_a_reversed_range_names_the_field() {
        let i = Input { sow_max: b(5), ..Input::default() };
        let r = evaluate(&i, &Host::default()).unwrap();
        assert_eq!((r.quantity("total_min"), r.quantity("total_max")), (Some(5), Some(5)));
        let bad = Input { sow_min: b(6), sow_max: b(5), ..Input::default() };
        assert!(matches!(
            evaluate(&bad, &Host::default()),
            Err(CalcError::Invalid { field, .. }) if field == "sow_min"
        ));
    }

    proptest! {
        #[test]
        fn the_total_is_the_sum_or_an_overflow(v in any::<[u64; 6]>(), disk in any::<u64>()) {
            let (lo, hi) = (v[0].min(v[1]), v[0].max(v[1]));
            let i = Input {
                sow_min: b(lo), sow_max: b(hi), transaction_log: b(v[2]), logs: b(v[3]),
                offline: b(v[4]), other: Bytes(v[5]), disk: b(disk),
            };
            let rest: u128 = v[2..].iter().map(|&x| u128::from(x)).sum();
            match evaluate(&i, &Host::default()) {
                Ok(r) => {
                    prop_assert_eq!(r.quantity("total_max").map(u128::from), Some(u128::from(hi) + rest));
                    let over = u128::from(lo) + rest > u128::from(disk);
                    prop_assert_eq!(r.findings.iter().any(|f| f.severity == Severity::Error), over);
                }
                Err(CalcError::Overflow { .. }) => prop_assert!(u128::from(hi) + rest > u128::from(u64::MAX)),
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
