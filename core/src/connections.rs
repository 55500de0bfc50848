//! Kernel limits for very many concurrent TCP connections on one host
//! (result id `connections.kernel`). Thresholds are pub so the sysctl and
//! limits validators can reuse them.

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{
    events_over, exact, n, CalcError, CalcResult, Quantity, Source, Step, Term, Unit,
};
use crate::units::{Bytes, Count, Duration, Rate};
use crate::validate::rules;

pub const ID: &str = "connections.kernel";

pub const SOURCE: Source = Source {
    document: "\"MegaComet: 523k connections\" (blog post)",
    section: "Setup; Tuning (limits.conf and sysctl.conf); Results",
    excerpt: "With a bit of kernel tuning, i was able to get up to 523k connections opened simultaneously from 4 client boxes to 1 MegaComet server. … net.ipv4.ip_local_port_range = 1024 65535 … fs.file-max = 1100000",
};

pub const FORMULA: &str =
    "nofile = ceil(C / processes) + reserve_fds; file-max = C + reserve_fds·processes; \
     4-tuples = client_ips · server_ports · (port_hi − port_lo + 1) ≥ C; \
     TIME_WAIT = churn · 60 s; tcp_mem pages = active · buffer / page_size";

/// Descriptors each process needs besides its sockets (stdio, logs,
/// listeners, epoll): an assumption, not from the source; the default of
/// the `reserve_fds` field.
pub const RESERVE_FDS: u64 = 64;
/// Linux default fs.nr_open (fs/file.c: `sysctl_nr_open = 1024*1024`); the
/// hard nofile limit cannot exceed it.
pub const NR_OPEN_DEFAULT: u64 = 1_048_576;
/// Linux default net.ipv4.ip_local_port_range.
pub const PORT_RANGE_DEFAULT: [u16; 2] = [32768, 60999];
/// TIME_WAIT lasts TCP_TIMEWAIT_LEN, fixed at 60 s in include/net/tcp.h;
/// no sysctl changes it (tcp_fin_timeout is FIN_WAIT_2).
pub const TIME_WAIT_SECS: u64 = 60;
/// Kernel memory per idle established socket, bytes. An assumption: the
/// x86_64 slab objects behind one socket (TCP sock ~2.3 KiB, socket inode,
/// file, dentry, epoll item) rounded up to 4 KiB; check with `slabtop`. The
/// default of the `idle_socket_bytes` field.
pub const IDLE_SOCKET_BYTES: u64 = 4096;

/// The post's measured server memory: "128M across the servers processes"
/// (top's M, MiB) holding the test's 523k connections (source 003, Results).
pub const MEASURED_BYTES: u64 = 128 * 1024 * 1024;
pub const MEASURED_CONNECTIONS: u64 = 523_000;

/// Soft and hard nofile one process needs: its share of the connections,
/// rounded up, and its reserve.
pub fn nofile_needed(connections: u64, processes: u64, reserve: u64) -> Option<u64> {
    connections.checked_div(processes)?;
    connections.div_ceil(processes).checked_add(reserve)
}

/// The most RAM an x86-64 kernel with 4-level paging addresses, 64 TiB
/// (Documentation/arch/x86/x86_64/mm.rst, the direct mapping).
const MAX_RAM: u64 = 64 << 40;

/// Whether a `net.ipv4.tcp_mem` whose smallest value is `min` can only have
/// been written in bytes: read as pages of `page_size`, even that value is
/// more memory than the host has (`ram`, when known) or than an x86-64
/// kernel can address (64 TiB, Documentation/arch/x86/x86_64/mm.rst), so
/// no reading but bytes makes sense (ip-sysctl.rst: tcp_mem is in pages).
pub fn tcp_mem_is_bytes(min: u64, page_size: u64, ram: Option<u64>) -> bool {
    min.saturating_mul(page_size) > ram.filter(|&r| r > 0).unwrap_or(MAX_RAM)
}

/// Local ports per (client IP, server IP, server port) 4-tuple space.
pub fn ports_in_range(range: [u16; 2]) -> u64 {
    u64::from(range[1].saturating_sub(range[0])) + u64::from(range[1] >= range[0])
}

