//! The host profile a plan is sized against: what the machine has, and the
//! kernel values it runs with when the operator knows them.
//!
//! Every calculator and validator takes a [`Host`]; the page asks for it once.
//! Kernel values are optional: when a value is unknown, calculators compare
//! against what they need and say what to set, rather than assume a default.

use serde::{Deserialize, Serialize};

use crate::registry::{Field, Kind};
use crate::units::{Bytes, Count};

/// What the host's storage is made of; AMPS transaction logs above 50 MB/s
/// need flash (AMPS User Guide, ch. 25, Capacity Planning > Storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    Hdd,
    #[default]
    Ssd,
    Nvme,
}

/// The machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Host {
    /// Physical memory (`MemTotal`).
    pub ram: Bytes,
    /// Swap space; 0 for the small VPS hosts that have none.
    pub swap: Bytes,
    /// CPU cores (logical CPUs the service may use).
    pub cores: Count,
    pub storage: Storage,
    /// The kernel page size, `getconf PAGESIZE`: 4 KiB on x86-64.
    pub page_size: Bytes,
    /// Current kernel values, when known.
    pub kernel: Kernel,
}

impl Default for Host {
    fn default() -> Self {
        Host {
            ram: Bytes(16 * Bytes::GIB),
            swap: Bytes(0),
            cores: Count(8),
            storage: Storage::Ssd,
            page_size: Bytes(4096),
            kernel: Kernel::default(),
        }
    }
}

/// Kernel settings as `sysctl -a` reports them. Each is `None` when unknown.
/// Field names are the sysctl keys with the prefix dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Kernel {
    /// `kernel.shmmax`: largest shared memory segment, bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shmmax: Option<Bytes>,
    /// `kernel.shmall`: total shared memory, in pages (not bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shmall: Option<Count>,
    /// `kernel.shmmni`: number of segments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shmmni: Option<Count>,
    /// `fs.file-max`: open files system-wide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_max: Option<Count>,
    /// `fs.nr_open`: ceiling for any process's nofile hard limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nr_open: Option<Count>,
    /// `fs.aio-max-nr`: asynchronous I/O requests system-wide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aio_max_nr: Option<Count>,
    /// `vm.max_map_count`: memory maps per process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_map_count: Option<Count>,
    /// `net.ipv4.ip_local_port_range`, low and high (inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_local_port_range: Option<[u16; 2]>,
    /// `net.ipv4.tcp_mem`: min, pressure, max, in pages (not bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_mem: Option<[u64; 3]>,
    /// `net.ipv4.tcp_max_tw_buckets`: TIME_WAIT sockets kept before the
    /// kernel destroys them early.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_max_tw_buckets: Option<Count>,
    /// `net.core.somaxconn`: accept backlog ceiling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub somaxconn: Option<Count>,
    /// Soft `nofile` limit (`ulimit -n`) of the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nofile_soft: Option<Count>,
    /// Hard `nofile` limit (`ulimit -Hn`) of the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nofile_hard: Option<Count>,
    /// `ulimit -c` of the service, bytes; `None` when unknown. Unlimited is
    /// written as `"unlimited"` in a plan and read as `u64::MAX`.
    #[serde(skip_serializing_if = "Option::is_none", with = "core_limit")]
    pub core_limit: Option<Bytes>,
}

/// The storage kinds the page offers (plan value, label).
pub const STORAGES: &[(&str, &str)] = &[("hdd", "HDD"), ("ssd", "SSD"), ("nvme", "NVMe")];

