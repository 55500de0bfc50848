//! Crash stores: the fixture core compressed by the same tools (zstd, lz4,
//! xz, gzip) systemd-coredump and users compress with, and wrapped as an
//! apport report, analyzes to the same summary as the bare core; so does a
//! core stored by systemd-coredump itself.

use std::process::Command;

use serde_json::Value;

use crate::support::{core_fixture, dumptool};

fn summary(path: &str) -> Value {
    let run = dumptool(&["analyze", path, "--format", "json", "--no-host-files"]);
    assert_eq!(run.code, 0, "{path}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The summary without the `store` key, for comparison with the bare core.
fn without_store(mut v: Value) -> (Value, Value) {
    let store = v.as_object_mut().unwrap().remove("store").unwrap_or(Value::Null);
    (v, store)
}

#[test]
fn compressed_cores_read_as_the_bare_core() {
    let bare = summary(&core_fixture());
    let dir = tempfile::tempdir().unwrap();
    for (tool, args, name) in [
        ("zstd", &["-q", "-c"][..], "zstd"),
        ("lz4", &["-q", "-c"], "lz4"),
        ("xz", &["-c"], "xz"),
        ("gzip", &["-c"], "gzip"),
    ] {
        // `cargo xtask setup` installs these (zstd, lz4, xz-utils, gzip).
        let out = Command::new(tool)
            .args(args)
            .arg(core_fixture())
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}: apt-get install zstd lz4 xz-utils"));
        assert!(out.status.success(), "{tool}");
        // systemd-coredump's naming: core.COMM.UID.BOOTID.PID.TIMESTAMP.EXT
        let path = dir.path().join(format!("core.dumptool-testee.0.b00t.24335.1764756000.{tool}"));
        std::fs::write(&path, &out.stdout).unwrap();
        let (got, store) = without_store(summary(path.to_str().unwrap()));
        assert_eq!(got, bare, "{tool}");
        assert_eq!(store["wrapping"], name);
        let text = dumptool(&["analyze", path.to_str().unwrap(), "--no-host-files"]);
        assert!(text.stdout.contains(&format!("Unpacked:  {name}")), "{}", text.stdout);
    }
}

#[test]
fn apport_reports_show_their_core_and_identifying_fields_only() {
    use base64::Engine as _;
    use std::io::Write;
    let core = std::fs::read(core_fixture()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&core).unwrap();
    let gz = gz.finish().unwrap();
    let mut report = String::from(
        "ProblemType: Crash\nDate: Thu Dec  3 10:00:00 2026\n\
         ExecutablePath: /usr/bin/dumptool-testee\nPackage: dumptool-testee 0.1\n\
         ProcCmdline: dumptool-testee --password=PLANTED-apport-0008\n\
         ProcEnviron:\n DB_PASSWORD=PLANTED-apport-0009\nSignal: 11\nCoreDump: base64\n",
    );
    // apport writes the gzip stream in pieces, each base64 on its own line.
    for piece in gz.chunks(1024) {
        report.push(' ');
        report.push_str(&base64::engine::general_purpose::STANDARD.encode(piece));
        report.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("_usr_bin_dumptool-testee.0.crash");
    std::fs::write(&path, report).unwrap();
    let (got, store) = without_store(summary(path.to_str().unwrap()));
    assert_eq!(got, summary(&core_fixture()));
    assert_eq!(store["wrapping"], "apport report");
    let fields: Vec<&str> =
        store["fields"].as_array().unwrap().iter().map(|f| f[0].as_str().unwrap()).collect();
    assert_eq!(fields, ["ProblemType", "Date", "ExecutablePath", "Package", "Signal"]);
    for args in [&["analyze"][..], &["report"], &["analyze", "--format", "json"]] {
        let run = dumptool(&[args, &[path.to_str().unwrap()]].concat());
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.stdout.contains("PLANTED"), "{args:?}: no secret from the report's fields");
    }
}

#[test]
fn a_damaged_compressed_dump_is_bad_input_naming_the_compression() {
    let out = Command::new("zstd").args(["-q", "-c"]).arg(core_fixture()).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("core.zst");
    std::fs::write(&path, &out.stdout[..out.stdout.len() / 2]).unwrap();
    let run = dumptool(&["analyze", path.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("damaged zstd data"), "{}", run.stderr);
}

#[test]
fn list_shows_systemd_coredumps_store_with_the_process() {
    let out = Command::new("zstd").args(["-q", "-c"]).arg(core_fixture()).output().unwrap();
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("core.dumptool-testee.0.b00t.24335.1764756000.zst"),
        &out.stdout,
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a dump").unwrap();
    // A compressed file that holds no dump is not one: prune never takes it.
    let log = Command::new("sh").args(["-c", "echo a log line | gzip -c"]).output().unwrap();
    std::fs::write(dir.path().join("app.log.gz"), &log.stdout).unwrap();
    let v = lists_the_fixture_core_alone(dir.path());
    let others: Vec<(&str, &str)> = v["others"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let name = o["path"].as_str().unwrap().rsplit('/').next().unwrap();
            (name, o["what"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        others,
        [
            ("app.log.gz", "gzip data that holds no minidump or core file"),
            ("notes.txt", "not a minidump or an ELF core file")
        ]
    );
    let pruned = dumptool(&["prune", dir.path().to_str().unwrap(), "--keep", "0"]);
    assert_eq!(pruned.code, 0, "{}", pruned.stderr);
    assert!(dir.path().join("app.log.gz").exists(), "{}", pruned.stdout);
}

/// The fixture core as Debian's systemd-coredump itself stored it (see
/// testdata/cores/README.md): libzstd's streaming frame, which leaves the
/// content size out, and the store's own file name.
#[test]
fn a_core_stored_by_systemd_coredump_reads_as_the_bare_core() {
    let stored = std::path::Path::new(&core_fixture()).with_file_name(
        "core.dumptool-testee.0.e2583fb51c8644c19666334855fb5b94.17322.1796325855000000.zst",
    );
    let (got, store) = without_store(summary(stored.to_str().unwrap()));
    assert_eq!(got, summary(&core_fixture()));
    assert_eq!(store["wrapping"], "zstd");

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&stored, dir.path().join(stored.file_name().unwrap())).unwrap();
    lists_the_fixture_core_alone(dir.path());
}

/// `dumptool list DIR --format json`, checked to find the fixture's zstd
/// core and no other dump.
fn lists_the_fixture_core_alone(dir: &std::path::Path) -> Value {
    let run = dumptool(&["list", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let entries = v["dumps"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{v}");
    assert_eq!(entries[0]["format"], "ELF core file (zstd)");
    assert_eq!(entries[0]["process"], "dumptool-testee");
    assert!(entries[0]["crash"].as_str().unwrap().starts_with("SIGSEGV"), "{v}");
    v
}
