//! Every validator rule on a realistic file that triggers it and a clean file
//! that does not. Fixtures are in testdata/configs/ (see its README for where
//! each came from); variants below change one line of a fixture.

use std::collections::BTreeSet;

use headroom_core::finding::{Finding, Severity};
use headroom_core::host::{Host, Kernel};
use headroom_core::plan;
use headroom_core::units::{Bytes, Count};
use headroom_core::validate::{
    check_files, check_text, rules, systemd, Context, DbVersion, Format, Needs, ValidateError,
};
use proptest::prelude::*;

macro_rules! fixture {
    ($name:literal) => {
        ($name, include_str!(concat!("../../testdata/configs/", $name)))
    };
}

const MEGA_SYSCTL: (&str, &str) = fixture!("megacomet-sysctl.conf");
const MEGA_LIMITS: (&str, &str) = fixture!("megacomet-limits.conf");
const VPS_MYCNF: (&str, &str) = fixture!("vps-my.cnf");
const T1_CONF: (&str, &str) = fixture!("t1micro-system.conf");
const T1_DEFAULT: (&str, &str) = fixture!("t1micro-system-default.conf");
const T1_STARTSTONE: (&str, &str) = fixture!("t1micro-startstone.txt");
const T1_STONE_LOG: (&str, &str) = fixture!("t1micro-maglev.log");
const T1_PCMON: (&str, &str) = fixture!("t1micro-maglev_8207pcmon.log");
const AS_CONF: (&str, &str) = fixture!("aerospike-client.conf");
const AS_IPCS: (&str, &str) = fixture!("aerospike-ipcs.txt");
const AMPS_XML: (&str, &str) = fixture!("amps-config.xml");
const DEB_SYSCTL: (&str, &str) = fixture!("debian-sysctl.conf");
const DEB_LIMITS: (&str, &str) = fixture!("debian-limits.conf");
const DEB_UNIT: (&str, &str) = fixture!("debian-avahi-daemon.service");
const PROC_LIMITS: (&str, &str) = fixture!("proc-limits-shell.txt");
const SYSCTL_A: (&str, &str) = fixture!("sysctl-a-sample.txt");

/// The t1.micro of the MagLev post: 613 MB of RAM.
fn t1_micro() -> Host {
    Host { ram: Bytes(613_000_000), cores: Count(1), ..Host::default() }
}

/// MegaComet's EC2 Large: `Mem: 7652552k total` in its top output.
fn ec2_large() -> Host {
    Host { ram: Bytes(7_652_552 * 1024), cores: Count(2), ..Host::default() }
}

/// The OpenVZ VPS of "Squeezing a lightweight server": 256 MB, no swap.
fn vps() -> Host {
    Host { ram: Bytes(256 << 20), swap: Bytes(0), cores: Count(1), ..Host::default() }
}

fn with_kernel(mut h: Host, k: Kernel) -> Host {
    h.kernel = k;
    h
}

/// A file set, checked together, with a host and needs.
struct Case {
    files: Vec<(String, String, Option<Format>)>,
    /// Units linked to /dev/null, as dumptool reports them.
    masked: Vec<String>,
    host: Option<Host>,
    needs: Needs,
}

fn case(files: &[(&str, &str)]) -> Case {
    Case {
        files: files.iter().map(|(n, t)| (n.to_string(), t.to_string(), None)).collect(),
        masked: Vec::new(),
        host: None,
        needs: Needs::default(),
    }
}

impl Case {
    fn host(mut self, h: Host) -> Self {
        self.host = Some(h);
        self
    }
    fn needs(mut self, n: Needs) -> Self {
        self.needs = n;
        self
    }
    fn masked(mut self, name: &str) -> Self {
        self.masked.push(name.to_string());
        self
    }
    fn run(&self) -> Vec<Finding> {
        let files: Vec<(&str, &str, Option<Format>)> =
            self.files.iter().map(|(n, t, f)| (n.as_str(), t.as_str(), *f)).collect();
        let ctx = Context { host: self.host.as_ref(), needs: Some(&self.needs) };
        let report = check_files(&files, &ctx).expect("checks");
        let masked = self.masked.iter().flat_map(|n| systemd::masked(n).findings);
        report.all_findings().cloned().chain(masked).collect()
    }
}

/// `(text with `from` replaced by `to`)`, failing if `from` is absent.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in fixture");
    text.replacen(from, to, 1)
}

fn amps() -> Needs {
    Needs { amps: true, ..Needs::default() }
}

fn mysql(v: &str) -> Needs {
    Needs { db_version: Some(DbVersion::parse(v).unwrap()), ..Needs::default() }
}

