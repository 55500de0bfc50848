//! my.cnf: `[group]` sections, `option` and `option = value` lines, `#` and
//! `;` comments, `!include`/`!includedir` (reported, not followed: the core
//! reads no files), K/M/G size suffixes, and `-`/`_` as the same character in
//! option names (MySQL Reference Manual, "Using Option Files").

use crate::finding::Finding;
use crate::host::Host;
use crate::units::{Bytes, Count};
use crate::vps;

use super::{at, at_col, numbered, rules, DbVersion, Needs, Parsed, Setting};

/// Groups whose options reach the server.
fn is_server_group(group: &str) -> bool {
    let g = group.to_ascii_lowercase();
    ["mysqld", "server", "mariadb", "mariadbd"]
        .iter()
        .any(|s| g == *s || g.starts_with(&format!("{s}-")))
}

/// Options only the server reads: in another group they do nothing.
const SERVER_ONLY: &[&str] = &[
    "key_buffer_size",
    "innodb_buffer_pool_size",
    "innodb_log_buffer_size",
    "innodb_log_file_size",
    "query_cache_size",
    "query_cache_limit",
    "query_cache_type",
    "max_connections",
    "thread_stack",
    "thread_cache_size",
    "sort_buffer_size",
    "read_buffer_size",
    "read_rnd_buffer_size",
    "join_buffer_size",
    "tmp_table_size",
    "max_heap_table_size",
    "binlog_cache_size",
    "table_open_cache",
    "default_storage_engine",
    "innodb",
    "skip_innodb",
    "datadir",
    "bind_address",
    "innodb_file_per_table",
];

/// Options whose values are sizes (K/M/G suffixes).
const SIZES: &[&str] = &[
    "key_buffer_size",
    "innodb_buffer_pool_size",
    "innodb_log_buffer_size",
    "innodb_log_file_size",
    "query_cache_size",
    "query_cache_limit",
    "thread_stack",
    "sort_buffer_size",
    "read_buffer_size",
    "read_rnd_buffer_size",
    "join_buffer_size",
    "tmp_table_size",
    "max_heap_table_size",
    "binlog_cache_size",
    "max_allowed_packet",
];

/// Removed with the query cache in MySQL 8.0.3 (MySQL 8.0 Release Notes).
const QUERY_CACHE: &[&str] = &[
    "query_cache_size",
    "query_cache_limit",
    "query_cache_type",
    "query_cache_min_res_unit",
    "query_cache_wlock_invalidate",
    "have_query_cache",
];

/// Reads `2M`, `64K`, `1G`, `4096` (binary multiples, as mysqld reads them).
pub fn parse_size(v: &str) -> Option<u64> {
    let v = v.trim();
    let (num, mult) = match v.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return None,
            };
            (&v[..i], m)
        }
        _ => (v, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// An option this module knows by name (`-` or `_`, `loose-` or not).
pub fn is_known_option(key: &str) -> bool {
    let (k, _) = normalize(key);
    SERVER_ONLY.contains(&k.as_str())
        || SIZES.contains(&k.as_str())
        || QUERY_CACHE.contains(&k.as_str())
}

/// `-` and `_` are the same in option names; `loose-` only mutes unknown-option errors.
fn normalize(key: &str) -> (String, bool) {
    let k = key.trim().to_ascii_lowercase().replace('-', "_");
    match k.strip_prefix("loose_") {
        Some(rest) => (rest.to_string(), true),
        None => (k, false),
    }
}

fn is_off(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "off" | "0" | "false" | "disabled")
}

