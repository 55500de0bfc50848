//! What the standard audits (`cargo xtask audit`) check, pinned here so a
//! plain test run catches a regression: the first paint before the wasm and
//! its loading states, focus and announcements when sections come and go,
//! and chart text inside its drawing at phone and desktop width.

use headless_chrome::protocol::cdp::Page::AddScriptToEvaluateOnNewDocument;

use crate::browser::{self, Session};

/// Runs `source` in the page before any of its own scripts.
fn inject(tab: &std::sync::Arc<headless_chrome::Tab>, source: &str) {
    tab.call_method(AddScriptToEvaluateOnNewDocument {
        source: source.into(),
        world_name: None,
        include_command_line_api: None,
        run_immediately: None,
    })
    .expect("inject script");
}

/// A stalled network for the planner's module: its fetch never answers.
const STALL_WASM: &str = "const realFetch = window.fetch; \
    window.fetch = (input, init) => String(input instanceof Request ? input.url : input).endsWith('.wasm') \
      ? new Promise(() => {}) : realFetch(input, init);";

/// Polls a JS condition for up to `seconds`.
fn wait_until(page: &Session, condition: &str, seconds: u64) -> bool {
    for _ in 0..seconds * 10 {
        if page.eval(condition) == true {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

/// Before the wasm arrives the page already shows its frame and says it is
/// loading; when the module is slow to come, it says so.
#[test]
fn the_frame_paints_before_the_wasm_and_a_slow_load_says_so() {
    let Some(page) = browser::open_with("/", |tab| inject(tab, STALL_WASM)) else { return };
    assert_eq!(page.text("h1"), "Headroom");
    assert!(page.text("#boot-status").starts_with("Loading the planner"));
    assert_eq!(page.attr("#boot-status", "role").as_deref(), Some("status"));
    // Painted, not only parsed: the browser recorded a contentful paint
    // while the planner has not started.
    assert!(wait_until(
        &page,
        "performance.getEntriesByName('first-contentful-paint').length === 1",
        10
    ));
    assert!(!page.exists("#add-title"), "the planner cannot have started");
    page.screenshot("first-paint");
    assert!(
        wait_until(
            &page,
            "document.getElementById('boot-status').textContent.startsWith('Still loading')",
            20
        ),
        "a slow load is reported: {}",
        page.text("#boot-status")
    );
}

/// A module that cannot be fetched (here: missing from the host) is
/// reported in the frame, as an alert, instead of a page that never starts.
#[test]
fn a_failed_load_says_so() {
    let site = |dist: &std::path::Path| {
        let root = headroom_tests::workspace_root().join("target/tmp/site-without-wasm");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("site dir");
        for entry in std::fs::read_dir(dist).expect("dist") {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with("headroom-web_bg.") {
                std::fs::copy(&path, root.join(&name)).expect("copy");
            }
        }
        root
    };
    let Some(page) = browser::launch(site, "/", |_| {}) else { return };
    assert!(
        wait_until(
            &page,
            "document.getElementById('boot-status').getAttribute('role') === 'alert'",
            20
        ),
        "no alert: {}",
        page.text("#boot-status")
    );
    assert!(page.text("#boot-status").starts_with("The planner could not load"));
    assert!(page.text("#boot-status").contains("reload the page"));
}

/// The id of the heading of the section an "Add" button adds.
fn heading_of(add_button: &str) -> String {
    format!("{}-title", add_button.trim_start_matches("add-"))
}

fn active_id(page: &Session) -> String {
    page.eval("document.activeElement.id").as_str().unwrap_or_default().to_string()
}

/// Presses Enter on a control, as a keyboard user does.
fn press(page: &Session, selector: &str) {
    page.tab.wait_for_element(selector).expect(selector).focus().expect("focus");
    page.tab.press_key("Enter").expect("Enter");
}

/// Adding a section moves focus to its heading, in view, and the live
/// region says what was added; removing one moves focus to the section that
/// took its place, or to "Add a system" when none is left.
#[test]
fn focus_follows_sections_as_they_are_added_and_removed() {
    let Some(page) = browser::open("/") else { return };
    assert!(page.wait_for("#add-title"));
    let first = page.eval("document.querySelector('.panel.add button').id");
    let first = first.as_str().expect("an Add button").to_string();
    let title = page.text(&format!("#{first}")).trim_start_matches("+ ").to_string();
    press(&page, &format!("#{first}"));
    assert!(page.wait_for(&format!("#{}", heading_of(&first))));
    assert_eq!(active_id(&page), heading_of(&first));
    assert_eq!(page.text("#announce"), format!("{title} added to the plan."));
    let in_view = page.eval(
        "(r => r.top >= 0 && r.bottom <= innerHeight)(document.activeElement.getBoundingClientRect())",
    );
    assert_eq!(in_view, true, "the new heading is scrolled into view");
    // The focused heading is no tab stop of its own.
    assert_eq!(page.eval("document.activeElement.tabIndex"), -1);

    // Remove every section from the top: each time the next one's heading
    // takes focus, and the last removal lands on "Add a system".
    loop {
        let sections = page.eval(
            "JSON.stringify([...document.querySelectorAll('section.calculator')].map(s => s.id))",
        );
        let sections: Vec<String> = serde_json::from_str(sections.as_str().unwrap()).unwrap();
        let Some(top) = sections.first() else { break };
        let removed = page.text(&format!("#{top}-title"));
        press(&page, &format!("#{top} .section-head button"));
        assert!(wait_until(&page, &format!("!document.getElementById('{top}')"), 5));
        let expected = sections.get(1).map_or("add-title".to_string(), |s| format!("{s}-title"));
        assert_eq!(active_id(&page), expected, "after removing {top}");
        let name = removed.split(" [").next().unwrap_or(&removed).to_string();
        assert_eq!(page.text("#announce"), format!("{name} removed from the plan."));
    }
}

/// Every chart's labels and values lie inside its drawing, at a phone's
/// width and a desktop's, with every calculator in the plan; nothing scrolls
/// sideways.
#[test]
fn chart_text_stays_inside_the_chart_at_every_width() {
    let Some(page) = browser::open("/") else { return };
    assert!(page.wait_for("#add-title"));
    page.eval(
        "new Promise(async done => { let b; \
           while ((b = document.querySelector('.panel.add button'))) { \
             b.click(); await new Promise(r => setTimeout(r, 20)); } done(); })",
    );
    assert!(page.wait_for(".add .help"), "every calculator was added");
    for (width, height, mobile) in [(360, 740, true), (1280, 800, false)] {
        page.viewport(width, height, mobile);
        let outside = page.eval(
            "JSON.stringify([...document.querySelectorAll('svg.chart')].flatMap(svg => { \
               const box = svg.viewBox.baseVal; \
               return [...svg.querySelectorAll('text')].filter(t => { const b = t.getBBox(); \
                 return b.x < 0 || b.x + b.width > box.width || b.y < 0 || b.y + b.height > box.height; }) \
               .map(t => svg.id + ': ' + t.textContent); }))",
        );
        assert_eq!(outside.as_str(), Some("[]"), "{width} px");
        let charts = page.eval("document.querySelectorAll('svg.chart').length");
        assert!(charts.as_u64().unwrap() >= 10, "{charts} charts");
        let overflow = page.eval("document.documentElement.scrollWidth > window.innerWidth + 1");
        assert_eq!(overflow, false, "{width} px: the page scrolls sideways");
        page.screenshot(&format!("every-section-{width}"));
    }
}
