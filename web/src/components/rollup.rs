//! The host at a glance: what the whole plan needs from the host against
//! what the host has, with a verdict per line. Memory and cores add up over
//! the plan's systems, which share the host; the kernel values and the
//! open-files limit are the core's fix decisions (`headroom_core::fixes`),
//! the same lines `dumptool fixes` writes, so the two never disagree.

use headroom_core::fixes::{self, Origin, Service};
use headroom_core::plan::{Outcome, CALCULATORS};
use headroom_core::present::format_value;
use headroom_core::registry::Capacity;
use headroom_core::report::Unit;
use headroom_core::validate::Needs;
use yew::prelude::*;

use crate::engine::Evaluation;
use crate::state::State;

/// The figure of each calculator that takes up `capacity` of the host, as
/// its registry entry declares it (`Calculator::occupies`).
fn occupying(capacity: Capacity) -> Vec<(&'static str, &'static str)> {
    CALCULATORS
        .iter()
        .filter(|c| c.capacity == capacity)
        .filter_map(|c| Some((c.id, c.occupies?)))
        .collect()
}

/// One line of the roll-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// For the row's DOM id: `ram`, `cores`, or the sysctl key.
    pub id: String,
    pub what: String,
    pub need: String,
    pub have: String,
    pub fits: bool,
    /// Where the need comes from, or what to raise the host's value to.
    pub note: String,
}

/// The sum of the `figures` the plan's results hold, in `unit`, with the
/// parts named by their results' titles; `None` when no result has one.
fn total(eval: &Evaluation, figures: &[(&str, &str)], unit: Unit) -> Option<(u64, String)> {
    let parts: Vec<(&str, u64)> = figures
        .iter()
        .filter_map(|(id, name)| match eval.outcome(id)? {
            Outcome::Result(r) => Some((r.title, r.quantity(name)?)),
            Outcome::Error(_) => None,
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    let sum = parts.iter().fold(0u64, |a, (_, v)| a.saturating_add(*v));
    let named: Vec<String> =
        parts.iter().map(|(t, v)| format!("{t} {}", format_value(*v, unit))).collect();
    Some((sum, named.join(" + ")))
}

/// Every line the plan needs of its host; none while the host is invalid.
pub fn lines(eval: &Evaluation) -> Vec<Line> {
    let Some(plan) = &eval.plan else { return Vec::new() };
    let host = &plan.host;
    let mut out = Vec::new();
    let mut add = |id: &str, what: &str, need: u64, have: u64, unit: Unit, note: String| {
        out.push(Line {
            id: id.into(),
            what: what.into(),
            need: format_value(need, unit),
            have: format_value(have, unit),
            fits: need <= have,
            note,
        });
    };
    if let Some((need, parts)) = total(eval, &occupying(Capacity::Ram), Unit::Bytes) {
        add("ram", "Memory (RAM)", need, host.ram.get(), Unit::Bytes, parts);
    }
    if let Some((need, parts)) = total(eval, &occupying(Capacity::Cores), Unit::MilliCores) {
        let have = host.cores.get().saturating_mul(1000);
        add("cores", "CPU cores", need, have, Unit::MilliCores, parts);
    }
    let decisions = fixes::generate(host, &Needs::from_plan(plan), &Service::default()).decisions;
    for d in decisions {
        let mut note = match &d.written {
            Some(w) => format!("raise it to {w}"),
            None => "the host has enough".to_string(),
        };
        if let Origin::Default(why) = d.origin {
            note.push_str(&format!(
                " where the host has less: its value is not in the plan ({why}), so the \
                 command compares first"
            ));
        }
        out.push(Line {
            id: d.key.replace('.', "-"),
            what: d.key.to_string(),
            need: d.needed.clone(),
            have: d.current.clone(),
            fits: d.written.is_none(),
            note,
        });
    }
    out
}

#[derive(Properties, PartialEq)]
pub struct RollupProps {
    pub state: UseReducerHandle<State>,
}

#[function_component(Rollup)]
pub fn rollup(props: &RollupProps) -> Html {
    let lines = lines(&props.state.eval);
    if lines.is_empty() {
        return html! {};
    }
    // A list, not a table: each line wraps on a phone instead of scrolling.
    let items = lines.into_iter().map(|l| {
        let verdict = if l.fits { "fits" } else { "does not fit" };
        html! {
            <li id={format!("rollup-{}", l.id)} class={classes!("finding", if l.fits { "info" } else { "error" })}>
                <strong>{ l.what }</strong>
                { format!(": the plan needs {}, the host has {}: ", l.need, l.have) }
                <strong class="verdict">{ verdict }</strong>
                <p class="why">{ l.note }</p>
            </li>
        }
    });
    html! {
        <section class="panel" id="rollup" aria-labelledby="rollup-title">
            <h2 id="rollup-title">{ "The host at a glance" }</h2>
            <p class="help">{ "What the whole plan needs from the host, against what the host has." }</p>
            <ul class="findings">{ for items }</ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(text: &str) -> Vec<Line> {
        let plan = crate::engine::with_defaults(&crate::share::from_toml(text).unwrap());
        lines(&crate::engine::evaluate(&plan))
    }

    #[test]
    fn memory_adds_up_over_the_systems_on_the_host() {
        let plan = format!("{}\n[gemstone.page_cache]\n", crate::examples::EXAMPLE_25_2);
        let lines = lines_of(&plan);
        let ram = lines.iter().find(|l| l.id == "ram").unwrap();
        assert!(ram.note.starts_with("AMPS memory"), "{}", ram.note);
        assert!(ram.note.contains(" + "), "two systems: {}", ram.note);
        assert!(ram.fits, "{ram:?}");
        let lines = lines_of(&plan.replace("64 GiB", "16 GiB"));
        assert!(!lines.iter().find(|l| l.id == "ram").unwrap().fits);
    }

    #[test]
    fn kernel_values_are_the_fix_decisions() {
        let lines = lines_of(crate::examples::EXAMPLE_25_2);
        let aio = lines.iter().find(|l| l.id == "fs-aio-max-nr").expect("AMPS needs aio");
        assert!(!aio.fits, "a stock host has 65536: {aio:?}");
        assert!(aio.note.starts_with("raise it to"), "{}", aio.note);
        assert!(aio.note.contains("not in the plan"), "{}", aio.note);
    }

    #[test]
    fn an_invalid_host_has_no_roll_up() {
        assert!(lines_of("[host]\nram = \"lots\"\n[amps.memory]\n").is_empty());
    }
}
