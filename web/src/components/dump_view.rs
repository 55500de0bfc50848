//! The crash-dump view's host element. The viewer itself is a separate,
//! lazily fetched wasm module: `dumpview-loader.js` defines
//! `window.headroomOpenDumpView(element)` (returns a Promise) and
//! `window.headroomCloseDumpView(element)`; this component calls them when
//! the view opens and closes.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;
use yew::prelude::*;

fn global_fn(name: &str) -> Option<Function> {
    let window = web_sys::window()?;
    Reflect::get(&window, &JsValue::from_str(name)).ok()?.dyn_into::<Function>().ok()
}

/// Whether this build ships the viewer.
fn available() -> bool {
    global_fn("headroomOpenDumpView").is_some()
}

#[function_component(DumpView)]
pub fn dump_view() -> Html {
    let host = use_node_ref();
    let failed = use_state(|| None::<String>);
    {
        let host = host.clone();
        let failed = failed.clone();
        use_effect_with((), move |_| {
            let element = host.cast::<Element>();
            if let (Some(open), Some(el)) = (global_fn("headroomOpenDumpView"), &element) {
                match open.call1(&JsValue::NULL, el) {
                    Ok(ret) => {
                        if let Ok(promise) = ret.dyn_into::<Promise>() {
                            wasm_bindgen_futures::spawn_local(async move {
                                if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await
                                {
                                    failed.set(Some(crate::dom::describe(&e)));
                                }
                            });
                        }
                    }
                    Err(e) => failed.set(Some(crate::dom::describe(&e))),
                }
            }
            move || {
                if let (Some(close), Some(el)) = (global_fn("headroomCloseDumpView"), element) {
                    let _ = close.call1(&JsValue::NULL, &el);
                }
            }
        });
    }
    html! {
        <section class="panel" aria-labelledby="dump-title">
            <h2 id="dump-title">{ "Crash dump" }</h2>
            if !available() {
                <p id="dump-unavailable" class="notice">{ "The crash dump viewer is not available in this build." }</p>
            }
            if let Some(e) = &*failed {
                <p class="error" role="alert">{ format!("The crash dump viewer could not start: {e}") }</p>
            }
            <div id="dump-view" ref={host}></div>
        </section>
    }
}