/// Every rule: (rule, cases that trigger it, cases that do not).
fn table() -> Vec<(rules::Rule, Vec<Case>, Vec<Case>)> {
    let mega = MEGA_SYSCTL.1;
    let amps_xml = AMPS_XML.1;
    let pcmon_with = |sym: &str, num: u32| {
        edit(T1_PCMON.1, "errno=22,EINVAL, Invalid argument", &format!("errno={num},{sym}, error"))
    };
    let shm = |shmmax: u64, shmall: u64| Kernel {
        shmmax: Some(Bytes(shmmax)),
        shmall: Some(Count(shmall)),
        ..Kernel::default()
    };
    let as_needs = |seg: u64| Needs { aerospike_segment: Some(Bytes(seg)), ..Needs::default() };
    vec![
        (
            rules::SYSCTL_SYNTAX,
            vec![case(&[("s.conf", &format!("{mega}net.core.somaxconn 1024\n"))])],
            vec![case(&[MEGA_SYSCTL]), case(&[DEB_SYSCTL])],
        ),
        (
            rules::SYSCTL_OVERRIDE,
            vec![case(&[MEGA_SYSCTL, ("99-local.conf", "fs.file-max = 2000000\n")])],
            vec![case(&[MEGA_SYSCTL])],
        ),
        (
            rules::SYSCTL_TW_RECYCLE,
            vec![case(&[("s.conf", &format!("{mega}net.ipv4.tcp_tw_recycle = 1\n"))])],
            vec![case(&[MEGA_SYSCTL])],
        ),
        (
            rules::SYSCTL_FIN_TIMEOUT,
            vec![case(&[MEGA_SYSCTL])],
            vec![case(&[("s.conf", &edit(mega, "tcp_fin_timeout = 12", "tcp_fin_timeout = 60"))])],
        ),
        (
            rules::SYSCTL_SHMALL_BELOW_SHMMAX,
            vec![case(&[("s.conf", "kernel.shmmax = 68719476736\nkernel.shmall = 4194304\n")])],
            vec![case(&[("s.conf", "kernel.shmmax = 68719476736\nkernel.shmall = 16777216\n")])],
        ),
        (
            rules::SYSCTL_PAGES_UNIT,
            vec![case(&[("s.conf", "kernel.shmmax = 68719476736\nkernel.shmall = 68719476736\n")])],
            vec![case(&[("s.conf", "kernel.shmmax = 68719476736\nkernel.shmall = 16777216\n")])],
        ),
        (
            rules::SYSCTL_TCP_MEM_ORDER,
            vec![case(&[(
                "s.conf",
                &edit(mega, "786432 1048576 26777216", "26777216 1048576 786432"),
            )])],
            vec![case(&[MEGA_SYSCTL])],
        ),
        (
            rules::SYSCTL_TCP_MEM_RAM,
            vec![case(&[MEGA_SYSCTL]).host(ec2_large())],
            vec![case(&[MEGA_SYSCTL]).host(Host { ram: Bytes(128 << 30), ..Host::default() })],
        ),
        (
            rules::SYSCTL_AMPS_AIO,
            vec![case(&[("s.conf", "fs.aio-max-nr = 16384\n")]).needs(amps())],
            vec![case(&[("s.conf", "fs.aio-max-nr = 1048576\n")]).needs(amps())],
        ),
        (
            rules::SYSCTL_AMPS_AIO_ADVICE,
            vec![case(&[MEGA_SYSCTL]).needs(amps())],
            vec![case(&[("s.conf", "fs.aio-max-nr = 1048576\n")]).needs(amps())],
        ),
        (
            rules::SYSCTL_AMPS_FILE_MAX,
            vec![case(&[("s.conf", "fs.file-max = 100000\n")]).needs(amps())],
            vec![case(&[MEGA_SYSCTL]).needs(amps())],
        ),
        (
            rules::SYSCTL_AMPS_FILE_MAX_ADVICE,
            vec![case(&[MEGA_SYSCTL]).needs(amps())],
            vec![case(&[("s.conf", "fs.file-max = 6815744\n")]).needs(amps())],
        ),
        (
            rules::SYSCTL_AMPS_MAP_COUNT,
            vec![case(&[("s.conf", "vm.max_map_count = 32768\n")]).needs(amps())],
            vec![case(&[MEGA_SYSCTL]).needs(amps())],
        ),
        (
            rules::SYSCTL_AMPS_MAP_COUNT_ADVICE,
            vec![case(&[MEGA_SYSCTL]).needs(amps())],
            vec![case(&[("s.conf", "vm.max_map_count = 500000\n")]).needs(amps())],
        ),
        (
            rules::SYSCTL_CONN_FILE_MAX,
            vec![case(&[MEGA_SYSCTL])
                .needs(Needs { connections: Some(1_200_000), ..Needs::default() })],
            vec![case(&[MEGA_SYSCTL])
                .needs(Needs { connections: Some(1_000_000), ..Needs::default() })],
        ),
        (
            rules::SYSCTL_CONN_PORTS,
            vec![case(&[MEGA_SYSCTL])
                .needs(Needs { connections: Some(523_000), ..Needs::default() })],
            vec![
                case(&[MEGA_SYSCTL]).needs(Needs { connections: Some(60_000), ..Needs::default() })
            ],
        ),
        (
            rules::SYSCTL_CONN_TW_BUCKETS,
            // MegaComet at 8000 closes/s: 480000 sockets in TIME_WAIT; at its
            // measured 4000/s, 240000 fit in its 360000 buckets.
            vec![case(&[MEGA_SYSCTL]).needs(Needs { time_wait: Some(480_000), ..Needs::default() })],
            vec![case(&[MEGA_SYSCTL]).needs(Needs { time_wait: Some(240_000), ..Needs::default() })],
        ),
        (
            rules::SYSCTL_CONN_TCP_MEM,
            vec![case(&[MEGA_SYSCTL])
                .needs(Needs { tcp_memory: Some(Bytes(200 << 30)), ..Needs::default() })],
            vec![case(&[MEGA_SYSCTL])
                .needs(Needs { tcp_memory: Some(Bytes(1 << 30)), ..Needs::default() })],
        ),
        (
            rules::LIMITS_SYNTAX,
            vec![case(&[("l.conf", &format!("{}* soft nofile\n", MEGA_LIMITS.1))])],
            vec![case(&[MEGA_LIMITS]), case(&[DEB_LIMITS])],
        ),
        (
            rules::LIMITS_UNKNOWN_ITEM,
            vec![case(&[("l.conf", "* soft openfiles 65536\n")])],
            vec![case(&[MEGA_LIMITS])],
        ),
        (
            rules::LIMITS_SOFT_ABOVE_HARD,
            vec![case(&[(
                "l.conf",
                &edit(MEGA_LIMITS.1, "hard nofile 1048576", "hard nofile 65536"),
            )])],
            vec![case(&[MEGA_LIMITS])],
        ),
        (
            rules::LIMITS_NOFILE_NR_OPEN,
            vec![case(&[("l.conf", "* soft nofile 2000000\n* hard nofile 2000000\n")])],
            vec![
                case(&[MEGA_LIMITS]),
                case(&[("s.conf", "fs.nr_open = 2000000\n"), ("l.conf", "* - nofile 2000000\n")]),
            ],
        ),
        (
            rules::LIMITS_NOFILE_NEED,
            vec![
                case(&[MEGA_LIMITS]).needs(Needs { nofile: Some(2_000_000), ..Needs::default() }),
                case(&[PROC_LIMITS]).needs(Needs { nofile: Some(32_768), ..Needs::default() }),
            ],
            vec![
                case(&[MEGA_LIMITS]).needs(Needs { nofile: Some(65_536), ..Needs::default() }),
                case(&[PROC_LIMITS]).needs(Needs { nofile: Some(4096), ..Needs::default() }),
            ],
        ),
        (
            rules::LIMITS_CORE_LARGE,
            vec![
                case(&[("l.conf", "amps soft core unlimited\namps hard core unlimited\n")])
                    .needs(amps()),
                case(&[(
                    "limits",
                    &edit(
                        PROC_LIMITS.1,
                        "Max core file size        0 ",
                        "Max core file size        unlimited ",
                    ),
                )])
                .needs(amps()),
            ],
            vec![
                case(&[("l.conf", "amps - core 0\n")]).needs(amps()),
                case(&[PROC_LIMITS]).needs(amps()),
            ],
        ),
        (
            rules::LIMITS_PAM_ONLY,
            vec![case(&[MEGA_LIMITS])],
            vec![case(&[MEGA_LIMITS, ("override.conf", "[Service]\nLimitNOFILE=1048576\n")])],
        ),
        (
            rules::SYSTEMD_SYNTAX,
            vec![case(&[("u.service", &format!("LimitNOFILE=65536\n{}", DEB_UNIT.1))])],
            vec![case(&[DEB_UNIT])],
        ),
        (
            rules::SYSTEMD_WRONG_SECTION,
            vec![case(&[(
                "u.service",
                &edit(DEB_UNIT.1, "Requires=", "LimitNOFILE=65536\nRequires="),
            )])],
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitNOFILE=65536\n")])],
        ),
        (
            rules::SYSTEMD_NOFILE_NEED,
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitNOFILE=4096\n")])
                .needs(Needs { nofile: Some(32_768), ..Needs::default() })],
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitNOFILE=65536\n")])
                .needs(Needs { nofile: Some(32_768), ..Needs::default() })],
        ),
        (
            rules::SYSTEMD_NOFILE_MISSING,
            vec![case(&[DEB_UNIT]).needs(Needs { nofile: Some(32_768), ..Needs::default() })],
            vec![
                case(&[DEB_UNIT]),
                case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitNOFILE=32768\n")])
                    .needs(Needs { nofile: Some(32_768), ..Needs::default() }),
            ],
        ),
        (
            rules::SYSTEMD_CORE,
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitCORE=infinity\n")])
                .needs(amps())],
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitCORE=0\n")]).needs(amps())],
        ),
        (
            rules::SYSTEMD_SOFT_ABOVE_HARD,
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitNOFILE=65536:4096\n")])],
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitNOFILE=4096:65536\n")])],
        ),
        (
            rules::SYSTEMD_BAD_VALUE,
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitNOFILE=lots\n")])],
            vec![case(&[DEB_UNIT, ("override.conf", "[Service]\nLimitNOFILE=infinity\n")])],
        ),
        (
            rules::GEMSTONE_SYNTAX,
            vec![case(&[("system.conf", "SHR_PAGE_CACHE_SIZE_KB = 307200\n")])],
            vec![case(&[T1_CONF])],
        ),
        (
            rules::GEMSTONE_CACHE_RAM,
            vec![case(&[T1_DEFAULT]).host(t1_micro())],
            vec![case(&[T1_CONF]).host(t1_micro())],
        ),
        (
            rules::GEMSTONE_CACHE_SHMMAX,
            vec![case(&[T1_CONF]).host(with_kernel(t1_micro(), shm(32 << 20, 2_097_152)))],
            vec![case(&[T1_CONF]).host(with_kernel(t1_micro(), shm(512 << 20, 2_097_152)))],
        ),
        (
            rules::GEMSTONE_CACHE_SHMALL,
            vec![case(&[T1_CONF]).host(with_kernel(t1_micro(), shm(512 << 20, 65_536)))],
            vec![case(&[T1_CONF]).host(with_kernel(t1_micro(), shm(512 << 20, 131_072)))],
        ),
        (
            rules::GEMSTONE_CACHE_SHMMIN,
            vec![case(&[("system.conf", "SHR_PAGE_CACHE_SIZE_KB = 0;\n")]).host(t1_micro())],
            vec![case(&[T1_CONF]).host(t1_micro())],
        ),
        (rules::GEMSTONE_LOG_EINVAL, vec![case(&[T1_PCMON])], vec![case(&[T1_STONE_LOG])]),
        (
            rules::GEMSTONE_LOG_ENOSPC,
            vec![case(&[("p.log", &pcmon_with("ENOSPC", 28))])],
            vec![case(&[T1_PCMON])],
        ),
        (
            rules::GEMSTONE_LOG_ENOMEM,
            vec![case(&[("p.log", &pcmon_with("ENOMEM", 12))])],
            vec![case(&[T1_PCMON])],
        ),
        (
            rules::GEMSTONE_LOG_EACCES,
            vec![case(&[("p.log", &pcmon_with("EACCES", 13))])],
            vec![case(&[T1_PCMON])],
        ),
        (
            rules::GEMSTONE_LOG_EEXIST,
            vec![case(&[("p.log", &pcmon_with("EEXIST", 17))])],
            vec![case(&[T1_PCMON])],
        ),
        (
            rules::GEMSTONE_LOG_NONE,
            vec![case(&[T1_STARTSTONE]), case(&[T1_STONE_LOG])],
            vec![case(&[T1_PCMON])],
        ),
        (
            rules::MYCNF_SYNTAX,
            vec![case(&[("my.cnf", &edit(VPS_MYCNF.1, "[mysqld]", "[mysqld"))])],
            vec![case(&[VPS_MYCNF])],
        ),
        (
            rules::MYCNF_INCLUDE,
            vec![case(&[("my.cnf", &format!("{}!includedir /etc/mysql/conf.d/\n", VPS_MYCNF.1))])],
            vec![case(&[VPS_MYCNF])],
        ),
        (
            rules::MYCNF_OUTSIDE_SERVER,
            vec![
                case(&[("my.cnf", &edit(VPS_MYCNF.1, "[mysqld]\n", ""))]),
                case(&[("my.cnf", &edit(VPS_MYCNF.1, "[mysqld]", "[client]"))]),
            ],
            vec![
                case(&[VPS_MYCNF]),
                case(&[("my.cnf", &edit(VPS_MYCNF.1, "[mysqld]", "[mariadb]"))]),
            ],
        ),
        (
            rules::MYCNF_BAD_SIZE,
            vec![case(&[("my.cnf", &edit(VPS_MYCNF.1, "= 2M", "= 2MB"))])],
            vec![case(&[VPS_MYCNF])],
        ),
        (
            rules::MYCNF_REMOVED,
            vec![case(&[VPS_MYCNF]).needs(mysql("8.0.36"))],
            vec![
                case(&[VPS_MYCNF]).needs(mysql("5.5.38")),
                case(&[VPS_MYCNF]).needs(mysql("10.11.6-MariaDB")),
                case(&[(
                    "my.cnf",
                    &edit(VPS_MYCNF.1, "query_cache_size", "loose-query-cache-size"),
                )])
                .needs(Needs {
                    db_version: Some(DbVersion::parse("8.0.3").unwrap()),
                    ..Needs::default()
                })
                .needs(mysql("5.7.44")),
            ],
        ),
        (
            rules::MYCNF_SKIP_INNODB,
            vec![
                case(&[VPS_MYCNF]).needs(mysql("8.0.36")),
                case(&[("my.cnf", &edit(VPS_MYCNF.1, "innodb=OFF", "skip-innodb"))])
                    .needs(mysql("5.7.44")),
            ],
            vec![case(&[VPS_MYCNF]).needs(mysql("5.5.38"))],
        ),
        (
            rules::MYCNF_PEAK_RAM,
            vec![
                case(&[("my.cnf", &format!("{}max_connections = 270\n", VPS_MYCNF.1))]).host(vps()),
                // From 5.7.5 innodb=OFF is ignored, so the 128 MiB pool counts.
                case(&[VPS_MYCNF]).host(vps()).needs(mysql("8.0.36")),
            ],
            vec![
                case(&[VPS_MYCNF]).host(vps()),
                case(&[VPS_MYCNF]).host(vps()).needs(mysql("5.5.38")),
            ],
        ),
        (
            rules::MYCNF_PEAK_HIGH,
            vec![
                case(&[("my.cnf", &format!("{}max_connections = 240\n", VPS_MYCNF.1))]).host(vps())
            ],
            vec![
                case(&[VPS_MYCNF]).host(vps()),
                case(&[("my.cnf", &format!("{}max_connections = 200\n", VPS_MYCNF.1))]).host(vps()),
            ],
        ),
        (
            rules::AEROSPIKE_SYNTAX,
            vec![case(&[("a.conf", &edit(AS_CONF.1, "shm_max_nodes = 16", "shm_max_nodes 16"))])],
            vec![case(&[AS_CONF]), case(&[AS_IPCS])],
        ),
        (
            rules::AEROSPIKE_UNKNOWN,
            vec![case(&[("a.conf", &edit(AS_CONF.1, "shm_max_nodes", "shm_max_node"))])],
            vec![case(&[AS_CONF])],
        ),
        (
            rules::AEROSPIKE_SHM_OFF,
            vec![
                case(&[("a.conf", &edit(AS_CONF.1, "use_shm = true", "use_shm = false"))]),
                case(&[("a.conf", &edit(AS_CONF.1, "use_shm = true\n", ""))]),
            ],
            vec![case(&[AS_CONF])],
        ),
        (
            rules::AEROSPIKE_TAKEOVER_WRAPS,
            vec![case(&[(
                "a.conf",
                &edit(
                    AS_CONF.1,
                    "shm_takeover_threshold_sec = 30",
                    "shm_takeover_threshold_sec = 5000000",
                ),
            )])],
            vec![case(&[AS_CONF])],
        ),
        (
            rules::AEROSPIKE_CUSHION,
            vec![case(&[AS_CONF]).needs(Needs { aerospike_nodes: Some(16), ..Needs::default() })],
            vec![case(&[AS_CONF]).needs(Needs {
                aerospike_nodes: Some(5),
                aerospike_namespaces: Some(2),
                ..Needs::default()
            })],
        ),
        (
            rules::SYSCTL_NR_OPEN_NEED,
            vec![case(&[("s.conf", "fs.nr_open = 1048576\n")])
                .needs(Needs { nofile: Some(2_000_000), ..Needs::default() })],
            vec![
                case(&[("s.conf", "fs.nr_open = 1048576\n")])
                    .needs(Needs { nofile: Some(1_048_576), ..Needs::default() }),
                case(&[("s.conf", "fs.nr_open = 1048576\n")]),
            ],
        ),
        (
            rules::AEROSPIKE_BELOW_CLUSTER,
            vec![case(&[AS_CONF]).needs(Needs { aerospike_nodes: Some(17), ..Needs::default() })],
            vec![case(&[AS_CONF]).needs(Needs { aerospike_nodes: Some(16), ..Needs::default() })],
        ),
        (
            rules::AEROSPIKE_SHARED_KEY,
            vec![case(&[(
                "a.conf",
                &format!("[cluster east]\n{0}[cluster west]\n{0}", AS_CONF.1),
            )])],
            vec![case(&[(
                "a.conf",
                &format!(
                    "[cluster east]\n{}[cluster west]\n{}",
                    AS_CONF.1,
                    edit(AS_CONF.1, "0xA7000000", "0xA7000001")
                ),
            )])],
        ),
        (
            rules::AEROSPIKE_SHMMAX,
            vec![case(&[AS_CONF])
                .host(with_kernel(Host::default(), shm(262_144, 2_097_152)))
                .needs(as_needs(531_320))],
            vec![case(&[AS_CONF])
                .host(with_kernel(Host::default(), shm(32 << 20, 2_097_152)))
                .needs(as_needs(531_320))],
        ),
        (
            rules::AEROSPIKE_SIZE_MISMATCH,
            vec![
                case(&[AS_CONF, AS_IPCS]).needs(as_needs(531_320)),
                case(&[AS_IPCS]).needs(as_needs(531_576)),
            ],
            vec![
                case(&[AS_CONF, AS_IPCS]).needs(as_needs(263_224)),
                // The 2014 layout's key: 16 nodes, 8 namespaces -> 263,224 B.
                case(&[
                    ("a.conf", &edit(AS_CONF.1, "0xA7000000", "0xA5000000")),
                    ("ipcs.txt", &edit(AS_IPCS.1, "0xA7000000", "0xA5000000")),
                ]),
            ],
        ),
        (
            rules::AMPS_XML_SYNTAX,
            vec![case(&[("amps.xml", &edit(amps_xml, "</Transports>", "</Transport>"))])],
            vec![case(&[AMPS_XML])],
        ),
        (
            rules::AMPS_XML_BAD_SIZE,
            vec![case(&[("amps.xml", &edit(amps_xml, "<SlabSize>4MB", "<SlabSize>4 megs"))])],
            vec![case(&[AMPS_XML])],
        ),
        (
            rules::AMPS_XML_SLAB,
            vec![case(&[AMPS_XML])
                .needs(Needs { max_message_size: Some(Bytes(8_000_000)), ..Needs::default() })],
            vec![case(&[AMPS_XML])
                .needs(Needs { max_message_size: Some(Bytes(1_200_000)), ..Needs::default() })],
        ),
        (
            rules::AMPS_XML_MEMORY_HIGH,
            vec![case(&[AMPS_XML]).host(Host { ram: Bytes(16 << 30), ..Host::default() })],
            vec![case(&[AMPS_XML]).host(Host { ram: Bytes(64 << 30), ..Host::default() })],
        ),
        (
            rules::AMPS_XML_MEMORY_START,
            vec![case(&[AMPS_XML]).host(Host { ram: Bytes(48 << 30), ..Host::default() })],
            vec![case(&[AMPS_XML]).host(Host { ram: Bytes(64 << 30), ..Host::default() })],
        ),
        (
            rules::AMPS_XML_DISK_LIMIT,
            vec![case(&[(
                "amps.xml",
                &edit(amps_xml, "<MessageDiskLimit>20GB", "<MessageDiskLimit>1GB"),
            )])],
            vec![case(&[AMPS_XML])],
        ),
        (
            rules::AMPS_XML_DISK_PATH,
            vec![case(&[(
                "amps.xml",
                &edit(amps_xml, "<MessageDiskPath>/fast/amps/offline</MessageDiskPath>", ""),
            )])],
            vec![case(&[AMPS_XML])],
        ),
        (
            rules::AMPS_XML_JOURNAL,
            vec![case(&[(
                "amps.xml",
                &edit(amps_xml, "<PreallocatedJournalFiles>10</PreallocatedJournalFiles>", ""),
            )])],
            vec![case(&[AMPS_XML])],
        ),
        (
            rules::AMPS_XML_MINIDUMP,
            vec![
                case(&[(
                    "amps.xml",
                    &edit(
                        amps_xml,
                        "<MiniDumpDirectory>/var/lib/amps/minidumps</MiniDumpDirectory>",
                        "",
                    ),
                )]),
                case(&[("amps.xml", &edit(amps_xml, "/var/lib/amps/minidumps", "/tmp"))]),
            ],
            vec![case(&[AMPS_XML])],
        ),
        (
            rules::SYSCTL_TCP_MEM_BYTES,
            vec![
                // 8, 12 and 16 MiB typed as bytes: as pages even the minimum
                // is 32 GiB, four times the EC2 Large's RAM.
                case(&[("s.conf", "net.ipv4.tcp_mem = 8388608 12582912 16777216\n")])
                    .host(ec2_large()),
                // No host: 32 GiB, 48 GiB and 64 GiB as bytes; as pages more
                // than an x86-64 kernel addresses.
                case(&[("s.conf", "net.ipv4.tcp_mem = 34359738368 51539607552 68719476736\n")]),
            ],
            // MegaComet's minimum, 786432 pages, is 3 GiB: pages, too large.
            vec![case(&[MEGA_SYSCTL]).host(ec2_large()), case(&[SYSCTL_A])],
        ),
        (
            rules::SYSCTL_SHM_SEGMENT,
            vec![
                case(&[("s.conf", "kernel.shmmax = 33554432\n")]).needs(segment(330 << 20)),
                case(&[("s.conf", "kernel.shmall = 2097152\n")]).needs(segment(9 << 30)),
            ],
            vec![
                case(&[("s.conf", "kernel.shmmax = 1073741824\n")]).needs(segment(330 << 20)),
                case(&[("s.conf", "kernel.shmmax = 33554432\n")]),
            ],
        ),
        (
            rules::SYSCTL_CONN_SOMAXCONN,
            vec![case(&[("s.conf", "net.core.somaxconn = 128\n")]).needs(conns(1_000_000))],
            vec![
                case(&[("s.conf", "net.core.somaxconn = 4096\n")]).needs(conns(1_000_000)),
                case(&[("s.conf", "net.core.somaxconn = 128\n")]).needs(conns(100)),
                case(&[("s.conf", "net.core.somaxconn = 128\n")]),
            ],
        ),
        (
            rules::SYSCTL_CONN_SYN_BACKLOG,
            vec![
                case(&[("s.conf", "net.ipv4.tcp_max_syn_backlog = 256\n")]).needs(conns(1_000_000))
            ],
            vec![case(&[("s.conf", "net.ipv4.tcp_max_syn_backlog = 8192\n")])
                .needs(conns(1_000_000))],
        ),
        (
            rules::SYSTEMD_NOFILE_INFINITY,
            vec![case(&[("x.service", "[Service]\nExecStart=/bin/x\nLimitNOFILE=infinity\n")])],
            vec![case(&[("x.service", "[Service]\nExecStart=/bin/x\nLimitNOFILE=65536\n")])],
        ),
        (
            rules::SYSTEMD_EMPTY,
            vec![case(&[(
                "user@0.service.d/10-login-barrier.conf",
                "#  SPDX-License-Identifier: LGPL-2.1-or-later\n#\n# comments only\n",
            )])],
            vec![case(&[DEB_UNIT])],
        ),
        (
            rules::MYCNF_PREFIX,
            vec![case(&[("my.cnf", "[mysqld]\nkey_buffer = 16M\n")])],
            vec![
                case(&[("my.cnf", "[mysqld]\nkey_buffer_size = 16M\n")]),
                // MySQL's options are not MariaDB's list: not judged by it.
                case(&[("my.cnf", "[mysqld]\nkey_buffer = 16M\n")]).needs(mysql("8.0.36")),
                case(&[("my.cnf", "[mysqld]\nloose-key_buffer = 16M\n")]),
            ],
        ),
        (
            rules::MYCNF_AMBIGUOUS,
            vec![case(&[("my.cnf", "[mariadb]\ninnodb_buffer = 1G\n")])],
            vec![case(&[("my.cnf", "[mariadb]\ninnodb_buffer_pool_size = 1G\n")])],
        ),
        (
            rules::MYCNF_UNKNOWN,
            vec![case(&[("my.cnf", "[mysqld]\nmax_conections = 100\n")])],
            vec![
                case(&[("my.cnf", "[mysqld]\nmax_connections = 100\nskip-name-resolve\n")]),
                case(&[("my.cnf", "[client]\nmax_conections = 100\n")]),
                case(&[("my.cnf", "[mysqld]\nloose-max_conections = 100\n")]),
            ],
        ),
        (
            rules::SYSCTL_FILE_MASKED,
            vec![case(&[
                ("/usr/lib/sysctl.d/50-x.conf", "fs.file-max = 1\n"),
                ("/etc/sysctl.d/50-x.conf", "fs.file-max = 2\n"),
            ])],
            vec![case(&[
                ("/usr/lib/sysctl.d/50-x.conf", "fs.file-max = 1\n"),
                ("/etc/sysctl.d/60-x.conf", "fs.file-max = 2\n"),
            ])],
        ),
        (
            rules::SYSTEMD_MASKED,
            vec![case(&[]).masked("/lib/systemd/system/hwclock.service")],
            vec![case(&[DEB_UNIT])],
        ),
    ]
}

