//! The page's views in the browser's history: switching between the
//! planner and the crash dump view makes a history entry, so Back returns to
//! the view before, as it would between two pages. The crash dump view's
//! entries have the address `#dump` (`#dump/thread-2` with a thread open),
//! which also opens that view; the planner's have the plan's link. Each
//! entry keeps the plan, as every entry the planner makes does
//! (`hooks::address`), so Back never loses it.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::state::{Action, State, View};
use crate::{dom, share};

/// The fragment of the crash dump view's address.
pub const DUMP_FRAGMENT: &str = "#dump";

/// The view an address's fragment (with its `#`) stands for. The crash dump
/// view adds what is open in it (`#dump/thread-2`, dumpview.js).
pub fn view_of(fragment: &str) -> View {
    let dump = fragment.strip_prefix(DUMP_FRAGMENT);
    if dump.is_some_and(|rest| rest.is_empty() || rest.starts_with('/')) {
        View::CrashDump
    } else {
        View::Planner
    }
}

/// Pushes a history entry on each view switch made in the page, and
/// follows Back and Forward to the view of the entry they reach. `link` is
/// the plan's share link, the address of the planner's entries.
#[hook]
pub fn use_view_history(state: &UseReducerHandle<State>, link: &str) {
    // The view shown, and the one Back or Forward asked for, which is
    // already in the address and must not be pushed again.
    let shown = use_mut_ref(|| state.view);
    let travelled: Rc<RefCell<Option<View>>> = use_mut_ref(|| None);
    {
        let (shown, travelled) = (shown.clone(), travelled.clone());
        let (plan, link) = (state.plan.clone(), link.to_string());
        use_effect_with(state.view, move |view| {
            let before = shown.replace(*view);
            if before == *view || travelled.borrow_mut().take() == Some(*view) {
                return;
            }
            let fragment = match view {
                View::CrashDump => Some(DUMP_FRAGMENT.to_string()),
                // The link until the plan is packed may be the dump's own.
                View::Planner => link
                    .split_once('#')
                    .map(|(_, f)| format!("#{f}"))
                    .filter(|f| view_of(f) == View::Planner),
            };
            dom::push_entry_to(&share::to_toml(&plan), fragment.as_deref());
        });
    }
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            dom::on_window("popstate", move || {
                let view = view_of(&dom::fragment());
                if *shown.borrow() != view {
                    *travelled.borrow_mut() = Some(view);
                    dispatch.dispatch(Action::Show(view));
                }
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_dump_fragment_opens_the_crash_dump_view() {
        assert_eq!(view_of("#dump"), View::CrashDump);
        assert_eq!(view_of("#dump/thread-2"), View::CrashDump);
        assert_eq!(view_of("#dumpling"), View::Planner);
        assert_eq!(view_of("#plan=eJwr"), View::Planner);
        assert_eq!(view_of(""), View::Planner);
        assert_eq!(view_of("#main"), View::Planner);
    }
}
