//! sysctl rules at their edges: each value exactly at its limit passes and
//! one short of it is flagged, with the fix computed by hand.

use headroom_core::amps::limits as amps;
use headroom_core::finding::Finding;
use headroom_core::host::Host;
use headroom_core::units::Bytes;
use headroom_core::validate::rules::*;
use headroom_core::validate::{check_files, check_text, Context, Format, Needs};

fn check_with(text: &str, host: Option<&Host>, needs: &Needs) -> Vec<Finding> {
    let ctx = Context { host, needs: Some(needs) };
    check_text("99-test.conf", text, Some(Format::Sysctl), &ctx).unwrap().findings
}

fn check(text: &str) -> Vec<Finding> {
    check_with(text, None, &Needs::default())
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id).collect()
}

fn fix_of<'a>(findings: &'a [Finding], id: &str) -> Option<&'a str> {
    findings.iter().find(|f| f.id == id).and_then(|f| f.fix.as_deref())
}

#[test]
fn lines_keys_and_where_findings_point() {
    let clean = "# comment\n; comment\n\n-kernel.shmmax = 8192000\nfs/file-max = 5\n";
    assert_eq!(ids(&check(clean)), Vec::<&str>::new());
    assert_eq!(ids(&check("no equals sign\n")), [SYSCTL_SYNTAX.id]);
    assert_eq!(ids(&check("= 5\n")), [SYSCTL_SYNTAX.id]);
    assert_eq!(ids(&check("fs file = 5\n")), [SYSCTL_SYNTAX.id]);
    assert_eq!(ids(&check("net.ipv4.tcp_fin_timeout = soon\n")), [SYSCTL_SYNTAX.id]);
    // The column just after the `=` (at column 26): 27.
    let f = check("net.ipv4.tcp_fin_timeout = 59\n");
    let loc = f[0].location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (1, Some(27)));
    // A key set twice: the first line is overridden by the second.
    let f = check("fs.file-max = 5\nfs.file-max = 6\n");
    assert_eq!(ids(&f), [SYSCTL_OVERRIDE.id]);
    assert_eq!(f[0].location.as_ref().unwrap().line, 1);
    assert_eq!(f[0].fix.as_deref(), Some("fs.file-max = 6"));
}

#[test]
fn fin_timeout_below_the_time_wait_of_60_s_is_flagged() {
    assert_eq!(ids(&check("net.ipv4.tcp_fin_timeout = 60\n")), Vec::<&str>::new());
    assert_eq!(ids(&check("net.ipv4.tcp_fin_timeout = 59\n")), [SYSCTL_FIN_TIMEOUT.id]);
}

#[test]
fn shmall_exactly_covering_shmmax_passes() {
    // 2000 pages of 4096 B = 8,192,000 B = shmmax.
    let at = "kernel.shmmax = 8192000\nkernel.shmall = 2000\n";
    assert_eq!(ids(&check(at)), Vec::<&str>::new());
    let below = check("kernel.shmmax = 8192000\nkernel.shmall = 1999\n");
    assert_eq!(ids(&below), [SYSCTL_SHMALL_BELOW_SHMMAX.id]);
    assert_eq!(fix_of(&below, SYSCTL_SHMALL_BELOW_SHMMAX.id), Some("kernel.shmall = 2000"));
    // 8,192,001 B need 2001 pages (rounded up).
    let odd = check("kernel.shmmax = 8192001\nkernel.shmall = 2000\n");
    assert_eq!(fix_of(&odd, SYSCTL_SHMALL_BELOW_SHMMAX.id), Some("kernel.shmall = 2001"));
}

#[test]
fn shmall_equal_to_shmmax_is_bytes_for_pages_only_between_1_mib_and_256_tib() {
    let same = |v: u64| check(&format!("kernel.shmmax = {v}\nkernel.shmall = {v}\n"));
    let f = same(1 << 20);
    assert_eq!(ids(&f), [SYSCTL_PAGES_UNIT.id]);
    // Advice only: lowering shmall to 256 pages would cap all segments at 1 MiB.
    assert_eq!(
        fix_of(&f, SYSCTL_PAGES_UNIT.id),
        Some("keep kernel.shmall = 1048576: a smaller value would limit every segment together")
    );
    assert_eq!(f[0].severity, headroom_core::finding::Severity::Info);
    assert_eq!(ids(&same((1 << 20) - 1)), Vec::<&str>::new());
    assert_eq!(ids(&same((1 << 48) - 1)), [SYSCTL_PAGES_UNIT.id]);
    assert_eq!(ids(&same(1 << 48)), Vec::<&str>::new());
}

