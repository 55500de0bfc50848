//! The AMPS memory estimate form and its live result.

use headroom_core::units::{group_thousands, Bytes};
use yew::prelude::*;

use crate::components::field::Field;
use crate::state::{Action, MemoryField, State};

#[function_component(AmpsMemory)]
pub fn amps_memory() -> Html {
    let state = use_reducer(State::default);
    let fields = MemoryField::ALL.iter().map(|&f| {
        let dispatch = state.dispatcher();
        let oninput = Callback::from(move |text: String| dispatch.dispatch(Action::Set(f, text)));
        html! {
            <Field
                id={f.id()}
                label={f.label()}
                symbol={f.symbol()}
                help={f.help()}
                value={state.text(f).to_string()}
                error={state.field_error(f).map(|e| AttrValue::from(e.to_string()))}
                {oninput}
            />
        }
    });
    let result = match state.result() {
        None => html! {
            <p id="amps-memory-result" class="pending">{ "Fix the highlighted fields to see the estimate." }</p>
        },
        Some(Err(e)) => {
            html! { <p id="amps-memory-result" class="error" role="alert">{ e.to_string() }</p> }
        }
        Some(Ok(r)) => {
            let total = r.quantity("estimate").unwrap_or(0);
            let rows = r.terms.iter().map(|t| {
                let share =
                    if total == 0 { 0 } else { u128::from(t.value) * 1000 / u128::from(total) };
                html! {
                    <tr>
                        <th scope="row"><code>{ t.symbol }</code></th>
                        <td>{ t.label }</td>
                        <td class="num">{ group_thousands(t.value) }</td>
                        <td class="num">{ Bytes(t.value).both() }</td>
                        <td class="num">{ format!("{}.{}%", share / 10, share % 10) }</td>
                    </tr>
                }
            });
            html! {
                <div id="amps-memory-result">
                    <p class="headline">
                        { "Estimated memory: " }
                        <strong id="amps-memory-total" data-bytes={total.to_string()}>{ Bytes(total).both() }</strong>
                        <span class="exact">{ format!(" = {} bytes", group_thousands(total)) }</span>
                    </p>
                    <table class="breakdown">
                        <caption>{ "Breakdown" }</caption>
                        <thead><tr><th>{ "Term" }</th><th>{ "What" }</th><th>{ "Bytes" }</th><th>{ "Size" }</th><th>{ "Share" }</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                    <p class="formula"><code>{ r.formula }</code></p>
                    <p class="source">{ format!("Source: {}, {}.", r.source.document, r.source.section) }</p>
                </div>
            }
        }
    };
    html! {
        <section class="calculator" aria-labelledby="amps-memory-title">
            <h2 id="amps-memory-title">{ "AMPS memory" }</h2>
            <form class="fields" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                { for fields }
            </form>
            <div class="result" aria-live="polite">{ result }</div>
        </section>
    }
}