fn segment(b: u64) -> Needs {
    Needs { shm_segment: Some(Bytes(b)), ..Needs::default() }
}

fn conns(n: u64) -> Needs {
    Needs { connections: Some(n), ..Needs::default() }
}

#[test]
fn every_rule_triggers_on_a_realistic_file_and_not_on_a_clean_one() {
    let mut covered = BTreeSet::new();
    for (rule, triggers, cleans) in table() {
        for (i, c) in triggers.iter().enumerate() {
            let found = c.run();
            let hit = found.iter().find(|f| f.id == rule.id);
            let hit =
                hit.unwrap_or_else(|| panic!("{} trigger {i}: not reported: {found:#?}", rule.id));
            assert_eq!(hit.severity, rule.severity, "{}", rule.id);
            assert!(hit.fix.as_deref().is_some_and(|f| !f.is_empty()), "{} has a fix", rule.id);
            assert!(hit.why.is_some(), "{} has a why", rule.id);
            covered.insert(rule.id);
        }
        for (i, c) in cleans.iter().enumerate() {
            let found = c.run();
            assert!(found.iter().all(|f| f.id != rule.id), "{} clean {i}: {found:#?}", rule.id);
        }
    }
    // Rules only a plan's calculators or the fixes raise are tested with
    // their modules.
    let calculated: BTreeSet<&str> = plan::CALCULATORS
        .iter()
        .flat_map(|c| c.findings.iter().map(|r| r.id))
        .chain(headroom_core::fixes::FINDINGS.iter().map(|r| r.id))
        .collect();
    let validated = |id: &&str| covered.contains(id) || calculated.contains(id);
    let missing: Vec<&str> =
        rules::RULES.iter().map(|r| r.id).filter(|id| !validated(id)).collect();
    assert!(missing.is_empty(), "rules without a test: {missing:?}");
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id).collect()
}

