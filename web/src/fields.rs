//! Labels and one-line help for the plan's fields. The core names each field;
//! this is how the page explains it to an operator.

use crate::state::FieldKind;

/// One host field: its dotted path under `host`, label, help and kind.
pub struct HostField {
    pub path: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub kind: FieldKind,
}

const fn host(
    path: &'static str,
    label: &'static str,
    help: &'static str,
    kind: FieldKind,
) -> HostField {
    HostField { path, label, help, kind }
}

/// The host form, machine first, then the kernel values when known.
pub const HOST: &[HostField] = &[
    host("host.ram", "RAM", "MemTotal, e.g. \"16 GiB\" or \"613 MB\".", FieldKind::Quantity),
    host("host.swap", "Swap", "0 when the host has none.", FieldKind::Quantity),
    host("host.cores", "CPU cores", "Logical CPUs the services may use.", FieldKind::Quantity),
    host("host.page_size", "Page size", "getconf PAGESIZE: 4 KiB on x86-64.", FieldKind::Quantity),
    host(
        "host.kernel.shmmax",
        "kernel.shmmax",
        "Largest shared memory segment, bytes.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.shmall",
        "kernel.shmall",
        "Total shared memory, in pages.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.shmmni",
        "kernel.shmmni",
        "Number of shared memory segments.",
        FieldKind::Optional,
    ),
    host("host.kernel.file_max", "fs.file-max", "Open files system-wide.", FieldKind::Optional),
    host(
        "host.kernel.nr_open",
        "fs.nr_open",
        "Ceiling of any process's nofile limit.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.aio_max_nr",
        "fs.aio-max-nr",
        "Asynchronous I/O requests system-wide.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.max_map_count",
        "vm.max_map_count",
        "Memory maps per process.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.ip_local_port_range",
        "net.ipv4.ip_local_port_range",
        "Low and high port, e.g. \"32768 60999\".",
        FieldKind::IntList,
    ),
    host(
        "host.kernel.tcp_mem",
        "net.ipv4.tcp_mem",
        "min, pressure, max in pages, e.g. \"188925 251900 377850\".",
        FieldKind::IntList,
    ),
    host(
        "host.kernel.tcp_max_tw_buckets",
        "net.ipv4.tcp_max_tw_buckets",
        "TIME_WAIT sockets kept.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.somaxconn",
        "net.core.somaxconn",
        "Accept backlog ceiling.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.nofile_soft",
        "nofile (soft)",
        "ulimit -n of the service.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.nofile_hard",
        "nofile (hard)",
        "ulimit -Hn of the service.",
        FieldKind::Optional,
    ),
    host(
        "host.kernel.core_limit",
        "core limit",
        "ulimit -c of the service: a size or \"unlimited\".",
        FieldKind::Optional,
    ),
];

/// Label, help and (when its default does not say) kind of a calculator
/// field, by its dotted path in the plan.
pub struct FieldDoc {
    pub path: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// `None`: the kind that fits the default value. `Optional` also puts a
    /// field with no default (an unset `Option`) on the form.
    pub kind: Option<FieldKind>,
}

const fn f(path: &'static str, label: &'static str, help: &'static str) -> FieldDoc {
    FieldDoc { path, label, help, kind: None }
}

const fn opt(path: &'static str, label: &'static str, help: &'static str) -> FieldDoc {
    FieldDoc { path, label, help, kind: Some(FieldKind::Optional) }
}

/// Aerospike's default shm_key per shared memory layout (core/src/aerospike.rs).
const SHM_KEYS: &[(&str, &str)] = &[
    ("2835349504", "0xA9000000 (newest client default)"),
    ("2818572288", "0xA8000000"),
    ("2801795072", "0xA7000000"),
    ("2768240640", "0xA5000000 (2014 layout)"),
];