pub(crate) fn check(name: &str, text: &str, host: Option<&Host>, needs: &Needs) -> Parsed {
    let mut p = Parsed::default();
    let mut group: Option<String> = None;
    for (n, raw) in numbered(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('!') {
            let (directive, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let f = match directive {
                "include" | "includedir" => rules::MYCNF_INCLUDE
                    .finding(format!("!{directive} {}: not followed here, so the options it adds were not checked", arg.trim()))
                    .fix(format!("check {} too (in order after this file)", arg.trim())),
                _ => rules::MYCNF_SYNTAX.finding(format!("unknown directive `!{directive}`: use !include or !includedir")),
            };
            p.findings.push(f.at(at(name, n)));
            continue;
        }
        if let Some(g) = line.strip_prefix('[') {
            match g.split_once(']') {
                Some((g, _)) => group = Some(g.trim().to_string()),
                None => p.findings.push(
                    rules::MYCNF_SYNTAX
                        .finding(format!("`{line}`: a group header ends with `]`"))
                        .at(at(name, n)),
                ),
            }
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(strip_value(v))),
            None => (line, None),
        };
        let (key, loose) = normalize(key);
        if key.is_empty() || key.contains(char::is_whitespace) {
            p.findings.push(
                rules::MYCNF_SYNTAX
                    .finding(format!("`{line}` is not `option` or `option = value`"))
                    .fix("option = value")
                    .at(at(name, n)),
            );
            continue;
        }
        let loc = at_col(name, n, raw.find(|c: char| !c.is_whitespace()).map_or(1, |c| c + 1));
        let in_server = group.as_deref().is_some_and(is_server_group);
        if !in_server && SERVER_ONLY.contains(&key.as_str()) {
            let where_ =
                group.as_deref().map_or("before any group".to_string(), |g| format!("in [{g}]"));
            p.findings.push(
                rules::MYCNF_OUTSIDE_SERVER
                    .finding(format!("{key} {where_} does not reach mysqld: only [mysqld], [server] and [mariadb] do"))
                    .fix(format!("[mysqld]\n{}", line))
                    .at(loc.clone()),
            );
        }
        if let Some(v) = &value {
            if SIZES.contains(&key.as_str()) && parse_size(v).is_none() {
                p.findings.push(
                    rules::MYCNF_BAD_SIZE
                        .finding(format!(
                            "{key} = {v}: not a size (digits with an optional K, M or G)"
                        ))
                        .fix(format!("{key} = 2M"))
                        .at(loc.clone()),
                );
            }
        }
        if let Some(ver) = needs.db_version.filter(|_| in_server && !loose) {
            version_rules(&key, value.as_deref(), &ver, line, &loc, &mut p.findings);
        }
        if in_server {
            p.settings.push(Setting { key, value: value.unwrap_or_default(), location: loc });
        }
    }
    if let Some(h) = host.filter(|h| h.ram.get() > 0) {
        p.findings.extend(peak_memory(&p.settings, h, needs, name));
    }
    p
}

/// MySQL 8.0's defaults for the variables the peak sums (MySQL 8.0 Reference
/// Manual, Server System Variables), used where the file sets nothing.
const DEFAULTS: &[(&str, u64)] = &[
    ("key_buffer_size", 8 << 20),
    ("innodb_buffer_pool_size", 128 << 20),
    ("innodb_log_buffer_size", 16 << 20),
    ("innodb_additional_mem_pool_size", 0),
    ("query_cache_size", 0),
    ("tmp_table_size", 16 << 20),
    ("max_heap_table_size", 16 << 20),
    ("read_buffer_size", 128 << 10),
    ("read_rnd_buffer_size", 256 << 10),
    ("sort_buffer_size", 256 << 10),
    ("thread_stack", 256 << 10),
    ("join_buffer_size", 256 << 10),
    ("binlog_cache_size", 32 << 10),
    ("max_connections", 151),
];

