//! Memory budget of a small VPS without swap (result id `vps.memory`).

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{
    defaults_of, table_of, Calculator, Capacity, Field, Group, Kind, QuantityDoc, System, Variant,
};
use crate::report::{CalcError, CalcResult, Quantity, Source, Term, Unit};
use crate::units::{Bytes, Count};
use crate::validate::rules;

pub const ID: &str = "vps.memory";

pub const SOURCE: Source = Source {
    document: "\"256 MB VPS\" (shared source 004); MySQL peak as tuning-primer.sh \
               check_memory_usage computes it",
    section: "MySQL (my.cnf values, tuning_primer.sh); Apache vs Lighttpd",
};

pub const FORMULA: &str = "peak = key_buffer + innodb_buffer_pool + innodb_additional_mem_pool + \
     innodb_log_buffer + query_cache + max(tmp_table, max_heap_table) + max_connections·(sort + \
     read + read_rnd + join + thread_stack + binlog_cache) + web + other";

/// Flag a peak above this share of RAM.
pub const SAFE_PERCENT: u64 = 85;

/// my.cnf memory variables, bytes (MySQL 5.5 defaults unless noted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MyCnf {
    /// key_buffer_size, bytes. Default 2M (source 004).
    pub key_buffer_size: Bytes,
    /// innodb_buffer_pool_size, bytes. Default 0 (source 004: innodb=OFF).
    pub innodb_buffer_pool_size: Bytes,
    /// innodb_additional_mem_pool_size, bytes. Default 0 (InnoDB off).
    pub innodb_additional_mem_pool_size: Bytes,
    /// innodb_log_buffer_size, bytes. Default 0 (InnoDB off).
    pub innodb_log_buffer_size: Bytes,
    /// query_cache_size, bytes. Default 2M (source 004).
    pub query_cache_size: Bytes,
    /// tmp_table_size, bytes. Default 16M.
    pub tmp_table_size: Bytes,
    /// max_heap_table_size, bytes. Default 16M.
    pub max_heap_table_size: Bytes,
    /// max_connections, count. Default 151.
    pub max_connections: Count,
    /// sort_buffer_size, bytes. Default 2M.
    pub sort_buffer_size: Bytes,
    /// read_buffer_size, bytes. Default 128K.
    pub read_buffer_size: Bytes,
    /// read_rnd_buffer_size, bytes. Default 256K.
    pub read_rnd_buffer_size: Bytes,
    /// join_buffer_size, bytes. Default 128K.
    pub join_buffer_size: Bytes,
    /// thread_stack, bytes. Default 64K (source 004).
    pub thread_stack: Bytes,
    /// binlog_cache_size, bytes. Default 32K.
    pub binlog_cache_size: Bytes,
}

const K: u64 = 1024;
const M: u64 = 1024 * 1024;

impl Default for MyCnf {
    fn default() -> Self {
        MyCnf {
            key_buffer_size: Bytes(2 * M),
            innodb_buffer_pool_size: Bytes(0),
            innodb_additional_mem_pool_size: Bytes(0),
            innodb_log_buffer_size: Bytes(0),
            query_cache_size: Bytes(2 * M),
            tmp_table_size: Bytes(16 * M),
            max_heap_table_size: Bytes(16 * M),
            max_connections: Count(151),
            sort_buffer_size: Bytes(2 * M),
            read_buffer_size: Bytes(128 * K),
            read_rnd_buffer_size: Bytes(256 * K),
            join_buffer_size: Bytes(128 * K),
            thread_stack: Bytes(64 * K),
            binlog_cache_size: Bytes(32 * K),
        }
    }
}

/// Global and per-thread MySQL memory, bytes.
pub fn mysql_buffers(c: &MyCnf) -> Option<(u64, u64)> {
    let global = [
        c.key_buffer_size,
        c.innodb_buffer_pool_size,
        c.innodb_additional_mem_pool_size,
        c.innodb_log_buffer_size,
        c.query_cache_size,
        c.tmp_table_size.max(c.max_heap_table_size),
    ]
    .iter()
    .try_fold(0u64, |a, b| a.checked_add(b.get()))?;
    let per_thread = [
        c.sort_buffer_size,
        c.read_buffer_size,
        c.read_rnd_buffer_size,
        c.join_buffer_size,
        c.thread_stack,
        c.binlog_cache_size,
    ]
    .iter()
    .try_fold(0u64, |a, b| a.checked_add(b.get()))?;
    Some((global, per_thread))
}

