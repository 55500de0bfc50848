//! The planner as a tool kept open every day: nothing typed is lost to a
//! closed tab, a removed section or a bad import.

use crate::browser::{self, Session};

fn clients(page: &Session) -> String {
    page.wait_for("#amps-memory-clients");
    page.value("#amps-memory-clients")
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
