//! Stacks and names from the host's own files: a capture of Debian's
//! `sleep` is unwound with the CFI of its binaries and named from their
//! symbol tables and debug files, matched by build-id.

use std::process::{Command, Stdio};

use headroom_tests::skip;
use serde_json::Value;

use crate::support::{core_fixture, dumptool, Testee, TESTEE};

/// Captures `/usr/bin/sleep` (a Debian binary, stripped, with `.eh_frame`)
/// and returns the JSON summary of `analyze` with the given extra flags.
fn sleep_summary(extra: &[&str]) -> Value {
    let mut child = Command::new("/usr/bin/sleep")
        .arg("60")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn sleep");
    // Let sleep reach its nanosleep.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sleep.dmp");
    let path = path.to_str().unwrap();
    let run = dumptool(&["capture", &child.id().to_string(), "-o", path]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = dumptool(&[&["analyze", path, "--format", "json"][..], extra].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn frames(v: &Value) -> Vec<Value> {
    let i = v["crashing_thread"].as_u64().unwrap() as usize;
    v["threads"][i]["frames"].as_array().unwrap().clone()
}

#[test]
fn a_debian_binary_is_unwound_with_cfi_and_named_from_the_hosts_files() {
    let v = sleep_summary(&[]);
    let frames = frames(&v);
    assert!(frames.len() >= 4, "main's callers are reached: {frames:#?}");
    for f in &frames[1..] {
        assert_eq!(f["trust"], "cfi", "every caller from .eh_frame, none scanned: {f}");
    }
    let libc: Vec<&Value> = frames.iter().filter(|f| f["module"] == "libc.so.6").collect();
    assert!(!libc.is_empty());
    for f in &libc {
        let name = f["function"].as_str().unwrap_or_else(|| panic!("libc frame named: {f}"));
        let by = f["named_by"].as_str().unwrap();
        assert!(
            by.starts_with("DWARF in ") || by.starts_with("symbol table of "),
            "{name} named by {by}"
        );
    }
    // The sleep is in libc's nanosleep family, whatever name the symbol
    // table or DWARF gives it (clock_nanosleep, __GI___clock_nanosleep).
    let top = frames[0]["function"].as_str().unwrap();
    assert!(top.contains("nanosleep"), "{top}");
    // The stack ends in libc's start code, as every main thread's does.
    assert!(
        libc.iter().any(|f| f["function"].as_str().unwrap().contains("libc_start")),
        "{libc:#?}"
    );
}

#[test]
fn without_the_hosts_files_frames_are_scanned_and_unnamed() {
    let v = sleep_summary(&["--no-host-files"]);
    let frames = frames(&v);
    assert!(frames.iter().all(|f| f["function"].is_null() && f["named_by"].is_null()));
    assert!(frames.iter().any(|f| f["trust"] == "scan"), "{frames:#?}");
}

/// The frames of thread `i` as (function, trust, named_by) strings.
fn named(v: &Value, i: usize) -> Vec<(String, String, String)> {
    let s = |f: &Value, k: &str| f[k].as_str().unwrap_or("-").to_string();
    v["threads"][i]["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (s(f, "function"), s(f, "trust"), s(f, "named_by")))
        .collect()
}

/// gdb's gcore of Debian's `sleep`: a core is unwound with the same CFI and
/// names as a minidump of the same process.
#[test]
fn a_gcore_core_is_unwound_and_named_like_a_minidump() {
    if Command::new("gcore").arg("--version").output().is_err() {
        return skip("gcore (apt-get install gdb)");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut sleeper = Command::new("/usr/bin/sleep").arg("60").spawn().expect("spawn sleep");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let prefix = dir.path().join("core");
    let gcore = Command::new("gcore")
        .arg("-o")
        .arg(&prefix)
        .arg(sleeper.id().to_string())
        .output()
        .unwrap();
    let core = format!("{}.{}", prefix.display(), sleeper.id());
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert!(gcore.status.success(), "{}", String::from_utf8_lossy(&gcore.stderr));
    let run = dumptool(&["analyze", &core, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let frames = named(&v, 0);
    assert!(frames.len() >= 4, "unwound past frame #0: {frames:#?}");
    assert_eq!(frames[0].1, "context");
    assert!(frames[1..].iter().all(|f| f.1 == "cfi"), "{frames:#?}");
    assert!(frames[0].0.contains("nanosleep"), "{frames:#?}");
    assert!(frames.iter().any(|f| f.0.contains("libc_start")), "{frames:#?}");
}

/// The kernel's core of the test program (built with DWARF): every thread is
/// unwound past frame #0, and the program's own frames carry file:line.
#[test]
fn a_kernel_core_is_unwound_to_the_programs_own_functions() {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    if pattern.trim_start().starts_with(['|', '/']) {
        return skip(&format!(
            "a kernel.core_pattern that writes files (it sends cores to {})",
            pattern.trim()
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &format!("ulimit -c unlimited && exec {TESTEE} --threads 2")])
        .current_dir(dir.path());
    let mut t = Testee::spawn_cmd(cmd);
    // Rust's handler takes the first SIGSEGV; the second one kills.
    while t.child.try_wait().unwrap().is_none() {
        let _ = Command::new("kill").args(["-SEGV", &t.pid.to_string()]).status();
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let Some(core) = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("core"))
    else {
        return skip("a core file from the kernel (none was written in the test's directory)");
    };
    let run = dumptool(&["analyze", core.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let threads = v["threads"].as_array().unwrap().len();
    for i in 0..threads {
        let frames = named(&v, i);
        assert!(frames.len() > 2, "thread {i} unwound: {frames:#?}");
        assert!(frames.iter().all(|f| f.1 != "scan"), "{frames:#?}");
    }
    let main = v["threads"][0]["frames"].as_array().unwrap();
    let own = main
        .iter()
        .find(|f| f["function"].as_str().is_some_and(|n| n.starts_with("dumptool_testee::main")))
        .unwrap_or_else(|| panic!("main is named: {main:#?}"));
    assert!(own["source"].as_str().unwrap().contains("testee.rs:"), "{own}");
    assert!(own["named_by"].as_str().unwrap().starts_with("DWARF in "), "{own}");
}

/// The fixture core comes from another build of the test program: its
/// module is never matched to this host's binary by path, only by build-id.
#[test]
fn a_module_whose_build_id_differs_is_not_named_from_the_host() {
    let run = dumptool(&["analyze", &core_fixture(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let libc_here = std::fs::read("/usr/lib/x86_64-linux-gnu/libc.so.6").unwrap_or_default();
    let same_libc = dumptool::symbols::locate::build_id_of(&libc_here)
        .is_some_and(|id| dumptool::symbols::locate::hex(&id) == v["modules"][1]["code_id"]);
    assert_eq!(v["modules"][1]["name"], "libc.so.6");
    for t in v["threads"].as_array().unwrap() {
        let top = &t["frames"][0];
        assert_eq!(top["module"], "libc.so.6");
        // Named only where this host's libc is the very build the core ran.
        assert_eq!(top["function"].is_string(), same_libc, "{top}");
    }
}

/// Two captures of the same hang, each under its own ASLR layout, give the
/// same signature; a process stuck elsewhere gives another.
#[test]
fn signatures_are_stable_across_captures_and_aslr() {
    let a = sleep_summary(&[]);
    let b = sleep_summary(&[]);
    assert_ne!(a["modules"][0]["base"], b["modules"][0]["base"], "ASLR moved the program");
    let sig = a["signature"].as_str().unwrap();
    assert_eq!(Some(sig), b["signature"].as_str());
    assert!(sig.contains("nanosleep") && sig.contains("sleep@0x"), "{sig}");

    // `cat` waits in read(2), not in nanosleep.
    let mut cat = Command::new("/usr/bin/cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn cat");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cat.dmp");
    let path = path.to_str().unwrap();
    let run = dumptool(&["capture", &cat.id().to_string(), "-o", path]);
    let _ = cat.kill();
    let _ = cat.wait();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = dumptool(&["analyze", path, "--format", "json"]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let other = v["signature"].as_str().unwrap();
    assert_ne!(other, sig);
    assert!(other.contains("read"), "{other}");
}

/// A program linked with systemd's package note (`ld --package-metadata`,
/// binutils 2.39+): its module names the package in analyze and report.
#[test]
fn a_modules_package_note_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("probe.c"),
        "#include <unistd.h>\nint main(void) { pause(); return 0; }\n",
    )
    .unwrap();
    // -Xlinker, not -Wl: the JSON's commas would split the option.
    let note = r#"--package-metadata={"type":"deb","name":"headroom-probe","version":"1.2-3"}"#;
    let built = Command::new("cc")
        .args(["-O1", "-Xlinker", note, "-o", "probe", "probe.c"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let mut child = Command::new(d.join("probe")).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let dump = d.join("probe.dmp");
    let run = dumptool(&["capture", &child.id().to_string(), "-o", dump.to_str().unwrap()]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = dumptool(&["analyze", dump.to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    let module =
        v["modules"].as_array().unwrap().iter().find(|m| m["name"] == "probe").unwrap().clone();
    assert_eq!(module["package"], "headroom-probe 1.2-3 (deb)", "{module}");
    // libc has no note on Debian: no package field.
    let libc =
        v["modules"].as_array().unwrap().iter().find(|m| m["name"] == "libc.so.6").unwrap().clone();
    assert!(libc.get("package").is_none(), "{libc}");
    let report = dumptool(&["report", dump.to_str().unwrap()]);
    assert!(report.stdout.contains("probe (headroom-probe 1.2-3 (deb))"), "{}", report.stdout);
}
