//! What a plan asks of its host, and the sysctl lines written for it: each
//! value computed by hand, each rule named after the need that set it. The
//! host here knows every kernel value and each is 1, so every need is a
//! raise and is written.

use headroom_core::fixes::{generate, Service};
use headroom_core::host::{Host, Kernel};
use headroom_core::plan::Plan;
use headroom_core::units::{Bytes, Count};
use headroom_core::validate::sysctl::NR_OPEN_DEFAULT;
use headroom_core::validate::Needs;

fn needs(toml: &str) -> Needs {
    Needs::from_plan(&Plan::from_toml(toml).unwrap())
}

/// A host whose every kernel value is known and 1.
fn low_host() -> Host {
    let one = Some(Count(1));
    let kernel = Kernel {
        file_max: one,
        nr_open: one,
        aio_max_nr: one,
        max_map_count: one,
        shmmax: Some(Bytes(1)),
        shmall: one,
        tcp_mem: Some([1, 1, 1]),
        tcp_max_tw_buckets: one,
        ..Kernel::default()
    };
    Host { kernel, ..Host::default() }
}

/// `sysctl -w` commands as `key=value` pairs.
fn sysctl(needs: &Needs) -> Vec<String> {
    generate(&low_host(), needs, &Service::default())
        .commands
        .iter()
        .map(|c| c.trim_start_matches("sysctl -w ").replace('"', ""))
        .collect()
}

fn value(needs: &Needs, key: &str) -> Option<String> {
    sysctl(needs).iter().find_map(|l| l.strip_prefix(&format!("{key}=")).map(String::from))
}

/// The rule named in the comment above `key` in the sysctl drop-in.
fn rule_of(needs: &Needs, key: &str) -> Option<String> {
    let fixes = generate(&low_host(), needs, &Service::default());
    let text = &fixes.files.first()?.text;
    let lines: Vec<&str> = text.lines().collect();
    let i = lines.iter().position(|l| l.starts_with(&format!("{key} = ")))?;
    lines[i - 1].strip_prefix("# ")?.split(':').next().map(String::from)
}

#[test]
fn busy_connections_need_tcp_memory_and_idle_ones_do_not() {
    // 10 active connections of 8 KiB on 4 KiB pages: 20 pages, 81,920 B.
    let busy = needs(
        "[connections.kernel]\nconnections = 1000\nactive_connections = 10\n\
         buffer_per_active = \"8 KiB\"\n",
    );
    assert_eq!(busy.tcp_memory, Some(Bytes(81_920)));
    assert_eq!(busy.connections, Some(1000));
    let idle = needs("[connections.kernel]\nconnections = 1000\nactive_connections = 0\n");
    assert_eq!(idle.tcp_memory, None);
}

#[test]
fn aerospike_counts_of_zero_are_unknown() {
    let known = needs(include_str!("../../examples/aerospike.toml"));
    assert_eq!((known.aerospike_nodes, known.aerospike_namespaces), (Some(4), Some(2)));
    assert!(known.aerospike_segment.is_some());
    let unknown = needs("[aerospike.shm]\ncluster_nodes = 0\ncluster_namespaces = 0\n");
    assert_eq!((unknown.aerospike_nodes, unknown.aerospike_namespaces), (None, None));
    assert!(!unknown.amps);
}

#[test]
fn file_max_is_named_after_the_need_that_set_it() {
    // 1000 connections: 10% more.
    let conns = Needs { connections: Some(1000), ..Needs::default() };
    assert_eq!(value(&conns, "fs.file-max").as_deref(), Some("1100"));
    assert_eq!(rule_of(&conns, "fs.file-max").as_deref(), Some("sysctl.connections.file_max"));
    let wider = Needs { file_max: Some(2000), ..conns.clone() };
    assert_eq!(value(&wider, "fs.file-max").as_deref(), Some("2000"));
    // AMPS alone, or AMPS's recommendation above the connections' need.
    let amps = Needs { amps: true, ..Needs::default() };
    assert_eq!(value(&amps, "fs.file-max").as_deref(), Some("6815744"));
    assert_eq!(rule_of(&amps, "fs.file-max").as_deref(), Some("sysctl.amps.file_max"));
    let both = Needs { amps: true, connections: Some(1000), ..Needs::default() };
    assert_eq!(rule_of(&both, "fs.file-max").as_deref(), Some("sysctl.amps.file_max"));
    // Ten million connections ask for more than AMPS: theirs is the rule.
    let many = Needs { amps: true, connections: Some(10_000_000), ..Needs::default() };
    assert_eq!(value(&many, "fs.file-max").as_deref(), Some("11000000"));
    assert_eq!(rule_of(&many, "fs.file-max").as_deref(), Some("sysctl.connections.file_max"));
    // Nothing needed: no sysctl file and no command.
    assert!(sysctl(&Needs::default()).is_empty());
    assert!(generate(&low_host(), &Needs::default(), &Service::default()).files.is_empty());
}