#[test]
fn megacomet_sysctl_points_at_its_lines() {
    let r = check_text(MEGA_SYSCTL.0, MEGA_SYSCTL.1, None, &Context::default()).unwrap();
    assert_eq!(r.format, Some(Format::Sysctl));
    assert!(r.detected);
    assert_eq!(ids(&r.findings), ["sysctl.tcp_fin_timeout.time_wait"]);
    let loc = r.findings[0].location.as_ref().unwrap();
    assert_eq!((loc.file.as_str(), loc.line), ("megacomet-sysctl.conf", 17));
    let file_max = r.values.iter().find(|s| s.key == "fs.file-max").unwrap();
    assert_eq!(file_max.value, "1100000", "trailing spaces trimmed");
    assert_eq!(r.values.len(), 12);
}

#[test]
fn megacomet_tcp_mem_is_pages_not_bytes() {
    let host = ec2_large();
    let ctx = Context { host: Some(&host), needs: None };
    let r = check_text("s.conf", MEGA_SYSCTL.1, Some(Format::Sysctl), &ctx).unwrap();
    let f = r.findings.iter().find(|f| f.id == "sysctl.tcp_mem.above_ram").unwrap();
    // 26777216 pages x 4096 B = 109,679,476,736 B against 7,836,213,248 B of RAM.
    assert!(f.message.contains("109679476736 B"), "{}", f.message);
    assert!(f.message.contains("7836213248 B"), "{}", f.message);
    assert_eq!(f.location.as_ref().unwrap().line, 7);
}

#[test]
fn a_later_file_wins_and_the_winner_is_checked() {
    let needs = amps();
    let ctx = Context { host: None, needs: Some(&needs) };
    let report = check_files(
        &[
            ("/etc/sysctl.conf", "fs.aio-max-nr = 1048576\n", None),
            ("/etc/sysctl.d/99-z.conf", "fs.aio-max-nr = 16384\n", None),
        ],
        &ctx,
    )
    .unwrap();
    let first = &report.files[0];
    assert_eq!(ids(&first.findings), ["sysctl.override"]);
    assert!(first.findings[0].message.contains("the value that wins is 16384"));
    let second = &report.files[1];
    assert!(ids(&second.findings).contains(&"sysctl.amps.aio_max_nr"));
    assert_eq!(
        second.findings.iter().find(|f| f.id == "sysctl.amps.aio_max_nr").unwrap().fix.as_deref(),
        Some("fs.aio-max-nr = 1048576")
    );
    assert!(report.has_errors());
}

