//! sysctl.conf, /etc/sysctl.d/*.conf and `sysctl -a` output: `key = value`
//! lines, `#` and `;` comments, `/` or `.` as the key separator. Several
//! files are read in order and the last value of a key wins (sysctl.d(5)).

use std::collections::HashMap;

use crate::amps::limits as amps;
use crate::connections;
use crate::finding::Finding;
use crate::host::Host;

use super::{at, at_col, last_wins, numbered, rules, Needs, Parsed, Setting};

/// Reads the lines; only syntax is checked here, values in [`check`].
pub(crate) fn parse(name: &str, text: &str) -> Parsed {
    let mut p = Parsed::default();
    for (n, raw) in numbered(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        // sysctl.d(5): a leading `-` means "ignore errors for this key".
        let line = line.strip_prefix('-').unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            p.findings.push(
                rules::SYSCTL_SYNTAX
                    .finding(format!("`{line}` is not `key = value`"))
                    .fix("key = value")
                    .at(at(name, n)),
            );
            continue;
        };
        let key = key.trim().replace('/', ".");
        if key.is_empty() || key.contains(char::is_whitespace) {
            p.findings.push(
                rules::SYSCTL_SYNTAX
                    .finding(format!("`{}` is not a sysctl key", key.trim()))
                    .fix("a dotted key such as fs.file-max = 6815744")
                    .at(at(name, n)),
            );
            continue;
        }
        let col = raw.find('=').map_or(1, |c| c + 2);
        p.settings.push(Setting {
            key,
            value: value.split_whitespace().collect::<Vec<_>>().join(" "),
            location: at_col(name, n, col),
        });
    }
    p
}

/// The kernel values that win: the files' last lines, else the host profile.
#[derive(Debug, Clone, Default)]
pub struct KernelView {
    pub page_size: u64,
    pub shmmax: Option<u64>,
    pub shmall: Option<u64>,
    pub nr_open: Option<u64>,
    pub file_max: Option<u64>,
    pub aio_max_nr: Option<u64>,
    pub max_map_count: Option<u64>,
    /// The service's hard nofile limit, from the host profile.
    pub nofile_hard: Option<u64>,
}

pub use crate::connections::{tcp_mem_is_bytes, NR_OPEN_DEFAULT};

impl KernelView {
    pub fn new(host: Option<&Host>, winning: &[Setting]) -> KernelView {
        let num =
            |key: &str| winning.iter().find(|s| s.key == key).and_then(|s| s.value.parse().ok());
        let k = host.map(|h| &h.kernel);
        KernelView {
            page_size: host.map_or(4096, |h| h.page_size.get()).max(1),
            shmmax: num("kernel.shmmax").or(k.and_then(|k| k.shmmax.map(|b| b.get()))),
            shmall: num("kernel.shmall").or(k.and_then(|k| k.shmall.map(|c| c.get()))),
            nr_open: num("fs.nr_open").or(k.and_then(|k| k.nr_open.map(|c| c.get()))),
            file_max: num("fs.file-max").or(k.and_then(|k| k.file_max.map(|c| c.get()))),
            aio_max_nr: num("fs.aio-max-nr").or(k.and_then(|k| k.aio_max_nr.map(|c| c.get()))),
            max_map_count: num("vm.max_map_count")
                .or(k.and_then(|k| k.max_map_count.map(|c| c.get()))),
            nofile_hard: k.and_then(|k| k.nofile_hard.map(|c| c.get())),
        }
    }

    /// kernel.shmall in bytes.
    pub fn shmall_bytes(&self) -> Option<u64> {
        self.shmall.map(|p| p.saturating_mul(self.page_size))
    }
}

fn fix_line(key: &str, value: u64) -> String {
    format!("{key} = {value}")
}