#[test]
fn tcp_mem_values_ascend_or_are_fixed() {
    assert_eq!(ids(&check("net.ipv4.tcp_mem = 2 2 2\n")), Vec::<&str>::new());
    let f = check("net.ipv4.tcp_mem = 3 2 4\n");
    assert_eq!(fix_of(&f, SYSCTL_TCP_MEM_ORDER.id), Some("net.ipv4.tcp_mem = 3 3 4"));
    let f = check("net.ipv4.tcp_mem = 1 3 2\n");
    assert_eq!(fix_of(&f, SYSCTL_TCP_MEM_ORDER.id), Some("net.ipv4.tcp_mem = 1 3 3"));
    assert_eq!(ids(&check("net.ipv4.tcp_mem = 1 2\n")), [SYSCTL_SYNTAX.id]);
}

#[test]
fn tcp_mem_is_pages_and_is_checked_against_ram_and_need() {
    // 100 pages of 4096 B = 409,600 B of RAM.
    let host = Host { ram: Bytes(409_600), ..Host::default() };
    let none = Needs::default();
    let at = check_with("net.ipv4.tcp_mem = 1 50 100\n", Some(&host), &none);
    assert_eq!(ids(&at), Vec::<&str>::new());
    let over = check_with("net.ipv4.tcp_mem = 1 50 101\n", Some(&host), &none);
    assert_eq!(ids(&over), [SYSCTL_TCP_MEM_RAM.id]);
    // min and pressure are within RAM and kept; max comes to half the 100 pages.
    assert_eq!(fix_of(&over, SYSCTL_TCP_MEM_RAM.id), Some("net.ipv4.tcp_mem = 1 50 50"));
    // Pressure above RAM too: a third and a half of the 100 pages.
    let both = check_with("net.ipv4.tcp_mem = 1 101 102\n", Some(&host), &none);
    assert_eq!(fix_of(&both, SYSCTL_TCP_MEM_RAM.id), Some("net.ipv4.tcp_mem = 1 33 50"));
    let unknown_ram = Host { ram: Bytes(0), ..Host::default() };
    assert_eq!(
        ids(&check_with("net.ipv4.tcp_mem = 1 50 101\n", Some(&unknown_ram), &none)),
        Vec::<&str>::new()
    );
    // The buffers need 409,600 B: 100 pages (pressure and max) pass, one byte more does not.
    let need = |b: u64| Needs { tcp_memory: Some(Bytes(b)), ..Needs::default() };
    assert_eq!(
        ids(&check_with("net.ipv4.tcp_mem = 1 100 100\n", None, &need(409_600))),
        Vec::<&str>::new()
    );
    let short = check_with("net.ipv4.tcp_mem = 1 100 100\n", None, &need(409_601));
    assert!(ids(&short).contains(&SYSCTL_CONN_TCP_MEM.id), "{short:?}");
    // 101 pages for pressure and max: the fix leaves no pressure finding behind.
    let fix = fix_of(&short, SYSCTL_CONN_TCP_MEM.id).unwrap();
    assert_eq!(fix, "net.ipv4.tcp_mem = 1 101 101");
    assert_eq!(ids(&check_with(&format!("{fix}\n"), None, &need(409_601))), Vec::<&str>::new());
}

/// MegaComet's own tcp_mem (source 003, Tuning) on its 7,652,552 kB EC2
/// Large host: max 26,777,216 pages (102 GiB) is above RAM, but min 786,432
/// and pressure 1,048,576 pages are within it and in force. The fix brings
/// only max down and keeps both, rather than lowering them to a quarter and
/// a third of RAM (478,284 and 637,712 pages).
#[test]
fn tcp_mem_above_ram_keeps_the_min_and_pressure_the_host_has() {
    let host = Host { ram: Bytes(7_652_552 * 1024), ..Host::default() };
    let line = "net.ipv4.tcp_mem = 786432 1048576 26777216\n";
    let f = check_with(line, Some(&host), &Needs::default());
    assert_eq!(ids(&f), [SYSCTL_TCP_MEM_RAM.id]);
    // 1,913,138 pages of RAM: half is 956,569, below the pressure kept.
    assert_eq!(
        fix_of(&f, SYSCTL_TCP_MEM_RAM.id),
        Some("net.ipv4.tcp_mem = 786432 1048576 1048576")
    );
    // With buffers that need 1.5 M pages, pressure and max rise to them.
    let needs = Needs { tcp_memory: Some(Bytes(1_500_000 * 4096)), ..Needs::default() };
    let f = check_with(line, Some(&host), &needs);
    assert_eq!(
        fix_of(&f, SYSCTL_TCP_MEM_RAM.id),
        Some("net.ipv4.tcp_mem = 786432 1500000 1500000")
    );
}

