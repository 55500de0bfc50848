//! The plan in the URL fragment and in files (TOML text), and the Markdown
//! report. The link's compression is done by the browser (boot.js).

use headroom_core::plan::Report;
use headroom_core::present;
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

/// Every result and finding as Markdown, for a ticket or a wiki page: the
/// core's report, the one `dumptool plan --format markdown` prints, with the
/// fields the page could not read listed first.
pub fn markdown(eval: &Evaluation) -> String {
    let mut invalid: Vec<(String, String)> =
        eval.field_errors.iter().map(|(f, e)| (f.clone(), e.clone())).collect();
    if let Some(e) = &eval.plan_error {
        invalid.push(("plan".into(), e.clone()));
    }
    let report = Report { outcomes: eval.outcomes.clone() };
    present::plan_report(&report, &invalid, present::Format::Markdown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::evaluate;
    use crate::examples::EXAMPLE_25_2;

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

    /// The page's export of every example is the CLI's report, byte for
    /// byte: both are the core's, and the page's defaults change nothing.
    #[test]
    fn the_export_is_the_clis_report_for_every_example() {
        for ex in crate::examples::EXAMPLES {
            let page =
                markdown(&evaluate(&crate::engine::with_defaults(&from_toml(ex.plan).unwrap())));
            let plan = headroom_core::plan::Plan::parse(ex.plan).unwrap();
            let cli = present::plan_report(
                &headroom_core::plan::evaluate(&plan),
                &[],
                present::Format::Markdown,
            );
            assert_eq!(page, cli, "{}", ex.id);
        }
    }
}
