//! The planner page, used as a person would.

use crate::browser;

/// AMPS User Guide Example 25.2, typed field by field.
#[test]
fn amps_memory_example_25_2() {
    let Some(page) = browser::open("/") else { return };
    let values = [
        ("#sow_message_size", "1024"),
        ("#sow_messages", "20,000,000"),
        ("#clients", "200"),
        ("#message_memory_limit", "10 GB"),
        ("#journal_size", "1 GB"),
        ("#queue_messages", "1000000"),
    ];
    for (selector, text) in values {
        page.type_into(selector, text);
    }
    assert_eq!(page.attr("#amps-memory-total", "data-bytes").as_deref(), Some("54156819200"));
    assert_eq!(page.text("#amps-memory-total"), "54.2 GB (50.4 GiB)");
    let shot = page.screenshot("amps-memory-example-25-2");
    assert!(shot.exists());
}

/// An impossible value shows an error next to its field and no stale result.
#[test]
fn invalid_input_is_shown_next_to_its_field() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#clients", "two hundred");
    let error = page.text("#clients-error");
    assert!(error.contains("not a number"), "{error}");
    assert_eq!(page.attr("#clients", "aria-invalid").as_deref(), Some("true"));
    assert!(!page.exists("#amps-memory-total"), "a stale total is still shown");
    page.screenshot("amps-memory-invalid");
    page.type_into("#clients", "200");
    assert!(!page.exists("#clients-error"));
    assert!(page.exists("#amps-memory-total"));
}
