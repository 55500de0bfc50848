//! What-if: the plan pinned as a baseline beside the plan being edited,
//! every figure side by side and the differences marked, with the inputs
//! that changed, so a change's effect reads at a glance.

use headroom_core::host::FIELDS;
use headroom_core::plan::Outcome;
use headroom_core::present::{format_input, format_value};
use headroom_core::registry::Kind;
use toml::Table;
use yew::prelude::*;

use crate::engine::{self, Evaluation};
use crate::state::{text_of, State};

/// One figure or input of either plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub what: String,
    /// `None` where that plan has no such figure or input.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Row {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// Every result figure of either evaluation, in the page's order, the
/// baseline's first; a figure only one plan has shows blank on the other.
pub fn figures(before: &Evaluation, after: &Evaluation) -> Vec<Row> {
    let mut rows: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    for (eval, side) in [(before, 0), (after, 1)] {
        for o in &eval.outcomes {
            let Outcome::Result(r) = o else { continue };
            for q in &r.quantities {
                let what = format!("{}: {}", r.title, q.label);
                let value = Some(format_value(q.value, q.unit));
                let index = match rows.iter().position(|row| row.0 == what) {
                    Some(i) => i,
                    None => {
                        rows.push((what, None, None));
                        rows.len() - 1
                    }
                };
                if side == 0 {
                    rows[index].1 = value;
                } else {
                    rows[index].2 = value;
                }
            }
        }
    }
    rows.into_iter().map(|(what, before, after)| Row { what, before, after }).collect()
}

/// A plan value's path as the form names it, with its field's kind: the
/// section's title and the field's label ("AMPS memory: Connected clients
/// (C)"); the path itself where no field has it (a key the form lacks).
fn named(path: &str) -> (String, Option<Kind>) {
    let host = path.strip_prefix("host.").and_then(|k| FIELDS.iter().find(|f| f.key == k));
    if let Some(f) = host {
        return (format!("Host: {}", f.label), Some(f.kind));
    }
    for s in engine::sections() {
        let key = path.strip_prefix(s.id).and_then(|rest| rest.strip_prefix('.'));
        if let Some(f) = key.and_then(|k| s.field(k)) {
            return (format!("{}: {}", s.title, f.label), Some(f.kind));
        }
    }
    (path.to_string(), None)
}

