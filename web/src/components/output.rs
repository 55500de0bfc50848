//! A generated text (plan file, report, drop-in) with copy and download.

use yew::prelude::*;

use crate::dom;

#[derive(Properties, PartialEq)]
pub struct OutputProps {
    pub id: AttrValue,
    pub title: AttrValue,
    pub text: AttrValue,
    pub filename: AttrValue,
    pub mime: AttrValue,
}

#[function_component(Output)]
pub fn output(props: &OutputProps) -> Html {
    let status = use_state(|| None::<&'static str>);
    let copy = {
        let text = props.text.to_string();
        let status = status.clone();
        Callback::from(move |_| {
            let text = text.clone();
            let status = status.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let ok = dom::copy(text).await;
                status.set(Some(if ok {
                    "Copied."
                } else {
                    "Copy failed: select the text instead."
                }));
            });
        })
    };
    let download = {
        let (name, mime, text) = (props.filename.clone(), props.mime.clone(), props.text.clone());
        Callback::from(move |_| dom::download(&name, &mime, &text))
    };
    let rows = props.text.lines().count().clamp(3, 18).to_string();
    html! {
        <div class="output">
            <label for={props.id.clone()}>{ props.title.clone() }</label>
            <textarea id={props.id.clone()} readonly=true rows={rows} spellcheck="false"
                      value={props.text.clone()} />
            <div class="buttons">
                <button type="button" id={format!("{}-copy", props.id)} onclick={copy}>{ "Copy" }</button>
                <button type="button" id={format!("{}-download", props.id)} onclick={download}>
                    { format!("Download {}", props.filename) }
                </button>
                <span class="status" role="status">{ status.unwrap_or("") }</span>
            </div>
        </div>
    }
}
