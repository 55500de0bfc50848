//! The planner as a tool kept open every day: nothing typed is lost to a
//! closed tab, a removed section or a bad import.

use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::Page;

use crate::browser::{self, Session};

fn clients(page: &Session) -> String {
    page.wait_for("#amps-memory-clients");
    page.value("#amps-memory-clients")
}

/// Waits (up to 5 s) until `done` holds: the page answers Back and
/// Forward after the browser's navigation call has returned.
fn until(page: &Session, what: &str, done: impl Fn(&Session) -> bool) {
    let start = Instant::now();
    while !done(page) {
        assert!(start.elapsed() < Duration::from_secs(5), "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The browser's Back (`-1`) or Forward (`1`) button: the tab moves to the
/// neighbouring entry of its session history.
fn history(page: &Session, step: i64) {
    let h = page.tab.call_method(Page::GetNavigationHistory(None)).expect("history");
    let index = i64::from(h.current_index) + step;
    let entry = usize::try_from(index).ok().and_then(|i| h.entries.get(i)).expect("an entry there");
    page.tab.call_method(Page::NavigateToHistoryEntry { entry_id: entry.id }).expect("go there");
}

/// Opens `url` in the same tab, as typing it into the address bar does.
fn go(page: &Session, url: &str) {
    page.tab.navigate_to("about:blank").expect("blank").wait_until_navigated().expect("blank");
    page.tab.navigate_to(url).expect("navigate").wait_until_navigated().expect("page loads");
}

/// The plan is kept in the browser: the site's bare address, opened again,
/// brings back what was typed, and says so. A link's plan wins over the
/// kept one, with a note.
#[test]
fn the_plan_survives_a_closed_tab_and_a_link_wins_with_a_note() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-clients", "5000");
    assert!(page.wait_for("#amps-memory-q-estimate"));
    let link_5000 = page.tab.get_url();
    page.type_into("#amps-memory-clients", "6000");
    assert!(page.wait_for("#amps-memory-q-estimate"));

    go(&page, &page.base_url());
    assert_eq!(clients(&page), "6000");
    assert!(page.text("#notice").contains("last visit in this browser is restored"));
    page.screenshot("daily-restored");

    go(&page, &link_5000);
    assert_eq!(clients(&page), "5000");
    assert!(page.text("#notice").contains("replaces the plan this browser kept"));
}

/// A section removed by mistake comes back with the values it had.
#[test]
fn a_section_added_again_has_its_last_values() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-clients", "777");
    page.click("button[aria-label='Remove AMPS memory']");
    assert!(!page.exists("#amps-memory-clients"));
    page.click("#add-amps-memory");
    assert_eq!(clients(&page), "777");
}

/// An import that cannot be used leaves the plan as it was and says why
/// beside the import button, naming the line or the value.
#[test]
fn a_bad_import_keeps_the_plan_and_says_why_beside_the_button() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-clients", "4321");
    page.paste_into("#import-text", "[amps.memory]\nclients = = 3\n");
    page.click("#import-button");
    assert!(page.wait_for("#import-error"));
    let error = page.text("#import-error");
    assert!(error.contains("not valid TOML") && error.contains("line 2"), "{error}");
    assert_eq!(clients(&page), "4321");
    // Beside the button: the next element after it.
    assert_eq!(
        page.eval("document.getElementById('import-button').nextElementSibling.id"),
        "import-error"
    );

    page.paste_into("#import-text", "[amps.memory]\nclients = \"lots\"\n");
    page.click("#import-button");
    let error = page.text("#import-error");
    assert!(error.contains("[amps.memory] clients"), "{error}");
    assert_eq!(clients(&page), "4321");
    page.screenshot("daily-bad-import");
}

/// Undo and Redo step back and forth through edits, by button and by
/// Ctrl+Z / Ctrl+Shift+Z outside a text field; a whole field's typing is one
/// step.
#[test]
fn undo_and_redo_step_through_edits() {
    let Some(page) = browser::open("/") else { return };
    assert!(page.wait_for("#undo"));
    assert_eq!(page.eval("document.getElementById('undo').disabled"), true, "nothing to undo yet");
    let before = clients(&page);
    page.type_into("#amps-memory-clients", "4242");
    page.click("button[aria-label='Remove AMPS memory']");
    assert!(!page.exists("#amps-memory-clients"));
    assert_eq!(page.text("#undo"), "Undo (2)");

    page.click("#undo");
    assert_eq!(clients(&page), "4242", "the section is back with its values");
    // Ctrl+Z with focus outside a text field.
    page.tab.wait_for_element("#undo").expect("undo").focus().expect("focus");
    page.tab
        .press_key_with_modifiers("z", Some(&[headless_chrome::browser::tab::ModifierKey::Ctrl]))
        .expect("Ctrl+Z");
    assert_eq!(clients(&page), before);
    assert_eq!(page.text("#redo"), "Redo (2)");
    page.screenshot("daily-undo");

    page.tab
        .press_key_with_modifiers(
            "z",
            Some(&[
                headless_chrome::browser::tab::ModifierKey::Ctrl,
                headless_chrome::browser::tab::ModifierKey::Shift,
            ]),
        )
        .expect("Ctrl+Shift+Z");
    assert_eq!(clients(&page), "4242");
    page.click("#redo");
    assert!(!page.exists("#amps-memory-clients"));
}

