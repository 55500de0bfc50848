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

/// A reader checks a formula against its source without the document at
/// hand: each citation names a document a reader can find (a title, not an
/// internal reference) and quotes the words the formula rests on.
#[test]
fn every_source_is_a_readable_citation_with_its_words() {
    for calc in CALCULATORS {
        let s = calc.source;
        assert!(!s.document.contains("shared source"), "{}: {}", calc.id, s.document);
        assert!(s.excerpt.split(" … ").all(|p| p.len() >= 10), "{}: {}", calc.id, s.excerpt);
        assert_eq!(s.excerpt, s.excerpt.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    let amps = CALCULATORS.iter().find(|c| c.id == "amps.memory").expect("amps.memory");
    assert!(amps.source.excerpt.contains("1GB + ( 2S * M ) + ( C * 4096)"));
}
