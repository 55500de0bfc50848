//! `cargo xtask audit`: the page's standard audits. Builds `dist/`, serves it
//! as a static host would (precompressed files, cache headers), and runs
//! Lighthouse (mobile and desktop presets) and axe-core (at 360x740 and
//! 1280x800, as the page opens, with every calculator added, and in the
//! crash-dump view) in Debian's Chromium. Reports go to `target/audit/`; the
//! task fails when a score is under its threshold or axe finds anything.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::{run, toolchain, web, workspace_root};

/// The npm packages the audit runs, pinned. Lighthouse 13 needs Node 22;
/// 12.2.3 runs on Debian's Node 20. puppeteer-core is the version Lighthouse
/// itself depends on, so npm installs it once.
const PACKAGES: &[&str] = &["lighthouse@12.2.3", "axe-core@4.14.1", "puppeteer-core@23.11.1"];
/// The cache folder's name for this set of pins: change it with them.
const PACKAGES_KEY: &str = "lh12.2.3-axe4.14.1-pptr23.11.1";

/// The Lighthouse scores the page must reach, per category, on both presets.
const THRESHOLDS: &[(&str, f64)] =
    &[("performance", 0.95), ("accessibility", 1.0), ("best-practices", 1.0), ("seo", 0.95)];

/// What `audit.mjs` writes to `summary.json`.
#[derive(Debug, Deserialize)]
pub struct Summary {
    pub lighthouse: Vec<LighthouseRun>,
    pub axe: Vec<AxeRun>,
}

