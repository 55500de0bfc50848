//! The few browser services the page uses: the URL fragment and history,
//! window events, localStorage, downloads, the clipboard and reading a
//! dropped file. Each fails quietly
//! (returns `None` or does nothing): a blocked storage or clipboard must not
//! stop the planner.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Url};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The URL fragment, with its `#`.
pub fn fragment() -> String {
    window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

fn history() -> Option<web_sys::History> {
    window()?.history().ok()
}

/// The plan text the page kept in the current history entry, if any: an
/// entry the browser made for a link typed into the address bar has none.
pub fn entry_plan() -> Option<String> {
    history()?.state().ok()?.as_string()
}

/// A new history entry holding `plan`, at the current address until the
/// plan's link is packed and [`replace_entry`] writes it.
pub fn push_entry(plan: &str) {
    if let Some(h) = history() {
        let _ = h.push_state(&JsValue::from_str(plan), "");
    }
}

/// A new history entry holding `plan`, at the current address with
/// `fragment` (with its `#`), or without a fragment when `None`.
pub fn push_entry_to(plan: &str, fragment: Option<&str>) {
    let Some(w) = window() else { return };
    let here = w.location();
    let url = match fragment {
        Some(f) => f.to_string(),
        None => {
            format!("{}{}", here.pathname().unwrap_or_default(), here.search().unwrap_or_default())
        }
    };
    if let Ok(h) = w.history() {
        let _ = h.push_state_with_url(&JsValue::from_str(plan), "", Some(&url));
    }
}

/// The page's address with `fragment` (without its `#`) in place of its own.
pub fn href_with(fragment: &str) -> String {
    let here = href();
    let base = here.split_once('#').map_or(here.as_str(), |(b, _)| b);
    format!("{base}#{fragment}")
}

/// Puts `plan` into the current history entry and, when given, the
/// fragment into its address (no entry is added, nor a `hashchange` fired).
pub fn replace_entry(plan: &str, fragment: Option<&str>) {
    let Some(h) = history() else { return };
    let url = fragment.map(|f| format!("#{f}"));
    let _ = h.replace_state_with_url(&JsValue::from_str(plan), "", url.as_deref());
}

/// Calls `f` on each `event` the window receives; the returned function
/// stops it (for a Yew effect's cleanup).
pub fn on_window(event: &'static str, f: impl Fn() + 'static) -> impl FnOnce() {
    let listener = Closure::<dyn Fn()>::new(f);
    let w = window();
    if let Some(w) = &w {
        let _ = w.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
    }
    move || {
        if let Some(w) = w {
            let _ = w.remove_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        }
    }
}

/// The page's address, fragment included: the share link.
pub fn href() -> String {
    window().and_then(|w| w.location().href().ok()).unwrap_or_default()
}

/// Calls a global async function of boot.js with one string argument.
async fn call_global(name: &str, arg: &str) -> Result<String, String> {
    let w = window().ok_or("no window")?;
    let f = js_sys::Reflect::get(&w, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| format!("{name} is missing from boot.js"))?;
    let promise = f.call1(&JsValue::NULL, &JsValue::from_str(arg)).map_err(|e| describe(&e))?;
    let promise = promise.dyn_into::<js_sys::Promise>().map_err(|e| describe(&e))?;
    let value = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
    value.as_string().ok_or_else(|| "not text".to_string())
}

/// The plan text deflated and base64url-encoded, for the link.
pub async fn pack(text: String) -> Result<String, String> {
    call_global("headroomPack", &text).await
}

/// The plan text back from a link.
pub async fn unpack(data: String) -> Result<String, String> {
    call_global("headroomUnpack", &data).await
}

/// A JS exception's message.
pub fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

pub fn storage_get(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

pub fn storage_set(key: &str, value: &str) {
    if let Some(s) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
}

/// Sets an attribute on `<html>` (the theme).
pub fn set_root_attr(name: &str, value: &str) {
    if let Some(root) = window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute(name, value);
    }
}

/// Offers `text` as a file download, built in the page (no request).
pub fn download(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let bag = BlobPropertyBag::new();
    bag.set_type(mime);
    let Ok(blob) = Blob::new_with_str_sequence_and_options(&parts, &bag) else { return };
    let Ok(url) = Url::create_object_url_with_blob(&blob) else { return };
    let anchor = window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<HtmlAnchorElement>().ok());
    if let Some(a) = anchor {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = Url::revoke_object_url(&url);
}

/// Copies text to the clipboard; true when the browser accepted it.
pub async fn copy(text: String) -> bool {
    let Some(w) = window() else { return false };
    let promise = w.navigator().clipboard().write_text(&text);
    JsFuture::from(promise).await.is_ok()
}

/// A dropped or chosen file's text.
pub async fn read_file(file: File) -> Option<String> {
    JsFuture::from(file.text()).await.ok()?.as_string()
}