/// The `[host]` fields, machine first, then the kernel values when known.
pub const FIELDS: &[Field] = &[
    Field::new("ram", "RAM", Kind::Bytes, "MemTotal, e.g. \"16 GiB\" or \"613 MB\"."),
    Field::new("swap", "Swap", Kind::Bytes, "0 when the host has none."),
    Field::new("cores", "CPU cores", Kind::Count, "Logical CPUs the services may use."),
    Field::new("page_size", "Page size", Kind::Bytes, "getconf PAGESIZE: 4 KiB on x86-64."),
    Field::new(
        "storage",
        "Storage",
        Kind::Choice(STORAGES),
        "What the logs and journals are written to.",
    ),
    Field::new(
        "kernel.shmmax",
        "kernel.shmmax",
        Kind::Bytes,
        "Largest shared memory segment, bytes.",
    )
    .optional(),
    Field::new("kernel.shmall", "kernel.shmall", Kind::Count, "Total shared memory, in pages.")
        .optional(),
    Field::new("kernel.shmmni", "kernel.shmmni", Kind::Count, "Number of shared memory segments.")
        .optional(),
    Field::new("kernel.file_max", "fs.file-max", Kind::Count, "Open files system-wide.").optional(),
    Field::new(
        "kernel.nr_open",
        "fs.nr_open",
        Kind::Count,
        "Ceiling of any process's nofile limit.",
    )
    .optional(),
    Field::new(
        "kernel.aio_max_nr",
        "fs.aio-max-nr",
        Kind::Count,
        "Asynchronous I/O requests system-wide.",
    )
    .optional(),
    Field::new("kernel.max_map_count", "vm.max_map_count", Kind::Count, "Memory maps per process.")
        .optional(),
    Field::new(
        "kernel.ip_local_port_range",
        "net.ipv4.ip_local_port_range",
        Kind::IntList,
        "Low and high port, e.g. \"32768 60999\".",
    )
    .optional(),
    Field::new(
        "kernel.tcp_mem",
        "net.ipv4.tcp_mem",
        Kind::IntList,
        "min, pressure, max in pages, e.g. \"188925 251900 377850\".",
    )
    .optional(),
    Field::new(
        "kernel.tcp_max_tw_buckets",
        "net.ipv4.tcp_max_tw_buckets",
        Kind::Count,
        "TIME_WAIT sockets kept.",
    )
    .optional(),
    Field::new("kernel.somaxconn", "net.core.somaxconn", Kind::Count, "Accept backlog ceiling.")
        .optional(),
    Field::new("kernel.nofile_soft", "nofile (soft)", Kind::Count, "ulimit -n of the service.")
        .optional(),
    Field::new("kernel.nofile_hard", "nofile (hard)", Kind::Count, "ulimit -Hn of the service.")
        .optional(),
    Field::new(
        "kernel.core_limit",
        "core limit",
        Kind::Bytes,
        "ulimit -c of the service: a size or \"unlimited\".",
    )
    .optional(),
];

#[cfg(test)]
impl Host {
    /// The default host with `cores` CPUs, for the calculators' tests.
    pub(crate) fn with_cores(cores: u64) -> Host {
        Host { cores: crate::units::Count(cores), ..Host::default() }
    }
}

impl Host {
    /// RAM and swap together: what the kernel can hand out before the OOM
    /// killer runs.
    pub fn memory_total(&self) -> Bytes {
        Bytes(self.ram.get().saturating_add(self.swap.get()))
    }

    /// kernel.shmall in bytes (pages x page size), when known.
    pub fn shmall_bytes(&self) -> Option<Bytes> {
        self.kernel.shmall.map(|p| Bytes(p.get().saturating_mul(self.page_size.get())))
    }
}

/// `core_limit = "unlimited"` or a size.
mod core_limit {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::units::{Bytes, Written};

    pub fn serialize<S: Serializer>(v: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(Bytes(u64::MAX)) => s.serialize_str("unlimited"),
            Some(b) => s.serialize_str(&b.exact()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
        let bytes = match Written::deserialize(d)? {
            Written::Text(t) if t.trim().eq_ignore_ascii_case("unlimited") => Ok(Bytes(u64::MAX)),
            w => w.whole(Bytes::parse, Bytes),
        };
        bytes.map(Some).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_round_trips_through_toml_and_json() {
        let text = r#"
            ram = "613 MB"
            cores = 1
            storage = "hdd"
            [kernel]
            shmmax = "32 MiB"
            shmall = 2097152
            ip_local_port_range = [32768, 60999]
            core_limit = "unlimited"
        "#;
        let host: Host = toml::from_str(text).unwrap();
        assert_eq!(host.ram, Bytes(613_000_000));
        assert_eq!(host.page_size, Bytes(4096));
        assert_eq!(host.kernel.core_limit, Some(Bytes(u64::MAX)));
        assert_eq!(host.shmall_bytes(), Some(Bytes(2_097_152 * 4096)));
        let back: Host = toml::from_str(&toml::to_string(&host).unwrap()).unwrap();
        assert_eq!(back, host);
        let json: Host = serde_json::from_str(&serde_json::to_string(&host).unwrap()).unwrap();
        assert_eq!(json, host);
    }

    #[test]
    fn unknown_keys_name_the_field() {
        let err = toml::from_str::<Host>("rma = \"1 GB\"").unwrap_err().to_string();
        assert!(err.contains("rma"), "{err}");
    }
}
