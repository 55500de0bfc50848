//! `dumptool plan FILE`: evaluate a plan file with the core's calculators.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use headroom_core::finding::Finding;
use headroom_core::plan::{self, Outcome, Plan, Report};
use headroom_core::report::{CalcResult, Unit};
use headroom_core::units::{group_thousands, Bytes};

use crate::exit::{self, Failure};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The plan file (TOML or JSON).
    pub file: std::path::PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// Returns the exit code: 0 evaluated, 1 errors in the report, 2 bad input.
pub fn run(args: &PlanArgs) -> anyhow::Result<u8> {
    let name = args.file.display();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| Failure::bad_input(format!("{name}: {e}")))?;
    let plan = Plan::parse(&text).map_err(|e| Failure::bad_input(format!("{name}: {e}")))?;
    let report = plan::evaluate(&plan);
    let out = match args.format {
        Format::Text => text_report(&report),
        Format::Markdown => markdown_report(&report),
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
    };
    print!("{out}");
    Ok(if report.has_errors() { exit::PROBLEM } else { exit::OK })
}

/// A value with its unit; bytes in decimal and binary where they differ.
fn show(value: u64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => Bytes(value).both(),
        Unit::BytesPerSecond => format!("{}/s", Bytes(value).both()),
        Unit::BitsPerSecond => format!("{} bit/s", group_thousands(value)),
        Unit::Count => group_thousands(value),
        Unit::MilliCores => format!("{}.{:03} cores", value / 1000, value % 1000),
        Unit::Pages => format!("{} pages", group_thousands(value)),
        Unit::Seconds => format!("{} s", group_thousands(value)),
    }
}

fn text_report(report: &Report) -> String {
    let mut s = String::new();
    for o in &report.outcomes {
        match o {
            Outcome::Error(e) => {
                let _ = writeln!(s, "[{}] error in field {}: {}\n", e.id, e.field, e.message);
            }
            Outcome::Result(r) => text_result(&mut s, r),
        }
    }
    s
}

fn text_result(s: &mut String, r: &CalcResult) {
    let _ = writeln!(s, "[{}] {}", r.id, r.title);
    for q in &r.quantities {
        let _ = writeln!(s, "  {} ({}): {}", q.label, q.name, show(q.value, q.unit));
    }
    let _ = writeln!(s, "  formula: {}", r.formula);
    for t in &r.terms {
        let _ = writeln!(s, "    {:<12} {:<45} {}", t.symbol, t.label, show(t.value, t.unit));
    }
    let _ = writeln!(s, "  source: {}, {}", r.source.document, r.source.section);
    for f in &r.findings {
        finding_line(s, "  ", "    ", f);
    }
    s.push('\n');
}

/// `first` prefixes the finding's line, `rest` its why and fix lines.
fn finding_line(s: &mut String, first: &str, rest: &str, f: &Finding) {
    let sev = format!("{:?}", f.severity).to_lowercase();
    let _ = writeln!(s, "{first}{sev} {}: {}", f.id, f.message);
    if let Some(why) = &f.why {
        let _ = writeln!(s, "{rest}why: {why}");
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(s, "{rest}fix: {fix}");
    }
}

fn markdown_report(report: &Report) -> String {
    let mut s = String::new();
    for o in &report.outcomes {
        match o {
            Outcome::Error(e) => {
                let _ = writeln!(s, "## `{}`\n\n**Error** in `{}`: {}\n", e.id, e.field, e.message);
            }
            Outcome::Result(r) => {
                let _ = writeln!(s, "## `{}` {}\n", r.id, r.title);
                let _ = writeln!(s, "| quantity | name | value |\n|---|---|---|");
                for q in &r.quantities {
                    let _ =
                        writeln!(s, "| {} | `{}` | {} |", q.label, q.name, show(q.value, q.unit));
                }
                let _ = writeln!(s, "\nFormula: `{}`\n", r.formula);
                for t in &r.terms {
                    let _ = writeln!(s, "- `{}` {}: {}", t.symbol, t.label, show(t.value, t.unit));
                }
                let _ = writeln!(s, "\nSource: {}, {}\n", r.source.document, r.source.section);
                for f in &r.findings {
                    finding_line(&mut s, "- ", "  ", f);
                }
                if !r.findings.is_empty() {
                    s.push('\n');
                }
            }
        }
    }
    s
}
