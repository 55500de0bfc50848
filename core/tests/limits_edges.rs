//! limits.conf and /proc/PID/limits rules at their edges: a soft limit
//! equal to the hard one, a hard nofile equal to fs.nr_open, a nofile equal
//! to the plan's need pass; one more (or less) is flagged, with the fix.

use headroom_core::finding::Finding;
use headroom_core::host::Host;
use headroom_core::units::Count;
use headroom_core::validate::rules::*;
use headroom_core::validate::{check_files, check_text, Context, Format, Needs};

fn run(text: &str, host: Option<&Host>, needs: &Needs, format: Format) -> Vec<Finding> {
    let ctx = Context { host, needs: Some(needs) };
    check_text("limits.conf", text, Some(format), &ctx).unwrap().findings
}

/// Finding ids, without the reminder that limits.conf is PAM-only.
fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id).filter(|id| *id != LIMITS_PAM_ONLY.id).collect()
}

fn limits(text: &str) -> Vec<Finding> {
    run(text, None, &Needs::default(), Format::Limits)
}

fn fix_of<'a>(findings: &'a [Finding], id: &str) -> Option<&'a str> {
    findings.iter().find(|f| f.id == id).and_then(|f| f.fix.as_deref())
}

#[test]
fn lines_that_are_not_limits() {
    let clean = "# comment\n\n*   soft nofile 65536 # trailing\n* hard nofile 65536\n\
                 @ops soft nproc lots\n";
    assert_eq!(ids(&limits(clean)), Vec::<&str>::new());
    // The value's column: index 16, column 17.
    let f = limits("*   soft nofile 2000000\n* hard nofile 1000\n");
    assert_eq!(f[0].location.as_ref().unwrap().column, Some(17));
    assert_eq!(ids(&limits("* soft nofile\n")), [LIMITS_SYNTAX.id]);
    let both = limits("* both nofile 5\n");
    assert_eq!(fix_of(&both, LIMITS_SYNTAX.id), Some("* - nofile 5"));
    assert_eq!(ids(&limits("* soft nofiles 5\n")), [LIMITS_UNKNOWN_ITEM.id]);
    let lots = limits("* soft nofile lots\n");
    assert_eq!(fix_of(&lots, LIMITS_SYNTAX.id), Some("* soft nofile 65536"));
}

#[test]
fn soft_equal_to_hard_passes_and_above_it_is_an_error() {
    assert_eq!(ids(&limits("* soft nofile 1024\n* hard nofile 1024\n")), Vec::<&str>::new());
    let f = limits("* soft nofile 1025\n* hard nofile 1024\n");
    assert_eq!(ids(&f), [LIMITS_SOFT_ABOVE_HARD.id]);
    assert_eq!(fix_of(&f, LIMITS_SOFT_ABOVE_HARD.id), Some("* hard nofile 1025"));
    // unlimited, infinity and -1 are the largest value.
    for soft in ["unlimited", "infinity", "-1"] {
        let f = limits(&format!("* soft core {soft}\n* hard core 5\n"));
        assert_eq!(ids(&f), [LIMITS_SOFT_ABOVE_HARD.id], "{soft}");
    }
    assert_eq!(ids(&limits("* soft core 5\n* hard core unlimited\n")), Vec::<&str>::new());
}

#[test]
fn hard_nofile_up_to_nr_open_passes() {
    let mut host = Host::default();
    host.kernel.nr_open = Some(Count(1000));
    let none = Needs::default();
    let at = run("* hard nofile 1000\n", Some(&host), &none, Format::Limits);
    assert_eq!(ids(&at), Vec::<&str>::new());
    let over = run("* hard nofile 1001\n", Some(&host), &none, Format::Limits);
    assert_eq!(
        fix_of(&over, LIMITS_NOFILE_NR_OPEN.id),
        Some("fs.nr_open = 1001 (in /etc/sysctl.d/), or * hard nofile 1000")
    );
    // A soft nofile or a hard core above it is not this rule's business.
    let other = run("* soft nofile 1001\n* hard core 1001\n", Some(&host), &none, Format::Limits);
    assert!(!ids(&other).contains(&LIMITS_NOFILE_NR_OPEN.id), "{other:?}");
    // Unknown fs.nr_open: the kernel default, 1,048,576; `-` sets hard too.
    assert_eq!(ids(&limits("* - nofile 1048576\n")), Vec::<&str>::new());
    assert_eq!(ids(&limits("* - nofile 1048577\n")), [LIMITS_NOFILE_NR_OPEN.id]);
}