#[test]
fn t1_micro_is_diagnosed_from_its_own_log_and_config() {
    let r = check_text(T1_PCMON.0, T1_PCMON.1, None, &Context::default()).unwrap();
    assert_eq!(r.format, Some(Format::GemstoneLog));
    assert_eq!(ids(&r.findings), ["gemstone.log.shmget_einval"]);
    let f = &r.findings[0];
    assert!(f.message.contains("errno=22 (EINVAL)"), "{}", f.message);
    assert!(f.fix.as_deref().unwrap().contains("half of RAM"), "{:?}", f.fix);
    assert_eq!(f.location.as_ref().unwrap().line, 6);
    // The cache to write is computed from the host, never the post's 307200.
    let host = t1_micro();
    let ctx = Context { host: Some(&host), needs: None };
    let on_host = check_text(T1_PCMON.0, T1_PCMON.1, None, &ctx).unwrap();
    let fix = on_host.findings[0].fix.clone().unwrap();
    assert!(fix.ends_with("SHR_PAGE_CACHE_SIZE_KB = 271360;"), "{fix}");
    let big = Host { ram: Bytes(4 << 30), ..t1_micro() };
    let big_ctx = Context { host: Some(&big), needs: None };
    let on_big = check_text(T1_PCMON.0, T1_PCMON.1, None, &big_ctx).unwrap();
    let fix = on_big.findings[0].fix.clone().unwrap();
    // 4 GiB / 100 x 50 = 2147483600 B; / 110 x 100 = 1952257800 B of cache;
    // whole MiB: 1861 x 1024 KiB.
    assert!(fix.ends_with("SHR_PAGE_CACHE_SIZE_KB = 1905664;"), "{fix}");
    // The default config on the 613 MB host names EINVAL; the fix passes.
    let bad = check_text(T1_DEFAULT.0, T1_DEFAULT.1, None, &ctx).unwrap();
    assert_eq!(bad.format, Some(Format::GemstoneConf));
    assert_eq!(ids(&bad.findings), ["gemstone.page_cache.ram"]);
    assert!(bad.findings[0].message.contains("EINVAL"));
    // gemstone::recommended_kb: half of RAM, less the 10% segment overhead, whole MiB.
    assert_eq!(bad.findings[0].fix.as_deref(), Some("SHR_PAGE_CACHE_SIZE_KB = 271360;"));
    let good = check_text(T1_CONF.0, T1_CONF.1, None, &ctx).unwrap();
    assert!(good.findings.is_empty(), "{:#?}", good.findings);
}

#[test]
fn vps_mycnf_by_version() {
    let check = |v: &str| {
        let needs = mysql(v);
        let ctx = Context { host: None, needs: Some(&needs) };
        check_text(VPS_MYCNF.0, VPS_MYCNF.1, None, &ctx).unwrap()
    };
    let old = check("5.5.38");
    assert_eq!(old.format, Some(Format::Mycnf));
    assert!(old.findings.is_empty(), "{:#?}", old.findings);
    let new = check("8.0.36");
    assert_eq!(
        ids(&new.findings),
        ["mycnf.skip_innodb", "mycnf.removed_variable", "mycnf.removed_variable"]
    );
    assert_eq!(new.findings[1].location.as_ref().unwrap().line, 6);
    let key_buffer = old.values.iter().find(|s| s.key == "key_buffer_size").unwrap();
    assert_eq!(key_buffer.value, "2M");
    assert_eq!(headroom_core::validate::mycnf::parse_size("64K"), Some(65_536));
}

#[test]
fn sysctl_a_output_is_read_like_sysctl_conf() {
    let needs = amps();
    let ctx = Context { host: None, needs: Some(&needs) };
    let r = check_text(SYSCTL_A.0, SYSCTL_A.1, None, &ctx).unwrap();
    assert_eq!(r.format, Some(Format::Sysctl));
    // The kernel's defaults: AMPS minimums met, recommendations not; the
    // near-2^64 shmmax/shmall defaults are not mistaken for bytes in shmall.
    assert_eq!(
        ids(&r.findings),
        [
            "sysctl.amps.aio_max_nr.recommended",
            "sysctl.amps.file_max.recommended",
            "sysctl.amps.max_map_count.recommended"
        ]
    );
    let tcp_mem = r.values.iter().find(|s| s.key == "net.ipv4.tcp_mem").unwrap();
    assert_eq!(tcp_mem.value.split(' ').count(), 3, "tabs read as separators");
}

#[test]
fn vps_peak_memory_figures() {
    let host = vps();
    let ctx = Context { host: Some(&host), needs: None };
    let text = format!("{}max_connections = 270\n", VPS_MYCNF.1);
    let r = check_text("my.cnf", &text, None, &ctx).unwrap();
    let f = r.findings.iter().find(|f| f.id == "mycnf.peak_memory").unwrap();
    // tuning-primer 1.99 has no tmp-table term: 2 MiB key + 2 MiB query
    // cache = 4194304 B global; per thread 128K read + 256K read_rnd + 256K
    // sort + 256K join + 64K stack + 32K binlog (log_bin is on in MySQL 8).
    assert!(
        f.message.contains(
            "278462464 B (4194304 B global + 270 connections x 1015808 B per thread, tuning-primer"
        ),
        "{}",
        f.message
    );
    assert_eq!(f.fix.as_deref(), Some("max_connections = 220"));
    assert_eq!(f.location.as_ref().unwrap().line, 8);
}

/// The Aerospike docs' own config (key 0xA7000000, 16 nodes, 8 namespaces)
/// needs 531,320 B in that key's layout, while the docs' `ipcs -m` shows
/// 263,224 B (the 2014 layout): a client of that layout could not attach.
#[test]
fn aerospike_docs_config_against_docs_ipcs() {
    // The docs' 263,224 B is the 3.0.84 layout of their own settings: with
    // no release named, the key does not tell one, and any release's size is
    // consistent.
    let files = [(AS_CONF.0, AS_CONF.1, None), (AS_IPCS.0, AS_IPCS.1, None)];
    let report = check_files(&files, &Context::default()).unwrap();
    assert_eq!(report.files[1].format, Some(Format::Ipcs));
    assert_eq!(report.all_findings().count(), 0);
    // A plan for the current client needs 531,576 B: the old segment must go.
    let needs = Needs { aerospike_segment: Some(Bytes(531_576)), ..Needs::default() };
    let report = check_files(&files, &Context { needs: Some(&needs), host: None }).unwrap();
    let f: Vec<_> = report.all_findings().collect();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].id, "aerospike.shm.size_mismatch");
    assert!(
        f[0].message.contains("is 263224 B but the client's settings need 531576 B"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].location.as_ref().unwrap().line, 3);
    assert!(f[0].fix.as_deref().unwrap().contains("ipcrm -M 0xA7000000"));
}

#[test]
fn db_versions() {
    let v = |s| DbVersion::parse(s).unwrap();
    assert_eq!(v("8.0.36"), DbVersion { mariadb: false, major: 8, minor: 0, patch: 36 });
    assert_eq!(v("10.11.6-MariaDB"), DbVersion { mariadb: true, major: 10, minor: 11, patch: 6 });
    assert_eq!(v("mysql 5.7"), DbVersion { mariadb: false, major: 5, minor: 7, patch: 0 });
    assert!(DbVersion::parse("latest").is_err());
}

#[test]
fn unrecognised_text_says_so_and_forced_formats_apply() {
    let err = check_text("x", "lorem ipsum\n", None, &Context::default()).unwrap_err();
    assert_eq!(err, ValidateError::Unrecognised { name: "x".into() });
    assert!(err.to_string().contains("--as"), "{err}");
    let forced =
        check_text("x", "fs.file-max = 10\n", Some(Format::Limits), &Context::default()).unwrap();
    assert_eq!(ids(&forced.findings), ["limits.syntax"]);
    assert_eq!(Format::parse("nope"), Err(ValidateError::UnknownFormat { name: "nope".into() }));
    for f in Format::ALL {
        assert_eq!(Format::parse(f.name()), Ok(*f));
    }
}

/// The page checks pasted text on the main thread: a 4 MiB paste of repeated
/// keys, domains or sections must stay linear.
#[test]
fn large_inputs_stay_linear() {
    let started = std::time::Instant::now();
    let cases = [
        ("fs.file-max = 1\n".repeat(200_000), Format::Sysctl),
        ((0..150_000).map(|i| format!("u{i} soft nofile 1\n")).collect(), Format::Limits),
        ("[c]\n".repeat(500_000), Format::AerospikeConf),
        ("0x1 1 r 666 1 0\n".repeat(200_000), Format::Ipcs),
    ];
    let needs = Needs { aerospike_segment: Some(Bytes(2)), ..Needs::default() };
    let ctx = Context { host: None, needs: Some(&needs) };
    for (text, format) in &cases {
        check_text("big", text, Some(*format), &ctx).unwrap();
    }
    assert!(started.elapsed().as_secs() < 60, "took {:?}", started.elapsed());
}

#[test]
fn huge_input_is_a_typed_error() {
    let big = "a".repeat(5 << 20);
    assert!(matches!(
        check_text("big", &big, None, &Context::default()),
        Err(ValidateError::TooLarge { .. })
    ));
}

#[test]
fn findings_point_at_real_lines() {
    // Every finding with a location points inside its file.
    for (rule, triggers, _) in table() {
        for c in &triggers {
            for f in c.run() {
                let Some(loc) = f.location else { continue };
                let Some((_, text, _)) = c.files.iter().find(|(n, _, _)| *n == loc.file) else {
                    assert!(c.masked.contains(&loc.file), "{}: {}", rule.id, loc.file);
                    continue;
                };
                let lines = u32::try_from(text.lines().count()).unwrap().max(1);
                assert!(
                    loc.line >= 1 && loc.line <= lines,
                    "{}: {} line {}",
                    rule.id,
                    f.id,
                    loc.line
                );
            }
        }
    }
}

const FRAGMENTS: &[&str] = &[
    "[mysqld]",
    "[Service]",
    "LimitNOFILE=",
    "* soft nofile ",
    "fs.file-max = ",
    "=",
    ";",
    "#",
    "\n",
    "<AMPSConfig>",
    "</AMPSConfig>",
    "<SlabSize>",
    "shmget() errno=22,EINVAL",
    "0xA7000000 1 root 666 ",
    "SHR_PAGE_CACHE_SIZE_KB = ",
    "!include ",
    "net.ipv4.tcp_mem = ",
    "Max open files ",
    "unlimited",
    "18446744073709551615",
    "99999999999999999999",
    "-1",
    ":",
    " ",
    "\u{feff}",
    "é",
];

