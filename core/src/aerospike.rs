//! Aerospike C client shared memory segment (result id `aerospike.shm`).

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::gemstone::{segment_vs_host, SegmentRules};
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{n, sum_of, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::{Bytes, Count};
use crate::validate::rules;

pub const ID: &str = "aerospike.shm";

pub const SOURCE: Source = Source {
    document: "Aerospike C client documentation, \"Shared Memory\"; aerospike-client-c \
               7.5.0 (commit 099ebc1a) and the releases named by `client_version`: \
               src/include/aerospike/as_shm_cluster.h, src/main/aerospike/as_shm_cluster.c \
               (as_shm_create) and as_config.c",
    section: "as_cluster_shm / as_node_shm / as_partition_table_shm / as_partition_shm",
    excerpt: "shm_max_nodes Set the maximum number of server nodes allowed using shared memory and the size of the fixed shared memory segment. Default: 16",
};

pub const FORMULA: &str = "sizeof(cluster) + nodes·sizeof(node) + namespaces·(sizeof(table \
                           header) + 4096·sizeof(partition))";

/// Partitions per namespace in every Aerospike release.
pub const PARTITIONS: u64 = 4096;

/// Struct sizes of one shared memory layout, bytes: `sizeof` of
/// as_cluster_shm, as_node_shm, as_partition_table_shm and as_partition_shm
/// on x86-64, from src/include/aerospike/as_shm_cluster.h of the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub cluster: u64,
    pub node: u64,
    pub table_header: u64,
    pub partition: u64,
}

/// The C client releases whose shared memory layout differs from the one
/// before (each also changed the default shm_key), from the history of
/// as_shm_cluster.h and as_config.c in aerospike/aerospike-client-c.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Client {
    /// 3.0.84 to 4.0: node = name[20], ck_swlock_t, sockaddr_in, active and
    /// pad[7] = 48; partition = master and prole = 8; table = ns[32] (commit
    /// 1f809047, default key 0xA5000000). The 2014 document's `ipcs -m`
    /// shows this layout's 263,224 B.
    #[serde(rename = "3.0.84")]
    V3_0_84,
    /// 4.1.0: sockaddr_storage, tls_name[256] and features: node 416
    /// (commit 9a772597, default key 0xA6000000).
    #[serde(rename = "4.1.0")]
    V4_1_0,
    /// 4.2.0: partition with regime and pad, 16; table ns[32], cp_mode and
    /// pad[7], 40 (commit 1b56b090, default key 0xA7000000).
    #[serde(rename = "4.2.0")]
    V4_2_0,
    /// 4.3.21: rebalance_generation and rack_id: node 424; cluster gains a
    /// spinlock and rebalance_gen, still 56 (commit 2afc2854, default key
    /// 0xA8000000).
    #[serde(rename = "4.3.21")]
    V4_3_21,
    /// 6.4.0: partition nodes[3] and regime, 16; table ns[32], replica_size,
    /// sc_mode and pad[6], 40: sizes as 4.3.21 (commit 80c79dd0, default
    /// key 0xA9000000).
    #[serde(rename = "6.4.0")]
    V6_4_0,
    /// 7.4.1 and later (7.5.0 current): as_version (4 × uint16_t) in the
    /// node, 432 (commit 994e9fe3, default key 0xAC000000).
    #[default]
    #[serde(rename = "7.4.1")]
    V7_4_1,
}

impl Client {
    /// Every release with its own layout, newest first.
    pub const ALL: [Client; 6] = [
        Client::V7_4_1,
        Client::V6_4_0,
        Client::V4_3_21,
        Client::V4_2_0,
        Client::V4_1_0,
        Client::V3_0_84,
    ];

    pub const fn layout(self) -> Layout {
        let (node, table_header, partition) = match self {
            Client::V3_0_84 => (48, 32, 8),
            Client::V4_1_0 => (416, 32, 8),
            Client::V4_2_0 => (416, 40, 16),
            Client::V4_3_21 | Client::V6_4_0 => (424, 40, 16),
            Client::V7_4_1 => (432, 40, 16),
        };
        Layout { cluster: 56, node, table_header, partition }
    }

    /// The release's default shm_key (as_config.c, `as_config_init`).
    pub const fn default_key(self) -> u64 {
        match self {
            Client::V3_0_84 => 0xA500_0000,
            Client::V4_1_0 => 0xA600_0000,
            Client::V4_2_0 => 0xA700_0000,
            Client::V4_3_21 => 0xA800_0000,
            Client::V6_4_0 => 0xA900_0000,
            Client::V7_4_1 => 0xAC00_0000,
        }
    }
}

/// The releases as the page offers them (plan value, label).
pub const CLIENTS: &[(&str, &str)] = &[
    ("7.4.1", "7.4.1 and later (current)"),
    ("6.4.0", "6.4.0 to 7.4.0"),
    ("4.3.21", "4.3.21 to 6.3"),
    ("4.2.0", "4.2.0 to 4.3.20"),
    ("4.1.0", "4.1.x"),
    ("3.0.84", "3.0.84 to 4.0 (2014 layout)"),
];

