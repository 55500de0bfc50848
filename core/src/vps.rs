//! Memory budget of a small VPS without swap (result id `vps.memory`).

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{
    defaults_of, table_of, Calculator, Capacity, Field, Group, Kind, QuantityDoc, System, Variant,
};
use crate::report::{exact, n, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::{Bytes, Count};
use crate::validate::rules;

pub const ID: &str = "vps.memory";

pub const SOURCE: Source = Source {
    document: "\"Squeezing a lightweight server\" (blog post, 15 July 2014); MySQL peak as tuning-primer.sh \
               check_memory_usage computes it",
    section: "MySQL (my.cnf values, tuning_primer.sh); Apache vs Lighttpd",
    excerpt: "key_buffer_size = 2M (16M) thread_stack = 64K (192K) query_cache_limit = 128K (1M) query_cache_size = 2M (16M)",
};

pub const FORMULA: &str = "peak = global + max_connections·per_thread + web + other; \
     tuning-primer 1.99: global = key + innodb_buffer_pool + innodb_additional_mem_pool + \
     innodb_log_buffer + query_cache, per_thread = read + read_rnd + sort + thread_stack + join \
     (+ binlog_cache when log_bin); MySQLTuner 2.9.1: global + aria_pagecache, per_thread + \
     binlog_cache + min(tmp_table, max_heap_table); MySQLTuner 2.1.6: global + aria_pagecache + \
     min(tmp_table, max_heap_table) once, per_thread + max_allowed_packet";

/// Whose MySQL memory formula the peak follows; each as that tool's source
/// computes its "maximum possible memory" (performance_schema memory and
/// MySQL 8's temptable_max_ram cap left out: they need a live server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MysqlFormula {
    /// tuning-primer.sh 1.99 (BMDan/tuning-primer.sh, commit c4b5981),
    /// function `total_memory_used`: global buffers are innodb_buffer_pool,
    /// innodb_additional_mem_pool, innodb_log_buffer, key_buffer and
    /// query_cache; per thread read, read_rnd, sort, thread_stack and join,
    /// and binlog_cache only when log_bin is ON; no tmp-table term. Source
    /// 004 runs this tool.
    #[default]
    #[serde(rename = "tuning-primer")]
    TuningPrimer,
    /// MySQLTuner 2.9.1 (major/MySQLTuner-perl, commit 7d798ae),
    /// mysqltuner.pl sub `calculations`: server buffers are key_buffer,
    /// innodb_buffer_pool, innodb_additional_mem_pool, innodb_log_buffer,
    /// query_cache and aria_pagecache_buffer; per thread read, read_rnd,
    /// sort, thread_stack, join, binlog_cache and min(tmp_table_size,
    /// max_heap_table_size) (from 2.8.41 the tmp table counts per thread).
    #[serde(rename = "mysqltuner-2.9")]
    Mysqltuner29,
    /// MySQLTuner 2.1.6 (before commit e6ee330), sub `calculations`:
    /// server buffers are key_buffer, min(tmp_table_size,
    /// max_heap_table_size) counted once, the InnoDB buffers, query_cache
    /// and aria_pagecache_buffer; per thread read, read_rnd, sort,
    /// thread_stack, max_allowed_packet and join.
    #[serde(rename = "mysqltuner-2.1")]
    Mysqltuner21,
}

/// The formulas as the page offers them (plan value, label).
pub const FORMULAS: &[(&str, &str)] = &[
    ("tuning-primer", "tuning-primer.sh 1.99 (the source's)"),
    ("mysqltuner-2.9", "MySQLTuner 2.9.1"),
    ("mysqltuner-2.1", "MySQLTuner 2.1.6 (tmp table once, max_allowed_packet per thread)"),
];

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
    /// log_bin, 0 (OFF) or 1 (ON). Default 0 (MySQL 5.5).
    pub log_bin: u64,
    /// max_allowed_packet, bytes. Default 1M (MySQL 5.5).
    pub max_allowed_packet: Bytes,
    /// aria_pagecache_buffer_size (MariaDB), bytes. Default 0 (MySQL).
    pub aria_pagecache_buffer_size: Bytes,
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
            log_bin: 0,
            max_allowed_packet: Bytes(M),
            aria_pagecache_buffer_size: Bytes(0),
        }
    }
}