/// Back and Forward step through plan edits as Undo and Redo do, instead of
/// leaving the page: a field's typing is one step, a removed section another.
#[test]
fn back_and_forward_step_through_plan_edits() {
    let Some(page) = browser::open("/") else { return };
    let before = clients(&page);
    page.type_into("#amps-memory-clients", "4242");
    assert!(page.wait_for("#amps-memory-q-estimate"));
    page.click("button[aria-label='Remove AMPS memory']");
    assert!(!page.exists("#amps-memory-clients"));
    let origin = page.base_url();

    history(&page, -1);
    until(&page, "Back brings the section back", |p| {
        p.exists("#amps-memory-clients") && p.value("#amps-memory-clients") == "4242"
    });
    assert_eq!(page.text("#undo"), "Undo (1)");
    history(&page, -1);
    until(&page, "Back undoes the typing", |p| p.value("#amps-memory-clients") == before);
    assert_eq!(page.text("#redo"), "Redo (2)");
    assert!(page.tab.get_url().starts_with(&origin), "still on the page");
    page.screenshot("daily-back");

    history(&page, 1);
    until(&page, "Forward redoes the typing", |p| p.value("#amps-memory-clients") == "4242");
    history(&page, 1);
    until(&page, "Forward removes the section again", |p| !p.exists("#amps-memory-clients"));
    assert_eq!(page.text("#undo"), "Undo (2)");
}

/// The chart's bars are captioned in words from the calculator's registry
/// (terms, figures, the host's capacity), never by internal names.
#[test]
fn chart_bars_are_captioned_in_words() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#host-ram", "32 GB");
    let labels = |p: &Session| p.text_all("#amps-memory-chart .chart-label");
    until(&page, "the chart has the host's RAM", |p| {
        labels(p).last().is_some_and(|l| l == "The host's RAM")
    });
    let labels = labels(&page);
    assert_eq!(
        labels,
        [
            "AMPS binary and start-up state",
            "SOW messages and their query indexes",
            "Per-client state",
            "Client message buffers (MessageMemoryLimit)",
            "Latest journal file held in memory",
            "Queue message metadata",
            "Estimated memory for AMPS",
            "Recommended provisioned memory",
            "The host's RAM",
        ]
    );
    page.screenshot("daily-chart-labels");
}

/// Each field says what it read: "20M" is 20 MiB in a size field and twenty
/// million in a count field, and the echo says which convention applied;
/// a fraction keeps what was typed, a percentage its sign; a decimal comma
/// is refused.
#[test]
fn fields_echo_what_they_read() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-journal_size", "20M");
    assert_eq!(
        page.text("#amps-memory-journal_size-echo"),
        "= 20,971,520 B = 21 MB (20 MiB) (M on a size is binary: 1M = 1 MiB)"
    );
    page.type_into("#amps-memory-sow_messages", "20M");
    assert_eq!(
        page.text("#amps-memory-sow_messages-echo"),
        "= 20,000,000 (M on a count is decimal: 1M = 1,000,000)"
    );
    // A fraction typed a key at a time stays as typed (it once became
    // "0.0.05") and reads as a fraction and a percentage.
    page.type_into("#amps-network-match_ratio", "0.05");
    assert_eq!(page.value("#amps-network-match_ratio"), "0.05");
    assert_eq!(page.text("#amps-network-match_ratio-echo"), "= 0.05 (5%)");
    page.screenshot("daily-echo");
    // A percentage may carry its sign: the recommendation is 150% of the
    // estimate.
    page.type_into("#amps-memory-headroom_percent", "150%");
    assert_eq!(page.text("#amps-memory-headroom_percent-echo"), "= 150%");
    let bytes = |id: &str| -> u64 {
        let shown = page.exact(id);
        shown.trim_end_matches(" B").replace(',', "").parse().expect("bytes")
    };
    let estimate = bytes("#amps-memory-q-estimate");
    assert_eq!(bytes("#amps-memory-q-recommended"), (estimate * 3).div_ceil(2));
    // A decimal comma is refused with the fix, never read as 15 GB.
    page.type_into("#amps-memory-journal_size", "1,5 GB");
    let error = page.text("#amps-memory-journal_size-error");
    assert!(error.contains("a comma only groups thousands"), "{error}");
    assert!(error.contains("write a decimal with a point"), "{error}");
    assert!(!page.exists("#amps-memory-journal_size-echo"));
    // An unreadable value gets its error, not an echo.
    page.type_into("#amps-memory-sow_messages", "lots");
    assert!(page.wait_for("#amps-memory-sow_messages-error"));
    assert!(!page.exists("#amps-memory-sow_messages-echo"));
}

