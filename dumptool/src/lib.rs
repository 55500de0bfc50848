//! dumptool's library: everything the binary does that is worth testing on
//! its own. The binary (`main.rs`) owns argument parsing and exit codes.
//!
//! OS-free (build for wasm32, used by the page): [`analyze`], [`summary`],
//! [`redact`], [`report`], [`corelimit`]. Linux-only: [`capture`] and
//! [`limits`], which read /proc and ptrace the target.
//!
//! The command-line shell (`commands` and the `*_cmd` modules: argument
//! types, what each command prints) builds only with the `cli` feature, the
//! binary's; a library user takes `default-features = false` and gets the
//! capture, analysis, report and redaction modules alone.

pub mod analyze;
#[cfg(target_os = "linux")]
pub mod capture;
#[cfg(feature = "cli")]
pub mod check_cmd;
#[cfg(feature = "cli")]
pub mod commands;
pub mod corefile;
pub mod corelimit;
#[cfg(feature = "crash-stores")]
pub mod crashstore;
pub mod doctor;
pub mod dumpdir;
pub mod exit;
#[cfg(feature = "cli")]
pub mod fixes_cmd;
pub mod known_issues;
#[cfg(target_os = "linux")]
pub mod limits;
#[cfg(all(feature = "cli", target_os = "linux"))]
pub mod livehost;
pub mod outfile;
#[cfg(feature = "cli")]
pub mod plan_cmd;
mod ranges;
pub mod redact;
pub mod report;
pub mod signature;
#[cfg(feature = "cli")]
pub mod submit;
pub mod summary;
#[cfg(feature = "host-symbols")]
pub mod symbols;
