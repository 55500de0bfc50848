//! my.cnf rules at their edges: MySQL's peak exactly at 85% of RAM and at
//! RAM, the defaults the peak takes for unset variables, which lines are
//! options, where a finding points, and what `loose-` and the version mute.

use headroom_core::finding::Finding;
use headroom_core::host::Host;
use headroom_core::units::Bytes;
use headroom_core::validate::mycnf::{is_known_option, parse_size};
use headroom_core::validate::rules::{
    MYCNF_BAD_SIZE, MYCNF_INCLUDE, MYCNF_OUTSIDE_SERVER, MYCNF_PEAK_HIGH, MYCNF_PEAK_RAM,
    MYCNF_REMOVED, MYCNF_SKIP_INNODB, MYCNF_SYNTAX, MYCNF_UNKNOWN,
};
use headroom_core::validate::{check_text, Context, DbVersion, Format, Needs};

fn check(text: &str, ram: Option<u64>, version: Option<&str>) -> Vec<Finding> {
    let host = ram.map(|r| Host { ram: Bytes(r), ..Host::default() });
    let needs =
        Needs { db_version: version.map(|v| DbVersion::parse(v).unwrap()), ..Needs::default() };
    let ctx = Context { host: host.as_ref(), needs: Some(&needs) };
    check_text("my.cnf", text, Some(Format::Mycnf), &ctx).unwrap().findings
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id).collect()
}

/// Every variable of the peak set: 16,600 B global (key_buffer_size) and
/// 1 KiB per thread (sort_buffer_size) for 100 connections: 16,600 +
/// 102,400 = 119,000 B, which is 85% of 140,000 B.
const PEAK_119000: &str = "[mysqld]
key_buffer_size = 16600
innodb_buffer_pool_size = 0
innodb_log_buffer_size = 0
query_cache_size = 0
tmp_table_size = 0
max_heap_table_size = 0
sort_buffer_size = 1K
read_buffer_size = 0
read_rnd_buffer_size = 0
join_buffer_size = 0
thread_stack = 0
binlog_cache_size = 0
max_connections = 100
";

#[test]
fn peak_at_85_percent_of_ram_passes_and_a_byte_less_ram_warns() {
    assert_eq!(ids(&check(PEAK_119000, Some(140_000), None)), Vec::<&str>::new());
    let f = check(PEAK_119000, Some(139_999), None);
    assert_eq!(ids(&f), [MYCNF_PEAK_HIGH.id]);
    assert!(
        f[0].message.contains(
            "MySQL's peak is 119000 B (16600 B global + 100 connections x 1024 B per thread"
        ),
        "{}",
        f[0].message
    );
    // 139,999 / 100 · 85 = 118,915; less 16,600 global = 102,315; / 1024 = 99.
    assert_eq!(f[0].fix.as_deref(), Some("max_connections = 99"));
    // The finding points at the max_connections line.
    assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(14));
}

#[test]
fn peak_equal_to_ram_warns_and_above_ram_is_an_error() {
    assert_eq!(ids(&check(PEAK_119000, Some(119_000), None)), [MYCNF_PEAK_HIGH.id]);
    let f = check(PEAK_119000, Some(118_999), None);
    assert_eq!(ids(&f), [MYCNF_PEAK_RAM.id]);
    // 1189 · 85 = 101,065; less 16,600 = 84,465; / 1024 = 82.
    assert_eq!(f[0].fix.as_deref(), Some("max_connections = 82"));
    // RAM unknown (0): no peak rule at all.
    assert_eq!(ids(&check(PEAK_119000, Some(0), None)), Vec::<&str>::new());
}

/// Each variable the file sets goes into its own term: 4 KiB more of a
/// global buffer is 4 KiB more global, of a per-thread buffer 4 KiB more per
/// connection; the tmp-table sizes are no term of tuning-primer's formula.
#[test]
fn each_variable_set_counts_in_its_own_term() {
    const X: u64 = 4096;
    let cases = [
        ("key_buffer_size", X, 1024),
        ("innodb_buffer_pool_size", 16_600 + X, 1024),
        ("innodb_additional_mem_pool_size", 16_600 + X, 1024),
        ("innodb_log_buffer_size", 16_600 + X, 1024),
        ("query_cache_size", 16_600 + X, 1024),
        ("sort_buffer_size", 16_600, X),
        ("read_buffer_size", 16_600, 1024 + X),
        ("read_rnd_buffer_size", 16_600, 1024 + X),
        ("join_buffer_size", 16_600, 1024 + X),
        ("thread_stack", 16_600, 1024 + X),
        ("binlog_cache_size", 16_600, 1024 + X),
        ("tmp_table_size", 16_600, 1024),
        ("max_heap_table_size", 16_600, 1024),
    ];
    for (name, global, per_thread) in cases {
        // The last setting of a name wins.
        let text = format!("{PEAK_119000}{name} = {X}\n");
        // MySQL 5.6 still knows innodb_additional_mem_pool_size.
        let f = check(&text, Some(1000), Some("5.6.51"));
        assert_eq!(ids(&f), [MYCNF_PEAK_RAM.id], "{name}");
        let want = format!("({global} B global + 100 connections x {per_thread} B per thread");
        assert!(f[0].message.contains(&want), "{name}: {}", f[0].message);
    }
}

