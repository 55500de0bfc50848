//! Aerospike C client shared memory: the client's settings as a small config
//! (`shm_key = 0xA7000000`, one `[cluster NAME]` section per cluster), and
//! `ipcs -m` output. Source: Aerospike C client docs, "Shared Memory", and
//! the client's own source (aerospike-client-c 7.5.0: `as_config.h`,
//! `as_config.c`, `as_cluster.c`, `as_shm_cluster.c`).

use std::collections::HashMap;

use crate::aerospike;
use crate::finding::{Finding, Location};
use crate::host::Host;

use super::{at, numbered, rules, Needs, Parsed, Setting};

/// The docs' default shm_key.
pub const DEFAULT_SHM_KEY: u64 = 0xA700_0000;
/// The largest `shm_takeover_threshold_sec` the client keeps exactly:
/// `as_shm_create` in as_shm_cluster.c (7.5.0) stores
/// `config->shm_takeover_threshold_sec * 1000` in the `uint32_t`
/// `takeover_threshold_ms`, so a larger value wraps modulo 2^32 ms.
pub const TAKEOVER_MAX_SEC: u64 = u32::MAX as u64 / 1000;
const KEYS: &[&str] =
    &["use_shm", "shm_key", "shm_max_nodes", "shm_max_namespaces", "shm_takeover_threshold_sec"];

/// One cluster's client settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    pub shm_key: u64,
    pub max_nodes: u64,
    pub max_namespaces: u64,
    /// `use_shm`; as_config.c sets it false by default, and as_cluster.c
    /// creates the segment only when it is true.
    pub use_shm: bool,
    /// The first shm_* setting written for this cluster, if any: what
    /// `use_shm = false` makes the client ignore.
    pub shm_setting: Option<String>,
    pub location: Location,
}

impl Cluster {
    /// The sizes this client's segment may have: the plan's figure when it
    /// has one (its client release is named there), else the size under
    /// every release's layout, since a key names a segment and does not tell
    /// the release.
    pub fn segments(&self, needs: &Needs) -> Vec<u64> {
        if let Some(b) = needs.aerospike_segment {
            return vec![b.get()];
        }
        let mut sizes: Vec<u64> = aerospike::Client::ALL
            .iter()
            .filter_map(|c| {
                aerospike::segment_size(c.layout(), self.max_nodes, self.max_namespaces)
            })
            .collect();
        sizes.dedup();
        sizes
    }
}

/// One row of `ipcs -m`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub key: u64,
    pub bytes: u64,
    pub location: Location,
}

