//! The files that set a host right for a plan: an `/etc/sysctl.d/` drop-in,
//! an `/etc/security/limits.d/` file, a systemd drop-in with LimitNOFILE= and
//! LimitCORE=, and the `sysctl -w` commands that apply the kernel values now.
//! Every line is commented with the rule it satisfies, and every file reads
//! back through [`crate::validate`] without an error (tested below).

use serde::Serialize;

use crate::amps::limits as amps;
use crate::host::Host;
use crate::validate::rules::{self, Rule};
use crate::validate::sysctl::NR_OPEN_DEFAULT;
use crate::validate::{Format, Needs};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeneratedFile {
    /// Where it goes, e.g. `/etc/sysctl.d/60-headroom.conf`.
    pub path: String,
    pub format: Format,
    pub text: String,
}

/// Everything to apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fixes {
    pub files: Vec<GeneratedFile>,
    /// `sysctl -w key=value`: the kernel values for now, until the next boot.
    pub commands: Vec<String>,
}

/// Who runs the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service<'a> {
    /// The user for limits.d (`*` for everyone).
    pub user: &'a str,
    /// The systemd unit, e.g. `amps.service`.
    pub unit: &'a str,
}

impl Default for Service<'_> {
    fn default() -> Self {
        Service { user: "*", unit: "headroom.service" }
    }
}

struct Line {
    key: &'static str,
    value: String,
    rule: Rule,
    why: String,
}

/// Sysctl values the plan needs, with the rule each satisfies.
fn sysctl_lines(host: &Host, needs: &Needs) -> Vec<Line> {
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
        v.push(Line {
            key: "fs.file-max",
            value: file_max.to_string(),
            rule,
            why: "open files host-wide".into(),
        });
    }
    if let Some(n) = needs.nofile.filter(|&n| n > NR_OPEN_DEFAULT) {
        v.push(Line {
            key: "fs.nr_open",
            value: n.to_string(),
            rule: rules::LIMITS_NOFILE_NR_OPEN,
            why: "ceiling for the nofile hard limit".into(),
        });
    }
    if needs.amps {
        let aio = needs.aio_max_nr.unwrap_or(0).max(amps::AIO_MAX_NR_RECOMMENDED);
        v.push(Line {
            key: "fs.aio-max-nr",
            value: aio.to_string(),
            rule: rules::SYSCTL_AMPS_AIO,
            why: "AMPS: 16384 + 8192 per SOW topic, recommended 1048576".into(),
        });
        let maps = needs.max_map_count.unwrap_or(0).max(amps::MAX_MAP_COUNT_RECOMMENDED);
        v.push(Line {
            key: "vm.max_map_count",
            value: maps.to_string(),
            rule: rules::SYSCTL_AMPS_MAP_COUNT,
            why: "AMPS: memory maps, recommended 500000".into(),
        });
    }
    if let Some(seg) = needs.shm_segment.or(needs.aerospike_segment).map(|b| b.get()) {
        v.push(Line {
            key: "kernel.shmmax",
            value: seg.to_string(),
            rule: rules::GEMSTONE_CACHE_SHMMAX,
            why: "largest shared memory segment, bytes (EINVAL above it)".into(),
        });
        v.push(Line {
            key: "kernel.shmall",
            value: seg.div_ceil(page).to_string(),
            rule: rules::SYSCTL_SHMALL_BELOW_SHMMAX,
            why: format!("total shared memory in {page} B pages, not bytes (ENOSPC above it)"),
        });
    }
    if let Some(mem) = needs.tcp_memory.map(|b| b.get()) {
        // Pressure at the need, so the plan's own pressure rule
        // (connections.kernel.tcp_mem.pressure) holds, and max above it.
        let need = mem.div_ceil(page);
        v.push(Line {
            key: "net.ipv4.tcp_mem",
            value: format!("{} {need} {}", need / 2, need.saturating_add(need / 3)),
            rule: rules::SYSCTL_CONN_TCP_MEM,
            why: "TCP buffer memory in pages, not bytes".into(),
        });
    }
    if let Some(tw) = needs.time_wait {
        v.push(Line {
            key: "net.ipv4.tcp_max_tw_buckets",
            value: tw.to_string(),
            rule: rules::SYSCTL_CONN_TW_BUCKETS,
            why: "TIME_WAIT sockets the churn keeps (closes per second x 60 s)".into(),
        });
    }
    if needs.connections.is_some() {
        v.push(Line {
            key: "net.ipv4.ip_local_port_range",
            value: "1024 65535".into(),
            rule: rules::SYSCTL_CONN_PORTS,
            why: "local ports per client address".into(),
        });
    }
    v
}

