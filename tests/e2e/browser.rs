//! Opening the built page in headless Chromium, on loopback only.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Network;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use headroom_tests::{skip, workspace_root, StaticServer};

use crate::relay::Relay;

/// A browser with the page open. Holding it keeps the server and browser up.
pub struct Session {
    pub tab: Arc<Tab>,
    // Dropped in this order: the relay before the server it relays to, the
    // profile after the browser that writes to it.
    relay: Relay,
    _server: StaticServer,
    _browser: Browser,
    _profile: Profile,
}

/// The browser's profile folder, removed once the browser is gone (each
/// session's is new, and hundreds of them would otherwise fill /tmp).
struct Profile(PathBuf);

impl Drop for Profile {
    fn drop(&mut self) {
        // Chromium's helper processes outlive the main one by a moment and
        // may still write here: try again for up to two seconds.
        for _ in 0..20 {
            if std::fs::remove_dir_all(&self.0).is_ok() && !self.0.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// Serves dist/ and opens it; `None` (after [`skip`] printed why) when the
/// page or the browser is missing, so that a plain `cargo test` still runs
/// the rest. Under CI and in `cargo xtask test` that fails the test instead.
pub fn open(path_and_query: &str) -> Option<Session> {
    open_with(path_and_query, |_| {})
}

/// As [`open`], with `before` run on the tab before the page loads (to
/// listen to the browser's own events from the first request).
pub fn open_with(path_and_query: &str, before: impl FnOnce(&Arc<Tab>)) -> Option<Session> {
    launch(|dist| dist.to_path_buf(), path_and_query, before)
}

/// Every URL the browser requests, from its own network events.
pub type Requests = Arc<Mutex<Vec<String>>>;

/// Turns on the tab's network events.
pub fn enable_network(tab: &Tab) {
    tab.call_method(Network::Enable {
        max_total_buffer_size: None,
        max_resource_buffer_size: None,
        max_post_data_size: None,
        report_direct_socket_traffic: None,
        enable_durable_messages: None,
    })
    .expect("network events");
}

/// As [`open`], recording every request from the first one on.
pub fn open_recording(path_and_query: &str) -> Option<(Session, Requests)> {
    let urls = Requests::default();
    let seen = Arc::clone(&urls);
    let page = open_with(path_and_query, move |tab| {
        enable_network(tab);
        tab.add_event_listener(Arc::new(move |event: &Event| {
            if let Event::NetworkRequestWillBeSent(e) = event {
                seen.lock().unwrap().push(e.params.request.url.clone());
            }
        }))
        .expect("listener");
    })?;
    Some((page, urls))
}

/// The requests that went to another origin than the page's own.
pub fn foreign(page: &Session, urls: &[String]) -> Vec<String> {
    let origin = page.base_url();
    urls.iter()
        .filter(|u| !u.starts_with(&origin) && !u.starts_with("blob:") && !u.starts_with("data:"))
        .cloned()
        .collect()
}

/// The built site, from `HEADROOM_DIST` or dist/.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("HEADROOM_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"))
}

/// The page built with its test hooks (`?panic-test`), which dist/ lacks:
/// from `HEADROOM_TEST_SITE` or target/test-site (`cargo xtask test`
/// builds it). `None` when it is missing, as [`open`].
pub fn open_test_build(path_and_query: &str) -> Option<Session> {
    let site = std::env::var_os("HEADROOM_TEST_SITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/test-site"));
    if !site.join("index.html").exists() {
        skip(&format!(
            "the page built with its test hooks in {} (cargo xtask test builds it)",
            site.display()
        ));
        return None;
    }
    launch(|_| site, path_and_query, |_| {})
}

/// Serves the folder `site(dist)` returns (e.g. a copy of dist/ under a path
/// prefix) and opens `path_and_query` on it.
pub fn launch(
    site: impl FnOnce(&std::path::Path) -> PathBuf,
    path_and_query: &str,
    before: impl FnOnce(&Arc<Tab>),
) -> Option<Session> {
    let dist = dist_dir();
    let chromium = std::env::var_os("HEADROOM_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let missing: Vec<String> = [
        (!dist.join("index.html").exists())
            .then(|| format!("the built page {} (cargo xtask dist)", dist.display())),
        (!chromium.exists()).then(|| {
            format!("Chromium at {} (cargo xtask setup, or HEADROOM_CHROMIUM)", chromium.display())
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        skip(&missing.join(" and "));
        return None;
    }
    let server = StaticServer::start(&site(&dist), 0).expect("serve dist/");
    let relay = Relay::start(server.port).expect("relay to the server");
    let profile = std::env::temp_dir().join(format!("headroom-chromium-{}", server.port));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).expect("browser profile dir");
    // Without the networking flags Chromium keeps trying to reach the internet.
    let args: Vec<&OsStr> = [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(chromium))
        .headless(true)
        .sandbox(false)
        .user_data_dir(Some(profile.clone()))
        .window_size(Some((1280, 1000)))
        // headless_chrome drops its connection after 30 s without an event
        // from Chromium (its default), which a test waiting on a busy
        // machine can reach; each wait has its own limit instead.
        .idle_browser_timeout(std::time::Duration::from_secs(600))
        .args(args)
        .build()
        .expect("launch options");
    let browser = Browser::new(options).expect("start chromium");
    let tab = browser.new_tab().expect("new tab");
    // Twenty seconds (the default) is too short for a first load on a
    // machine busy with builds; a load that never ends still fails.
    tab.set_default_timeout(std::time::Duration::from_secs(60));
    before(&tab);
    tab.navigate_to(&format!("{}{}", relay.url(), path_and_query.trim_start_matches('/')))
        .expect("navigate")
        .wait_until_navigated()
        .expect("page loads");
    Some(Session { tab, relay, _server: server, _browser: browser, _profile: Profile(profile) })
}

impl Session {
    /// Replaces an input's text the way a person does: focus, select all, type.
    pub fn type_into(&self, selector: &str, text: &str) {
        let el = self.tab.wait_for_element(selector).expect(selector);
        el.click().expect("focus input");
        el.call_js_fn("function() { this.select(); }", vec![], false).expect("select text");
        self.tab.press_key("Backspace").expect("clear");
        self.tab.type_str(text).expect("type");
    }

    pub fn text(&self, selector: &str) -> String {
        self.tab.wait_for_element(selector).expect(selector).get_inner_text().expect("inner text")
    }

    /// The text of every element `selector` matches, in page order (SVG
    /// text has no `innerText`, so its `textContent`).
    pub fn text_all(&self, selector: &str) -> Vec<String> {
        let js = format!(
            "Array.from(document.querySelectorAll({})).map(e => e.textContent).join('\\n')",
            serde_json::Value::from(selector)
        );
        self.eval(&js).as_str().unwrap_or_default().lines().map(str::to_string).collect()
    }

    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.tab.wait_for_element(selector).expect(selector).get_attribute_value(name).expect(name)
    }

    /// The exact figure a result row shows, digits grouped, in the column
    /// after `#id` (which shows it rounded, in both unit notations).
    pub fn exact(&self, id: &str) -> String {
        self.text(&format!("{id} + td.exact"))
    }

    /// The text of an SVG element (a chart's label or value), which has no
    /// innerText.
    pub fn svg_text(&self, selector: &str) -> String {
        self.tab.wait_for_element(selector).expect(selector);
        let js =
            format!("document.querySelector({}).textContent", serde_json::Value::from(selector));
        self.eval(&js).as_str().unwrap_or_default().to_string()
    }

    /// Whether `selector` is on screen as the browser renders it (not
    /// `hidden`, no `display: none` or `visibility: hidden` from any
    /// ancestor); false when it is not in the page.
    pub fn visible(&self, selector: &str) -> bool {
        let js = format!(
            "document.querySelector({})?.checkVisibility({{visibilityProperty: true}}) ?? false",
            serde_json::Value::from(selector)
        );
        self.eval(&js) == true
    }

    pub fn exists(&self, selector: &str) -> bool {
        self.tab.find_element(selector).is_ok()
    }

    /// The page's base address (the loopback server's root).
    pub fn base_url(&self) -> String {
        self.relay.url()
    }

    /// Cuts the page off its server, as a failed network does: for the page
    /// and for its service worker alike.
    pub fn cut_network(&mut self) {
        self.relay.cut();
    }

    /// Evaluates a JS expression and returns its value as JSON.
    pub fn eval(&self, expression: &str) -> serde_json::Value {
        self.tab.evaluate(expression, true).expect(expression).value.unwrap_or_default()
    }

    /// A form control's current value (the property, not the attribute).
    pub fn value(&self, selector: &str) -> String {
        let js = format!("document.querySelector({}).value", serde_json::Value::from(selector));
        self.eval(&js).as_str().unwrap_or_default().to_string()
    }

    /// Puts text into a field as a paste does: one input event, not keys.
    pub fn paste_into(&self, selector: &str, text: &str) {
        let js = format!(
            "(() => {{ const e = document.querySelector({sel}); e.focus(); e.value = {text}; \
             e.dispatchEvent(new InputEvent('input', {{bubbles: true, inputType: 'insertFromPaste'}})); }})()",
            sel = serde_json::Value::from(selector),
            text = serde_json::Value::from(text),
        );
        self.eval(&js);
    }

    /// Picks an option of a `<select>` as a person does: one change event.
    pub fn select(&self, selector: &str, value: &str) {
        self.tab.wait_for_element(selector).expect(selector);
        let js = format!(
            "(() => {{ const e = document.querySelector({sel}); e.focus(); e.value = {value}; \
             e.dispatchEvent(new Event('change', {{bubbles: true}})); }})()",
            sel = serde_json::Value::from(selector),
            value = serde_json::Value::from(value),
        );
        self.eval(&js);
    }

    pub fn click(&self, selector: &str) {
        self.tab.wait_for_element(selector).expect(selector).click().expect("click");
    }

    /// Waits (up to 5 s) until `selector` exists.
    pub fn wait_for(&self, selector: &str) -> bool {
        self.tab
            .wait_for_element_with_custom_timeout(selector, std::time::Duration::from_secs(5))
            .is_ok()
    }

    /// Emulates a viewport, e.g. a phone's 390 x 844.
    pub fn viewport(&self, width: u32, height: u32, mobile: bool) {
        use headless_chrome::protocol::cdp::Emulation::SetDeviceMetricsOverride;
        self.tab
            .call_method(SetDeviceMetricsOverride {
                width,
                height,
                device_scale_factor: 1.0,
                mobile,
                scale: None,
                screen_width: None,
                screen_height: None,
                position_x: None,
                position_y: None,
                dont_set_visible_size: None,
                screen_orientation: None,
                viewport: None,
                display_feature: None,
                device_posture: None,
            })
            .expect("set viewport");
    }

    /// Writes a PNG under target/screenshots/ for a person to look at.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .tab
            .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
            .expect("screenshot");
        let dir = workspace_root().join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }
}
