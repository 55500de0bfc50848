//! Whole-page qualities: privacy (no request leaves the origin), keyboard
//! reach, the crash-dump view, and screenshots at desktop and phone width.

use crate::browser::{self, Session};

/// Every request the browser makes, from its own network events.
#[test]
fn no_request_leaves_the_origin() {
    let Some((page, urls)) = browser::open_recording("/") else { return };
    // Use the page: type, export, open the other view.
    page.type_into("#amps-memory-clients", "300");
    page.click("#report-md-download");
    page.click("#nav-dump");
    page.click("#nav-planner");
    assert!(page.wait_for("#amps-memory-q-estimate"));
    let urls = urls.lock().unwrap().clone();
    assert!(urls.iter().any(|u| u.ends_with(".wasm")), "the wasm load was seen: {urls:?}");
    let foreign = browser::foreign(&page, &urls);
    assert!(foreign.is_empty(), "requests left the origin: {foreign:?}");
    let csp =
        page.eval("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content");
    assert!(csp.as_str().unwrap().contains("default-src 'self'"), "{csp}");
}

/// The ids of every visible control that a keyboard user must reach.
fn controls(page: &Session) -> Vec<String> {
    let list = page.eval(
        "JSON.stringify([...document.querySelectorAll('input,select,textarea,button,a[href],summary')]\
         .filter(e => e.getClientRects().length > 0 && !e.disabled)\
         .map((e, i) => e.id || (e.tagName + ':' + (e.textContent || '').trim())))",
    );
    serde_json::from_str(list.as_str().unwrap()).unwrap()
}

/// Tab from the top reaches every control, in order, with no trap.
#[test]
fn keyboard_reaches_every_control() {
    let Some(page) = browser::open("/") else { return };
    // Open the kernel values as a keyboard user would: Enter on the summary.
    page.tab.wait_for_element(".kernel summary").unwrap().focus().unwrap();
    page.tab.press_key("Enter").unwrap();
    page.eval("document.activeElement.blur()");
    let wanted = controls(&page);
    assert!(wanted.len() > 30, "{wanted:?}");
    let mut reached = Vec::new();
    for _ in 0..wanted.len() + 10 {
        page.tab.press_key("Tab").unwrap();
        let id = page.eval(
            "(e => e.id || (e.tagName + ':' + (e.textContent || '').trim()))(document.activeElement)",
        );
        reached.push(id.as_str().unwrap_or_default().to_string());
    }
    let missed: Vec<_> = wanted.iter().filter(|w| !reached.contains(w)).collect();
    assert!(missed.is_empty(), "not reachable by Tab: {missed:?}");
    // Every input has a label.
    let unlabelled = page.eval(
        "[...document.querySelectorAll('input,select,textarea')]\
         .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).length",
    );
    assert_eq!(unlabelled, 0);
}

/// Without the dumpview module the Crash dump view says so; with it, the
/// page hands it the `#dump-view` element.
#[test]
fn crash_dump_view_hands_over_its_element() {
    let Some(page) = browser::open("/") else { return };
    page.click("#nav-dump");
    assert!(page.wait_for("#dump-view"));
    let has_viewer = page.eval("typeof window.headroomOpenDumpView === 'function'");
    if has_viewer == false {
        assert!(page.text("#dump-unavailable").contains("not available in this build"));
    }
    assert_eq!(page.attr("#nav-dump", "aria-current").as_deref(), Some("page"));
    page.click("#nav-planner");
    assert!(page.wait_for("#amps-memory-q-estimate"));
    assert!(!page.exists("#dump-view"));
}

/// Screenshots of each main view at desktop and phone width, for people.
#[test]
fn screenshots_of_each_view() {
    let Some(page) = browser::open("/") else { return };
    for (name, width, height, mobile) in [("desktop", 1280, 1000, false), ("phone", 390, 844, true)]
    {
        page.viewport(width, height, mobile);
        page.click("#nav-planner");
        assert!(page.wait_for("#amps-memory-q-estimate"));
        let overflow = page.eval("document.documentElement.scrollWidth > window.innerWidth + 1");
        assert_eq!(overflow, false, "{name}: the page scrolls sideways");
        // The breakdown's header matches its rows at every width.
        let visible = |sel: &str| {
            page.eval(&format!(
                "[...document.querySelectorAll('#amps-memory-result .breakdown {sel}')]\
                 .filter(e => e.getClientRects().length).length"
            ))
        };
        assert_eq!(visible("thead th"), visible("tbody tr:first-child > *"), "{name}");
        // The chart's text stays legible: never scaled below 10 px.
        let label = page.eval(
            "document.querySelector('#amps-memory-chart .chart-label').getBoundingClientRect().height",
        );
        assert!(label.as_f64().unwrap() >= 10.0, "{name}: chart text {label} px high");
        page.screenshot(&format!("planner-{name}"));
        for (part, id) in
            [("results", "amps-memory-result"), ("config", "config"), ("export", "export")]
        {
            page.eval(&format!("document.getElementById('{id}').scrollIntoView()"));
            page.screenshot(&format!("planner-{part}-{name}"));
        }
        page.click("#nav-dump");
        assert!(page.wait_for("#dump-view"));
        page.screenshot(&format!("crash-dump-{name}"));
    }
}