/// The drop-ins and commands for this host and plan. Files with nothing to
/// set are left out.
pub fn generate(host: &Host, needs: &Needs, service: &Service<'_>) -> Fixes {
    let mut files = Vec::new();
    let lines = sysctl_lines(host, needs);
    let header = "# Written by Headroom from the plan; each line names the rule it satisfies.\n";
    if !lines.is_empty() {
        let mut text = header.to_string();
        for l in &lines {
            text.push_str(&format!("# {}: {}\n{} = {}\n", l.rule.id, l.why, l.key, l.value));
        }
        files.push(GeneratedFile {
            path: "/etc/sysctl.d/60-headroom.conf".into(),
            format: Format::Sysctl,
            text,
        });
    }
    let mut limits = String::new();
    let mut unit = String::new();
    if let Some(n) = needs.nofile {
        let user = service.user;
        for kind in ["soft", "hard"] {
            limits.push_str(&format!(
                "# {}: {kind} open files the plan needs (PAM logins only; the unit sets the service's)\n{user} {kind} nofile {n}\n",
                rules::LIMITS_NOFILE_NEED.id
            ));
        }
        unit.push_str(&format!(
            "# {}: open files the plan needs\nLimitNOFILE={n}\n",
            rules::SYSTEMD_NOFILE_NEED.id
        ));
    }
    if needs.amps {
        limits.push_str(&format!(
            "# {}: no core of a large AMPS process; AMPS writes minidumps\n{} - core 0\n",
            rules::LIMITS_CORE_LARGE.id,
            service.user
        ));
        unit.push_str(&format!(
            "# {}: no core of a large AMPS process; AMPS writes minidumps\nLimitCORE=0\n",
            rules::SYSTEMD_CORE.id
        ));
    }
    if !limits.is_empty() {
        files.push(GeneratedFile {
            path: "/etc/security/limits.d/60-headroom.conf".into(),
            format: Format::Limits,
            text: format!("{header}{limits}"),
        });
        files.push(GeneratedFile {
            path: format!("/etc/systemd/system/{}.d/60-headroom.conf", service.unit),
            format: Format::Systemd,
            text: format!("{header}[Service]\n{unit}"),
        });
    }
    let commands = lines.iter().map(|l| format!("sysctl -w {}=\"{}\"", l.key, l.value)).collect();
    Fixes { files, commands }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::units::Bytes;
    use crate::validate::{check_files, Context};

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
        let host = Host::default();
        let label = |needs: &Needs| {
            let fixes = generate(&host, needs, &Service::default());
            let sysctl = &fixes.files[0].text;
            let line = sysctl.lines().find(|l| l.contains("open files host-wide")).unwrap();
            line.to_string()
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
            nofile in proptest::option::of(1u64..1 << 40),
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

    #[test]
    fn every_line_names_its_rule() {
        let fixes = generate(
            &Host::default(),
            &amps_needs(),
            &Service { user: "amps", unit: "amps.service" },
        );
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
        assert!(fixes.commands.contains(&"sysctl -w fs.aio-max-nr=\"1048576\"".to_string()));
        assert!(fixes.commands.contains(&"sysctl -w fs.nr_open=\"2000000\"".to_string()));
        assert!(fixes.files[1].text.contains("amps soft nofile 2000000\n"));
        assert!(fixes.files[2].path.ends_with("amps.service.d/60-headroom.conf"));
    }
}
