//! Every plan in examples/ evaluates without a CalcError and its key figures
//! hold.

use std::path::{Path, PathBuf};

use headroom_core::plan::{evaluate, Plan, Report};

fn examples() -> Vec<(PathBuf, Report)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let plan = Plan::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((path, evaluate(&plan)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn report(name: &str) -> Report {
    examples().into_iter().find(|(p, _)| p.ends_with(name)).expect(name).1
}

#[test]
fn no_example_has_a_calc_error() {
    let all = examples();
    assert!(all.len() >= 5, "{} examples", all.len());
    for (path, r) in all {
        assert!(
            r.errors().next().is_none(),
            "{}: {:?}",
            path.display(),
            r.errors().collect::<Vec<_>>()
        );
        assert!(!r.outcomes.is_empty(), "{} evaluates nothing", path.display());
    }
}

#[test]
fn key_figures() {
    let amps = report("amps.toml");
    let m = amps.get("amps.memory").expect("amps.memory");
    assert_eq!(m.quantity("estimate"), Some(54_156_819_200));
    assert_eq!(m.quantity("recommended"), Some(108_313_638_400));
    let limits = amps.get("amps.limits").expect("amps.limits");
    assert_eq!(limits.quantity("nofile"), Some(32_768));
    // The guide's `ulimit -c 0` for a 54 GB instance would lower a limit:
    // noted, never given as a value or a fix.
    assert_eq!(limits.quantity("core_limit"), None);
    let core = limits.findings.iter().find(|f| f.id == "amps.limits.core").expect("the note");
    assert_eq!(core.fix, None);
    let slow = amps.get("amps.slow_clients").expect("amps.slow_clients");
    assert_eq!(slow.quantity("message_disk_limit"), Some(10_240_000_000));
    let maglev = report("maglev-t1micro.toml");
    assert!(!maglev.has_errors(), "307200 KB must pass on a t1.micro");
    let cache = maglev.get("gemstone.page_cache").expect("gemstone.page_cache");
    // 307200 KiB / 16 = 19200 pages of 16 KiB = 314,572,800 B, + 10%.
    assert_eq!(cache.quantity("segment"), Some(346_030_080));
    // 50% of 613 MB = 306,500,000 B; / 1.1 = 278,636,300 B of cache; 265 whole MiB.
    assert_eq!(cache.quantity("recommended_kb"), Some(265 * 1024));
    let shm = report("aerospike.toml");
    // The client sizes for its maxima (16 nodes, 8 namespaces), 0xA9000000
    // layout: 56 + 16·432 + 8·(40 + 4096·16).
    assert_eq!(shm.get("aerospike.shm").and_then(|r| r.quantity("segment")), Some(531_576));
    let mc = report("megacomet.toml");
    // 8 workers share a million connections: 125,000 each plus the reserve.
    let kernel = mc.get("connections.kernel").expect("connections.kernel");
    assert_eq!(kernel.quantity("nofile"), Some(125_064));
    assert_eq!(kernel.quantity("file_max"), Some(1_000_512));
    // 4000 closes/s, each socket 60 s in TIME_WAIT.
    assert_eq!(kernel.quantity("time_wait"), Some(240_000));
    let vps = report("vps-256mb.toml");
    let memory = vps.get("vps.memory").expect("vps.memory");
    assert_eq!(memory.quantity("max_connections"), Some(70));
}

/// The AMPS capacity-planning sections of examples/amps.toml (16 cores,
/// NVMe), checked against the guide's worked examples where it has one.
#[test]
fn amps_storage_network_and_cpu_figures() {
    let amps = report("amps.toml");
    let get = |id: &str| amps.get(id).unwrap_or_else(|| panic!("{id}"));
    let sow = get("amps.sow_storage");
    // 20,000,000 · 1 KiB + 16 cores · 1 MiB · 10 topics (Example 25.3).
    assert_eq!(sow.quantity("min"), Some(20_647_772_160));
    // (1 KiB + 1 MiB) · 20,000,000 (Example 25.4).
    assert_eq!(sow.quantity("max"), Some(20_992_000_000_000));
    // 1 MiB − 64 B is below AMPS's floor (Example 25.5).
    assert_eq!(sow.quantity("max_message_size"), Some(1_048_576));
    assert_eq!(sow.quantity("maps"), Some(19_532 + 160));
    let slab = get("amps.slab");
    // "a SlabSize of 2.5MB" for 512 B average and 1.2 MB largest messages.
    assert_eq!(slab.quantity("suggested_slab_size"), Some(2_500_000));
    assert_eq!(slab.quantity("empty_sow"), Some(16 * 2_500_000));
    let txlog = get("amps.txlog");
    // (1 KiB + 512 B) · 5000/s · 1 day (Example 25.6).
    assert_eq!(txlog.quantity("capacity"), Some(663_552_000_000));
    assert_eq!(txlog.quantity("file_size"), Some(66_355_200_000));
    assert_eq!(txlog.quantity("files"), Some(10));
    assert_eq!(txlog.quantity("preallocated_files"), Some(4));
    assert_eq!(txlog.quantity("write_throughput"), Some(7_680_000));
    // 2 MB per 10 million published: 3,024,000,000 messages a week.
    assert_eq!(get("amps.logs").quantity("retained"), Some(604_800_000));
    let slow = get("amps.slow_clients");
    // 10 GB set now, plus 1% and 2% of 64 GiB.
    assert_eq!(slow.quantity("memory_step_1_percent"), Some(10_687_194_767));
    assert_eq!(slow.quantity("memory_step_2_percent"), Some(11_374_389_534));
    assert!(slow.findings.is_empty(), "{:?}", slow.findings);
    let storage = get("amps.storage");
    // SOW min + journal + logs + the planned 20 GB MessageDiskLimit + 2 GB.
    assert_eq!(
        storage.quantity("total_min"),
        Some(20_647_772_160 + 663_552_000_000 + 604_800_000 + 20_000_000_000 + 2_000_000_000)
    );
    assert_eq!(
        storage.quantity("total_max"),
        Some(20_992_000_000_000 + 663_552_000_000 + 604_800_000 + 20_000_000_000 + 2_000_000_000)
    );
    let ids: Vec<&str> = storage.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, ["amps.storage.may_exceed_disk"]);
    let net = get("amps.network");
    // Example 25.7: "~ 9 MB / s ~ 72 Mb / s", a 100 Mb/s class network.
    assert_eq!(net.quantity("bandwidth"), Some(9_050_000));
    assert_eq!(net.quantity("bandwidth_bits"), Some(72_400_000));
    assert_eq!(net.quantity("network_class"), Some(100_000_000));
    let cpu = get("amps.cpu");
    // 500,000 + 20,000,000/12 evaluations a second at 1,000,000 per core.
    assert_eq!(cpu.quantity("cores"), Some(2_167));
    for id in
        ["amps.sow_storage", "amps.slab", "amps.txlog", "amps.logs", "amps.network", "amps.cpu"]
    {
        assert!(get(id).findings.is_empty(), "{id}: {:?}", get(id).findings);
    }
}
