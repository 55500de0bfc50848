//! my.cnf: `[group]` sections, `option` and `option = value` lines, `#` and
//! `;` comments, `!include`/`!includedir` (reported, not followed: the core
//! reads no files), K/M/G size suffixes, and `-`/`_` as the same character in
//! option names (MySQL Reference Manual, "Using Option Files").

use crate::finding::Finding;
use crate::host::Host;
use crate::units::{Bytes, Count};
use crate::vps;

use super::{at, at_col, numbered, rules, DbVersion, Needs, Parsed, Setting};

/// Groups whose options reach the server: MySQL's `[mysqld]`, `[server]`
/// and `[mysqld-X.Y]` (MySQL Reference Manual, "Using Option Files");
/// MariaDB adds `[mariadb]`, `[mariadbd]`, `[client-server]` and `[galera]`
/// and their `-X.Y` forms (MariaDB KB, "Configuring MariaDB with Option
/// Files", "Server Option Groups").
fn is_server_group(group: &str) -> bool {
    let g = group.to_ascii_lowercase();
    ["mysqld", "server", "mariadb", "mariadbd", "client-server", "galera"]
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

/// mariadbd's option names (`_` for `-`), from its own `--help --verbose`.
const MARIADB_OPTIONS: &str = include_str!("mariadb-10.11-options.txt");

/// Unknown names looked up for the closest known one, per file: the search
/// costs a comparison with every option, so a hostile file stays bounded.
const SUGGESTIONS: usize = 64;

/// mariadbd's option names, sorted for lookups by name and by prefix.
struct Names {
    sorted: Vec<&'static str>,
    suggested: usize,
}

impl Names {
    fn new() -> Names {
        let mut sorted: Vec<&'static str> =
            MARIADB_OPTIONS.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        sorted.sort_unstable();
        Names { sorted, suggested: 0 }
    }

    fn known(&self, k: &str) -> bool {
        self.sorted.binary_search(&k).is_ok()
            || SERVER_ONLY.contains(&k)
            || SIZES.contains(&k)
            || QUERY_CACHE.contains(&k)
    }

    fn with_prefix(&self, prefix: &str) -> &[&'static str] {
        let start = self.sorted.partition_point(|o| *o < prefix);
        let len = self.sorted[start..].partition_point(|o| o.starts_with(prefix));
        &self.sorted[start..start + len]
    }

    fn closest(&mut self, name: &str) -> Option<&'static str> {
        if self.suggested >= SUGGESTIONS {
            return None;
        }
        self.suggested += 1;
        self.sorted
            .iter()
            .map(|o| (strsim::levenshtein(name, o), *o))
            .min()
            .filter(|&(d, _)| d <= name.len() / 3 + 1)
            .map(|(_, o)| o)
    }
}

/// An option name as mysqld's option parser (my_getopt) reads it: an exact
/// name, a boolean with a `skip_`, `enable_` or `disable_` prefix, a
/// `maximum_` limit, or a unique prefix of one name. Returns the name
/// mysqld reads, and the finding for a prefix (resolved, a note), an
/// ambiguous prefix (mysqld refuses it) or an unknown name (with the
/// closest known one).
fn resolve(
    names: &mut Names,
    key: &str,
    value: Option<&str>,
    line: &str,
    loc: &crate::finding::Location,
) -> (String, Option<Finding>) {
    let base = ["skip_", "enable_", "disable_", "maximum_"]
        .iter()
        .find_map(|p| key.strip_prefix(p))
        .unwrap_or(key);
    if names.known(key) || names.known(base) {
        return (key.to_string(), None);
    }
    let matches: Vec<&str> = names.with_prefix(base).to_vec();
    let with = |full: &str| match value {
        Some(v) => format!("{full} = {v}"),
        None => full.to_string(),
    };
    let finding = match matches[..] {
        [full] => {
            let f = rules::MYCNF_PREFIX
            .finding(format!("{key} is read as {full}: mysqld accepts a unique prefix of an option name, but a new option with the same prefix would make it ambiguous"))
            .fix(with(full))
            .at(loc.clone());
            return (full.to_string(), Some(f));
        }
        [_, _, ..] => rules::MYCNF_AMBIGUOUS
            .finding(format!(
                "{key} is a prefix of {} options ({}...): mysqld stops with \"ambiguous option\"",
                matches.len(),
                matches.iter().take(3).copied().collect::<Vec<_>>().join(", ")
            ))
            .fix(with(matches[0]))
            .at(loc.clone()),
        [] => {
            let closest = names.closest(base);
            let fix = match closest {
                Some(c) => format!("{} (or `loose-{key}` for a plugin's option)", with(c)),
                None => format!("delete `{line}`, or write `loose-{key}` for a plugin's option"),
            };
            let hint = closest.map_or(String::new(), |c| format!("; did you mean {c}?"));
            rules::MYCNF_UNKNOWN
                .finding(format!("{key} is not an option of mariadbd 10.11: the server stops with \"unknown variable\" unless a plugin defines it{hint}"))
                .fix(fix)
                .at(loc.clone())
        }
    };
    (key.to_string(), Some(finding))
}