/// Value rules over every sysctl line of every file, in order.
pub(crate) fn check(
    all: &[Setting],
    kernel: &KernelView,
    host: Option<&Host>,
    needs: &Needs,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let winning = last_wins(all);
    // The last line of each key, so that overrides are found in one pass.
    let last: HashMap<&str, usize> =
        all.iter().enumerate().map(|(i, s)| (s.key.as_str(), i)).collect();
    for (i, s) in all.iter().enumerate() {
        let later = last.get(s.key.as_str()).filter(|&&j| j != i).and_then(|&j| all.get(j));
        if let Some(later) = later {
            out.push(
                rules::SYSCTL_OVERRIDE
                    .finding(format!(
                        "{} = {} is overridden by {}:{}; the value that wins is {}",
                        s.key, s.value, later.location.file, later.location.line, later.value
                    ))
                    .fix(format!("{} = {}", s.key, later.value))
                    .at(s.location.clone()),
            );
        }
        if s.key == "net.ipv4.tcp_tw_recycle" {
            out.push(
                rules::SYSCTL_TW_RECYCLE
                    .finding("net.ipv4.tcp_tw_recycle no longer exists (removed in Linux 4.12): `sysctl -p` fails on this line")
                    .fix("delete this line")
                    .at(s.location.clone()),
            );
        }
    }
    let get = |key: &str| winning.iter().find(|s| s.key == key);
    for s in all {
        if let Some(f) = malformed(s) {
            out.push(f);
        }
    }
    if let Some(s) = get("net.ipv4.tcp_fin_timeout") {
        if s.value.parse::<u64>().is_ok_and(|v| v < 60) {
            out.push(
                rules::SYSCTL_FIN_TIMEOUT
                    .finding(format!(
                        "net.ipv4.tcp_fin_timeout = {} shortens FIN_WAIT_2 only; sockets still stay {} s in TIME_WAIT",
                        s.value,
                        connections::TIME_WAIT_SECS
                    ))
                    .fix("net.ipv4.tcp_max_tw_buckets = <connections closed per minute, or more>")
                    .at(s.location.clone()),
            );
        }
    }
    // Shared memory: shmall is pages, shmmax bytes.
    if let (Some(shmmax), Some(shmall_b)) = (kernel.shmmax, kernel.shmall_bytes()) {
        let loc = get("kernel.shmall").or(get("kernel.shmmax")).map(|s| s.location.clone());
        if shmall_b < shmmax {
            let pages = shmmax.div_ceil(kernel.page_size);
            let mut f = rules::SYSCTL_SHMALL_BELOW_SHMMAX
                .finding(format!(
                    "kernel.shmall = {} pages x {} B = {} B is below kernel.shmmax = {shmmax} B: no segment can be larger than shmall allows (shmget fails with ENOSPC)",
                    kernel.shmall.unwrap_or(0), kernel.page_size, shmall_b
                ))
                .fix(fix_line("kernel.shmall", pages));
            if let Some(l) = loc.clone() {
                f = f.at(l);
            }
            out.push(f);
        }
        // The kernel default sets both near 2^64 (no limit): not a mistake.
        // Read as pages the value allows page-size times shmmax in all, more
        // than meant but harmless; shmmax in pages would cap every segment
        // together at one shmmax, so the fix keeps the host's value.
        if kernel.shmall == Some(shmmax) && (1 << 20..1 << 48).contains(&shmmax) {
            let mut f = rules::SYSCTL_PAGES_UNIT
                .finding(format!(
                    "kernel.shmall equals kernel.shmmax ({shmmax}): shmall counts pages, not bytes, so it allows {} B of shared memory in all, {} times shmmax; it caps nothing",
                    shmall_b, kernel.page_size
                ))
                .fix(format!("keep kernel.shmall = {shmmax}: a smaller value would limit every segment together"));
            if let Some(l) = loc {
                f = f.at(l);
            }
            out.push(f);
        }
    }
    if let Some(s) = get("net.ipv4.tcp_mem") {
        check_tcp_mem(s, kernel, host, needs, &mut out);
    }
    if let Some(seg) = needs.shm_segment.map(|b| b.get()) {
        check_segment(seg, kernel, &winning, &mut out);
    }
    if let Some(conns) = needs.connections {
        // The backlog a reconnect burst needs, up to the Linux 5.4 default.
        let need = conns.min(LISTEN_BACKLOG);
        for (key, rule) in [
            ("net.core.somaxconn", rules::SYSCTL_CONN_SOMAXCONN),
            ("net.ipv4.tcp_max_syn_backlog", rules::SYSCTL_CONN_SYN_BACKLOG),
        ] {
            let Some(s) = get(key) else { continue };
            if let Some(v) = s.value.parse::<u64>().ok().filter(|&v| v < need) {
                out.push(
                    rule.finding(format!("{key} = {v}: {conns} clients that reconnect at once (after a restart or a network cut) overflow a backlog of {v}, and the rest retry after a 1 s, 3 s, 7 s ... SYN timeout"))
                        .fix(fix_line(key, need))
                        .at(s.location.clone()),
                );
            }
        }
    }
    if needs.amps {
        let minimum = |need: Option<u64>, min: u64| need.map_or(min, |n| n.max(min));
        amps_rule(
            get("fs.aio-max-nr"),
            kernel.aio_max_nr,
            Some(65_536),
            minimum(needs.aio_max_nr, amps::AIO_MAX_NR_MIN),
            amps::AIO_MAX_NR_RECOMMENDED,
            ("fs.aio-max-nr", rules::SYSCTL_AMPS_AIO, rules::SYSCTL_AMPS_AIO_ADVICE),
            &mut out,
        );
        amps_rule(
            get("fs.file-max"),
            kernel.file_max,
            None,
            minimum(needs.file_max, amps::FILE_MAX_MIN),
            amps::FILE_MAX_RECOMMENDED,
            ("fs.file-max", rules::SYSCTL_AMPS_FILE_MAX, rules::SYSCTL_AMPS_FILE_MAX_ADVICE),
            &mut out,
        );
        amps_rule(
            get("vm.max_map_count"),
            kernel.max_map_count,
            Some(65_530),
            minimum(needs.max_map_count, amps::MAX_MAP_COUNT_MIN),
            amps::MAX_MAP_COUNT_RECOMMENDED,
            ("vm.max_map_count", rules::SYSCTL_AMPS_MAP_COUNT, rules::SYSCTL_AMPS_MAP_COUNT_ADVICE),
            &mut out,
        );
    }
    if let (Some(s), Some(need)) = (get("fs.nr_open"), needs.nofile) {
        if let Some(nr) = s.value.parse::<u64>().ok().filter(|&nr| nr < need) {
            out.push(
                rules::SYSCTL_NR_OPEN_NEED
                    .finding(format!("fs.nr_open = {nr} is below the {need} open files per process the plan needs: a nofile hard limit above it is refused"))
                    .fix(fix_line("fs.nr_open", need))
                    .at(s.location.clone()),
            );
        }
    }
    if let Some(s) = get("net.ipv4.tcp_max_tw_buckets") {
        let tw = s.value.parse::<u64>().ok();
        if let (Some(tw), Some(need)) = (tw, needs.time_wait.filter(|&n| tw.is_some_and(|t| t < n)))
        {
            out.push(
                rules::SYSCTL_CONN_TW_BUCKETS
                    .finding(format!("net.ipv4.tcp_max_tw_buckets = {tw}, below the {need} sockets the connection churn keeps in TIME_WAIT ({} s each)", connections::TIME_WAIT_SECS))
                    .fix(fix_line("net.ipv4.tcp_max_tw_buckets", need))
                    .at(s.location.clone()),
            );
        }
    }
    if let Some(conns) = needs.connections {
        // The plan's figure: the connections plus each process's own files.
        let need = needs.file_max.unwrap_or(conns).max(conns);
        if let Some(fm) = kernel.file_max.filter(|&fm| fm < need) {
            let mut f = rules::SYSCTL_CONN_FILE_MAX
                .finding(format!("fs.file-max = {fm} is below the {need} open files the plan needs for {conns} connections: every socket is an open file"))
                .fix(fix_line("fs.file-max", need.saturating_add(need / 10).max(fm)));
            if let Some(s) = get("fs.file-max") {
                f = f.at(s.location.clone());
            }
            out.push(f);
        }
        if let Some(s) = get("net.ipv4.ip_local_port_range") {
            let v: Vec<u16> = s.value.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            // A range the kernel refuses is a syntax error, not a count of ports.
            if let (&[lo, hi], None) = (&v[..], malformed(s)) {
                let ports = connections::ports_in_range([lo, hi]);
                // Widen only: a range that already starts below 1024 keeps its start.
                let widest = lo.min(1024);
                // With the plan's client addresses and server ports known, the
                // verdict is the plan's own (connections.kernel.ports).
                let spaces = conns.div_ceil(ports.max(1));
                let local_ports = needs.port_pairs.filter(|&p| p > 0).map(|p| conns.div_ceil(p));
                if let Some(need) = local_ports.filter(|&n| ports < n) {
                    out.push(
                        rules::CONN_PORTS
                            .finding(format!(
                                "{ports} local ports, below the {need} each (client address, server port) pair needs for the plan's {conns} connections"
                            ))
                            .fix(format!("net.ipv4.ip_local_port_range = {widest} 65535, and {spaces} client addresses or server ports"))
                            .at(s.location.clone()),
                    );
                } else if local_ports.is_none() && ports < conns {
                    out.push(
                        rules::SYSCTL_CONN_PORTS
                            .finding(format!(
                                "{ports} local ports: one client address reaches one server address and port at most {ports} times; {conns} connections need {} client addresses (or server ports)",
                                conns.div_ceil(ports.max(1))
                            ))
                            .fix(format!("net.ipv4.ip_local_port_range = {widest} 65535"))
                            .at(s.location.clone()),
                    );
                }
            }
        }
    }
    out
}

