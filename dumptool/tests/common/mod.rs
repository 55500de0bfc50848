//! The dumptool binary as a subprocess, shared by the integration tests.

use std::path::Path;
use std::process::Command;

pub const DUMPTOOL: &str = env!("CARGO_BIN_EXE_dumptool");

/// What one run printed, and its exit code.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `dumptool SUBCOMMAND ARGS` in `dir`, so paths in its output are
/// relative and snapshots do not depend on where the checkout is.
pub fn dumptool(subcommand: &str, args: &[&str], dir: &Path) -> Run {
    let o = Command::new(DUMPTOOL)
        .arg(subcommand)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run dumptool");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}
