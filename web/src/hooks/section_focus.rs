//! Where focus goes when a calculator section is added or removed, and what
//! a screen reader hears. The button pressed disappears with the change (a
//! "+ section" button leaves the "Add a system" panel, a "Remove" button goes
//! with its section), which would leave focus on `<body>` and the reader
//! silent. Instead focus moves to the new section's heading, or after a
//! removal to the heading of the section that took its place (else the one
//! before it, else "Add a system"), and a polite live region says what
//! changed (WAI-ARIA Authoring Practices, "Developing a Keyboard Interface",
//! section "Managing focus when the focused element is removed").

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::engine;
use crate::fields::dom_id;

/// What changed between two lists of sections (in the page's order), when
/// it is one section added or one removed; any other change (an example or
/// an import replacing the plan) is not announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(&'static str),
    /// The removed section and the one to focus, if any section is left.
    Removed {
        gone: &'static str,
        focus: Option<&'static str>,
    },
}

pub fn change(before: &[&'static str], after: &[&'static str]) -> Option<Change> {
    let added: Vec<_> = after.iter().filter(|s| !before.contains(s)).collect();
    let removed: Vec<_> = before.iter().enumerate().filter(|(_, s)| !after.contains(s)).collect();
    match (added.as_slice(), removed.as_slice()) {
        ([id], []) => Some(Change::Added(id)),
        ([], [(index, id)]) => {
            // The section now at its place, else the one before it.
            let focus = after.get(*index).or_else(|| after.get(index.checked_sub(1)?)).copied();
            Some(Change::Removed { gone: id, focus })
        }
        _ => None,
    }
}

/// The sentence the live region reads for a change.
pub fn announcement(change: &Change) -> String {
    let title = |id: &str| engine::section(id).map_or(id.to_string(), |s| s.title.to_string());
    match change {
        Change::Added(id) => format!("{} added to the plan.", title(id)),
        Change::Removed { gone, .. } => format!("{} removed from the plan.", title(gone)),
    }
}

/// The element ids of the heading to focus after a change.
fn focus_target(change: &Change) -> String {
    match change {
        Change::Added(id) | Change::Removed { focus: Some(id), .. } => {
            format!("{}-title", dom_id(id))
        }
        Change::Removed { focus: None, .. } => "add-title".into(),
    }
}

/// Focuses a heading (made focusable by script only, `tabindex=-1`, so it
/// is no extra tab stop) and brings it into view.
fn focus_heading(id: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    // Only when the pressed button took focus with it: a change made while
    // focus is elsewhere (typing in a field) leaves it there.
    let lost = doc.active_element().is_none_or(|e| Some(e) == doc.body().map(Into::into));
    let Some(el) = doc.get_element_by_id(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) else {
        return;
    };
    if lost {
        let _ = el.set_attribute("tabindex", "-1");
        let _ = el.focus();
    }
}

/// Watches the plan's sections; returns the live region's current text.
#[hook]
pub fn use_section_focus(sections: Vec<&'static str>, ready: bool) -> UseStateHandle<String> {
    let message = use_state(String::new);
    let previous = use_mut_ref(|| None::<Vec<&'static str>>);
    {
        let message = message.clone();
        use_effect_with((sections, ready), move |(sections, ready)| {
            // Until a link's plan is open the list is not the person's doing.
            let before =
                if *ready { previous.borrow_mut().replace(sections.clone()) } else { None };
            if let Some(change) = before.and_then(|b| change(&b, sections)) {
                focus_heading(&focus_target(&change));
                message.set(announcement(&change));
            }
        });
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "amps.memory";
    const B: &str = "amps.storage";
    const C: &str = "gemstone.page_cache";

    #[test]
    fn one_section_added_or_removed_is_a_change() {
        assert_eq!(change(&[A], &[A, B]), Some(Change::Added(B)));
        assert_eq!(change(&[A, B, C], &[A, C]), Some(Change::Removed { gone: B, focus: Some(C) }));
        // The last one gone: its neighbour before it takes focus.
        assert_eq!(change(&[A, B, C], &[A, B]), Some(Change::Removed { gone: C, focus: Some(B) }));
        assert_eq!(change(&[A], &[]), Some(Change::Removed { gone: A, focus: None }));
        // A plan replaced (an example, an import) moves nothing.
        assert_eq!(change(&[A], &[B, C]), None);
        assert_eq!(change(&[A, B], &[C]), None);
        assert_eq!(change(&[A], &[A]), None);
    }

    #[test]
    fn focus_goes_to_a_heading_or_the_add_panel() {
        assert_eq!(focus_target(&Change::Added(C)), "gemstone-page_cache-title");
        assert_eq!(focus_target(&Change::Removed { gone: A, focus: None }), "add-title");
    }

    #[test]
    fn the_announcement_names_the_section_by_its_title() {
        let title = engine::section(C).unwrap().title;
        assert_eq!(announcement(&Change::Added(C)), format!("{title} added to the plan."));
        assert_eq!(
            announcement(&Change::Removed { gone: C, focus: None }),
            format!("{title} removed from the plan.")
        );
    }
}
