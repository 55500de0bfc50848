//! The host form: the machine once, then the kernel values when known.

use yew::prelude::*;

use headroom_core::host::FIELDS;
use headroom_core::registry::{self, Kind};

use crate::components::field::Field;
use crate::fields::dom_id;
use crate::fields::FieldKind;
use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct HostFormProps {
    pub state: UseReducerHandle<State>,
}

#[function_component(HostForm)]
pub fn host_form(props: &HostFormProps) -> Html {
    let state = &props.state;
    let field = |f: &'static registry::Field| {
        let path = format!("host.{}", f.key);
        let id = dom_id(&path);
        let dispatch = state.dispatcher();
        let kind = FieldKind::of(Some(f), None);
        let current = state.text(&path);
        let p = path.clone();
        if let Kind::Choice(choices) = f.kind {
            let onchange = Callback::from(move |e: Event| {
                let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                dispatch.dispatch(Action::Set(p.clone(), kind, select.value()))
            });
            let help_id = format!("{id}-help");
            return html! {
                <div class="field">
                    <label for={id.clone()}>{ f.label }</label>
                    <select id={id} aria-describedby={help_id.clone()} {onchange}>
                        { for choices.iter().map(|(v, label)| html! {
                            <option value={*v} selected={current == *v}>{ *label }</option>
                        }) }
                    </select>
                    <small id={help_id} class="help">{ f.help }</small>
                </div>
            };
        }
        let oninput = Callback::from(move |text: String| {
            dispatch.dispatch(Action::Set(p.clone(), kind, text))
        });
        let echo = crate::echo::echo(f.kind, &current).map(AttrValue::from);
        html! {
            <Field
                {id}
                label={f.label}
                help={f.help}
                {echo}
                value={current}
                error={state.eval.field_errors.get(&path).map(|e| AttrValue::from(e.clone()))}
                {oninput}
            />
        }
    };
    let (machine, kernel): (Vec<_>, Vec<_>) =
        FIELDS.iter().partition(|f| !f.key.starts_with("kernel."));
    html! {
        <section class="panel" aria-labelledby="host-title">
            <h2 id="host-title">{ "Host" }</h2>
            <form class="fields" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                { for machine.into_iter().map(field) }
            </form>
            <details class="kernel" open={kernel.iter().any(|f| !state.text(&format!("host.{}", f.key)).is_empty())}>
                <summary>{ "Kernel values (when known)" }</summary>
                <form class="fields" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                    { for kernel.into_iter().map(field) }
                </form>
            </details>
        </section>
    }
}
