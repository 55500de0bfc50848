//! The planner is drawn in steps, one per browser task, as the page opens,
//! so no long task holds up the first click or keystroke: rendering the
//! nine sections of the default plan and the panels after them in one go
//! was a 480 ms task on a phone (Lighthouse's mobile preset, 4x CPU
//! slowdown), the page's whole Total Blocking Time. The steps are the
//! planner's (`app.rs`, `TOP`): the frame first, then the panels from the
//! top down, each section one step. Until its turn, a section
//! shows its heading and a placeholder tall enough that nothing after it is
//! in view, so its filling in moves nothing the person sees (web.dev,
//! "Optimize long tasks", "Yield to the main thread"; "Optimize Cumulative
//! Layout Shift").

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Every step is done: anything added later is drawn at once.
pub const ALL: usize = usize::MAX;

/// The step after `shown`, out of `total` (0 to `total - 1`, then [`ALL`]).
pub fn next(shown: usize, total: usize) -> usize {
    if shown.saturating_add(1) >= total {
        ALL
    } else {
        shown + 1
    }
}

/// Runs `f` in a task of its own (not a microtask), so input and paint run
/// in between.
pub fn in_next_task(f: impl FnOnce() + 'static) {
    let f = Closure::once_into_js(f);
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback(f.unchecked_ref());
    }
}

/// The last step drawn out of `total`: 0 as the page opens and until
/// `ready`, then one more per task, then [`ALL`] for good.
#[hook]
pub fn use_progressive(total: usize, ready: bool) -> usize {
    let shown = use_state(|| if total == 0 { ALL } else { 0 });
    {
        let shown = shown.clone();
        use_effect_with((*shown, ready), move |&(n, ready)| {
            if ready && n != ALL {
                in_next_task(move || shown.set(next(n, total)));
            }
        });
    }
    *shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_more_step_per_task_until_all() {
        assert_eq!(next(0, 10), 1);
        assert_eq!(next(1, 9), 2);
        assert_eq!(next(8, 9), ALL);
        // A plan replaced while drawing may be shorter: done at once.
        assert_eq!(next(5, 3), ALL);
        // Done stays done, so a section added later is drawn at once.
        assert_eq!(next(ALL, 9), ALL);
    }
}