/// The keys Headroom judges that hold one whole number. The kernel refuses
/// anything else (`sysctl -p`: "Invalid argument"), so the line sets nothing.
const WHOLE_NUMBERS: &[&str] = &[
    "kernel.shmmax",
    "kernel.shmall",
    "kernel.shmmni",
    "fs.file-max",
    "fs.nr_open",
    "fs.aio-max-nr",
    "vm.max_map_count",
    "net.core.somaxconn",
    "net.ipv4.tcp_max_syn_backlog",
    "net.ipv4.tcp_max_tw_buckets",
    "net.ipv4.tcp_fin_timeout",
];

/// A judged key whose value the kernel would refuse: not a whole number
/// (decimal, or hex as the kernel's parser also reads it), or a port range
/// that is not two ports, low to high (net/ipv4/sysctl_net_ipv4.c,
/// `ipv4_local_port_range`).
fn malformed(s: &Setting) -> Option<Finding> {
    let whole = |v: &str| match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).is_ok(),
        None => v.parse::<u64>().is_ok(),
    };
    let (what, fix) = if WHOLE_NUMBERS.contains(&s.key.as_str()) {
        if whole(&s.value) {
            return None;
        }
        ("not a whole number", format!("{} = <whole number>", s.key))
    } else if s.key == "net.ipv4.ip_local_port_range" {
        let ports: Vec<Option<u16>> = s.value.split_whitespace().map(|p| p.parse().ok()).collect();
        if let [Some(lo), Some(hi)] = ports[..] {
            if lo >= 1 && lo <= hi {
                return None;
            }
        }
        ("not two ports from 1 to 65535, low to high", format!("{} = 32768 60999", s.key))
    } else {
        return None;
    };
    Some(
        rules::SYSCTL_SYNTAX
            .finding(format!(
                "{} = {}: {what}, so the kernel refuses it and keeps its own value",
                s.key,
                s.value.chars().take(40).collect::<String>()
            ))
            .fix(fix)
            .at(s.location.clone()),
    )
}

