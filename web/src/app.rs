//! The page's root component: navigation, theme, and the planner's panels.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::compare::Compare;
use crate::components::config_check::ConfigCheck;
use crate::components::dump_view::DumpView;
use crate::components::export::Export;
use crate::components::host_form::HostForm;
use crate::components::rollup::Rollup;
use crate::components::section_form::{Drawn, SectionForm};
use crate::examples::EXAMPLES;
use crate::hooks::address::use_address;
use crate::hooks::progressive::{in_next_task, use_progressive, ALL};
use crate::hooks::section_focus::use_section_focus;
use crate::hooks::view_history::{use_view_history, view_of};
use crate::state::{Action, State, View};
use crate::{dom, engine, share};

const THEME_KEY: &str = "headroom-theme";
/// The plan as last edited in this browser, as plan file text: a tab closed
/// without sharing the plan loses nothing.
const PLAN_KEY: &str = "headroom-plan";

/// The plan kept in this browser, when it is readable and not the default.
fn stored_plan() -> Option<toml::Table> {
    let plan = share::from_toml(&dom::storage_get(PLAN_KEY)?).ok()?;
    (engine::with_defaults(&plan) != engine::with_defaults(&State::default_plan())).then_some(plan)
}

/// The state the page opens with, not yet evaluated (the app asks for that
/// in the next task). A plan in the link is unpacked asynchronously (the
/// browser inflates it); until then the planner waits.
fn initial_state() -> State {
    let fragment = dom::fragment();
    let opening_link = share::fragment_payload(&fragment).is_some();
    let view = view_of(&fragment);
    // The link wins over the plan kept in this browser (open_link says so).
    match stored_plan().filter(|_| !opening_link) {
        Some(plan) => State {
            notice: Some("Your plan from your last visit in this browser is restored.".into()),
            ..State::unevaluated(plan, view)
        },
        None => State { opening_link, ..State::unevaluated(State::default_plan(), view) },
    }
}