/// MySQL's worst case against RAM on a host without swap ("Squeezing a
/// lightweight server": 256 MB, no swap), with the formula of
/// [`vps::mysql_peak`]: global buffers plus max_connections x per-thread
/// buffers. Unset variables take MySQL 8.0's defaults ([`DEFAULTS`]).
fn peak_memory(settings: &[Setting], host: &Host, needs: &Needs, name: &str) -> Vec<Finding> {
    let last = |k: &str| settings.iter().rev().find(|s| s.key == k);
    let var = |k: &str| -> u64 {
        let default = DEFAULTS.iter().find(|(n, _)| *n == k).map_or(0, |&(_, d)| d);
        last(k).and_then(|s| parse_size(&s.value)).unwrap_or(default)
    };
    // InnoDB off only counts where the server still allows it (before 5.7.5).
    let innodb_off = (last("skip_innodb").is_some()
        || last("innodb").is_some_and(|s| is_off(&s.value)))
        && !needs.db_version.is_some_and(|v| !v.mariadb && v.at_least(5, 7, 5));
    let innodb = |k: &str| Bytes(if innodb_off { 0 } else { var(k) });
    let cnf = vps::MyCnf {
        key_buffer_size: Bytes(var("key_buffer_size")),
        innodb_buffer_pool_size: innodb("innodb_buffer_pool_size"),
        innodb_additional_mem_pool_size: innodb("innodb_additional_mem_pool_size"),
        innodb_log_buffer_size: innodb("innodb_log_buffer_size"),
        query_cache_size: Bytes(var("query_cache_size")),
        tmp_table_size: Bytes(var("tmp_table_size")),
        max_heap_table_size: Bytes(var("max_heap_table_size")),
        max_connections: Count(var("max_connections")),
        sort_buffer_size: Bytes(var("sort_buffer_size")),
        read_buffer_size: Bytes(var("read_buffer_size")),
        read_rnd_buffer_size: Bytes(var("read_rnd_buffer_size")),
        join_buffer_size: Bytes(var("join_buffer_size")),
        thread_stack: Bytes(var("thread_stack")),
        binlog_cache_size: Bytes(var("binlog_cache_size")),
        // MySQL 8.0 (the defaults above) logs binary by default.
        log_bin: u64::from(last("skip_log_bin").is_none() && last("disable_log_bin").is_none()),
        ..vps::MyCnf::default()
    };
    let formula = vps::MysqlFormula::TuningPrimer;
    let (global, per_thread) = vps::mysql_buffers(&cnf, formula).unwrap_or((u64::MAX, u64::MAX));
    let peak = vps::mysql_peak(&cnf, formula).unwrap_or(u64::MAX);
    let conns = cnf.max_connections.get();
    let ram = host.ram.get();
    let safe_conns = (ram / 100 * vps::SAFE_PERCENT).saturating_sub(global) / per_thread.max(1);
    let rule = if peak > ram {
        rules::MYCNF_PEAK_RAM
    } else if u128::from(peak) * 100 > u128::from(ram) * u128::from(vps::SAFE_PERCENT) {
        rules::MYCNF_PEAK_HIGH
    } else {
        return Vec::new();
    };
    let loc = last("max_connections")
        .or(settings.first())
        .map_or_else(|| at(name, 1), |s| s.location.clone());
    vec![rule
        .finding(format!(
            "MySQL's peak is {peak} B ({global} B global + {conns} connections x {per_thread} B per thread, tuning-primer's formula), {}% of the host's {ram} B of RAM; with no swap the OOM killer stops mysqld",
            u128::from(peak) * 100 / u128::from(ram.max(1))
        ))
        .fix(format!("max_connections = {safe_conns}"))
        .at(loc)]
}

fn strip_value(v: &str) -> String {
    let v = v.trim();
    let v = v.split(" #").next().unwrap_or(v).trim();
    v.trim_matches(|c| c == '"' || c == '\'').to_string()
}

fn version_rules(
    key: &str,
    value: Option<&str>,
    ver: &DbVersion,
    line: &str,
    loc: &crate::finding::Location,
    out: &mut Vec<Finding>,
) {
    if ver.mariadb {
        return;
    }
    if QUERY_CACHE.contains(&key) && ver.at_least(8, 0, 3) {
        out.push(
            rules::MYCNF_REMOVED
                .finding(format!("{key} is an unknown variable in MySQL {}.{}: the query cache was removed in 8.0.3 and mysqld refuses to start", ver.major, ver.minor))
                .fix(format!("delete `{line}`"))
                .at(loc.clone()),
        );
    }
    let disables_innodb = key == "skip_innodb" || (key == "innodb" && value.is_some_and(is_off));
    if disables_innodb && ver.at_least(5, 7, 5) {
        let effect = if ver.at_least(8, 0, 0) {
            "the option was removed in 8.0 and mysqld refuses to start"
        } else {
            "since 5.7.5 InnoDB cannot be disabled and the option does nothing"
        };
        out.push(
            rules::MYCNF_SKIP_INNODB
                .finding(format!("`{line}`: {effect}"))
                .fix(format!("delete `{line}`; keep default_storage_engine = MyISAM and lower innodb_buffer_pool_size instead"))
                .at(loc.clone()),
        );
    }
}
