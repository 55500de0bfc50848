//! `cargo xtask bench`: dumptool against the reference tools, side by side.

/// Runs every benchmark and prints ratios.
pub fn run() -> anyhow::Result<()> {
    anyhow::bail!("benchmarks are not written yet")
}