fn is_off(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "off" | "0" | "false" | "disabled")
}

pub(crate) fn check(name: &str, text: &str, needs: &Needs) -> Parsed {
    let mut p = Parsed::default();
    let mut group: Option<String> = None;
    let mut names = Names::new();
    for (n, raw) in numbered(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('!') {
            let (directive, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let f = match directive {
                "include" | "includedir" => rules::MYCNF_INCLUDE
                    .finding(format!("!{directive} {}: the options it adds are checked only with the files it names (`dumptool check --live` follows it on a host)", arg.trim()))
                    .fix(format!("check {} too (in order after this file)", arg.trim())),
                _ => rules::MYCNF_SYNTAX.finding(format!("unknown directive `!{directive}`: use !include or !includedir")),
            };
            p.findings.push(f.at(at(name, n)));
            continue;
        }
        if let Some(g) = line.strip_prefix('[') {
            match g.split_once(']') {
                Some((g, _)) => {
                    let g = g.trim().to_string();
                    p.server_group |= is_server_group(&g);
                    group = Some(g);
                }
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
            None => (line.split('#').next().unwrap_or(line), None),
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
        // MariaDB's option list: a MySQL server has options it lacks.
        let mariadb_names = needs.db_version.is_none_or(|v| v.mariadb);
        let key = if in_server && !loose && mariadb_names {
            let (full, finding) = resolve(&mut names, &key, value.as_deref(), line, &loc);
            p.findings.extend(finding);
            full
        } else {
            key
        };
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
            // max_connections is a count, read by the same parser: mysqld
            // refuses `abc` there as in a size.
            let (what, example) = if key == "max_connections" {
                ("not a number", "151")
            } else {
                ("not a size (digits with an optional K, M or G)", "2M")
            };
            let numeric = SIZES.contains(&key.as_str()) || key == "max_connections";
            if numeric && parse_size(v).is_none() {
                p.findings.push(
                    rules::MYCNF_BAD_SIZE
                        .finding(format!("{key} = {v}: {what}"))
                        .fix(format!("{key} = {example}"))
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
    p
}

/// Rules over the server's whole configuration: every server-group setting
/// of every file, in the order mysqld reads them (a later one wins).
pub(crate) fn check_all(settings: &[Setting], host: Option<&Host>, needs: &Needs) -> Vec<Finding> {
    match host.filter(|h| h.ram.get() > 0) {
        Some(h) => peak_memory(settings, h, needs),
        None => Vec::new(),
    }
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
fn peak_memory(settings: &[Setting], host: &Host, needs: &Needs) -> Vec<Finding> {
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
    let loc = last("max_connections").or(settings.last()).map(|s| s.location.clone());
    let f = rule
        .finding(format!(
            "MySQL's peak is {peak} B ({global} B global + {conns} connections x {per_thread} B per thread, tuning-primer's formula), {}% of the host's {ram} B of RAM; with no swap the OOM killer stops mysqld",
            u128::from(peak) * 100 / u128::from(ram.max(1))
        ))
        .fix(if safe_conns > 0 {
            format!("max_connections = {safe_conns}")
        } else {
            // No connection count fits: the global buffers fill the budget.
            format!("no max_connections fits: the global buffers ({global} B) fill the budget; lower key_buffer_size or innodb_buffer_pool_size first")
        });
    vec![match loc {
        Some(l) => f.at(l),
        None => f,
    }]
}

/// An option's value as mysqld reads it: cut at a `#` outside quotes
/// ("a `#` comment can start in the middle of a line", MySQL Reference
/// Manual, "Using Option Files"), then one pair of quotes removed.
fn strip_value(v: &str) -> String {
    let mut quote = None;
    let mut end = v.len();
    for (i, c) in v.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let v = v[..end].trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    v.to_string()
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
