//! How figures, severities and a whole plan report are written for people:
//! one place, so `dumptool plan` and the page's export say the same thing
//! the same way.

use std::fmt::Write as _;

use crate::finding::{Finding, Severity};
use crate::plan::{Outcome, Report};
use crate::registry::Kind;
use crate::report::{cores, exact, CalcResult, InputUsed, Step, Unit};
use crate::units::{decimal, group_thousands, Bytes, Count, Percent, Rate, Ratio};

/// A value with its unit; bytes in decimal and binary where they differ.
/// Cores read to the hundredth (`2.17 cores`, `16 cores`), rounded up:
/// a figure of cores is what must be provisioned, never shown short.
pub fn format_value(value: u64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => Bytes(value).both(),
        Unit::BytesPerSecond => Bytes(value).both_per("/s"),
        Unit::BitsPerSecond => bits(value),
        Unit::Count => group_thousands(value),
        Unit::MilliCores => cores(decimal(value.div_ceil(10), 2), value == 1000),
        Unit::Pages => format!("{} pages", group_thousands(value)),
        Unit::Seconds => format!("{} s", group_thousands(value)),
    }
}

/// A value to the last unit it is counted in, for the "exact" column
/// beside [`format_value`]: `54,156,819,200 B`, `2.167 cores`.
pub fn format_exact(value: u64, unit: Unit) -> String {
    exact(value, unit)
}

/// An input's value (as the plan writes it) for people, beside its label:
/// a count, rate or percentage with its thousands grouped (`20,000,000`,
/// `5,000/s`, `200%`); anything else, or what does not read, as written.
pub fn format_input(kind: Kind, value: &str) -> String {
    let read = match kind {
        Kind::Count => Count::parse(value).map(|c| c.to_string()),
        Kind::Rate => Rate::parse(value).map(|r| r.to_string()),
        Kind::Percent => Percent::parse(value).map(|p| p.to_string()),
        _ => return value.to_string(),
    };
    read.unwrap_or_else(|_| value.to_string())
}

/// `part` as a share of `whole`, to a tenth of a percent: `12.5%`.
pub fn format_share(part: u64, whole: u64) -> String {
    let permille = if whole == 0 { 0 } else { u128::from(part) * 1000 / u128::from(whole) };
    let ppm = u64::try_from(permille).unwrap_or(u64::MAX / 1000).saturating_mul(1000);
    Ratio::from_ppm(ppm).to_string()
}

/// Bits per second with a decimal prefix and one decimal below 100.
fn bits(value: u64) -> String {
    const NAMES: [&str; 5] = ["b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s"];
    let (mut v, mut rest, mut i) = (value, 0, 0);
    while v >= 1000 && i + 1 < NAMES.len() {
        rest = v % 1000;
        v /= 1000;
        i += 1;
    }
    if i == 0 || v >= 100 {
        format!("{v} {}", NAMES[i])
    } else {
        format!("{v}.{} {}", rest / 100, NAMES[i])
    }
}