/// MySQL's peak: tuning-primer.sh's `global + max_connections · per_thread`
/// (plus the larger of tmp_table_size and max_heap_table_size once, as
/// MySQLTuner counts it).
pub fn mysql_peak(c: &MyCnf) -> Option<u64> {
    let (global, per_thread) = mysql_buffers(c)?;
    global.checked_add(per_thread.checked_mul(c.max_connections.get())?)
}

/// The web server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Web {
    /// Apache prefork: MaxRequestWorkers children of `child_rss` each
    /// (HTTPS children are much larger: measure them).
    Prefork { max_request_workers: Count, child_rss: Bytes },
    /// An event server (lighttpd, nginx): one small fixed footprint.
    Event { rss: Bytes },
}

/// The web server's variants: an event server (the default) or Apache
/// prefork.
pub const WEB_VARIANTS: &[Variant] = &[
    Variant {
        path: "web",
        tag: "kind",
        value: "event",
        label: "Event server (lighttpd, nginx)",
        defaults: || table_of(&Input::default().web),
    },
    Variant {
        path: "web",
        tag: "kind",
        value: "prefork",
        label: "Apache prefork",
        // Apache's default MaxRequestWorkers; the child size is a placeholder
        // to replace with a measured one (the field's help says so).
        defaults: || {
            table_of(&Web::Prefork {
                max_request_workers: Count(256),
                child_rss: Bytes(20 * Bytes::MIB),
            })
        },
    },
];

/// The host's processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// my.cnf values.
    pub mysql: MyCnf,
    /// Web server. Default lighttpd, RSS 2140 KiB (source 004's top).
    pub web: Web,
    /// Everything else (kernel, sshd, cron...), bytes. Default 32 MiB.
    pub other: Bytes,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            mysql: MyCnf::default(),
            web: Web::Event { rss: Bytes(2140 * K) },
            other: Bytes(32 * M),
        }
    }
}

