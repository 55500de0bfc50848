//! Issue 20, item 3: a dump cut short is named as such, shows what could be
//! read, and ends with the documented exit code 4.

use serde_json::Value;

use crate::support::{core_fixture, dumptool, testdata};

/// 12345678 -> "12,345,678", as the message prints byte counts.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cut_copies(whole: &[u8], cuts: &[usize]) -> (tempfile::TempDir, Vec<(usize, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = cuts
        .iter()
        .map(|&cut| {
            let path = dir.path().join(format!("cut-{cut}"));
            std::fs::write(&path, &whole[..cut]).unwrap();
            (cut, path.display().to_string())
        })
        .collect();
    (dir, paths)
}

fn assert_named_truncated(what: &str, whole: &[u8], cuts: &[usize]) {
    let (_dir, paths) = cut_copies(whole, cuts);
    for (cut, path) in paths {
        let run = dumptool(&["analyze", &path]);
        assert_eq!(run.code, 4, "{what} cut at {cut}: {}{}", run.stdout, run.stderr);
        let whole_message = format!(
            "truncated: {} of the {} bytes its headers describe",
            grouped(cut),
            grouped(whole.len())
        );
        // Where the cut takes part of a table of ranges, the size described
        // is a lower bound and says so.
        let lower_bound = format!("truncated: {} of the at least ", grouped(cut));
        let message = if run.stderr.contains(&lower_bound) && cut + 1 < whole.len() {
            lower_bound
        } else {
            whole_message
        };
        assert!(run.stderr.contains(&message), "{what} cut at {cut}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{what} cut at {cut}");
        if !run.stdout.is_empty() {
            // What could be read, marked.
            assert!(run.stdout.contains(&format!("WARNING:   {message}")), "{}", run.stdout);
            let json = dumptool(&["analyze", &path, "--format", "json"]);
            assert_eq!(json.code, 4);
            let v: Value = serde_json::from_str(&json.stdout).unwrap();
            assert_eq!(v["incomplete"]["have"], cut as u64, "{what} cut at {cut}");
            if v["incomplete"]["at_least"] == false {
                assert_eq!(v["incomplete"]["described"], whole.len() as u64);
            }
            let report = dumptool(&["report", &path]);
            assert_eq!(report.code, 4);
            assert!(report.stdout.contains("**Incomplete dump:** truncated"), "{}", report.stdout);
        }
    }
}

#[test]
fn cut_minidumps() {
    for name in ["linux-mini.dmp", "test.dmp", "simple-crashpad.dmp"] {
        let whole = std::fs::read(testdata().join(name)).unwrap();
        let n = whole.len();
        assert_named_truncated(name, &whole, &[200, n / 4, n / 2, n * 3 / 4, n - 1]);
    }
}

/// Cut before its thread list (minidump-writer writes it last), a minidump
/// still shows its crash and modules, as minidump-stackwalk saw them whole.
#[test]
fn cut_minidump_keeps_what_was_there() {
    let whole = std::fs::read(testdata().join("linux-mini.dmp")).unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(testdata().join("expected.json")).unwrap())
            .unwrap();
    let want = &expected["linux-mini.dmp"];
    let (_dir, paths) = cut_copies(&whole, &[whole.len() * 3 / 4]);
    let run = dumptool(&["analyze", &paths[0].1, "--format", "json"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["crash"]["reason"], want["crash_reason"]);
    assert_eq!(v["modules"].as_array().unwrap().len() as u64, want["modules"].as_u64().unwrap());
    assert_eq!(v["threads"].as_array().unwrap().len(), 0, "the thread list is past the end");
    assert!(v["incomplete"]["missing"].to_string().contains("the thread list stream"));
}

#[test]
fn cut_core_keeps_what_was_there() {
    let whole = std::fs::read(core_fixture()).unwrap();
    let n = whole.len();
    assert_named_truncated("core", &whole, &[1000, n / 4, n / 2, n - 1]);

    // Cut in its memory, the core still shows its threads and crash.
    let (_dir, paths) = cut_copies(&whole, &[n / 2]);
    let run = dumptool(&["analyze", &paths[0].1, "--format", "json"]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(!v["threads"].as_array().unwrap().is_empty(), "{}", run.stdout);
    assert!(v["crash"]["reason"].as_str().unwrap().starts_with("SIGSEGV"), "{}", run.stdout);
    let missing = v["incomplete"]["missing"].to_string();
    assert!(missing.contains("memory segments"), "{missing}");
}

#[test]
fn whole_dumps_exit_zero() {
    let run = dumptool(&["analyze", &core_fixture()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("truncated"));
}

#[test]
fn the_exit_code_is_documented() {
    let help = dumptool(&["--help"]);
    let line = format!("  {}  incomplete input: the dump is shorter", dumptool::exit::INCOMPLETE);
    assert!(help.stdout.contains(&line), "{}", help.stdout);
}

#[test]
fn list_marks_a_cut_dump() {
    let whole = std::fs::read(testdata().join("linux-mini.dmp")).unwrap();
    let (dir, _) = cut_copies(&whole, &[whole.len() / 4]);
    let run = dumptool(&["list", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("unknown [truncated]"), "{}", run.stdout);
    assert!(run.stdout.contains("1 dumps"), "{}", run.stdout);
    let json = dumptool(&["list", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(v["dumps"][0]["error"].as_str().unwrap().starts_with("truncated: "), "{v}");
}