/// One addend of a MySQL buffer sum: a variable, or the smaller of two.
#[derive(Debug, Clone, Copy)]
enum Part {
    Var(u64),
    Min(u64, u64),
}

impl Part {
    fn value(self) -> u64 {
        match self {
            Part::Var(v) => v,
            Part::Min(a, b) => a.min(b),
        }
    }

    fn working(self) -> String {
        match self {
            Part::Var(v) => exact(v, Unit::Bytes),
            Part::Min(a, b) => format!("min({}, {})", exact(a, Unit::Bytes), exact(b, Unit::Bytes)),
        }
    }
}

/// The global and per-thread addends `formula` counts, in [`FORMULA`]'s
/// order.
fn mysql_parts(c: &MyCnf, formula: MysqlFormula) -> (Vec<Part>, Vec<Part>) {
    let tmp = Part::Min(c.tmp_table_size.get(), c.max_heap_table_size.get());
    let (aria, binlog) =
        (Part::Var(c.aria_pagecache_buffer_size.get()), Part::Var(c.binlog_cache_size.get()));
    let mut global = [
        c.key_buffer_size,
        c.innodb_buffer_pool_size,
        c.innodb_additional_mem_pool_size,
        c.innodb_log_buffer_size,
        c.query_cache_size,
    ]
    .map(|b| Part::Var(b.get()))
    .to_vec();
    let mut per_thread = [
        c.read_buffer_size,
        c.read_rnd_buffer_size,
        c.sort_buffer_size,
        c.thread_stack,
        c.join_buffer_size,
    ]
    .map(|b| Part::Var(b.get()))
    .to_vec();
    match formula {
        MysqlFormula::TuningPrimer => {
            if c.log_bin == 1 {
                per_thread.push(binlog);
            }
        }
        MysqlFormula::Mysqltuner29 => {
            global.push(aria);
            per_thread.extend([binlog, tmp]);
        }
        MysqlFormula::Mysqltuner21 => {
            global.extend([aria, tmp]);
            per_thread.push(Part::Var(c.max_allowed_packet.get()));
        }
    }
    (global, per_thread)
}

fn sum(parts: &[Part]) -> Option<u64> {
    parts.iter().try_fold(0u64, |a, p| a.checked_add(p.value()))
}

fn sum_working(parts: &[Part]) -> String {
    parts.iter().map(|p| p.working()).collect::<Vec<_>>().join(" + ")
}

/// Global and per-thread MySQL memory, bytes, as `formula` counts them.
pub fn mysql_buffers(c: &MyCnf, formula: MysqlFormula) -> Option<(u64, u64)> {
    let (global, per_thread) = mysql_parts(c, formula);
    Some((sum(&global)?, sum(&per_thread)?))
}

/// MySQL's peak: `global + max_connections · per_thread`.
pub fn mysql_peak(c: &MyCnf, formula: MysqlFormula) -> Option<u64> {
    let (global, per_thread) = mysql_buffers(c, formula)?;
    global.checked_add(per_thread.checked_mul(c.max_connections.get())?)
}

/// The web server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Web {
    /// Apache prefork: MaxRequestWorkers children of `child_rss` each
    /// (HTTPS children are much larger: measure them).
    Prefork {
        #[serde(default = "default_workers")]
        max_request_workers: Count,
        #[serde(default = "default_child_rss")]
        child_rss: Bytes,
    },
    /// An event server (lighttpd, nginx): one small fixed footprint.
    Event {
        #[serde(default = "default_rss")]
        rss: Bytes,
    },
}

/// Apache's default MaxRequestWorkers.
fn default_workers() -> Count {
    Count(256)
}

/// A placeholder to replace with a measured child (the field's help says so).
fn default_child_rss() -> Bytes {
    Bytes(20 * Bytes::MIB)
}

/// lighttpd's RSS in source 004's top: 2140 KiB.
fn default_rss() -> Bytes {
    Bytes(2140 * K)
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
        defaults: || {
            table_of(&Web::Prefork {
                max_request_workers: default_workers(),
                child_rss: default_child_rss(),
            })
        },
    },
];

/// The host's processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// Whose formula the MySQL peak follows. Default tuning-primer.
    pub mysql_formula: MysqlFormula,
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
            mysql_formula: MysqlFormula::default(),
            mysql: MyCnf::default(),
            web: Web::Event { rss: default_rss() },
            other: Bytes(32 * M),
        }
    }
}

