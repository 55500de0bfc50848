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

/// Issue 16, bad input: each plan below exits 2 with one short line on
/// stderr that names the field (or section, or line) as the file writes it,
/// and prints no report.
#[test]
fn bad_plans_exit_2_with_one_short_line_naming_the_field() {
    let huge = format!("[amps.memory]\nclients = \"{}\"\n", "9".repeat(10_000_000));
    let huge_json =
        format!("{{\"amps\":{{\"memory\":{{\"clients\":\"{}\"}}}}}}", "x".repeat(10_000_000));
    let cases: &[(&str, &str, &str)] = &[
        ("empty.toml", "", "the plan is empty"),
        ("empty.json", "{}", "the plan is empty"),
        ("host-only.toml", "[host]\nram = \"1 GiB\"\n", "no calculator section"),
        ("empty-section.toml", "[amps.memory]\n", "[amps.memory] is empty"),
        ("empty-system.toml", "[amps]\n", "[amps] is empty"),
        ("empty-section.json", r#"{"vps":{"memory":{}}}"#, "[vps.memory] is empty"),
        ("negative.toml", "[amps.memory]\nclients = -5\n", "`amps.memory.clients` (line 2): \"-5\" is negative"),
        ("negative.json", r#"{"amps":{"memory":{"clients":-5}}}"#, "`amps.memory.clients` (line 1): \"-5\" is negative"),
        ("nan.toml", "[amps.memory]\nclients = nan\n", "`amps.memory.clients` (line 2): \"NaN\" is not a number"),
        ("inf.toml", "[amps.memory]\nclients = inf\n", "`amps.memory.clients` (line 2): \"inf\" is too large"),
        ("1e300.toml", "[amps.memory]\nclients = 1e300\n", "`amps.memory.clients` (line 2): \"1e300\" is too large"),
        ("1e300.json", r#"{"amps":{"memory":{"clients":1e300}}}"#, "\"1e300\" is too large"),
        ("bool.toml", "[amps.memory]\nclients = true\n", "`amps.memory.clients` (line 2): \"true\" is not a number"),
        ("table.toml", "[amps.memory]\nclients = [1]\n", "`amps.memory.clients` (line 2): invalid type: sequence"),
        ("unit.toml", "[amps.memory]\njournal_size = \"1 GBB\"\n", "`amps.memory.journal_size` (line 2): unknown unit"),
        ("typo.toml", "[amps.memory]\nclinets = 200\n", "unknown field `clinets`"),
        ("duplicate.toml", "[amps.memory]\nclients = 1\nclients = 2\n", "line 3, column 1: duplicate key `clients`"),
        ("duplicate.json", r#"{"amps":{"memory":{"clients":1,"clients":2}}}"#, "`amps.memory` (line 1): duplicate field `clients`"),
        ("range.toml", "[gemstone.page_cache]\nshr_page_cache_size_kb = 0\n", "must be at least 1"),
        ("huge.toml", &huge, "`amps.memory.clients` (line 2): \"9999999999999999999999999999999999999999... (10000000 characters)\" is too large"),
        ("huge.json", &huge_json, "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (10000000 characters)\" is not a number"),
    ];
    let dir = tempfile();
    for (name, text, says) in cases {
        let f = dir.join(name);
        std::fs::write(&f, text).unwrap();
        let run = plan(&[f.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{name}: {}{}", run.stdout, run.stderr);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains(says), "{name}: {all}");
        assert!(all.len() < 400, "{name}: {} bytes of output", all.len());
        if !name.starts_with("range") {
            assert_eq!(run.stdout, "", "{name}: no report for a plan that cannot be read");
            assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
        }
    }
    // A dump given by mistake: said in words, not as a decoder's error.
    let f = dir.join("crash.dmp");
    std::fs::write(&f, b"MDMP\x93\xa7\x00\x00\xff\xfe").unwrap();
    let run = plan(&[f.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("crash.dmp: not a text file"), "{}", run.stderr);
}

/// `plan --help` documents exactly the codes the command returns, and each
/// is reached: 0 for a clean plan, 1 for error findings, 2 for bad input.
#[test]
fn help_documents_exit_codes_0_1_2() {
    let help = plan(&["--help"]);
    assert_eq!(help.code, 0);
    let codes = help.stdout.split("Exit codes:").nth(1).expect("an Exit codes paragraph");
    let documented: Vec<&str> =
        ["0 ", "1 ", "2 ", "3 "].into_iter().filter(|c| codes.contains(&format!(" {c}"))).collect();
    assert_eq!(documented, ["0 ", "1 ", "2 "], "{codes}");
    let dir = tempfile();
    for (name, text, code) in [
        ("ok.toml", "[host]\nram = \"64 GiB\"\n[amps.memory]\nclients = 200\n", 0),
        ("small.toml", "[host]\nram = \"512 MiB\"\n[amps.memory]\nclients = 200\n", 1),
        ("bad.toml", "[amps.memory]\nclients = -1\n", 2),
    ] {
        let f = dir.join(name);
        std::fs::write(&f, text).unwrap();
        assert_eq!(plan(&[f.to_str().unwrap()]).code, code, "{name}");
    }
}

/// Issue 22: a reversed port range, and Aerospike values outside their C
/// types, are input errors naming the field and the bound.
#[test]
fn values_outside_their_source_bounds_exit_2_naming_the_field() {
    let dir = tempfile();
    for (name, text, field) in [
        (
            "reversed-ports.toml",
            "[host.kernel]\nip_local_port_range = [65535, 1024]\n[connections.kernel]\nconnections = 1000\n",
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

/// A fresh directory under the target dir for this test.
fn tempfile() -> PathBuf {
    // One directory per call: the tests run at once and reuse file names.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("plan-{}-{n}", std::process::id());
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A plan is read from a regular file or standard input, and bounded: a
/// device (`/dev/zero`) used to be read until memory ran out, in `plan`,
/// `fixes` and `check --plan` alike.
#[test]
fn a_plan_is_a_file_or_standard_input() {
    let run = |cmd: &mut std::process::Command| {
        let o = cmd.output().unwrap();
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    };
    for args in [
        &["plan", "/dev/zero"][..],
        &["fixes", "/dev/zero"],
        &["check", "--plan", "/dev/zero", "examples/amps.toml"],
    ] {
        let run = run(std::process::Command::new("sh")
            .args(["-c", "ulimit -v 1000000; exec \"$@\"", "sh", common::DUMPTOOL])
            .args(args));
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("/dev/zero: not a regular file"), "{args:?}: {}", run.stderr);
    }
    let from_file = plan(&["examples/amps.toml"]);
    let from_stdin = run(std::process::Command::new(common::DUMPTOOL)
        .args(["plan", "-"])
        .stdin(std::fs::File::open(root().join("examples/amps.toml")).unwrap()));
    assert_eq!(from_stdin.code, from_file.code, "{}", from_stdin.stderr);
    assert_eq!(from_stdin.stdout, from_file.stdout);
}
