//! Export (plan file, Markdown report, drop-ins, share link) and import of a
//! plan file.

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::components::output::Output;
use crate::share;
use crate::state::{Action, State};
use crate::{dom, engine, fixes};

/// Why an imported plan file cannot replace the plan, if it cannot: TOML that
/// does not parse (the message names its line) or a value the calculators
/// cannot use (named by its place in the file, `[section] key`).
pub fn import_error(text: &str) -> Option<String> {
    let plan = match share::from_toml(text) {
        Ok(plan) => plan,
        Err(e) => return Some(format!("That plan file is not valid TOML: {}", e.trim_end())),
    };
    let eval = engine::evaluate(&engine::with_defaults(&plan));
    if let Some(e) = eval.plan_error {
        return Some(format!("That plan file cannot be used: {e}"));
    }
    let (path, e) = eval.field_errors.into_iter().next()?;
    let (table, key) = path.rsplit_once('.').unwrap_or(("", path.as_str()));
    Some(format!("That plan file cannot be used: [{table}] {key}: {e}"))
}

#[derive(Properties, PartialEq)]
pub struct ExportProps {
    pub state: UseReducerHandle<State>,
    /// The address that reopens this plan.
    pub link: AttrValue,
}

#[function_component(Export)]
pub fn export(props: &ExportProps) -> Html {
    let state = &props.state;
    let import_text = use_state(String::new);
    // Shown beside the import controls; the plan stays as it was.
    let error = use_state(|| None::<String>);
    let load = {
        let error = error.clone();
        move |text: String, dispatch: UseReducerDispatcher<State>| match import_error(&text)
            .map(Err)
            .unwrap_or_else(|| share::from_toml(&text))
        {
            Ok(plan) => {
                error.set(None);
                dispatch.dispatch(Action::Load(plan));
                dispatch.dispatch(Action::Notice(Some("Plan imported.".into())));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let on_file = {
        let dispatch = state.dispatcher();
        let load = load.clone();
        let error = error.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let (dispatch, load, error) = (dispatch.clone(), load.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match dom::read_file(file).await {
                    Some(text) => load(text, dispatch),
                    None => error.set(Some("Could not read that file.".into())),
                }
            });
            input.set_value("");
        })
    };
    let on_text = {
        let import_text = import_text.clone();
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            import_text.set(t.value());
        })
    };
    let on_import = {
        let dispatch = state.dispatcher();
        let import_text = import_text.clone();
        Callback::from(move |_| load((*import_text).clone(), dispatch.clone()))
    };
    let dropins = fixes::dropins(state.eval.plan.as_ref());
    html! {
        <section class="panel" aria-labelledby="export-title" id="export">
            <h2 id="export-title">{ "Export and share" }</h2>
            <div class="output">
                <label for="share-link">{ "Link to this plan (the plan is in the link itself)" }</label>
                <input id="share-link" type="text" readonly=true value={props.link.clone()} />
            </div>
            <Output id="plan-toml" title="Plan file (dumptool plan reads it)" text={share::to_toml(&state.plan)}
                    filename="headroom-plan.toml" mime="application/toml" />
            <Output id="report-md" title="Report (Markdown)" text={share::markdown(&state.eval)}
                    filename="headroom-report.md" mime="text/markdown" />
            { for dropins.into_iter().map(|d| html! {
                <Output id={d.id} title={d.title} text={d.text} filename={d.filename} mime="text/plain" />
            }) }
            <h3>{ "Import a plan file" }</h3>
            <div class="field">
                <label for="import-file">{ "Plan file (.toml)" }</label>
                <input id="import-file" type="file" accept=".toml,text/plain" onchange={on_file} />
            </div>
            <div class="field">
                <label for="import-text">{ "Or paste a plan" }</label>
                <textarea id="import-text" rows="6" spellcheck="false" value={(*import_text).clone()} oninput={on_text} />
            </div>
            <button type="button" id="import-button" onclick={on_import}>{ "Import pasted plan" }</button>
            if let Some(e) = &*error {
                <p id="import-error" class="error" role="alert">{ e.clone() }</p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_plan_file_is_refused_with_its_line_or_field() {
        let e = import_error("[amps.memory]\nclients = = 3\n").expect("malformed");
        assert!(e.contains("line 2"), "{e}");
        let e = import_error("[amps.memory]\nclients = \"lots\"\n").expect("bad value");
        assert!(e.starts_with("That plan file cannot be used: [amps.memory] clients: "), "{e}");
        assert_eq!(import_error(crate::examples::EXAMPLE_25_2), None);
    }
}
