//! Paste or drop config files and logs: the validators' findings listed
//! against each file, with the offending lines highlighted.

use std::collections::BTreeSet;

use web_sys::{DragEvent, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::checks;
use crate::components::findings::Findings;
use crate::dom;
use crate::state::{Action, ConfigFile, State};

#[derive(Properties, PartialEq)]
pub struct ConfigCheckProps {
    pub state: UseReducerHandle<State>,
}

#[function_component(ConfigCheck)]
pub fn config_check(props: &ConfigCheckProps) -> Html {
    let state = &props.state;
    let name = use_state(String::new);
    let text = use_state(String::new);
    let format = use_state(String::new);
    let dragging = use_state(|| false);

    let add = {
        let (name, text, format) = (name.clone(), text.clone(), format.clone());
        let dispatch = state.dispatcher();
        Callback::from(move |_| {
            if text.trim().is_empty() {
                return;
            }
            let file_name =
                if name.trim().is_empty() { "pasted".to_string() } else { name.trim().to_string() };
            dispatch.dispatch(Action::AddConfig(ConfigFile {
                name: file_name,
                text: (*text).clone(),
                format: (!format.is_empty()).then(|| (*format).clone()),
            }));
            text.set(String::new());
            name.set(String::new());
        })
    };
    let read_files = {
        let dispatch = state.dispatcher();
        move |files: Option<web_sys::FileList>| {
            let Some(files) = files else { return };
            for i in 0..files.length() {
                let Some(file) = files.get(i) else { continue };
                let dispatch = dispatch.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let name = file.name();
                    if let Some(text) = dom::read_file(file).await {
                        dispatch.dispatch(Action::AddConfig(ConfigFile {
                            name,
                            text,
                            format: None,
                        }));
                    }
                });
            }
        }
    };
    let on_drop = {
        let read_files = read_files.clone();
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            read_files(e.data_transfer().and_then(|d| d.files()));
        })
    };
    let on_drag_over = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let on_drag_leave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let on_pick = Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        read_files(input.files());
        input.set_value("");
    });
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            name.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let on_format = {
        let format = format.clone();
        Callback::from(move |e: Event| {
            format.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };

    let files = state.configs.iter().enumerate().map(|(i, file)| {
        let remove = {
            let dispatch = state.dispatcher();
            Callback::from(move |_| dispatch.dispatch(Action::RemoveConfig(i)))
        };
        let checked = checks::check(&file.name, &file.text, file.format.as_deref(), state.eval.plan.as_ref());
        html! {
            <article class="config-file" id={format!("config-{i}")} aria-labelledby={format!("config-{i}-title")}>
                <div class="section-head">
                    <h3 id={format!("config-{i}-title")}>{ file.name.clone() }</h3>
                    <button type="button" class="secondary" onclick={remove}
                            aria-label={format!("Remove {}", file.name)}>{ "Remove" }</button>
                </div>
                { match &checked {
                    Err(e) => html! { <p class="error">{ format!("Not checked: {e}") }</p> },
                    Ok(c) => html! {
                        <>
                            <p class="format">{ format!("Read as {}; {} finding(s).", c.format, c.findings.len()) }</p>
                            <Findings findings={c.findings.clone()} />
                        </>
                    },
                } }
                { listing(&file.text, &flagged(checked.as_ref().ok())) }
            </article>
        }
    });
    let opt = |v: &str, label: &str| html! { <option value={v.to_string()} selected={*format == v}>{ label.to_string() }</option> };
    html! {
        <section class="panel" id="config" aria-labelledby="config-title">
            <h2 id="config-title">{ "Check config files" }</h2>
            <p class="help">{ "sysctl.conf, limits.conf, unit files, system.conf and GemStone logs, my.cnf, ipcs -m output, AMPS XML. Checked here against the plan; nothing is uploaded." }</p>
            <div class={classes!("dropzone", dragging.then_some("over"))}
                 ondrop={on_drop} ondragover={on_drag_over} ondragleave={on_drag_leave}>
                <div class="field">
                    <label for="config-pick">{ "Choose or drop files" }</label>
                    <input id="config-pick" type="file" multiple=true onchange={on_pick} />
                </div>
                <div class="fields">
                    <div class="field">
                        <label for="config-name">{ "File name (helps recognise the format)" }</label>
                        <input id="config-name" type="text" autocomplete="off" placeholder="/etc/sysctl.conf"
                               value={(*name).clone()} oninput={on_name} />
                    </div>
                    <div class="field">
                        <label for="config-format">{ "Format" }</label>
                        <select id="config-format" onchange={on_format}>
                            { opt("", "Detect from the content") }
                            { for checks::formats().map(|f| opt(f, f)) }
                        </select>
                    </div>
                </div>
                <div class="field">
                    <label for="config-text">{ "Or paste the file's text" }</label>
                    <textarea id="config-text" class="config-text" rows="6" spellcheck="false"
                              value={(*text).clone()} oninput={on_text} />
                </div>
                <button type="button" id="config-check" onclick={add}>{ "Check this file" }</button>
            </div>
            <div aria-live="polite">{ for files }</div>
        </section>
    }
}

/// The lines the findings point at.
fn flagged(checked: Option<&checks::Checked>) -> BTreeSet<u32> {
    checked
        .map(|c| c.findings.iter().filter_map(|f| f.location.as_ref().map(|l| l.line)).collect())
        .unwrap_or_default()
}

/// The file with line numbers, flagged lines marked.
fn listing(text: &str, flagged: &BTreeSet<u32>) -> Html {
    let lines = text.lines().enumerate().map(|(i, line)| {
        let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let hit = flagged.contains(&no);
        html! {
            <div class={classes!("line", hit.then_some("flagged"))} data-line={no.to_string()}>
                <span class="no">{ no }</span>
                if hit { <mark>{ line }</mark> } else { <span>{ line }</span> }
            </div>
        }
    });
    html! { <div class="listing" role="region" aria-label="File listing" tabindex="0">{ for lines }</div> }
}
