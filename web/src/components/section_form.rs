//! The form of one calculator section, generated from its defaults, and its
//! live result.

use headroom_core::finding::Severity;
use headroom_core::plan::Outcome;
use headroom_core::report::Unit;
use toml::Value;
use yew::prelude::*;

use headroom_core::registry::{Calculator, Capacity};

use crate::components::field::Field;
use crate::components::result_view::ResultView;
use crate::engine::{self, FormField};
use crate::fields::dom_id;
use crate::fields::FieldKind;
use crate::state::{text_of, Action, State};
use headroom_core::present::format_value;

#[derive(Properties, PartialEq)]
pub struct SectionFormProps {
    pub state: UseReducerHandle<State>,
    pub id: AttrValue,
    /// How much is drawn as the page opens (`hooks::progressive`).
    #[prop_or(Drawn::All)]
    pub drawn: Drawn,
}

/// A section's drawing as the page opens, each a step (a browser task) of
/// its own: a section with its result was one task of up to 46 ms on this
/// 2-core machine, 184 ms under the mobile audit's 4x CPU slowdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Drawn {
    /// The heading and a placeholder.
    Heading,
    /// The form too; its result is still to come.
    Form,
    All,
}

#[function_component(SectionForm)]
pub fn section_form(props: &SectionFormProps) -> Html {
    let state = &props.state;
    let Some(info) = engine::section(&props.id) else {
        return html! {};
    };
    let base = dom_id(info.id);
    let remove = {
        let dispatch = state.dispatcher();
        let id = info.id.to_string();
        Callback::from(move |_| dispatch.dispatch(Action::RemoveSection(id.clone())))
    };
    let head = html! {
        <div class="section-head">
            <h2 id={format!("{base}-title")}>{ info.title }<code class="section-id">{ format!(" [{}]", info.id) }</code></h2>
            <button type="button" class="secondary" onclick={remove}
                    aria-label={format!("Remove {}", info.title)}>{ "Remove" }</button>
        </div>
    };
    if props.drawn == Drawn::Heading {
        return html! {
            <section class="panel calculator waiting" id={base.clone()} aria-labelledby={format!("{base}-title")} aria-busy="true">
                { head }
                <p class="pending">{ "Loading this section…" }</p>
            </section>
        };
    }
    let current =
        engine::lookup(&state.plan, info.id).and_then(Value::as_table).cloned().unwrap_or_default();
    let outcome = state.eval.outcome(info.id).cloned();
    // A value that parses but the calculator rejects (too large, out of
    // range) is shown next to its field too.
    let calc_error = match &outcome {
        Some(Outcome::Error(e)) => Some((e.field.clone(), e.message.clone())),
        _ => None,
    };
    let defaults = engine::section_defaults(info, &current);
    let field = |f: &FormField| {
        let path = format!("{}.{}", info.id, f.key);
        let error =
            state.eval.field_errors.get(&path).cloned().or_else(|| {
                calc_error.as_ref().filter(|(k, _)| *k == f.key).map(|(_, e)| e.clone())
            });
        field_html(state, info, &path, f, engine::lookup(&defaults, &f.key), error)
    };
    // Top-level fields first, then one group per nested table (my.cnf, web).
    let fields = engine::form_fields(info, &current);
    let mut groups: Vec<(&str, Vec<&FormField>)> = vec![("", Vec::new())];
    for f in &fields {
        let group = f.key.split_once('.').map_or("", |(g, _)| g);
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => list.push(f),
            None => groups.push((group, vec![f])),
        }
    }
    let groups = groups.into_iter().filter(|(_, list)| !list.is_empty()).map(|(group, list)| {
        if group.is_empty() {
            html! { <div class="fields">{ for list.into_iter().map(field) }</div> }
        } else {
            html! {
                <fieldset class="group" id={format!("{base}-{group}")}>
                    <legend>{ info.group_label(group).unwrap_or(group) }</legend>
                    <div class="fields">{ for list.into_iter().map(field) }</div>
                </fieldset>
            }
        }
    });
    let host = state.eval.plan.as_ref().map(|p| &p.host);
    let capacity = match info.capacity {
        Capacity::Ram => {
            host.map(|h| (AttrValue::from("the host's RAM"), h.ram.get(), Unit::Bytes))
        }
        Capacity::Cores => host.map(|h| {
            (
                AttrValue::from("the host's cores"),
                h.cores.get().saturating_mul(1000),
                Unit::MilliCores,
            )
        }),
        Capacity::None => None,
    };
    let waiting = props.drawn != Drawn::All;
    html! {
        // Still `waiting` (as tall as the screen) until its result is in, so
        // that drawing it moves nothing below.
        <section class={classes!("panel", "calculator", waiting.then_some("waiting"))} id={base.clone()}
                 aria-labelledby={format!("{base}-title")} aria-busy={waiting.then_some("true")}>
            { head }
            <form onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                { for groups }
            </form>
            <p class="sr-only" aria-live="polite" id={format!("{base}-announce")}>{ (!waiting).then(|| announcement(info.title, outcome.as_ref())) }</p>
            <div class="live">
                { match outcome {
                    _ if waiting => html! { <p class="pending">{ "Working out this result…" }</p> },
                    Some(outcome) => html! { <ResultView id={info.id} {outcome} {capacity} /> },
                    None => html! {
                        <p id={format!("{base}-result")} class="pending">
                            { "Fix the highlighted fields to see this result." }
                        </p>
                    },
                } }
            </div>
        </section>
    }
}