/// A result names the formula and the inputs it came from, by their labels,
/// and works its figures out step by step with the figures typed; a finding
/// says what its severity means, why it matters and what to do.
#[test]
fn results_and_findings_explain_themselves() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-clients", "4242");
    assert_eq!(page.text("#amps-memory-in-clients"), "Connected clients (C) = 4,242");
    let formula = page.text("#amps-memory-result .formula");
    assert!(formula.starts_with("Formula: ") && formula.contains("4096·C"), "{formula}");
    // The source is cited by title and section and opens to its own words.
    let source = "#amps-memory-result .source";
    assert_eq!(
        page.text(&format!("{source} summary")),
        "Source: AMPS User Guide, ch. 25 \"Operation and Deployment\", \
         Capacity Planning > Memory, Example 25.1."
    );
    let quote = format!("{source} blockquote");
    assert!(!page.visible(&quote), "the source's words show only when asked for");
    page.click(&format!("{source} summary"));
    assert!(page.visible(&quote));
    let words = page.text(&quote);
    assert!(words.contains("1GB + ( 2S * M ) + ( C * 4096)"), "{words}");
    // The arithmetic with the figures just typed, one step a line.
    let steps = "#amps-memory-steps";
    assert!(!page.visible(&format!("{steps} li")), "the working shows only when asked for");
    page.click(&format!("{steps} summary"));
    let lines = page.text_all(&format!("{steps} li"));
    assert!(
        lines.iter().any(|l| l.starts_with("4096·C = 4,096 B × 4,242 = 17,375,232 B")),
        "{lines:?}"
    );
    let estimate =
        lines.iter().find(|l| l.starts_with("estimate = ")).expect("the estimate's step");
    assert!(estimate.contains(" + 17,375,232 B + "), "{estimate}");
    assert!(lines.last().is_some_and(|l| l.starts_with("recommended = ⌈")), "{lines:?}");
    page.type_into("#host-ram", "1 GB");
    let finding = page.text("#amps-memory-result .finding[data-rule='amps.memory.exceeds_ram']");
    assert!(finding.contains("(it will fail or lose data)"), "{finding}");
    assert!(finding.contains("Why: AMPS User Guide"), "{finding}");
    assert!(finding.contains("What to do: provision at least"), "{finding}");
    let shown = "#amps-memory-result .finding[data-rule='amps.memory.exceeds_ram']";
    page.tab.wait_for_element(shown).expect("finding").scroll_into_view().expect("scroll");
    page.screenshot("daily-explained");
}

/// The host at a glance: what the whole plan needs against what the host
/// has, a verdict per line, and what to raise where it does not fit.
#[test]
fn the_host_roll_up_gives_a_verdict_per_line() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#host-ram", "64 GiB");
    let ram = page.text("#rollup-ram");
    assert!(ram.contains("the plan needs 54.2 GB (50.4 GiB)"), "{ram}");
    assert!(ram.contains(": fits") && ram.contains("AMPS memory 54.2 GB"), "{ram}");
    page.type_into("#host-ram", "16 GB");
    let ram = page.text("#rollup-ram");
    assert!(ram.contains("the host has 16 GB (14.9 GiB): does not fit"), "{ram}");
    let aio = page.text("#rollup-fs-aio-max-nr");
    assert!(aio.contains("does not fit") && aio.contains("raise it to"), "{aio}");
    // A million idle sockets take 4.1 GB of kernel memory on the same host.
    page.type_into("#host-ram", "64 GiB");
    page.click("#add-connections-kernel");
    until(&page, "the roll-up counts the sockets", |p| {
        p.text("#rollup-ram").contains("Many TCP connections 4.1 GB")
    });
    let ram = page.text("#rollup-ram");
    assert!(ram.contains("the plan needs 58.3 GB (54.3 GiB)"), "{ram}");
    page.tab.wait_for_element("#rollup").expect("roll-up").scroll_into_view().expect("scroll");
    page.screenshot("daily-rollup");
}

