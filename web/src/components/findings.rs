//! A list of findings: severity, message, why, and the fix to apply.

use headroom_core::finding::Finding;
use yew::prelude::*;

use crate::dom;

fn copy(text: String) -> Callback<MouseEvent> {
    Callback::from(move |_| {
        let text = text.clone();
        wasm_bindgen_futures::spawn_local(async move {
            dom::copy(text).await;
        });
    })
}

#[derive(Properties, PartialEq)]
pub struct FindingsProps {
    pub findings: Vec<Finding>,
}

#[function_component(Findings)]
pub fn findings(props: &FindingsProps) -> Html {
    if props.findings.is_empty() {
        return html! {};
    }
    let items = props.findings.iter().map(|f| {
        let sev = f.severity.name();
        html! {
            <li class={classes!("finding", sev)} data-rule={f.id}>
                <span class="severity">{ sev }</span>
                if let Some(loc) = &f.location {
                    <span class="where">{ format!("{} line {}", loc.file, loc.line) }</span>
                }
                <span class="message">{ f.message.clone() }</span>
                <code class="rule">{ f.id }</code>
                if let Some(why) = &f.why {
                    <p class="why">{ why.clone() }</p>
                }
                if let Some(fix) = &f.fix {
                    <p class="fix">
                        { "Fix: " }<code>{ fix.clone() }</code>{ " " }
                        <button type="button" class="secondary" onclick={copy(fix.clone())}
                                aria-label={format!("Copy the fix for {}", f.id)}>{ "Copy" }</button>
                    </p>
                }
            </li>
        }
    });
    html! { <ul class="findings">{ for items }</ul> }
}
