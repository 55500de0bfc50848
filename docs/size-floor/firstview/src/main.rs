//! A floor for a redesigned first module (docs/size.md): Yew, every section's
//! form from the registry with each field's echo and error, every
//! calculator evaluated with its result, breakdown, chart, worked arithmetic,
//! source, inputs and explained findings; the host form; the typed texts kept
//! in localStorage and the history. No serde, no TOML, no validators, no
//! secondary panels. Approximations: a typed value is parsed by its kind but
//! not written into the plan (a real setter per field would add a little),
//! and the fields start empty instead of showing their defaults.
// The page's own components and echo, compiled here as they are, under
// the paths they use in the page.
#[path = "../../../../web/src/components/chart.rs"]
pub mod chart;
#[path = "../../../../web/src/components/field.rs"]
pub mod field;
#[path = "../../../../web/src/components/findings.rs"]
pub mod findings;
#[path = "../../../../web/src/components/result_view.rs"]
pub mod result_view;
mod components {
    pub use crate::{chart, field, findings, result_view};
}
#[path = "../../../../web/src/echo.rs"]
mod echo;
#[path = "../../content/src/plan.rs"]
mod every;

/// The page's `fields::dom_id` (the rest of that module is TOML).
mod fields {
    pub fn dom_id(path: &str) -> String {
        path.replace('.', "-")
    }
}

/// The page's clipboard copy, as `web/src/dom.rs` writes it.
mod dom {
    use wasm_bindgen_futures::JsFuture;

    pub async fn copy(text: String) -> bool {
        let Some(w) = web_sys::window() else { return false };
        JsFuture::from(w.navigator().clipboard().write_text(&text)).await.is_ok()
    }
}

use std::collections::BTreeMap;
use std::rc::Rc;

use headroom_core::plan::{self, Outcome, Plan};
use headroom_core::registry::{Calculator, Capacity, Kind};
use headroom_core::report::Unit;
use headroom_core::units::{Bytes, Count, Duration, Percent, Rate, Ratio};
use yew::prelude::*;

use crate::components::field::Field;
use crate::components::result_view::ResultView;
use crate::every::plan;
use crate::fields::dom_id;

/// The text read by the field's kind: an error names what is wrong.
fn read(kind: Kind, text: &str) -> Result<u64, String> {
    let t = text.trim();
    let r = match kind {
        Kind::Bytes => Bytes::parse(t).map(|b| b.get()).map_err(|e| e.to_string()),
        Kind::Count => Count::parse(t).map(|b| b.get()).map_err(|e| e.to_string()),
        Kind::Percent => Percent::parse(t).map(|_| 0).map_err(|e| e.to_string()),
        Kind::Rate => Rate::parse(t).map(|_| 0).map_err(|e| e.to_string()),
        Kind::Duration => Duration::parse(t).map(|d| d.seconds()).map_err(|e| e.to_string()),
        Kind::Ratio => Ratio::parse(t).map(|_| 0).map_err(|e| e.to_string()),
        _ => t.parse::<u64>().map_err(|e| e.to_string()),
    };
    r
}

#[derive(Clone, PartialEq)]
struct State {
    plan: Plan,
    texts: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    outcomes: Vec<Outcome>,
    past: Vec<BTreeMap<String, String>>,
}

enum Action {
    Set(String, Kind, String),
    Undo,
}

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Set(path, kind, text) => {
                s.past.push(s.texts.clone());
                match read(kind, &text) {
                    Ok(_) => s.errors.remove(&path),
                    Err(e) => s.errors.insert(path.clone(), e),
                };
                s.texts.insert(path, text);
            }
            Action::Undo => {
                if let Some(t) = s.past.pop() {
                    s.texts = t;
                }
            }
        }
        s.outcomes = plan::evaluate(&s.plan).outcomes;
        let kept: String = s.texts.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        if let Some(w) = web_sys::window() {
            if let Some(st) = w.local_storage().ok().flatten() {
                let _ = st.set_item("plan", &kept);
            }
            if let Ok(h) = w.history() {
                let _ = h.push_state(&kept.into(), "");
            }
        }
        Rc::new(s)
    }
}

fn outcome_id(o: &Outcome) -> &'static str {
    match o {
        Outcome::Result(r) => r.id,
        Outcome::Error(e) => e.id,
    }
}

fn fields(
    state: &UseReducerHandle<State>,
    prefix: &str,
    list: &'static [headroom_core::registry::Field],
) -> Html {
    list.iter()
        .map(|f| {
            let path = format!("{prefix}.{}", f.key);
            let text = state.texts.get(&path).cloned().unwrap_or_default();
            let oninput = {
                let d = state.dispatcher();
                let (path, kind) = (path.clone(), f.kind);
                Callback::from(move |t: String| d.dispatch(Action::Set(path.clone(), kind, t)))
            };
            // The registry's label already names the formula's symbol.
            let label = format!("{} ({})", f.label, f.kind.unit());
            html! {
                <Field id={dom_id(&path)} {label} help={f.help} value={text.clone()}
                    error={state.errors.get(&path).map(|e| AttrValue::from(e.clone()))}
                    echo={echo::echo(f.kind, &text).map(AttrValue::from)} {oninput} />
            }
        })
        .collect()
}

fn section(state: &UseReducerHandle<State>, c: &'static Calculator) -> Html {
    let outcome = state.outcomes.iter().find(|o| outcome_id(o) == c.id).cloned();
    let h = &state.plan.host;
    let capacity = match c.capacity {
        Capacity::Ram => Some((AttrValue::from("the host's RAM"), h.ram.get(), Unit::Bytes)),
        Capacity::Cores => {
            Some((AttrValue::from("the host's cores"), h.cores.get() * 1000, Unit::MilliCores))
        }
        Capacity::None => None,
    };
    html! {
        <section id={dom_id(c.id)}>
            <h2>{ c.title }<code>{ format!(" [{}]", c.id) }</code></h2>
            <form>{ fields(state, c.id, c.fields) }</form>
            if let Some(outcome) = outcome {
                <ResultView id={c.id} {outcome} {capacity} />
            }
        </section>
    }
}

#[function_component]
fn App() -> Html {
    let state = use_reducer(|| {
        let plan = plan();
        let outcomes = plan::evaluate(&plan).outcomes;
        State { plan, texts: BTreeMap::new(), errors: BTreeMap::new(), outcomes, past: Vec::new() }
    });
    let undo = {
        let d = state.dispatcher();
        Callback::from(move |_| d.dispatch(Action::Undo))
    };
    html! {
        <main>
            <button onclick={undo}>{ "Undo" }</button>
            <section id="host"><h2>{ "Host" }</h2>{ fields(&state, "host", headroom_core::host::FIELDS) }</section>
            { for plan::CALCULATORS.iter().map(|c| section(&state, c)) }
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
