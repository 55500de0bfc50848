//! The rules table read by id, as the docs and the drop-ins do.

use headroom_core::validate::rules::{by_id, RULES};

#[test]
fn every_rule_is_found_by_its_own_id_and_no_other() {
    for rule in RULES {
        assert_eq!(by_id(rule.id).map(|r| r.id), Some(rule.id));
    }
    assert!(by_id("no.such.rule").is_none());
}
