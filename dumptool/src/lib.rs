//! dumptool's library: everything the binary does that is worth testing on
//! its own. The binary (`main.rs`) owns argument parsing and exit codes.

pub mod check_cmd;
pub mod exit;
pub mod plan_cmd;
