//! The files that raise a host to what a plan needs: an `/etc/sysctl.d/`
//! drop-in, an `/etc/security/limits.d/` file, a systemd drop-in with
//! LimitNOFILE=, and the `sysctl -w` commands that apply the kernel values
//! now.
//!
//! **Raise only.** A value is written only when the plan needs more than the
//! host has now, and then it is the plan's need (which is above the current
//! value). The current value is the host's (`[host.kernel]` in the plan, or
//! read off a live host by `dumptool fixes --live`). When it is unknown, the
//! stock value of a Debian host is shown as the likely one, but no file
//! holds the value: a host tuned above the stock value would be lowered at
//! the next boot. Its command reads the running value first and only when
//! that is lower sets the need and keeps it in [`RAISED_PATH`]. Every line
//! is commented with the rule it satisfies and the current and new value,
//! and every file reads back through [`crate::validate`] without an error
//! (tested below).
//!
//! The files are named `99-zz-headroom.conf` so that they come last in each
//! directory's order (after Debian's `99-sysctl.conf`, the link to
//! `/etc/sysctl.conf`): a value they hold is already the larger, so it
//! should win.

use serde::Serialize;

use crate::amps::limits as amps;
use crate::connections::{ports_in_range, PORT_RANGE_DEFAULT};
use crate::finding::Finding;
use crate::host::Host;
use crate::validate::rules::{self, Rule};
use crate::validate::{Format, Needs};

/// Where the commands keep a kernel value they raised from an unknown one.
pub const RAISED_PATH: &str = "/etc/sysctl.d/99-zz-headroom-raised.conf";

/// Where the commands keep a login-session limit they raised from an
/// unknown one.
pub const LIMITS_RAISED_PATH: &str = "/etc/security/limits.d/99-zz-headroom-raised.conf";

/// The rules of [`Fixes::findings`]: what a drop-in cannot do on a host.
/// They are tested with this module, not with the validators.
pub const FINDINGS: &[Rule] = &[rules::SYSTEMD_NOFILE_CEILING];

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeneratedFile {
    /// Where it goes, e.g. `/etc/sysctl.d/99-zz-headroom.conf`.
    pub path: String,
    pub format: Format,
    pub text: String,
}

/// Where a current value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "source", rename_all = "snake_case")]
pub enum Origin {
    /// The host's own value: the plan's `[host.kernel]` or the live host.
    Host,
    /// Unknown on this host; the stock value the source names is assumed.
    Default(&'static str),
}

/// One value the plan needs, against what the host has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The sysctl key, or `nofile` for the open-files limit.
    pub key: &'static str,
    /// The rule the value satisfies.
    pub rule: &'static str,
    pub current: String,
    pub origin: Origin,
    pub needed: String,
    /// The value written; `None` when the host already has enough.
    pub written: Option<String>,
}

/// Everything to apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fixes {
    pub files: Vec<GeneratedFile>,
    /// Shell commands, run as root: `sysctl -w key=value` for each known
    /// value the files raise (now, until the next boot); for an unknown one,
    /// a test of the running value that sets the need and keeps it in
    /// [`RAISED_PATH`] only when the running value is lower.
    pub commands: Vec<String>,
    /// Every value the plan needs, written or kept.
    pub decisions: Vec<Decision>,
    /// What no drop-in can give on this host, and what to do instead.
    pub findings: Vec<Finding>,
}

impl Fixes {
    /// What the host keeps and what is raised, one line a value.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for d in &self.decisions {
            let from = match d.origin {
                Origin::Host => String::new(),
                Origin::Default(why) => format!(" ({why})"),
            };
            let what = match (&d.written, d.origin) {
                (Some(w), Origin::Host) => format!("raise {} -> {w}", d.current),
                (Some(w), Origin::Default(_)) => {
                    format!("raise to {w} where lower, likely {}", d.current)
                }
                (None, _) => format!("keep {}", d.current),
            };
            s.push_str(&format!("  {}: {what}{from}; the plan needs {}\n", d.key, d.needed));
        }
        s
    }
}

/// Who runs the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service<'a> {
    /// The user for limits.d (`*` for everyone).
    pub user: &'a str,
    /// The systemd unit, e.g. `amps.service`.
    pub unit: &'a str,
    /// The nofile soft and hard limits the user's login sessions have now
    /// from limits.conf and limits.d ([`crate::validate::limits::session_nofile`]),
    /// where known. A limits.d line overrides them, so it is written only
    /// above them; unknown, the service's limits stand in.
    pub sessions: [Option<u64>; 2],
    /// The most open files the service manager can give a unit here: its
    /// own hard limit, where it lacks CAP_SYS_RESOURCE (a container's);
    /// `None` when it can give any (or it is not known).
    pub ceiling: Option<u64>,
}

impl Default for Service<'_> {
    fn default() -> Self {
        Service { user: "*", unit: "headroom.service", sessions: [None; 2], ceiling: None }
    }
}

/// What an unknown value can be on a stock host: the kernel's default
/// (`low`) or, where systemd or the RAM raises it, up to `high`.
#[derive(Clone, Copy)]
struct Stock {
    low: u64,
    high: u64,
    why: &'static str,
}

impl Stock {
    const fn fixed(v: u64, why: &'static str) -> Stock {
        Stock { low: v, high: v, why }
    }
}

/// fs/file.c: `sysctl_nr_open = 1024 * 1024`; systemd (v240 on,
/// src/core/main.c `bump_file_max_and_nr_open`) raises it at boot to INT_MAX
/// halved and rounded down to 8, the largest the kernel takes on x86-64.
const NR_OPEN_STOCK: Stock = Stock {
    low: crate::connections::NR_OPEN_DEFAULT,
    high: 1_073_741_816,
    why: "kernel default 1048576, 1073741816 where systemd raised it",
};
/// ipc/shm.c: SHMMAX and SHMALL are ULONG_MAX - 2^24 since Linux 3.16.
const SHM_STOCK: u64 = u64::MAX - (1 << 24);
/// fs/aio.c: aio_max_nr = 0x10000.
const AIO_STOCK: Stock = Stock::fixed(65_536, "kernel default, fs/aio.c");
/// include/linux/mm.h: DEFAULT_MAX_MAP_COUNT.
const MAP_COUNT_STOCK: Stock = Stock::fixed(65_530, "kernel default, DEFAULT_MAX_MAP_COUNT");
/// systemd's DefaultLimitNOFILE, which services and, through sshd and the
/// user manager, login sessions start with.
const NOFILE_STOCK: ([u64; 2], &str) =
    (crate::validate::systemd::DEFAULT_LIMIT_NOFILE, "Debian default: systemd's 1024:524288");

