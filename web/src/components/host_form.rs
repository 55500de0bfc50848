//! The host form: the machine once, then the kernel values when known.

use yew::prelude::*;

use crate::components::field::Field;
use crate::fields::{dom_id, HOST};
use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct HostFormProps {
    pub state: UseReducerHandle<State>,
}

#[function_component(HostForm)]
pub fn host_form(props: &HostFormProps) -> Html {
    let state = &props.state;
    let field = |f: &'static crate::fields::HostField| {
        let dispatch = state.dispatcher();
        let kind = f.kind;
        let oninput = Callback::from(move |text: String| {
            dispatch.dispatch(Action::Set(f.path.to_string(), kind, text))
        });
        html! {
            <Field
                id={dom_id(f.path)}
                label={f.label}
                help={f.help}
                value={state.text(f.path)}
                error={state.eval.field_errors.get(f.path).map(|e| AttrValue::from(e.clone()))}
                {oninput}
            />
        }
    };
    let (machine, kernel): (Vec<_>, Vec<_>) =
        HOST.iter().partition(|f| !f.path.starts_with("host.kernel."));
    let storage = {
        let dispatch = state.dispatcher();
        let onchange = Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            dispatch.dispatch(Action::Set(
                "host.storage".into(),
                crate::state::FieldKind::Quantity,
                select.value(),
            ))
        });
        let current = state.text("host.storage");
        let opt = |v: &'static str, label: &'static str| {
            html! { <option value={v} selected={current == v}>{ label }</option> }
        };
        html! {
            <div class="field">
                <label for="host-storage">{ "Storage" }</label>
                <select id="host-storage" aria-describedby="host-storage-help" {onchange}>
                    { opt("hdd", "HDD") }{ opt("ssd", "SSD") }{ opt("nvme", "NVMe") }
                </select>
                <small id="host-storage-help" class="help">{ "What the logs and journals are written to." }</small>
            </div>
        }
    };
    html! {
        <section class="panel" aria-labelledby="host-title">
            <h2 id="host-title">{ "Host" }</h2>
            <form class="fields" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                { for machine.into_iter().map(field) }
                { storage }
            </form>
            <details class="kernel" open={HOST.iter().any(|f| f.path.starts_with("host.kernel.") && !state.text(f.path).is_empty())}>
                <summary>{ "Kernel values (when known)" }</summary>
                <form class="fields" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                    { for kernel.into_iter().map(field) }
                </form>
            </details>
        </section>
    }
}