/// The report formats every shell offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// A plan's report in `format`. `invalid` lists inputs the shell could not
/// read (field path, why), shown first; the CLI has none, since it refuses
/// such a plan outright.
pub fn plan_report(report: &Report, invalid: &[(String, String)], format: Format) -> String {
    match format {
        Format::Text => text(report, invalid),
        Format::Markdown => markdown(report, invalid),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

fn text(report: &Report, invalid: &[(String, String)]) -> String {
    let mut s = String::new();
    for (field, why) in invalid {
        let _ = writeln!(s, "invalid {field}: {why}");
    }
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
        let _ = writeln!(s, "  {} ({}): {}", q.label, q.name, format_value(q.value, q.unit));
    }
    let _ = writeln!(s, "  formula: {}", r.formula);
    for t in &r.terms {
        let v = format_value(t.value, t.unit);
        let _ = writeln!(s, "    {:<12} {:<45} {v}", t.symbol, t.label);
    }
    if !r.steps.is_empty() {
        s.push_str("  worked out:\n");
    }
    for st in &r.steps {
        let _ = writeln!(s, "    {} = {}{}", st.symbol, step_working(st), step_value(st));
    }
    let _ = writeln!(s, "  source: {}, {}", r.source.document, r.source.section);
    let _ = writeln!(s, "  the source says: \"{}\"", r.source.excerpt);
    if !r.inputs.is_empty() {
        s.push_str("  inputs:\n");
    }
    for i in &r.inputs {
        let _ = writeln!(s, "    {} = {}{}", i.key, i.value, marks(i));
    }
    for f in &r.findings {
        finding_text(s, f);
    }
    s.push('\n');
}

/// A step's working followed by ` = `, or nothing when the working is the
/// value itself (a constant of the source: `max_map_count = 500,000`).
pub fn step_working(st: &Step) -> String {
    if st.working == exact(st.value, st.unit) {
        String::new()
    } else {
        format!("{} = ", st.working)
    }
}

/// A step's result exactly, then for people where that reads differently:
/// `40,960,000,000 B = 40.96 GB (38.1 GiB)`.
pub fn step_value(st: &Step) -> String {
    let exact = format_exact(st.value, st.unit);
    let human = format_value(st.value, st.unit);
    if exact == human {
        exact
    } else {
        format!("{exact} = {human}")
    }
}

/// ` (default)`, ` (assumption)`, both or nothing.
fn marks(i: &InputUsed) -> String {
    let m: Vec<&str> = [(i.default, "default"), (i.assumption, "assumption")]
        .iter()
        .filter_map(|&(on, name)| on.then_some(name))
        .collect();
    if m.is_empty() {
        String::new()
    } else {
        format!(" ({})", m.join(", "))
    }
}

fn finding_text(s: &mut String, f: &Finding) {
    let _ = writeln!(s, "  {} {}: {}", f.severity, f.id, f.message);
    if let Some(why) = &f.why {
        let _ = writeln!(s, "    why: {why}");
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(s, "    fix: {fix}");
    }
}

fn markdown(report: &Report, invalid: &[(String, String)]) -> String {
    let mut out = String::from("# Headroom plan report\n\n");
    for (field, why) in invalid {
        let _ = writeln!(out, "- **invalid** `{field}`: {why}");
    }
    for outcome in &report.outcomes {
        match outcome {
            Outcome::Result(r) => result_markdown(&mut out, r),
            Outcome::Error(e) => {
                let _ = write!(out, "## `{}`\n\nCannot compute: {}\n\n", e.id, e.message);
            }
        }
    }
    out
}

fn result_markdown(out: &mut String, r: &CalcResult) {
    let _ = write!(out, "## {} (`{}`)\n\n", r.title, r.id);
    out.push_str("| quantity | value | exact |\n| --- | --- | ---: |\n");
    for q in &r.quantities {
        let exact = format_exact(q.value, q.unit);
        let _ = writeln!(out, "| {} | {} | {exact} |", q.label, format_value(q.value, q.unit));
    }
    if !r.terms.is_empty() {
        out.push_str("\n| term | what | value |\n| --- | --- | --- |\n");
        for t in &r.terms {
            let v = format_value(t.value, t.unit);
            let _ = writeln!(out, "| `{}` | {} | {v} |", t.symbol, t.label);
        }
    }
    if !r.inputs.is_empty() {
        out.push_str("\n| input | value |\n| --- | --- |\n");
        for i in &r.inputs {
            let _ = writeln!(out, "| `{}` | {}{} |", i.key, i.value, marks(i));
        }
    }
    let _ = writeln!(out, "\nFormula: `{}`  ", r.formula);
    if !r.steps.is_empty() {
        out.push_str("\nWorked out:\n\n");
        for st in &r.steps {
            let _ = writeln!(out, "1. `{}` = {}{}", st.symbol, step_working(st), step_value(st));
        }
        out.push('\n');
    }
    let _ = write!(out, "Source: {}, {}.\n\n", r.source.document, r.source.section);
    let _ = write!(out, "> {}\n\n", r.source.excerpt);
    for f in &r.findings {
        let _ = write!(out, "- **{}** `{}`: {}", f.severity, f.id, f.message);
        if let Some(fix) = &f.fix {
            let _ = write!(out, " Fix: `{fix}`");
        }
        out.push('\n');
    }
    if !r.findings.is_empty() {
        out.push('\n');
    }
}

impl Severity {
    /// The lower-case name every output uses.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{evaluate, Plan};

    const AMPS: &str = include_str!("../../examples/amps.toml");

    fn format_inputs(report: &Report) -> (String, String, String) {
        (
            plan_report(report, &[], Format::Text),
            plan_report(report, &[], Format::Markdown),
            plan_report(report, &[], Format::Json),
        )
    }

    #[test]
    fn bit_rates_read_well() {
        assert_eq!(bits(72_000_000), "72.0 Mb/s");
        assert_eq!(bits(999), "999 b/s");
        assert_eq!(bits(1_500_000_000), "1.5 Gb/s");
        assert_eq!(bits(150_000_000_000), "150 Gb/s");
    }

    #[test]
    fn values_carry_their_unit() {
        assert_eq!(format_value(2167, Unit::MilliCores), "2.17 cores");
        assert_eq!(format_value(2161, Unit::MilliCores), "2.17 cores", "never short");
        assert_eq!(format_value(16_000, Unit::MilliCores), "16 cores");
        assert_eq!(format_value(1000, Unit::MilliCores), "1 core");
        assert_eq!(format_value(500, Unit::MilliCores), "0.5 cores");
        assert_eq!(format_exact(2167, Unit::MilliCores), "2.167 cores");
        assert_eq!(format_exact(54_156_819_200, Unit::Bytes), "54,156,819,200 B");
        assert_eq!(format_exact(1_000_064, Unit::Count), "1,000,064");
        assert_eq!(format_share(1, 8), "12.5%");
        assert_eq!(format_share(2, 3), "66.6%");
        assert_eq!(format_share(5, 0), "0%");
        assert_eq!(format_input(Kind::Count, "20000000"), "20,000,000");
        assert_eq!(format_input(Kind::Rate, "5000/s"), "5,000/s");
        assert_eq!(format_input(Kind::Percent, "200"), "200%");
        assert_eq!(format_input(Kind::Bytes, "10 GB"), "10 GB", "as the person wrote it");
        assert_eq!(format_input(Kind::Count, "not set"), "not set");
        assert_eq!(format_value(1_000_064, Unit::Count), "1,000,064");
        assert_eq!(format_value(130, Unit::Pages), "130 pages");
        assert_eq!(format_value(60, Unit::Seconds), "60 s");
    }

    #[test]
    fn every_format_names_each_result_and_its_figure() {
        let report = evaluate(&Plan::parse(AMPS).unwrap());
        for format in [Format::Text, Format::Markdown, Format::Json] {
            let out = plan_report(&report, &[], format);
            assert!(out.contains("amps.memory"), "{format:?}: {out}");
            let figure = match format {
                Format::Text => "54.2 GB (50.4 GiB)",
                Format::Markdown => "| 54,156,819,200 B |",
                Format::Json => "54156819200",
            };
            assert!(out.contains(figure), "{format:?}: {out}");
        }
        let (text, md, json) = format_inputs(&report);
        assert!(text.contains("    headroom_percent = 200 (default)\n"), "{text}");
        assert!(md.contains("| `headroom_percent` | 200 (default) |"), "{md}");
        assert!(json.contains("\"default\": true"), "{json}");
        let md = plan_report(&report, &[("host.ram".into(), "bad".into())], Format::Markdown);
        assert!(md.starts_with("# Headroom plan report\n\n- **invalid** `host.ram`: bad\n"));
    }
}