#[test]
fn nofile_equal_to_the_need_passes() {
    let needs = Needs { nofile: Some(4096), ..Needs::default() };
    let at = run("* soft nofile 4096\n* hard nofile 4096\n", None, &needs, Format::Limits);
    assert_eq!(ids(&at), Vec::<&str>::new());
    let below = run("* soft nofile 4095\n* hard nofile 4096\n", None, &needs, Format::Limits);
    assert_eq!(ids(&below), [LIMITS_NOFILE_NEED.id]);
    assert_eq!(fix_of(&below, LIMITS_NOFILE_NEED.id), Some("* soft nofile 4096"));
}

#[test]
fn amps_notes_a_soft_core_and_never_lowers_it() {
    let amps = Needs { amps: true, ..Needs::default() };
    assert_eq!(ids(&run("* soft core 0\n", None, &amps, Format::Limits)), Vec::<&str>::new());
    let f = run("* soft core 1\n", None, &amps, Format::Limits);
    assert_eq!(ids(&f), [LIMITS_CORE_LARGE.id]);
    // The AMPS guide's `core 0` would lower it: the fix lowers nothing.
    let fix = fix_of(&f, LIMITS_CORE_LARGE.id).unwrap();
    assert!(fix.starts_with("nothing to lower") && !fix.contains("core 0"), "{fix}");
    assert_eq!(ids(&run("* hard core 1\n", None, &amps, Format::Limits)), Vec::<&str>::new());
    assert_eq!(ids(&run("* soft nofile 1\n", None, &amps, Format::Limits)), Vec::<&str>::new());
    assert_eq!(ids(&limits("* soft core 1\n")), Vec::<&str>::new());
}

#[test]
fn pam_only_unless_a_unit_file_is_checked_too() {
    let pam = |text: &str| limits(text).iter().any(|f| f.id == LIMITS_PAM_ONLY.id);
    assert!(pam("* soft nofile 5\n"));
    assert!(pam("* soft core 0\n"));
    assert!(!pam("* soft nproc 5\n"));
    let ctx = Context::default();
    let with_unit = check_files(
        &[
            ("limits.conf", "* soft nofile 5\n", Some(Format::Limits)),
            ("x.service", "[Service]\nLimitNOFILE=5\n", Some(Format::Systemd)),
        ],
        &ctx,
    )
    .unwrap();
    assert!(!with_unit.all_findings().any(|f| f.id == LIMITS_PAM_ONLY.id));
}

const PROC: &str = "Limit                     Soft Limit           Hard Limit           Units\n\
                    Max cpu time              unlimited            unlimited            seconds\n\
                    Max core file size        0                    unlimited            bytes\n\
                    Max open files            1024                 4096                 files\n";

#[test]
fn a_running_process_against_the_plan() {
    let proc = |needs: &Needs, text: &str| run(text, None, needs, Format::ProcLimits);
    let at = Needs { nofile: Some(1024), amps: true, ..Needs::default() };
    assert_eq!(ids(&proc(&at, PROC)), Vec::<&str>::new());
    let more = Needs { nofile: Some(1025), ..Needs::default() };
    let f = proc(&more, PROC);
    assert_eq!(ids(&f), [LIMITS_NOFILE_NEED.id]);
    assert_eq!(f[0].location.as_ref().unwrap().line, 4);
    assert_eq!(
        fix_of(&f, LIMITS_NOFILE_NEED.id),
        // The process's hard limit, 4096, is kept.
        Some("LimitNOFILE=1025:4096 in the service's unit, then restart it")
    );
    let cores =
        PROC.replace("Max core file size        0 ", "Max core file size        unlimited ");
    let f = proc(&at, &cores);
    assert_eq!(ids(&f), [LIMITS_CORE_LARGE.id]);
    assert!(f[0].message.contains("up to unlimited bytes"), "{}", f[0].message);
    assert_eq!(ids(&proc(&at, "Max open files 1024\n")), [LIMITS_SYNTAX.id]);
    assert_eq!(ids(&proc(&at, "Max open files many more\n")), [LIMITS_SYNTAX.id]);
}

/// A uid range domain (limits.conf(5): `<min_uid>:<max_uid>`) has colons of
/// its own; its lines are judged like any other, not skipped.
#[test]
fn uid_range_domains_are_judged() {
    let needs = Needs { nofile: Some(4096), ..Needs::default() };
    let f = run("1000:2000 soft nofile 1024\n", None, &needs, Format::Limits);
    assert_eq!(ids(&f), [LIMITS_NOFILE_NEED.id]);
    assert_eq!(fix_of(&f, LIMITS_NOFILE_NEED.id), Some("1000:2000 soft nofile 4096"));
    let f =
        run(":1000 - nofile 8 \n:1000 soft nofile 16\n", None, &Needs::default(), Format::Limits);
    assert_eq!(ids(&f), [LIMITS_SOFT_ABOVE_HARD.id]);
}