#[test]
fn nr_open_is_raised_only_above_what_the_host_has() {
    let mut host = low_host();
    host.kernel.nr_open = Some(Count(NR_OPEN_DEFAULT));
    let nr_open = |nofile: u64| {
        let needs = Needs { nofile: Some(nofile), ..Needs::default() };
        let fixes = generate(&host, &needs, &Service::default());
        fixes.commands.into_iter().find(|c| c.starts_with("sysctl -w fs.nr_open="))
    };
    assert_eq!(nr_open(NR_OPEN_DEFAULT), None);
    assert_eq!(
        nr_open(NR_OPEN_DEFAULT + 1),
        Some(format!("sysctl -w fs.nr_open=\"{}\"", NR_OPEN_DEFAULT + 1))
    );
}

#[test]
fn amps_values_never_go_below_the_recommendation() {
    let small =
        Needs { amps: true, aio_max_nr: Some(81_920), max_map_count: Some(10), ..Needs::default() };
    assert_eq!(value(&small, "fs.aio-max-nr").as_deref(), Some("1048576"));
    assert_eq!(value(&small, "vm.max_map_count").as_deref(), Some("500000"));
    let big = Needs {
        amps: true,
        aio_max_nr: Some(2_000_000),
        max_map_count: Some(600_000),
        ..Needs::default()
    };
    assert_eq!(value(&big, "fs.aio-max-nr").as_deref(), Some("2000000"));
    assert_eq!(value(&big, "vm.max_map_count").as_deref(), Some("600000"));
}

#[test]
fn shared_memory_and_tcp_memory_in_pages() {
    // 8,192,001 B: 2001 pages of 4096 B, rounded up.
    let shm = Needs { shm_segment: Some(Bytes(8_192_001)), ..Needs::default() };
    assert_eq!(value(&shm, "kernel.shmmax").as_deref(), Some("8192001"));
    assert_eq!(value(&shm, "kernel.shmall").as_deref(), Some("2001"));
    let aero = Needs { aerospike_segment: Some(Bytes(8192)), ..Needs::default() };
    assert_eq!(value(&aero, "kernel.shmall").as_deref(), Some("2"));
    // 409,601 B: 101 pages, the pressure; min 101 / 2 = 50, max 101 + 101 / 3 = 134.
    let tcp = Needs { tcp_memory: Some(Bytes(409_601)), ..Needs::default() };
    assert_eq!(value(&tcp, "net.ipv4.tcp_mem").as_deref(), Some("50 101 134"));
    let tw = Needs { time_wait: Some(240_000), ..Needs::default() };
    assert_eq!(value(&tw, "net.ipv4.tcp_max_tw_buckets").as_deref(), Some("240000"));
}

#[test]
fn nothing_needed_is_not_even_a_decision() {
    let fixes = generate(&low_host(), &Needs::default(), &Service::default());
    assert!(fixes.decisions.is_empty(), "{:?}", fixes.decisions);
}

#[test]
fn the_port_range_widens_downwards_to_exactly_the_ports_needed() {
    let mut host = low_host();
    // 40000..60999: 21,000 ports, fewer than the 30,000 needed.
    host.kernel.ip_local_port_range = Some([40_000, 60_999]);
    // 60,000 connections over 2 (client address, server port) pairs.
    let needs = Needs { connections: Some(60_000), port_pairs: Some(2), ..Needs::default() };
    let fixes = generate(&host, &needs, &Service::default());
    let cmd = fixes.commands.iter().find(|c| c.contains("ip_local_port_range"));
    // 65535 - 35536 + 1 = 30,000 ports.
    assert_eq!(
        cmd.map(String::as_str),
        Some("sysctl -w net.ipv4.ip_local_port_range=\"35536 65535\"")
    );
}

#[test]
fn the_gemstone_cache_term_is_whole_16_kib_pages() {
    let input = headroom_core::gemstone::Input { shr_page_cache_size_kb: 307_201 };
    let r = headroom_core::gemstone::evaluate(&input, &Host::default()).unwrap();
    let cache = r.terms.iter().find(|t| t.symbol == "cache").map(|t| t.value);
    // 307,201 KiB round up to 19,201 pages of 16 KiB: 314,589,184 B.
    assert_eq!(cache, Some(314_589_184));
}

