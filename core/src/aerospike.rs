//! Aerospike C client shared memory segment (result id `aerospike.shm`).

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::gemstone::{segment_vs_host, SegmentRules};
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{CalcError, CalcResult, Quantity, Source, Term, Unit};
use crate::units::{Bytes, Count};
use crate::validate::rules;

pub const ID: &str = "aerospike.shm";

pub const SOURCE: Source = Source {
    document: "Aerospike C client, shared memory (shared source 002); aerospike-client-c \
               src/include/aerospike/as_shm_cluster.h and src/main/aerospike/as_config.c",
    section: "as_shm_cluster / as_node_shm / as_partition_table_shm / as_partition_shm",
};

pub const FORMULA: &str = "sizeof(cluster) + nodes·sizeof(node) + namespaces·(sizeof(table \
                           header) + 4096·sizeof(partition))";

/// Partitions per namespace in every Aerospike release.
pub const PARTITIONS: u64 = 4096;

/// Struct sizes of one shared memory layout, bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub name: &'static str,
    pub cluster: u64,
    pub node: u64,
    pub table_header: u64,
    pub partition: u64,
}

/// The 2014 layout (default keys before 0xA7000000, e.g. 0xA5000000):
/// 56 + 48·nodes + (32 + 4096·8)·namespaces. Checked against as_shm_cluster.h at
/// commit 002824473800a3cfcfd5717d37ae7d3bbf941a56 ("as_node_shm ... 48 bytes",
/// "as_partition_shm ... 8 bytes", "as_partition_table_shm ... 32 bytes + partitions";
/// as_cluster_shm: u64 + 9·u32 + spinlock + 2·u8 + pad[6] = 56).
pub const LAYOUT_2014: Layout =
    Layout { name: "2014", cluster: 56, node: 48, table_header: 32, partition: 8 };
/// Default key 0xA7000000.
pub const LAYOUT_A7: Layout =
    Layout { name: "0xA7000000", cluster: 56, node: 416, table_header: 40, partition: 16 };
/// Default key 0xA8000000: the node grew to 424 bytes.
pub const LAYOUT_A8: Layout = Layout { node: 424, name: "0xA8000000", ..LAYOUT_A7 };
/// Newest layout (default key 0xA9000000): node 432 bytes.
pub const LAYOUT_A9: Layout = Layout { node: 432, name: "0xA9000000", ..LAYOUT_A7 };

/// The layout a client with this default `shm_key` uses; each layout change
/// bumped the default key.
pub fn layout_for_key(key: u64) -> Layout {
    match key {
        k if k < 0xA700_0000 => LAYOUT_2014,
        k if k < 0xA800_0000 => LAYOUT_A7,
        k if k < 0xA900_0000 => LAYOUT_A8,
        _ => LAYOUT_A9,
    }
}

/// Each layout's default `shm_key`, as the page offers them (value, label).
pub const SHM_KEYS: &[(&str, &str)] = &[
    ("2835349504", "0xA9000000 (newest client default)"),
    ("2818572288", "0xA8000000"),
    ("2801795072", "0xA7000000"),
    ("2768240640", "0xA5000000 (2014 layout)"),
];

/// Client configuration (`as_config`) and the real cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// shm_key; the struct layout follows the client's default key. Default
    /// 0xA9000000 (2835349504), the newest client default.
    pub shm_key: u64,
    /// shm_max_nodes, count. Default 16 (client default).
    pub shm_max_nodes: Count,
    /// shm_max_namespaces, count. Default 8 (client default).
    pub shm_max_namespaces: Count,
    /// Nodes the cluster really has, count; 0 = unknown. Default 0.
    pub cluster_nodes: Count,
    /// Namespaces the cluster really has, count; 0 = unknown. Default 0.
    pub cluster_namespaces: Count,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            shm_key: 0xA900_0000,
            shm_max_nodes: Count(16),
            shm_max_namespaces: Count(8),
            cluster_nodes: Count(0),
            cluster_namespaces: Count(0),
        }
    }
}

