//! One calculator's result: its figures (both unit notations), the breakdown
//! of its terms with a chart against the host, the formula, its arithmetic
//! with the plan's own figures, source, the
//! inputs it was computed from by their labels (defaults marked) and the
//! findings, each explained.

use headroom_core::plan::calculator;
use headroom_core::plan::Outcome;
use headroom_core::present::{
    format_exact, format_input, format_share, format_value, step_value, step_working,
};
use headroom_core::report::Unit;
use yew::prelude::*;

use crate::components::chart::{chart_data, Chart};
use crate::components::findings::Findings;
use crate::fields::dom_id;

#[derive(Properties, PartialEq)]
pub struct ResultViewProps {
    pub id: AttrValue,
    pub outcome: Outcome,
    /// The host's capacity drawn beside the results in its unit, e.g.
    /// ("the host's RAM", bytes, Unit::Bytes).
    pub capacity: Option<(AttrValue, u64, Unit)>,
}

#[function_component(ResultView)]
pub fn result_view(props: &ResultViewProps) -> Html {
    let base = dom_id(&props.id);
    let r = match &props.outcome {
        Outcome::Result(r) => r,
        Outcome::Error(e) => {
            return html! {
                <div id={format!("{base}-result")} class="result error">
                    <p>{ format!("Cannot compute: {}", e.message) }</p>
                </div>
            }
        }
    };
    let quantities = r.quantities.iter().map(|q| {
        html! {
            <tr>
                <th scope="row">{ q.label }</th>
                <td id={format!("{base}-q-{}", q.name)} class="num" data-value={q.value.to_string()}>
                    { format_value(q.value, q.unit) }
                </td>
                <td class="num exact">{ format_exact(q.value, q.unit) }</td>
            </tr>
        }
    });
    let terms = r.terms.iter().map(|t| {
        // A share of the terms in the same unit (a count is no share of bytes).
        let total = r
            .terms
            .iter()
            .filter(|o| o.unit == t.unit)
            .fold(0u64, |a, o| a.saturating_add(o.value));
        html! {
            <tr>
                <th scope="row"><code>{ t.symbol }</code></th>
                <td>{ t.label }</td>
                <td class="num">{ format_value(t.value, t.unit) }</td>
                <td class="num">{ format_share(t.value, total) }</td>
            </tr>
        }
    });
    // The inputs behind the figures, defaults and assumptions marked.
    let calc = calculator(&props.id);
    let inputs = r.inputs.iter().map(|i| {
        let value = match calc.and_then(|c| c.field(i.key)) {
            Some(f) => format_input(f.kind, &i.value),
            None => i.value.clone(),
        };
        let mark = match (i.default, i.assumption) {
            (true, true) => "default, assumption",
            (true, false) => "default",
            (false, true) => "assumption",
            (false, false) => "",
        };
        // The field's label as the form shows it (with the formula's
        // symbol); the plan key for those who edit the file.
        html! {
            <li id={format!("{base}-in-{}", i.key.replace('.', "-"))} title={i.key}>
                { format!("{} = {value}", i.label) }
                if !mark.is_empty() { <em>{ format!(" ({mark})") }</em> }
            </li>
        }
    });
    // The arithmetic with the plan's own figures, as the report prints it.
    let steps = r.steps.iter().map(|st| {
        html! {
            <li>
                <code>{ st.symbol }</code>{ format!(" = {}", step_working(st)) }
                <strong>{ step_value(st) }</strong>
            </li>
        }
    });
    let chart = chart_data(r, props.capacity.as_ref().map(|(l, v, u)| (l.as_str(), *v, *u)));
    html! {
        <div id={format!("{base}-result")} class="result">
            <table class="quantities">
                <caption>{ r.title }</caption>
                <tbody>{ for quantities }</tbody>
            </table>
            if !r.terms.is_empty() {
                <table class="breakdown">
                    <caption>{ "Breakdown" }</caption>
                    <thead><tr><th scope="col">{ "Term" }</th><th scope="col">{ "What" }</th><th scope="col" class="num">{ "Value" }</th><th scope="col" class="num">{ "Share" }</th></tr></thead>
                    <tbody>{ for terms }</tbody>
                </table>
            }
            if let Some(data) = chart {
                <Chart id={format!("{base}-chart")} {data} />
            }
            <p class="formula">{ "Formula: " }<code>{ r.formula }</code></p>
            if !r.steps.is_empty() {
                <details id={format!("{base}-steps")} class="steps">
                    <summary>{ "Worked out with these figures" }</summary>
                    <ol>{ for steps }</ol>
                </details>
            }
            <details class="source">
                <summary>{ format!("Source: {}, {}.", r.source.document, r.source.section) }</summary>
                <blockquote>{ r.source.excerpt }</blockquote>
            </details>
            <details class="inputs" open=true>
                <summary>{ "Computed from these inputs" }</summary>
                <ul>{ for inputs }</ul>
            </details>
            <Findings findings={r.findings.clone()} />
        </div>
    }
}