/// One field: a text input, a checkbox or a list, labelled by the registry.
fn field_html(
    state: &UseReducerHandle<State>,
    info: &Calculator,
    path: &str,
    f: &FormField,
    default: Option<&Value>,
    error: Option<String>,
) -> Html {
    // Every form field is in the registry (a core test checks); the key and
    // the default stand in should one ever be missing.
    let (label, help) = match info.field(&f.key) {
        Some(d) => (AttrValue::from(d.label), AttrValue::from(d.help)),
        None => (
            AttrValue::from(f.key.clone()),
            AttrValue::from(format!("Default: {}", text_of(default))),
        ),
    };
    let kind = f.kind;
    let id = dom_id(path);
    let dispatch = state.dispatcher();
    let p = path.to_string();
    let set =
        Callback::from(move |text: String| dispatch.dispatch(Action::Set(p.clone(), kind, text)));
    let current = state.text(path);
    let help_id = format!("{id}-help");
    match kind {
        FieldKind::Bool => {
            let onchange = set.reform(|e: Event| {
                let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                if input.checked() { "true" } else { "false" }.to_string()
            });
            html! {
                <div class="field check">
                    <label for={id.clone()}>
                        <input id={id.clone()} type="checkbox" aria-describedby={help_id.clone()}
                               checked={current == "true"} {onchange} />
                        { " " }{ label }
                    </label>
                    <small id={help_id} class="help">{ help }</small>
                </div>
            }
        }
        FieldKind::Choice(_) | FieldKind::Variant => {
            let mut options: Vec<(String, String)> = match kind {
                FieldKind::Choice(list) => {
                    list.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect()
                }
                _ => info
                    .variants
                    .iter()
                    .filter(|v| path.ends_with(&format!(".{}.{}", v.path, v.tag)))
                    .map(|v| (v.value.to_string(), v.label.to_string()))
                    .collect(),
            };
            // A value from an imported plan that the list lacks stays visible.
            if !options.iter().any(|(v, _)| *v == current) {
                options.push((current.clone(), current.clone()));
            }
            let onchange = set
                .reform(|e: Event| e.target_unchecked_into::<web_sys::HtmlSelectElement>().value());
            html! {
                <div class={classes!("field", error.is_some().then_some("invalid"))}>
                    <label for={id.clone()}>{ label }</label>
                    <select id={id.clone()} aria-describedby={help_id.clone()} {onchange}>
                        { for options.into_iter().map(|(v, l)| {
                            let selected = v == current;
                            html! { <option {selected} value={v}>{ l }</option> }
                        }) }
                    </select>
                    <small id={help_id} class="help">{ help }</small>
                    if let Some(err) = error {
                        <small id={format!("{id}-error")} class="error">{ err }</small>
                    }
                </div>
            }
        }
        _ => {
            let echo = info.field(&f.key).and_then(|d| crate::echo::echo(d.kind, &current));
            html! {
                <Field {id} {label} {help} echo={echo.map(AttrValue::from)} value={current}
                       error={error.map(AttrValue::from)} oninput={set} />
            }
        }
    }
}

/// One short sentence for screen readers when the result changes, rather
/// than the whole table.
fn announcement(title: &str, outcome: Option<&Outcome>) -> String {
    match outcome {
        None => format!("{title}: fix the highlighted fields to see this result."),
        Some(Outcome::Error(e)) => format!("{title}: cannot compute: {}", e.message),
        Some(Outcome::Result(r)) => {
            let figures: Vec<String> = r
                .quantities
                .iter()
                .take(2)
                .map(|q| format!("{} {}", q.label, format_value(q.value, q.unit)))
                .collect();
            let errors = r.findings.iter().filter(|f| f.severity == Severity::Error).count();
            let mut text = format!("{title}: {}.", figures.join(", "));
            if errors > 0 {
                text.push_str(&format!(" {errors} error finding(s)."));
            }
            text
        }
    }
}