fn number(v: &str) -> Option<u64> {
    let v = v.trim().trim_end_matches(';');
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

pub(crate) fn parse_conf(name: &str, text: &str, host: Option<&Host>, needs: &Needs) -> Parsed {
    let mut p = Parsed::default();
    let mut current: Option<Cluster> = None;
    let new_cluster = |cname: String, line: u32| Cluster {
        name: cname,
        shm_key: DEFAULT_SHM_KEY,
        max_nodes: 16,
        max_namespaces: 8,
        use_shm: false,
        shm_setting: None,
        location: at(name, line),
    };
    for (n, raw) in numbered(text) {
        let line = raw.split(['#', ';']).next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix('[') {
            let cname = h.trim_end_matches(']').trim().trim_start_matches("cluster").trim();
            p.aerospike.extend(current.take());
            current = Some(new_cluster(cname.to_string(), n));
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            p.findings.push(
                rules::AEROSPIKE_SYNTAX
                    .finding(format!("`{line}` is not `setting = value`"))
                    .at(at(name, n)),
            );
            continue;
        };
        let key = key.trim().trim_start_matches("config.").to_string();
        let value = value.trim().trim_end_matches(';').to_string();
        if !KEYS.contains(&key.as_str()) {
            p.findings.push(
                rules::AEROSPIKE_UNKNOWN
                    .finding(format!("`{key}` is not a shared-memory setting"))
                    .at(at(name, n)),
            );
            continue;
        }
        let c = current.get_or_insert_with(|| new_cluster("default".to_string(), n));
        if key == "use_shm" {
            // A C bool, as the docs write it: `config.use_shm = true;`.
            match value.to_ascii_lowercase().as_str() {
                "true" | "1" => c.use_shm = true,
                "false" | "0" => c.use_shm = false,
                _ => {
                    p.findings.push(
                        rules::AEROSPIKE_SYNTAX
                            .finding(format!("use_shm = {value}: not true or false"))
                            .at(at(name, n)),
                    );
                    continue;
                }
            }
        } else {
            let Some(v) = number(&value) else {
                p.findings.push(
                    rules::AEROSPIKE_SYNTAX
                        .finding(format!("{key} = {value}: not a number (hex with 0x)"))
                        .at(at(name, n)),
                );
                continue;
            };
            // as_config.h declares these 32 bits wide: a larger value wraps.
            let is_u32 = matches!(key.as_str(), "shm_key" | "shm_max_nodes" | "shm_max_namespaces");
            if is_u32 && v > u64::from(u32::MAX) {
                p.findings.push(
                    rules::AEROSPIKE_SYNTAX
                        .finding(format!("{key} = {value} is above the 32 bits as_config.h declares it with (at most {})", u32::MAX))
                        .at(at(name, n)),
                );
                continue;
            }
            match key.as_str() {
                "shm_key" => c.shm_key = v,
                "shm_max_nodes" => c.max_nodes = v,
                "shm_max_namespaces" => c.max_namespaces = v,
                _ => {}
            }
            if key == "shm_takeover_threshold_sec" && v > TAKEOVER_MAX_SEC {
                let says = if v > u64::from(u32::MAX) {
                    format!("shm_takeover_threshold_sec = {value} is above the uint32_t it is declared as in as_config.h (at most {})", u32::MAX)
                } else {
                    let ms = v.wrapping_mul(1000) % (1u64 << 32);
                    format!("shm_takeover_threshold_sec = {value}: the client multiplies it by 1000 into a uint32_t, so another process takes over after {ms} ms")
                };
                p.findings.push(
                    rules::AEROSPIKE_TAKEOVER_WRAPS
                        .finding(says)
                        .fix(format!("shm_takeover_threshold_sec of at most {TAKEOVER_MAX_SEC} (49.7 days), the largest kept exactly"))
                        .at(at(name, n)),
                );
            }
            c.shm_setting.get_or_insert_with(|| key.clone());
        }
        p.settings.push(Setting { key, value, location: at(name, n) });
    }
    p.aerospike.extend(current);
    let mut first_with_key: HashMap<u64, &Cluster> = HashMap::new();
    for c in &p.aerospike {
        if let (false, Some(setting)) = (c.use_shm, &c.shm_setting) {
            p.findings.push(
                rules::AEROSPIKE_SHM_OFF
                    .finding(format!("cluster {} sets {setting} but not use_shm = true: the client ignores the shared-memory settings and every process tends the cluster itself", c.name))
                    .fix("use_shm = true")
                    .at(c.location.clone()),
            );
        }
        let other = *first_with_key.entry(c.shm_key).or_insert(c);
        if !std::ptr::eq(other, c) {
            p.findings.push(
                rules::AEROSPIKE_SHARED_KEY
                    .finding(format!("clusters {} and {} share shm_key {:#X}: one segment holds one cluster's state", other.name, c.name, c.shm_key))
                    .fix(format!("shm_key = {:#X}", c.shm_key.saturating_add(1)))
                    .at(c.location.clone()),
            );
        }
        // The plan's verdicts (crate::aerospike::evaluate): fewer slots than
        // the cluster has is an error, exactly as many a warning.
        let cushion = |real: Option<u64>, max: u64, what: &str, key: &str| {
            real.filter(|&r| r >= max).map(|r| {
                let (rule, says) = if r > max {
                    (rules::AEROSPIKE_BELOW_CLUSTER, format!("the cluster has {r} {what}, more than {key} = {max}: the client cannot track them all"))
                } else {
                    (rules::AEROSPIKE_CUSHION, format!("{key} = {max} leaves no room above the {r} {what}: adding one means restarting every client"))
                };
                rule.finding(says)
                    .fix(format!("{key} = {}", r.saturating_mul(2).max(r.saturating_add(4))))
                    .at(c.location.clone())
            })
        };
        p.findings.extend(cushion(
            needs.aerospike_nodes,
            c.max_nodes,
            "server nodes",
            "shm_max_nodes",
        ));
        p.findings.extend(cushion(
            needs.aerospike_namespaces,
            c.max_namespaces,
            "namespaces",
            "shm_max_namespaces",
        ));
        // The plan's verdict on the same settings (crate::aerospike::evaluate).
        if let Some(seg) = c.segments(needs).into_iter().find(|&s| s > aerospike::MAX_SEGMENT) {
            p.findings.push(
                rules::AEROSPIKE_SIZE_WRAPS
                    .finding(format!("the client's segment is {seg} B, above 4 GiB - 1: the client computes its size in a uint32_t, which wraps, and creates a segment too small"))
                    .fix("lower shm_max_nodes or shm_max_namespaces")
                    .at(c.location.clone()),
            );
        }
        let shmmax = host.and_then(|h| h.kernel.shmmax).map(|b| b.get());
        // The largest size any release may make must fit.
        if let (Some(seg), Some(max)) = (c.segments(needs).into_iter().max(), shmmax) {
            if seg > max {
                p.findings.push(
                    rules::AEROSPIKE_SHMMAX
                        .finding(format!("the client's segment is {seg} B, above kernel.shmmax = {max} B: shmget fails (EINVAL)"))
                        .fix(format!("kernel.shmmax = {seg}"))
                        .at(c.location.clone()),
                );
            }
        }
    }
    p
}

/// `ipcs -m`: `key shmid owner perms bytes nattch status` rows.
pub(crate) fn parse_ipcs(name: &str, text: &str) -> Parsed {
    let mut p = Parsed::default();
    for (n, line) in numbered(text) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let Some(key) =
            f.first().and_then(|k| k.strip_prefix("0x").or_else(|| k.strip_prefix("0X")))
        else {
            continue;
        };
        let (Ok(key), Some(bytes)) =
            (u64::from_str_radix(key, 16), f.get(4).and_then(|b| b.parse().ok()))
        else {
            p.findings.push(
                rules::AEROSPIKE_SYNTAX
                    .finding(format!("`{}`: not an `ipcs -m` row", line.trim()))
                    .at(at(name, n)),
            );
            continue;
        };
        p.segments.push(Segment { key, bytes, location: at(name, n) });
        p.settings.push(Setting {
            key: format!("{key:#x}"),
            value: format!("{bytes}"),
            location: at(name, n),
        });
    }
    p
}

