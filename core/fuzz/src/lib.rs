//! What every validator fuzz target does with its input: check it alone,
//! against a small host and a demanding plan, and twice in a row (overrides).

use headroom_core::host::{Host, Kernel};
use headroom_core::units::{Bytes, Count};
use headroom_core::validate::{check_files, check_text, Context, DbVersion, Format, Needs};

pub fn run(text: &str, format: Option<Format>) {
    let _ = check_text("fuzz", text, format, &Context::default());
    let host = Host {
        ram: Bytes(613_000_000),
        kernel: Kernel {
            shmmax: Some(Bytes(32 << 20)),
            shmall: Some(Count(2_097_152)),
            ..Kernel::default()
        },
        ..Host::default()
    };
    let needs = Needs {
        amps: true,
        nofile: Some(2_000_000),
        connections: Some(1_000_000),
        tcp_memory: Some(Bytes(8 << 30)),
        max_message_size: Some(Bytes(8_000_000)),
        aerospike_segment: Some(Bytes(531_320)),
        aerospike_nodes: Some(16),
        db_version: Some(DbVersion { mariadb: false, major: 8, minor: 0, patch: 36 }),
        ..Needs::default()
    };
    let ctx = Context { host: Some(&host), needs: Some(&needs) };
    if let Ok(report) = check_text("fuzz", text, format, &ctx) {
        assert!(report.findings.iter().all(|f| !f.id.is_empty() && !f.message.is_empty()));
    }
    let _ = check_files(&[("a", text, format), ("b", text, format)], &ctx);
}
