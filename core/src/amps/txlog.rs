//! AMPS transaction log: its capacity, file size, file count and write rate
//! (result id `amps.txlog`).

use serde::{Deserialize, Serialize};

use crate::exact;
use crate::finding::Finding;
use crate::host::{Host, Storage};
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{
    self, events_over, n, per_second, CalcError, CalcResult, Quantity, Source, Step, Term, Unit,
};
use crate::units::{Bytes, Count, Duration, Rate};
use crate::validate::rules;

pub const ID: &str = "amps.txlog";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Capacity Planning > Storage > Transaction logs, Example 25.6; \
              Other Storage Considerations",
    excerpt: "Capacity = ( S + 512 bytes ) * N … If performance greater than 50MB/second is required out of the AMPS transaction log, experience has demonstrated that flash storage (or better) would be recommended.",
};

pub const FORMULA: &str = "Capacity = (S + 512 B)·N, N = R·max(retention, recovery window); \
file = (S + 512 B)·R·increment / files per increment; throughput = (S + 512 B)·R";

/// Journal overhead per message, bytes (Example 25.6, `S + 512 bytes`).
pub const PER_MESSAGE: u64 = 512;

/// "If performance greater than 50MB/second is required out of the AMPS
/// transaction log, experience has demonstrated that flash storage (or
/// better) would be recommended" (Other Storage Considerations). MB is
/// 10^6 here, as in the guide's other figures.
pub const FLASH_ABOVE: u64 = 50 * Bytes::MB;

/// The `[amps.txlog]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// S: average message size, bytes (default 0).
    pub message_size: Bytes,
    /// R: messages written to the transaction log, rate (default 0/s). Use
    /// the working day's rate.
    pub publish_rate: Rate,
    /// Normal retention period, duration (default 0).
    pub retention: Duration,
    /// How long a replication peer may stay offline, duration (default 0:
    /// not replicated). The guide's example is 8 h.
    pub recovery_window: Duration,
    /// The amount of journal removed at a time, duration (default 1 d: the
    /// guide's "100GB a day").
    pub retention_increment: Duration,
    /// Files that make up one increment, count (default 10: the guide's
    /// "10GB units" for "100GB increments").
    pub files_per_increment: Count,
    /// The busy period to preallocate files for, duration (default 8 h;
    /// the guide says "a working day" without a figure).
    pub working_day: Duration,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            message_size: Bytes(0),
            publish_rate: Rate::per_second(0),
            retention: Duration(0),
            recovery_window: Duration(0),
            retention_increment: Duration(Duration::DAY),
            files_per_increment: Count(10),
            working_day: Duration(8 * Duration::HOUR),
        }
    }
}

