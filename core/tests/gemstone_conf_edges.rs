//! GemStone system.conf and logs: which setting wins, where a finding
//! points, which fix each limit gets, and how a shmget error is recognised
//! in the forms a log writes it.

use headroom_core::finding::Finding;
use headroom_core::gemstone::recommended_kb;
use headroom_core::host::Host;
use headroom_core::units::Bytes;
use headroom_core::validate::rules::*;
use headroom_core::validate::{check_text, Context, Format};

fn t1_micro() -> Host {
    Host { ram: Bytes(613_000_000), ..Host::default() }
}

fn conf(text: &str, host: Option<&Host>) -> Vec<Finding> {
    let ctx = Context { host, needs: None };
    check_text("system.conf", text, Some(Format::GemstoneConf), &ctx).unwrap().findings
}

fn log(text: &str) -> Vec<Finding> {
    check_text("stone.log", text, Some(Format::GemstoneLog), &Context::default()).unwrap().findings
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id).collect()
}

#[test]
fn the_last_cache_line_is_checked_and_the_finding_points_at_its_value() {
    let host = t1_micro();
    // MagLev's 1,000,000 KB does not fit 613 MB of RAM; 307,200 KB does.
    let text = "SHR_PAGE_CACHE_SIZE_KB = 307200;\n# override\nSHR_PAGE_CACHE_SIZE_KB = 1000000;\n\
                GEM_TEMPOBJ_CACHE_SIZE = 999999999;\n";
    let f = conf(text, Some(&host));
    assert_eq!(ids(&f), [GEMSTONE_CACHE_RAM.id]);
    // `=` at index 23: column 25, on line 3.
    let loc = f[0].location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (3, Some(25)));
    let rec = format!("SHR_PAGE_CACHE_SIZE_KB = {};", recommended_kb(&host));
    assert_eq!(f[0].fix.as_deref(), Some(rec.as_str()));
    let reversed = "SHR_PAGE_CACHE_SIZE_KB = 1000000;\nSHR_PAGE_CACHE_SIZE_KB = 307200;\n";
    assert_eq!(ids(&conf(reversed, Some(&host))), Vec::<&str>::new());
    // No host: nothing to compare with.
    assert_eq!(ids(&conf(text, None)), Vec::<&str>::new());
}

#[test]
fn a_kernel_limit_gets_both_fixes_ram_only_the_smaller_cache() {
    let mut host = t1_micro();
    host.kernel.shmmax = Some(Bytes(33_554_432));
    let f = conf("SHR_PAGE_CACHE_SIZE_KB = 307200;\n", Some(&host));
    assert_eq!(ids(&f), [GEMSTONE_CACHE_SHMMAX.id]);
    let rec = format!("SHR_PAGE_CACHE_SIZE_KB = {};", recommended_kb(&host));
    assert_eq!(
        f[0].fix.as_deref(),
        Some(format!("{rec} (or sysctl -w kernel.shmmax=346030080)").as_str())
    );
    assert!(f[0].message.starts_with("SHR_PAGE_CACHE_SIZE_KB = 307200: "), "{}", f[0].message);
}

#[test]
fn lines_that_are_not_settings() {
    let none = None;
    assert_eq!(ids(&conf("SHR_PAGE_CACHE_SIZE_KB 5;\n", none)), [GEMSTONE_SYNTAX.id]);
    let f = conf("SHR_PAGE_CACHE_SIZE_KB = 5\n", none);
    assert_eq!(f[0].fix.as_deref(), Some("SHR_PAGE_CACHE_SIZE_KB = 5;"));
    // Not a number, no host: the fix says how to size it, not the source's 307200.
    let f = conf("SHR_PAGE_CACHE_SIZE_KB = lots;\n", none);
    assert_eq!(ids(&f), [GEMSTONE_SYNTAX.id]);
    assert!(!f[0].fix.as_deref().unwrap_or("").contains("307200"), "{:?}", f[0].fix);
    let huge = conf(&format!("SHR_PAGE_CACHE_SIZE_KB = {};\n", u64::MAX), Some(&t1_micro()));
    assert_eq!(ids(&huge), [GEMSTONE_SYNTAX.id]);
}

#[test]
fn shmget_errors_in_every_spelling() {
    let cases = [
        ("startstone: shmget failed, errno=22, EINVAL\n", GEMSTONE_LOG_EINVAL.id),
        ("shmget() failed with errno=28 (No space)\n", GEMSTONE_LOG_ENOSPC.id),
        // The errno may be on the next line, not two lines on.
        ("shmget() failed\n  errno=12, out of memory\n", GEMSTONE_LOG_ENOMEM.id),
        ("shmget() failed\nnext\n  errno=12, out of memory\n", GEMSTONE_LOG_NONE.id),
    ];
    for (text, want) in cases {
        assert_eq!(ids(&log(text)), [want], "{text}");
    }
    let f = log("shared memory key 0x4d0a2d01.\nshmget: EEXIST\n");
    assert_eq!(ids(&f), [GEMSTONE_LOG_EEXIST.id]);
    assert!(f[0].fix.as_deref().unwrap().ends_with(": ipcrm -M 0x4d0a2d01"), "{:?}", f[0].fix);
    // The finding points at `shmget`: line 2, column 1 here, column 4 below.
    let loc = f[0].location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (2, Some(1)));
    let f = log("x: shmget EACCES\n");
    assert_eq!(f[0].location.as_ref().unwrap().column, Some(4));
    assert!(!f[0].fix.as_deref().unwrap().contains("ipcrm -M"), "no key, no ipcrm -M");
    // No shmget line: the hint points at the line that names the monitor.
    let none = log("starting\nMonitor process died\n");
    assert_eq!(ids(&none), [GEMSTONE_LOG_NONE.id]);
    assert_eq!(none[0].location.as_ref().unwrap().line, 2);
    let none = log("starting\nthe cache page server stopped\n");
    assert_eq!(none[0].location.as_ref().unwrap().line, 2);
    let none = log("starting\nstopping\n");
    assert_eq!(none[0].location.as_ref().unwrap().line, 1);
}