/// What-if: a pinned plan beside the edited one, the changed input and the
/// figures it moved marked, the rest shown unmarked.
#[test]
fn a_pinned_plan_is_compared_with_the_edited_one() {
    let Some(page) = browser::open("/") else { return };
    page.click("#compare-pin");
    assert!(page.wait_for("#compare-same"));
    page.type_into("#amps-memory-clients", "500000");
    assert_eq!(
        page.text("#compare-in-0"),
        "AMPS memory: Connected clients (C): 200 → 500,000 (changed)"
    );
    let figures = page.text_all("#compare li[id^='compare-fig-']");
    let estimate = figures
        .iter()
        .find(|f| f.starts_with("AMPS memory: Estimated memory for AMPS"))
        .expect("the estimate is compared");
    assert!(estimate.starts_with("AMPS memory: Estimated memory for AMPS: 54.2 GB"), "{estimate}");
    assert!(estimate.ends_with("(changed)"), "{estimate}");
    assert!(figures.iter().any(|f| !f.ends_with("(changed)")), "untouched figures unmarked");
    page.tab.wait_for_element("#compare").expect("compare").scroll_into_view().expect("scroll");
    page.screenshot("daily-compare");
    page.click("#compare-unpin");
    assert!(!page.exists("#compare-in-0"));
}

/// Figures read as the core writes them everywhere on the page: cores to
/// the hundredth ("2.17 cores", "16 cores", never "16.000 cores" or the
/// thousandths "2,167"), the exact column in its unit, shares as
/// percentages.
#[test]
fn figures_read_the_same_in_every_panel() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#host-cores", "3");
    assert!(page.wait_for("#amps-cpu-q-cores"));
    assert_eq!(page.text("#amps-cpu-q-cores"), "2.17 cores");
    assert_eq!(page.exact("#amps-cpu-q-cores"), "2.167 cores");
    assert_eq!(page.exact("#amps-memory-q-estimate"), "54,156,819,200 B");
    // 0.5 and 1.667 of 2.167 cores.
    let shares = page.text_all("#amps-cpu-result .breakdown tbody td:last-child");
    assert_eq!(shares, ["23%", "76.9%"]);
    // The inputs it came from, grouped as the results are.
    let inputs = page.text("#amps-cpu-result .inputs");
    assert!(inputs.contains("Messages published (R) = 5,000/s"), "{inputs}");
    assert!(inputs.contains("Messages per query scan (M) = 20,000,000"), "{inputs}");
    until(&page, "the roll-up has the host's 3 cores", |p| {
        p.text("#rollup-cores").contains("the host has 3 cores")
    });
    let cores = page.text("#rollup-cores");
    assert!(cores.contains("the plan needs 2.17 cores, the host has 3 cores: fits"), "{cores}");
    assert!(cores.contains("AMPS CPU 2.17 cores"), "{cores}");

    page.type_into("#host-cores", "2");
    let finding = "#amps-cpu-result .finding[data-rule='amps.cpu.exceeds_cores']";
    assert!(page.wait_for(finding));
    let text = page.text(finding);
    assert!(text.contains("content filtering needs 2.17 cores at"), "{text}");
    assert!(page.text("#rollup-cores").contains("the host has 2 cores: does not fit"));
    page.tab.wait_for_element("#amps-cpu-result").expect("cpu").scroll_into_view().expect("scroll");
    page.screenshot("daily-figures");
}

/// Switching views is a step in the browser's history: Back from the crash
/// dump view returns to the planner, its plan as it was; Forward and Back
/// go on stepping between the two views.
#[test]
fn back_returns_to_the_view_before() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#amps-memory-clients", "4242");
    assert!(page.wait_for("#amps-memory-q-estimate"));
    page.click("#nav-dump");
    assert_eq!(page.text("#dump-title"), "Crash dump");
    assert!(page.tab.get_url().ends_with("#dump"), "{}", page.tab.get_url());

    history(&page, -1);
    until(&page, "Back returns to the planner", |p| p.exists("#amps-memory-clients"));
    assert_eq!(clients(&page), "4242", "the plan is as it was");
    assert!(!page.exists("#dump-title"));
    assert_eq!(page.text("#undo"), "Undo (1)", "a view switch is no plan edit");
    assert!(page.tab.get_url().contains("#plan="), "{}", page.tab.get_url());
    page.screenshot("daily-view-back");

    history(&page, 1);
    until(&page, "Forward opens the crash dump view", |p| p.exists("#dump-title"));
    page.click("#nav-planner");
    assert!(page.wait_for("#amps-memory-clients"));
    history(&page, -1);
    until(&page, "Back returns to the crash dump view", |p| p.exists("#dump-title"));
    assert_eq!(page.text("#dump-title"), "Crash dump");
}
