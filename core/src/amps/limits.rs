//! The Linux limits AMPS needs, as the AMPS User Guide states them (ch. 25
//! "Operation and Deployment", Linux Operating System Configuration). One
//! place for each threshold: the `amps.limits` calculator and the sysctl and
//! limits validators both read these.

/// `ulimit -n`: minimum ("Minimum: 4096").
pub const NOFILE_MIN: u64 = 4096;
/// `ulimit -n`: recommended ("Recommended: 32768").
pub const NOFILE_RECOMMENDED: u64 = 32_768;
/// fs.aio-max-nr: the per-instance base ("at least 16384 plus 8192 for each SOW topic").
pub const AIO_PER_INSTANCE: u64 = 16_384;
/// fs.aio-max-nr: per SOW topic.
pub const AIO_PER_SOW_TOPIC: u64 = 8192;
/// fs.aio-max-nr: "Minimum: 65536".
pub const AIO_MAX_NR_MIN: u64 = 65_536;
/// fs.aio-max-nr: "Recommended: 1048576".
pub const AIO_MAX_NR_RECOMMENDED: u64 = 1_048_576;
/// fs.file-max: "Minimum: 262144".
pub const FILE_MAX_MIN: u64 = 262_144;
/// fs.file-max: "Recommended: 6815744".
pub const FILE_MAX_RECOMMENDED: u64 = 6_815_744;
/// vm.max_map_count: "Minimum: 65530" (also the kernel's default).
pub const MAX_MAP_COUNT_MIN: u64 = 65_530;
/// vm.max_map_count: "Recommended: 500000".
pub const MAX_MAP_COUNT_RECOMMENDED: u64 = 500_000;