/// The budget against RAM (swap counts, but the source's VPS has none).
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let overflow = |f: &str| CalcError::Overflow { field: f.into() };
    let f = input.mysql_formula;
    let (global_parts, per_thread_parts) = mysql_parts(&input.mysql, f);
    let global = sum(&global_parts).ok_or_else(|| overflow("mysql"))?;
    let per_thread = sum(&per_thread_parts).ok_or_else(|| overflow("mysql"))?;
    let connections = input.mysql.max_connections.get();
    let mysql = mysql_peak(&input.mysql, f).ok_or_else(|| overflow("mysql.max_connections"))?;
    let bytes = |v| exact(v, Unit::Bytes);
    let mut steps = vec![
        Step::new("global", sum_working(&global_parts), global, Unit::Bytes),
        Step::new("per_thread", sum_working(&per_thread_parts), per_thread, Unit::Bytes),
        Step::new(
            "mysql_peak",
            format!("{} + {} × {}", bytes(global), n(connections), bytes(per_thread)),
            mysql,
            Unit::Bytes,
        ),
    ];
    let web = match input.web {
        Web::Prefork { max_request_workers, child_rss } => {
            let web = child_rss
                .get()
                .checked_mul(max_request_workers.get())
                .ok_or_else(|| overflow("web.max_request_workers"))?;
            steps.push(Step::new(
                "web",
                format!("{} × {}", n(max_request_workers.get()), bytes(child_rss.get())),
                web,
                Unit::Bytes,
            ));
            web
        }
        Web::Event { rss } => rss.get(),
    };
    let other = input.other.get();
    let peak = mysql
        .checked_add(web)
        .and_then(|v| v.checked_add(other))
        .ok_or_else(|| overflow("other"))?;
    steps.push(Step::new(
        "peak",
        format!("{} + {} + {}", bytes(mysql), bytes(web), bytes(other)),
        peak,
        Unit::Bytes,
    ));
    let mem = host.memory_total().get();
    // 85% of RAM rounded down once (u64 × 85 / 100 always fits in u128).
    let safe = (u128::from(mem) * u128::from(SAFE_PERCENT) / 100) as u64;
    let memory = match host.ram.get().checked_add(host.swap.get()) {
        Some(_) if host.swap.get() > 0 => {
            format!("({} + {})", bytes(host.ram.get()), bytes(host.swap.get()))
        }
        _ => bytes(mem),
    };
    steps.push(Step::new("safe", format!("⌊{memory} × {SAFE_PERCENT}%⌋"), safe, Unit::Bytes));
    // The largest count of `each` that fits beside `used`, None when
    // `each` is 0 (any count fits): ⌊(safe − used) ÷ each⌋, 0 when `used`
    // already passes the budget.
    let fit = |used: &[u64], each: u64| {
        // The peak's own sum bounds `used`, so it never saturates.
        let total = used.iter().fold(0u64, |a, &b| a.saturating_add(b));
        let count = safe.saturating_sub(total).checked_div(each)?;
        let terms: Vec<String> = used.iter().map(|&u| bytes(u)).collect();
        let room = format!("{} − {}", bytes(safe), terms.join(" − "));
        let room = if total <= safe { format!("({room})") } else { format!("max({room}, 0)") };
        Some((count, format!("⌊{room} ÷ {}⌋", bytes(each))))
    };
    let mut quantities = vec![
        Quantity { name: "peak", label: "Peak memory", value: peak, unit: Unit::Bytes },
        Quantity { name: "mysql_peak", label: "MySQL peak", value: mysql, unit: Unit::Bytes },
    ];
    // With no per-thread buffers the connection count does not change the
    // peak, so there is no largest one to advise.
    let max_conn = fit(&[global, web, other], per_thread).map(|(max_conn, working)| {
        steps.push(Step::new("max_connections", working, max_conn, Unit::Count));
        quantities.push(Quantity {
            name: "max_connections",
            label: "Largest safe max_connections",
            value: max_conn,
            unit: Unit::Count,
        });
        max_conn
    });
    if let Web::Prefork { child_rss, .. } = input.web {
        if let Some((workers, working)) = fit(&[mysql, other], child_rss.get()) {
            steps.push(Step::new("max_request_workers", working, workers, Unit::Count));
            quantities.push(Quantity {
                name: "max_request_workers",
                label: "Largest safe MaxRequestWorkers",
                value: workers,
                unit: Unit::Count,
            });
        }
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
            .fix(match max_conn {
                Some(m) if m > 0 => format!("max_connections = {m}"),
                // No connection count fits, or none changes the peak: the
                // global buffers, the web server and the rest fill the budget.
                _ => format!(
                    "{}: the global buffers ({}) with the web server and other processes fill \
                     the budget; lower key_buffer_size or innodb_buffer_pool_size first",
                    if max_conn.is_some() {
                        "no max_connections fits"
                    } else {
                        "max_connections does not change the peak (no per-thread buffers)"
                    },
                    Bytes(global).both()
                ),
            }),
        );
    }
    Ok(CalcResult {
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
        steps,
        ..CALCULATOR.result()
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
    notes: "MySQL's peak as the chosen tool computes it (`mysql_formula`): tuning-primer.sh 1.99 `total_memory_used` (the source's; binlog_cache_size only with log_bin = 1, no tmp-table term), MySQLTuner 2.9.1 `calculations` (min(tmp_table_size, max_heap_table_size) and binlog_cache_size per thread, Aria's page cache global) or MySQLTuner 2.1.6 (the tmp table once, max_allowed_packet per thread). performance_schema memory and MySQL 8's temptable_max_ram cap need a live server and are left out.",
    capacity: Capacity::Ram,
    occupies: Some("peak"),
    fields: &[
        Field::new("mysql_formula", "MySQL memory formula", Kind::Choice(FORMULAS), "Whose formula the MySQL peak follows."),
        Field::new("mysql.key_buffer_size", "key_buffer_size", Kind::Bytes, "Bytes, global; default 2M (the source's)."),
        Field::new("mysql.innodb_buffer_pool_size", "innodb_buffer_pool_size", Kind::Bytes, "Bytes, global; 0 with InnoDB off (the source's)."),
        Field::new("mysql.innodb_additional_mem_pool_size", "innodb_additional_mem_pool_size", Kind::Bytes, "Bytes, global; 0 with InnoDB off."),
        Field::new("mysql.innodb_log_buffer_size", "innodb_log_buffer_size", Kind::Bytes, "Bytes, global; 0 with InnoDB off."),
        Field::new("mysql.query_cache_size", "query_cache_size", Kind::Bytes, "Bytes, global; default 2M (the source's)."),
        Field::new("mysql.tmp_table_size", "tmp_table_size", Kind::Bytes, "Bytes; MySQLTuner counts the smaller of it and max_heap_table_size."),
        Field::new("mysql.max_heap_table_size", "max_heap_table_size", Kind::Bytes, "Bytes; default 16M."),
        Field::new("mysql.max_connections", "max_connections", Kind::Count, "Connections, each with the per-thread buffers; MySQL default 151."),
        Field::new("mysql.sort_buffer_size", "sort_buffer_size", Kind::Bytes, "Bytes per thread; default 2M."),
        Field::new("mysql.read_buffer_size", "read_buffer_size", Kind::Bytes, "Bytes per thread; default 128K."),
        Field::new("mysql.read_rnd_buffer_size", "read_rnd_buffer_size", Kind::Bytes, "Bytes per thread; default 256K."),
        Field::new("mysql.join_buffer_size", "join_buffer_size", Kind::Bytes, "Bytes per thread; default 128K."),
        Field::new("mysql.thread_stack", "thread_stack", Kind::Bytes, "Bytes per thread; default 64K (the source's)."),
        Field::new("mysql.binlog_cache_size", "binlog_cache_size", Kind::Bytes, "Bytes per thread; default 32K; tuning-primer counts it only with log_bin on."),
        Field::new("mysql.log_bin", "log_bin", Kind::Flag, "1 when binary logging is on (MySQL 8 default), 0 when off (5.5 default)."),
        Field::new("mysql.max_allowed_packet", "max_allowed_packet", Kind::Bytes, "Bytes; MySQLTuner 2.1.6 counts it per thread; default 1M."),
        Field::new("mysql.aria_pagecache_buffer_size", "aria_pagecache_buffer_size", Kind::Bytes, "Bytes, global (MariaDB's Aria page cache); MySQLTuner counts it; 0 on MySQL."),
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
            meaning: "the largest MaxRequestWorkers that fits RAM without swap (prefork); absent when a child takes 0 B",
        },
        QuantityDoc { name: "max_connections", unit: Unit::Count, meaning: "the largest max_connections that fits RAM without swap; absent when the per-thread buffers are 0 B (connections do not change the peak)" },
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
        // tuning-primer: global 2M + 2M; per thread 2M + 128K + 256K + 128K
        // + 64K = 2,624 KiB (log_bin off: no binlog cache).
        assert_eq!(r.terms[0].value, 4 * M);
        assert_eq!(r.terms[1].value, 2624 * K);
        assert_eq!(r.quantity("mysql_peak"), Some(4 * M + 151 * 2624 * K));
        assert_eq!(r.findings[0].id, "vps.memory.over");
        assert_eq!(r.findings[0].severity, Severity::Error);
        // 85% of 256 MiB is 228,170,137 B; (that − 4 MiB − 2140 KiB − 32 MiB)
        // / 2624 KiB = 188,230,041 / 2,686,976 = 70.
        assert_eq!(r.quantity("max_connections"), Some(70));
        let ok = Input {
            mysql: MyCnf { max_connections: Count(70), ..MyCnf::default() },
            ..Input::default()
        };
        assert!(evaluate(&ok, &vps()).unwrap().findings.is_empty());
    }

    /// The post's my.cnf with MySQL's default max_connections on its 256
    /// MiB VPS, worked out with its figures (tuning-primer's formula).
    #[test]
    fn the_posts_my_cnf_worked_out_with_its_figures() {
        let r = evaluate(&Input::default(), &vps()).unwrap();
        assert_eq!(
            r.step_lines(),
            [
                "global = 2,097,152 B + 0 B + 0 B + 0 B + 2,097,152 B = 4194304",
                "per_thread = 131,072 B + 262,144 B + 2,097,152 B + 65,536 B + 131,072 B = 2686976",
                "mysql_peak = 4,194,304 B + 151 × 2,686,976 B = 409927680",
                "peak = 409,927,680 B + 2,191,360 B + 33,554,432 B = 445673472",
                "safe = ⌊268,435,456 B × 85%⌋ = 228170137",
                "max_connections = ⌊(228,170,137 B − 4,194,304 B − 2,191,360 B − 33,554,432 B) \
                 ÷ 2,686,976 B⌋ = 70",
            ]
        );
    }

    /// MySQLTuner's smaller of the two tmp-table sizes shows as a `min`,
    /// a prefork web server as workers × child, swap beside RAM, and a
    /// budget already spent as `max(…, 0)`.
    #[test]
    fn mysqltuner_prefork_and_swap_worked_out() {
        let input = Input {
            mysql_formula: MysqlFormula::Mysqltuner29,
            mysql: MyCnf { max_connections: Count(10), ..MyCnf::default() },
            web: Web::Prefork { max_request_workers: Count(10), child_rss: Bytes(20 * M) },
            ..Input::default()
        };
        let host = Host { swap: Bytes(64 * M), ..vps() };
        let r = evaluate(&input, &host).unwrap();
        assert_eq!(
            r.step_lines(),
            [
                "global = 2,097,152 B + 0 B + 0 B + 0 B + 2,097,152 B + 0 B = 4194304",
                "per_thread = 131,072 B + 262,144 B + 2,097,152 B + 65,536 B + 131,072 B \
                 + 32,768 B + min(16,777,216 B, 16,777,216 B) = 19496960",
                "mysql_peak = 4,194,304 B + 10 × 19,496,960 B = 199163904",
                "web = 10 × 20,971,520 B = 209715200",
                "peak = 199,163,904 B + 209,715,200 B + 33,554,432 B = 442433536",
                "safe = ⌊(268,435,456 B + 67,108,864 B) × 85%⌋ = 285212672",
                "max_connections = ⌊(285,212,672 B − 4,194,304 B − 209,715,200 B \
                 − 33,554,432 B) ÷ 19,496,960 B⌋ = 1",
                "max_request_workers = ⌊(285,212,672 B − 199,163,904 B − 33,554,432 B) \
                 ÷ 20,971,520 B⌋ = 2",
            ]
        );
        let full = Host { swap: Bytes(0), ram: Bytes(128 * M), ..vps() };
        let r = evaluate(&input, &full).unwrap();
        let max = r.steps.iter().find(|s| s.symbol == "max_connections").unwrap();
        assert!(max.working.starts_with("⌊max(114,085,068 B − "), "{}", max.working);
        assert_eq!(max.value, 0);
    }

    /// With every per-thread buffer at 0 the connection count does not
    /// change the peak: no "largest max_connections" (it was 2^64 − 1),
    /// and the fix points at the global buffers.
    #[test]
    fn no_per_thread_buffers_advises_no_connection_count() {
        let zero = Bytes(0);
        let mysql = MyCnf {
            innodb_buffer_pool_size: Bytes(400 * M),
            sort_buffer_size: zero,
            read_buffer_size: zero,
            read_rnd_buffer_size: zero,
            join_buffer_size: zero,
            thread_stack: zero,
            ..MyCnf::default()
        };
        let r = evaluate(&Input { mysql, ..Input::default() }, &vps()).unwrap();
        assert_eq!(r.quantity("max_connections"), None);
        let fix = r.findings[0].fix.as_deref().unwrap();
        assert!(fix.starts_with("max_connections does not change the peak"), "{fix}");
        // A prefork child of 0 B likewise gives no largest MaxRequestWorkers.
        let input = Input {
            web: Web::Prefork { max_request_workers: Count(10), child_rss: zero },
            ..Input::default()
        };
        let r = evaluate(&input, &vps()).unwrap();
        assert_eq!(r.quantity("max_request_workers"), None);
        assert_eq!(r.quantity("max_connections"), Some(70));
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

    /// Issue 16: each formula as its tool computes it (tmp 16M, heap 32M,
    /// log_bin on).
    #[test]
    fn each_tools_formula() {
        let c = MyCnf { max_heap_table_size: Bytes(32 * M), log_bin: 1, ..MyCnf::default() };
        let per = 2624 * K;
        for (formula, global, per_thread) in [
            (MysqlFormula::TuningPrimer, 4 * M, per + 32 * K),
            (MysqlFormula::Mysqltuner29, 4 * M, per + 32 * K + 16 * M),
            (MysqlFormula::Mysqltuner21, 4 * M + 16 * M, per + M),
        ] {
            assert_eq!(mysql_buffers(&c, formula), Some((global, per_thread)), "{formula:?}");
        }
        let off = MyCnf { log_bin: 0, ..c };
        assert_eq!(mysql_buffers(&off, MysqlFormula::TuningPrimer), Some((4 * M, per)));
        let aria = MyCnf { aria_pagecache_buffer_size: Bytes(128 * M), ..c };
        assert_eq!(mysql_buffers(&aria, MysqlFormula::Mysqltuner29).map(|b| b.0), Some(132 * M));
        let plan: Input =
            toml::from_str("mysql_formula = \"mysqltuner-2.1\"\n[mysql]\nlog_bin = 1\n").unwrap();
        assert_eq!((plan.mysql_formula, plan.mysql.log_bin), (MysqlFormula::Mysqltuner21, 1));
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
                ..Input::default()
            };
            match evaluate(&input, &vps()) {
                Ok(r) => {
                    // The budget again in u128: global a + 2M + 16M, per thread c + 608 KiB.
                    let (a, b, c, d) = (u128::from(a), u128::from(b), u128::from(c), u128::from(d));
                    let (global, per) = (a + 18 * u128::from(M), c + 608 * u128::from(K));
                    let fixed = global + c * d + d;
                    prop_assert_eq!(r.quantity("peak").map(u128::from), Some(fixed + b * per));
                    // The largest count that fits 85% of RAM: one more does not.
                    let safe = u128::from(256 * M / 100 * 85);
                    let n = u128::from(r.quantity("max_connections").unwrap());
                    if fixed <= safe {
                        prop_assert!(fixed + n * per <= safe && fixed + (n + 1) * per > safe);
                    } else {
                        prop_assert_eq!(n, 0);
                    }
                }
                Err(CalcError::Overflow { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn peak_grows_with_connections(n in 0u64..1 << 30, d in 0u64..1000) {
            let p = |n| mysql_peak(&MyCnf { max_connections: Count(n), ..MyCnf::default() }, MysqlFormula::default()).unwrap();
            prop_assert!(p(n + d) >= p(n));
        }
    }
}
