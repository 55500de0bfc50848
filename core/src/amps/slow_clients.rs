//! AMPS slow-client limits for large SOW result sets (result id
//! `amps.slow_clients`).

use serde::{Deserialize, Serialize};

use crate::exact;
use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{
    down, exact as shown, n, CalcError, CalcResult, Quantity, Source, Step, Term, Unit,
};
use crate::units::{Bytes, Count, Percent, Ratio};
use crate::validate::rules;

pub const ID: &str = "amps.slow_clients";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Slow Clients > Slow Client Offlining for Large Result Sets",
    excerpt: "Recommended starting point for tuning large result sets: 10%. 60East recommends tuning the MessageDiskLimit first. If necessary, increase this parameter by 1-2% at a time.",
};

pub const FORMULA: &str = "MessageMemoryLimit = 10% · RAM, raised 1-2% of RAM at a time; \
MessageDiskLimit = max(avg record · records · clients, MessageMemoryLimit); \
MessageDiskPath device > MessageDiskLimit";

/// "Recommended starting point for tuning large result sets: 10%."
pub const MEMORY_START_PERCENT: u64 = 10;
/// "Use caution with settings over 20%": swapping.
pub const MEMORY_CAUTION_PERCENT: u64 = 20;
/// "If necessary, increase this parameter by 1-2% at a time": the smaller
/// and the larger step, in percent of RAM.
pub const MEMORY_STEPS_PERCENT: [u64; 2] = [1, 2];

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
    /// The MessageDiskLimit planned or configured, bytes; it must not be
    /// below MessageMemoryLimit (default: not set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_disk_limit: Option<Bytes>,
    /// Space on the MessageDiskPath device, bytes; it must be greater than
    /// MessageDiskLimit (default: not set, no check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_path_space: Option<Bytes>,
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

