//! AMPS configuration rules at their edges: a slab that stores exactly the
//! largest message, message memory at exactly 10% and 20% of RAM, a disk
//! limit equal to the memory limit, and which minidump directories are /tmp.

use headroom_core::finding::Finding;
use headroom_core::host::Host;
use headroom_core::units::Bytes;
use headroom_core::validate::rules::*;
use headroom_core::validate::{check_text, Context, Format, Needs};

/// Everything the rules ask for is present, so only the element under test
/// can raise a finding.
fn config(inner: &str) -> String {
    format!(
        "<AMPSConfig>\n  <MiniDumpDirectory>/var/lib/amps/minidumps</MiniDumpDirectory>\n{inner}\n</AMPSConfig>\n"
    )
}

fn check(text: &str, ram: Option<u64>, needs: &Needs) -> Vec<Finding> {
    let host = ram.map(|r| Host { ram: Bytes(r), ..Host::default() });
    let ctx = Context { host: host.as_ref(), needs: Some(needs) };
    check_text("amps.xml", text, Some(Format::AmpsXml), &ctx).unwrap().findings
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id).collect()
}

fn fix_of<'a>(findings: &'a [Finding], id: &str) -> Option<&'a str> {
    findings.iter().find(|f| f.id == id).and_then(|f| f.fix.as_deref())
}

#[test]
fn a_slab_stores_its_size_less_64_bytes_and_at_least_1_mib() {
    let slab = config("  <SlabSize>2MB</SlabSize>");
    let largest = |b: u64| Needs { max_message_size: Some(Bytes(b)), ..Needs::default() };
    // Two of 1,499,936 B with their 64-byte headers fill 3,000,000 B exactly.
    let three = config("  <SlabSize>3MB</SlabSize>");
    assert_eq!(ids(&check(&three, None, &largest(1_499_936))), Vec::<&str>::new());
    // One more byte and only one fits: the guide's several times is two.
    let f = check(&three, None, &largest(1_499_937));
    assert_eq!(ids(&f), [AMPS_XML_SLAB.id]);
    assert!(f[0].message.contains("fewer than two"), "{}", f[0].message);
    // 2 · (1,499,937 + 64) = 3,000,002 B, rounded up to two digits.
    assert_eq!(fix_of(&f, AMPS_XML_SLAB.id), Some("<SlabSize>3100kB</SlabSize>"));
    // Past 2,000,000 - 64 = 1,999,936 B the message does not fit at all.
    let f = check(&slab, None, &largest(1_999_937));
    assert!(f[0].message.contains("stores messages up to 1999936 B"), "{}", f[0].message);
    assert_eq!(fix_of(&f, AMPS_XML_SLAB.id), Some("<SlabSize>4100kB</SlabSize>"));
    // A small slab still stores 1 MiB.
    let small = config("  <SlabSize>100KB</SlabSize>");
    assert_eq!(ids(&check(&small, None, &largest(1 << 20))), Vec::<&str>::new());
    assert_eq!(ids(&check(&small, None, &largest((1 << 20) + 1))), [AMPS_XML_SLAB.id]);
}

#[test]
fn message_memory_warns_above_10_and_20_percent_of_ram() {
    let none = Needs::default();
    let mem = |total: &str| {
        let f = check(
            &config(&format!("  <MessageMemoryLimit>{total}</MessageMemoryLimit>")),
            Some(1000),
            &none,
        );
        ids(&f).into_iter().map(String::from).collect::<Vec<_>>()
    };
    // Whole percent, rounded down: 109 B of 1000 B is 10%.
    assert!(mem("100B").is_empty());
    assert!(mem("109B").is_empty());
    assert_eq!(mem("110B"), [AMPS_XML_MEMORY_START.id]);
    assert_eq!(mem("209B"), [AMPS_XML_MEMORY_START.id]);
    assert_eq!(mem("210B"), [AMPS_XML_MEMORY_HIGH.id]);
    // Two transports add up: 60 + 60 = 12%, on the guide's path from 10%
    // in steps of 1-2%: kept, not advised back down to 10%.
    let two = config(
        "  <MessageMemoryLimit>60B</MessageMemoryLimit>\n  <MessageMemoryLimit>60B</MessageMemoryLimit>",
    );
    let f = check(&two, Some(1000), &none);
    let fix = fix_of(&f, AMPS_XML_MEMORY_START.id).unwrap();
    assert!(fix.starts_with("keep it; raise MessageDiskLimit first"), "{fix}");
    // Over 20%: the guide's caution, back to its starting 10%.
    let high = config("  <MessageMemoryLimit>210B</MessageMemoryLimit>");
    let f = check(&high, Some(1000), &none);
    assert_eq!(
        fix_of(&f, AMPS_XML_MEMORY_HIGH.id),
        Some("<MessageMemoryLimit>100B</MessageMemoryLimit>")
    );
    // RAM unknown: no percentage.
    assert_eq!(ids(&check(&two, Some(0), &none)), Vec::<&str>::new());
}