/// Segment bytes for `layout`, or None on overflow.
pub fn segment_size(layout: Layout, nodes: u64, namespaces: u64) -> Option<u64> {
    let per_ns = layout.partition.checked_mul(PARTITIONS)?.checked_add(layout.table_header)?;
    layout
        .cluster
        .checked_add(layout.node.checked_mul(nodes)?)?
        .checked_add(per_ns.checked_mul(namespaces)?)
}

/// The client's segment is judged as GemStone's is, under its own rules.
pub const SEGMENT_RULES: SegmentRules = SegmentRules {
    shmmin: rules::AEROSPIKE_SHMMIN,
    shmmax: rules::AEROSPIKE_SHMMAX,
    shmall: rules::AEROSPIKE_SHMALL,
    ram: rules::AEROSPIKE_RAM,
};

/// The segment the client creates, checked against the host and the cluster.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let layout = layout_for_key(input.shm_key);
    let (nodes, ns) = (input.shm_max_nodes.get(), input.shm_max_namespaces.get());
    let overflow = |f: &str| CalcError::Overflow { field: f.into() };
    let node_bytes = layout.node.checked_mul(nodes).ok_or_else(|| overflow("shm_max_nodes"))?;
    let per_ns = layout.table_header + PARTITIONS * layout.partition;
    let ns_bytes = per_ns.checked_mul(ns).ok_or_else(|| overflow("shm_max_namespaces"))?;
    let segment = segment_size(layout, nodes, ns).ok_or_else(|| overflow("shm_max_namespaces"))?;
    let why = "source 002: the client sizes the segment from shm_max_nodes and \
               shm_max_namespaces when it creates it";
    let mut findings = segment_vs_host(&SEGMENT_RULES, Bytes(segment), host);
    let key = input.shm_key;
    for (real, max, what, field) in [
        (input.cluster_nodes.get(), nodes, "nodes", "shm_max_nodes"),
        (input.cluster_namespaces.get(), ns, "namespaces", "shm_max_namespaces"),
    ] {
        if real == 0 {
            continue;
        }
        let (rule, msg) = if real > max {
            (
                &rules::AEROSPIKE_BELOW_CLUSTER,
                format!("the cluster has {real} {what}, more than {field} = {max}"),
            )
        } else if real == max {
            (
                &rules::AEROSPIKE_CUSHION,
                format!("no cushion: {real} {what} = {field}; growth needs a new segment"),
            )
        } else {
            continue;
        };
        findings.push(
            Finding::new(rule, msg)
                .why(why)
                .fix(format!("config.{field} = {};", real.saturating_mul(2))),
        );
    }
    findings.push(
        Finding::new(
            &rules::AEROSPIKE_KEY_PER_CLUSTER,
            "use one shm_key per cluster: clients of different clusters must not share a segment",
        )
        .why(why),
    );
    findings.push(
        Finding::new(
            &rules::AEROSPIKE_RESIZE,
            "changing the maxima needs a new segment: stop every client process and remove it, \
             or roll out with a new shm_key",
        )
        .why(why)
        .fix(format!("ipcrm -M {key:#X}")),
    );
    Ok(CalcResult {
        id: ID,
        title: CALCULATOR.title,
        formula: FORMULA,
        source: SOURCE,
        quantities: vec![Quantity {
            name: "segment",
            label: "Shared memory segment",
            value: segment,
            unit: Unit::Bytes,
        }],
        terms: vec![
            Term {
                symbol: "cluster",
                label: "cluster header",
                value: layout.cluster,
                unit: Unit::Bytes,
            },
            Term {
                symbol: "nodes·node",
                label: "node slots",
                value: node_bytes,
                unit: Unit::Bytes,
            },
            Term {
                symbol: "namespaces·(header + 4096·partition)",
                label: "partition tables",
                value: ns_bytes,
                unit: Unit::Bytes,
            },
        ],
        findings,
    })
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "Aerospike client shared memory",
    system: System::Aerospike,
    source: SOURCE,
    formula: FORMULA,
    notes: "The struct layout follows the client version, chosen by the default shm_key of that version.",
    capacity: Capacity::Ram,
    fields: &[
        Field::new("shm_key", "shm_key", Kind::Choice(SHM_KEYS), "The client's default key; it decides the struct layout."),
        Field::new("shm_max_nodes", "shm_max_nodes", Kind::Count, "Node slots the client reserves; client default 16."),
        Field::new("shm_max_namespaces", "shm_max_namespaces", Kind::Count, "Namespace slots the client reserves; client default 8."),
        Field::new("cluster_nodes", "Nodes in the cluster", Kind::Count, "The real cluster's node count; 0 if unknown."),
        Field::new("cluster_namespaces", "Namespaces in the cluster", Kind::Count, "The real cluster's namespace count; 0 if unknown."),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "segment", unit: Unit::Bytes, meaning: "sizeof(cluster) + nodes·sizeof(node) + namespaces·(table header + 4096 partitions)" },
    ],
    findings: &[
        rules::AEROSPIKE_SHMMIN,
        rules::AEROSPIKE_SHMMAX,
        rules::AEROSPIKE_SHMALL,
        rules::AEROSPIKE_RAM,
        rules::AEROSPIKE_BELOW_CLUSTER,
        rules::AEROSPIKE_CUSHION,
        rules::AEROSPIKE_KEY_PER_CLUSTER,
        rules::AEROSPIKE_RESIZE,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use proptest::prelude::*;

    fn seg(key: u64) -> u64 {
        let r = evaluate(&Input { shm_key: key, ..Input::default() }, &Host::default()).unwrap();
        r.quantity("segment").unwrap()
    }

    #[test]
    fn default_segments_of_every_layout() {
        assert_eq!(seg(0xA500_0000), 263_224);
        assert_eq!(seg(0xA700_0000), 531_320);
        assert_eq!(seg(0xA800_0000), 531_448);
        assert_eq!(seg(0xA900_0000), 531_576);
    }

    #[test]
    fn cushion_and_shmmax() {
        let mut host = Host::default();
        host.kernel.shmmax = Some(Bytes(500_000));
        let input =
            Input { cluster_nodes: Count(16), cluster_namespaces: Count(9), ..Input::default() };
        let r = evaluate(&input, &host).unwrap();
        let ids: Vec<(&str, Severity)> = r.findings.iter().map(|f| (f.id, f.severity)).collect();
        assert_eq!(
            ids,
            [
                ("aerospike.shm.shmmax", Severity::Error),
                ("aerospike.shm.cushion", Severity::Warning),
                ("aerospike.shm.below_cluster", Severity::Error),
                ("aerospike.shm.key_per_cluster", Severity::Info),
                ("aerospike.shm.resize", Severity::Info),
            ]
        );
        assert_eq!(r.findings[4].fix.as_deref(), Some("ipcrm -M 0xA9000000"));
        let ok = evaluate(&Input { cluster_nodes: Count(4), ..Input::default() }, &Host::default());
        assert!(ok.unwrap().findings.iter().all(|f| f.severity == Severity::Info));
    }

    proptest! {
        #[test]
        fn any_input_ok_or_typed(key in any::<u64>(), n in any::<u64>(), s in any::<u64>()) {
            let input = Input { shm_key: key, shm_max_nodes: Count(n), shm_max_namespaces: Count(s),
                                cluster_nodes: Count(n), cluster_namespaces: Count(s) };
            let _ = evaluate(&input, &Host::default());
        }

        #[test]
        fn grows_with_counts(n in 0u64..1 << 30, s in 0u64..1 << 30, d in 0u64..1000) {
            for l in [LAYOUT_2014, LAYOUT_A7, LAYOUT_A8, LAYOUT_A9] {
                let base = segment_size(l, n, s).unwrap();
                prop_assert!(segment_size(l, n + d, s).unwrap() >= base);
                prop_assert!(segment_size(l, n, s + d).unwrap() >= base);
            }
        }
    }
}
