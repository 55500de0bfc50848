//! Every rule, defined once: id, severity, source and the shape of its fix,
//! for the validators and the calculators alike (a plan and a check of the
//! same fact raise the same rule). A [`Finding`] can only be built from a
//! rule, and `docs/rules.md` is tested against [`RULES`], so an id cannot
//! drift or be spelled at run time.

pub use crate::finding::Rule;
use crate::finding::Severity;

const AMPS: &str = "AMPS User Guide, ch. 25 \"Operation and Deployment\"";
const MEGACOMET: &str = "MegaComet: 523k connections on one EC2 host, Tuning";
const MAGLEV: &str = "\"Maglev on AWS t1.micro\" (2014)";
const AEROSPIKE: &str = "Aerospike C client docs, \"Shared Memory\"";
const VPS: &str = "\"Squeezing a lightweight server\" (2014)";
const SHMGET: &str = "shmget(2): EINVAL if size < SHMMIN or size > SHMMAX; ENOSPC if all segments would exceed SHMALL pages";
const TCP_MEM: &str = "tcp(7), ip-sysctl.rst: tcp_mem is min, pressure, max in pages; above pressure TCP squeezes buffers, above max it drops";
/// A nofile need from any plan or `--nofile`: the limit's own contract.
const NOFILE: &str = "getrlimit(2), RLIMIT_NOFILE: open(2), socket(2) and accept(2) fail with EMFILE at the soft limit";