#[test]
fn the_disk_limit_starts_at_the_memory_limit_and_needs_a_path() {
    let none = Needs::default();
    let both = |disk: &str| {
        config(&format!(
            "  <MessageMemoryLimit>6GB</MessageMemoryLimit>\n  <MessageDiskLimit>{disk}</MessageDiskLimit>\n  <MessageDiskPath>/fast</MessageDiskPath>"
        ))
    };
    assert_eq!(ids(&check(&both("6GB"), None, &none)), Vec::<&str>::new());
    let f = check(&both("5999999999B"), None, &none);
    assert_eq!(
        fix_of(&f, AMPS_XML_DISK_LIMIT.id),
        Some("<MessageDiskLimit>6GB</MessageDiskLimit>")
    );
    // A disk limit alone is not compared with a memory limit of nothing.
    let alone = config("  <MessageDiskLimit>1B</MessageDiskLimit>");
    assert_eq!(ids(&check(&alone, None, &none)), [AMPS_XML_DISK_PATH.id]);
}

#[test]
fn journals_sizes_and_minidump_directories() {
    let none = Needs::default();
    let tx = config("  <TransactionLog>\n    <JournalSize>1GB</JournalSize>\n  </TransactionLog>");
    assert_eq!(ids(&check(&tx, None, &none)), [AMPS_XML_JOURNAL.id]);
    let pre = config(
        "  <TransactionLog>\n    <PreallocatedJournalFiles>4</PreallocatedJournalFiles>\n  </TransactionLog>",
    );
    assert_eq!(ids(&check(&pre, None, &none)), Vec::<&str>::new());
    // A bad size points at its element: line 3, column 3.
    let bad = check(&config("  <SlabSize>lots</SlabSize>"), None, &none);
    assert_eq!(ids(&bad), [AMPS_XML_BAD_SIZE.id]);
    let loc = bad[0].location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (3, Some(3)));
    let dump = |dir: Option<&str>| {
        let inner =
            dir.map_or(String::new(), |d| format!("<MiniDumpDirectory>{d}</MiniDumpDirectory>"));
        let f = check(&format!("<AMPSConfig>{inner}</AMPSConfig>"), None, &none);
        f.iter().any(|f| f.id == AMPS_XML_MINIDUMP.id)
    };
    assert!(dump(None));
    assert!(dump(Some("/tmp")));
    assert!(dump(Some("/tmp/amps")));
    assert!(!dump(Some("/tmpfs/amps")));
    assert!(!dump(Some("/var/lib/amps")));
    assert_eq!(ids(&check("<AMPSConfig>", None, &none)), [AMPS_XML_SYNTAX.id]);
}

#[test]
fn tags_inside_comments_and_cdata_do_not_nest() {
    // 300 of each, more than the 256 levels allowed, none of them an element.
    let inner = format!("{}{}", "<!--<a-->".repeat(300), "<![CDATA[<a]]>".repeat(300));
    let f = check(&config(&inner), None, &Needs::default());
    assert!(!f.iter().any(|f| f.message.contains("nested more than")), "{f:?}");
    // 256 levels inside AMPSConfig are 257: the innermost is reported, on
    // line 3 (after the root and MiniDumpDirectory lines), at its column.
    let deep = config(&"<a>".repeat(256));
    let f = check(&deep, None, &Needs::default());
    assert_eq!(ids(&f), [AMPS_XML_SYNTAX.id]);
    let at = f[0].location.as_ref().expect("a location");
    assert_eq!((at.line, at.column), (3, Some(256 * 3 - 2)));
}

#[test]
fn the_files_values_are_its_leaf_elements() {
    // Topic has text of its own beside an element: a container, not a value.
    let text = config("  <SOW><Topic>old<Name>orders</Name></Topic></SOW>");
    let r = check_text("amps.xml", &text, Some(Format::AmpsXml), &Context::default()).unwrap();
    let values: Vec<(&str, &str)> =
        r.values.iter().map(|s| (s.key.as_str(), s.value.as_str())).collect();
    assert_eq!(
        values,
        [("AMPSConfig/MiniDumpDirectory", "/var/lib/amps/minidumps"), ("Topic/Name", "orders")]
    );
}