/// TIME_WAIT sockets at a steady close rate: churn × 60 s from the exact
/// rate, rounded up once.
pub fn time_wait_sockets(churn: Rate) -> Option<u64> {
    churn.over(Duration(TIME_WAIT_SECS))
}

/// The target and how it is spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// Concurrent connections on the server, count. Default 1,000,000 (the
    /// source's 4 clients x 250k).
    pub connections: Count,
    /// Server processes sharing them, count. Default 1.
    pub processes: Count,
    /// Client source IP addresses, count. Default 4 (the source's clients).
    pub client_ips: Count,
    /// Server ports listened on, count. Default 1.
    pub server_ports: Count,
    /// New connections per second (each later closed), rate. Default
    /// 4000/s (the source's test).
    pub churn: Rate,
    /// Connections moving data at once, count. Default 0.
    pub active_connections: Count,
    /// Send + receive buffer per active connection, bytes. Default 32768
    /// (the source's tcp_rmem and tcp_wmem defaults, 16384 each).
    pub buffer_per_active: Bytes,
    /// net.ipv4.tcp_fin_timeout if set, seconds. Default unset (MegaComet sets 12).
    pub tcp_fin_timeout: Option<Duration>,
    /// net.ipv4.tcp_tw_recycle if set. Default unset.
    pub tcp_tw_recycle: Option<u64>,
    /// Assumption: kernel memory per idle socket, bytes. Default 4 KiB.
    pub idle_socket_bytes: Bytes,
    /// Assumption: descriptors per process besides its sockets. Default 64.
    pub reserve_fds: Count,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            connections: Count(1_000_000),
            processes: Count(1),
            client_ips: Count(4),
            server_ports: Count(1),
            churn: Rate::per_second(4000),
            active_connections: Count(0),
            buffer_per_active: Bytes(32_768),
            tcp_fin_timeout: None,
            tcp_tw_recycle: None,
            idle_socket_bytes: Bytes(IDLE_SOCKET_BYTES),
            reserve_fds: Count(RESERVE_FDS),
        }
    }
}