#[test]
fn unset_variables_take_mysql_8_defaults() {
    // tuning-primer's total_memory_used: global 8 MiB key buffer + 128 MiB
    // buffer pool + 16 MiB log buffer = 159,383,552 B (no tmp-table term).
    // Per thread: 128 KiB read + 256 KiB each of read_rnd, sort, join and
    // thread_stack = 1,179,648 B (binlog cache set to 0), times 151
    // connections = 178,126,848 B. Peak: 337,510,400 B.
    let text = "[mysqld]\nbinlog_cache_size = 0\n";
    assert_eq!(ids(&check(text, Some(337_510_400), None)), [MYCNF_PEAK_HIGH.id]);
    let f = check(text, Some(337_510_399), None);
    assert_eq!(ids(&f), [MYCNF_PEAK_RAM.id]);
    assert!(
        f[0].message
            .contains("peak is 337510400 B (159383552 B global + 151 connections x 1179648 B"),
        "{}",
        f[0].message
    );
    // With no max_connections line the finding points at the first setting.
    assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(2));
}

#[test]
fn innodb_switched_off_counts_only_where_the_server_allows_it() {
    // 1,000 B key buffer + 100,000 B buffer pool, nothing per thread.
    let base = "[mysqld]\nkey_buffer_size = 1000\ninnodb_buffer_pool_size = 100000\n\
                innodb_log_buffer_size = 0\ntmp_table_size = 0\nmax_heap_table_size = 0\n\
                sort_buffer_size = 0\nread_buffer_size = 0\nread_rnd_buffer_size = 0\n\
                join_buffer_size = 0\nthread_stack = 0\nbinlog_cache_size = 0\n";
    let peak = |extra: &str, version: Option<&str>| {
        let f = check(&format!("{base}{extra}"), Some(50_000), version);
        f.iter().any(|f| f.id == MYCNF_PEAK_RAM.id)
    };
    // Before 5.7.5 (or version unknown, or MariaDB) the pool is not allocated.
    assert!(!peak("skip-innodb\n", None));
    assert!(!peak("innodb = OFF\n", Some("5.7.4")));
    assert!(!peak("skip-innodb\n", Some("mariadb 10.11")));
    assert!(peak("innodb = ON\n", None));
    // From 5.7.5 the option does nothing: the pool counts.
    assert!(peak("skip-innodb\n", Some("5.7.5")));
}

#[test]
fn innodb_rules_by_version_and_value() {
    let skip = |text: &str, v: &str| {
        check(text, None, Some(v)).into_iter().find(|f| f.id == MYCNF_SKIP_INNODB.id)
    };
    assert!(skip("[mysqld]\ninnodb = off\n", "5.7.5").is_some());
    assert!(skip("[mysqld]\ninnodb = on\n", "5.7.5").is_none());
    assert!(skip("[mysqld]\nkey_buffer_size = 1K\n", "8.0.36").is_none());
    let removed = skip("[mysqld]\nskip-innodb\n", "8.0.0").unwrap();
    assert!(removed.message.contains("removed in 8.0"), "{}", removed.message);
    let ignored = skip("[mysqld]\nskip-innodb\n", "5.7.44").unwrap();
    assert!(ignored.message.contains("does nothing"), "{}", ignored.message);
    // loose- mutes the version rules: mysqld only warns about it.
    let qc = check("[mysqld]\nloose-query_cache_size = 0\n", None, Some("8.0.3"));
    assert!(!ids(&qc).contains(&MYCNF_REMOVED.id), "{qc:?}");
}

#[test]
fn sizes_are_binary_multiples() {
    assert_eq!(parse_size("2k"), Some(2048));
    assert_eq!(parse_size("2M"), Some(2 << 20));
    assert_eq!(parse_size("1G"), Some(1 << 30));
    assert_eq!(parse_size("1T"), Some(1 << 40));
    assert_eq!(parse_size(" 7 "), Some(7));
    assert_eq!(parse_size("5X"), None);
    assert_eq!(parse_size("M"), None);
    assert_eq!(parse_size("99999999999T"), None);
    let bad = check("[mysqld]\n   key_buffer_size = 5X\nmax_connections = abc\n", None, None);
    // max_connections takes the same parser: `abc` stops mysqld there too.
    assert_eq!(ids(&bad), [MYCNF_BAD_SIZE.id, MYCNF_BAD_SIZE.id]);
    // Line 2, column 4: after the three spaces.
    let loc = bad[0].location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (2, Some(4)));
}