/// The port range decision, if any, for these connections and pairs.
fn port_decision(connections: u64, port_pairs: u64) -> Option<String> {
    let needs =
        Needs { connections: Some(connections), port_pairs: Some(port_pairs), ..Needs::default() };
    let fixes = generate(&low_host(), &needs, &Service::default());
    let d = fixes.decisions.iter().find(|d| d.key == "net.ipv4.ip_local_port_range")?;
    Some(d.needed.clone())
}

#[test]
fn no_pairs_or_no_connections_need_no_local_ports() {
    // 0 pairs is "unknown", not a division by zero.
    assert_eq!(port_decision(1000, 0), None);
    // 0 connections over 3 pairs need 0 ports: nothing to decide.
    assert_eq!(port_decision(0, 3), None);
    // 1000 over 3 round up to 334 ports on each pair.
    assert_eq!(port_decision(1000, 3).as_deref(), Some("334 ports"));
}

#[test]
fn the_unit_drop_in_names_the_systemd_rule_and_limits_d_its_own() {
    let needs = Needs { nofile: Some(2_000_000), ..Needs::default() };
    // Both files need the limits known: the service's and the sessions'.
    let mut host = low_host();
    (host.kernel.nofile_soft, host.kernel.nofile_hard) = (Some(Count(1)), Some(Count(1)));
    let service = Service { sessions: [Some(1), Some(1)], ..Service::default() };
    let fixes = generate(&host, &needs, &service);
    let rule_above = |suffix: &str, setting: &str| {
        let file = fixes.files.iter().find(|f| f.path.ends_with(suffix))?;
        let lines: Vec<&str> = file.text.lines().collect();
        let i = lines.iter().position(|l| l.contains(setting))?;
        lines[i - 1].strip_prefix("# ")?.split(':').next().map(String::from)
    };
    assert_eq!(
        rule_above(".service.d/99-zz-headroom.conf", "LimitNOFILE=2000000").as_deref(),
        Some("systemd.nofile.below_need")
    );
    assert_eq!(
        rule_above("limits.d/99-zz-headroom.conf", "soft nofile 2000000").as_deref(),
        Some("limits.nofile.below_need")
    );
}