proptest! {
    #[test]
    fn any_text_yields_findings_or_a_typed_error(
        parts in proptest::collection::vec(prop_oneof![
            proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
            ".{0,12}",
        ], 0..40),
        format in proptest::option::of(proptest::sample::select(Format::ALL)),
        ram in any::<u64>(),
        nofile in proptest::option::of(any::<u64>()),
    ) {
        let text: String = parts.concat();
        let host = Host { ram: Bytes(ram), kernel: Kernel { shmmax: Some(Bytes(ram / 3)), shmall: Some(Count(ram)), ..Kernel::default() }, ..Host::default() };
        let needs = Needs { amps: true, nofile, connections: nofile, tcp_memory: Some(Bytes(ram)), max_message_size: Some(Bytes(ram)), aerospike_segment: Some(Bytes(ram)), aerospike_nodes: nofile, db_version: Some(DbVersion { mariadb: false, major: 8, minor: 0, patch: 36 }), ..Needs::default() };
        let ctx = Context { host: Some(&host), needs: Some(&needs) };
        match check_text("fuzz", &text, format, &ctx) {
            Ok(r) => {
                for f in &r.findings {
                    prop_assert!(rules::by_id(f.id).is_some(), "{} not in RULES", f.id);
                }
            }
            // Only detection may fail: a forced format always reads.
            Err(e) => prop_assert!(format.is_none() && e == ValidateError::Unrecognised { name: "fuzz".into() }, "{e}"),
        }
        match check_files(&[("a", &text, format), ("b", &text, None)], &ctx) {
            Ok(r) => prop_assert_eq!(r.files.len(), 2),
            Err(e) => prop_assert!(matches!(e, ValidateError::Unrecognised { .. }), "{e}"),
        }
    }
}

#[test]
fn severities_are_ordered_for_exit_codes() {
    assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
}

/// Every stock file in testdata/configs/debian/ (see its README for the
/// packages and versions) is recognised from its path and has no finding of
/// severity error on its own, as the system would read it.
#[test]
fn debian_stock_files_have_no_false_errors() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/configs/debian");
    let mut stack = vec![root.clone()];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            if !meta.is_file() {
                continue; // masked units: dumptool's tests
            }
            let name = path.strip_prefix(&root).unwrap().to_str().unwrap().to_string();
            let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
            let r = check_text(&name, &text, None, &Context::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let errors: Vec<&Finding> =
                r.findings.iter().filter(|f| f.severity == Severity::Error).collect();
            assert!(errors.is_empty(), "{name}: {errors:#?}");
            seen += 1;
        }
    }
    assert!(seen >= 20, "{seen} files");
}

fn debian(path: &str) -> (String, String) {
    let p = format!("{}/../testdata/configs/debian/{path}", env!("CARGO_MANIFEST_DIR"));
    (path.to_string(), std::fs::read_to_string(p).unwrap())
}

#[test]
fn systemd_backslash_continuation_joins_lines() {
    let (name, text) = debian("mariadb-server/lib/systemd/system/mariadb.service");
    let r = check_text(&name, &text, None, &Context::default()).unwrap();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    let exec = r.values.iter().find(|s| s.key == "Service.ExecStart").unwrap();
    // Three physical lines, one setting, at its first line.
    assert!(exec.value.contains("VAR= ||   VAR=`/usr/bin/galera_recovery`"), "{}", exec.value);
    let nofile = r.values.iter().find(|s| s.key == "Service.LimitNOFILE").unwrap();
    assert_eq!((nofile.value.as_str(), nofile.location.line), ("32768", 147));
    let cont = "[Service]\nExecStart=/bin/x \\\n# a comment inside\n  --flag\nLimitNOFILE=10\n";
    let r = check_text("x.service", cont, None, &Context::default()).unwrap();
    assert_eq!(r.values[0].value, "/bin/x    --flag");
    assert_eq!(r.values[1].location.line, 5);
}

#[test]
fn a_bom_hides_no_first_line() {
    let r = check_text("s.conf", "\u{feff}net.ipv4.tcp_tw_recycle=1\n", None, &Context::default())
        .unwrap();
    assert_eq!(ids(&r.findings), ["sysctl.tcp_tw_recycle.removed"]);
    let unit = "\u{feff}[Unit]\nDescription=x\n[Service]\nLimitNOFILE=65536\n";
    let r = check_text("x.service", unit, None, &Context::default()).unwrap();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn limits_inline_comments_are_cut_as_pam_limits_does() {
    let text = "build  soft  nofile  4096   # CI jobs\nbuild  hard  nofile  8192 # ...\n";
    let r = check_text("90-build.conf", text, None, &Context::default()).unwrap();
    assert_eq!(r.format, Some(Format::Limits));
    assert!(r.findings.iter().all(|f| f.severity != Severity::Error), "{:#?}", r.findings);
    assert_eq!(r.values[1].value, "8192");
}

#[test]
fn unlimited_nofile_means_nr_open() {
    // limits.conf(5): nofile unlimited is set to /proc/sys/fs/nr_open.
    let r = check_text("l.conf", "* hard nofile unlimited\n", None, &Context::default()).unwrap();
    assert!(r.findings.iter().all(|f| f.severity != Severity::Error), "{:#?}", r.findings);
    // ... so a soft limit above nr_open is still above the hard one.
    let text = "* soft nofile 2000000\n* hard nofile unlimited\n";
    let r = check_text("l.conf", text, None, &Context::default()).unwrap();
    assert!(ids(&r.findings).contains(&"limits.soft_above_hard"), "{:#?}", r.findings);
    // A need above nr_open is not met by unlimited.
    let needs = Needs { nofile: Some(2_000_000), ..Needs::default() };
    let ctx = Context { host: None, needs: Some(&needs) };
    let r = check_text("l.conf", "* - nofile unlimited\n", None, &ctx).unwrap();
    assert!(ids(&r.findings).contains(&"limits.nofile.below_need"), "{:#?}", r.findings);
}

#[test]
fn systemd_infinity_is_nr_open_and_explained() {
    let (name, text) = debian("containerd/lib/systemd/system/containerd.service");
    let r = check_text(&name, &text, None, &Context::default()).unwrap();
    assert_eq!(ids(&r.findings), ["systemd.nofile.infinity"]);
    assert!(r.findings[0].message.contains("fs.nr_open (1048576"), "{}", r.findings[0].message);
    let needs = Needs { nofile: Some(2_000_000), ..Needs::default() };
    let ctx = Context { host: None, needs: Some(&needs) };
    let r = check_text(&name, &text, None, &ctx).unwrap();
    let f = r.findings.iter().find(|f| f.id == "systemd.nofile.below_need").unwrap();
    assert!(f.message.contains("1048576 open files"), "{}", f.message);
}

#[test]
fn mycnf_comment_after_a_value_is_cut() {
    let text = "[mysqld]\nkey-buffer-size = 16M#comment\nsocket = \"/run/a#b.sock\" # q\n";
    let r = check_text("my.cnf", text, None, &Context::default()).unwrap();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.values[0].value, "16M");
    assert_eq!(r.values[1].value, "/run/a#b.sock");
}

#[test]
fn two_unrelated_units_are_judged_apart_and_dropins_join_their_unit() {
    let needs = Needs { nofile: Some(65_536), ..Needs::default() };
    let ctx = Context { host: None, needs: Some(&needs) };
    let a = ("a.service", "[Service]\nExecStart=/a\nLimitNOFILE=1024\n", None);
    let b = ("b.service", "[Service]\nExecStart=/b\nLimitNOFILE=65536\n", None);
    let r = check_files(&[a, b], &ctx).unwrap();
    assert_eq!(ids(&r.files[0].findings), ["systemd.nofile.below_need"]);
    assert!(r.files[1].findings.is_empty(), "{:#?}", r.files[1].findings);
    // a's drop-in raises a, and is read after a whatever the order given.
    let dropin =
        ("/etc/systemd/system/a.service.d/nofile.conf", "[Service]\nLimitNOFILE=65536\n", None);
    let r = check_files(&[dropin, b, a], &ctx).unwrap();
    assert!(!r.has_errors(), "{:#?}", r);
    // A template's drop-in applies to its instances.
    let inst = ("x@1.service", "[Service]\nLimitNOFILE=1024\n", None);
    let tmpl = ("x@.service.d/n.conf", "[Service]\nLimitNOFILE=65536\n", None);
    assert!(!check_files(&[inst, tmpl], &ctx).unwrap().has_errors());
}

#[test]
fn mycnf_files_are_one_server_configuration() {
    let host = vps();
    let ctx = Context { host: Some(&host), needs: None };
    let server = ("50-server.cnf", "[mysqld]\nmax_connections = 5\n", None);
    let tune = (
        "60-tune.cnf",
        "[mysqld]\nkey_buffer_size = 8M\ninnodb_buffer_pool_size = 32M\nsort_buffer_size = 256K\n",
        None,
    );
    let together = "[mysqld]\nmax_connections = 5\nkey_buffer_size = 8M\ninnodb_buffer_pool_size = 32M\nsort_buffer_size = 256K\n";
    let one = check_text("my.cnf", together, None, &ctx).unwrap();
    let split = check_files(&[server, tune], &ctx).unwrap();
    let split_ids: Vec<&str> = split.all_findings().map(|f| f.id).collect();
    assert_eq!(split_ids, ids(&one.findings));
    assert!(!split.has_errors(), "{:#?}", split);
    assert_eq!(split_ids, Vec::<&str>::new());
    // Alone, the buffers meet MySQL's default 151 connections and the peak
    // passes 85% of the 256 MB: judged apart, the files disagree.
    let tune_only = check_files(&[tune], &ctx).unwrap();
    let ids_alone: Vec<&str> = tune_only.all_findings().map(|f| f.id).collect();
    assert_eq!(ids_alone, ["mycnf.peak_memory.high"]);
}