/// The budget against RAM (swap counts, but the source's VPS has none).
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let overflow = |f: &str| CalcError::Overflow { field: f.into() };
    let (global, per_thread) = mysql_buffers(&input.mysql).ok_or_else(|| overflow("mysql"))?;
    let mysql = mysql_peak(&input.mysql).ok_or_else(|| overflow("mysql.max_connections"))?;
    let web = match input.web {
        Web::Prefork { max_request_workers, child_rss } => child_rss
            .get()
            .checked_mul(max_request_workers.get())
            .ok_or_else(|| overflow("web.max_request_workers"))?,
        Web::Event { rss } => rss.get(),
    };
    let peak = mysql
        .checked_add(web)
        .and_then(|v| v.checked_add(input.other.get()))
        .ok_or_else(|| overflow("other"))?;
    let mem = host.memory_total().get();
    let safe = mem / 100 * SAFE_PERCENT;
    let room = |used: u64| safe.saturating_sub(used);
    let max_conn = room(global.saturating_add(web).saturating_add(input.other.get()))
        .checked_div(per_thread)
        .unwrap_or(u64::MAX);
    let mut quantities = vec![
        Quantity { name: "peak", label: "Peak memory", value: peak, unit: Unit::Bytes },
        Quantity { name: "mysql_peak", label: "MySQL peak", value: mysql, unit: Unit::Bytes },
        Quantity {
            name: "max_connections",
            label: "Largest safe max_connections",
            value: max_conn,
            unit: Unit::Count,
        },
    ];
    if let Web::Prefork { child_rss, .. } = input.web {
        let workers = room(mysql.saturating_add(input.other.get()))
            .checked_div(child_rss.get())
            .unwrap_or(u64::MAX);
        quantities.push(Quantity {
            name: "max_request_workers",
            label: "Largest safe MaxRequestWorkers",
            value: workers,
            unit: Unit::Count,
        });
    }
    let mut findings = Vec::new();
    if peak > safe {
        findings.push(
            Finding::new(
                if peak > mem { &rules::VPS_OVER_RAM } else { &rules::VPS_ABOVE_SAFE },
                format!(
                    "peak {} is above {SAFE_PERCENT}% of RAM and swap ({}): with no swap the OOM \
                     killer ends MySQL",
                    Bytes(peak).both(),
                    Bytes(mem).both()
                ),
            )
            .why("source 004: tune my.cnf down; tuning-primer.sh check_memory_usage")
            .fix(if max_conn > 0 {
                format!("max_connections = {max_conn}")
            } else {
                // No connection count fits: the global buffers, the web
                // server and the rest already fill the budget.
                format!(
                    "no max_connections fits: the global buffers ({}) with the web server and \
                     other processes fill the budget; lower key_buffer_size or \
                     innodb_buffer_pool_size first",
                    Bytes(global).both()
                )
            }),
        );
    }
    Ok(CalcResult {
        id: ID,
        title: CALCULATOR.title,
        formula: FORMULA,
        source: SOURCE,
        quantities,
        terms: vec![
            Term {
                symbol: "global",
                label: "MySQL global buffers",
                value: global,
                unit: Unit::Bytes,
            },
            Term {
                symbol: "per_thread",
                label: "MySQL per-thread buffers",
                value: per_thread,
                unit: Unit::Bytes,
            },
            Term { symbol: "web", label: "web server", value: web, unit: Unit::Bytes },
            Term {
                symbol: "other",
                label: "other processes",
                value: input.other.get(),
                unit: Unit::Bytes,
            },
        ],
        findings,
    })
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "VPS memory budget",
    system: System::Vps,
    source: SOURCE,
    formula: FORMULA,
    notes: "MySQL peak as the source computes it: global buffers plus max_connections times the per-thread buffers, with the larger of tmp_table_size and max_heap_table_size counted once.",
    capacity: Capacity::Ram,
    fields: &[
        Field::new("mysql.key_buffer_size", "key_buffer_size", Kind::Bytes, "Bytes, global; default 2M (the source's)."),
        Field::new("mysql.innodb_buffer_pool_size", "innodb_buffer_pool_size", Kind::Bytes, "Bytes, global; 0 with InnoDB off (the source's)."),
        Field::new("mysql.innodb_additional_mem_pool_size", "innodb_additional_mem_pool_size", Kind::Bytes, "Bytes, global; 0 with InnoDB off."),
        Field::new("mysql.innodb_log_buffer_size", "innodb_log_buffer_size", Kind::Bytes, "Bytes, global; 0 with InnoDB off."),
        Field::new("mysql.query_cache_size", "query_cache_size", Kind::Bytes, "Bytes, global; default 2M (the source's)."),
        Field::new("mysql.tmp_table_size", "tmp_table_size", Kind::Bytes, "Bytes; the larger of it and max_heap_table_size counts once."),
        Field::new("mysql.max_heap_table_size", "max_heap_table_size", Kind::Bytes, "Bytes; default 16M."),
        Field::new("mysql.max_connections", "max_connections", Kind::Count, "Connections, each with the per-thread buffers; MySQL default 151."),
        Field::new("mysql.sort_buffer_size", "sort_buffer_size", Kind::Bytes, "Bytes per thread; default 2M."),
        Field::new("mysql.read_buffer_size", "read_buffer_size", Kind::Bytes, "Bytes per thread; default 128K."),
        Field::new("mysql.read_rnd_buffer_size", "read_rnd_buffer_size", Kind::Bytes, "Bytes per thread; default 256K."),
        Field::new("mysql.join_buffer_size", "join_buffer_size", Kind::Bytes, "Bytes per thread; default 128K."),
        Field::new("mysql.thread_stack", "thread_stack", Kind::Bytes, "Bytes per thread; default 64K (the source's)."),
        Field::new("mysql.binlog_cache_size", "binlog_cache_size", Kind::Bytes, "Bytes per thread; default 32K."),
        Field::new("web.kind", "Web server", Kind::Variant, "An event server has one small footprint; prefork runs one child per worker."),
        Field::new("web.rss", "Web server RSS", Kind::Bytes, "Resident size, e.g. \"2140 KiB\" (top's RES for lighttpd)."),
        Field::new("web.max_request_workers", "MaxRequestWorkers", Kind::Count, "Apache prefork children at most; Apache's default 256."),
        Field::new("web.child_rss", "RSS per child", Kind::Bytes, "Resident size of one child: measure it (ps -o rss); HTTPS children are much larger."),
        Field::new("other", "Everything else", Kind::Bytes, "Kernel, sshd, cron...: bytes, e.g. \"32 MiB\"."),
    ],
    groups: &[Group { key: "mysql", label: "MySQL (my.cnf)" }, Group { key: "web", label: "Web server" }],
    variants: WEB_VARIANTS,
    quantities: &[
        QuantityDoc { name: "peak", unit: Unit::Bytes, meaning: "MySQL peak + web server + everything else" },
        QuantityDoc { name: "mysql_peak", unit: Unit::Bytes, meaning: "global buffers + max_connections × per-thread buffers" },
        QuantityDoc {
            name: "max_request_workers",
            unit: Unit::Count,
            meaning: "the largest MaxRequestWorkers that fits RAM without swap (prefork)",
        },
        QuantityDoc { name: "max_connections", unit: Unit::Count, meaning: "the largest max_connections that fits RAM without swap" },
    ],
    findings: &[
        rules::VPS_OVER_RAM,
        rules::VPS_ABOVE_SAFE,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    fn vps() -> Host {
        Host { ram: Bytes(256 * M), swap: Bytes(0), ..Host::default() }
    }

    #[test]
    fn the_posts_my_cnf_with_default_max_connections_is_over() {
        let r = evaluate(&Input::default(), &vps()).unwrap();
        // global 2M + 2M + 16M; per thread 2M + 128K + 256K + 128K + 64K + 32K = 2,656 KiB.
        assert_eq!(r.terms[0].value, 20 * M);
        assert_eq!(r.terms[1].value, 2656 * K);
        assert_eq!(r.quantity("mysql_peak"), Some(20 * M + 151 * 2656 * K));
        assert_eq!(r.findings[0].id, "vps.memory.over");
        assert_eq!(r.findings[0].severity, Severity::Error);
        // (228,170,090 − 20 MiB − 2140 KiB − 32 MiB) / 2656 KiB = 171,452,778 / 2,719,744 = 63.
        assert_eq!(r.quantity("max_connections"), Some(63));
        let ok = Input {
            mysql: MyCnf { max_connections: Count(63), ..MyCnf::default() },
            ..Input::default()
        };
        assert!(evaluate(&ok, &vps()).unwrap().findings.is_empty());
    }

    /// A MySQL whose global buffers alone fill the budget is never told
    /// `max_connections = 0`, which would stop it serving anyone.
    #[test]
    fn a_budget_the_global_buffers_fill_never_suggests_zero_connections() {
        let input = Input {
            mysql: MyCnf { innodb_buffer_pool_size: Bytes(400 * M), ..MyCnf::default() },
            ..Input::default()
        };
        let r = evaluate(&input, &vps()).unwrap();
        assert_eq!(r.quantity("max_connections"), Some(0));
        let fix = r.findings[0].fix.as_deref().unwrap();
        assert!(!fix.contains("max_connections = 0"), "{fix}");
        assert!(fix.contains("innodb_buffer_pool_size"), "{fix}");
    }

    #[test]
    fn prefork_workers() {
        let input = Input {
            mysql: MyCnf { max_connections: Count(20), ..MyCnf::default() },
            web: Web::Prefork { max_request_workers: Count(10), child_rss: Bytes(20 * M) },
            ..Input::default()
        };
        let r = evaluate(&input, &vps()).unwrap();
        let w = r.quantity("max_request_workers").unwrap();
        let mysql = r.quantity("mysql_peak").unwrap();
        assert!(mysql + 32 * M + w * 20 * M <= 256 * M / 100 * 85);
        assert!(mysql + 32 * M + (w + 1) * 20 * M > 256 * M / 100 * 85);
    }

    proptest! {
        #[test]
        fn any_input_ok_or_typed(a in any::<u64>(), b in any::<u64>(), c in any::<u64>(), d in any::<u64>()) {
            let input = Input {
                mysql: MyCnf { key_buffer_size: Bytes(a), max_connections: Count(b), sort_buffer_size: Bytes(c), ..MyCnf::default() },
                web: Web::Prefork { max_request_workers: Count(d), child_rss: Bytes(c) },
                other: Bytes(d),
            };
            let _ = evaluate(&input, &vps());
        }

        #[test]
        fn peak_grows_with_connections(n in 0u64..1 << 30, d in 0u64..1000) {
            let p = |n| mysql_peak(&MyCnf { max_connections: Count(n), ..MyCnf::default() }).unwrap();
            prop_assert!(p(n + d) >= p(n));
        }
    }
}
