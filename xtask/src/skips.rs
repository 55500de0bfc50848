//! The tests `cargo xtask test` ran but skipped for a missing prerequisite:
//! each skip appends a line to the file in `HEADROOM_SKIP_LOG`
//! (`headroom_tests::skip`), counted and listed in the summary. Under
//! `CI=true` a skip fails its test instead, so CI counts none.

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

/// The last line of `cargo xtask test`, the skips listed above it.
pub fn summary(seconds: f64, skipped: &[String]) -> String {
    let mut text: String = skipped.iter().map(|s| format!("skipped: {s}\n")).collect();
    let count = match skipped.len() {
        0 => "no test skipped".to_string(),
        1 => "1 test skipped (listed above)".to_string(),
        n => format!("{n} tests skipped (listed above)"),
    };
    text.push_str(&format!("xtask test: all steps passed in {seconds:.0} s, {count}"));
    text
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
        assert_eq!(
            summary(612.4, &skipped),
            "skipped: a::one: missing gcore (apt-get install gdb)\n\
             skipped: b::two: missing root\n\
             xtask test: all steps passed in 612 s, 2 tests skipped (listed above)"
        );
        assert_eq!(summary(9.0, &[]), "xtask test: all steps passed in 9 s, no test skipped");
    }
}
