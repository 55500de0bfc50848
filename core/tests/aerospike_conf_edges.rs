//! Aerospike client shared-memory settings at their edges: a segment equal
//! to kernel.shmmax, maxima equal to the real cluster, an `ipcs` segment of
//! exactly the expected size, and each way a line is read.

use headroom_core::aerospike::{segment_size, Client};
use headroom_core::finding::Finding;
use headroom_core::host::Host;
use headroom_core::units::Bytes;
use headroom_core::validate::rules::*;
use headroom_core::validate::{check_files, Context, Format, Needs};

/// The current client (the default) with the default maxima: 16 nodes, 8
/// namespaces.
fn default_segment() -> u64 {
    segment_size(Client::V7_4_1.layout(), 16, 8).unwrap()
}

fn check(files: &[(&str, &str, Format)], host: Option<&Host>, needs: &Needs) -> Vec<Finding> {
    let files: Vec<(&str, &str, Option<Format>)> =
        files.iter().map(|&(n, t, f)| (n, t, Some(f))).collect();
    let ctx = Context { host, needs: Some(needs) };
    check_files(&files, &ctx).unwrap().all_findings().cloned().collect()
}

fn conf(text: &str, host: Option<&Host>, needs: &Needs) -> Vec<Finding> {
    check(&[("client.conf", text, Format::AerospikeConf)], host, needs)
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id).collect()
}

fn fix_of<'a>(findings: &'a [Finding], id: &str) -> Option<&'a str> {
    findings.iter().find(|f| f.id == id).and_then(|f| f.fix.as_deref())
}

#[test]
fn lines_keys_and_numbers() {
    let none = Needs::default();
    let clean = "# c\n[cluster east]\nuse_shm = true\nconfig.shm_key = 0XA7000010;\n\
                 shm_max_nodes = 0x10\nshm_max_namespaces = 8 ; trailing\n";
    assert_eq!(ids(&conf(clean, None, &none)), Vec::<&str>::new());
    assert_eq!(ids(&conf("shm_max_nodes 16\n", None, &none)), [AEROSPIKE_SYNTAX.id]);
    assert_eq!(ids(&conf("shm_max_nodes = lots\n", None, &none)), [AEROSPIKE_SYNTAX.id]);
    assert_eq!(ids(&conf("shm_size = 5\n", None, &none)), [AEROSPIKE_UNKNOWN.id]);
}

#[test]
fn the_segment_may_equal_shmmax() {
    let none = Needs::default();
    let seg = default_segment();
    let mut host = Host::default();
    host.kernel.shmmax = Some(Bytes(seg));
    assert_eq!(ids(&conf("use_shm = true\n", Some(&host), &none)), Vec::<&str>::new());
    host.kernel.shmmax = Some(Bytes(seg - 1));
    let f = conf("use_shm = true\n", Some(&host), &none);
    assert_eq!(ids(&f), [AEROSPIKE_SHMMAX.id]);
    assert_eq!(fix_of(&f, AEROSPIKE_SHMMAX.id), Some(format!("kernel.shmmax = {seg}").as_str()));
    // Fewer maxima, smaller segment: the settings reach the size.
    let small = segment_size(Client::V7_4_1.layout(), 4, 2).unwrap();
    host.kernel.shmmax = Some(Bytes(small));
    let text = "use_shm = true\nshm_max_nodes = 4\nshm_max_namespaces = 2\n";
    assert_eq!(ids(&conf(text, Some(&host), &none)), Vec::<&str>::new());
}

#[test]
fn maxima_need_room_above_the_real_cluster() {
    let real = |nodes, namespaces| Needs {
        aerospike_nodes: Some(nodes),
        aerospike_namespaces: Some(namespaces),
        ..Needs::default()
    };
    let text = "use_shm = true\nshm_max_nodes = 16\nshm_max_namespaces = 2\n";
    assert_eq!(ids(&conf(text, None, &real(15, 1))), Vec::<&str>::new());
    let f = conf(text, None, &real(16, 1));
    // Twice the real count, at least four more: 32 nodes.
    assert_eq!(fix_of(&f, AEROSPIKE_CUSHION.id), Some("shm_max_nodes = 32"));
    let f = conf(text, None, &real(1, 2));
    // 2 namespaces: 2 + 4 = 6 beats 2 · 2.
    assert_eq!(fix_of(&f, AEROSPIKE_CUSHION.id), Some("shm_max_namespaces = 6"));
}

#[test]
fn two_clusters_on_one_key_collide() {
    let text = "[cluster a]\nuse_shm = 1\nshm_key = 0xA7000000\n\
                [cluster b]\nuse_shm = true\nshm_key = 0xA7000000\n";
    let f = conf(text, None, &Needs::default());
    assert_eq!(ids(&f), [AEROSPIKE_SHARED_KEY.id]);
    assert_eq!(fix_of(&f, AEROSPIKE_SHARED_KEY.id), Some("shm_key = 0xA7000001"));
    assert_eq!(f[0].location.as_ref().unwrap().line, 4);
    let apart = "[cluster a]\nuse_shm = true\nshm_key = 0xA7000000\n\
                 [cluster b]\nuse_shm = true\nshm_key = 0xA7000001\n";
    assert_eq!(ids(&conf(apart, None, &Needs::default())), Vec::<&str>::new());
}