#[test]
fn more_ports_than_exist_open_the_whole_unprivileged_range() {
    let mut host = low_host();
    host.kernel.ip_local_port_range = Some([40_000, 60_999]);
    // 1,000,000 connections on one pair need more than the 64,512 ports of
    // 1024..65535: the range stops at 1024, not one port short of it.
    let needs = Needs { connections: Some(1_000_000), port_pairs: Some(1), ..Needs::default() };
    let fixes = generate(&host, &needs, &Service::default());
    let cmd = fixes.commands.iter().find(|c| c.contains("ip_local_port_range"));
    assert_eq!(
        cmd.map(String::as_str),
        Some("sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"")
    );
}

/// The decision on `key` for a host that knows no kernel value (16 GiB of
/// RAM, 4 KiB pages).
fn unknown_host_decision(needs: &Needs, key: &str) -> (String, Option<String>) {
    let fixes = generate(&Host::default(), needs, &Service::default());
    let d = fixes.decisions.into_iter().find(|d| d.key == key).expect(key);
    (d.current, d.written)
}

#[test]
fn an_unknown_value_is_the_stock_default_or_its_range() {
    let amps = Needs { amps: true, ..Needs::default() };
    // fs/aio.c's one default.
    assert_eq!(unknown_host_decision(&amps, "fs.aio-max-nr").0, "65536");
    // A tenth of 16 GiB in KiB, 1,677,721, up to systemd's LONG_MAX.
    assert_eq!(unknown_host_decision(&amps, "fs.file-max").0, "1677721 to 9223372036854775807");
}

#[test]
fn tcp_memory_within_the_stock_default_is_not_written() {
    // 16 GiB / 4 KiB / 16 = 262,144 pages: (3/4, 1, 3/2) of it.
    let small = Needs { tcp_memory: Some(Bytes(409_601)), ..Needs::default() };
    assert_eq!(
        unknown_host_decision(&small, "net.ipv4.tcp_mem"),
        ("196608 262144 393216".into(), None)
    );
    // 2 GiB: 524,288 pages of pressure, above the default's 262,144; min
    // and max keep the larger of theirs and the need's.
    let big = Needs { tcp_memory: Some(Bytes(2 << 30)), ..Needs::default() };
    assert_eq!(
        unknown_host_decision(&big, "net.ipv4.tcp_mem").1.as_deref(),
        Some("262144 524288 699050")
    );
}

/// The boundaries of raise-only: a need equal to what the host has, known
/// or stock, writes nothing; one more writes.
#[test]
fn a_need_equal_to_the_host_value_writes_nothing() {
    // 16 GiB: half of 131,072 hash slots, 65,536 TIME_WAIT buckets.
    let tw = |n: u64| {
        let needs = Needs { time_wait: Some(n), ..Needs::default() };
        unknown_host_decision(&needs, "net.ipv4.tcp_max_tw_buckets").1
    };
    assert_eq!(tw(65_536), None);
    assert_eq!(tw(65_537).as_deref(), Some("65537"));
    // 40000..60999 holds 21,000 ports: 21,000 are enough, 21,001 are not.
    let mut host = low_host();
    host.kernel.ip_local_port_range = Some([40_000, 60_999]);
    let range = |connections: u64, host: &Host| {
        let needs =
            Needs { connections: Some(connections), port_pairs: Some(1), ..Needs::default() };
        let fixes = generate(host, &needs, &Service::default());
        fixes.decisions.into_iter().find(|d| d.key == "net.ipv4.ip_local_port_range")?.written
    };
    assert_eq!(range(21_000, &host), None);
    // The top first: 40000..65535 holds 25,536.
    assert_eq!(range(21_001, &host).as_deref(), Some("40000 65535"));
    // The whole unprivileged range already: nothing wider to write.
    host.kernel.ip_local_port_range = Some([1024, 65_535]);
    assert_eq!(range(100_000, &host), None);
}

/// Login sessions: a need equal to the sessions' limit, known or stock,
/// adds no line and no command.
#[test]
fn a_limits_d_line_or_command_only_above_the_sessions() {
    let needs = |n: u64| Needs { nofile: Some(n), ..Needs::default() };
    let mut host = low_host();
    (host.kernel.nofile_soft, host.kernel.nofile_hard) = (Some(Count(1)), Some(Count(1)));
    let known = Service { sessions: [Some(4096), Some(4096)], ..Service::default() };
    let limits = |n: u64, service: &Service| {
        let f = generate(&host, &needs(n), service);
        let file = f.files.into_iter().find(|f| f.path.contains("limits.d")).map(|f| f.text);
        let asks = f.commands.iter().filter(|c| c.contains("limits.conf")).count();
        (file, asks)
    };
    assert_eq!(limits(4096, &known), (None, 0));
    let (file, asks) = limits(4097, &known);
    // The sessions' limit was read off the host: no stock value is named.
    assert!(file.unwrap().contains("was 4096, the plan needs 4097\n* soft nofile 4097\n"));
    assert_eq!(asks, 0);
    // Unknown: systemd's 1024:524288 stands in; at 524288 only the soft
    // limit asks, above it both.
    assert_eq!(limits(524_288, &Service::default()), (None, 1));
    assert_eq!(limits(524_289, &Service::default()), (None, 2));
    // The service's own limits unknown but the sessions known: still the
    // sessions' value, said to be the host's.
    let mut unknown = low_host();
    unknown.kernel.nofile_soft = None;
    let f = generate(&unknown, &needs(4097), &known);
    let text = &f.files.iter().find(|f| f.path.contains("limits.d")).unwrap().text;
    assert!(text.contains("# limits.nofile.below_need: was 4096, the plan needs 4097\n"), "{text}");
}

/// What `fixes` prints of each value: raised from the host's, raised where
/// lower from an assumed one, or kept.
#[test]
fn the_summary_says_what_is_raised_and_from_what() {
    let mut host = low_host();
    host.kernel.ip_local_port_range = Some([1024, 65_535]);
    let needs = Needs {
        aio_max_nr: Some(100),
        amps: true,
        connections: Some(10),
        port_pairs: Some(1),
        ..Needs::default()
    };
    let known = generate(&host, &needs, &Service::default()).summary();
    assert!(
        known.contains("  fs.aio-max-nr: raise 1 -> 1048576; the plan needs 1048576\n"),
        "{known}"
    );
    assert!(known
        .contains("  net.ipv4.ip_local_port_range: keep 1024 65535; the plan needs 10 ports\n"));
    let unknown = generate(&Host::default(), &needs, &Service::default()).summary();
    assert!(
        unknown.contains(
            "  fs.aio-max-nr: raise to 1048576 where lower, likely 65536 (kernel default, \
             fs/aio.c); the plan needs 1048576\n"
        ),
        "{unknown}"
    );
}