#[test]
fn client_only_mycnf_is_never_judged_as_a_server() {
    let host = vps();
    let needs = mysql("mariadb 10.11");
    let ctx = Context { host: Some(&host), needs: Some(&needs) };
    for path in [
        "mysql-common/etc/mysql/conf.d/mysqldump.cnf",
        "mariadb-client/etc/mysql/mariadb.conf.d/50-client.cnf",
        "mariadb-client/etc/mysql/mariadb.conf.d/50-mysql-clients.cnf",
    ] {
        let (name, text) = debian(path);
        let r = check_text(&name, &text, None, &ctx).unwrap();
        assert!(r.findings.is_empty(), "{name}: {:#?}", r.findings);
    }
    // [galera] is a server group: its settings count.
    let (name, text) = debian("mariadb-client/etc/mysql/mariadb.conf.d/60-galera.cnf");
    let text = text.replace("#innodb_autoinc_lock_mode = 2", "max_connections = 5000");
    let r = check_text(&name, &text, None, &ctx).unwrap();
    assert_eq!(ids(&r.findings), ["mycnf.peak_memory"]);
}

#[test]
fn repeated_identical_findings_collapse_with_a_count() {
    let text = "net.ipv4.tcp_fin_timeout = 10\n".repeat(100_000);
    let r = check_text("s.conf", &text, None, &Context::default()).unwrap();
    let overrides: Vec<&Finding> =
        r.findings.iter().filter(|f| f.id == "sysctl.override").collect();
    assert_eq!(overrides.len(), 1);
    assert!(
        overrides[0].message.ends_with("(99999 times; the first is shown)"),
        "{}",
        overrides[0].message
    );
    assert_eq!(overrides[0].location.as_ref().unwrap().line, 1);
}

#[test]
fn deep_amps_xml_is_refused_without_overflowing_the_stack() {
    // 14,000 levels, 98 KB: the file that aborted the process.
    let text = format!("<AMPSConfig>{}", "<a>".repeat(14_000));
    let r = check_text("amps.xml", &text, None, &Context::default()).unwrap();
    assert_eq!(ids(&r.findings), ["amps_xml.syntax"]);
    assert!(r.findings[0].message.contains("nested more than 256"), "{}", r.findings[0].message);
}

#[test]
fn tcp_mem_in_bytes_is_named() {
    let host = ec2_large();
    let ctx = Context { host: Some(&host), needs: None };
    let r =
        check_text("s.conf", "net.ipv4.tcp_mem = 8388608 12582912 16777216\n", None, &ctx).unwrap();
    assert_eq!(ids(&r.findings), ["sysctl.tcp_mem.bytes"]);
    // Each value divided by the 4096 B page is 2048 3072 4096: 16 MiB of TCP
    // memory for the whole host, far below what the kernel sets by itself
    // for its 1,913,138 pages (limit 119,571: 3/4, 1 and 3/2 of it). The
    // fix never goes below that default.
    assert_eq!(r.findings[0].fix.as_deref(), Some("net.ipv4.tcp_mem = 89676 119571 179352"));
    // Bytes that, as pages, are above the default stay as converted.
    let big = "net.ipv4.tcp_mem = 2147483648 3221225472 4294967296\n";
    let r = check_text("s.conf", big, None, &ctx).unwrap();
    assert_eq!(r.findings[0].fix.as_deref(), Some("net.ipv4.tcp_mem = 524288 786432 1048576"));
    // And pressure and max at least what the connections' buffers need.
    let needs = Needs { tcp_memory: Some(Bytes(2_000_000 * 4096)), ..Needs::default() };
    let ctx = Context { host: Some(&host), needs: Some(&needs) };
    let r = check_text("s.conf", big, None, &ctx).unwrap();
    assert_eq!(r.findings[0].fix.as_deref(), Some("net.ipv4.tcp_mem = 524288 2000000 2000000"));
}

