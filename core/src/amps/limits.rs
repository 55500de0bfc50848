//! The Linux limits AMPS needs, as the AMPS User Guide states them (ch. 25
//! "Operation and Deployment", Linux Operating System Configuration). One
//! place for each threshold: the `amps.limits` calculator and the sysctl and
//! limits validators both read these.

/// `ulimit -n`: minimum ("Minimum: 4096").
pub const NOFILE_MIN: u64 = 4096;
/// `ulimit -n`: recommended ("Recommended: 32768").
pub const NOFILE_RECOMMENDED: u64 = 32_768;
/// fs.aio-max-nr: the per-instance base ("at least 16384 plus 8192 for each SOW topic").
pub const AIO_PER_INSTANCE: u64 = 16_384;
/// fs.aio-max-nr: per SOW topic.
pub const AIO_PER_SOW_TOPIC: u64 = 8192;
/// fs.aio-max-nr: "Minimum: 65536".
pub const AIO_MAX_NR_MIN: u64 = 65_536;
/// fs.aio-max-nr: "Recommended: 1048576".
pub const AIO_MAX_NR_RECOMMENDED: u64 = 1_048_576;
/// fs.file-max: "Minimum: 262144".
pub const FILE_MAX_MIN: u64 = 262_144;
/// fs.file-max: "Recommended: 6815744".
pub const FILE_MAX_RECOMMENDED: u64 = 6_815_744;
/// vm.max_map_count: "Minimum: 65530" (also the kernel's default).
pub const MAX_MAP_COUNT_MIN: u64 = 65_530;
/// vm.max_map_count: "Recommended: 500000".
pub const MAX_MAP_COUNT_RECOMMENDED: u64 = 500_000;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{n, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::{Bytes, Count};
use crate::validate::rules::{self, Rule};

pub const ID: &str = "amps.limits";

pub const SOURCE: Source = Source {
    document: "AMPS User Guide, ch. 25 \"Operation and Deployment\"",
    section: "Linux Operating System Configuration (ulimit -n, ulimit -c, fs.aio-max-nr, fs.file-max, vm.max_map_count)",
    excerpt: "The number of file descriptors allowed for a user running AMPS needs to be at least double the sum of counts for the following: connected clients, SOW topics and pre-allocated journal files. Minimum: 4096. … Each AMPS instance requires AIO in the kernel to support at least 16384 plus 8192 for each SOW topic in simultaneous I/O operations.",
};

pub const FORMULA: &str = "nofile ≥ 2·(clients + SOW topics + journal files); \
aio-max-nr ≥ 16384 + 8192·SOW topics; file-max ≥ 2·(same sum)";

/// Above this process size a core dump takes too long to write; the guide
/// recommends `ulimit -c 0` and AMPS's minidumps, which Headroom notes but
/// does not advise (it never lowers a limit). The guide says only
/// "gigabytes", so 1 GB is our threshold.
pub const LARGE_PROCESS: u64 = Bytes::GB;

/// The `[amps.limits]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// Connected clients, count (default 0).
    pub clients: Count,
    /// SOW topics, count (default 0).
    pub sow_topics: Count,
    /// Pre-allocated journal files, count (default 0).
    pub journal_files: Count,
    /// The AMPS process's size, bytes (default 1 GB): decides `ulimit -c`.
    pub process_size: Bytes,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            clients: Count(0),
            sow_topics: Count(0),
            journal_files: Count(0),
            process_size: Bytes(LARGE_PROCESS),
        }
    }
}