#[test]
fn amps_minimums_and_recommendations() {
    let amps_needs = Needs { amps: true, ..Needs::default() };
    let aio = |v: u64| check_with(&format!("fs.aio-max-nr = {v}\n"), None, &amps_needs);
    let want_fix = format!("fs.aio-max-nr = {}", amps::AIO_MAX_NR_RECOMMENDED);
    let below = aio(amps::AIO_MAX_NR_MIN - 1);
    assert_eq!(ids(&below), [SYSCTL_AMPS_AIO.id, SYSCTL_AMPS_MAP_COUNT_ADVICE.id]);
    assert_eq!(fix_of(&below, SYSCTL_AMPS_AIO.id), Some(want_fix.as_str()));
    assert_eq!(
        ids(&aio(amps::AIO_MAX_NR_MIN)),
        [SYSCTL_AMPS_AIO_ADVICE.id, SYSCTL_AMPS_MAP_COUNT_ADVICE.id]
    );
    assert_eq!(ids(&aio(amps::AIO_MAX_NR_RECOMMENDED)), [SYSCTL_AMPS_MAP_COUNT_ADVICE.id]);
    // Unset: the kernel defaults (aio 65,536, max_map_count 65,530) are
    // named as such; file-max has no fixed default and is not guessed.
    let unset = check_with("net.core.somaxconn = 1024\n", None, &amps_needs);
    assert_eq!(ids(&unset), [SYSCTL_AMPS_AIO_ADVICE.id, SYSCTL_AMPS_MAP_COUNT_ADVICE.id]);
    assert!(
        unset[0].message.starts_with("fs.aio-max-nr is not set (kernel default 65536)"),
        "{}",
        unset[0].message
    );
    let set = aio(amps::AIO_MAX_NR_MIN);
    assert!(set[0].message.starts_with("fs.aio-max-nr = 65536:"), "{}", set[0].message);
    // A value the host profile knows counts as set.
    let mut host = Host::default();
    host.kernel.max_map_count = Some(headroom_core::units::Count(amps::MAX_MAP_COUNT_MIN - 1));
    let known = check_with("fs.aio-max-nr = 1048576\n", Some(&host), &amps_needs);
    assert_eq!(ids(&known), [SYSCTL_AMPS_MAP_COUNT.id]);
    assert!(known[0].message.starts_with("vm.max_map_count = 65529:"), "{}", known[0].message);
}

#[test]
fn connection_needs_against_tw_buckets_file_max_and_ports() {
    let needs = Needs { connections: Some(1000), time_wait: Some(1000), ..Needs::default() };
    let clean = "net.ipv4.tcp_max_tw_buckets = 1000\nfs.file-max = 1000\n\
                 net.ipv4.ip_local_port_range = 1000 1999\n";
    assert_eq!(ids(&check_with(clean, None, &needs)), Vec::<&str>::new());
    let tw = check_with("net.ipv4.tcp_max_tw_buckets = 999\n", None, &needs);
    assert_eq!(fix_of(&tw, SYSCTL_CONN_TW_BUCKETS.id), Some("net.ipv4.tcp_max_tw_buckets = 1000"));
    // 10% above the connections.
    let fm = check_with("fs.file-max = 999\n", None, &needs);
    assert_eq!(fix_of(&fm, SYSCTL_CONN_FILE_MAX.id), Some("fs.file-max = 1100"));
    // 1001..1999 is 999 ports: 2 client addresses for 1000 connections.
    let ports = check_with("net.ipv4.ip_local_port_range = 1001 1999\n", None, &needs);
    assert_eq!(ids(&ports), [SYSCTL_CONN_PORTS.id]);
    assert!(
        ports[0].message.ends_with("need 2 client addresses (or server ports)"),
        "{}",
        ports[0].message
    );
    // The range already starts at 1001: only its top moves.
    assert_eq!(
        fix_of(&ports, SYSCTL_CONN_PORTS.id),
        Some("net.ipv4.ip_local_port_range = 1001 65535")
    );
    let many = Needs { connections: Some(100_000), ..Needs::default() };
    let stock = check_with("net.ipv4.ip_local_port_range = 32768 60999\n", None, &many);
    assert_eq!(
        fix_of(&stock, SYSCTL_CONN_PORTS.id),
        Some("net.ipv4.ip_local_port_range = 1024 65535")
    );
}