/// Loads the plan in the address's fragment, if it holds one.
fn open_link(dispatch: UseReducerDispatcher<State>) {
    let Some(data) = share::fragment_payload(&dom::fragment()).map(str::to_string) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        match dom::unpack(data).await.and_then(|text| share::from_toml(&text)) {
            Ok(plan) => {
                let replaced = stored_plan().is_some_and(|kept| {
                    engine::with_defaults(&kept) != engine::with_defaults(&plan)
                });
                dispatch.dispatch(Action::Opened(plan));
                if replaced {
                    dispatch.dispatch(Action::Notice(Some(
                        "This is the plan in the link; it replaces the plan this browser kept \
                         from your last visit."
                            .into(),
                    )));
                }
            }
            Err(e) => dispatch.dispatch(Action::Notice(Some(format!(
                "The link's plan is damaged ({e}); showing the default plan instead."
            )))),
        }
    });
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    let link = use_address(&state, PLAN_KEY);
    use_view_history(&state, &link);

    // The link the page was opened with, and any pasted into this tab's
    // address bar later, load their plan.
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            open_link(dispatch.clone());
            dom::on_window("hashchange", move || {
                // Back and Forward reach entries holding their plan, which
                // the history hook loads; a link typed in makes one without.
                if dom::entry_plan().is_none() {
                    open_link(dispatch.clone());
                }
            })
        });
    }

    // The opening plan's evaluation, the costliest step of the start, in a
    // task after the one that draws the page's frame.
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| in_next_task(move || dispatch.dispatch(Action::Evaluate)));
    }

    let announced = use_section_focus(state.section_ids(), !state.opening_link);
    // The sections' steps, then one for the roll-up and comparison, one
    // for the config check, and the last for the export.
    let drawn = use_progressive(SECTIONS_FROM + 2 * state.section_ids().len() + 2, state.evaluated);

    // Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo plan edits, except in
    // a text field, where they keep undoing the typing as browsers do.
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                if let Some(action) = undo_key(&e) {
                    e.prevent_default();
                    dispatch.dispatch(action);
                }
            });
            let document = web_sys::window().and_then(|w| w.document());
            if let Some(d) = &document {
                let _ = d
                    .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(d) = document {
                    let _ = d.remove_event_listener_with_callback(
                        "keydown",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    let theme = use_state(|| dom::storage_get(THEME_KEY).unwrap_or_else(|| "system".into()));
    use_effect_with((*theme).clone(), |t| dom::set_root_attr("data-theme", t));
    let on_theme = {
        let theme = theme.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            dom::storage_set(THEME_KEY, &select.value());
            theme.set(select.value());
        })
    };

    let tab = |view: View, id: &'static str, label: &'static str| {
        let dispatch = state.dispatcher();
        let current = state.view == view;
        html! {
            <button type="button" id={id} class={classes!("tab", current.then_some("current"))}
                    aria-current={current.then_some("page")}
                    onclick={Callback::from(move |_| dispatch.dispatch(Action::Show(view)))}>
                { label }
            </button>
        }
    };
    let theme_opt = |v: &'static str, label: &'static str| {
        html! { <option value={v} selected={*theme == v}>{ label }</option> }
    };

    html! {
        <>
            <a class="skip" href="#main">{ "Skip to the planner" }</a>
            <header class="masthead">
                <div>
                    <h1>{ "Headroom" }</h1>
                    <p class="tagline">{ "Offline capacity planner. Nothing you type leaves this page." }</p>
                </div>
                <nav aria-label="Views" class="tabs">
                    { tab(View::Planner, "nav-planner", "Planner") }
                    { tab(View::CrashDump, "nav-dump", "Crash dump") }
                </nav>
                <div class="theme">
                    <label for="theme">{ "Theme" }</label>
                    <select id="theme" onchange={on_theme}>
                        { theme_opt("system", "System") }{ theme_opt("light", "Light") }{ theme_opt("dark", "Dark") }
                    </select>
                </div>
            </header>
            <main id="main" tabindex="-1">
                <p id="announce" class="sr-only" aria-live="polite">{ (*announced).clone() }</p>
                if let Some(n) = &state.notice {
                    <p id="notice" class="notice" role="status">{ n.clone() }</p>
                }
                { match state.view {
                    View::Planner if state.opening_link => html! {
                        <p class="pending" id="opening">{ "Opening the plan in the link…" }</p>
                    },
                    View::Planner => planner(&state, &link, drawn),
                    View::CrashDump => html! { <DumpView /> },
                } }
            </main>
        </>
    }
}

/// The steps of the planner's first drawing (`hooks::progressive`), each a
/// task of its own: the frame; the plan's evaluation (which starts the
/// count); then the history, the examples and the host;
/// then each section's heading and the "Add a system" panel; then each
/// section's form and then its result, each a step; then the roll-up and
/// the comparison; then
/// the config check; then the export (drawn together, the four were a 45 ms
/// task and a 50 ms layout under the mobile audit's 4x CPU slowdown).
const TOP: usize = 1;
const HEADINGS: usize = 2;
const SECTIONS_FROM: usize = 3;

/// The undo or redo a key press asks for, if any.
fn undo_key(e: &KeyboardEvent) -> Option<Action> {
    let editing = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA"));
    if editing || !(e.ctrl_key() || e.meta_key()) || e.alt_key() {
        return None;
    }
    match (e.key().to_ascii_lowercase().as_str(), e.shift_key()) {
        ("z", false) => Some(Action::Undo),
        ("z", true) | ("y", false) => Some(Action::Redo),
        _ => None,
    }
}

/// Undo and Redo buttons, each saying what is left to step through.
fn history_bar(state: &UseReducerHandle<State>) -> Html {
    let button = |id: &'static str, label: &'static str, steps: usize, action: fn() -> Action| {
        let dispatch = state.dispatcher();
        html! {
            <button type="button" class="secondary" id={id} disabled={steps == 0}
                    aria-keyshortcuts={if id == "undo" { "Control+Z" } else { "Control+Shift+Z" }}
                    onclick={Callback::from(move |_| dispatch.dispatch(action()))}>
                { if steps == 0 { label.to_string() } else { format!("{label} ({steps})") } }
            </button>
        }
    };
    html! {
        <div class="buttons history" role="group" aria-label="Plan history">
            { button("undo", "Undo", state.past.len(), || Action::Undo) }
            { button("redo", "Redo", state.future.len(), || Action::Redo) }
        </div>
    }
}