/// Text contrast of every visible text element, in both themes, against its
/// effective background: at least 4.5:1 (WCAG AA).
#[test]
fn text_contrast_passes_wcag_aa_in_both_themes() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-clients", "lots");
    const CHECK: &str = r#"(() => {
      const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map(c => { c /= 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); })
        .reduce((a, c, i) => a + c * [0.2126, 0.7152, 0.0722][i], 0);
      const bg = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || c[3] > 0) return c; } return [255, 255, 255]; };
      const bad = [];
      for (const e of document.querySelectorAll('body *')) {
        if (!e.getClientRects().length || e.closest('svg')) continue;
        const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!own) continue;
        const [a, b] = [lum(rgb(getComputedStyle(e).color)), lum(bg(e))].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        if (ratio < 4.5) bad.push(e.tagName + '.' + e.className + ' ' + ratio.toFixed(2));
      }
      return JSON.stringify(bad);
    })()"#;
    for theme in ["light", "dark"] {
        page.eval(&format!(
            "(() => {{ const s = document.getElementById('theme'); s.value = '{theme}'; \
             s.dispatchEvent(new Event('change')); }})()"
        ));
        assert_eq!(page.eval("document.documentElement.dataset.theme"), theme);
        let bad = page.eval(CHECK);
        assert_eq!(bad, "[]", "{theme} theme: low contrast text");
        page.screenshot(&format!("planner-invalid-{theme}"));
    }
}

/// Printing gives the report: results shown, controls hidden.
#[test]
fn print_shows_results_without_controls() {
    use headless_chrome::protocol::cdp::Emulation::SetEmulatedMedia;
    let Some(page) = browser::open("/") else { return };
    page.tab
        .call_method(SetEmulatedMedia { media: Some("print".into()), features: None })
        .expect("print media");
    let display = |sel: &str| {
        page.eval(&format!("getComputedStyle(document.querySelector('{sel}')).display"))
    };
    assert_eq!(display("#export"), "none");
    assert_eq!(display("#config"), "none");
    assert_eq!(display("nav"), "none");
    assert_ne!(display("#amps-memory-result"), "none");
    page.screenshot("planner-print");
}

/// dist/ works from a static host under any path prefix.
#[test]
fn works_under_a_path_prefix() {
    let site = |dist: &std::path::Path| {
        let root = headroom_tests::workspace_root().join("target/tmp/prefixed-site");
        let _ = std::fs::remove_dir_all(&root);
        copy_tree(dist, &root.join("tools/headroom"));
        root
    };
    let Some(page) = browser::launch(site, "/tools/headroom/", |_| {}) else { return };
    assert!(page.wait_for("#amps-memory-q-estimate"), "the page runs under a prefix");
    assert!(page.tab.get_url().contains("/tools/headroom/#plan="));
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The contract with the dumpview module: opening the view hands it
/// `#dump-view`, leaving the view tells it to close.
#[test]
fn crash_dump_view_calls_the_loader() {
    use headless_chrome::protocol::cdp::Page::AddScriptToEvaluateOnNewDocument;
    const FAKE: &str = "window.headroomOpenDumpView = (el) => { el.textContent = 'fake viewer in ' + el.id; \
        return Promise.resolve(); }; window.headroomCloseDumpView = (el) => { window.closedWith = el.id; };";
    let Some(page) = browser::open_with("/", |tab| {
        tab.call_method(AddScriptToEvaluateOnNewDocument {
            source: FAKE.into(),
            world_name: None,
            include_command_line_api: None,
            run_immediately: None,
        })
        .expect("inject fake loader");
    }) else {
        return;
    };
    page.click("#nav-dump");
    assert_eq!(page.text("#dump-view"), "fake viewer in dump-view");
    assert!(!page.exists("#dump-unavailable"));
    page.click("#nav-planner");
    assert!(page.wait_for("#amps-memory-q-estimate"));
    assert_eq!(page.eval("window.closedWith"), "dump-view");
}

/// Types 400 clients into Example 25.2 and checks the new estimate: the
/// planner still computes (e.g. with the network cut).
pub fn still_plans(page: &Session) {
    page.type_into("#amps-memory-clients", "400");
    assert_eq!(
        page.exact("#amps-memory-q-estimate"),
        "54,157,638,400 B",
        "200 more clients add 200 x 4096 bytes"
    );
}

/// Once loaded, the page needs no network: cut it and keep planning.
#[test]
fn works_with_the_network_cut_after_the_first_load() {
    let Some(mut page) = browser::open("/") else { return };
    assert!(page.wait_for("#amps-memory-q-estimate"));
    page.cut_network();
    still_plans(&page);
    page.click("#nav-dump");
    page.click("#nav-planner");
    assert!(page.value("#plan-toml").contains("clients = 400"));
}
