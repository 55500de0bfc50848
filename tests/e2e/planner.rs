//! The planner page, used as a person would.

use headless_chrome::protocol::cdp::Emulation::{MediaFeature, SetEmulatedMedia};

use crate::browser::{self, Session};

/// The estimate of the AMPS memory result, to the byte as shown, once it shows.
fn amps_estimate(page: &Session) -> Option<String> {
    page.wait_for("#amps-memory-q-estimate").then(|| page.exact("#amps-memory-q-estimate"))
}

/// AMPS User Guide Example 25.2, typed field by field.
#[test]
fn amps_memory_example_25_2() {
    let Some(page) = browser::open("/") else { return };
    let values = [
        ("#amps-memory-sow_message_size", "1024"),
        ("#amps-memory-sow_messages", "20,000,000"),
        ("#amps-memory-clients", "200"),
        ("#amps-memory-message_memory_limit", "10 GB"),
        ("#amps-memory-journal_size", "1 GB"),
        ("#amps-memory-queue_messages", "1000000"),
    ];
    for (selector, text) in values {
        page.type_into(selector, text);
    }
    // The guide prints "roughly 53GB"; the formula gives 54,156,819,200 bytes
    // (docs/source-discrepancies.md).
    assert_eq!(amps_estimate(&page).as_deref(), Some("54,156,819,200 B"));
    assert_eq!(page.text("#amps-memory-q-estimate"), "54.2 GB (50.4 GiB)");
    assert!(page.exists("#amps-memory-chart"), "the terms are charted");
    let live = page.text("#amps-memory-announce");
    assert!(live.contains("54.2 GB (50.4 GiB)"), "announced politely: {live}");
    assert_eq!(page.attr("#amps-memory-announce", "aria-live").as_deref(), Some("polite"));
    let shot = page.screenshot("amps-memory-example-25-2");
    assert!(shot.exists());
}

/// The worked example loads with one click.
#[test]
fn worked_example_loads_with_one_click() {
    let Some(page) = browser::open("/") else { return };
    page.click("button[aria-label='Remove AMPS memory']");
    page.click("#add-amps-memory");
    page.type_into("#amps-memory-clients", "1");
    page.click("#example-amps-25-2");
    assert_eq!(amps_estimate(&page).as_deref(), Some("54,156,819,200 B"));
}

/// An impossible value shows an error next to its field and no stale result.
#[test]
fn invalid_input_is_shown_next_to_its_field() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-clients", "two hundred");
    let error = page.text("#amps-memory-clients-error");
    assert!(error.contains("not a number"), "{error}");
    assert_eq!(page.attr("#amps-memory-clients", "aria-invalid").as_deref(), Some("true"));
    assert!(!page.exists("#amps-memory-q-estimate"), "a stale total is still shown");
    page.screenshot("amps-memory-invalid");
    page.type_into("#amps-memory-clients", "200");
    assert!(!page.exists("#amps-memory-clients-error"));
    assert_eq!(amps_estimate(&page).as_deref(), Some("54,156,819,200 B"));
    // A value that parses but overflows the formula is named at its field.
    page.type_into("#amps-memory-sow_messages", "18446744073709551615");
    let error = page.text("#amps-memory-sow_messages-error");
    assert!(error.contains("too large"), "{error}");
    assert!(!page.exists("#amps-memory-q-estimate"));
    page.type_into("#amps-memory-sow_messages", "20M");
    // A host value breaks every result, not only one.
    page.type_into("#host-ram", "-4 GB");
    assert!(page.text("#host-ram-error").contains("negative"));
    assert!(!page.exists("#amps-memory-q-estimate"));
}

/// Export the plan file, change the plan, import the file: same results.
#[test]
fn export_then_import_restores_the_results() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-clients", "5000");
    let before = amps_estimate(&page).expect("a result");
    let exported = page.value("#plan-toml");
    assert!(exported.contains("[amps.memory]"), "{exported}");
    assert!(exported.contains("clients = 5000"), "{exported}");
    page.click("button[aria-label='Remove AMPS memory']");
    assert!(!page.exists("#amps-memory-q-estimate"));
    page.paste_into("#import-text", &exported);
    page.click("#import-button");
    assert_eq!(amps_estimate(&page), Some(before));
    assert!(page.text("#notice").contains("imported"));
}