/// AMPS User Guide ch. 25, Best Practices > Slow Clients, Table 25.1:
/// MessageMemoryLimit starts at 10% of RAM; "60East recommends tuning the
/// MessageDiskLimit first. If necessary, increase this parameter by 1-2% at
/// a time. Use caution with settings over 20%". The two steps are the
/// limit now (or the 10% start) plus 1% and 2% of RAM, rounded down once.
///
/// MessageDiskLimit is "Average record size * number of expected records *
/// number of simultaneous clients, or MessageMemoryLimit, whichever is
/// greater", so a planned one below MessageMemoryLimit is flagged; and for
/// MessageDiskPath "the available storage capacity of the disk must be
/// greater than the configured MessageDiskLimit" (the planned one, or the
/// recommendation when none is planned).
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let ram = host.ram.get();
    let memory = ram / 100 * MEMORY_START_PERCENT + ram % 100 * MEMORY_START_PERCENT / 100;
    let share = |percent: u64| exact::int(ram) * exact::int(percent) / exact::int(100);
    let set = match input.message_memory_limit {
        Some(limit) => Some(
            limit
                .bytes(ram)
                .ok_or_else(|| CalcError::Overflow { field: "message_memory_limit".into() })?,
        ),
        None => None,
    };
    let configured = set.unwrap_or(memory);
    // The limit now, exactly: a share of RAM is not rounded before the step.
    let now = match input.message_memory_limit {
        Some(MemoryLimit::Share(r)) => exact::int(ram) * exact::ratio(r),
        Some(MemoryLimit::Size(b)) => exact::int(b.get()),
        None => share(MEMORY_START_PERCENT),
    };
    let [small, large] = MEMORY_STEPS_PERCENT;
    let step_small = exact::floor(&(&now + share(small)), "message_memory_limit")?;
    let step_large = exact::floor(&(&now + share(large)), "message_memory_limit")?;
    // The product is exact: a factor of 0 gives 0 whatever the others are.
    let backlog = exact::ceil(
        &(exact::int(input.average_record_size.get())
            * exact::int(input.expected_records.get())
            * exact::int(input.simultaneous_clients.get())),
        "simultaneous_clients",
    )?;
    let disk = backlog.max(configured);
    let bytes = |symbol, working, value| Step::new(symbol, working, value, Unit::Bytes);
    let of_ram = |share: &dyn std::fmt::Display| format!("{} × {share}", shown(ram, Unit::Bytes));
    let start = of_ram(&Percent(MEMORY_START_PERCENT));
    let mut steps = vec![bytes(
        "message_memory_limit",
        down(start.clone(), share(MEMORY_START_PERCENT).is_integer()),
        memory,
    )];
    // The steps start from the limit now: a share of RAM is worked out first.
    let now_working = match input.message_memory_limit {
        Some(MemoryLimit::Share(r)) => {
            let working = of_ram(&r);
            steps.push(bytes(
                "MessageMemoryLimit now",
                down(working.clone(), now.is_integer()),
                configured,
            ));
            working
        }
        Some(MemoryLimit::Size(b)) => shown(b.get(), Unit::Bytes),
        None => start,
    };
    for (symbol, percent, value) in
        [("memory_step_1_percent", small, step_small), ("memory_step_2_percent", large, step_large)]
    {
        let working = format!("{now_working} + {}", of_ram(&Percent(percent)));
        steps.push(bytes(symbol, down(working, (&now + share(percent)).is_integer()), value));
    }
    steps.push(bytes(
        "size·records·clients",
        format!(
            "{} × {} × {}",
            shown(input.average_record_size.get(), Unit::Bytes),
            n(input.expected_records.get()),
            n(input.simultaneous_clients.get())
        ),
        backlog,
    ));
    steps.push(bytes(
        "message_disk_limit",
        format!("max({}, {})", shown(backlog, Unit::Bytes), shown(configured, Unit::Bytes)),
        disk,
    ));
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
        } else if u128::from(step_small) > caution {
            findings.push(
                Finding::new(
                    &rules::AMPS_SLOW_CLIENTS_STEP_PAST_20,
                    format!(
                        "a 1% step takes MessageMemoryLimit from {} to {}, over 20% of the host's {} of RAM",
                        Bytes(set).both(),
                        Bytes(step_small).both(),
                        host.ram.both()
                    ),
                )
                .why("the AMPS guide advises caution over 20%: memory for client messages may cause swapping and reduce performance; it tunes MessageDiskLimit first")
                .fix("raise MessageDiskLimit before MessageMemoryLimit"),
            );
        }
    }
    if let Some(planned) = input.message_disk_limit.filter(|d| d.get() < configured) {
        findings.push(
            Finding::new(
                &rules::AMPS_SLOW_CLIENTS_DISK_BELOW_MEMORY,
                format!(
                    "MessageDiskLimit {} is below MessageMemoryLimit {}",
                    planned.both(),
                    Bytes(configured).both()
                ),
            )
            .why("the AMPS guide sets MessageDiskLimit to the offline backlog of the simultaneous clients or MessageMemoryLimit, whichever is greater (ch. 25, Table 25.1)")
            .fix(format!("<MessageDiskLimit>{}</MessageDiskLimit>", Bytes(disk).exact().replace(' ', ""))),
        );
    }
    let disk_limit = input.message_disk_limit.map_or(disk, Bytes::get);
    if let Some(space) = input.disk_path_space.filter(|s| s.get() <= disk_limit) {
        findings.push(
            Finding::new(
                &rules::AMPS_SLOW_CLIENTS_DISK_PATH,
                format!(
                    "the MessageDiskPath device has {}, not more than the MessageDiskLimit of {}",
                    space.both(),
                    Bytes(disk_limit).both()
                ),
            )
            .why("the available storage capacity of the MessageDiskPath disk must be greater than the configured MessageDiskLimit (AMPS User Guide, ch. 25, Table 25.1)")
            .fix(format!("MessageDiskPath on a device with more than {} free", Bytes(disk_limit).both())),
        );
    }
    Ok(CalcResult {
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
            Quantity {
                name: "memory_step_1_percent",
                label: "MessageMemoryLimit after a 1% step",
                value: step_small,
                unit: Unit::Bytes,
            },
            Quantity {
                name: "memory_step_2_percent",
                label: "MessageMemoryLimit after a 2% step",
                value: step_large,
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
        steps,
        ..CALCULATOR.result()
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
    occupies: None,
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
        Field::new(
            "message_disk_limit",
            "MessageDiskLimit planned",
            Kind::Bytes,
            "The limit planned or configured, e.g. \"20 GB\"; checked against MessageMemoryLimit; empty if not set.",
        )
        .optional(),
        Field::new(
            "disk_path_space",
            "MessageDiskPath space",
            Kind::Bytes,
            "Space on the MessageDiskPath device, e.g. \"500 GB\"; it must exceed MessageDiskLimit; empty to skip.",
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
        QuantityDoc {
            name: "memory_step_1_percent",
            unit: Unit::Bytes,
            meaning: "MessageMemoryLimit now (or 10%) + 1% of RAM",
        },
        QuantityDoc {
            name: "memory_step_2_percent",
            unit: Unit::Bytes,
            meaning: "MessageMemoryLimit now (or 10%) + 2% of RAM",
        },
    ],
    findings: &[
        rules::AMPS_SLOW_CLIENTS_MEMORY,
        rules::AMPS_SLOW_CLIENTS_STEP_PAST_20,
        rules::AMPS_SLOW_CLIENTS_DISK_BELOW_MEMORY,
        rules::AMPS_SLOW_CLIENTS_DISK_PATH,
    ],
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

    /// The inputs of the worked example below.
    fn example() -> Input {
        Input {
            average_record_size: Bytes(1024),
            expected_records: Count(1_000_000),
            simultaneous_clients: Count(10),
            ..Input::default()
        }
    }

    #[test]
    fn ten_percent_and_the_larger_disk_limit() {
        let i = example();
        let r = evaluate(&i, &host(64 * Bytes::GIB)).unwrap();
        assert_eq!(r.quantity("message_memory_limit"), Some(6_871_947_673));
        assert_eq!(r.quantity("message_disk_limit"), Some(10_240_000_000));
        let small = Input { expected_records: Count(10), ..i };
        let r = evaluate(&small, &host(64 * Bytes::GIB)).unwrap();
        assert_eq!(r.quantity("message_disk_limit"), Some(6_871_947_673));
    }

    #[test]
    fn worked_out_with_the_plans_figures() {
        let i = example();
        let r = evaluate(&i, &host(64 * Bytes::GIB)).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "message_memory_limit = ⌊68,719,476,736 B × 10%⌋ = 6871947673",
                "memory_step_1_percent = ⌊68,719,476,736 B × 10% + 68,719,476,736 B × 1%⌋ \
                 = 7559142440",
                "memory_step_2_percent = ⌊68,719,476,736 B × 10% + 68,719,476,736 B × 2%⌋ \
                 = 8246337208",
                "size·records·clients = 1,024 B × 1,000,000 × 10 = 10240000000",
                "message_disk_limit = max(10,240,000,000 B, 6,871,947,673 B) = 10240000000",
            ]
        );
        // A share of RAM set now is worked out before its steps; a size is
        // taken as it is; whole figures need no rounding brackets.
        let share =
            Input { message_memory_limit: Some(MemoryLimit::Share(Ratio::from_ppm(195_000))), ..i };
        let r = evaluate(&share, &host(64 * Bytes::GIB)).unwrap();
        let working: Vec<&str> = r.steps.iter().map(|s| s.working.as_str()).collect();
        assert_eq!(working[1], "⌊68,719,476,736 B × 19.5%⌋");
        assert_eq!(r.steps[1].value, 13_400_297_963);
        assert_eq!(working[2], "⌊68,719,476,736 B × 19.5% + 68,719,476,736 B × 1%⌋");
        let size =
            Input { message_memory_limit: Some(MemoryLimit::Size(Bytes(10 * Bytes::GB))), ..i };
        let r = evaluate(&size, &host(100 * Bytes::GB)).unwrap();
        let working: Vec<&str> = r.steps.iter().map(|s| s.working.as_str()).collect();
        assert_eq!(working[1], "10,000,000,000 B + 100,000,000,000 B × 1%");
        assert_eq!(r.steps[1].value, 11_000_000_000);
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
        // 20% is no warning, but the next 1% step passes the caution line.
        let f = evaluate(&ok, &host(100 * Bytes::GB)).unwrap().findings;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }

    /// Table 25.1: "increase this parameter by 1-2% at a time", from the
    /// 10% starting point or the limit set now.
    #[test]
    fn the_next_memory_steps_are_1_and_2_percent_of_ram() {
        let ram = 64 * Bytes::GIB;
        let r = evaluate(&Input::default(), &host(ram)).unwrap();
        // ⌊11% and 12% of 68,719,476,736⌋.
        assert_eq!(r.quantity("memory_step_1_percent"), Some(7_559_142_440));
        assert_eq!(r.quantity("memory_step_2_percent"), Some(8_246_337_208));
        let set: Input = toml::from_str("message_memory_limit = \"10 GB\"").unwrap();
        let r = evaluate(&set, &host(ram)).unwrap();
        assert_eq!(r.quantity("memory_step_1_percent"), Some(10_687_194_767));
        assert!(r.findings.is_empty());
        // 19.5% is under the caution line; a 1% step crosses it.
        let near: Input = toml::from_str("message_memory_limit = \"19.5%\"").unwrap();
        let r = evaluate(&near, &host(ram)).unwrap();
        assert_eq!(r.quantity("memory_step_1_percent"), Some(14_087_492_730));
        let f = &r.findings[0];
        assert_eq!((f.id, f.severity), ("amps.slow_clients.step_past_20_percent", Severity::Info));
    }

    /// Table 25.1: MessageDiskLimit is the larger of the backlog and
    /// MessageMemoryLimit, and the MessageDiskPath device "must be greater
    /// than the configured MessageDiskLimit".
    #[test]
    fn a_disk_limit_below_the_memory_limit_and_a_small_disk_path() {
        let i: Input = toml::from_str(
            "message_memory_limit = \"10 GB\"\nmessage_disk_limit = \"8 GB\"\ndisk_path_space = \"8 GB\"",
        )
        .unwrap();
        let r = evaluate(&i, &host(64 * Bytes::GIB)).unwrap();
        let ids: Vec<_> = r.findings.iter().map(|f| (f.id, f.severity)).collect();
        assert_eq!(
            ids,
            [
                ("amps.slow_clients.disk_below_memory", Severity::Warning),
                ("amps.slow_clients.disk_path_space", Severity::Error)
            ]
        );
        assert_eq!(r.findings[0].fix.as_deref(), Some("<MessageDiskLimit>10GB</MessageDiskLimit>"));
        // A device larger than the planned limit, a limit at the memory one.
        let ok = Input {
            message_disk_limit: Some(Bytes(10 * Bytes::GB)),
            disk_path_space: Some(Bytes(10 * Bytes::GB + 1)),
            ..i
        };
        assert!(evaluate(&ok, &host(64 * Bytes::GIB)).unwrap().findings.is_empty());
        // With no planned limit the device is judged against the recommendation.
        let unplanned = Input { message_disk_limit: None, ..ok };
        assert!(evaluate(&unplanned, &host(64 * Bytes::GIB)).unwrap().findings.is_empty());
        let backlog = Input {
            expected_records: Count(100),
            average_record_size: Bytes(Bytes::GB),
            simultaneous_clients: Count(1),
            ..unplanned
        };
        let f = evaluate(&backlog, &host(64 * Bytes::GIB)).unwrap().findings;
        assert_eq!(f[0].id, "amps.slow_clients.disk_path_space");
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
                ..Input::default()
            };
            match evaluate(&i, &host(ram)) {
                Ok(r) => prop_assert!(r.quantity("message_disk_limit") >= Some(s)),
                Err(CalcError::Overflow { .. }) => {}
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