/// Every calculator field, section by section. Units and meanings are the
/// doc comments of each section's `Input` in core/src.
pub const FIELDS: &[FieldDoc] = &[
    // AMPS User Guide ch. 25, Capacity Planning > Memory, Example 25.1.
    f(
        "amps.memory.sow_message_size",
        "Average SOW message size (S)",
        "Bytes per message, e.g. \"1 KiB\" or \"600 B\".",
    ),
    f(
        "amps.memory.sow_messages",
        "Messages in all SOW topics (M)",
        "A count, e.g. \"20M\" or \"20,000,000\".",
    ),
    f("amps.memory.clients", "Connected clients (C)", "Clients connected at once."),
    f(
        "amps.memory.message_memory_limit",
        "Total MessageMemoryLimit (TMemLimit)",
        "Sum over all transports, e.g. \"10 GB\".",
    ),
    f(
        "amps.memory.journal_size",
        "JournalSize (J)",
        "The transaction log's JournalSize, e.g. \"1 GB\".",
    ),
    f(
        "amps.memory.queue_messages",
        "Messages in queues (Q)",
        "Messages active in queues at any time.",
    ),
    f(
        "amps.memory.headroom_percent",
        "Headroom to provision (%)",
        "Percent of the estimate: 200 for a critical system, or the largest spike seen, e.g. 350.",
    ),
    // Slow Clients > Slow Client Offlining for Large Result Sets.
    f(
        "amps.slow_clients.average_record_size",
        "Average record size",
        "Bytes per record of a large result set, e.g. \"1 KiB\".",
    ),
    f(
        "amps.slow_clients.expected_records",
        "Records per result set",
        "Records a client is expected to retrieve, e.g. \"1M\".",
    ),
    f(
        "amps.slow_clients.simultaneous_clients",
        "Simultaneous clients",
        "Clients retrieving such result sets at once.",
    ),
    opt(
        "amps.slow_clients.message_memory_limit",
        "MessageMemoryLimit now",
        "The configured limit, e.g. \"10 GB\", checked against RAM; empty if not set.",
    ),
    // Linux Operating System Configuration.
    f("amps.limits.clients", "Connected clients", "Each client holds file descriptors."),
    f(
        "amps.limits.sow_topics",
        "SOW topics",
        "Each holds descriptors and asynchronous I/O requests.",
    ),
    f("amps.limits.journal_files", "Journal files", "Pre-allocated transaction log journal files."),
    f(
        "amps.limits.process_size",
        "AMPS process size",
        "Resident size, e.g. \"54 GB\"; decides ulimit -c.",
    ),
    // Capacity Planning > Storage > SOW, Examples 25.3 and 25.4.
    f("amps.sow_storage.message_size", "Average message size (MsgSize)", "Bytes, e.g. \"1 KiB\"."),
    f(
        "amps.sow_storage.messages",
        "Messages in the SOW (MsgCount)",
        "All topics together, e.g. \"20M\".",
    ),
    f(
        "amps.sow_storage.slab_size",
        "SlabSize",
        "The topics' SlabSize, e.g. \"1 MiB\" (the guide's example).",
    ),
    f("amps.sow_storage.topics", "SOW topics (T)", "Each reserves a slab per core."),
    opt(
        "amps.sow_storage.max_message_size",
        "Largest message",
        "The largest the application stores, e.g. \"4 MiB\"; empty if unknown.",
    ),
    // Best Practices > SOW SlabSize.
    f("amps.slab.average_message_size", "Average message size", "Bytes, e.g. \"512 B\"."),
    f(
        "amps.slab.max_message_size",
        "Largest message size",
        "Bytes, at least the average, e.g. \"1.2 MB\".",
    ),
    f(
        "amps.slab.average_per_slab",
        "Average messages per slab (a)",
        "Average-sized messages one slab should hold; the guide uses 5.",
    ),
    f(
        "amps.slab.max_per_slab",
        "Largest messages per slab (m)",
        "Largest messages one slab should hold; the guide uses 2.",
    ),
    opt(
        "amps.slab.slab_size",
        "SlabSize now",
        "The configured SlabSize, e.g. \"2.5 MB\"; empty to use the suggestion.",
    ),
    f("amps.slab.topics", "SOW topics (T)", "Topics with this SlabSize."),
    // Capacity Planning > Storage > Transaction logs.
    f("amps.txlog.message_size", "Average message size (S)", "Bytes, e.g. \"1 KiB\"."),
    f("amps.txlog.publish_rate", "Messages logged (R)", "The working day's rate, e.g. \"5000/s\"."),
    f("amps.txlog.retention", "Retention", "Normal retention period, e.g. \"7 d\"."),
    f(
        "amps.txlog.recovery_window",
        "Replication recovery window",
        "How long a peer may be offline, e.g. \"8 h\"; 0 if not replicated.",
    ),
    f(
        "amps.txlog.retention_increment",
        "Retention increment",
        "Journal removed at a time, e.g. \"1 d\".",
    ),
    f(
        "amps.txlog.files_per_increment",
        "Files per increment",
        "Journal files in one increment; the guide uses 10.",
    ),
    f(
        "amps.txlog.working_day",
        "Working day",
        "The busy period to preallocate files for, e.g. \"8 h\".",
    ),
    // Capacity Planning > Storage > Log files.
    FieldDoc {
        path: "amps.logs.level",
        label: "Log level",
        help: "trace logs every message in and out: the guide's worst case.",
        kind: Some(FieldKind::Choice(&[("info", "info"), ("trace", "trace")])),
    },
    f("amps.logs.publish_rate", "Messages published", "Rate into AMPS, e.g. \"5000/s\"."),
    f(
        "amps.logs.delivery_rate",
        "Messages delivered",
        "Rate out to subscribers and queries; counts at trace only.",
    ),
    f("amps.logs.message_size", "Average message size", "Bytes; counts at trace level only."),
    f("amps.logs.retention", "Retention", "How long logs are kept, e.g. \"7 d\"."),
    // Capacity Planning > Network.
    f("amps.network.publish_rate", "Messages published (R)", "Rate, e.g. \"5000/s\"."),
    f("amps.network.message_size", "Average message size (S)", "Bytes, e.g. \"1 KiB\"."),
    f(
        "amps.network.match_ratio",
        "Match ratio (M)",
        "Share of messages a subscription matches: 0.02 or \"2%\".",
    ),
    f("amps.network.subscriptions", "Subscriptions (N)", "Subscriptions receiving the matches."),
    f(
        "amps.network.messages_per_query",
        "Messages per query (Mq)",
        "Messages each SOW query returns.",
    ),
    f("amps.network.query_rate", "Queries (Qs)", "Rate, e.g. \"5/min\" is one query every 12 s."),
    // Capacity Planning > CPU.
    f("amps.cpu.publish_rate", "Messages published (R)", "Rate, e.g. \"5000/s\"."),
    f(
        "amps.cpu.subscriptions",
        "Filtered subscriptions (N)",
        "Content filters each published message is checked against.",
    ),
    f("amps.cpu.query_rate", "Filtered SOW queries (Qs)", "Rate, e.g. \"10/s\"."),
    f(
        "amps.cpu.sow_messages",
        "Messages per query scan (M)",
        "Messages in the SOW topic each query scans.",
    ),
    f(
        "amps.cpu.filter_rate_per_core",
        "Filter rate per core (F)",
        "Evaluations one core runs per second; the guide measured 1,000,000/s.",
    ),
    // "Maglev on AWS t1.micro".
    f(
        "gemstone.page_cache.shr_page_cache_size_kb",
        "SHR_PAGE_CACHE_SIZE_KB",
        "The cache in KiB (GemStone's KB are 1024 bytes); MagLev ships 1000000.",
    ),
    // Aerospike C client as_config and the real cluster.
    FieldDoc {
        path: "aerospike.shm.shm_key",
        label: "shm_key",
        help: "The client's default key; it decides the struct layout.",
        kind: Some(FieldKind::Choice(SHM_KEYS)),
    },
    f(
        "aerospike.shm.shm_max_nodes",
        "shm_max_nodes",
        "Node slots the client reserves; client default 16.",
    ),
    f(
        "aerospike.shm.shm_max_namespaces",
        "shm_max_namespaces",
        "Namespace slots the client reserves; client default 8.",
    ),
    f(
        "aerospike.shm.cluster_nodes",
        "Nodes in the cluster",
        "The real cluster's node count; 0 if unknown.",
    ),
    f(
        "aerospike.shm.cluster_namespaces",
        "Namespaces in the cluster",
        "The real cluster's namespace count; 0 if unknown.",
    ),
    // "MegaComet: 523k connections".
    f(
        "connections.kernel.connections",
        "Concurrent connections",
        "Connections the server holds at once, e.g. \"1M\".",
    ),
    f("connections.kernel.processes", "Server processes", "Processes sharing the connections."),
    f(
        "connections.kernel.client_ips",
        "Client IP addresses",
        "Source addresses the clients connect from.",
    ),
    f("connections.kernel.server_ports", "Server ports", "Ports the server listens on."),
    f(
        "connections.kernel.churn",
        "New connections per second",
        "Each later closed, e.g. \"4000/s\"; each close leaves a TIME_WAIT socket.",
    ),
    f(
        "connections.kernel.active_connections",
        "Active connections",
        "Connections moving data at once.",
    ),
    f(
        "connections.kernel.buffer_per_active",
        "Buffer per active connection",
        "Send + receive buffer, e.g. \"32 KiB\" (tcp_rmem + tcp_wmem).",
    ),
    opt(
        "connections.kernel.tcp_fin_timeout",
        "net.ipv4.tcp_fin_timeout",
        "Seconds if set, e.g. \"12 s\" (MegaComet's value); empty if not set.",
    ),
    opt(
        "connections.kernel.tcp_tw_recycle",
        "net.ipv4.tcp_tw_recycle",
        "0 or 1 if set; empty if not set.",
    ),
    // "256 MB VPS": my.cnf (MySQL 5.5 defaults), the web server, the rest.
    f(
        "vps.memory.mysql.key_buffer_size",
        "key_buffer_size",
        "Bytes, global; default 2M (the source's).",
    ),
    f(
        "vps.memory.mysql.innodb_buffer_pool_size",
        "innodb_buffer_pool_size",
        "Bytes, global; 0 with InnoDB off (the source's).",
    ),
    f(
        "vps.memory.mysql.innodb_additional_mem_pool_size",
        "innodb_additional_mem_pool_size",
        "Bytes, global; 0 with InnoDB off.",
    ),
    f(
        "vps.memory.mysql.innodb_log_buffer_size",
        "innodb_log_buffer_size",
        "Bytes, global; 0 with InnoDB off.",
    ),
    f(
        "vps.memory.mysql.query_cache_size",
        "query_cache_size",
        "Bytes, global; default 2M (the source's).",
    ),
    f(
        "vps.memory.mysql.tmp_table_size",
        "tmp_table_size",
        "Bytes; the larger of it and max_heap_table_size counts once.",
    ),
    f("vps.memory.mysql.max_heap_table_size", "max_heap_table_size", "Bytes; default 16M."),
    f(
        "vps.memory.mysql.max_connections",
        "max_connections",
        "Connections, each with the per-thread buffers; MySQL default 151.",
    ),
    f("vps.memory.mysql.sort_buffer_size", "sort_buffer_size", "Bytes per thread; default 2M."),
    f("vps.memory.mysql.read_buffer_size", "read_buffer_size", "Bytes per thread; default 128K."),
    f(
        "vps.memory.mysql.read_rnd_buffer_size",
        "read_rnd_buffer_size",
        "Bytes per thread; default 256K.",
    ),
    f("vps.memory.mysql.join_buffer_size", "join_buffer_size", "Bytes per thread; default 128K."),
    f(
        "vps.memory.mysql.thread_stack",
        "thread_stack",
        "Bytes per thread; default 64K (the source's).",
    ),
    f("vps.memory.mysql.binlog_cache_size", "binlog_cache_size", "Bytes per thread; default 32K."),
    f(
        "vps.memory.web.kind",
        "Web server",
        "An event server has one small footprint; prefork runs one child per worker.",
    ),
    f(
        "vps.memory.web.rss",
        "Web server RSS",
        "Resident size, e.g. \"2140 KiB\" (top's RES for lighttpd).",
    ),
    f(
        "vps.memory.web.max_request_workers",
        "MaxRequestWorkers",
        "Apache prefork children at most; Apache's default 256.",
    ),
    f(
        "vps.memory.web.child_rss",
        "RSS per child",
        "Resident size of one child: measure it (ps -o rss); HTTPS children are much larger.",
    ),
    f("vps.memory.other", "Everything else", "Kernel, sshd, cron...: bytes, e.g. \"32 MiB\"."),
];

