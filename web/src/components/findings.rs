//! A list of findings, each explained: what is wrong, what the severity
//! means, why it matters (with its source) and what to do, the exact fix
//! ready to copy. A finding raised without its own reason or fix takes its
//! rule's, from the one rules table (`headroom_core::validate::rules`).

use headroom_core::finding::{Finding, Severity};
use headroom_core::validate::rules;
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

/// What a severity means, as docs/rules.md words it.
fn meaning(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "it will fail or lose data",
        Severity::Warning => "it will hurt",
        Severity::Info => "advice",
    }
}

/// Why the finding matters and what to do: its own words, else its rule's.
fn explained(f: &Finding) -> (Option<String>, Option<String>) {
    let rule = rules::by_id(f.id);
    let why = f.why.clone().or_else(|| rule.map(|r| r.source.to_string()));
    let fix = f.fix.clone().or_else(|| rule.map(|r| r.fix.to_string()));
    (why, fix)
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
        let (why, fix) = explained(f);
        html! {
            <li class={classes!("finding", sev)} data-rule={f.id}>
                <span class="severity">{ sev }</span>
                <span class="meaning">{ format!("({})", meaning(f.severity)) }</span>
                if let Some(loc) = &f.location {
                    <span class="where">{ format!("{} line {}", loc.file, loc.line) }</span>
                }
                <span class="message">{ f.message.clone() }</span>
                <code class="rule">{ f.id }</code>
                if let Some(why) = why {
                    <p class="why">{ "Why: " }{ why }</p>
                }
                if let Some(fix) = fix {
                    <p class="fix">
                        { "What to do: " }<code>{ fix.clone() }</code>{ " " }
                        <button type="button" class="secondary" onclick={copy(fix)}
                                aria-label={format!("Copy the fix for {}", f.id)}>{ "Copy" }</button>
                    </p>
                }
            </li>
        }
    });
    html! { <ul class="findings">{ for items }</ul> }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every finding says why and what to do, from its rule when the
    /// calculator gave only the message.
    #[test]
    fn a_finding_without_its_own_reason_takes_its_rules() {
        let bare = Finding::new(&rules::AMPS_MEMORY_EXCEEDS_RAM, "AMPS needs more than the RAM");
        let (why, fix) = explained(&bare);
        assert_eq!(why.as_deref(), Some(rules::AMPS_MEMORY_EXCEEDS_RAM.source));
        assert_eq!(fix.as_deref(), Some(rules::AMPS_MEMORY_EXCEEDS_RAM.fix));
        let own = bare.why("the guide's chapter 25").fix("provision 64 GB");
        assert_eq!(
            explained(&own),
            (Some("the guide's chapter 25".into()), Some("provision 64 GB".into()))
        );
    }
}
