//! The plan in the address bar, in this browser's storage and in its
//! history: every change of the plan is written to the link and kept in
//! localStorage, and each undo step is a history entry holding its plan, so
//! Back and Forward step through the same changes as Undo and Redo.

use yew::prelude::*;

use crate::hooks::view_history::view_of;
use crate::state::{Action, Entry, State, View};
use crate::{dom, share};

/// Mirrors the plan into the address, storage and history, and follows
/// Back and Forward. Returns the page's current address (the share link).
#[hook]
pub fn use_address(
    state: &UseReducerHandle<State>,
    storage_key: &'static str,
) -> UseStateHandle<String> {
    let link = use_state(dom::href);
    {
        let link = link.clone();
        let generation = use_mut_ref(|| 0u64);
        let entry = state.entry;
        // Not while a link is being opened, nor before the opening plan's
        // evaluation: writing the plan out is kept off the page's first task.
        let waiting = state.opening_link || !state.evaluated;
        use_effect_with((state.plan.clone(), waiting), move |(plan, waiting)| {
            if *waiting {
                return;
            }
            *generation.borrow_mut() += 1;
            let mine = *generation.borrow();
            let text = share::to_toml(plan);
            dom::storage_set(storage_key, &text);
            // The entry is made at once, so that Back finds every step even
            // while a link is still being packed.
            match entry {
                Entry::Push => dom::push_entry(&text),
                Entry::Replace => dom::replace_entry(&text, None),
                Entry::Keep => {}
            }
            // Packing is asynchronous: only the latest plan's link is written,
            // and not over the crash dump view's address (its entry's own).
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(packed) = dom::pack(text.clone()).await {
                    if *generation.borrow() == mine {
                        let fragment = format!("{}{packed}", share::PREFIX);
                        if view_of(&dom::fragment()) == View::Planner {
                            dom::replace_entry(&text, Some(&fragment));
                        }
                        link.set(dom::href_with(&fragment));
                    }
                }
            });
        });
    }
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            dom::on_window("popstate", move || {
                if let Some(plan) = dom::entry_plan().and_then(|t| share::from_toml(&t).ok()) {
                    dispatch.dispatch(Action::Travel(plan));
                }
            })
        });
    }
    link
}
