//! Each limit exactly met, and missed by one: a finding appears only past
//! the limit, never at it. These pin the comparisons (`>` against `>=`)
//! that worked examples, far from any limit, leave free; docs/mutants.md
//! lists the mutants they catch.

use headroom_core::connections;
use headroom_core::host::{Host, Kernel};
use headroom_core::report::CalcResult;
use headroom_core::units::{Count, Rate};

fn ids(r: &CalcResult) -> Vec<&str> {
    r.findings.iter().map(|f| f.id).collect()
}

fn host(kernel: Kernel) -> Host {
    Host { kernel, ..Host::default() }
}

/// 1000 connections in one process: nofile = 1000 + 64 reserve = 1064,
/// file-max = 1000 + 64 = 1064; 2000 closes a second stay 60 s in
/// TIME_WAIT: 120,000 sockets; 10 active connections of 8 KiB on 4 KiB
/// pages: 20 pages of buffers; 4 client IPs · 1 port · 250 local ports =
/// 1000 4-tuples.
fn connections_input() -> connections::Input {
    connections::Input {
        connections: Count(1000),
        processes: Count(1),
        client_ips: Count(4),
        server_ports: Count(1),
        churn: Rate::per_second(2000),
        active_connections: Count(10),
        buffer_per_active: headroom_core::units::Bytes(8192),
        tcp_fin_timeout: None,
        tcp_tw_recycle: None,
        ..connections::Input::default()
    }
}

fn connections_at(kernel: Kernel) -> Vec<String> {
    let r = connections::evaluate(&connections_input(), &host(kernel)).unwrap();
    assert_eq!(r.quantity("nofile"), Some(1064));
    assert_eq!(r.quantity("file_max"), Some(1064));
    assert_eq!(r.quantity("time_wait"), Some(120_000));
    assert_eq!(r.quantity("buffer_pages"), Some(20));
    ids(&r).into_iter().map(String::from).collect()
}

/// A kernel whose every limit equals what `connections_input` needs.
fn kernel_exactly_met() -> Kernel {
    Kernel {
        nr_open: Some(Count(1064)),
        nofile_soft: Some(Count(1064)),
        nofile_hard: Some(Count(1064)),
        file_max: Some(Count(1064)),
        // 60999 - 60750 + 1 = 250 ports: 4 IPs · 250 = 1000 tuples, exactly C.
        ip_local_port_range: Some([60750, 60999]),
        tcp_mem: Some([1, 20, 20]),
        tcp_max_tw_buckets: Some(Count(120_000)),
        ..Kernel::default()
    }
}

#[test]
fn connections_limits_exactly_met_raise_nothing() {
    assert_eq!(connections_at(kernel_exactly_met()), Vec::<String>::new());
}

#[test]
fn connections_limits_missed_by_one_each_raise_their_finding() {
    let base = kernel_exactly_met();
    let id = |s: &str| format!("connections.kernel.{s}");
    let cases: [(Kernel, Vec<String>); 7] = [
        (Kernel { nr_open: Some(Count(1063)), ..base.clone() }, vec![id("nr_open")]),
        (Kernel { nofile_soft: Some(Count(1063)), ..base.clone() }, vec![id("nofile")]),
        (Kernel { nofile_hard: Some(Count(1063)), ..base.clone() }, vec![id("nofile")]),
        (Kernel { file_max: Some(Count(1063)), ..base.clone() }, vec![id("file_max")]),
        // 249 ports: 996 tuples for 1000 connections.
        (Kernel { ip_local_port_range: Some([60751, 60999]), ..base.clone() }, vec![id("ports")]),
        // 20 pages: above the pressure of 19 (a warning), not above the max.
        (Kernel { tcp_mem: Some([1, 19, 20]), ..base.clone() }, vec![id("tcp_mem.pressure")]),
        (
            Kernel { tcp_max_tw_buckets: Some(Count(119_999)), ..base.clone() },
            vec![id("tw_buckets")],
        ),
    ];
    for (kernel, want) in cases {
        assert_eq!(connections_at(kernel.clone()), want, "{kernel:?}");
    }
    // Above the max too: an error, not the pressure warning.
    let r = connections::evaluate(
        &connections_input(),
        &host(Kernel { tcp_mem: Some([1, 19, 19]), ..base.clone() }),
    )
    .unwrap();
    assert_eq!(ids(&r), ["connections.kernel.tcp_mem"]);
    assert_eq!(r.findings[0].severity, headroom_core::finding::Severity::Error);
    // Pressure is raised with max: "1 19 20" would leave the pressure warning.
    assert_eq!(r.findings[0].fix.as_deref(), Some("sysctl -w net.ipv4.tcp_mem=\"1 20 20\""));
    let fixed = connections::evaluate(
        &connections_input(),
        &host(Kernel { tcp_mem: Some([1, 20, 20]), ..base.clone() }),
    )
    .unwrap();
    assert_eq!(ids(&fixed), Vec::<&str>::new());
}

/// tcp_mem is pages (ip-sysctl.rst); only a value that, read as pages, is
/// more memory than the host has can have been written in bytes.
#[test]
fn tcp_mem_is_bytes_only_above_the_hosts_memory_in_pages() {
    // 1000 pages of 4 KiB: 4,096,000 B, exactly the RAM.
    assert!(!connections::tcp_mem_is_bytes(1000, 4096, Some(4_096_000)));
    assert!(connections::tcp_mem_is_bytes(1000, 4096, Some(4_095_999)));
    // A RAM of 0 is unknown: the 64 TiB an x86-64 kernel addresses decide.
    assert!(!connections::tcp_mem_is_bytes(1000, 4096, Some(0)));
    assert!(!connections::tcp_mem_is_bytes(1 << 34, 4096, None));
    assert!(connections::tcp_mem_is_bytes((1 << 34) + 1, 4096, Some(0)));
}

/// A process cannot have more descriptors than fs.nr_open's ceiling
/// (2,147,483,584 on 64-bit, fs/file.c): the fix spreads the connections
/// over more processes instead of an fs.nr_open the kernel refuses.
#[test]
fn connections_beyond_what_one_process_can_hold_need_more_processes() {
    let input = connections::Input {
        connections: Count(5_000_000_000),
        processes: Count(1),
        client_ips: Count(100_000),
        ..connections::Input::default()
    };
    let r = connections::evaluate(&input, &Host::default()).unwrap();
    let f = r.findings.iter().find(|f| f.id == "connections.kernel.nr_open").unwrap();
    assert!(f.message.contains("above the 2147483584 any Linux process can have"), "{}", f.message);
    // ⌈5,000,000,000 ÷ (2,147,483,584 − 64)⌉ = 3.
    assert_eq!(f.fix.as_deref(), Some("processes = 3"));
}
