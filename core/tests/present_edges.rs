//! The plan report as a reader gets it, line for line, on a small report
//! with every part (figures, terms, a finding with why and fix, a failed
//! section), and figures at the edges of their notation.

use headroom_core::finding::{Finding, Severity};
use headroom_core::plan::{Outcome, Report, SectionError};
use headroom_core::present::{format_value, plan_report, Format};
use headroom_core::report::{CalcResult, Quantity, Source, Step, Term, Unit};
use headroom_core::validate::rules::{MYCNF_INCLUDE, MYCNF_PEAK_HIGH};

fn report() -> Report {
    let result = CalcResult {
        id: "demo.calc",
        title: "Demo",
        formula: "x = a + b",
        source: Source { document: "Doc", section: "Sec", excerpt: "Quote." },
        quantities: vec![Quantity { name: "x", label: "the x", value: 1536, unit: Unit::Bytes }],
        terms: vec![Term { symbol: "a", label: "the a", value: 2500, unit: Unit::Count }],
        inputs: vec![],
        steps: vec![
            Step::new("x", "1,024 + 512".into(), 1536, Unit::Bytes),
            Step::new("k", "500,000".into(), 500_000, Unit::Count),
        ],
        findings: vec![
            Finding::new(&MYCNF_PEAK_HIGH, "it is small").why("W").fix("F"),
            Finding::new(&MYCNF_INCLUDE, "just so"),
        ],
    };
    let error =
        SectionError { id: "demo.other", field: "y".into(), message: "y: must be 1".into() };
    Report { outcomes: vec![Outcome::Result(result), Outcome::Error(error)] }
}

#[test]
fn text_report_line_by_line() {
    let invalid = [("host.ram".to_string(), "bad".to_string())];
    let want = "invalid host.ram: bad\n\
                [demo.calc] Demo\n  \
                the x (x): 1.54 kB (1.5 KiB)\n  \
                formula: x = a + b\n    \
                a            the a                                         2,500\n  \
                worked out:\n    \
                x = 1,024 + 512 = 1,536 B = 1.54 kB (1.5 KiB)\n    \
                k = 500,000\n  \
                source: Doc, Sec\n  \
                the source says: \"Quote.\"\n  \
                warning mycnf.peak_memory.high: it is small\n    \
                why: W\n    \
                fix: F\n  \
                info mycnf.include_not_followed: just so\n\
                \n\
                [demo.other] error in field y: y: must be 1\n\n";
    assert_eq!(plan_report(&report(), &invalid, Format::Text), want);
}

#[test]
fn markdown_report_line_by_line() {
    let want = "# Headroom plan report\n\n\
                ## Demo (`demo.calc`)\n\n\
                | quantity | value | exact |\n| --- | --- | ---: |\n\
                | the x | 1.54 kB (1.5 KiB) | 1,536 B |\n\
                \n| term | what | value |\n| --- | --- | --- |\n\
                | `a` | the a | 2,500 |\n\
                \nFormula: `x = a + b`  \n\
                \nWorked out:\n\n\
                1. `x` = 1,024 + 512 = 1,536 B = 1.54 kB (1.5 KiB)\n\
                1. `k` = 500,000\n\n\
                Source: Doc, Sec.\n\n\
                > Quote.\n\n\
                - **warning** `mycnf.peak_memory.high`: it is small Fix: `F`\n\
                - **info** `mycnf.include_not_followed`: just so\n\
                \n\
                ## `demo.other`\n\nCannot compute: y: must be 1\n\n";
    assert_eq!(plan_report(&report(), &[], Format::Markdown), want);
    // No terms, no findings: neither table nor blank line for them.
    let mut bare = report();
    if let Outcome::Result(r) = &mut bare.outcomes[0] {
        r.terms.clear();
        r.findings.clear();
        r.steps.clear();
    }
    bare.outcomes.truncate(1);
    let md = plan_report(&bare, &[], Format::Markdown);
    assert!(!md.contains("| term |") && !md.contains("Worked out"), "{md}");
    assert!(md.ends_with("Source: Doc, Sec.\n\n> Quote.\n\n"), "{md:?}");
}

#[test]
fn json_report_is_the_serialized_report() {
    let json = plan_report(&report(), &[], Format::Json);
    assert!(json.ends_with("}\n"));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["outcomes"][0]["result"]["quantities"][0]["value"], 1536);
    assert_eq!(value["outcomes"][0]["result"]["steps"][0]["working"], "1,024 + 512");
    assert_eq!(value["outcomes"][1]["error"]["field"], "y");
}

#[test]
fn bit_rates_change_prefix_at_each_thousand_and_stop_at_tera() {
    let cases = [
        (0, "0 b/s"),
        (999, "999 b/s"),
        (1000, "1.0 kb/s"),
        // 99,999 b/s: 99 kb/s and 999 left over, one decimal: 99.9.
        (99_999, "99.9 kb/s"),
        (100_000, "100 kb/s"),
        (1_234_567, "1.2 Mb/s"),
        // The last prefix takes whatever is left: 18,446,744 Tb/s.
        (u64::MAX, "18446744 Tb/s"),
    ];
    for (v, want) in cases {
        assert_eq!(format_value(v, Unit::BitsPerSecond), want, "{v}");
    }
}

#[test]
fn every_unit_is_named() {
    assert_eq!(format_value(1500, Unit::BytesPerSecond), "1.5 kB/s (1.46 KiB/s)");
    assert_eq!(format_value(1000, Unit::BytesPerSecond), "1 kB/s (1,000 B/s)");
    assert_eq!(format_value(999, Unit::BytesPerSecond), "999 B/s");
    // A trace of a core rounds up to a hundredth, never down to nothing.
    assert_eq!(format_value(5, Unit::MilliCores), "0.01 cores");
    assert_eq!(format_value(1_000, Unit::Seconds), "1,000 s");
    assert_eq!(format_value(1_000, Unit::Pages), "1,000 pages");
    assert_eq!(
        [Severity::Error, Severity::Warning, Severity::Info].map(|s| s.to_string()),
        ["error", "warning", "info"]
    );
}