/// The client's largest segment: as_shm_cluster.c computes the size in a
/// `uint32_t`, so a larger one wraps and the client creates it too small.
pub const MAX_SEGMENT: u64 = u32::MAX as u64;

/// Client configuration (`as_config`) and the real cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// The client release, which decides the struct layout. Default 7.4.1
    /// (the current layout).
    pub client_version: Client,
    /// shm_key, an identifier only: `0xA7000000` in TOML, or that text.
    /// Default: the release's default key.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "key")]
    pub shm_key: Option<u64>,
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
            client_version: Client::default(),
            shm_key: None,
            shm_max_nodes: Count(16),
            shm_max_namespaces: Count(8),
            cluster_nodes: Count(0),
            cluster_namespaces: Count(0),
        }
    }
}

/// A key as a number or as text, hexadecimal with `0x` (as `ipcs -m`
/// prints it) or decimal.
fn key<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Num(u64),
        Text(String),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Num(n) => return Ok(Some(n)),
        Raw::Text(t) => t,
    };
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse(),
    };
    parsed.map(Some).map_err(|_| {
        serde::de::Error::custom(format!("\"{t}\" is not a key: write it as 0xA7000000"))
    })
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
    let layout = input.client_version.layout();
    let (nodes, ns) = (input.shm_max_nodes.get(), input.shm_max_namespaces.get());
    let overflow = |f: &str| CalcError::Overflow { field: f.into() };
    let node_bytes = layout.node.checked_mul(nodes).ok_or_else(|| overflow("shm_max_nodes"))?;
    let per_ns = layout.table_header + PARTITIONS * layout.partition;
    let ns_bytes = per_ns.checked_mul(ns).ok_or_else(|| overflow("shm_max_namespaces"))?;
    let segment = segment_size(layout, nodes, ns).ok_or_else(|| overflow("shm_max_namespaces"))?;
    let why = "source 002: the client sizes the segment from shm_max_nodes and \
               shm_max_namespaces when it creates it";
    let mut findings = segment_vs_host(&SEGMENT_RULES, Bytes(segment), host);
    let key = input.shm_key.unwrap_or(input.client_version.default_key());
    if segment > MAX_SEGMENT {
        findings.push(rules::AEROSPIKE_SIZE_WRAPS.finding(format!(
            "the segment is {segment} B, above 4 GiB - 1: the client computes its size in a \
                 uint32_t, which wraps, and creates a segment too small"
        )));
    }
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
    let terms = vec![
        Term {
            symbol: "cluster",
            label: "cluster header",
            value: layout.cluster,
            unit: Unit::Bytes,
        },
        Term { symbol: "nodes·node", label: "node slots", value: node_bytes, unit: Unit::Bytes },
        Term {
            symbol: "namespaces·(header + 4096·partition)",
            label: "partition tables",
            value: ns_bytes,
            unit: Unit::Bytes,
        },
    ];
    let steps = vec![
        Step::new(
            "nodes·node",
            format!("{} × {} B", n(nodes), n(layout.node)),
            node_bytes,
            Unit::Bytes,
        ),
        Step::new(
            "header + 4096·partition",
            format!("{} B + {} × {} B", n(layout.table_header), n(PARTITIONS), n(layout.partition)),
            per_ns,
            Unit::Bytes,
        ),
        Step::new(
            "namespaces·(header + 4096·partition)",
            format!("{} × {} B", n(ns), n(per_ns)),
            ns_bytes,
            Unit::Bytes,
        ),
        Step::new("segment", sum_of(&terms), segment, Unit::Bytes),
    ];
    Ok(CalcResult {
        quantities: vec![Quantity {
            name: "segment",
            label: "Shared memory segment",
            value: segment,
            unit: Unit::Bytes,
        }],
        terms,
        steps,
        findings,
        ..CALCULATOR.result()
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
    notes: "The struct layout follows the client release (`client_version`; default 7.4.1, the current layout), never the key: shm_key only names the segment. The 2014 document's `ipcs -m` shows 263,224 B for 16 nodes and 8 namespaces: the 3.0.84 layout.",
    capacity: Capacity::Ram,
    occupies: Some("segment"),
    fields: &[
        Field::new("client_version", "Client release", Kind::Choice(CLIENTS), "The C client release: it decides the struct layout."),
        Field::new("shm_key", "shm_key", Kind::Key, "The segment's identifier, e.g. 0xA7000000; empty for the release's default key.").range(0, u32::MAX as u64, "int shm_key, as_config.h: a 32-bit System V key").optional(),
        Field::new("shm_max_nodes", "shm_max_nodes", Kind::Count, "Node slots the client reserves; client default 16.").range(0, u32::MAX as u64, "uint32_t shm_max_nodes, as_config.h"),
        Field::new("shm_max_namespaces", "shm_max_namespaces", Kind::Count, "Namespace slots the client reserves; client default 8.").range(0, u32::MAX as u64, "uint32_t shm_max_namespaces, as_config.h"),
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
        rules::AEROSPIKE_SIZE_WRAPS,
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

    fn seg(client_version: Client) -> u64 {
        let input = Input { client_version, ..Input::default() };
        evaluate(&input, &Host::default()).unwrap().quantity("segment").unwrap()
    }

    #[test]
    fn default_segments_of_every_layout() {
        assert_eq!(seg(Client::V3_0_84), 263_224);
        assert_eq!(seg(Client::V4_1_0), 269_112);
        assert_eq!(seg(Client::V4_2_0), 531_320);
        assert_eq!(seg(Client::V4_3_21), 531_448);
        assert_eq!(seg(Client::V6_4_0), 531_448);
        assert_eq!(seg(Client::V7_4_1), 531_576);
    }

    /// Issue 22: the document's `ipcs -m` shows 263,224 B for key
    /// 0xA7000000 with 16 nodes and 8 namespaces; the layout comes from the
    /// named release, and the key only names the segment.
    #[test]
    fn the_documents_figure_is_the_2014_layout_whatever_the_key() {
        let text = "client_version = \"3.0.84\"\nshm_key = 0xA7000000\n";
        let input: Input = toml::from_str(text).unwrap();
        let r = evaluate(&input, &Host::default()).unwrap();
        assert_eq!(r.quantity("segment"), Some(263_224));
        let resize = r.findings.iter().find(|f| f.id == "aerospike.shm.resize").unwrap();
        assert_eq!(resize.fix.as_deref(), Some("ipcrm -M 0xA7000000"));
        let page: Input = toml::from_str("shm_key = \"0xA7000000\"").unwrap();
        assert_eq!((page.shm_key, page.client_version), (Some(0xA700_0000), Client::V7_4_1));
        assert_eq!(evaluate(&page, &Host::default()).unwrap().quantity("segment"), Some(531_576));
        assert!(toml::from_str::<Input>("shm_key = \"A7\"").is_err());
    }

    /// The document's 263,224 B worked out with the 2014 layout's struct
    /// sizes, 16 node slots and 8 namespace slots.
    #[test]
    fn the_documents_segment_worked_out_with_its_figures() {
        let input = Input { client_version: Client::V3_0_84, ..Input::default() };
        let r = evaluate(&input, &Host::default()).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "nodes·node = 16 × 48 B = 768",
                "header + 4096·partition = 32 B + 4,096 × 8 B = 32800",
                "namespaces·(header + 4096·partition) = 8 × 32,800 B = 262400",
                "segment = 56 B + 768 B + 262,400 B = 263224",
            ]
        );
    }

    #[test]
    fn a_segment_above_4_gib_wraps_in_the_client() {
        let input = Input { shm_max_nodes: Count(u64::from(u32::MAX)), ..Input::default() };
        let r = evaluate(&input, &Host::default()).unwrap();
        assert_eq!(r.quantity("segment"), Some(56 + 432 * u64::from(u32::MAX) + 8 * 65_576));
        assert!(r.findings.iter().any(|f| f.id == "aerospike.shm.size_wraps"));
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
        assert_eq!(r.findings[4].fix.as_deref(), Some("ipcrm -M 0xAC000000"));
        let ok = evaluate(&Input { cluster_nodes: Count(4), ..Input::default() }, &Host::default());
        assert!(ok.unwrap().findings.iter().all(|f| f.severity == Severity::Info));
    }

    /// Counts that are not the defaults, and each layout's struct sizes in
    /// its own term: a dropped header or a swapped size shows.
    #[test]
    fn terms_of_a_three_node_five_namespace_client() {
        let input = Input {
            client_version: Client::V4_3_21,
            shm_max_nodes: Count(3),
            shm_max_namespaces: Count(5),
            ..Input::default()
        };
        let r = evaluate(&input, &Host::default()).unwrap();
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        // 56; 3·424; 5·(40 + 4096·16).
        assert_eq!(terms, [56, 1272, 327_880]);
        assert_eq!(r.quantity("segment"), Some(56 + 1272 + 327_880));
        // 2014 layout: 56 + 3·48 + 5·(32 + 4096·8).
        assert_eq!(segment_size(Client::V3_0_84.layout(), 3, 5), Some(164_200));
    }

    proptest! {
        #[test]
        fn any_input_ok_or_typed(key in any::<u64>(), n in any::<u64>(), s in any::<u64>()) {
            let input = Input { shm_key: Some(key), shm_max_nodes: Count(n), shm_max_namespaces: Count(s),
                                cluster_nodes: Count(n), cluster_namespaces: Count(s),
                                client_version: Client::V3_0_84 };
            let _ = evaluate(&input, &Host::default());
        }

        #[test]
        fn grows_with_counts(n in 0u64..1 << 30, s in 0u64..1 << 30, d in 0u64..1000) {
            for c in [Client::V3_0_84, Client::V4_1_0, Client::V4_2_0, Client::V7_4_1] {
                let l = c.layout();
                let base = segment_size(l, n, s).unwrap();
                prop_assert!(segment_size(l, n + d, s).unwrap() >= base);
                prop_assert!(segment_size(l, n, s + d).unwrap() >= base);
            }
        }
    }
}
