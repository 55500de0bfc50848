//! The plan in the URL fragment and in files (TOML text), and the Markdown
//! report. The link's compression is done by the browser (boot.js).

use headroom_core::finding::Severity;
use headroom_core::plan::Outcome;
use headroom_core::report::{CalcResult, Unit};
use headroom_core::units::{group_thousands, Bytes};
use toml::Table;

use crate::engine::Evaluation;

/// The fragment prefix, so that other fragments (`#main`) are not read as plans.
pub const PREFIX: &str = "plan=";

/// The packed plan in a fragment (with or without its `#`), if it holds one.
pub fn fragment_payload(fragment: &str) -> Option<&str> {
    fragment.trim_start_matches('#').strip_prefix(PREFIX)
}

/// The plan file text, the same format `dumptool plan` reads.
pub fn to_toml(plan: &Table) -> String {
    toml::to_string(&without_empty_tables(plan)).unwrap_or_default()
}

/// Drops tables with nothing in them (an unknown `[host.kernel]`).
fn without_empty_tables(table: &Table) -> Table {
    let mut out = Table::new();
    for (k, v) in table {
        match v {
            toml::Value::Table(t) => {
                let t = without_empty_tables(t);
                if !t.is_empty() {
                    out.insert(k.clone(), toml::Value::Table(t));
                }
            }
            v => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// Reads a plan file; the error says where the TOML is malformed.
pub fn from_toml(text: &str) -> Result<Table, String> {
    text.parse::<Table>().map_err(|e| e.to_string())
}

/// A quantity's value written for people, in both notations where useful.
pub fn format_value(value: u64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => Bytes(value).both(),
        Unit::BytesPerSecond => format!("{}/s", Bytes(value).both()),
        Unit::BitsPerSecond => bits(value),
        Unit::Count => group_thousands(value),
        Unit::MilliCores => {
            format!("{}.{:03} cores", value / 1000, value % 1000)
        }
        Unit::Pages => format!("{} pages", group_thousands(value)),
        Unit::Seconds => format!("{} s", group_thousands(value)),
    }
}

fn bits(value: u64) -> String {
    let names = ["b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s"];
    let mut v = value;
    let mut rest = 0;
    let mut i = 0;
    while v >= 1000 && i + 1 < names.len() {
        rest = v % 1000;
        v /= 1000;
        i += 1;
    }
    if i == 0 || v >= 100 {
        format!("{v} {}", names[i])
    } else {
        format!("{v}.{} {}", rest / 100, names[i])
    }
}

pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// Every result and finding as Markdown, for a ticket or a wiki page.
pub fn markdown(eval: &Evaluation) -> String {
    let mut out = String::from("# Headroom plan report\n\n");
    for (field, err) in &eval.field_errors {
        out.push_str(&format!("- **invalid** `{field}`: {err}\n"));
    }
    if let Some(e) = &eval.plan_error {
        out.push_str(&format!("- **invalid plan**: {e}\n"));
    }
    for outcome in &eval.outcomes {
        match outcome {
            Outcome::Result(r) => result_markdown(&mut out, r),
            Outcome::Error(e) => {
                out.push_str(&format!("## `{}`\n\nCannot compute: {}\n\n", e.id, e.message))
            }
        }
    }
    out
}

fn result_markdown(out: &mut String, r: &CalcResult) {
    out.push_str(&format!("## {} (`{}`)\n\n", r.title, r.id));
    out.push_str("| quantity | value | exact |\n| --- | --- | ---: |\n");
    for q in &r.quantities {
        let exact = group_thousands(q.value);
        out.push_str(&format!("| {} | {} | {exact} |\n", q.label, format_value(q.value, q.unit)));
    }
    if !r.terms.is_empty() {
        out.push_str("\n| term | what | value |\n| --- | --- | --- |\n");
        for t in &r.terms {
            let v = format_value(t.value, t.unit);
            out.push_str(&format!("| `{}` | {} | {v} |\n", t.symbol, t.label));
        }
    }
    out.push_str(&format!("\nFormula: `{}`  \n", r.formula));
    out.push_str(&format!("Source: {}, {}.\n\n", r.source.document, r.source.section));
    for f in &r.findings {
        out.push_str(&format!("- **{}** `{}`: {}", severity_name(f.severity), f.id, f.message));
        if let Some(fix) = &f.fix {
            out.push_str(&format!(" Fix: `{fix}`"));
        }
        out.push('\n');
    }
    if !r.findings.is_empty() {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calculators::EXAMPLE_25_2;
    use crate::engine::evaluate;

    #[test]
    fn a_plan_survives_its_file() {
        let plan = from_toml(EXAMPLE_25_2).unwrap();
        assert_eq!(from_toml(&to_toml(&plan)), Ok(plan));
    }

    #[test]
    fn the_plan_file_has_no_empty_tables() {
        let text = to_toml(&from_toml("[host]\nram = 1\n[host.kernel]\n").unwrap());
        assert_eq!(text.trim(), "[host]\nram = 1");
    }

    #[test]
    fn only_plan_fragments_are_read() {
        assert_eq!(fragment_payload("#main"), None);
        assert_eq!(fragment_payload("#plan=abc"), Some("abc"));
        assert_eq!(fragment_payload("plan="), Some(""));
    }

    #[test]
    fn the_report_names_each_result() {
        let md = markdown(&evaluate(&from_toml(EXAMPLE_25_2).unwrap()));
        assert!(md.contains("(`amps.memory`)"), "{md}");
        assert!(md.contains("54,156,819,200"), "{md}");
    }

    #[test]
    fn bit_rates_read_well() {
        assert_eq!(bits(72_000_000), "72.0 Mb/s");
        assert_eq!(bits(999), "999 b/s");
        assert_eq!(bits(1_500_000_000), "1.5 Gb/s");
    }
}