macro_rules! rules {
    ($($name:ident = $id:literal, $sev:ident, $source:expr, $fix:literal;)*) => {
        $(pub const $name: Rule = Rule {
            id: $id,
            severity: Severity::$sev,
            source: $source,
            fix: $fix,
        };)*
        /// Every rule, in the order docs/rules.md lists them.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    // sysctl
    SYSCTL_SYNTAX = "sysctl.syntax", Error,
        "sysctl.conf(5): lines are `key = value`; `sysctl -p` skips a line that is not (\"invalid syntax, continuing...\") and the kernel refuses a value that is not a number (\"Invalid argument\"): that setting is never applied",
        "write `key = value`, one setting a line";
    SYSCTL_OVERRIDE = "sysctl.override", Info,
        "sysctl.d(5): files are applied in lexical order and later lines win",
        "keep one line per key, in the file that is read last";
    SYSCTL_FILE_MASKED = "sysctl.file_masked", Info,
        "sysctl.d(5): a file in /etc/sysctl.d masks one of the same name in /run, /usr/local/lib, /usr/lib and /lib",
        "edit the file that is read, or give the copy another name";
    SYSCTL_TW_RECYCLE = "sysctl.tcp_tw_recycle.removed", Error,
        "Linux 4.12 removed net.ipv4.tcp_tw_recycle; `sysctl -p` fails on an unknown key",
        "delete the net.ipv4.tcp_tw_recycle line";
    SYSCTL_FIN_TIMEOUT = "sysctl.tcp_fin_timeout.time_wait", Warning,
        "ip-sysctl.txt: tcp_fin_timeout is the FIN_WAIT_2 time; TIME_WAIT is fixed at 60 s (MegaComet's tuning assumes otherwise)",
        "size net.ipv4.tcp_max_tw_buckets for the churn instead";
    SYSCTL_SHMALL_BELOW_SHMMAX = "sysctl.shmall.below_shmmax", Warning,
        "proc(5): kernel.shmall is in pages; shmall x page size below shmmax caps segments silently (shmget ENOSPC)",
        "kernel.shmall = ceil(shmmax / page size) or more";
    SYSCTL_PAGES_UNIT = "sysctl.pages_unit", Info,
        "proc(5): kernel.shmall is in pages, not bytes; a byte figure there allows page-size times more",
        "keep the value: lowering it would cap every shared memory segment together";
    SYSCTL_TCP_MEM_ORDER = "sysctl.tcp_mem.order", Error,
        "tcp(7): tcp_mem is three values, min <= pressure <= max, in pages",
        "net.ipv4.tcp_mem = MIN PRESSURE MAX, ascending";
    SYSCTL_AMPS_AIO = "sysctl.amps.aio_max_nr", Error,
        AMPS,
        "fs.aio-max-nr = 1048576";
    SYSCTL_AMPS_AIO_ADVICE = "sysctl.amps.aio_max_nr.recommended", Info,
        AMPS,
        "fs.aio-max-nr = 1048576";
    SYSCTL_AMPS_FILE_MAX = "sysctl.amps.file_max", Error,
        AMPS,
        "fs.file-max = 6815744";
    SYSCTL_AMPS_FILE_MAX_ADVICE = "sysctl.amps.file_max.recommended", Info,
        AMPS,
        "fs.file-max = 6815744";
    SYSCTL_AMPS_MAP_COUNT = "sysctl.amps.max_map_count", Error,
        AMPS,
        "vm.max_map_count = 500000";
    SYSCTL_AMPS_MAP_COUNT_ADVICE = "sysctl.amps.max_map_count.recommended", Info,
        AMPS,
        "vm.max_map_count = 500000";
    SYSCTL_CONN_FILE_MAX = "sysctl.connections.file_max", Error,
        MEGACOMET,
        "fs.file-max above the connections target plus the host's other files";
    SYSCTL_CONN_PORTS = "sysctl.connections.port_range", Info,
        MEGACOMET,
        "net.ipv4.ip_local_port_range = 1024 65535, and more client source addresses";
    SYSCTL_CONN_TW_BUCKETS = "sysctl.connections.tw_buckets", Warning,
        "ip-sysctl.txt: tcp_max_tw_buckets; above it the kernel destroys TIME_WAIT sockets and logs \"time wait bucket table overflow\"",
        "net.ipv4.tcp_max_tw_buckets at least closes per second x 60";
    SYSCTL_CONN_TCP_MEM = "sysctl.connections.tcp_mem", Error,
        MEGACOMET,
        "raise net.ipv4.tcp_mem (pages) to hold the connections' buffers";
    SYSCTL_TCP_MEM_RAM = "sysctl.tcp_mem.above_ram", Warning,
        MEGACOMET,
        "net.ipv4.tcp_mem max (pages x page size) below RAM";
    SYSCTL_TCP_MEM_BYTES = "sysctl.tcp_mem.bytes", Warning,
        "ip-sysctl.rst, tcp_mem: \"vector of 3 INTEGERs: min, pressure, max ... in pages\"; x86-64 addresses at most 64 TiB of RAM with 4-level paging (Documentation/arch/x86/x86_64/mm.rst)",
        "divide each value by the page size (4096 on x86-64)";
    SYSCTL_SHM_SEGMENT = "sysctl.shm.segment", Error,
        "shmget(2): EINVAL if size > SHMMAX, ENOSPC if the segments would exceed SHMALL pages",
        "kernel.shmmax and kernel.shmall (pages) at least the plan's segment";
    SYSCTL_NR_OPEN_NEED = "sysctl.nr_open.below_need", Error,
        "proc(5), setrlimit(2): fs.nr_open caps RLIMIT_NOFILE; a hard limit above it fails with EPERM",
        "fs.nr_open at least the open files per process the plan needs";
    SYSCTL_CONN_SOMAXCONN = "sysctl.connections.somaxconn", Warning,
        "listen(2): a backlog above net.core.somaxconn is silently cut to it; the default is 4096 since Linux 5.4 (128 before)",
        "net.core.somaxconn = 4096 or more";
    SYSCTL_CONN_SYN_BACKLOG = "sysctl.connections.syn_backlog", Warning,
        "ip-sysctl.rst, tcp_max_syn_backlog: connection requests not yet acknowledged; \"if server suffers from overload, try increasing this number\"",
        "net.ipv4.tcp_max_syn_backlog = 4096 or more";
    // limits.conf and /proc/PID/limits
    LIMITS_SYNTAX = "limits.syntax", Error,
        "limits.conf(5): `<domain> <type> <item> <value>`; pam_limits ignores a bad line",
        "write `* soft nofile 65536`";
    LIMITS_UNKNOWN_ITEM = "limits.unknown_item", Warning,
        "limits.conf(5): the item list",
        "use an item from limits.conf(5): nofile, core, nproc, memlock, ...";
    LIMITS_SOFT_ABOVE_HARD = "limits.soft_above_hard", Error,
        "setrlimit(2): the soft limit cannot exceed the hard limit (EINVAL)",
        "raise the hard limit to at least the soft one";
    LIMITS_NOFILE_NR_OPEN = "limits.nofile.above_nr_open", Error,
        "setrlimit(2), proc(5) fs.nr_open: a nofile hard limit above fs.nr_open fails and logins fail",
        "fs.nr_open at least the nofile hard limit (in a sysctl.d drop-in)";
    LIMITS_NOFILE_NEED = "limits.nofile.below_need", Error,
        NOFILE,
        "nofile soft and hard at least what the plan needs";
    LIMITS_CORE_LARGE = "limits.core.large_process", Info,
        AMPS,
        "nothing to lower: a minidump (AMPS's own on a crash, `dumptool capture` of a hung process) is the fast dump";
    LIMITS_PAM_ONLY = "limits.pam_only", Info,
        "limits.conf(5), systemd.exec(5): limits.conf applies to PAM login sessions only",
        "LimitNOFILE= and LimitCORE= in the service's systemd unit";
    // systemd units
    SYSTEMD_SYNTAX = "systemd.syntax", Error,
        "systemd.syntax(7): `[Section]` headers and `Key=value` lines",
        "write `Key=value` inside a section";
    SYSTEMD_WRONG_SECTION = "systemd.limit.wrong_section", Warning,
        "systemd.exec(5): Limit*= belong in [Service]",
        "move the line under [Service]";
    SYSTEMD_NOFILE_NEED = "systemd.nofile.below_need", Error,
        NOFILE,
        "LimitNOFILE= at least what the plan needs";
    SYSTEMD_NOFILE_CEILING = "systemd.nofile.above_manager", Error,
        "setrlimit(2): raising a hard limit above the caller's own takes CAP_SYS_RESOURCE; without it (a container's service manager) systemd sets the closest it can, its own hard limit (systemd, src/basic/rlimit-util.c, setrlimit_closest), and pam_limits skips a limit setrlimit refuses with EPERM (linux-pam, modules/pam_limits/pam_limits.c, setup_limits)",
        "raise the container's open-files limit from outside it (e.g. `docker run --ulimit nofile=N:N`, `lxc config set CONTAINER limits.kernel.nofile N`), then restart the service";
    SYSTEMD_NOFILE_INFINITY = "systemd.nofile.infinity", Warning,
        "systemd.exec(5), LimitNOFILE=: infinity is raised only as far as the kernel allows, fs.nr_open (proc(5)); programs that close every descriptor up to the limit slow down with it, and select(2) cannot use descriptors above 1024",
        "LimitNOFILE= the number the service needs";
    SYSTEMD_EMPTY = "systemd.empty", Info,
        "systemd.syntax(7): empty lines and comments are ignored",
        "nothing to do; delete the file if it is left over";
    SYSTEMD_MASKED = "systemd.masked", Info,
        "systemd.unit(5): a unit file linked to /dev/null is masked and cannot be started",
        "`systemctl unmask UNIT` if the service should run";
    SYSTEMD_NOFILE_MISSING = "systemd.nofile.missing", Warning,
        "systemd.exec(5): without LimitNOFILE= a service gets 1024 soft",
        "LimitNOFILE= in a drop-in";
    SYSTEMD_CORE = "systemd.core.large_process", Info,
        AMPS,
        "nothing to lower: a minidump (AMPS's own on a crash, `dumptool capture` of a hung process) is the fast dump";
    SYSTEMD_SOFT_ABOVE_HARD = "systemd.soft_above_hard", Error,
        "systemd.exec(5): LimitNOFILE=soft:hard, soft <= hard",
        "LimitNOFILE=SOFT:HARD with SOFT <= HARD";
    SYSTEMD_BAD_VALUE = "systemd.bad_value", Error,
        "systemd.exec(5): a number, a size, or infinity",
        "LimitNOFILE=65536";
    // GemStone system.conf and logs
    GEMSTONE_SYNTAX = "gemstone.syntax", Error,
        "GemStone/S System Administration Guide, configuration file syntax: `NAME = value;`",
        "end each setting with `;`";
    GEMSTONE_CACHE_RAM = "gemstone.page_cache.ram", Error,
        MAGLEV,
        "SHR_PAGE_CACHE_SIZE_KB below RAM, e.g. half of it";
    GEMSTONE_CACHE_SHMMAX = "gemstone.page_cache.shmmax", Error,
        MAGLEV,
        "lower SHR_PAGE_CACHE_SIZE_KB or raise kernel.shmmax";
    GEMSTONE_CACHE_SHMMIN = "gemstone.page_cache.shmmin", Error,
        "shmget(2): EINVAL below SHMMIN",
        "SHR_PAGE_CACHE_SIZE_KB of at least 1";
    GEMSTONE_CACHE_SHMALL = "gemstone.page_cache.shmall", Error,
        MAGLEV,
        "lower SHR_PAGE_CACHE_SIZE_KB or raise kernel.shmall (pages)";
    GEMSTONE_CACHE_RECOMMENDED = "gemstone.page_cache.recommended", Info,
        MAGLEV,
        "SHR_PAGE_CACHE_SIZE_KB within kernel.shmmax and half of RAM";
    GEMSTONE_LOG_EINVAL = "gemstone.log.shmget_einval", Error,
        MAGLEV,
        "SHR_PAGE_CACHE_SIZE_KB below kernel.shmmax and RAM";
    GEMSTONE_LOG_ENOSPC = "gemstone.log.shmget_enospc", Error,
        "shmget(2): ENOSPC, all shared memory (kernel.shmall) or ids (shmmni) taken",
        "raise kernel.shmall or lower SHR_PAGE_CACHE_SIZE_KB";
    GEMSTONE_LOG_ENOMEM = "gemstone.log.shmget_enomem", Error,
        "shmget(2): ENOMEM, no memory for the segment",
        "lower SHR_PAGE_CACHE_SIZE_KB or free memory";
    GEMSTONE_LOG_EACCES = "gemstone.log.shmget_eacces", Error,
        "shmget(2): EACCES, the segment exists and belongs to another user",
        "start the stone as the cache's owner, or `ipcrm -M KEY` the stale segment";
    GEMSTONE_LOG_EEXIST = "gemstone.log.shmget_eexist", Error,
        "shmget(2): EEXIST, a segment with this key exists (a stale cache)",
        "stop every GemStone process, then `ipcrm -M KEY`";
    GEMSTONE_LOG_NONE = "gemstone.log.no_shmget_error", Info,
        MAGLEV,
        "look in the `*pcmon.log` next to the stone log";
    // my.cnf
    MYCNF_SYNTAX = "mycnf.syntax", Error,
        "MySQL Reference Manual, Using Option Files: `[group]`, `opt`, `opt = value`",
        "write `option = value` under a `[group]`";
    MYCNF_INCLUDE = "mycnf.include_not_followed", Info,
        "MySQL Reference Manual, Using Option Files: !include and !includedir",
        "check the included files too (paste them after this one)";
    MYCNF_OUTSIDE_SERVER = "mycnf.outside_server_group", Warning,
        VPS,
        "put server options under [mysqld] (or [server], [mariadb])";
    MYCNF_PREFIX = "mycnf.option_prefix", Info,
        "MySQL Reference Manual, Specifying Program Options: an option may be given by an unambiguous prefix of its name",
        "write the option's full name";
    MYCNF_AMBIGUOUS = "mycnf.ambiguous_prefix", Error,
        "my_getopt (MariaDB/MySQL option parser): a prefix of several option names stops the server with \"ambiguous option\"",
        "write the option's full name";
    MYCNF_UNKNOWN = "mycnf.unknown_option", Warning,
        "mariadbd --help --verbose (MariaDB 10.11): the server's options; an unknown one stops it with \"unknown variable\"",
        "the option's right name, or a `loose-` prefix for a plugin's option";
    MYCNF_BAD_SIZE = "mycnf.bad_size", Error,
        "MySQL Reference Manual, Using Options: sizes take K, M or G",
        "write a number with an optional K, M or G suffix";
    MYCNF_REMOVED = "mycnf.removed_variable", Error,
        "MySQL 8.0 Release Notes: the query cache was removed in 8.0.3; mysqld refuses unknown variables",
        "delete the line (or prefix it with `loose-`)";
    MYCNF_SKIP_INNODB = "mycnf.skip_innodb", Error,
        VPS,
        "delete `skip-innodb`/`innodb=OFF`: InnoDB is mandatory since MySQL 5.7";
    MYCNF_PEAK_RAM = "mycnf.peak_memory", Error,
        VPS,
        "lower max_connections or the per-thread buffers";
    MYCNF_PEAK_HIGH = "mycnf.peak_memory.high", Warning,
        VPS,
        "keep MySQL's peak below 85% of RAM on a host without swap";
    // Aerospike client shared memory
    AEROSPIKE_SYNTAX = "aerospike.syntax", Error,
        AEROSPIKE,
        "write `shm_key = 0xA7000000`, one setting a line";
    AEROSPIKE_UNKNOWN = "aerospike.unknown_setting", Warning,
        AEROSPIKE,
        "use use_shm, shm_key, shm_max_nodes, shm_max_namespaces, shm_takeover_threshold_sec";
    AEROSPIKE_CUSHION = "aerospike.shm.cushion", Warning,
        AEROSPIKE,
        "shm_max_nodes / shm_max_namespaces above the real counts";
    AEROSPIKE_SHARED_KEY = "aerospike.shm.shared_key", Error,
        AEROSPIKE,
        "a different shm_key for each cluster";
    AEROSPIKE_SHMMAX = "aerospike.shm.shmmax", Error,
        AEROSPIKE,
        "raise kernel.shmmax or lower the maxima";
    AEROSPIKE_SIZE_MISMATCH = "aerospike.shm.size_mismatch", Error,
        AEROSPIKE,
        "stop every client and `ipcrm -M KEY`, or set a new shm_key";
    AEROSPIKE_BELOW_CLUSTER = "aerospike.shm.below_cluster", Error,
        AEROSPIKE,
        "shm_max_nodes / shm_max_namespaces at least the cluster's counts, with room to grow";
    AEROSPIKE_SHMMIN = "aerospike.shm.shmmin", Error,
        SHMGET,
        "shm_max_nodes and shm_max_namespaces of at least 1";
    AEROSPIKE_SHMALL = "aerospike.shm.shmall", Error,
        SHMGET,
        "raise kernel.shmall (pages) or lower the maxima";
    AEROSPIKE_SIZE_WRAPS = "aerospike.shm.size_wraps", Error,
        "as_shm_cluster.c, as_shm_create: `uint32_t size = sizeof(as_cluster_shm) + ...` wraps above 4 GiB - 1",
        "lower shm_max_nodes or shm_max_namespaces";
    AEROSPIKE_RAM = "aerospike.shm.ram", Error,
        SHMGET,
        "lower shm_max_nodes and shm_max_namespaces";
    AEROSPIKE_SHM_OFF = "aerospike.shm.not_enabled", Warning,
        "aerospike-client-c 7.5.0, as_config.c: use_shm defaults to false; as_cluster.c creates the shared-memory cluster only when use_shm is true",
        "use_shm = true";
    AEROSPIKE_TAKEOVER_WRAPS = "aerospike.shm.takeover_threshold", Error,
        "aerospike-client-c 7.5.0: `uint32_t shm_takeover_threshold_sec` (as_config.h); as_shm_cluster.c, as_shm_create: `takeover_threshold_ms = shm_takeover_threshold_sec * 1000` in a uint32_t wraps above 4294967 s",
        "shm_takeover_threshold_sec of at most 4294967 (the default is 30)";
    AEROSPIKE_KEY_PER_CLUSTER = "aerospike.shm.key_per_cluster", Info,
        AEROSPIKE,
        "a different shm_key for each cluster";
    AEROSPIKE_RESIZE = "aerospike.shm.resize", Info,
        AEROSPIKE,
        "stop every client and `ipcrm -M KEY`, or roll out with a new shm_key";
    // AMPS plan sections
    AMPS_MEMORY_EXCEEDS_RAM = "amps.memory.exceeds_ram", Error,
        AMPS,
        "more RAM, or a smaller SOW, MessageMemoryLimit or journal";
    AMPS_MEMORY_BELOW_RECOMMENDED = "amps.memory.below_recommended", Warning,
        AMPS,
        "RAM of twice the estimate";
    AMPS_LIMITS_NOFILE = "amps.limits.nofile", Error,
        AMPS,
        "nofile (soft and hard) of at least the AMPS minimum";
    AMPS_LIMITS_AIO = "amps.limits.aio_max_nr", Error,
        AMPS,
        "fs.aio-max-nr of at least the AMPS minimum";
    AMPS_LIMITS_FILE_MAX = "amps.limits.file_max", Error,
        AMPS,
        "fs.file-max of at least the AMPS minimum";
    AMPS_LIMITS_MAP_COUNT = "amps.limits.max_map_count", Error,
        AMPS,
        "vm.max_map_count of at least the AMPS minimum";
    AMPS_LIMITS_CORE = "amps.limits.core", Info,
        AMPS,
        "nothing to lower: a minidump (AMPS's own on a crash, `dumptool capture` of a hung process) is the fast dump";
    AMPS_SLOW_CLIENTS_MEMORY = "amps.slow_clients.memory_over_20_percent", Warning,
        AMPS,
        "MessageMemoryLimit of 10% of RAM, raised 1-2% at a time";
    AMPS_SLOW_CLIENTS_STEP_PAST_20 = "amps.slow_clients.step_past_20_percent", Info,
        AMPS,
        "raise MessageDiskLimit before MessageMemoryLimit";
    AMPS_SLOW_CLIENTS_DISK_BELOW_MEMORY = "amps.slow_clients.disk_below_memory", Warning,
        AMPS,
        "MessageDiskLimit of at least MessageMemoryLimit";
    AMPS_SLOW_CLIENTS_DISK_PATH = "amps.slow_clients.disk_path_space", Error,
        AMPS,
        "a MessageDiskPath device larger than MessageDiskLimit";
    AMPS_SOW_MESSAGE_TOO_LARGE = "amps.sow_storage.message_too_large", Error,
        AMPS,
        "a SlabSize larger than the largest message";
    AMPS_SOW_MAP_COUNT = "amps.sow_storage.max_map_count", Error,
        AMPS,
        "vm.max_map_count above the SOW's memory maps";
    AMPS_SOW_MAP_COUNT_DEFAULT = "amps.sow_storage.max_map_count.default", Warning,
        AMPS,
        "vm.max_map_count above the SOW's memory maps (the kernel's default is 65530)";
    AMPS_SLAB_MESSAGE_TOO_LARGE = "amps.slab.message_too_large", Error,
        AMPS,
        "a SlabSize larger than the largest message";
    AMPS_SLAB_SEVERAL_MAX = "amps.slab.below_several_max", Warning,
        AMPS,
        "a SlabSize of several times the largest message (the guide's 2.5 MB holds two of 1.2 MB)";
    AMPS_SLAB_BELOW_SUGGESTED = "amps.slab.below_suggested", Info,
        AMPS,
        "the suggested SlabSize";
    AMPS_STORAGE_EXCEEDS_DISK = "amps.storage.exceeds_disk", Error,
        AMPS,
        "a disk larger than AMPS's storage with the largest SOW";
    AMPS_STORAGE_MAY_EXCEED_DISK = "amps.storage.may_exceed_disk", Warning,
        AMPS,
        "a disk larger than AMPS's storage with the largest SOW";
    AMPS_TXLOG_NEEDS_FLASH = "amps.txlog.needs_flash", Warning,
        AMPS,
        "the journal on flash storage";
    AMPS_TXLOG_RECOVERY = "amps.txlog.recovery_window", Info,
        AMPS,
        "journal files for the recovery window you need";
    AMPS_LOGS_TRACE = "amps.logs.trace", Info,
        AMPS,
        "trace logging only while debugging";
    AMPS_NETWORK_ABOVE_100G = "amps.network.above_100g", Warning,
        AMPS,
        "several links, or fewer matches per message";
    AMPS_CPU_EXCEEDS_CORES = "amps.cpu.exceeds_cores", Warning,
        AMPS,
        "more cores, or fewer messages, subscriptions or queries";
    // Many TCP connections plan section
    CONN_NR_OPEN = "connections.kernel.nr_open", Error,
        "proc(5): fs.nr_open caps the nofile hard limit",
        "fs.nr_open above the connections per process";
    CONN_NOFILE = "connections.kernel.nofile", Error,
        NOFILE,
        "nofile soft and hard above the connections per process";
    CONN_FILE_MAX = "connections.kernel.file_max", Error,
        "proc(5): fs.file-max is the system-wide open file limit (ENFILE)",
        "fs.file-max above the connections plus the host's other files";
    CONN_PORTS = "connections.kernel.ports", Error,
        MEGACOMET,
        "more server ports or more client IPs";
    CONN_TCP_MEM = "connections.kernel.tcp_mem", Error,
        TCP_MEM,
        "net.ipv4.tcp_mem max (pages) above the connections' buffers";
    CONN_TCP_MEM_BYTES = "connections.kernel.tcp_mem.bytes", Warning,
        "ip-sysctl.rst, tcp_mem: \"vector of 3 INTEGERs: min, pressure, max ... in pages\"",
        "host.kernel.tcp_mem in pages: divide each value by the page size";
    CONN_TCP_MEM_PRESSURE = "connections.kernel.tcp_mem.pressure", Warning,
        TCP_MEM,
        "net.ipv4.tcp_mem pressure (pages) above the connections' buffers";
    CONN_TW_BUCKETS = "connections.kernel.tw_buckets", Warning,
        "ip-sysctl.txt: tcp_max_tw_buckets; above it the kernel destroys TIME_WAIT sockets",
        "net.ipv4.tcp_max_tw_buckets at least closes per second x 60";
    CONN_FIN_TIMEOUT = "connections.kernel.fin_timeout", Info,
        "ip-sysctl.txt: tcp_fin_timeout is the FIN_WAIT_2 time; TIME_WAIT is fixed at 60 s",
        "size net.ipv4.tcp_max_tw_buckets for the churn instead";
    CONN_TW_RECYCLE = "connections.kernel.tw_recycle", Warning,
        "Linux 4.12 removed net.ipv4.tcp_tw_recycle",
        "delete the setting";
    // Small VPS plan section
    VPS_OVER_RAM = "vps.memory.over", Error,
        VPS,
        "a lower max_connections or smaller buffers";
    VPS_ABOVE_SAFE = "vps.memory.above_safe", Warning,
        VPS,
        "a lower max_connections or smaller buffers";
    // AMPS configuration XML
    AMPS_XML_SYNTAX = "amps_xml.syntax", Error,
        "XML 1.0: an AMPS config must be well-formed",
        "fix the XML at the line shown";
    AMPS_XML_BAD_SIZE = "amps_xml.bad_size", Error,
        AMPS,
        "write a size such as 1MB or 10GB";
    AMPS_XML_SLAB = "amps_xml.slab_size.small", Warning,
        AMPS,
        "SlabSize several times the largest message";
    AMPS_XML_MEMORY_HIGH = "amps_xml.message_memory_limit.high", Warning,
        AMPS,
        "MessageMemoryLimit at about 10% of RAM";
    AMPS_XML_MEMORY_START = "amps_xml.message_memory_limit.start", Info,
        AMPS,
        "keep it; MessageDiskLimit first, then 1-2% of RAM at a time up to 20%";
    AMPS_XML_DISK_LIMIT = "amps_xml.message_disk_limit", Warning,
        AMPS,
        "MessageDiskLimit at least MessageMemoryLimit";
    AMPS_XML_DISK_PATH = "amps_xml.message_disk_path", Warning,
        AMPS,
        "MessageDiskPath on fast, large storage";
    AMPS_XML_JOURNAL = "amps_xml.journal.preallocation", Info,
        AMPS,
        "PreallocatedJournalFiles for a working day";
    AMPS_XML_MINIDUMP = "amps_xml.minidump_directory", Info,
        AMPS,
        "MiniDumpDirectory on a monitored disk, not /tmp";
}

/// The rule with this id, if any.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// docs/rules.md's table, generated from [`RULES`].
pub fn markdown_table() -> String {
    let mut out = String::from("| id | severity | source | fix |\n| --- | --- | --- | --- |\n");
    for r in RULES {
        let sev = match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.id,
            sev,
            r.source.replace('|', "\\|"),
            r.fix.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(RULES[i + 1..].iter().all(|o| o.id != r.id), "{} twice", r.id);
        }
    }

    /// docs/rules.md holds the generated table; `UPDATE_RULES=1` rewrites it.
    #[test]
    fn docs_rules_md_lists_every_rule() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md");
        let table = markdown_table();
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        if std::env::var_os("UPDATE_RULES").is_some() {
            let head = doc.split("| id | severity").next().unwrap_or("").to_string();
            std::fs::write(path, format!("{head}{table}")).unwrap();
            return;
        }
        assert!(doc.contains(&table), "docs/rules.md is stale: run UPDATE_RULES=1 cargo test");
        for r in RULES {
            assert!(doc.contains(&format!("`{}`", r.id)), "{} missing", r.id);
        }
    }
}