#[test]
fn an_existing_segment_must_have_the_size_the_settings_need() {
    let none = Needs::default();
    let seg = default_segment();
    let ipcs = |bytes: u64| format!("0xa7000000 622592 root 666 {bytes} 0\nkey shmid owner\n");
    let pair = |bytes: u64| {
        check(
            &[
                ("client.conf", "use_shm = true\n", Format::AerospikeConf),
                ("ipcs.txt", &ipcs(bytes), Format::Ipcs),
            ],
            None,
            &none,
        )
    };
    assert_eq!(ids(&pair(seg)), Vec::<&str>::new());
    let f = pair(seg + 1);
    assert_eq!(ids(&f), [AEROSPIKE_SIZE_MISMATCH.id]);
    assert_eq!(
        fix_of(&f, AEROSPIKE_SIZE_MISMATCH.id),
        Some(
            "one-shot: stop every client, then ipcrm -M 0xA7000000; rolling: shm_key = 0xA7000001"
        )
    );
    // Without a client file, the plan's segment is expected at the default key.
    let planned = Needs { aerospike_segment: Some(Bytes(263_224)), ..Needs::default() };
    let alone = |bytes| check(&[("ipcs.txt", &ipcs(bytes), Format::Ipcs)], None, &planned);
    assert_eq!(ids(&alone(263_224)), Vec::<&str>::new());
    assert_eq!(ids(&alone(263_225)), [AEROSPIKE_SIZE_MISMATCH.id]);
    let bad = check(&[("ipcs.txt", "0xzz 1 root 666 5 0\n", Format::Ipcs)], None, &none);
    assert_eq!(ids(&bad), [AEROSPIKE_SYNTAX.id]);
}

/// as_config.c sets `use_shm = false`, and as_cluster.c makes the shared
/// segment only when it is true: shm settings without it do nothing.
#[test]
fn shared_memory_settings_need_use_shm() {
    let none = Needs::default();
    for text in ["shm_key = 0xA7000000\n", "use_shm = false\nshm_max_nodes = 32\n"] {
        let f = conf(text, None, &none);
        assert_eq!(ids(&f), [AEROSPIKE_SHM_OFF.id], "{text}");
        assert_eq!(fix_of(&f, AEROSPIKE_SHM_OFF.id), Some("use_shm = true"));
    }
    // Off with nothing else set is a client without shared memory: fine.
    assert_eq!(ids(&conf("use_shm = false\n", None, &none)), Vec::<&str>::new());
    assert_eq!(ids(&conf("use_shm = yes\n", None, &none)), [AEROSPIKE_SYNTAX.id]);
}

/// `takeover_threshold_ms = shm_takeover_threshold_sec * 1000` is a
/// uint32_t (as_shm_cluster.c, 7.5.0): 4,294,967 s is the largest kept.
#[test]
fn the_takeover_threshold_wraps_past_4294967_seconds() {
    let none = Needs::default();
    let at =
        |v: u64| conf(&format!("use_shm = true\nshm_takeover_threshold_sec = {v}\n"), None, &none);
    assert_eq!(ids(&at(30)), Vec::<&str>::new());
    assert_eq!(ids(&at(4_294_967)), Vec::<&str>::new());
    let f = at(4_294_968);
    assert_eq!(ids(&f), [AEROSPIKE_TAKEOVER_WRAPS.id]);
    // 4,294,968,000 mod 2^32 = 704 ms.
    assert!(f[0].message.contains("after 704 ms"), "{}", f[0].message);
    assert_eq!(f[0].location.as_ref().unwrap().line, 2);
    let f = at(1 << 32);
    assert!(f[0].message.contains("uint32_t"), "{}", f[0].message);
}

/// The file gets the plan's verdicts on the same settings: a value wider
/// than the uint32_t it is declared as is an error naming it, and maxima
/// whose segment passes 4 GiB - 1 wrap in the client (aerospike.shm.size_wraps).
#[test]
fn maxima_that_wrap_in_the_client_are_errors_as_in_the_plan() {
    let none = Needs::default();
    let wide = conf("use_shm = true\nshm_max_nodes = 4294967296\n", None, &none);
    assert_eq!(ids(&wide), [AEROSPIKE_SYNTAX.id]);
    assert!(
        wide[0].message.starts_with("shm_max_nodes = 4294967296 is above"),
        "{}",
        wide[0].message
    );
    assert_eq!(wide[0].location.as_ref().unwrap().line, 2);
    let at = conf("use_shm = true\nshm_max_nodes = 4294967295\n", None, &none);
    assert_eq!(ids(&at), [AEROSPIKE_SIZE_WRAPS.id]);
    // The largest maxima whose segment still fits 4 GiB - 1 pass.
    let fits =
        conf("use_shm = true\nshm_max_nodes = 16\nshm_max_namespaces = 65000\n", None, &none);
    assert_eq!(ids(&fits), Vec::<&str>::new());
}
