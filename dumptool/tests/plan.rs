//! `dumptool plan`: the real binary over examples/, each output format pinned
//! by a snapshot, and the exit codes (0 evaluated, 1 errors, 2 bad input).

mod common;

use std::path::{Path, PathBuf};

use common::{dumptool, Run};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `dumptool plan ARGS` at the repository root.
fn plan(args: &[&str]) -> Run {
    dumptool("plan", args, &root())
}

#[test]
fn text_amps() {
    let run = plan(&["examples/amps.toml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("54.2 GB (50.4 GiB)"));
    insta::assert_snapshot!("plan_text_amps", run.stdout);
}

#[test]
fn json_amps() {
    let run = plan(&["examples/amps.toml", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["outcomes"][0]["result"]["quantities"][0]["value"], 54_156_819_200u64);
    insta::assert_snapshot!("plan_json_amps", run.stdout);
}

#[test]
fn markdown_amps() {
    let run = plan(&["examples/amps.toml", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    insta::assert_snapshot!("plan_markdown_amps", run.stdout);
}

#[test]
fn errors_exit_1() {
    let dir = tempfile();
    let f = dir.join("small.toml");
    std::fs::write(&f, "[host]\nram = \"512 MiB\"\n[amps.memory]\nclients = 200\n").unwrap();
    let run = plan(&[f.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("error amps.memory.exceeds_ram"), "{}", run.stdout);
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let dir = tempfile();
    let f = dir.join("typo.toml");
    std::fs::write(&f, "[amps.memory]\nclinets = 200\n").unwrap();
    let run = plan(&[f.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("clinets"), "{}", run.stderr);
}

/// Issue 22: a reversed port range, and Aerospike values outside their C
/// types, are input errors naming the field and the bound.
#[test]
fn values_outside_their_source_bounds_exit_2_naming_the_field() {
    let dir = tempfile();
    for (name, text, field) in [
        (
            "range.toml",
            "[host.kernel]\nip_local_port_range = [65535, 1024]\n[connections.kernel]\n",
            "host.kernel.ip_local_port_range: [65535, 1024] is an empty range",
        ),
        (
            "nodes.toml",
            "[aerospike.shm]\nshm_max_nodes = 4294967296\n",
            "aerospike.shm.shm_max_nodes: 4294967296 is above the largest allowed value, 4294967295",
        ),
    ] {
        let f = dir.join(name);
        std::fs::write(&f, text).unwrap();
        let run = plan(&[f.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(field), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
}

/// A fresh directory under the target dir for this test binary.
fn tempfile() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("plan-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