#[test]
fn mycnf_prefixes_resolve_and_unknown_names_get_the_closest() {
    let r =
        check_text("my.cnf", "[mysqld]\nkey-buffer = 16M\n", None, &Context::default()).unwrap();
    assert_eq!(r.findings[0].fix.as_deref(), Some("key_buffer_size = 16M"));
    // The resolved name is what the memory rules read.
    assert_eq!(r.values[0].key, "key_buffer_size");
    let r = check_text("my.cnf", "[mysqld]\nmax_conections = 100\n", None, &Context::default())
        .unwrap();
    assert!(
        r.findings[0].message.ends_with("did you mean max_connections?"),
        "{}",
        r.findings[0].message
    );
    // Ambiguous: a prefix of several options stops mysqld.
    let r = check_text("my.cnf", "[mysqld]\nmax_conn = 5\n", None, &Context::default()).unwrap();
    assert_eq!(ids(&r.findings), ["mycnf.ambiguous_prefix"]);
    // Hostile: 100,000 distinct unknown names stay one finding each, bounded.
    let text: String = std::iter::once("[mysqld]\n".to_string())
        .chain((0..100_000).map(|i| format!("zz{i} = 1\n")))
        .collect();
    let r = check_text("my.cnf", &text, None, &Context::default()).unwrap();
    assert_eq!(r.findings.len(), 100_000);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// One verdict for one fact: for an AMPS plan, every host value the
    /// plan calls an error (`amps.limits.*`) is an error in `check --plan`
    /// on a file holding that value, and nothing else is.
    #[test]
    fn plan_and_check_agree_on_amps_host_values(
        clients in 0u64..40_000,
        topics in 0u64..200,
        journals in 0u64..500,
        nofile in 256u64..200_000,
        aio in 1024u64..3_000_000,
        file_max in 10_000u64..10_000_000,
        maps in 10_000u64..1_000_000,
    ) {
        let toml = format!(
            "[host]\nram = \"64 GiB\"\n[host.kernel]\nnofile_soft = {nofile}\naio_max_nr = {aio}\n\
             file_max = {file_max}\nmax_map_count = {maps}\n\
             [amps.limits]\nclients = {clients}\nsow_topics = {topics}\njournal_files = {journals}\n"
        );
        let plan = headroom_core::plan::Plan::from_toml(&toml).unwrap();
        let report = headroom_core::plan::evaluate(&plan);
        let planned: BTreeSet<&str> = report
            .get(headroom_core::amps::limits::ID)
            .unwrap()
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error && f.id != "amps.limits.core")
            .map(|f| match f.id {
                "amps.limits.nofile" => "limits.nofile.below_need",
                "amps.limits.aio_max_nr" => "sysctl.amps.aio_max_nr",
                "amps.limits.file_max" => "sysctl.amps.file_max",
                "amps.limits.max_map_count" => "sysctl.amps.max_map_count",
                other => panic!("a host-value finding without a check: {other}"),
            })
            .collect();
        let needs = Needs::from_plan(&plan);
        let ctx = Context { host: Some(&plan.host), needs: Some(&needs) };
        let sysctl = format!("fs.aio-max-nr = {aio}\nfs.file-max = {file_max}\nvm.max_map_count = {maps}\n");
        let limits = format!("amps - nofile {nofile}\n");
        let r = check_files(&[("s.conf", &sysctl, None), ("limits.conf", &limits, None)], &ctx).unwrap();
        let checked: BTreeSet<&str> = r
            .all_findings()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.id)
            .collect();
        prop_assert_eq!(planned, checked);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The GemStone plan's segment against kernel.shmmax and kernel.shmall:
    /// the plan's errors and `check --plan` on a sysctl file holding the same
    /// values name the same keys.
    #[test]
    fn plan_and_check_agree_on_the_shm_segment(
        cache_kb in 1u64..4_000_000,
        shmmax in 1u64 << 20..8u64 << 30,
        shmall in 256u64..4_000_000,
    ) {
        let toml = format!(
            "[host]\nram = \"64 GiB\"\n[host.kernel]\nshmmax = {shmmax}\nshmall = {shmall}\n\
             [gemstone.page_cache]\nshr_page_cache_size_kb = {cache_kb}\n"
        );
        let plan = headroom_core::plan::Plan::from_toml(&toml).unwrap();
        let report = headroom_core::plan::evaluate(&plan);
        let planned: BTreeSet<String> = report
            .get(headroom_core::gemstone::ID)
            .unwrap()
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .filter_map(|f| f.id.rsplit('.').next().map(|k| format!("kernel.{k}")))
            .collect();
        let needs = Needs::from_plan(&plan);
        let ctx = Context { host: Some(&plan.host), needs: Some(&needs) };
        let sysctl = format!("kernel.shmmax = {shmmax}\nkernel.shmall = {shmall}\n");
        let r = check_files(&[("s.conf", &sysctl, None)], &ctx).unwrap();
        let checked: BTreeSet<String> = r
            .all_findings()
            .filter(|f| f.id == rules::SYSCTL_SHM_SEGMENT.id)
            .filter_map(|f| f.message.split(' ').next().map(str::to_string))
            .collect();
        prop_assert_eq!(planned, checked);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The Aerospike client's maxima against the cluster: the plan's
    /// cushion verdicts and `check --plan` on the client's config holding
    /// the same maxima raise the same rules with the same severities.
    #[test]
    fn plan_and_check_agree_on_the_aerospike_cushion(
        nodes in 1u64..64, max_nodes in 1u64..64, namespaces in 1u64..16, max_ns in 1u64..16,
    ) {
        let toml = format!(
            "[host]\nram = \"64 GiB\"\n[aerospike.shm]\nshm_max_nodes = {max_nodes}\n\
             shm_max_namespaces = {max_ns}\ncluster_nodes = {nodes}\ncluster_namespaces = {namespaces}\n"
        );
        let plan = headroom_core::plan::Plan::from_toml(&toml).unwrap();
        let report = headroom_core::plan::evaluate(&plan);
        let cushion = [rules::AEROSPIKE_CUSHION.id, rules::AEROSPIKE_BELOW_CLUSTER.id];
        let mut planned: Vec<(&str, Severity)> = report
            .get(headroom_core::aerospike::ID)
            .unwrap()
            .findings
            .iter()
            .filter(|f| cushion.contains(&f.id))
            .map(|f| (f.id, f.severity))
            .collect();
        let needs = Needs::from_plan(&plan);
        let ctx = Context { host: Some(&plan.host), needs: Some(&needs) };
        let conf = format!(
            "use_shm = true\nshm_key = 0xA7000000\nshm_max_nodes = {max_nodes}\nshm_max_namespaces = {max_ns}\n"
        );
        let r = check_files(&[("client.conf", &conf, Some(Format::AerospikeConf))], &ctx).unwrap();
        let mut checked: Vec<(&str, Severity)> = r
            .all_findings()
            .filter(|f| cushion.contains(&f.id))
            .map(|f| (f.id, f.severity))
            .collect();
        planned.sort();
        checked.sort();
        prop_assert_eq!(planned, checked);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Local ports for a connections plan: the plan's `connections.kernel.ports`
    /// error and `check --plan` on a sysctl file holding the same port range
    /// agree, with the plan's client addresses and server ports.
    #[test]
    fn plan_and_check_agree_on_local_ports(
        conns in 1u64..2_000_000, ips in 1u64..8, ports in 1u64..8, lo in 1024u16..60_000, width in 0u16..5000,
    ) {
        let hi = lo.saturating_add(width);
        let toml = format!(
            "[host]\nram = \"64 GiB\"\n[host.kernel]\nip_local_port_range = [{lo}, {hi}]\n\
             [connections.kernel]\nconnections = {conns}\nclient_ips = {ips}\nserver_ports = {ports}\n"
        );
        let plan = headroom_core::plan::Plan::from_toml(&toml).unwrap();
        let report = headroom_core::plan::evaluate(&plan);
        let planned = report
            .get(headroom_core::connections::ID)
            .unwrap()
            .findings
            .iter()
            .any(|f| f.id == rules::CONN_PORTS.id);
        let needs = Needs::from_plan(&plan);
        let ctx = Context { host: Some(&plan.host), needs: Some(&needs) };
        let sysctl = format!("net.ipv4.ip_local_port_range = {lo} {hi}\n");
        let r = check_files(&[("s.conf", &sysctl, None)], &ctx).unwrap();
        let checked: Vec<&Finding> = r.all_findings().filter(|f| f.id == rules::CONN_PORTS.id).collect();
        prop_assert_eq!(planned, !checked.is_empty());
        prop_assert!(checked.iter().all(|f| f.severity == Severity::Error));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Socket memory for a connections plan: the plan's tcp_mem verdicts
    /// (error above max, warning above pressure) are `check --plan`'s on a
    /// sysctl file holding the same tcp_mem.
    #[test]
    fn plan_and_check_agree_on_tcp_mem(
        active in 1u64..2_000_000, buffer in 1u64..65_536, min in 1u64..100_000,
        pressure in 0u64..2_000_000, max in 0u64..4_000_000,
    ) {
        let (pressure, max) = (min + pressure, min + pressure + max);
        let toml = format!(
            "[host]\nram = \"64 GiB\"\n[host.kernel]\ntcp_mem = [{min}, {pressure}, {max}]\n\
             [connections.kernel]\nconnections = {active}\nactive_connections = {active}\n\
             buffer_per_active = {buffer}\nclient_ips = 100\n"
        );
        let plan = headroom_core::plan::Plan::from_toml(&toml).unwrap();
        let report = headroom_core::plan::evaluate(&plan);
        let tcp_mem = |f: &&Finding| f.id.contains("tcp_mem") && f.severity != Severity::Info;
        let planned: Vec<Severity> = report
            .get(headroom_core::connections::ID)
            .unwrap()
            .findings
            .iter()
            .filter(tcp_mem)
            .map(|f| f.severity)
            .collect();
        let needs = Needs::from_plan(&plan);
        let ctx = Context { host: Some(&plan.host), needs: Some(&needs) };
        let sysctl = format!("net.ipv4.tcp_mem = {min} {pressure} {max}\n");
        let r = check_files(&[("s.conf", &sysctl, None)], &ctx).unwrap();
        let checked: Vec<Severity> = r.all_findings().filter(tcp_mem).map(|f| f.severity).collect();
        prop_assert_eq!(planned, checked);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// fs.file-max for a connections plan: the plan's error and
    /// `check --plan`'s on a sysctl file holding the same value agree.
    #[test]
    fn plan_and_check_agree_on_file_max(
        conns in 1u64..2_000_000, procs in 1u64..64, slack in 0u64..5000,
    ) {
        // Around the need: the connections plus 64 files per process.
        let file_max = conns.saturating_sub(500) + slack;
        let toml = format!(
            "[host]\nram = \"64 GiB\"\n[host.kernel]\nfile_max = {file_max}\n\
             [connections.kernel]\nconnections = {conns}\nprocesses = {procs}\nclient_ips = 100\n"
        );
        let (planned, checked) = connections_verdicts(
            &toml, rules::CONN_FILE_MAX, &format!("fs.file-max = {file_max}\n"), rules::SYSCTL_CONN_FILE_MAX);
        prop_assert_eq!(planned, checked);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// fs.nr_open for a connections plan: the plan's error and
    /// `check --plan`'s on a sysctl file holding the same value agree.
    #[test]
    fn plan_and_check_agree_on_nr_open(
        conns in 1u64..4_000_000, procs in 1u64..8, slack in 0u64..5000,
    ) {
        let per_process = conns.div_ceil(procs);
        let nr_open = per_process.saturating_sub(2500) + slack;
        let toml = format!(
            "[host]\nram = \"64 GiB\"\n[host.kernel]\nnr_open = {nr_open}\n\
             [connections.kernel]\nconnections = {conns}\nprocesses = {procs}\nclient_ips = 100\n"
        );
        let (planned, checked) = connections_verdicts(
            &toml, rules::CONN_NR_OPEN, &format!("fs.nr_open = {nr_open}\n"), rules::SYSCTL_NR_OPEN_NEED);
        prop_assert_eq!(planned, checked);
    }
}

#[test]
fn sysctl_d_and_limits_d_are_read_in_the_systems_order() {
    let ctx = Context::default();
    // Given in reverse: sysctl.d(5) reads 10-x before 20-y whatever the directory.
    let files = [
        ("/usr/lib/sysctl.d/20-y.conf", "fs.file-max = 2\n", None),
        ("/etc/sysctl.d/10-x.conf", "fs.file-max = 1\n", None),
    ];
    let r = check_files(&files, &ctx).unwrap();
    let f: Vec<&Finding> = r.all_findings().filter(|f| f.id == "sysctl.override").collect();
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.starts_with("fs.file-max = 1 is overridden by /usr/lib/sysctl.d/20-y.conf:1"),
        "{}",
        f[0].message
    );
    // /etc masks the same name elsewhere: the masked file's removed key is never applied.
    let files = [
        ("/usr/lib/sysctl.d/50-x.conf", "net.ipv4.tcp_tw_recycle = 1\n", None),
        ("/etc/sysctl.d/50-x.conf", "fs.file-max = 2\n", None),
    ];
    let r = check_files(&files, &ctx).unwrap();
    assert_eq!(r.all_findings().map(|f| f.id).collect::<Vec<_>>(), ["sysctl.file_masked"]);
    // pam_limits: limits.conf, then limits.d by name.
    let needs = Needs { nofile: Some(4096), ..Needs::default() };
    let ctx = Context { host: None, needs: Some(&needs) };
    let files = [
        ("/etc/security/limits.d/90-raise.conf", "* - nofile 4096\n", None),
        ("/etc/security/limits.conf", "* - nofile 1024\n", None),
    ];
    assert!(!check_files(&files, &ctx).unwrap().has_errors());
}

/// Whether the plan's connections result raises `planned`, and whether
/// `check --plan` on a sysctl file of `sysctl` raises `checked`.
fn connections_verdicts(
    toml: &str,
    planned: rules::Rule,
    sysctl: &str,
    checked: rules::Rule,
) -> (bool, bool) {
    let plan = headroom_core::plan::Plan::from_toml(toml).unwrap();
    let report = headroom_core::plan::evaluate(&plan);
    let result = report.get(headroom_core::connections::ID).unwrap();
    let by_plan = result.findings.iter().any(|f| f.id == planned.id);
    let needs = Needs::from_plan(&plan);
    let ctx = Context { host: Some(&plan.host), needs: Some(&needs) };
    let r = check_files(&[("s.conf", sysctl, None)], &ctx).unwrap();
    let by_check = r.all_findings().any(|f| f.id == checked.id);
    (by_plan, by_check)
}
