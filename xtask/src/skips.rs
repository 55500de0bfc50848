//! The tests `cargo xtask test` ran but skipped for a missing prerequisite:
//! each skip appends a line to the file in `HEADROOM_SKIP_LOG`
//! (`headroom_tests::skip`). The run goes on so every missing prerequisite
//! is listed at once, then fails: `cargo xtask test` installs what the tests
//! need, so a skip there is a broken setup, not a choice. Under `CI=true` a
//! skip fails its own test at once.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::workspace_root;

/// Where this run's skips are written, emptied before the tests run.
pub fn fresh_log() -> Result<PathBuf> {
    let log = workspace_root().join("target/skipped-tests.txt");
    match std::fs::remove_file(&log) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", log.display()))
        }
        _ => Ok(log),
    }
}

/// `test: missing what` for each skip; none when no test wrote the log.
pub fn read(log: &Path) -> Result<Vec<String>> {
    match std::fs::read_to_string(log) {
        Ok(text) => Ok(text.lines().filter(|l| !l.is_empty()).map(String::from).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", log.display())),
    }
}

/// The last line of a passing `cargo xtask test`, or, when tests were
/// skipped, the error listing each with what it missed.
pub fn verdict(seconds: f64, skipped: &[String]) -> Result<String, String> {
    if skipped.is_empty() {
        return Ok(format!("xtask test: all steps passed in {seconds:.0} s, no test skipped"));
    }
    let list: String = skipped.iter().map(|s| format!("\n  skipped: {s}")).collect();
    let n = skipped.len();
    let tests = if n == 1 { "test was" } else { "tests were" };
    Err(format!(
        "xtask test: {n} {tests} skipped for a missing prerequisite (a plain `cargo test` \
         skips them; this command runs everything):{list}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_skip_is_listed_and_counted() {
        let dir = std::env::temp_dir().join(format!("headroom-skips-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("skipped.txt");
        assert_eq!(read(&log).unwrap(), Vec::<String>::new(), "no log: nothing skipped");
        std::fs::write(
            &log,
            "a::one: missing gcore (apt-get install gdb)\n\nb::two: missing root\n",
        )
        .unwrap();
        let skipped = read(&log).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let err = verdict(612.4, &skipped).unwrap_err();
        assert_eq!(
            err,
            "xtask test: 2 tests were skipped for a missing prerequisite (a plain `cargo test` \
             skips them; this command runs everything):\n  \
             skipped: a::one: missing gcore (apt-get install gdb)\n  \
             skipped: b::two: missing root"
        );
        assert!(verdict(1.0, &skipped[..1]).unwrap_err().contains(": 1 test was skipped"));
        assert_eq!(
            verdict(9.0, &[]).unwrap(),
            "xtask test: all steps passed in 9 s, no test skipped"
        );
    }
}