/// Limits for `input` checked against `host.kernel`.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let invalid = |f: &str, r: &str| CalcError::Invalid { field: f.into(), reason: r.into() };
    let overflow = |f: &str| CalcError::Overflow { field: f.into() };
    let c = input.connections.get();
    let procs = input.processes.get();
    if procs == 0 {
        return Err(invalid("processes", "must be at least 1"));
    }
    if input.client_ips.get() == 0 || input.server_ports.get() == 0 {
        return Err(invalid("client_ips", "client_ips and server_ports must be at least 1"));
    }
    let reserve = input.reserve_fds.get();
    let nofile = nofile_needed(c, procs, reserve).ok_or_else(|| overflow("reserve_fds"))?;
    let file_max = reserve
        .checked_mul(procs)
        .and_then(|r| r.checked_add(c))
        .ok_or_else(|| overflow("processes"))?;
    let range = host.kernel.ip_local_port_range.unwrap_or(PORT_RANGE_DEFAULT);
    let ports = ports_in_range(range);
    // The plan's bounds reject a reversed range; a Host built in code is
    // named here rather than dividing by zero ports.
    if ports == 0 {
        return Err(invalid(
            "host.kernel.ip_local_port_range",
            "the low port is above the high port: no local port is left to connect from",
        ));
    }
    let tuples = ports
        .checked_mul(input.client_ips.get())
        .and_then(|v| v.checked_mul(input.server_ports.get()))
        .ok_or_else(|| overflow("client_ips"))?;
    let spaces = c.div_ceil(ports);
    let ports_needed = spaces.div_ceil(input.client_ips.get());
    let ips_needed = spaces.div_ceil(input.server_ports.get());
    let idle = c
        .checked_mul(input.idle_socket_bytes.get())
        .ok_or_else(|| overflow("idle_socket_bytes"))?;
    // The post's measured cost scaled to these connections, rounded up once.
    let measured =
        (u128::from(c) * u128::from(MEASURED_BYTES)).div_ceil(u128::from(MEASURED_CONNECTIONS));
    let measured = u64::try_from(measured).map_err(|_| overflow("connections"))?;
    let buf = input
        .active_connections
        .get()
        .checked_mul(input.buffer_per_active.get())
        .ok_or_else(|| overflow("active_connections"))?;
    // What the sockets take from the host's RAM: every socket's own slab
    // objects, and the active ones' buffers on top.
    let kernel = idle.checked_add(buf).ok_or_else(|| overflow("active_connections"))?;
    let page = host.page_size.get().max(1);
    let buf_pages = buf.div_ceil(page);
    let tw = time_wait_sockets(input.churn).ok_or_else(|| overflow("churn"))?;
    let bytes = |v| exact(v, Unit::Bytes);
    let over = events_over(input.churn, &[Duration(TIME_WAIT_SECS)]);
    // Rounded up where the rate leaves a fraction of a socket.
    let whole = u128::from(input.churn.events()) * u128::from(TIME_WAIT_SECS)
        % u128::from(input.churn.per_seconds())
        == 0;
    let tw_working = if whole { over } else { format!("⌈{over}⌉") };
    let (ips, sports) = (input.client_ips.get(), input.server_ports.get());
    let steps = vec![
        Step::new(
            "nofile",
            format!("⌈{} ÷ {}⌉ + {}", n(c), n(procs), n(reserve)),
            nofile,
            Unit::Count,
        ),
        Step::new(
            "file_max",
            format!("{} + {} × {}", n(c), n(reserve), n(procs)),
            file_max,
            Unit::Count,
        ),
        Step::new(
            "ports",
            format!("{} − {} + 1", n(u64::from(range[1])), n(u64::from(range[0]))),
            ports,
            Unit::Count,
        ),
        Step::new(
            "4-tuples",
            format!("{} × {} × {}", n(ports), n(ips), n(sports)),
            tuples,
            Unit::Count,
        ),
        Step::new("pairs", format!("⌈{} ÷ {}⌉", n(c), n(ports)), spaces, Unit::Count),
        Step::new(
            "server_ports",
            format!("⌈{} ÷ {}⌉", n(spaces), n(ips)),
            ports_needed,
            Unit::Count,
        ),
        Step::new(
            "client_ips",
            format!("⌈{} ÷ {}⌉", n(spaces), n(sports)),
            ips_needed,
            Unit::Count,
        ),
        Step::new(
            "idle_memory",
            format!("{} × {}", n(c), bytes(input.idle_socket_bytes.get())),
            idle,
            Unit::Bytes,
        ),
        Step::new(
            "measured_memory",
            format!("⌈{} × {} ÷ {}⌉", n(c), bytes(MEASURED_BYTES), n(MEASURED_CONNECTIONS)),
            measured,
            Unit::Bytes,
        ),
        Step::new(
            "buffers",
            format!(
                "{} × {}",
                n(input.active_connections.get()),
                bytes(input.buffer_per_active.get())
            ),
            buf,
            Unit::Bytes,
        ),
        Step::new(
            "kernel_memory",
            format!("{} + {}", bytes(idle), bytes(buf)),
            kernel,
            Unit::Bytes,
        ),
        Step::new(
            "buffer_pages",
            format!("⌈{} ÷ {}⌉", bytes(buf), bytes(page)),
            buf_pages,
            Unit::Pages,
        ),
        Step::new("time_wait", tw_working, tw, Unit::Count),
    ];

    let mut f = Vec::new();
    let nr_open = host.kernel.nr_open.map_or(NR_OPEN_DEFAULT, Count::get);
    if nofile > nr_open {
        f.push(
            Finding::new(
                &rules::CONN_NR_OPEN,
                format!(
                    "each process needs {nofile} descriptors, above fs.nr_open ({nr_open}): \
                         a hard nofile above it is refused"
                ),
            )
            .why("setrlimit(2): EPERM above fs.nr_open")
            .fix(format!("sysctl -w fs.nr_open={nofile}")),
        );
    }
    for (val, name) in [(host.kernel.nofile_soft, "soft"), (host.kernel.nofile_hard, "hard")] {
        if let Some(v) = val.filter(|v| v.get() < nofile) {
            f.push(
                Finding::new(
                    &rules::CONN_NOFILE,
                    format!(
                        "{name} nofile is {}, each process needs {nofile}: accept fails with \
                             EMFILE",
                        v.get()
                    ),
                )
                .why("source 003, Tuning: limits.conf nofile")
                .fix(format!("* {name} nofile {nofile}")),
            );
        }
    }
    if let Some(v) = host.kernel.file_max.filter(|v| v.get() < file_max) {
        f.push(
            Finding::new(
                &rules::CONN_FILE_MAX,
                format!("fs.file-max is {}, the host needs {file_max}: ENFILE", v.get()),
            )
            .why("source 003, Tuning: fs.file-max")
            .fix(format!("sysctl -w fs.file-max={file_max}")),
        );
    }
    if tuples < c {
        f.push(
            Finding::new(
                &rules::CONN_PORTS,
                format!(
                    "{c} connections need {spaces} (client IP, server port) pairs of {ports} \
                         ports each: {ports_needed} server ports or {ips_needed} client IPs"
                ),
            )
            .why("each (client IP, server IP, server port) allows one connection per local port")
            .fix(format!("listen on {ports_needed} ports, or use {ips_needed} client IPs")),
        );
    }
    let ram = Some(host.ram.get());
    // Bytes read as pages would make the checks below meaningless.
    let in_bytes = host.kernel.tcp_mem.filter(|m| tcp_mem_is_bytes(m[0], page, ram));
    if let Some(m) = in_bytes {
        let pages = m.map(|v| v.div_ceil(page));
        f.push(
            Finding::new(
                &rules::CONN_TCP_MEM_BYTES,
                format!(
                    "host.kernel.tcp_mem = {} {} {} looks like bytes: read as pages of {page} B, \
                     even the minimum is more memory than the host has",
                    m[0], m[1], m[2]
                ),
            )
            .why(rules::CONN_TCP_MEM_BYTES.source)
            .fix(format!("tcp_mem = [{}, {}, {}]", pages[0], pages[1], pages[2])),
        );
    }
    if let Some(mem) = host.kernel.tcp_mem.filter(|_| in_bytes.is_none()) {
        if buf_pages > mem[2] {
            f.push(
                Finding::new(
                    &rules::CONN_TCP_MEM,
                    format!(
                        "buffers need {buf_pages} pages, above tcp_mem max ({}): TCP out of \
                             memory",
                        mem[2]
                    ),
                )
                .why("tcp(7): tcp_mem is in pages")
                .fix(format!("sysctl -w net.ipv4.tcp_mem=\"{} {} {buf_pages}\"", mem[0], mem[1])),
            );
        } else if buf_pages > mem[1] {
            f.push(
                Finding::new(
                    &rules::CONN_TCP_MEM_PRESSURE,
                    format!(
                        "buffers need {buf_pages} pages, above tcp_mem pressure ({}): \
                             buffers get squeezed",
                        mem[1]
                    ),
                )
                .why("tcp(7): tcp_mem is in pages"),
            );
        }
    }
    if let Some(b) = host.kernel.tcp_max_tw_buckets.filter(|b| b.get() < tw) {
        f.push(
            Finding::new(
                &rules::CONN_TW_BUCKETS,
                format!(
                    "{tw} sockets in TIME_WAIT, above tcp_max_tw_buckets ({}): the kernel \
                         destroys the excess and logs \"time wait bucket table overflow\"",
                    b.get()
                ),
            )
            .why("TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN)")
            .fix(format!("sysctl -w net.ipv4.tcp_max_tw_buckets={tw}")),
        );
    }
    if input.tcp_fin_timeout.is_some() {
        f.push(
            Finding::new(
                &rules::CONN_FIN_TIMEOUT,
                "tcp_fin_timeout does not shorten TIME_WAIT: it is the FIN_WAIT_2 timeout",
            )
            .why("ip-sysctl.txt: tcp_fin_timeout; TIME_WAIT is fixed at 60 s"),
        );
    }
    if input.tcp_tw_recycle.is_some() {
        f.push(
            Finding::new(
                &rules::CONN_TW_RECYCLE,
                "net.ipv4.tcp_tw_recycle was removed in Linux 4.12 (it broke clients behind NAT)",
            )
            .fix("delete the net.ipv4.tcp_tw_recycle line from /etc/sysctl.conf"),
        );
    }
    let q = |name, label, value, unit| Quantity { name, label, value, unit };
    Ok(CalcResult {
        quantities: vec![
            q("nofile", "nofile per process (soft and hard)", nofile, Unit::Count),
            q("file_max", "fs.file-max", file_max, Unit::Count),
            q("server_ports", "server ports needed", ports_needed, Unit::Count),
            q("client_ips", "client IPs needed", ips_needed, Unit::Count),
            q("idle_memory", "kernel memory, idle sockets (assumed per socket)", idle, Unit::Bytes),
            q(
                "measured_memory",
                "server process memory at MegaComet's measured 128 MiB per 523k connections",
                measured,
                Unit::Bytes,
            ),
            q(
                "kernel_memory",
                "kernel memory for the sockets and their buffers",
                kernel,
                Unit::Bytes,
            ),
            q("buffer_pages", "buffer pages under load", buf_pages, Unit::Pages),
            q("time_wait", "TIME_WAIT sockets", tw, Unit::Count),
        ],
        terms: vec![
            Term {
                symbol: "ports",
                label: "local ports per 4-tuple space",
                value: ports,
                unit: Unit::Count,
            },
            Term {
                symbol: "4-tuples",
                label: "connections the tuples allow",
                value: tuples,
                unit: Unit::Count,
            },
            Term {
                symbol: "buffers",
                label: "buffer bytes under load",
                value: buf,
                unit: Unit::Bytes,
            },
        ],
        findings: f,
        steps,
        ..CALCULATOR.result()
    })
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "Many TCP connections",
    system: System::Connections,
    source: SOURCE,
    formula: FORMULA,
    notes: "Two assumptions, shown with the result and adjustable: idle sockets cost `idle_socket_bytes` of kernel memory each (4 KiB), and each process needs `reserve_fds` descriptors besides its sockets (64). Beside the assumed kernel cost, `measured_memory` scales the post's own measurement (128 MiB of server processes for 523k connections) as a labelled alternative. TIME_WAIT lasts 60 s whatever tcp_fin_timeout says.",
    capacity: Capacity::Ram,
    occupies: Some("kernel_memory"),
    fields: &[
        Field::new("connections", "Concurrent connections", Kind::Count, "Connections the server holds at once, e.g. \"1M\"."),
        Field::new("processes", "Server processes", Kind::Count, "Processes sharing the connections.").range(1, u64::MAX, "at least one process holds them"),
        Field::new("client_ips", "Client IP addresses", Kind::Count, "Source addresses the clients connect from.").range(1, u64::MAX, "at least one client address"),
        Field::new("server_ports", "Server ports", Kind::Count, "Ports the server listens on.").range(1, 65_535, "TCP ports are 1 to 65535"),
        Field::new("churn", "New connections per second", Kind::Rate, "Each later closed, e.g. \"4000/s\"; each close leaves a TIME_WAIT socket."),
        Field::new("active_connections", "Active connections", Kind::Count, "Connections moving data at once."),
        Field::new("buffer_per_active", "Buffer per active connection", Kind::Bytes, "Send + receive buffer, e.g. \"32 KiB\" (tcp_rmem + tcp_wmem)."),
        Field::new("tcp_fin_timeout", "net.ipv4.tcp_fin_timeout", Kind::Duration, "Seconds if set, e.g. \"12 s\" (MegaComet's value); empty if not set.").optional(),
        Field::new("tcp_tw_recycle", "net.ipv4.tcp_tw_recycle", Kind::Flag, "0 or 1 if set; empty if not set.").optional(),
        Field::new("idle_socket_bytes", "Kernel memory per idle socket", Kind::Bytes, "An assumption: the slab objects behind one idle TCP socket, about 4 KiB on x86-64; measure with slabtop.").assumption(),
        Field::new("reserve_fds", "Descriptors per process besides sockets", Kind::Count, "An assumption: stdio, logs, listeners and epoll, 64 by default.").assumption(),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "nofile", unit: Unit::Count, meaning: "descriptors per process: connections / processes, rounded up, + reserve_fds" },
        QuantityDoc { name: "file_max", unit: Unit::Count, meaning: "descriptors system-wide" },
        QuantityDoc { name: "server_ports", unit: Unit::Count, meaning: "server ports the client addresses need" },
        QuantityDoc { name: "client_ips", unit: Unit::Count, meaning: "client addresses the ports need" },
        QuantityDoc { name: "idle_memory", unit: Unit::Bytes, meaning: "connections × idle_socket_bytes" },
        QuantityDoc { name: "measured_memory", unit: Unit::Bytes, meaning: "the alternative from measurement: connections × 128 MiB / 523,000 (the post's server processes)" },
        QuantityDoc { name: "kernel_memory", unit: Unit::Bytes, meaning: "idle_memory + the active connections' buffers: the RAM the sockets take, added up with the other systems' in the host roll-up" },
        QuantityDoc { name: "buffer_pages", unit: Unit::Pages, meaning: "tcp_mem for the active connections' buffers" },
        QuantityDoc { name: "time_wait", unit: Unit::Count, meaning: "churn × 60 s of TIME_WAIT" },
    ],
    findings: &[
        rules::CONN_NR_OPEN,
        rules::CONN_NOFILE,
        rules::CONN_FILE_MAX,
        rules::CONN_PORTS,
        rules::CONN_TCP_MEM,
        rules::CONN_TCP_MEM_BYTES,
        rules::CONN_TCP_MEM_PRESSURE,
        rules::CONN_TW_BUCKETS,
        rules::CONN_FIN_TIMEOUT,
        rules::CONN_TW_RECYCLE,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    fn megacomet() -> Host {
        let mut h = Host::default();
        h.kernel.nofile_soft = Some(Count(1_048_576));
        h.kernel.nofile_hard = Some(Count(1_048_576));
        h.kernel.file_max = Some(Count(1_100_000));
        h.kernel.ip_local_port_range = Some([1024, 65535]);
        h.kernel.tcp_mem = Some([786_432, 1_048_576, 26_777_216]);
        h.kernel.tcp_max_tw_buckets = Some(Count(360_000));
        h
    }

    /// Issue 16: `8388608 12582912 16777216` is 8, 12 and 16 MB written
    /// in bytes; read as pages the minimum alone is 32 GiB, twice this
    /// host's RAM. MegaComet's own values are pages and stay quiet.
    #[test]
    fn tcp_mem_that_can_only_be_bytes_is_flagged() {
        let mut h = megacomet();
        h.ram = Bytes(16 << 30);
        let input = Input { active_connections: Count(1000), ..Input::default() };
        assert!(!ids(&evaluate(&input, &h).unwrap()).contains(&"connections.kernel.tcp_mem.bytes"));
        h.kernel.tcp_mem = Some([8_388_608, 12_582_912, 16_777_216]);
        let r = evaluate(&input, &h).unwrap();
        let f: Vec<&Finding> = r.findings.iter().filter(|f| f.id.contains("tcp_mem")).collect();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].id, "connections.kernel.tcp_mem.bytes");
        assert_eq!(f[0].fix.as_deref(), Some("tcp_mem = [2048, 3072, 4096]"));
    }

    fn ids(r: &CalcResult) -> Vec<&str> {
        r.findings.iter().map(|f| f.id).collect()
    }

    #[test]
    fn megacomet_figures() {
        let tuned = Input { tcp_fin_timeout: Some(Duration(12)), ..Input::default() };
        let r = evaluate(&tuned, &megacomet()).unwrap();
        assert_eq!(r.quantity("nofile"), Some(1_000_064));
        assert_eq!(r.quantity("file_max"), Some(1_000_064));
        // 1024..=65535 is 64,512 ports; 1e6 / (4 · 64,512) -> 4 server ports.
        assert_eq!(r.quantity("server_ports"), Some(4));
        assert_eq!(r.quantity("client_ips"), Some(16));
        assert_eq!(r.quantity("time_wait"), Some(240_000));
        assert_eq!(r.quantity("idle_memory"), Some(4_096_000_000));
        // 10^6 · 134,217,728 / 523,000, rounded up: the post's measurement.
        assert_eq!(r.quantity("measured_memory"), Some(256_630_456));
        assert_eq!(r.quantity("kernel_memory"), Some(4_096_000_000));
        // The active connections' buffers come on top of every socket's own
        // memory: 10,000 × 32 KiB more.
        let busy = Input { active_connections: Count(10_000), ..tuned };
        let b = evaluate(&busy, &megacomet()).unwrap();
        assert_eq!(b.quantity("kernel_memory"), Some(4_096_000_000 + 327_680_000));
        assert_eq!(ids(&r), ["connections.kernel.ports", "connections.kernel.fin_timeout"]);
        let ok = Input { server_ports: Count(4), ..Input::default() };
        assert!(evaluate(&ok, &megacomet()).unwrap().findings.is_empty());
    }

    /// The post's million connections on its tuned host, worked out with
    /// its figures.
    #[test]
    fn megacomet_worked_out_with_its_figures() {
        let tuned = Input { tcp_fin_timeout: Some(Duration(12)), ..Input::default() };
        let r = evaluate(&tuned, &megacomet()).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "nofile = ⌈1,000,000 ÷ 1⌉ + 64 = 1000064",
                "file_max = 1,000,000 + 64 × 1 = 1000064",
                "ports = 65,535 − 1,024 + 1 = 64512",
                "4-tuples = 64,512 × 4 × 1 = 258048",
                "pairs = ⌈1,000,000 ÷ 64,512⌉ = 16",
                "server_ports = ⌈16 ÷ 4⌉ = 4",
                "client_ips = ⌈16 ÷ 1⌉ = 16",
                "idle_memory = 1,000,000 × 4,096 B = 4096000000",
                "measured_memory = ⌈1,000,000 × 134,217,728 B ÷ 523,000⌉ = 256630456",
                "buffers = 0 × 32,768 B = 0",
                "kernel_memory = 4,096,000,000 B + 0 B = 4096000000",
                "buffer_pages = ⌈0 B ÷ 4,096 B⌉ = 0",
                "time_wait = 4,000/s × 60 s = 240000",
            ]
        );
        // A rate in its own unit, and one that leaves a fraction of a
        // socket, rounded up.
        let tw = |churn| {
            let r = evaluate(&Input { churn, ..tuned }, &megacomet()).unwrap();
            let s = r.steps.into_iter().find(|s| s.symbol == "time_wait").unwrap();
            (s.working, s.value)
        };
        assert_eq!(tw(Rate::per_minute(90)), ("90/min × 1 min".to_string(), 90));
        assert_eq!(tw(Rate::per_hour(3)), ("⌈(3/h ÷ 3,600 s/h) × 60 s⌉".to_string(), 1));
    }

    /// A Host built in code with a reversed port range is a typed error
    /// naming the host field, not a division by zero ports.
    #[test]
    fn a_reversed_port_range_is_named() {
        let mut h = megacomet();
        h.kernel.ip_local_port_range = Some([1025, 1024]);
        let e = evaluate(&Input::default(), &h);
        assert!(
            matches!(e, Err(CalcError::Invalid { field, .. }) if field == "host.kernel.ip_local_port_range")
        );
    }

    #[test]
    fn each_limit_triggers() {
        let mut h = megacomet();
        h.kernel.nr_open = Some(Count(500_000));
        h.kernel.nofile_soft = Some(Count(1024));
        h.kernel.file_max = Some(Count(100_000));
        h.kernel.tcp_max_tw_buckets = Some(Count(1000));
        let input = Input {
            server_ports: Count(4),
            active_connections: Count(1_000_000),
            tcp_fin_timeout: Some(Duration(12)),
            tcp_tw_recycle: Some(0),
            ..Input::default()
        };
        let r = evaluate(&input, &h).unwrap();
        assert_eq!(
            ids(&r),
            [
                "connections.kernel.nr_open",
                "connections.kernel.nofile",
                "connections.kernel.file_max",
                "connections.kernel.tcp_mem.pressure",
                "connections.kernel.tw_buckets",
                "connections.kernel.fin_timeout",
                "connections.kernel.tw_recycle",
            ]
        );
        // 1e6 · 32 KiB / 4 KiB = 8,000,000 pages: above pressure, below max.
        assert_eq!(r.quantity("buffer_pages"), Some(8_000_000));
        assert_eq!(r.findings[3].severity, Severity::Warning);
    }

    #[test]
    fn zero_processes_is_a_typed_error() {
        let e = evaluate(&Input { processes: Count(0), ..Input::default() }, &megacomet());
        assert!(matches!(e, Err(CalcError::Invalid { field, .. }) if field == "processes"));
    }

    /// Both ends of ip_local_port_range are usable ports.
    #[test]
    fn port_range_is_inclusive() {
        assert_eq!(ports_in_range(PORT_RANGE_DEFAULT), 60999 - 32768 + 1);
        assert_eq!(ports_in_range([1024, 1024]), 1);
        assert_eq!(ports_in_range([1025, 1024]), 0);
        // 28,232 connections fill the default range from one client IP to one
        // port exactly; one more needs a second server port.
        let one = |c| {
            let input = Input {
                connections: Count(c),
                client_ips: Count(1),
                server_ports: Count(1),
                ..Input::default()
            };
            evaluate(&input, &Host::default()).unwrap().quantity("server_ports")
        };
        assert_eq!(one(28_232), Some(1));
        assert_eq!(one(28_233), Some(2));
    }

    /// Connections split over processes round up, and the reserve is added once.
    #[test]
    fn nofile_rounds_up_per_process() {
        assert_eq!(nofile_needed(10, 3, 64), Some(4 + 64));
        assert_eq!(nofile_needed(9, 3, 64), Some(3 + 64));
        assert_eq!(nofile_needed(0, 1, 64), Some(64));
        assert_eq!(nofile_needed(1, 0, 64), None);
        // 90 closes a minute: 1.5/s · 60 s.
        assert_eq!(time_wait_sockets(Rate::per_minute(90)), Some(90));
        assert_eq!(time_wait_sockets(Rate::per_minute(7)), Some(7));
        // One close an hour still leaves a socket in TIME_WAIT for a minute.
        assert_eq!(time_wait_sockets(Rate::per_hour(1)), Some(1));
    }

    proptest! {
        #[test]
        fn any_input_ok_or_typed(c in any::<u64>(), p in any::<u64>(), ips in any::<u64>(),
                                 sp in any::<u64>(), churn in any::<u64>(), a in any::<u64>(),
                                 b in any::<u64>(), lo in any::<u16>(), hi in any::<u16>()) {
            let mut h = megacomet();
            h.kernel.ip_local_port_range = Some([lo, hi]);
            let input = Input { connections: Count(c), processes: Count(p), client_ips: Count(ips),
                server_ports: Count(sp), churn: Rate::per_second(churn),
                active_connections: Count(a), buffer_per_active: Bytes(b), ..Input::default() };
            match evaluate(&input, &h) {
                Ok(r) => {
                    // Every connection has a descriptor: ceil(c / p) + the reserve, in u128.
                    let (c, p) = (u128::from(c), u128::from(p));
                    prop_assert_eq!(r.quantity("nofile").map(u128::from), Some(c.div_ceil(p) + 64));
                    prop_assert_eq!(r.quantity("time_wait").map(u128::from), Some(u128::from(churn) * 60));
                    // Enough 4-tuples: ports in range · client IPs · server ports needed.
                    let ports = u128::from(hi.saturating_sub(lo)) + u128::from(hi >= lo);
                    let sp_needed = u128::from(r.quantity("server_ports").unwrap());
                    prop_assert!(ports * u128::from(ips) * sp_needed >= c);
                }
                Err(CalcError::Overflow { .. } | CalcError::Invalid { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn grows_with_connections(c in 0u64..1 << 40, d in 0u64..1 << 20) {
            let r = |c| evaluate(&Input { connections: Count(c), ..Input::default() },
                                 &megacomet()).unwrap();
            let (a, b) = (r(c), r(c + d));
            for name in ["nofile", "file_max", "idle_memory", "server_ports"] {
                prop_assert!(b.quantity(name) >= a.quantity(name));
            }
        }
    }
}
