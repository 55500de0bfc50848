//! Headroom's core: the sizing formulas and config validators shared by the
//! planner page (`headroom-web`, wasm32) and the `dumptool` CLI (native).
//!
//! Everything here is pure: text and numbers in, values and typed errors out.
//! No file, clock, terminal or DOM access, and no panics on any input, so the
//! page and the CLI give the same answer for the same plan.

pub mod aerospike;
pub mod amps;
pub mod connections;
pub mod docs;
pub mod finding;
pub mod fixes;
pub mod gemstone;
pub mod host;
pub mod plan;
pub mod present;
pub mod registry;
pub mod report;
pub mod units;
pub mod validate;
pub mod vps;
