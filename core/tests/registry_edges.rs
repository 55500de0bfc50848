//! The registry as the page's form reads it: each nested table of a
//! section is a group with a heading of its own.

use headroom_core::plan::CALCULATORS;

#[test]
fn every_nested_table_of_fields_has_a_heading() {
    let mut grouped = 0;
    for calc in CALCULATORS {
        for field in calc.fields {
            if let Some((group, _)) = field.key.split_once('.') {
                grouped += 1;
                let label = calc.group_label(group);
                assert!(label.is_some_and(|l| !l.is_empty()), "{}: {group}", calc.id);
            }
        }
    }
    assert!(grouped > 0, "no calculator has nested fields: nothing was checked");
    let vps = CALCULATORS.iter().find(|c| c.id == "vps.memory").expect("vps.memory");
    assert_eq!(vps.group_label("mysql"), Some("MySQL (my.cnf)"));
    assert_eq!(vps.group_label("key_buffer_size"), None, "a field is not a group");
}