/// fs/file_table.c `files_maxfiles_init`: a tenth of RAM in KiB (at least
/// NR_FILE, 8192); systemd raises it to LONG_MAX at boot.
fn file_max_stock(host: &Host) -> Stock {
    Stock {
        low: (host.ram.get() / 1024 / 10).max(8192),
        high: i64::MAX as u64,
        why: "kernel default a tenth of RAM in KiB, LONG_MAX where systemd raised it",
    }
}

/// net/ipv4/tcp.c `tcp_init`: half the established hash, one slot per
/// 128 KiB of RAM rounded up to a power of two, at most 512 Ki slots.
fn tw_buckets_stock(host: &Host) -> Stock {
    let slots = (host.ram.get() >> 17).max(1).checked_next_power_of_two().unwrap_or(1 << 19);
    Stock {
        low: slots.min(1 << 19) / 2,
        high: 1 << 18,
        why: "kernel default: half the TCP hash, one slot per 128 KiB of RAM",
    }
}

/// The value to write for a scalar setting: the need, when it is above the
/// known value, or above the least a stock host may have when unknown (the
/// command then compares it with the running value).
fn scalar(
    key: &'static str,
    rule: Rule,
    need: u64,
    current: Option<u64>,
    stock: Stock,
) -> (Decision, Raise) {
    let (cur, origin, written) = match current {
        Some(c) => (c.to_string(), Origin::Host, (need > c).then_some(need)),
        None => {
            let cur = if stock.low == stock.high {
                stock.low.to_string()
            } else {
                format!("{} to {}", stock.low, stock.high)
            };
            (cur, Origin::Default(stock.why), (need > stock.low).then_some(need))
        }
    };
    let d = Decision {
        key,
        rule: rule.id,
        current: cur,
        origin,
        needed: need.to_string(),
        written: written.map(|v| v.to_string()),
    };
    (d, Raise::To(need))
}

/// How a command raises an unknown value against the running one.
#[derive(Debug, Clone, Copy)]
enum Raise {
    /// To the need, where the running value is lower.
    To(u64),
    /// Each of a list to its need, where lower (tcp_mem).
    Each([u64; 3]),
    /// A port range down to `low`, where it holds fewer than `ports`.
    Ports { low: u16, ports: u64 },
}

/// The command for an unknown value: it reads the running value and, only
/// where it is lower, sets the need and keeps it for the next boot. A
/// running value the shell cannot compare (above 2^63) fails the test, and
/// a list that cannot be read leaves the shell's arithmetic alone (an error
/// there would end the script); either way nothing is written.
fn guarded(d: &Decision, raise: Raise) -> String {
    let (key, rule) = (d.key, d.rule);
    let set = |v: &str| {
        format!(
            "sysctl -w {key}=\"{v}\" && printf '# {rule}\\n{key} = %s\\n' \"{v}\" >> {RAISED_PATH}"
        )
    };
    // `if`, so that a value left as it is ends the command with status 0.
    match raise {
        Raise::To(n) => {
            format!("if [ \"$(sysctl -n {key})\" -lt {n} ]; then {}; fi", set(&n.to_string()))
        }
        Raise::Each([a, b, c]) => format!(
            "if set -- $(sysctl -n {key}) && [ $# -eq 3 ] && \
             v=\"$(($1>{a}?$1:{a})) $(($2>{b}?$2:{b})) $(($3>{c}?$3:{c}))\" && \
             [ \"$v\" != \"$1 $2 $3\" ]; then {}; fi",
            set("$v")
        ),
        Raise::Ports { low, ports } => format!(
            "if set -- $(sysctl -n {key}) && [ $# -eq 2 ] && [ $(($2-$1+1)) -lt {ports} ]; then \
             v=\"$(($1<{low}?$1:{low})) 65535\" && {}; fi",
            set("$v")
        ),
    }
}