/// An existing segment under a cluster's key with another size: shmget fails
/// until it is removed or the key changes.
pub(crate) fn check_segments(
    clusters: &[Cluster],
    segments: &[Segment],
    needs: &Needs,
) -> Vec<Finding> {
    // Without a config, the plan's figure under the docs' default key.
    let expected: HashMap<u64, Vec<u64>> = if clusters.is_empty() {
        needs.aerospike_segment.map(|b| (DEFAULT_SHM_KEY, vec![b.get()])).into_iter().collect()
    } else {
        clusters.iter().map(|c| (c.shm_key, c.segments(needs))).collect()
    };
    segments
        .iter()
        .filter_map(|s| Some((s, expected.get(&s.key)?)))
        .filter(|(s, expected)| !expected.is_empty() && !expected.contains(&s.bytes))
        .map(|(s, expected)| {
            let need: Vec<String> = expected.iter().map(|b| format!("{b} B")).collect();
            rules::AEROSPIKE_SIZE_MISMATCH
                .finding(format!(
                    "segment {:#X} is {} B but the client's settings need {}: shmget fails until the old segment is removed or the key changes",
                    s.key, s.bytes, need.join(" or ")
                ))
                .fix(format!(
                    "one-shot: stop every client, then ipcrm -M {:#X}; rolling: shm_key = {:#X}",
                    s.key,
                    s.key.saturating_add(1)
                ))
                .at(s.location.clone())
        })
        .collect()
}