#[test]
fn known_options_come_from_each_list() {
    for key in [
        "loose-key-buffer-size",
        "max_allowed_packet",
        "innodb_file_per_table",
        "query_cache_min_res_unit",
        "Query-Cache-Type",
    ] {
        assert!(is_known_option(key), "{key}");
    }
    assert!(!is_known_option("foo"));
}

#[test]
fn which_lines_are_options_and_which_groups_reach_the_server() {
    let clean = "# comment\n; comment\n\n[mysqld]\nkey_buffer_size = \"1K\" # quoted\n\
                 sort_buffer_size = '2K'\n[mysqld-8.0]\nmax_connections = 5\n\
                 [MariaDB]\nthread_stack = 1K\n[server]\njoin_buffer_size = 1K\n\
                 [mariadbd]\nread_buffer_size = 1K\n";
    assert_eq!(ids(&check(clean, None, None)), Vec::<&str>::new());
    let outside = check("[client]\nkey_buffer_size = 1K\n", None, None);
    assert_eq!(ids(&outside), [MYCNF_OUTSIDE_SERVER.id]);
    assert_eq!(ids(&check("key_buffer_size = 1K\n", None, None)), [MYCNF_OUTSIDE_SERVER.id]);
    assert_eq!(ids(&check("[mysqld]\n= 5\n", None, None)), [MYCNF_SYNTAX.id]);
    assert_eq!(ids(&check("[mysqld]\nkey buffer = 5\n", None, None)), [MYCNF_SYNTAX.id]);
    assert_eq!(ids(&check("[mysqld\n", None, None)), [MYCNF_SYNTAX.id]);
    assert_eq!(ids(&check("!include /etc/x.cnf\n", None, None)), [MYCNF_INCLUDE.id]);
    assert_eq!(ids(&check("!includedir /etc/x.d\n", None, None)), [MYCNF_INCLUDE.id]);
    assert_eq!(ids(&check("!foo\n", None, None)), [MYCNF_SYNTAX.id]);
}

#[test]
fn an_unknown_name_is_matched_only_to_a_close_option() {
    let unknown = |text: &str| {
        let f = check(text, None, None);
        f.into_iter().find(|f| f.id == MYCNF_UNKNOWN.id).expect("an unknown-option finding")
    };
    // Eight letters allow 8 / 3 + 1 = 3 edits; no option is that close.
    let far = unknown("[mysqld]\nqqqqqqqq = 1\n");
    assert!(!far.message.contains("did you mean"), "{}", far.message);
    assert!(far.fix.as_deref().is_some_and(|f| f.starts_with("delete `qqqqqqqq = 1`")), "{far:?}");
    // One letter dropped from a real name.
    let near = unknown("[mysqld]\ninnodb_bufer_pool_size = 1G\n");
    assert!(near.message.ends_with("did you mean innodb_buffer_pool_size?"), "{}", near.message);
}

/// Global buffers above RAM leave no connection count that fits: the fix
/// says so and names the buffers, instead of `max_connections = 0` (which
/// mysqld raises to 1 and which fixes nothing). A max_connections mysqld
/// cannot read is an error, not the default read silently.
#[test]
fn no_max_connections_of_0_and_no_unreadable_max_connections() {
    let f = check("[mysqld]\nkey_buffer_size = 1T\n", Some(256 << 20), None);
    assert_eq!(ids(&f), [MYCNF_PEAK_RAM.id]);
    let fix = f[0].fix.as_deref().unwrap();
    assert!(fix.starts_with("no max_connections fits: the global buffers ("), "{fix}");
    assert!(!fix.contains("max_connections = 0"), "{fix}");
    for bad in ["abc", "-5", "18446744073709551616"] {
        let f = check(&format!("[mysqld]\nmax_connections = {bad}\n"), None, None);
        assert_eq!(ids(&f), [MYCNF_BAD_SIZE.id], "{bad}");
        assert_eq!(f[0].message, format!("max_connections = {bad}: not a number"));
        assert_eq!(f[0].fix.as_deref(), Some("max_connections = 151"));
    }
    assert_eq!(ids(&check("[mysqld]\nmax_connections = 1K\n", None, None)), Vec::<&str>::new());
}