/// A word for the shell: as it is when plain, else in single quotes.
fn sh_word(w: &str) -> String {
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "@%._:-*/".contains(c)) {
        // `*` alone would be globbed by the shell.
        if w.contains('*') {
            format!("'{w}'")
        } else {
            w.to_string()
        }
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// The limits.d line for a login-session limit not known here: appended only
/// when no line of limits.conf or limits.d for this user, a group or
/// everyone already gives at least `n` (a user's line overrides the others,
/// so one below theirs would lower it).
fn guarded_limits(user: &str, kind: &str, n: u64) -> String {
    let u = sh_word(user);
    format!(
        "if ! cat /etc/security/limits.conf /etc/security/limits.d/*.conf 2>/dev/null | awk -v u={u} \
         '($1==\"*\"||$1==u||$1~/^[@%]/)&&($2==\"{kind}\"||$2==\"-\")&&$3==\"nofile\"\
         &&($4==\"unlimited\"||$4==\"infinity\"||$4==\"-1\"||$4+0>={n}){{f=1}}END{{exit !f}}'; then \
         printf '# {rule}\\n%s {kind} nofile {n}\\n' {u} >> {LIMITS_RAISED_PATH}; fi",
        rule = rules::LIMITS_NOFILE_NEED.id
    )
}

/// The unit drop-in for a service whose limits are not known here: written
/// only when systemd's soft limit for the unit is below `n`, keeping a
/// higher hard limit (or infinity).
fn guarded_unit(unit: &str, path: &str, n: u64) -> String {
    let (u, p) = (sh_word(unit), sh_word(path));
    let dir = sh_word(path.rsplit_once('/').map_or(path, |(d, _)| d));
    format!(
        "if s=$(systemctl show -p LimitNOFILESoft --value {u}) && \
         h=$(systemctl show -p LimitNOFILE --value {u}) && [ \"$s\" != infinity ] && \
         [ \"$s\" -lt {n} ]; then {{ [ \"$h\" = infinity ] || [ \"$h\" -ge {n} ] || h={n}; }} && \
         mkdir -p {dir} && printf '[Service]\\n# {rule}\\nLimitNOFILE=%s:%s\\n' {n} \"$h\" > {p} && \
         systemctl daemon-reload; fi",
        rule = rules::SYSTEMD_NOFILE_NEED.id
    )
}

/// Sysctl values the plan needs, each against the host's.
fn sysctl_decisions(host: &Host, needs: &Needs) -> Vec<(Decision, Raise)> {
    let k = &host.kernel;
    let mut v = Vec::new();
    let page = host.page_size.get().max(1);
    let mut file_max = needs.file_max.unwrap_or(0);
    if let Some(c) = needs.connections {
        file_max = file_max.max(c.saturating_add(c / 10));
    }
    let amps_floor = if needs.amps { amps::FILE_MAX_RECOMMENDED } else { 0 };
    file_max = file_max.max(amps_floor);
    // Named after the need that set the value: the connections' when they
    // ask for more than AMPS's recommendation, AMPS's otherwise.
    let rule = if needs.amps && (needs.connections.is_none() || file_max == amps_floor) {
        rules::SYSCTL_AMPS_FILE_MAX
    } else {
        rules::SYSCTL_CONN_FILE_MAX
    };
    if file_max > 0 {
        v.push(scalar(
            "fs.file-max",
            rule,
            file_max,
            k.file_max.map(|c| c.get()),
            file_max_stock(host),
        ));
    }
    if let Some(n) = nofile_need(needs) {
        v.push(scalar(
            "fs.nr_open",
            rules::LIMITS_NOFILE_NR_OPEN,
            n,
            k.nr_open.map(|c| c.get()),
            NR_OPEN_STOCK,
        ));
    }
    if needs.amps {
        let aio = needs.aio_max_nr.unwrap_or(0).max(amps::AIO_MAX_NR_RECOMMENDED);
        v.push(scalar(
            "fs.aio-max-nr",
            rules::SYSCTL_AMPS_AIO,
            aio,
            k.aio_max_nr.map(|c| c.get()),
            AIO_STOCK,
        ));
        let maps = needs.max_map_count.unwrap_or(0).max(amps::MAX_MAP_COUNT_RECOMMENDED);
        v.push(scalar(
            "vm.max_map_count",
            rules::SYSCTL_AMPS_MAP_COUNT,
            maps,
            k.max_map_count.map(|c| c.get()),
            MAP_COUNT_STOCK,
        ));
    }
    let segment = needs.shm_segment.max(needs.aerospike_segment).map(|b| b.get());
    if let Some(seg) = segment {
        let stock = Stock::fixed(SHM_STOCK, "kernel default, SHMMAX in ipc/shm.c");
        v.push(scalar(
            "kernel.shmmax",
            rules::GEMSTONE_CACHE_SHMMAX,
            seg,
            k.shmmax.map(|b| b.get()),
            stock,
        ));
        let stock = Stock::fixed(SHM_STOCK, "kernel default, SHMALL in ipc/shm.c");
        v.push(scalar(
            "kernel.shmall",
            rules::SYSCTL_SHMALL_BELOW_SHMMAX,
            seg.div_ceil(page),
            k.shmall.map(|c| c.get()),
            stock,
        ));
    }
    if let Some(mem) = needs.tcp_memory.map(|b| b.get()) {
        // Pressure at the need, so the plan's own pressure rule
        // (connections.kernel.tcp_mem.pressure) holds, and max above it.
        let pages = mem.div_ceil(page);
        let need = [pages / 2, pages, pages.saturating_add(pages / 3)];
        let (cur, origin) = match k.tcp_mem {
            Some(c) => (c, Origin::Host),
            None => {
                let stock = crate::connections::tcp_mem_default(host.ram.get(), page);
                (stock, Origin::Default("at most the kernel default for this RAM"))
            }
        };
        // Each of min, pressure and max raised on its own keeps them ordered.
        let new = [0, 1, 2].map(|i| cur[i].max(need[i]));
        let words = |t: [u64; 3]| format!("{} {} {}", t[0], t[1], t[2]);
        let d = Decision {
            key: "net.ipv4.tcp_mem",
            rule: rules::SYSCTL_CONN_TCP_MEM.id,
            current: words(cur),
            origin,
            needed: words(need),
            written: (new != cur).then(|| words(new)),
        };
        v.push((d, Raise::Each(need)));
    }
    if let Some(tw) = needs.time_wait {
        v.push(scalar(
            "net.ipv4.tcp_max_tw_buckets",
            rules::SYSCTL_CONN_TW_BUCKETS,
            tw,
            k.tcp_max_tw_buckets.map(|c| c.get()),
            tw_buckets_stock(host),
        ));
    }
    let pairs = needs.port_pairs.filter(|&p| p > 0);
    let local_ports = needs.connections.zip(pairs).map(|(c, p)| c.div_ceil(p));
    if let Some(need) = local_ports.filter(|&n| n > 0) {
        let (cur, origin) = match k.ip_local_port_range {
            Some(r) => (r, Origin::Host),
            None => (PORT_RANGE_DEFAULT, Origin::Default("kernel default")),
        };
        // Widen only: the top to 65535 first, then the bottom as far as the
        // need, never below 1024 (the ports servers listen on).
        let high = 65_535;
        let room = u16::try_from(need.min(u64::from(high - 1024) + 1) - 1).unwrap_or(0);
        let low = cur[0].min(high - room).max(1024).min(cur[0]);
        let new = [low, high];
        let words = |r: [u16; 2]| format!("{} {}", r[0], r[1]);
        let d = Decision {
            key: "net.ipv4.ip_local_port_range",
            rule: rules::SYSCTL_CONN_PORTS.id,
            current: words(cur),
            origin,
            needed: format!("{need} ports"),
            written: (ports_in_range(cur) < need && new != cur).then(|| words(new)),
        };
        v.push((d, Raise::Ports { low: (high - room).max(1024), ports: need }));
    }
    v
}

/// Open files per process: the plan's need, and for AMPS at least the
/// guide's recommendation, which its result shows; at most what Linux
/// allows (fs.nr_open's ceiling), since a larger fs.nr_open, nofile or
/// LimitNOFILE= is refused. The plan's own error says to use more processes.
fn nofile_need(needs: &Needs) -> Option<u64> {
    let amps = needs.amps.then_some(amps::NOFILE_RECOMMENDED);
    needs.nofile.max(amps).filter(|&n| n > 0).map(|n| n.min(crate::connections::NR_OPEN_MAX))
}

/// The drop-ins and commands that raise this host to the plan. Files with
/// nothing to raise are left out.
pub fn generate(host: &Host, needs: &Needs, service: &Service<'_>) -> Fixes {
    let mut files = Vec::new();
    let sysctl = sysctl_decisions(host, needs);
    let header = "# Written by Headroom from the plan; it only raises, each line after the rule it satisfies.\n";
    let comment = |d: &Decision| {
        let was = match d.origin {
            Origin::Host => format!("was {}", d.current),
            Origin::Default(why) => format!("was {} ({why})", d.current),
        };
        format!("# {}: {was}, the plan needs {}\n", d.rule, d.needed)
    };
    // Only known values go in the file: an assumed one could be below what
    // a tuned host has, and the file would lower it at boot.
    let known: Vec<&Decision> = sysctl
        .iter()
        .map(|(d, _)| d)
        .filter(|d| d.written.is_some() && d.origin == Origin::Host)
        .collect();
    if !known.is_empty() {
        let mut text = header.to_string();
        for d in &known {
            text.push_str(&comment(d));
            text.push_str(&format!("{} = {}\n", d.key, d.written.as_deref().unwrap_or_default()));
        }
        files.push(GeneratedFile {
            path: "/etc/sysctl.d/99-zz-headroom.conf".into(),
            format: Format::Sysctl,
            text,
        });
    }
    let mut commands: Vec<String> = sysctl
        .iter()
        .filter_map(|(d, raise)| {
            let w = d.written.as_deref()?;
            Some(match d.origin {
                Origin::Host => format!("sysctl -w {}=\"{w}\"", d.key),
                Origin::Default(_) => guarded(d, *raise),
            })
        })
        .collect();
    let mut decisions: Vec<Decision> = sysctl.into_iter().map(|(d, _)| d).collect();
    let mut findings = Vec::new();
    if let Some(n) = nofile_need(needs) {
        let k = &host.kernel;
        let (cur, origin) = match (k.nofile_soft, k.nofile_hard) {
            (Some(s), Some(h)) => ([s.get(), h.get()], Origin::Host),
            (s, h) => (
                [
                    s.map_or(NOFILE_STOCK.0[0], |c| c.get()),
                    h.map_or(NOFILE_STOCK.0[1], |c| c.get()),
                ],
                Origin::Default(NOFILE_STOCK.1),
            ),
        };
        let new = cur.map(|c| c.max(n));
        let d = Decision {
            key: "nofile",
            rule: rules::LIMITS_NOFILE_NEED.id,
            current: format!("{}:{}", cur[0], cur[1]),
            origin,
            needed: n.to_string(),
            written: (new != cur).then(|| format!("{}:{}", new[0], new[1])),
        };
        if d.written.is_some() {
            let user = service.user;
            let mut limits = header.to_string();
            let mut lines = 0;
            for (i, kind) in ["soft", "hard"].into_iter().enumerate() {
                // A limits.d line overrides limits.conf, so one below what
                // login sessions have lowers them: written only above it.
                // Unknown, the stock value stands in, and the command checks
                // the host's own lines first.
                let Some(c) = service.sessions[i] else {
                    if n > NOFILE_STOCK.0[i] {
                        commands.push(guarded_limits(user, kind, n));
                    }
                    continue;
                };
                if n > c {
                    let was =
                        Decision { current: c.to_string(), origin: Origin::Host, ..d.clone() };
                    limits.push_str(&comment(&was));
                    limits.push_str(&format!("{user} {kind} nofile {n}\n"));
                    lines += 1;
                }
            }
            if lines > 0 {
                files.push(GeneratedFile {
                    path: "/etc/security/limits.d/99-zz-headroom.conf".into(),
                    format: Format::Limits,
                    text: limits,
                });
            }
            let path = format!("/etc/systemd/system/{}.d/99-zz-headroom.conf", service.unit);
            if d.origin == Origin::Host {
                let unit = comment(&Decision { rule: rules::SYSTEMD_NOFILE_NEED.id, ..d.clone() });
                files.push(GeneratedFile {
                    path,
                    format: Format::Systemd,
                    // A hard limit of infinity stays written as infinity.
                    text: format!(
                        "{header}[Service]\n{unit}{}\n",
                        crate::validate::systemd::limit_nofile(cur[0], cur[1], n)
                    ),
                });
            } else {
                commands.push(guarded_unit(service.unit, &path, n));
            }
        }
        decisions.push(d);
        // Written or kept, the unit's limit is cut to the manager's own.
        if let Some(c) = service.ceiling.filter(|&c| n > c) {
            let rule = &rules::SYSTEMD_NOFILE_CEILING;
            findings.push(
                rule.finding(format!(
                    "the service manager here can give {} at most {c} open files, below the \
                     plan's {n}: it lacks CAP_SYS_RESOURCE, as in a container, so LimitNOFILE= \
                     above {c} is cut to {c}, and a limits.d nofile line above it is not applied \
                     to login sessions",
                    service.unit
                ))
                .fix(format!(
                    "raise the container's open-files limit from outside it (e.g. `docker run \
                     --ulimit nofile={n}:{n}`, `lxc config set <container> limits.kernel.nofile \
                     {n}`), then restart the service"
                )),
            );
        }
    }
    Fixes { files, commands, decisions, findings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::host::Kernel;
    use crate::plan::Plan;
    use crate::units::{Bytes, Count};
    use crate::validate::{check_files, Context};

    fn fixes_for(plan: &str, host: &Host) -> Fixes {
        let plan = Plan::from_toml(plan).unwrap();
        generate(host, &Needs::from_plan(&plan), &Service::default())
    }

    fn written(fixes: &Fixes, key: &str) -> Option<String> {
        fixes.decisions.iter().find(|d| d.key == key).and_then(|d| d.written.clone())
    }

    /// Debian's shmmax and shmall are 18446744073692774399: an Aerospike
    /// client's 519 KiB segment must not shrink them.
    #[test]
    fn an_aerospike_plan_never_shrinks_shared_memory() {
        let plan = include_str!("../../examples/aerospike.toml");
        let stock = fixes_for(plan, &Host::default());
        assert!(stock.files.iter().all(|f| !f.text.contains("kernel.shm")), "{stock:#?}");
        let debian = Host {
            kernel: Kernel {
                shmmax: Some(Bytes(SHM_STOCK)),
                shmall: Some(Count(SHM_STOCK)),
                ..Kernel::default()
            },
            ..Host::default()
        };
        assert!(fixes_for(plan, &debian).files.is_empty());
        // A host whose shmmax is below the segment is raised to it.
        let small = Host {
            kernel: Kernel { shmmax: Some(Bytes(256 << 10)), ..Kernel::default() },
            ..Host::default()
        };
        let f = fixes_for(plan, &small);
        assert_eq!(written(&f, "kernel.shmmax"), Some("531576".into()));
        assert_eq!(written(&f, "kernel.shmall"), None);
    }

    /// The AMPS result recommends 32,768 open files; the drop-ins write that,
    /// not the 428 the example's clients strictly need.
    #[test]
    fn amps_limits_write_the_recommended_nofile() {
        let plan = include_str!("../../examples/amps.toml");
        let mut host = Host::default();
        (host.kernel.nofile_soft, host.kernel.nofile_hard) =
            (Some(Count(1024)), Some(Count(524_288)));
        let service = Service { sessions: [Some(1024), Some(524_288)], ..Service::default() };
        let plan = Plan::from_toml(plan).unwrap();
        let f = generate(&host, &Needs::from_plan(&plan), &service);
        let limits = f.files.iter().find(|f| f.format == Format::Limits).unwrap();
        assert!(limits.text.contains("* soft nofile 32768\n"), "{}", limits.text);
        // The hard limit, 524288, is already above: left alone.
        assert!(!limits.text.contains("hard"), "{}", limits.text);
        let unit = f.files.iter().find(|f| f.format == Format::Systemd).unwrap();
        assert!(unit.text.contains("LimitNOFILE=32768:524288\n"), "{}", unit.text);
        assert!(f.files.iter().all(|f| !f.text.contains("core")), "cores are never lowered");
        // Unknown, neither file is written: the commands ask the host.
        let f = fixes_for(include_str!("../../examples/amps.toml"), &Host::default());
        assert!(f.files.iter().all(|f| f.format == Format::Sysctl), "{:#?}", f.files);
        let asks = |what: &str| f.commands.iter().filter(|c| c.contains(what)).count();
        assert_eq!(asks("LimitNOFILESoft"), 1, "{:#?}", f.commands);
        assert_eq!(asks("/etc/security/limits.conf"), 1, "the soft limit only: {:#?}", f.commands);
    }

    /// Five billion connections in one process need more descriptors than
    /// Linux allows: nothing is written above fs.nr_open's ceiling, which
    /// the kernel would refuse (the plan says to use more processes).
    #[test]
    fn nothing_is_written_above_what_linux_allows() {
        let needs = Needs { nofile: Some(5_000_000_064), ..Needs::default() };
        let f = generate(&Host::default(), &needs, &Service::default());
        assert_eq!(written(&f, "fs.nr_open"), Some(crate::connections::NR_OPEN_MAX.to_string()));
        for file in &f.files {
            assert!(!file.text.contains("5000000064"), "{}", file.text);
        }
    }

    /// MegaComet's limits.conf (source 003, Tuning) gives every login
    /// 1048576 open files; a service started by systemd has 1024:524288. An
    /// AMPS plan raises the service, and its limits.d line, read after
    /// limits.conf, must not bring the sessions down to 32768.
    #[test]
    fn a_limits_d_line_never_lowers_what_limits_conf_gives_sessions() {
        let limits_conf = "* soft nofile 1048576\n* hard nofile 1048576\n";
        let mut host = Host::default();
        (host.kernel.nofile_soft, host.kernel.nofile_hard) =
            (Some(Count(1024)), Some(Count(524_288)));
        let needs = Needs { amps: true, ..Needs::default() };
        let sessions =
            crate::validate::limits::session_nofile(&[("limits.conf", limits_conf)], "*");
        assert_eq!(sessions, [Some(1_048_576), Some(1_048_576)]);
        let f = generate(&host, &needs, &Service { sessions, ..Service::default() });
        assert!(f.files.iter().all(|f| f.format != Format::Limits), "{:#?}", f.files);
        // The service still rises, through its unit.
        let unit = f.files.iter().find(|f| f.format == Format::Systemd).unwrap();
        assert!(unit.text.contains("LimitNOFILE=32768:524288\n"), "{}", unit.text);
        // Sessions at 4096 soft: only the soft line, said to be the host's.
        let sessions = session_of("* soft nofile 4096\n* hard nofile 1048576\n", "*");
        let f = generate(&host, &needs, &Service { sessions, ..Service::default() });
        let limits = f.files.iter().find(|f| f.format == Format::Limits).unwrap();
        assert!(
            limits.text.contains("was 4096, the plan needs 32768\n* soft nofile 32768\n"),
            "{}",
            limits.text
        );
        assert!(!limits.text.contains("hard"), "{}", limits.text);
    }

    /// A unit whose hard limit is infinity (`systemctl show` prints it as
    /// such) keeps it: the drop-in raises the soft limit only.
    #[test]
    fn a_unit_drop_in_keeps_an_infinite_hard_limit() {
        let mut host = Host::default();
        (host.kernel.nofile_soft, host.kernel.nofile_hard) =
            (Some(Count(1024)), Some(Count(u64::MAX)));
        let f = generate(&host, &Needs { amps: true, ..Needs::default() }, &Service::default());
        let unit = f.files.iter().find(|f| f.format == Format::Systemd).unwrap();
        assert!(unit.text.ends_with("\nLimitNOFILE=32768:infinity\n"), "{}", unit.text);
    }

    /// Under a manager without CAP_SYS_RESOURCE (a container's), a unit
    /// gets no more than the manager's own hard limit, whatever its
    /// LimitNOFILE= says: the drop-in is still written (it raises up to
    /// there) and a finding says what it cannot give and what to do.
    #[test]
    fn a_need_above_the_managers_ceiling_is_said_not_hidden() {
        let needs = Needs { amps: true, ..Needs::default() };
        let mut host = Host::default();
        (host.kernel.nofile_soft, host.kernel.nofile_hard) = (Some(Count(1024)), Some(Count(4096)));
        for (ceiling, says) in [(None, false), (Some(20_000), true), (Some(32_768), false)] {
            let service = Service { ceiling, ..Service::default() };
            let f = generate(&host, &needs, &service);
            assert!(f.files.iter().any(|f| f.format == Format::Systemd), "{ceiling:?}");
            assert_eq!(f.findings.len(), usize::from(says), "{ceiling:?}: {:?}", f.findings);
        }
        // Kept as it is (the unit says 65536), the need is still cut.
        (host.kernel.nofile_soft, host.kernel.nofile_hard) =
            (Some(Count(65_536)), Some(Count(65_536)));
        let f = generate(&host, &needs, &Service { ceiling: Some(20_000), ..Service::default() });
        assert!(f.files.is_empty(), "{:?}", f.files);
        assert!(f.commands.iter().all(|c| !c.contains("LimitNOFILE")), "{:?}", f.commands);
        let [finding] = &f.findings[..] else { panic!("{:?}", f.findings) };
        assert_eq!(finding.id, rules::SYSTEMD_NOFILE_CEILING.id);
        assert!(FINDINGS.iter().any(|r| r.id == finding.id));
        assert!(finding.message.contains("at most 20000 open files, below the plan's 32768"));
        assert!(finding.fix.as_deref().unwrap().contains("--ulimit nofile=32768:32768"));
    }

    /// Words pass to the shell as they are only when plain.
    #[test]
    fn shell_words_are_quoted_unless_plain() {
        assert_eq!(sh_word("amps.service"), "amps.service");
        assert_eq!(sh_word("amps@1:x-y/z%"), "amps@1:x-y/z%");
        assert_eq!(sh_word("*"), "'*'");
        assert_eq!(sh_word("a b"), "'a b'");
        assert_eq!(sh_word("it's"), r"'it'\''s'");
        assert_eq!(sh_word(""), "''");
        assert_eq!(sh_word("$(reboot)"), "'$(reboot)'");
    }

    proptest::proptest! {
        /// Whatever login sessions have, a limits.d line is above it, and
        /// a kind with a line is raised to the need.
        #[test]
        fn a_limits_d_line_is_above_the_sessions(
            soft in proptest::option::of(1u64..1 << 31),
            hard in proptest::option::of(1u64..1 << 31),
            need in 1u64..1 << 31,
        ) {
            let needs = Needs { nofile: Some(need), ..Needs::default() };
            let f = generate(&Host::default(), &needs, &Service { sessions: [soft, hard], ..Service::default() });
            let text = f.files.iter().find(|f| f.format == Format::Limits).map_or("", |f| f.text.as_str());
            for (kind, have) in [("soft", soft), ("hard", hard)] {
                let line = text.lines().find(|l| l.starts_with(&format!("* {kind} nofile ")));
                if let (Some(line), Some(have)) = (line, have) {
                    let v: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
                    proptest::prop_assert!(v > have && v == need, "{line} over {have}");
                }
                if have.is_some_and(|h| h >= need) {
                    proptest::prop_assert!(line.is_none(), "{text}");
                }
            }
        }
    }

    fn session_of(text: &str, user: &str) -> [Option<u64>; 2] {
        crate::validate::limits::session_nofile(&[("limits.conf", text)], user)
    }

    /// Which lines count for a user: per domain the last; over domains the
    /// largest that may apply.
    #[test]
    fn session_limits_are_read_as_pam_limits_reads_them() {
        let text = "* soft nofile 4096\n* soft nofile 2048\n@staff hard nofile 8192\n\
                    bob - nofile 1000000\namps soft nofile 16384\n";
        // `*`: only `*` lines, the last of them.
        assert_eq!(session_of(text, "*"), [Some(2048), None]);
        // amps: its own, `*` and the group (membership unknown); not bob's.
        assert_eq!(session_of(text, "amps"), [Some(16_384), Some(8192)]);
        assert_eq!(session_of("* - nofile unlimited\n", "*"), [Some(u64::MAX); 2]);
        // A uid range (limits.conf(5): `<min_uid>:<max_uid>`) may hold the user.
        assert_eq!(session_of("1000:2000 hard nofile 65536\n", "amps"), [None, Some(65_536)]);
        assert_eq!(session_of("# none\n", "*"), [None, None]);
    }

    /// fs.file-max: Debian's is LONG_MAX (systemd), the kernel's a tenth of
    /// RAM in KiB. A need below the kernel's writes nothing; above it, only a
    /// command that compares with the host's value, never a file line.
    #[test]
    fn an_unknown_file_max_is_raised_only_where_the_host_has_less() {
        let needs = Needs { connections: Some(1_000_000), ..Needs::default() };
        let big = Host { ram: Bytes(16 << 30), ..Host::default() };
        assert_eq!(written(&generate(&big, &needs, &Service::default()), "fs.file-max"), None);
        let small = Host { ram: Bytes(4 << 30), ..Host::default() };
        let f = generate(&small, &needs, &Service::default());
        assert_eq!(written(&f, "fs.file-max"), Some("1100000".into()));
        assert!(f.files.is_empty(), "{:#?}", f.files);
        assert_eq!(
            f.commands,
            [format!(
                "if [ \"$(sysctl -n fs.file-max)\" -lt 1100000 ]; then sysctl -w fs.file-max=\"1100000\" \
                 && printf '# sysctl.connections.file_max\\nfs.file-max = %s\\n' \"1100000\" \
                 >> {RAISED_PATH}; fi"
            )]
        );
        let mut known = small.clone();
        known.kernel.file_max = Some(Count(400_000));
        let f = generate(&known, &needs, &Service::default());
        assert_eq!(written(&f, "fs.file-max"), Some("1100000".into()));
        let d = f.decisions.iter().find(|d| d.key == "fs.file-max").unwrap();
        assert_eq!((d.current.as_str(), d.origin), ("400000", Origin::Host));
        let sysctl = &f.files[0].text;
        assert!(
            sysctl.contains("was 400000, the plan needs 1100000\nfs.file-max = 1100000\n"),
            "{sysctl}"
        );
        assert_eq!(f.commands, ["sysctl -w fs.file-max=\"1100000\""]);
    }

    /// Sets the written values on the host, as applying the files would.
    fn apply(host: &Host, fixes: &Fixes) -> Host {
        let mut h = host.clone();
        for d in &fixes.decisions {
            let Some(w) = d.written.as_deref() else { continue };
            let n = |i: usize| w.split([' ', ':']).nth(i).unwrap().parse::<u64>().unwrap();
            let k = &mut h.kernel;
            match d.key {
                "fs.file-max" => k.file_max = Some(Count(n(0))),
                "fs.nr_open" => k.nr_open = Some(Count(n(0))),
                "fs.aio-max-nr" => k.aio_max_nr = Some(Count(n(0))),
                "vm.max_map_count" => k.max_map_count = Some(Count(n(0))),
                "kernel.shmmax" => k.shmmax = Some(Bytes(n(0))),
                "kernel.shmall" => k.shmall = Some(Count(n(0))),
                "net.ipv4.tcp_mem" => k.tcp_mem = Some([n(0), n(1), n(2)]),
                "net.ipv4.tcp_max_tw_buckets" => k.tcp_max_tw_buckets = Some(Count(n(0))),
                "net.ipv4.ip_local_port_range" => {
                    k.ip_local_port_range = Some([n(0) as u16, n(1) as u16])
                }
                "nofile" => (k.nofile_soft, k.nofile_hard) = (Some(Count(n(0))), Some(Count(n(1)))),
                other => panic!("{other} is not applied by the test"),
            }
        }
        h
    }

    /// Each value as a number (the first of a list) for comparisons.
    fn numbers(text: &str) -> Vec<u64> {
        text.split([' ', ':']).filter_map(|w| w.parse().ok()).collect()
    }

    fn amps_needs() -> Needs {
        Needs {
            amps: true,
            nofile: Some(2_000_000),
            file_max: Some(300_000),
            aio_max_nr: Some(81_920),
            connections: Some(500_000),
            tcp_memory: Some(Bytes(8 << 30)),
            shm_segment: Some(Bytes(1 << 30)),
            time_wait: Some(480_000),
            ..Needs::default()
        }
    }

    #[test]
    fn generated_files_read_back_without_errors_or_warnings() {
        let host = Host { ram: Bytes(64 << 30), ..Host::default() };
        for needs in
            [amps_needs(), Needs { nofile: Some(65_536), ..Needs::default() }, Needs::default()]
        {
            let fixes = generate(&host, &needs, &Service::default());
            let files: Vec<(&str, &str, Option<Format>)> =
                fixes.files.iter().map(|f| (f.path.as_str(), f.text.as_str(), None)).collect();
            let ctx = Context { host: Some(&host), needs: Some(&needs) };
            let report = check_files(&files, &ctx).unwrap();
            for (f, file) in report.files.iter().zip(&fixes.files) {
                assert_eq!(f.format, Some(file.format), "{} detected as its own format", file.path);
            }
            let bad: Vec<_> =
                report.all_findings().filter(|f| f.severity >= Severity::Warning).collect();
            assert!(bad.is_empty(), "{bad:#?}\n{:#?}", fixes.files);
        }
    }

    /// The fs.file-max line names the need that set it.
    #[test]
    fn file_max_is_labelled_by_what_set_it() {
        let mut host = Host::default();
        host.kernel.file_max = Some(Count(100_000));
        let label = |needs: &Needs| {
            let fixes = generate(&host, needs, &Service::default());
            let sysctl = &fixes.files[0].text;
            let mut lines = sysctl.lines();
            lines.find(|l| l.starts_with("# ") && l.contains("the plan needs")).unwrap();
            let at = sysctl.find("\nfs.file-max = ").unwrap();
            let comment = sysctl[..at].lines().last().unwrap();
            comment.to_string()
        };
        let million = Needs { connections: Some(1_000_000), ..Needs::default() };
        assert!(label(&million).contains(rules::SYSCTL_CONN_FILE_MAX.id));
        let amps = Needs { amps: true, ..Needs::default() };
        assert!(label(&amps).contains(rules::SYSCTL_AMPS_FILE_MAX.id));
        // 1.1M for the connections is below AMPS's recommendation: AMPS's value.
        assert!(label(&Needs { amps: true, ..million }).contains(rules::SYSCTL_AMPS_FILE_MAX.id));
        let ten_million = Needs { amps: true, connections: Some(10_000_000), ..Needs::default() };
        assert!(label(&ten_million).contains(rules::SYSCTL_CONN_FILE_MAX.id));
    }

    proptest::proptest! {
        #[test]
        fn any_needs_read_back_without_errors(
            // Up to what Linux allows: above it the plan is an error of its own.
            nofile in proptest::option::of(1u64..=crate::connections::NR_OPEN_MAX),
            conns in proptest::option::of(1u64..1 << 40),
            tw in proptest::option::of(0u64..1 << 40),
            shm in proptest::option::of(1u64..1 << 50),
            tcp in proptest::option::of(1u64..1 << 50),
            amps in proptest::bool::ANY,
        ) {
            let host = Host { ram: Bytes(u64::MAX), ..Host::default() };
            let needs = Needs {
                amps,
                nofile,
                connections: conns,
                time_wait: tw,
                shm_segment: shm.map(Bytes),
                tcp_memory: tcp.map(Bytes),
                ..Needs::default()
            };
            let fixes = generate(&host, &needs, &Service::default());
            let files: Vec<(&str, &str, Option<Format>)> =
                fixes.files.iter().map(|f| (f.path.as_str(), f.text.as_str(), None)).collect();
            let ctx = Context { host: Some(&host), needs: Some(&needs) };
            let report = check_files(&files, &ctx).unwrap();
            let errors: Vec<_> = report.all_findings().filter(|f| f.severity == Severity::Error).collect();
            proptest::prop_assert!(errors.is_empty(), "{errors:#?}");
        }
    }

    proptest::proptest! {
        /// Raise only, on any host: a written value is at least the host's
        /// known value (each of a list's); an unknown one is in no file; and a
        /// host with the values applied needs nothing more.
        #[test]
        fn fixes_only_raise_and_then_nothing_is_left(
            ram in 1u64 << 28..1 << 42,
            known in proptest::collection::vec(proptest::option::of(1u64..1 << 36), 12),
            nofile in proptest::option::of(1u64..1 << 31),
            conns in proptest::option::of(1u64..1 << 32),
            ports in proptest::option::of(1u64..100_000),
            tw in proptest::option::of(0u64..1 << 32),
            shm in proptest::option::of(1u64..1 << 50),
            tcp in proptest::option::of(1u64..1 << 44),
            amps in proptest::bool::ANY,
        ) {
            let range = known[9].map(|v| {
                let lo = (v % 60_000) as u16 + 1024;
                [lo, lo.saturating_add((v >> 16) as u16 % 4000)]
            });
            let kernel = Kernel {
                file_max: known[0].map(Count),
                nr_open: known[1].map(|v| Count(v.min(1 << 30))),
                aio_max_nr: known[2].map(Count),
                max_map_count: known[3].map(Count),
                shmmax: known[4].map(Bytes),
                shmall: known[5].map(Count),
                tcp_max_tw_buckets: known[6].map(Count),
                tcp_mem: known[7].map(|v| [v, v + v / 3, v * 2]),
                nofile_soft: known[8].map(|v| Count(v.min(1 << 20))),
                nofile_hard: known[8].map(|v| Count(v.min(1 << 20) * 2)),
                ip_local_port_range: range,
                ..Kernel::default()
            };
            let host = Host { ram: Bytes(ram), kernel, ..Host::default() };
            let needs = Needs {
                amps,
                nofile,
                connections: conns,
                port_pairs: ports.map(|p| conns.unwrap_or(1).div_ceil(p)),
                time_wait: tw,
                shm_segment: shm.map(Bytes),
                tcp_memory: tcp.map(Bytes),
                ..Needs::default()
            };
            let fixes = generate(&host, &needs, &Service::default());
            for d in &fixes.decisions {
                let Some(w) = &d.written else { continue };
                let (new, cur) = (numbers(w), numbers(&d.current));
                if d.key == "net.ipv4.ip_local_port_range" {
                    proptest::prop_assert!(new[0] <= cur[0] && new[1] >= cur[1], "{d:?}");
                    continue;
                }
                match d.origin {
                    Origin::Host => {
                        for (n, c) in new.iter().zip(&cur) {
                            proptest::prop_assert!(n >= c, "{d:?}");
                        }
                        proptest::prop_assert!(new != cur, "{d:?} writes what the host has");
                    }
                    Origin::Default(_) => {
                        // Assumed, so in no file: only a command that compares.
                        let line = format!("\n{} = ", d.key);
                        proptest::prop_assert!(
                            fixes.files.iter().all(|f| !f.text.contains(&line)),
                            "{d:?}"
                        );
                        if d.key == "nofile" {
                            proptest::prop_assert!(
                                fixes.files.iter().all(|f| f.format != Format::Systemd),
                                "{d:?}"
                            );
                        }
                        proptest::prop_assert!(new.iter().zip(&cur).all(|(n, c)| n >= c), "{d:?}");
                    }
                }
                proptest::prop_assert!(new.iter().all(|&n| n > 0), "{d:?}");
            }
            let again = generate(&apply(&host, &fixes), &needs, &Service::default());
            let left: Vec<_> = again.decisions.iter().filter(|d| d.written.is_some()).collect();
            proptest::prop_assert!(left.is_empty() || ports.is_some_and(|p| p > 64_512), "{left:#?}");
        }
    }

    #[test]
    fn every_line_names_its_rule() {
        // Every value known and 1: each need is a raise, written in a file.
        let mut low = Host::default();
        let k = &mut low.kernel;
        for v in [&mut k.file_max, &mut k.nr_open, &mut k.aio_max_nr, &mut k.max_map_count] {
            *v = Some(Count(1));
        }
        for v in [&mut k.shmall, &mut k.tcp_max_tw_buckets, &mut k.nofile_soft, &mut k.nofile_hard]
        {
            *v = Some(Count(1));
        }
        (k.shmmax, k.tcp_mem) = (Some(Bytes(1)), Some([1, 1, 1]));
        let service = Service {
            user: "amps",
            unit: "amps.service",
            sessions: [Some(1), Some(1)],
            ceiling: None,
        };
        let fixes = generate(&low, &amps_needs(), &service);
        assert_eq!(fixes.files.len(), 3);
        for f in &fixes.files {
            let mut comment = None;
            for line in f.text.lines().skip(1) {
                if let Some(c) = line.strip_prefix("# ") {
                    let id = c.split(':').next().unwrap_or("");
                    assert!(rules::by_id(id).is_some(), "{id} in {}", f.path);
                    comment = Some(id);
                } else if !line.starts_with('[') {
                    assert!(comment.take().is_some(), "{line} in {} has no rule comment", f.path);
                }
            }
        }
        assert!(fixes.files[1].text.contains("amps soft nofile 2000000\n"));
        assert!(fixes.files[2].path.ends_with("amps.service.d/99-zz-headroom.conf"));
        // Known values were compared already: the plain command.
        assert!(fixes.commands.contains(&"sysctl -w fs.aio-max-nr=\"1048576\"".to_string()));
        // Unknown on this host: each command checks the live value first, so
        // a host tuned above the need keeps its own, and what it raises it
        // keeps for the next boot with the rule's name.
        let fixes = generate(&Host::default(), &amps_needs(), &service);
        let aio = format!(
            "if [ \"$(sysctl -n fs.aio-max-nr)\" -lt 1048576 ]; then sysctl -w fs.aio-max-nr=\"1048576\" \
             && printf '# sysctl.amps.aio_max_nr\\nfs.aio-max-nr = %s\\n' \"1048576\" >> {RAISED_PATH}; fi"
        );
        assert!(fixes.commands.contains(&aio), "{:#?}", fixes.commands);
        let nr_open =
            "if [ \"$(sysctl -n fs.nr_open)\" -lt 2000000 ]; then sysctl -w fs.nr_open=\"2000000\"";
        assert!(fixes.commands.iter().any(|c| c.starts_with(nr_open)), "{:#?}", fixes.commands);
        for c in &fixes.commands {
            let id = c.rsplit("# ").next().and_then(|r| r.split('\\').next()).unwrap_or("");
            assert!(rules::by_id(id).is_some(), "{id} in {c}");
        }
    }
}