/// The transaction log's size and shape, AMPS User Guide ch. 25, Capacity
/// Planning > Storage > Transaction logs:
///
/// > Capacity = ( S + 512 bytes ) * N  (Example 25.6)
///
/// where N is the number of messages to retain: the publish rate over the
/// retention period, or over a replication peer's recovery window when that
/// is longer ("if one server in a replicated set of servers could,
/// potentially, be offline for up to 8 hours, then the other servers must
/// be able to store a minimum of 8 hours of journals, even in cases where
/// the normal retention period would be shorter").
///
/// Files: "if your application typically generates 100GB a day of
/// transaction log, you could size your files in 10GB units to make it
/// easier to remove 100GB increments"; the file size is one increment's
/// journal divided by the files per increment. Preallocation: "enough
/// files so that there is no need for additional allocation within the
/// working day". Throughput is the journal written per second, compared
/// with the guide's 50 MB/s for magnetic disks.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let invalid = |field: &str, reason: &str| CalcError::Invalid {
        field: field.into(),
        reason: reason.into(),
    };
    if input.files_per_increment.get() == 0 {
        return Err(invalid("files_per_increment", "must be at least 1 file"));
    }
    if input.retention_increment.seconds() == 0 {
        return Err(invalid("retention_increment", "must be at least 1 second, e.g. \"1 d\""));
    }
    // Messages are whole (N rounded up); every byte figure follows exactly
    // from N, and a file size or a rate is rounded up once.
    let r = exact::rate(input.publish_rate);
    let per = exact::int(input.message_size.get()) + exact::int(PER_MESSAGE);
    let messages_over = |d: Duration| (&r * exact::int(d.seconds())).ceil();
    let kept = input.retention.max(input.recovery_window);
    let n_kept = messages_over(kept);
    let capacity_q = &per * &n_kept;
    let normal_q = &per * messages_over(input.retention);
    let increment_q = &per * messages_over(input.retention_increment);
    let file_q = (increment_q / exact::int(input.files_per_increment.get())).ceil();
    let day_q = &per * messages_over(input.working_day);
    // No traffic, no files.
    let files_for = |bytes: &exact::Q| {
        if file_q == exact::int(0) {
            exact::int(0)
        } else {
            (bytes / &file_q).ceil()
        }
    };
    let messages = exact::ceil(&n_kept, "publish_rate")?;
    let capacity = exact::ceil(&capacity_q, "message_size")?;
    let extra = exact::ceil(&(&capacity_q - normal_q), "recovery_window")?;
    let file_size = exact::ceil(&file_q, "retention_increment")?;
    let files = exact::ceil(&files_for(&capacity_q), "files_per_increment")?;
    let preallocate = exact::ceil(&files_for(&day_q), "working_day")?;
    let throughput = exact::ceil(&(&per * &r), "publish_rate")?;
    let message_bytes =
        exact::ceil(&(exact::int(input.message_size.get()) * &n_kept), "message_size")?;
    let overhead = capacity - message_bytes;
    let b = |v: u64| report::exact(v, Unit::Bytes);
    let rate = input.publish_rate;
    let record = format!("({} + {})", b(input.message_size.get()), b(PER_MESSAGE));
    // The recovery window shows only where the plan has one.
    let spans: &[Duration] = if input.recovery_window.seconds() > 0 {
        &[input.retention, input.recovery_window]
    } else {
        &[input.retention]
    };
    let over = |d: Duration| format!("⌈{}⌉", events_over(rate, &[d]));
    // No traffic, no files: there is nothing to divide by.
    let files_of = |bytes: String| {
        if file_size == 0 {
            "0".to_string()
        } else {
            format!("⌈{bytes} ÷ {}⌉", b(file_size))
        }
    };
    let steps = vec![
        Step::new("N", format!("⌈{}⌉", events_over(rate, spans)), messages, Unit::Count),
        Step::new(
            "S·N",
            format!("{} × {}", b(input.message_size.get()), n(messages)),
            message_bytes,
            Unit::Bytes,
        ),
        Step::new(
            "512 B·N",
            format!("{} × {}", b(PER_MESSAGE), n(messages)),
            overhead,
            Unit::Bytes,
        ),
        Step::new(
            "capacity",
            format!("{} + {}", b(message_bytes), b(overhead)),
            capacity,
            Unit::Bytes,
        ),
        Step::new(
            "recovery_extra",
            format!("{} − {record} × {}", b(capacity), over(input.retention)),
            extra,
            Unit::Bytes,
        ),
        Step::new(
            "file_size",
            format!(
                "⌈{record} × {} ÷ {}⌉",
                over(input.retention_increment),
                n(input.files_per_increment.get())
            ),
            file_size,
            Unit::Bytes,
        ),
        Step::new("files", files_of(b(capacity)), files, Unit::Count),
        Step::new(
            "preallocated_files",
            files_of(format!("{record} × {}", over(input.working_day))),
            preallocate,
            Unit::Count,
        ),
        Step::new(
            "write_throughput",
            format!("⌈{record} × {}⌉", per_second(rate)),
            throughput,
            Unit::BytesPerSecond,
        ),
    ];
    let mut findings = Vec::new();
    if throughput > FLASH_ABOVE && host.storage == Storage::Hdd {
        findings.push(
            Finding::new(
&rules::AMPS_TXLOG_NEEDS_FLASH,
                format!(
                    "the transaction log writes {}/s, above 50 MB/s, and the host's storage is a hard disk",
                    Bytes(throughput).both()
                ),
            )
            .why("above 50 MB/s flash storage (or better) is recommended: magnetic hard disks lack the performance to keep a consistent latency (AMPS User Guide, ch. 25, Other Storage Considerations)")
            .fix("put the transaction log (JournalDirectory) on SSD or NVMe storage"),
        );
    }
    if extra > 0 {
        findings.push(
            Finding::new(
&rules::AMPS_TXLOG_RECOVERY,
                format!(
                    "a replication peer offline for {} keeps {} of journal beyond the {} retention",
                    input.recovery_window,
                    Bytes(extra).both(),
                    input.retention
                ),
            )
            .why("maintenance does not delete messages not yet replicated (AMPS User Guide, ch. 25, Transaction logs)")
            .fix(format!("provision {} for the transaction log", Bytes(capacity).both())),
        );
    }
    let bytes = |name, label, value| Quantity { name, label, value, unit: Unit::Bytes };
    let count = |name, label, value| Quantity { name, label, value, unit: Unit::Count };
    Ok(CalcResult {
        quantities: vec![
            bytes("capacity", "Transaction log capacity (Example 25.6)", capacity),
            count("messages", "Messages retained (N)", messages),
            bytes("recovery_extra", "Of which kept for a peer's recovery window", extra),
            bytes("file_size", "Journal file size for the retention increment", file_size),
            count("files", "Journal files at capacity", files),
            count("preallocated_files", "Files to preallocate for the working day", preallocate),
            Quantity {
                name: "write_throughput",
                label: "Transaction log write rate",
                value: throughput,
                unit: Unit::BytesPerSecond,
            },
        ],
        terms: vec![
            Term { symbol: "S·N", label: "the messages", value: message_bytes, unit: Unit::Bytes },
            Term {
                symbol: "512 B·N",
                label: "journal overhead per message",
                value: overhead,
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
    title: "AMPS transaction log",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "Above 50 MB/s on `storage = \"hdd\"` the guide asks for flash.",
    capacity: Capacity::None,
    occupies: None,
    fields: &[
        Field::new(
            "message_size",
            "Average message size (S)",
            Kind::Bytes,
            "Bytes, e.g. \"1 KiB\".",
        )
        .symbol("S"),
        Field::new(
            "publish_rate",
            "Messages logged (R)",
            Kind::Rate,
            "The working day's rate, e.g. \"5000/s\".",
        )
        .symbol("R"),
        Field::new(
            "retention",
            "Retention",
            Kind::Duration,
            "Normal retention period, e.g. \"7 d\".",
        ),
        Field::new(
            "recovery_window",
            "Replication recovery window",
            Kind::Duration,
            "How long a peer may be offline, e.g. \"8 h\"; 0 if not replicated.",
        ),
        Field::new(
            "retention_increment",
            "Retention increment",
            Kind::Duration,
            "Journal removed at a time, e.g. \"1 d\".",
        ),
        Field::new(
            "files_per_increment",
            "Files per increment",
            Kind::Count,
            "Journal files in one increment; the guide uses 10.",
        ),
        Field::new(
            "working_day",
            "Working day",
            Kind::Duration,
            "The busy period to preallocate files for, e.g. \"8 h\".",
        ),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "capacity", unit: Unit::Bytes, meaning: "(S + 512 B)·N" },
        QuantityDoc {
            name: "recovery_extra",
            unit: Unit::Bytes,
            meaning: "what the recovery window adds beyond retention",
        },
        QuantityDoc {
            name: "file_size",
            unit: Unit::Bytes,
            meaning: "(S + 512 B)·R·retention_increment / files_per_increment",
        },
        QuantityDoc {
            name: "messages",
            unit: Unit::Count,
            meaning: "N = R·max(retention, recovery_window)",
        },
        QuantityDoc { name: "files", unit: Unit::Count, meaning: "journal files kept" },
        QuantityDoc {
            name: "preallocated_files",
            unit: Unit::Count,
            meaning: "files the working day fills",
        },
        QuantityDoc {
            name: "write_throughput",
            unit: Unit::BytesPerSecond,
            meaning: "(S + 512 B)·R",
        },
    ],
    findings: &[rules::AMPS_TXLOG_NEEDS_FLASH, rules::AMPS_TXLOG_RECOVERY],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    fn hdd() -> Host {
        Host { storage: Storage::Hdd, ..Host::default() }
    }

    /// The guide's "100GB a day of transaction log" in "10GB units":
    /// 100 million messages a day of 488 bytes, 1,000 bytes each with the
    /// journal's 512.
    fn hundred_gb_a_day() -> Input {
        Input {
            message_size: Bytes(488),
            publish_rate: Rate::per_day(100_000_000),
            retention: Duration(3 * Duration::DAY),
            ..Input::default()
        }
    }

    #[test]
    fn example_25_6_and_ten_gb_files_for_100_gb_a_day() {
        let r = evaluate(&hundred_gb_a_day(), &Host::default()).unwrap();
        assert_eq!(r.quantity("messages"), Some(300_000_000));
        assert_eq!(r.quantity("capacity"), Some(300 * Bytes::GB));
        assert_eq!(r.quantity("file_size"), Some(10 * Bytes::GB));
        assert_eq!(r.quantity("files"), Some(30));
        // 8 hours of 100 GB a day is 33.3 GB: 4 files of 10 GB.
        assert_eq!(r.quantity("preallocated_files"), Some(4));
        // 100 GB / 86,400 s, rounded up.
        assert_eq!(r.quantity("write_throughput"), Some(1_157_408));
        assert_eq!(r.quantity("recovery_extra"), Some(0));
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        assert_eq!(terms, [146_400_000_000, 153_600_000_000]);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn a_100_gb_day_worked_out_with_its_figures() {
        let r = evaluate(&hundred_gb_a_day(), &Host::default()).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "N = ⌈100,000,000/d × 3 d⌉ = 300000000",
                "S·N = 488 B × 300,000,000 = 146400000000",
                "512 B·N = 512 B × 300,000,000 = 153600000000",
                "capacity = 146,400,000,000 B + 153,600,000,000 B = 300000000000",
                "recovery_extra = 300,000,000,000 B − (488 B + 512 B) × ⌈100,000,000/d × 3 d⌉ = 0",
                "file_size = ⌈(488 B + 512 B) × ⌈100,000,000/d × 1 d⌉ ÷ 10⌉ = 10000000000",
                "files = ⌈300,000,000,000 B ÷ 10,000,000,000 B⌉ = 30",
                "preallocated_files = ⌈(488 B + 512 B) × ⌈(100,000,000/d ÷ 86,400 s/d) \
                 × 28,800 s⌉ ÷ 10,000,000,000 B⌉ = 4",
                "write_throughput = ⌈(488 B + 512 B) × (100,000,000/d ÷ 86,400 s/d)⌉ = 1157408",
            ]
        );
        // A peer's recovery window shows beside the retention it outlasts.
        let replicated = Input {
            publish_rate: Rate::per_second(1000),
            retention: Duration(2 * Duration::HOUR),
            recovery_window: Duration(8 * Duration::HOUR),
            ..hundred_gb_a_day()
        };
        let r = evaluate(&replicated, &Host::default()).unwrap();
        assert_eq!(r.steps[0].working, "⌈1,000/s × max(7,200 s, 28,800 s)⌉");
        assert_eq!(r.steps[4].working, "28,800,000,000 B − (488 B + 512 B) × ⌈1,000/s × 7,200 s⌉");
        assert_eq!(r.quantity("recovery_extra"), Some(21_600_000_000));
        // No traffic: no file to divide by.
        let idle = evaluate(&Input::default(), &Host::default()).unwrap();
        let files: Vec<&str> = idle.steps[6..8].iter().map(|s| s.working.as_str()).collect();
        assert_eq!(files, ["0", "0"]);
    }

    /// Issue 22: a day of 1 TiB journal records at 1024/s is above 2^64
    /// bytes, but its tenth, the file size, is not: it is returned exactly.
    /// The figure is for records of 1 TiB with their 512 B.
    #[test]
    fn a_file_below_2_pow_64_is_exact_though_the_day_is_above() {
        let i = Input {
            message_size: Bytes((1 << 40) - PER_MESSAGE),
            publish_rate: Rate::per_second(1024),
            ..Input::default()
        };
        let r = evaluate(&i, &Host::default()).unwrap();
        assert_eq!(r.quantity("file_size"), Some(9_727_775_195_120_271_360));
        assert_eq!(r.quantity("capacity"), Some(0));
        let tib = Input { message_size: Bytes(1 << 40), ..i };
        let r = evaluate(&tib, &Host::default()).unwrap();
        assert_eq!(r.quantity("file_size"), Some(9_727_775_199_650_119_680));
        let e = evaluate(&Input { retention: Duration(Duration::DAY), ..i }, &Host::default());
        assert!(matches!(e, Err(CalcError::Overflow { field }) if field == "message_size"));
    }

    #[test]
    fn an_8_hour_recovery_window_outlasts_a_2_hour_retention() {
        let i = Input {
            message_size: Bytes(1024),
            publish_rate: Rate::per_second(1000),
            retention: Duration(2 * Duration::HOUR),
            recovery_window: Duration(8 * Duration::HOUR),
            ..Input::default()
        };
        let r = evaluate(&i, &Host::default()).unwrap();
        // (1024 + 512) · 1000/s · 8 h
        assert_eq!(r.quantity("messages"), Some(28_800_000));
        assert_eq!(r.quantity("capacity"), Some(44_236_800_000));
        // 6 of the 8 hours are there only for the peer.
        assert_eq!(r.quantity("recovery_extra"), Some(33_177_600_000));
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.txlog.recovery_window", Severity::Info));
        assert!(f.message.contains("8 h") && f.message.contains("2 h"), "{}", f.message);
        let longer = Input { retention: Duration(Duration::DAY), ..i };
        assert!(evaluate(&longer, &Host::default()).unwrap().findings.is_empty());
    }

    #[test]
    fn above_50_mb_per_second_on_a_hard_disk_needs_flash() {
        // 40,000 messages/s of 1 KiB: 61,440,000 B/s with the overhead.
        let fast = Input {
            message_size: Bytes(1024),
            publish_rate: Rate::per_second(40_000),
            ..Input::default()
        };
        let r = evaluate(&fast, &hdd()).unwrap();
        assert_eq!(r.quantity("write_throughput"), Some(61_440_000));
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.txlog.needs_flash", Severity::Warning));
        assert!(evaluate(&fast, &Host::default()).unwrap().findings.is_empty());
        let nvme = Host { storage: Storage::Nvme, ..Host::default() };
        assert!(evaluate(&fast, &nvme).unwrap().findings.is_empty());
        // 50 MB/s exactly is not "greater than 50MB/second".
        let at = Input { message_size: Bytes(488), publish_rate: Rate::per_second(50_000), ..fast };
        assert_eq!(evaluate(&at, &hdd()).unwrap().quantity("write_throughput"), Some(FLASH_ABOVE));
        assert!(evaluate(&at, &hdd()).unwrap().findings.is_empty());
    }

    #[test]
    fn invalid_inputs_name_the_field() {
        let i = Input { files_per_increment: Count(0), ..hundred_gb_a_day() };
        assert!(
            matches!(evaluate(&i, &hdd()), Err(CalcError::Invalid { field, .. }) if field == "files_per_increment")
        );
        let i = Input { retention_increment: Duration(0), ..hundred_gb_a_day() };
        assert!(
            matches!(evaluate(&i, &hdd()), Err(CalcError::Invalid { field, .. }) if field == "retention_increment")
        );
        let i = Input { publish_rate: Rate::per_second(u64::MAX), ..hundred_gb_a_day() };
        assert!(matches!(evaluate(&i, &hdd()), Err(CalcError::Overflow { .. })));
    }

    #[test]
    fn no_traffic_needs_no_files() {
        let r = evaluate(&Input::default(), &hdd()).unwrap();
        assert_eq!(r.quantity("file_size"), Some(0));
        assert_eq!(r.quantity("files"), Some(0));
        assert_eq!(r.quantity("preallocated_files"), Some(0));
    }

    fn input() -> impl Strategy<Value = Input> {
        (any::<[u64; 7]>(), 1u64..u64::MAX).prop_map(|(v, secs)| {
            let s = |x: u64| x >> (x % 64);
            Input {
                message_size: Bytes(s(v[0])),
                publish_rate: Rate::new(s(v[1]), secs >> (secs % 64)).unwrap_or_default(),
                retention: Duration(s(v[2])),
                recovery_window: Duration(s(v[3])),
                retention_increment: Duration(s(v[4])),
                files_per_increment: Count(s(v[5])),
                working_day: Duration(s(v[6])),
            }
        })
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error(i in input()) {
            match evaluate(&i, &hdd()) {
                Ok(r) => {
                    let sum: u128 = r.terms.iter().map(|t| u128::from(t.value)).sum();
                    prop_assert_eq!(Some(sum), r.quantity("capacity").map(u128::from));
                    prop_assert!(r.quantity("recovery_extra") <= r.quantity("capacity"));
                }
                Err(CalcError::Overflow { .. } | CalcError::Invalid { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn capacity_never_shrinks_when_a_size_rate_or_period_grows(i in input(), extra in 0u64..1 << 20) {
            let grown = [
                Input { message_size: Bytes(i.message_size.get().saturating_add(extra)), ..i },
                Input { publish_rate: Rate::new(i.publish_rate.events().saturating_add(extra), i.publish_rate.per_seconds()).unwrap_or_default(), ..i },
                Input { retention: Duration(i.retention.seconds().saturating_add(extra)), ..i },
                Input { recovery_window: Duration(i.recovery_window.seconds().saturating_add(extra)), ..i },
            ];
            if let Ok(a) = evaluate(&i, &hdd()) {
                for g in grown {
                    if let Ok(b) = evaluate(&g, &hdd()) {
                        for q in ["capacity", "messages", "file_size", "write_throughput"] {
                            prop_assert!(b.quantity(q) >= a.quantity(q), "{q}");
                        }
                    }
                }
            }
        }
    }
}