/// AMPS User Guide ch. 25, Linux Operating System Configuration: each
/// limit's minimum, recommended value and per-instance need.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let overflow = |f: &str| CalcError::Overflow { field: f.into() };
    let sum = input
        .clients
        .get()
        .checked_add(input.sow_topics.get())
        .and_then(|v| v.checked_add(input.journal_files.get()))
        .ok_or_else(|| overflow("journal_files"))?;
    let twice = sum.checked_mul(2).ok_or_else(|| overflow("clients"))?;
    let aio = input
        .sow_topics
        .get()
        .checked_mul(AIO_PER_SOW_TOPIC)
        .and_then(|v| v.checked_add(AIO_PER_INSTANCE))
        .ok_or_else(|| overflow("sow_topics"))?;
    let nofile = twice.max(NOFILE_RECOMMENDED);
    let aio_max_nr = aio.max(AIO_MAX_NR_RECOMMENDED);
    let file_max = twice.max(FILE_MAX_RECOMMENDED);
    let k = &host.kernel;
    let mut findings = Vec::new();
    let mut check = |rule: &Rule, have: Option<u64>, need: u64, min: u64, fix: String| {
        if let Some(have) = have {
            if have < need.max(min) {
                // The rule's id ends in the setting's name, e.g. `nofile`.
                let name = rule.id.rsplit('.').next().unwrap_or(rule.id);
                findings.push(
                    Finding::new(
                        rule,
                        format!("{name} is {have}, AMPS needs at least {}", need.max(min)),
                    )
                    .fix(fix),
                );
            }
        }
    };
    // bash's `ulimit -n N` sets the soft and the hard limit: a hard limit
    // above N (systemd's 524288) would come down. Raise the soft one alone,
    // and the hard one first only where it is known to be short.
    let ulimit = match k.nofile_hard.map(Count::get) {
        Some(hard) if hard < nofile => format!("ulimit -Hn {nofile} && ulimit -Sn {nofile}"),
        _ => format!("ulimit -Sn {nofile}"),
    };
    check(&rules::AMPS_LIMITS_NOFILE, k.nofile_soft.map(Count::get), twice, NOFILE_MIN, ulimit);
    check(
        &rules::AMPS_LIMITS_AIO,
        k.aio_max_nr.map(Count::get),
        aio,
        AIO_MAX_NR_MIN,
        format!("sysctl -w fs.aio-max-nr={aio_max_nr}"),
    );
    check(
        &rules::AMPS_LIMITS_FILE_MAX,
        k.file_max.map(Count::get),
        twice,
        FILE_MAX_MIN,
        format!("sysctl -w fs.file-max={file_max}"),
    );
    check(
        &rules::AMPS_LIMITS_MAP_COUNT,
        k.max_map_count.map(Count::get),
        MAX_MAP_COUNT_MIN,
        MAX_MAP_COUNT_MIN,
        format!("sysctl -w vm.max_map_count={MAX_MAP_COUNT_RECOMMENDED}"),
    );
    let large = input.process_size.get() >= LARGE_PROCESS;
    if large && k.core_limit.is_none_or(|c| c.get() > 0) {
        findings.push(
            Finding::new(
                &rules::AMPS_LIMITS_CORE,
                format!(
                    "a {} process takes minutes to write a core, and cannot restart meanwhile",
                    input.process_size.both()
                ),
            )
            .why("AMPS writes a minidump before exiting, much faster than a core file"),
        );
    }
    let count = |symbol, working, value| Step::new(symbol, working, value, Unit::Count);
    let steps = vec![
        count(
            "2·(C + T + J)",
            format!(
                "2 × ({} + {} + {})",
                n(input.clients.get()),
                n(input.sow_topics.get()),
                n(input.journal_files.get())
            ),
            twice,
        ),
        count("16384 + 8192·T", format!("16,384 + 8,192 × {}", n(input.sow_topics.get())), aio),
        count("nofile", format!("max({}, {})", n(twice), n(NOFILE_RECOMMENDED)), nofile),
        count("aio_max_nr", format!("max({}, {})", n(aio), n(AIO_MAX_NR_RECOMMENDED)), aio_max_nr),
        count("file_max", format!("max({}, {})", n(twice), n(FILE_MAX_RECOMMENDED)), file_max),
        count("max_map_count", n(MAX_MAP_COUNT_RECOMMENDED), MAX_MAP_COUNT_RECOMMENDED),
    ];
    let q = |name, label, value| Quantity { name, label, value, unit: Unit::Count };
    Ok(CalcResult {
        quantities: vec![
            q("nofile", "ulimit -n (recommended)", nofile),
            q("aio_max_nr", "fs.aio-max-nr (recommended)", aio_max_nr),
            q("file_max", "fs.file-max (recommended)", file_max),
            q("max_map_count", "vm.max_map_count (recommended)", MAX_MAP_COUNT_RECOMMENDED),
        ],
        terms: vec![
            Term {
                symbol: "2·(C + T + J)",
                label: "descriptors this instance needs",
                value: twice,
                unit: Unit::Count,
            },
            Term {
                symbol: "16384 + 8192·T",
                label: "AIO operations this instance needs",
                value: aio,
                unit: Unit::Count,
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
    title: "AMPS Linux limits",
    system: System::Amps,
    source: SOURCE,
    formula: FORMULA,
    notes: "Compared with `[host.kernel]` values when known; each shortfall is an error whose fix is the exact `ulimit`/`sysctl -w` line. At a process size of 1 GB or more, a note says a core is slow to write; the guide's `ulimit -c 0` is not repeated: nothing Headroom advises lowers a limit (docs/source-discrepancies.md).",
    capacity: Capacity::None,
    occupies: None,
    fields: &[
        Field::new("clients", "Connected clients", Kind::Count, "Each client holds file descriptors."),
        Field::new("sow_topics", "SOW topics", Kind::Count, "Each holds descriptors and asynchronous I/O requests."),
        Field::new("journal_files", "Journal files", Kind::Count, "Pre-allocated transaction log journal files."),
        Field::new("process_size", "AMPS process size", Kind::Bytes, "Resident size, e.g. \"54 GB\"; at 1 GB or more a core is slow to write."),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "nofile", unit: Unit::Count, meaning: "max(2·(clients + SOW topics + journal files), 32768)" },
        QuantityDoc { name: "aio_max_nr", unit: Unit::Count, meaning: "max(16384 + 8192·sow_topics, 1048576)" },
        QuantityDoc { name: "file_max", unit: Unit::Count, meaning: "max(2·sum, 6815744)" },
        QuantityDoc { name: "max_map_count", unit: Unit::Count, meaning: "500000" },
    ],
    findings: &[
        rules::AMPS_LIMITS_NOFILE,
        rules::AMPS_LIMITS_AIO,
        rules::AMPS_LIMITS_FILE_MAX,
        rules::AMPS_LIMITS_MAP_COUNT,
        rules::AMPS_LIMITS_CORE,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    /// The inputs of the worked example below.
    fn example() -> Input {
        Input {
            clients: Count(20_000),
            sow_topics: Count(10),
            journal_files: Count(4),
            ..Input::default()
        }
    }

    #[test]
    fn recommended_values_and_per_instance_needs() {
        let i = example();
        let r = evaluate(&i, &Host::default()).unwrap();
        assert_eq!(r.quantity("nofile"), Some(40_028));
        assert_eq!(r.quantity("aio_max_nr"), Some(1_048_576));
        assert_eq!(r.quantity("file_max"), Some(6_815_744));
        // A core limit is never advised: the guide's 0 would lower it.
        assert_eq!(r.quantity("core_limit"), None);
        let core = r.findings.iter().find(|f| f.id == rules::AMPS_LIMITS_CORE.id).unwrap();
        assert_eq!(core.fix, None);
        assert_eq!(r.terms[1].value, 16_384 + 81_920);
    }

    #[test]
    fn worked_out_with_the_plans_figures() {
        let i = example();
        let r = evaluate(&i, &Host::default()).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "2·(C + T + J) = 2 × (20,000 + 10 + 4) = 40028",
                "16384 + 8192·T = 16,384 + 8,192 × 10 = 98304",
                "nofile = max(40,028, 32,768) = 40028",
                "aio_max_nr = max(98,304, 1,048,576) = 1048576",
                "file_max = max(40,028, 6,815,744) = 6815744",
                "max_map_count = 500,000 = 500000",
            ]
        );
        // Below 1 GB a core is not slow to write: no note.
        let small = Input { process_size: Bytes(512 * Bytes::MIB), ..i };
        let r = evaluate(&small, &Host::default()).unwrap();
        assert!(r.findings.iter().all(|f| f.id != rules::AMPS_LIMITS_CORE.id), "{:?}", r.findings);
    }

    #[test]
    fn low_kernel_values_are_errors_with_exact_fixes() {
        let mut host = Host::default();
        host.kernel.nofile_soft = Some(Count(1024));
        host.kernel.aio_max_nr = Some(Count(65_536));
        let i = Input { sow_topics: Count(10), ..Input::default() };
        let r = evaluate(&i, &host).unwrap();
        let fixes: Vec<_> = r.findings.iter().filter_map(|f| f.fix.as_deref()).collect();
        // The soft limit only: `ulimit -n` would bring a hard 524288 down too.
        assert!(fixes.contains(&"ulimit -Sn 32768"), "{fixes:?}");
        assert!(fixes.contains(&"sysctl -w fs.aio-max-nr=1048576"), "{fixes:?}");
        host.kernel.nofile_hard = Some(Count(524_288));
        let r = evaluate(&i, &host).unwrap();
        assert!(r.findings.iter().any(|f| f.fix.as_deref() == Some("ulimit -Sn 32768")));
        // A hard limit below the need rises first.
        host.kernel.nofile_hard = Some(Count(4096));
        let r = evaluate(&i, &host).unwrap();
        let fix = "ulimit -Hn 32768 && ulimit -Sn 32768";
        assert!(r.findings.iter().any(|f| f.fix.as_deref() == Some(fix)), "{:?}", r.findings);
        assert!(r
            .findings
            .iter()
            .any(|f| f.id == "amps.limits.nofile" && f.severity == Severity::Error));
    }

    proptest! {
        #[test]
        fn any_input_gives_a_value_or_a_typed_error(c in any::<u64>(), t in any::<u64>(), j in any::<u64>()) {
            let i = Input { clients: Count(c), sow_topics: Count(t), journal_files: Count(j), ..Input::default() };
            match evaluate(&i, &Host::default()) {
                Ok(r) => prop_assert!(r.quantity("nofile") >= Some(NOFILE_RECOMMENDED)),
                Err(CalcError::Overflow { .. }) => {}
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
