//! The planner page's entry point: installs the panic screen, then mounts the
//! Yew app on `<body>`.

mod app;
mod checks;
mod components;
mod dom;
mod echo;
mod engine;
mod examples;
mod fields;
mod fixes;
mod hooks;
mod read;
mod share;
mod state;

fn main() {
    yew::set_custom_panic_hook(Box::new(|info| show_fatal(&info.to_string())));
    // The first render in a task of its own, apart from the module's
    // instantiation: one long task less as the page opens (hooks/progressive.rs).
    hooks::progressive::in_next_task(start);
}

fn start() {
    // index.html's static frame (painted before the wasm came) gives way.
    if let Some(frame) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot"))
    {
        frame.remove();
    }
    // Lets the browser tests prove that a panic leaves a usable page; only in
    // the build made for them (`cargo xtask test`), never in dist/.
    #[cfg(feature = "test-hooks")]
    if web_sys::window().and_then(|w| w.location().search().ok()).as_deref() == Some("?panic-test")
    {
        panic!("test panic requested by ?panic-test");
    }
    yew::Renderer::<app::App>::new().render();
}

/// Replaces a dead page with the error and a way out. Plain DOM, because the
/// wasm instance is unusable after this; boot.js handles the reset button.
fn show_fatal(message: &str) {
    web_sys::console::error_1(&message.into());
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(body) = doc.body() else { return };
    let Ok(panel) = doc.create_element("div") else { return };
    panel.set_id("fatal");
    panel.set_class_name("fatal");
    let _ = panel.set_attribute("role", "alert");
    let heading = doc.create_element("h2").ok();
    let text = doc.create_element("p").ok();
    let detail = doc.create_element("pre").ok();
    let button = doc.create_element("button").ok();
    if let (Some(h), Some(p), Some(pre), Some(b)) = (heading, text, detail, button) {
        h.set_text_content(Some("The planner stopped with an error"));
        p.set_text_content(Some(
            "Your plan is still in the address bar. Reset the plan to start again, \
             or copy the address and the message below into a bug report.",
        ));
        pre.set_text_content(Some(message));
        b.set_id("reset-plan");
        b.set_text_content(Some("Reset the plan"));
        let _ = b.set_attribute("type", "button");
        let _ = b.set_attribute("data-action", "reset-plan");
        for child in [&h, &p, &pre, &b] {
            let _ = panel.append_child(child);
        }
        let _ = body.prepend_with_node_1(&panel);
    }
}