/// The link holds the plan: a fresh browser opening it shows the same results.
#[test]
fn a_shared_link_reopens_the_same_plan() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-queue_messages", "7M");
    let before = amps_estimate(&page).expect("a result");
    let link = page.tab.get_url();
    let fragment = link.split_once('#').map(|(_, f)| f.to_string()).expect("a plan fragment");
    assert!(fragment.starts_with("plan="), "{fragment}");
    let shown = page.value("#share-link");
    assert!(shown.ends_with(&fragment), "{shown}");
    drop(page);
    let Some(fresh) = browser::open(&format!("/#{fragment}")) else { return };
    assert_eq!(amps_estimate(&fresh), Some(before));
    assert_eq!(fresh.value("#amps-memory-queue_messages"), "7M");
}

/// A damaged link says so and falls back to the default plan.
#[test]
fn a_damaged_link_is_reported() {
    let Some(page) = browser::open("/#plan=not-a-plan") else { return };
    assert!(page.text("#notice").contains("damaged"));
    assert!(amps_estimate(&page).is_some());
}

/// A panic shows a readable error and a reset, never a dead page.
#[test]
fn a_panic_shows_the_reset_screen() {
    let Some(page) = browser::open_test_build("/?panic-test") else { return };
    assert!(page.text("#fatal").contains("The planner stopped"));
    page.click("#reset-plan");
    assert!(page.wait_for("#amps-memory-q-estimate"), "the reset reloads a working page");
}

/// The theme follows the system until chosen, and the choice persists.
#[test]
fn theme_choice_persists() {
    let Some(page) = browser::open("/") else { return };
    assert_eq!(page.eval("document.documentElement.dataset.theme"), "system");
    // "System" follows the operating system's colour scheme.
    let background = || page.eval("getComputedStyle(document.body).backgroundColor");
    assert_eq!(background(), "rgb(255, 255, 255)");
    page.tab
        .call_method(SetEmulatedMedia {
            media: None,
            features: Some(vec![MediaFeature {
                name: "prefers-color-scheme".into(),
                value: "dark".into(),
            }]),
        })
        .expect("emulate a dark system");
    assert_eq!(background(), "rgb(22, 24, 28)");
    page.tab.wait_for_element("#theme").unwrap().focus().unwrap();
    page.eval("(() => { const s = document.getElementById('theme'); s.value = 'dark'; s.dispatchEvent(new Event('change')); })()");
    assert_eq!(page.eval("document.documentElement.dataset.theme"), "dark");
    assert_eq!(page.eval("localStorage.getItem('headroom-theme')"), "dark");
    page.screenshot("planner-dark-desktop");
}

/// A result's exact figure in base units as the page shows it, once it
/// shows: `figure(page, "vps-memory", "max_connections")`.
fn figure(page: &Session, section: &str, quantity: &str) -> Option<String> {
    let selector = format!("#{section}-q-{quantity}");
    page.wait_for(&selector).then(|| page.exact(&selector))
}