/// The planner's panels, drawn as far as `drawn` steps go (see [`TOP`]).
fn planner(state: &UseReducerHandle<State>, link: &str, drawn: usize) -> Html {
    if drawn < TOP {
        return html! { <p class="pending">{ "Loading the planner…" }</p> };
    }
    let examples = EXAMPLES.iter().map(|ex| {
        let dispatch = state.dispatcher();
        let onclick = Callback::from(move |_| {
            if let Ok(plan) = share::from_toml(ex.plan) {
                dispatch.dispatch(Action::Load(plan));
            }
        });
        html! { <button type="button" id={format!("example-{}", ex.id)} {onclick}>{ ex.title }</button> }
    });
    let present = state.section_ids();
    let missing: Vec<_> = engine::sections().iter().filter(|s| !present.contains(&s.id)).collect();
    let all_added = missing.is_empty();
    let addable = missing.into_iter().map(|s| {
        let dispatch = state.dispatcher();
        let id = s.id;
        html! {
            <button type="button" class="secondary" id={format!("add-{}", crate::fields::dom_id(id))}
                    onclick={Callback::from(move |_| dispatch.dispatch(Action::AddSection(id)))}>
                { format!("+ {}", s.title) }
            </button>
        }
    });
    html! {
        <>
            { history_bar(state) }
            <section class="panel examples" aria-labelledby="examples-title">
                <h2 id="examples-title">{ "Worked examples" }</h2>
                <div class="buttons">{ for examples }</div>
            </section>
            { orphan_errors(state) }
            if let Some(e) = &state.eval.plan_error {
                <p id="plan-error" class="error" role="alert">{ format!("The plan cannot be read: {e}") }</p>
            }
            <HostForm state={state.clone()} />
            if drawn >= HEADINGS {
                { for present.iter().enumerate().map(|(i, id)| {
                    let form = SECTIONS_FROM + 2 * i;
                    let drawn = match drawn {
                        d if d > form => Drawn::All,
                        d if d == form => Drawn::Form,
                        _ => Drawn::Heading,
                    };
                    html! { <SectionForm state={state.clone()} id={*id} {drawn} /> }
                }) }
            }
            if drawn >= SECTIONS_FROM + 2 * present.len() {
                <Rollup state={state.clone()} />
                <Compare state={state.clone()} />
            }
            if drawn >= HEADINGS {
                <section class="panel add" aria-labelledby="add-title">
                    <h2 id="add-title">{ "Add a system" }</h2>
                    <div class="buttons">{ for addable }</div>
                    if all_added {
                        <p class="help">{ "Every calculator is in the plan." }</p>
                    }
                </section>
            }
            if drawn > SECTIONS_FROM + 2 * present.len() {
                <ConfigCheck state={state.clone()} />
            }
            if drawn == ALL {
                <Export state={state.clone()} link={link.to_string()} />
            }
        </>
    }
}

/// Errors on values no form shows (e.g. an unknown key in an imported plan):
/// listed here so they are never silent.
fn orphan_errors(state: &State) -> Html {
    let orphans: Vec<_> = state
        .eval
        .field_errors
        .iter()
        .filter(|(p, _)| !engine::has_form_field(&state.plan, p))
        .collect();
    if orphans.is_empty() {
        return html! {};
    }
    html! {
        <div id="plan-errors" class="panel" role="alert">
            <h2>{ "The plan has values the page cannot use" }</h2>
            <ul>{ for orphans.into_iter().map(|(p, e)| html! { <li><code>{ p.clone() }</code>{ format!(": {e}") }</li> }) }</ul>
        </div>
    }
}