/// listen(2): net.core.somaxconn's default since Linux 5.4.
pub const LISTEN_BACKLOG: u64 = 4096;

/// The plan's largest shared memory segment against kernel.shmmax and
/// kernel.shmall (shmget(2)), from the files or else the host profile.
fn check_segment(seg: u64, kernel: &KernelView, winning: &[Setting], out: &mut Vec<Finding>) {
    let pages = seg.div_ceil(kernel.page_size);
    let checks = [
        ("kernel.shmmax", kernel.shmmax, seg, "EINVAL"),
        ("kernel.shmall", kernel.shmall_bytes(), pages, "ENOSPC"),
    ];
    for (key, have, need, errno) in checks {
        let Some(have) = have.filter(|&h| h < seg) else { continue };
        let mut f = rules::SYSCTL_SHM_SEGMENT
            .finding(format!("{key} allows {have} B, below the {seg} B segment the plan creates: shmget fails with {errno}"))
            .fix(fix_line(key, need));
        if let Some(s) = winning.iter().find(|s| s.key == key) {
            f = f.at(s.location.clone());
        }
        out.push(f);
    }
}

fn check_tcp_mem(
    s: &Setting,
    kernel: &KernelView,
    host: Option<&Host>,
    needs: &Needs,
    out: &mut Vec<Finding>,
) {
    let v: Vec<u64> = s.value.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    let [min, pressure, max] = v[..] else {
        out.push(
            rules::SYSCTL_SYNTAX
                .finding(format!(
                    "net.ipv4.tcp_mem = {}: needs three whole numbers (pages)",
                    s.value
                ))
                .fix("net.ipv4.tcp_mem = MIN PRESSURE MAX")
                .at(s.location.clone()),
        );
        return;
    };
    if !(min <= pressure && pressure <= max) {
        out.push(
            rules::SYSCTL_TCP_MEM_ORDER
                .finding(format!("net.ipv4.tcp_mem = {}: the three values must ascend", s.value))
                .fix(format!(
                    "net.ipv4.tcp_mem = {min} {} {}",
                    pressure.max(min),
                    max.max(pressure).max(min)
                ))
                .at(s.location.clone()),
        );
    }
    let max_bytes = max.saturating_mul(kernel.page_size);
    let ram = host.map(|h| h.ram.get()).filter(|&r| r > 0);
    let need = needs.tcp_memory.map_or(0, |b| b.get().div_ceil(kernel.page_size));
    if tcp_mem_is_bytes(min, kernel.page_size, ram) {
        // Bytes turned into pages, but never below what the kernel sets by
        // itself for this RAM (the host's value without the line) nor below
        // the connections' need: 6000000 read as bytes is 1464 pages, a
        // hundredth of a 16 GiB host's default.
        let floor = ram.map_or([0; 3], |r| connections::tcp_mem_default(r, kernel.page_size));
        let p = |v: u64, i: usize| (v / kernel.page_size).max(1).max(floor[i]);
        let (min, pressure, max) = (p(min, 0), p(pressure, 1).max(need), p(max, 2).max(need));
        out.push(
            rules::SYSCTL_TCP_MEM_BYTES
                .finding(format!(
                    "net.ipv4.tcp_mem = {}: these look like bytes, but tcp_mem counts pages of {} B: as written the maximum is {max_bytes} B and the limit never applies",
                    s.value, kernel.page_size
                ))
                .fix(format!("net.ipv4.tcp_mem = {min} {pressure} {max}"))
                .at(s.location.clone()),
        );
    } else if let Some(h) = host.filter(|h| max_bytes > h.ram.get() && h.ram.get() > 0) {
        let ram_pages = h.ram.get() / kernel.page_size;
        // Only what is above RAM comes down (it never applies): min (within
        // RAM here, else it reads as bytes above) and a pressure within RAM
        // are kept, and max comes to half of RAM, never below pressure or
        // what the connections' buffers need.
        let pressure = if pressure > ram_pages { ram_pages / 3 } else { pressure }.max(need);
        let fix = [min.min(pressure), pressure, (ram_pages / 2).max(pressure)];
        out.push(
            rules::SYSCTL_TCP_MEM_RAM
                .finding(format!(
                    "net.ipv4.tcp_mem max = {max} pages = {} B, more than the host's {} B of RAM: tcp_mem is in pages, not bytes, so this limit never applies",
                    max_bytes,
                    h.ram.get()
                ))
                .fix(format!("net.ipv4.tcp_mem = {} {} {}", fix[0], fix[1], fix[2]))
                .at(s.location.clone()),
        );
    }
    if let Some(need) = needs.tcp_memory {
        if max_bytes < need.get() {
            let pages = need.get().div_ceil(kernel.page_size);
            out.push(
                rules::SYSCTL_CONN_TCP_MEM
                    .finding(format!(
                        "net.ipv4.tcp_mem max = {max} pages = {max_bytes} B, below the {} B the connections' buffers need",
                        need.get()
                    ))
                    // Pressure up to the need too, so no pressure finding follows.
                    .fix(format!("net.ipv4.tcp_mem = {min} {pages} {pages}"))
                    .at(s.location.clone()),
            );
        } else if pressure.saturating_mul(kernel.page_size) < need.get() {
            // The plan's own verdict (connections.kernel.tcp_mem.pressure).
            let pages = need.get().div_ceil(kernel.page_size);
            out.push(
                rules::CONN_TCP_MEM_PRESSURE
                    .finding(format!(
                        "net.ipv4.tcp_mem pressure = {pressure} pages, below the {pages} pages the connections' buffers need: under load TCP squeezes their buffers"
                    ))
                    .fix(format!("net.ipv4.tcp_mem = {} {pages} {max}", min.min(pages)))
                    .at(s.location.clone()),
            );
        }
    }
}

/// An AMPS kernel minimum (error) and recommendation (info).
fn amps_rule(
    setting: Option<&Setting>,
    known: Option<u64>,
    default: Option<u64>,
    minimum: u64,
    recommended: u64,
    (key, error, advice): (&str, rules::Rule, rules::Rule),
    out: &mut Vec<Finding>,
) {
    // A value the kernel refuses is a syntax error already.
    if setting.is_some_and(|s| s.value.parse::<u64>().is_err()) {
        return;
    }
    let value = setting.and_then(|s| s.value.parse::<u64>().ok()).or(known).or(default);
    let Some(value) = value else { return };
    let shown = if setting.is_some() || known.is_some() {
        format!("{key} = {value}")
    } else {
        format!("{key} is not set (kernel default {value})")
    };
    let target = minimum.max(recommended);
    let f = if value < minimum {
        error.finding(format!("{shown}: below the {minimum} AMPS needs"))
    } else if value < recommended {
        advice.finding(format!("{shown}: meets AMPS's minimum, {recommended} is recommended"))
    } else {
        return;
    };
    let f = f.fix(fix_line(key, target));
    out.push(match setting {
        Some(s) => f.at(s.location.clone()),
        None => f,
    });
}