/// Waits (up to 5 s) until the exact figure shown beside `selector` is `want`.
fn wait_for_value(page: &Session, selector: &str, want: &str) -> Option<String> {
    let mut last = None;
    for _ in 0..50 {
        last = page.exists(selector).then(|| page.exact(selector));
        if last.as_deref() == Some(want) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    last
}

/// Error findings shown in a section's result.
fn error_findings(page: &Session, section: &str) -> String {
    let js = format!(
        "[...document.querySelectorAll('#{section}-result .finding.error')]\
         .map(e => e.dataset.rule + ': ' + e.textContent).join('\\n')"
    );
    page.eval(&js).as_str().unwrap_or_default().to_string()
}

/// AMPS Example 25.2 (examples/amps.toml) loads with one click: memory,
/// slow clients and limits, the memory terms charted against RAM.
#[test]
fn example_amps_25_2_loads_with_one_click() {
    let Some(page) = browser::open("/") else { return };
    page.click("#example-vps-256mb");
    assert!(page.wait_for("#vps-memory-q-peak"));
    assert!(!page.exists("#amps-memory"), "the VPS plan replaced the AMPS one");
    page.click("#example-amps-25-2");
    assert_eq!(figure(&page, "amps-memory", "estimate").as_deref(), Some("54,156,819,200 B"));
    assert_eq!(figure(&page, "amps-memory", "recommended").as_deref(), Some("108,313,638,400 B"));
    assert_eq!(
        figure(&page, "amps-slow_clients", "message_disk_limit").as_deref(),
        Some("10,240,000,000 B")
    );
    assert_eq!(figure(&page, "amps-limits", "nofile").as_deref(), Some("32,768"));
    assert_eq!(page.value("#host-storage"), "nvme");
    // 64 GiB of RAM holds the estimate but not the recommended 200%.
    let ram = page.svg_text("#amps-memory-chart rect.capacity + text.chart-value");
    assert_eq!(ram, "68.7 GB (64 GiB)");
    assert!(page.exists("#amps-memory-chart rect.capacity.over"));
}

/// "Maglev on AWS t1.micro": 307200 KB fits the 613 MB host; MagLev's
/// default 1000000 KB is an error finding that names EINVAL.
#[test]
fn example_maglev_t1micro_default_page_cache_is_einval() {
    let Some(page) = browser::open("/") else { return };
    page.click("#example-maglev-t1micro");
    assert_eq!(figure(&page, "gemstone-page_cache", "segment").as_deref(), Some("346,030,080 B"));
    assert_eq!(error_findings(&page, "gemstone-page_cache"), "", "307200 KB passes");
    // Only like quantities share a total: the byte terms' shares make 100%
    // between them, the count term's its own.
    let cells = |n: usize| {
        page.text_all(&format!("#gemstone-page_cache-result .breakdown tbody td:nth-of-type({n})"))
    };
    let rows: Vec<(String, String)> = cells(2).into_iter().zip(cells(3)).collect();
    let total = |bytes: bool| -> f64 {
        let shares = rows.iter().filter(|(value, _)| value.contains('B') == bytes);
        shares.map(|(_, s)| s.trim_end_matches('%').parse::<f64>().unwrap_or(f64::NAN)).sum()
    };
    assert!(rows.iter().any(|(v, _)| !v.contains('B')), "a count term: {rows:?}");
    assert!((99.0..=100.0).contains(&total(true)), "bytes: {rows:?}");
    assert_eq!(total(false), 100.0, "counts: {rows:?}");
    page.type_into("#gemstone-page_cache-shr_page_cache_size_kb", "1000000");
    let segment = wait_for_value(&page, "#gemstone-page_cache-q-segment", "1,126,400,000 B");
    assert_eq!(segment.as_deref(), Some("1,126,400,000 B"));
    let errors = error_findings(&page, "gemstone-page_cache");
    assert!(errors.starts_with("gemstone.page_cache.ram"), "{errors}");
    assert!(errors.contains("EINVAL"), "{errors}");
    assert!(page.exists("#gemstone-page_cache-chart rect.capacity.over"));
    page.screenshot("example-maglev-t1micro-einval");
    page.type_into("#gemstone-page_cache-shr_page_cache_size_kb", "307200");
    assert_eq!(
        wait_for_value(&page, "#gemstone-page_cache-q-segment", "346,030,080 B").as_deref(),
        Some("346,030,080 B")
    );
    assert_eq!(error_findings(&page, "gemstone-page_cache"), "");
}

/// "256 MB VPS": the largest safe max_connections is 70 (tuning-primer's
/// formula); switching the web server to Apache prefork brings its own fields and figure.
#[test]
fn example_vps_256mb_largest_safe_max_connections() {
    let Some(page) = browser::open("/") else { return };
    page.click("#example-vps-256mb");
    assert_eq!(figure(&page, "vps-memory", "max_connections").as_deref(), Some("70"));
    assert_eq!(page.value("#vps-memory-mysql-max_connections"), "20");
    assert!(page.exists("#vps-memory-chart rect.capacity"));
    page.select("#vps-memory-web-kind", "prefork");
    assert!(page.wait_for("#vps-memory-q-max_request_workers"));
    assert!(page.exists("#vps-memory-web-child_rss"));
    assert!(!page.exists("#vps-memory-web-rss"), "the event server's field is gone");
    assert!(page.value("#plan-toml").contains("kind = \"prefork\""));
    page.select("#vps-memory-web-kind", "event");
    assert!(page.wait_for("#vps-memory-web-rss"));
    assert!(!page.exists("#vps-memory-q-max_request_workers"));
}

/// "MegaComet": one million connections over 8 workers need nofile 125,064
/// each and fs.file-max 1,000,512.
#[test]
fn example_megacomet_nofile() {
    let Some(page) = browser::open("/") else { return };
    page.click("#example-megacomet");
    assert_eq!(figure(&page, "connections-kernel", "nofile").as_deref(), Some("125,064"));
    assert_eq!(figure(&page, "connections-kernel", "file_max").as_deref(), Some("1,000,512"));
    assert_eq!(page.text("#connections-kernel-q-nofile"), "125,064");
}

/// The Aerospike client's segment for each shared memory layout, picked by
/// the client release (core/src/aerospike.rs).
#[test]
fn example_aerospike_segment_per_layout() {
    let Some(page) = browser::open("/") else { return };
    page.click("#example-aerospike");
    assert_eq!(figure(&page, "aerospike-shm", "segment").as_deref(), Some("531,576 B"));
    let segment = "#aerospike-shm-q-segment";
    for (release, want) in [("3.0.84", "263,224 B"), ("4.2.0", "531,320 B"), ("7.4.1", "531,576 B")]
    {
        page.select("#aerospike-shm-client_version", release);
        assert_eq!(wait_for_value(&page, segment, want).as_deref(), Some(want), "{release}");
    }
    assert!(page.exists("#aerospike-shm-chart rect.capacity"));
}

/// Every result with byte terms is charted beside the host's RAM; a result
/// in counts only (the AMPS limits) is charted without it.
#[test]
fn byte_results_are_charted_against_the_host() {
    let Some(page) = browser::open("/") else { return };
    let charted = [
        ("amps-25-2", &["amps-memory", "amps-slow_clients", "amps-slab"][..]),
        ("maglev-t1micro", &["gemstone-page_cache"]),
        ("vps-256mb", &["vps-memory"]),
        ("megacomet", &["connections-kernel"]),
        ("aerospike", &["aerospike-shm"]),
    ];
    for (example, sections) in charted {
        page.click(&format!("#example-{example}"));
        for id in sections {
            assert!(page.wait_for(&format!("#{id}-result")), "{example}: {id}");
            let bar = format!("#{id}-chart rect.capacity");
            assert!(page.exists(&bar), "{example}: {id} has no RAM bar");
            // An SVG <title> has no innerText: read its textContent.
            let summary =
                page.eval(&format!("document.getElementById('{id}-chart-title').textContent"));
            assert!(
                summary.as_str().unwrap_or_default().contains("against the host's RAM"),
                "{summary}"
            );
        }
    }
    page.click("#example-amps-25-2");
    // Counts, disk and network: no host figure to draw beside them.
    for id in ["amps-limits", "amps-sow_storage", "amps-txlog", "amps-logs", "amps-network"] {
        assert!(page.wait_for(&format!("#{id}-chart")), "{id} is charted");
        assert!(!page.exists(&format!("#{id}-chart rect.capacity")), "{id}");
    }
    // CPU beside the host's cores (16 in the example), in thousandths.
    let cores = page.svg_text("#amps-cpu-chart rect.capacity + text.chart-value");
    assert_eq!(cores, "16 cores");
    page.screenshot("example-charts");
}

/// Every calculator can be added to a plan from the "Add a system" buttons,
/// and each evaluates on its defaults.
#[test]
fn every_calculator_can_be_added() {
    let Some(page) = browser::open("/") else { return };
    let ids =
        page.eval("JSON.stringify([...document.querySelectorAll('.add button')].map(b => b.id))");
    let ids: Vec<String> = serde_json::from_str(ids.as_str().unwrap()).unwrap();
    assert!(ids.len() >= 4, "{ids:?}");
    for id in &ids {
        page.click(&format!("#{id}"));
        let section = id.trim_start_matches("add-");
        assert!(page.wait_for(&format!("#{section}-result")), "{section} shows a result");
        assert!(!page.exists(&format!("#{section}-result.error")), "{section} fails on defaults");
    }
    assert!(page.text("#add-title").contains("Add a system"));
    assert!(page.exists(".add .help"), "every calculator is in the plan");
}
