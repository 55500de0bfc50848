//! Opening the built page in headless Chromium, on loopback only.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::Arc;

use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use headroom_tests::{workspace_root, StaticServer};

/// A browser with the page open. Holding it keeps the server and browser up.
pub struct Session {
    pub tab: Arc<Tab>,
    _server: StaticServer,
    _browser: Browser,
    _profile: PathBuf,
}

/// Serves dist/ and opens it; `None` (with a message) when the page or the
/// browser is missing and `HEADROOM_REQUIRE_BROWSER` is unset, so that a
/// plain `cargo test` still runs the rest. `cargo xtask test` requires it.
pub fn open(path_and_query: &str) -> Option<Session> {
    let required = std::env::var_os("HEADROOM_REQUIRE_BROWSER").is_some();
    let dist = std::env::var_os("HEADROOM_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    let chromium = std::env::var_os("HEADROOM_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !dist.join("index.html").exists() || !chromium.exists() {
        assert!(!required, "browser test needs {} and {}", dist.display(), chromium.display());
        eprintln!(
            "skipping browser test: run `cargo xtask test` to build dist/ and install Chromium"
        );
        return None;
    }
    let server = StaticServer::start(&dist, 0).expect("serve dist/");
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
        .args(args)
        .build()
        .expect("launch options");
    let browser = Browser::new(options).expect("start chromium");
    let tab = browser.new_tab().expect("new tab");
    tab.navigate_to(&format!("{}{}", server.url(), path_and_query.trim_start_matches('/')))
        .expect("navigate")
        .wait_until_navigated()
        .expect("page loads");
    Some(Session { tab, _server: server, _browser: browser, _profile: profile })
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

    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.tab.wait_for_element(selector).expect(selector).get_attribute_value(name).expect(name)
    }

    pub fn exists(&self, selector: &str) -> bool {
        self.tab.find_element(selector).is_ok()
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