/// The plan values that differ, named by their fields' labels, each value
/// as the result's inputs show it.
pub fn inputs(before: &Table, after: &Table) -> Vec<Row> {
    let mut paths = engine::leaves(before, "");
    for p in engine::leaves(after, "") {
        if !paths.contains(&p) {
            paths.push(p);
        }
    }
    paths
        .into_iter()
        .filter_map(|p| {
            let (what, kind) = named(&p);
            let text = |plan: &Table| {
                let value = text_of(Some(engine::lookup(plan, &p)?));
                Some(kind.map_or_else(|| value.clone(), |k| format_input(k, &value)))
            };
            let row = Row { before: text(before), after: text(after), what };
            row.changed().then_some(row)
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub state: UseReducerHandle<State>,
}

#[function_component(Compare)]
pub fn compare(props: &CompareProps) -> Html {
    let baseline = use_state(|| None::<(Table, Evaluation)>);
    let state = &props.state;
    let pin = {
        let baseline = baseline.clone();
        let current = (state.plan.clone(), state.eval.clone());
        Callback::from(move |_| baseline.set(Some(current.clone())))
    };
    let unpin = {
        let baseline = baseline.clone();
        Callback::from(move |_| baseline.set(None))
    };
    let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    let row = |id: String, r: &Row| {
        let changed = r.changed();
        html! {
            <li {id} class={classes!("finding", if changed { "warning" } else { "info" })}>
                <strong>{ r.what.clone() }</strong>
                { format!(": {} → {}", cell(&r.before), cell(&r.after)) }
                if changed { <strong class="verdict">{ " (changed)" }</strong> }
            </li>
        }
    };
    let body = match &*baseline {
        None => html! {
            <p class="help">{ "Pin the plan as it is, then change it: every figure is shown beside the pinned one." }</p>
        },
        Some((plan, eval)) => {
            let figures = figures(eval, &state.eval);
            let inputs = inputs(plan, &state.plan);
            // The figures that moved first; the rest folded away.
            let (moved, kept): (Vec<_>, Vec<_>) =
                figures.iter().enumerate().partition(|(_, r)| r.changed());
            html! {
                <>
                    <h3>{ "Inputs changed since the pin" }</h3>
                    if inputs.is_empty() { <p class="help" id="compare-same">{ "None yet: change the plan above." }</p> }
                    <ul class="findings">{ for inputs.iter().enumerate().map(|(i, r)| row(format!("compare-in-{i}"), r)) }</ul>
                    <h3>{ "Figures: pinned → now" }</h3>
                    <ul class="findings">{ for moved.iter().map(|(i, r)| row(format!("compare-fig-{i}"), r)) }</ul>
                    <details>
                        <summary>{ format!("Unchanged figures ({})", kept.len()) }</summary>
                        <ul class="findings">{ for kept.iter().map(|(i, r)| row(format!("compare-fig-{i}"), r)) }</ul>
                    </details>
                </>
            }
        }
    };
    html! {
        <section class="panel" id="compare" aria-labelledby="compare-title">
            <h2 id="compare-title">{ "What if: compare with a pinned plan" }</h2>
            <div class="buttons">
                <button type="button" id="compare-pin" onclick={pin}>
                    { if baseline.is_some() { "Pin the plan as it is now" } else { "Pin this plan" } }
                </button>
                if baseline.is_some() {
                    <button type="button" class="secondary" id="compare-unpin" onclick={unpin}>{ "Stop comparing" }</button>
                }
            </div>
            { body }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::from_toml;

    fn evaluated(text: &str) -> (Table, Evaluation) {
        let plan = engine::with_defaults(&from_toml(text).unwrap());
        let eval = engine::evaluate(&plan);
        (plan, eval)
    }

    #[test]
    fn a_changed_input_and_the_figures_it_moves_are_marked() {
        let (a_plan, a) = evaluated(crate::examples::EXAMPLE_25_2);
        let (b_plan, b) = evaluated(&crate::examples::EXAMPLE_25_2.replacen(
            "clients = 200",
            "clients = 5000",
            1,
        ));
        let changed = inputs(&a_plan, &b_plan);
        assert_eq!(
            changed,
            [Row {
                what: "AMPS memory: Connected clients (C)".into(),
                before: Some("200".into()),
                after: Some("5,000".into())
            }]
        );
        let rows = figures(&a, &b);
        let estimate = rows.iter().find(|r| r.what == "AMPS memory: Estimated memory for AMPS");
        let estimate = estimate.expect("the estimate is compared");
        assert!(estimate.changed(), "{estimate:?}");
        assert_eq!(estimate.before.as_deref(), Some("54.2 GB (50.4 GiB)"));
        // A figure the change does not touch is shown, unmarked.
        assert!(rows.iter().any(|r| !r.changed()));
    }

    #[test]
    fn a_section_only_one_plan_has_shows_blank_on_the_other() {
        let (a_plan, a) = evaluated(crate::examples::EXAMPLE_25_2);
        let (b_plan, b) =
            evaluated(&format!("{}\n[gemstone.page_cache]\n", crate::examples::EXAMPLE_25_2));
        assert!(figures(&a, &b).iter().any(|r| r.before.is_none() && r.after.is_some()));
        let title = engine::section("gemstone.page_cache").unwrap().title;
        assert!(inputs(&a_plan, &b_plan).iter().all(|r| r.what.starts_with(title)));
        assert!(inputs(&a_plan, &a_plan).is_empty());
    }
}
