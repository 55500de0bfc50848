//! Properties of any plan text, beyond "does not panic": what parses writes
//! back to the same plan, in TOML and JSON, and evaluates one outcome per
//! section; what does not parse says where.

use headroom_core::plan::{evaluate, Plan, PlanError};
use proptest::prelude::*;

/// A plan with the given sizes and counts in two sections, as a user would
/// write it: sizes with units, rates with a period.
fn plan_text(clients: u64, size_kib: u64, rate: u64, hours: u64) -> String {
    format!(
        "[host]\nram = \"{size_kib} KiB\"\ncores = {clients}\n\n\
         [amps.memory]\nclients = {clients}\nsow_message_size = \"{size_kib} KiB\"\n\n\
         [amps.txlog]\npublish_rate = \"{rate}/min\"\nretention = \"{hours} h\"\n"
    )
}

proptest! {
    #[test]
    fn a_written_plan_reads_back_as_itself(
        clients in 1u64..1 << 40, size_kib in 1u64..1 << 30, rate in 0u64..1 << 40,
        hours in 0u64..1 << 20,
    ) {
        let plan = Plan::parse(&plan_text(clients, size_kib, rate, hours)).unwrap();
        let toml = plan.to_toml().unwrap();
        prop_assert_eq!(Plan::parse(&toml), Ok(plan.clone()));
        let json = serde_json::to_string(&plan).unwrap();
        prop_assert_eq!(Plan::parse(&json), Ok(plan.clone()));
        // Two sections, two outcomes, in the registry's order.
        let ids: Vec<&str> = evaluate(&plan)
            .outcomes
            .iter()
            .map(|o| match o {
                headroom_core::plan::Outcome::Result(r) => r.id,
                headroom_core::plan::Outcome::Error(e) => e.id,
            })
            .collect();
        prop_assert_eq!(ids, ["amps.memory", "amps.txlog"]);
    }

    #[test]
    fn any_text_parses_to_a_plan_that_round_trips_or_names_the_problem(s in "\\PC{0,200}") {
        match Plan::parse(&s) {
            Ok(plan) => {
                let toml = plan.to_toml().unwrap();
                prop_assert_eq!(Plan::parse(&toml), Ok(plan));
            }
            Err(PlanError::Write(e)) => prop_assert!(false, "reading gave a write error: {e}"),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn a_bad_value_names_its_line_and_field() {
    let err = Plan::parse("[amps.memory]\nclients = 5\nsow_message_size = \"ten\"\n").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("line 3"), "{text}");
    assert!(text.contains("sow_message_size"), "{text}");
}