/// The documentation of the field at a dotted path.
pub fn doc(path: &str) -> Option<&'static FieldDoc> {
    FIELDS.iter().find(|d| d.path == path)
}

/// The documented fields of a section.
pub fn section_docs(id: &str) -> impl Iterator<Item = &'static FieldDoc> + '_ {
    FIELDS.iter().filter(move |d| d.path.strip_prefix(id).is_some_and(|r| r.starts_with('.')))
}

/// The legend of a nested table's fields in a section's form.
pub fn group_label(section: &str, group: &str) -> String {
    match (section, group) {
        ("vps.memory", "mysql") => "MySQL (my.cnf)".into(),
        ("vps.memory", "web") => "Web server".into(),
        _ => humanize(group),
    }
}

/// `max_connections` -> `Max connections`.
pub fn humanize(key: &str) -> String {
    // Keys are ASCII snake_case; ASCII case mapping avoids Unicode tables.
    let mut words = key.replace('_', " ");
    if let Some(first) = words.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    words
}

/// The DOM id of a field: its path with dots as dashes (no CSS escaping).
pub fn dom_id(path: &str) -> String {
    path.replace('.', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_as_words() {
        assert_eq!(humanize("max_connections"), "Max connections");
        assert_eq!(dom_id("amps.memory.clients"), "amps-memory-clients");
    }
}