#[derive(Debug, Deserialize)]
pub struct LighthouseRun {
    pub preset: String,
    /// Category id to score (0 to 1); `None` when Lighthouse could not score it.
    pub scores: std::collections::BTreeMap<String, Option<f64>>,
    pub performance_runs: Vec<Option<f64>>,
    pub lcp_ms: Option<f64>,
    pub tbt_ms: Option<f64>,
    pub cls: Option<f64>,
    pub transfer_bytes: Option<f64>,
    pub failing_audits: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct AxeRun {
    pub viewport: String,
    pub state: String,
    pub report: String,
    pub violations: Vec<AxeViolation>,
}

#[derive(Debug, Deserialize)]
pub struct AxeViolation {
    pub id: String,
    pub impact: Option<String>,
    pub nodes: Vec<String>,
}

pub fn run_audit(runs: u32) -> Result<()> {
    let start = Instant::now();
    let chromium = toolchain::chromium()?;
    let tools = toolchain::npm_packages("audit", PACKAGES_KEY, PACKAGES)?;
    let dist = web::build_dist()?;
    let out = workspace_root().join("target/audit");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    // The script must sit beside its node_modules for Node to resolve them.
    let script = tools.join("audit.mjs");
    std::fs::write(&script, include_str!("audit.mjs"))?;

    let server = headroom_tests::StaticServer::start(&dist, 0)?;
    println!("audit: Lighthouse x{runs} per preset and axe-core on {}", server.url());
    run(Command::new("node")
        .arg(&script)
        .arg(server.url())
        .arg(&out)
        .arg(&chromium)
        .arg(runs.to_string())
        .env("CHROME_PATH", &chromium))
    .context("the audit script failed")?;
    drop(server);

    let summary: Summary = serde_json::from_str(
        &std::fs::read_to_string(out.join("summary.json")).context("reading summary.json")?,
    )
    .context("parsing summary.json")?;
    print_summary(&summary, &out);
    let misses = misses(&summary);
    println!("audit: finished in {:.0} s", start.elapsed().as_secs_f64());
    if !misses.is_empty() {
        bail!("the audit failed:\n  {}", misses.join("\n  "));
    }
    println!("audit: every threshold met");
    Ok(())
}

fn print_summary(summary: &Summary, out: &Path) {
    for lh in &summary.lighthouse {
        let scores: Vec<String> = THRESHOLDS
            .iter()
            .map(|(c, _)| format!("{c} {}", fmt_score(lh.scores.get(*c).copied().flatten())))
            .collect();
        println!("lighthouse {:<8} {}", lh.preset, scores.join(", "));
        let runs: Vec<String> = lh.performance_runs.iter().map(|s| fmt_score(*s)).collect();
        println!(
            "  performance runs [{}]; LCP {} ms, TBT {} ms, CLS {}, transfer {} B",
            runs.join(", "),
            fmt_num(lh.lcp_ms, 0),
            fmt_num(lh.tbt_ms, 0),
            fmt_num(lh.cls, 3),
            fmt_num(lh.transfer_bytes, 0)
        );
        if !lh.failing_audits.is_empty() {
            println!("  audits under 1: {}", lh.failing_audits.join(", "));
        }
    }
    for axe in &summary.axe {
        println!("axe {:<9} {:<14} {} violation(s)", axe.viewport, axe.state, axe.violations.len());
        for v in &axe.violations {
            let impact = v.impact.as_deref().unwrap_or("?");
            println!("  {} ({impact}): {}", v.id, v.nodes.join(" | "));
        }
    }
    println!("audit: reports in {}", out.display());
}

fn fmt_score(score: Option<f64>) -> String {
    score.map_or("n/a".into(), |s| format!("{s:.2}"))
}

fn fmt_num(value: Option<f64>, decimals: usize) -> String {
    value.map_or("n/a".into(), |v| format!("{v:.decimals$}"))
}

/// Every threshold the summary misses, one line each; empty when it passes.
/// A missing score counts as a miss: Lighthouse could not measure it.
pub fn misses(summary: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    for preset in ["mobile", "desktop"] {
        let Some(lh) = summary.lighthouse.iter().find(|l| l.preset == preset) else {
            out.push(format!("no Lighthouse {preset} run"));
            continue;
        };
        for (category, min) in THRESHOLDS {
            match lh.scores.get(*category).copied().flatten() {
                Some(s) if s >= *min => {}
                got => out
                    .push(format!("Lighthouse {preset} {category}: {} < {min:.2}", fmt_score(got))),
            }
        }
    }
    if summary.axe.is_empty() {
        out.push("no axe run".into());
    }
    for axe in summary.axe.iter().filter(|a| !a.violations.is_empty()) {
        let ids: Vec<&str> = axe.violations.iter().map(|v| v.id.as_str()).collect();
        out.push(format!(
            "axe {} {}: {} ({})",
            axe.viewport,
            axe.state,
            ids.join(", "),
            axe.report
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(mobile_perf: f64, violations: &str) -> Summary {
        let text = format!(
            r#"{{
              "lighthouse": [
                {{"preset": "mobile", "scores": {{"performance": {mobile_perf}, "accessibility": 1,
                  "best-practices": 1, "seo": 1}}, "performance_runs": [{mobile_perf}],
                  "lcp_ms": 1000, "tbt_ms": 10, "cls": 0, "transfer_bytes": 1, "failing_audits": []}},
                {{"preset": "desktop", "scores": {{"performance": 1, "accessibility": 1,
                  "best-practices": 1, "seo": null}}, "performance_runs": [1],
                  "lcp_ms": 1000, "tbt_ms": 10, "cls": 0, "transfer_bytes": 1, "failing_audits": []}}
              ],
              "axe": [{{"viewport": "360x740", "state": "initial", "report": "r.json",
                        "violations": {violations}}}]
            }}"#
        );
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn a_score_under_its_threshold_or_unmeasured_fails() {
        let s = summary(0.94, "[]");
        assert_eq!(
            misses(&s),
            vec![
                "Lighthouse mobile performance: 0.94 < 0.95".to_string(),
                "Lighthouse desktop seo: n/a < 0.95".to_string(),
            ]
        );
    }

    #[test]
    fn any_axe_violation_fails_and_names_its_state() {
        let s = summary(
            0.95,
            r#"[{"id": "scrollable-region-focusable", "impact": "serious", "nodes": ["div"]}]"#,
        );
        let m = misses(&s);
        assert!(m.contains(&"axe 360x740 initial: scrollable-region-focusable (r.json)".into()));
    }
}