/// A port range that starts below 1024 is widened at the top only: the
/// generic "1024 65535" would take ports 500..1023 away from it.
#[test]
fn a_port_range_fix_never_narrows_the_range() {
    let needs = Needs { connections: Some(100_000), ..Needs::default() };
    let f = check_with("net.ipv4.ip_local_port_range = 500 60999\n", None, &needs);
    assert_eq!(fix_of(&f, SYSCTL_CONN_PORTS.id), Some("net.ipv4.ip_local_port_range = 500 65535"));
    let pairs = Needs { port_pairs: Some(1), ..needs };
    let f = check_with("net.ipv4.ip_local_port_range = 500 60999\n", None, &pairs);
    let fix = fix_of(&f, CONN_PORTS.id).unwrap();
    assert!(fix.starts_with("net.ipv4.ip_local_port_range = 500 65535,"), "{fix}");
}

/// The masked-file findings for these sysctl files, given in this order.
fn masked(files: &[&str]) -> Vec<String> {
    let files: Vec<_> =
        files.iter().map(|&n| (n, "fs.file-max = 2000000\n", Some(Format::Sysctl))).collect();
    let report = check_files(&files, &Context::default()).unwrap();
    let masked = report.all_findings().filter(|f| f.id == SYSCTL_FILE_MASKED.id);
    masked.map(|f| f.message.clone()).collect()
}

#[test]
fn a_name_is_masked_only_by_a_directory_read_first() {
    let masks = |hidden: &str, by: &str| {
        format!("{hidden} is not read: {by} has the same name in a directory read first")
    };
    // sysctl.d(5): /etc over /run over /usr/lib, in whatever order given.
    let (etc, run, lib) =
        ("/etc/sysctl.d/50-x.conf", "/run/sysctl.d/50-x.conf", "/usr/lib/sysctl.d/50-x.conf");
    assert_eq!(masked(&[etc, lib]), [masks(lib, etc)]);
    assert_eq!(masked(&[lib, run]), [masks(lib, run)]);
    // A file outside every sysctl.d neither masks nor is masked.
    assert_eq!(masked(&["/tmp/50-x.conf", etc]), Vec::<String>::new());
}

/// A value the kernel refuses for a key Headroom judges is an error naming
/// the key and line, not a line silently skipped (which let `check` pass a
/// file `sysctl -p` rejects).
#[test]
fn a_value_the_kernel_refuses_is_an_error() {
    let amps = Needs { amps: true, connections: Some(1000), ..Needs::default() };
    for line in [
        "fs.file-max = abc",
        "fs.file-max = 18446744073709551616",
        "kernel.shmmax = -1",
        "fs.nr_open = 1e9",
        "vm.max_map_count = -5",
        "net.ipv4.tcp_max_tw_buckets = x",
        "net.core.somaxconn = 99999999999999999999",
        "net.ipv4.ip_local_port_range = 70000 80000",
        "net.ipv4.ip_local_port_range = 40000 30000",
        "net.ipv4.ip_local_port_range = 1024",
    ] {
        let f = check_with(&format!("# c\n{line}\n"), None, &amps);
        let syntax: Vec<_> = f.iter().filter(|f| f.id == SYSCTL_SYNTAX.id).collect();
        assert_eq!(syntax.len(), 1, "{line}: {f:#?}");
        let key = line.split(" = ").next().unwrap();
        assert!(syntax[0].message.starts_with(&format!("{key} = ")), "{}", syntax[0].message);
        assert_eq!(syntax[0].location.as_ref().unwrap().line, 2, "{line}");
        // No other rule reads a value from the refused line.
        let on_line = |g: &&Finding| g.location.as_ref().is_some_and(|l| l.line == 2);
        assert_eq!(f.iter().filter(on_line).count(), 1, "{line}: {f:#?}");
    }
    // What the kernel takes passes: decimal, hex, a port range of one port.
    for line in [
        "fs.file-max = 9223372036854775807",
        "fs.file-max = 0x100000",
        "kernel.shmmax = 18446744073692774399",
        "net.ipv4.ip_local_port_range = 1024 65535",
    ] {
        let f = check_with(&format!("{line}\n"), None, &Needs::default());
        assert_eq!(ids(&f), Vec::<&str>::new(), "{line}");
    }
}
