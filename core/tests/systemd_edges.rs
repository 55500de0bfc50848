//! systemd unit limits at their edges: LimitNOFILE equal to the need
//! passes, a soft:hard pair is read as two values, and a missing
//! LimitNOFILE matters only above systemd's own 1024.

use headroom_core::finding::Finding;
use headroom_core::host::Host;
use headroom_core::units::Count;
use headroom_core::validate::rules::*;
use headroom_core::validate::{check_text, Context, Format, Needs};

fn check(text: &str, needs: &Needs) -> Vec<Finding> {
    let ctx = Context { host: None, needs: Some(needs) };
    check_text("x.service", text, Some(Format::Systemd), &ctx).unwrap().findings
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id).collect()
}

fn fix_of<'a>(findings: &'a [Finding], id: &str) -> Option<&'a str> {
    findings.iter().find(|f| f.id == id).and_then(|f| f.fix.as_deref())
}

fn need(nofile: u64) -> Needs {
    Needs { nofile: Some(nofile), ..Needs::default() }
}

#[test]
fn lines_sections_and_columns() {
    let none = Needs::default();
    let clean = "# c\n; c\n\n[Unit]\nDescription=x\n[Service]\nLimitNOFILE=5\n";
    assert_eq!(ids(&check(clean, &none)), Vec::<&str>::new());
    assert_eq!(ids(&check("[Service\n", &none)), [SYSTEMD_SYNTAX.id]);
    assert_eq!(fix_of(&check("[Service\n", &none), SYSTEMD_SYNTAX.id), Some("[Service]"));
    assert_eq!(ids(&check("[Service]\nno equals\n", &none)), [SYSTEMD_SYNTAX.id]);
    assert_eq!(ids(&check("LimitNOFILE=5\n", &none)), [SYSTEMD_SYNTAX.id]);
    let wrong = check("[Unit]\nLimitNOFILE=5\n", &none);
    assert_eq!(fix_of(&wrong, SYSTEMD_WRONG_SECTION.id), Some("[Service]\nLimitNOFILE=5"));
    // Other keys may live in any section.
    assert_eq!(ids(&check("[Install]\nWantedBy=multi-user.target\n", &none)), Vec::<&str>::new());
    // `LimitNOFILE=4:2`: the `=` at index 11, the value's column 13.
    let f = check("[Service]\nLimitNOFILE=4:2\n", &none);
    let loc = f[0].location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (2, Some(13)));
}

#[test]
fn soft_and_hard_are_read_from_a_pair() {
    let none = Needs::default();
    let f = check("[Service]\nLimitNOFILE=4:2\n", &none);
    assert_eq!(ids(&f), [SYSTEMD_SOFT_ABOVE_HARD.id]);
    assert_eq!(fix_of(&f, SYSTEMD_SOFT_ABOVE_HARD.id), Some("LimitNOFILE=2"));
    assert_eq!(ids(&check("[Service]\nLimitNOFILE=2:2\n", &none)), Vec::<&str>::new());
    assert_eq!(
        ids(&check("[Service]\nLimitCORE=INFINITY:2\n", &none)),
        [SYSTEMD_SOFT_ABOVE_HARD.id]
    );
    // LimitCORE takes sizes; LimitNOFILE only numbers.
    assert_eq!(ids(&check("[Service]\nLimitCORE=1K:2K\n", &none)), Vec::<&str>::new());
    assert_eq!(ids(&check("[Service]\nLimitCORE=2K:1K\n", &none)), [SYSTEMD_SOFT_ABOVE_HARD.id]);
    let bad = check("[Service]\nLimitNOFILE=1K\n", &none);
    assert_eq!(fix_of(&bad, SYSTEMD_BAD_VALUE.id), Some("LimitNOFILE=65536"));
    assert_eq!(ids(&check("[Service]\nLimitNOFILE=5:x\n", &none)), [SYSTEMD_BAD_VALUE.id]);
    // An empty value resets the limit: nothing to check.
    assert_eq!(ids(&check("[Service]\nLimitNOFILE=\n", &none)), Vec::<&str>::new());
}

#[test]
fn nofile_against_the_need() {
    assert_eq!(ids(&check("[Service]\nLimitNOFILE=4096\n", &need(4096))), Vec::<&str>::new());
    let f = check("[Service]\nLimitNOFILE=4095:65536\n", &need(4096));
    assert_eq!(ids(&f), [SYSTEMD_NOFILE_NEED.id]);
    // Only the soft limit is short: the hard 65536 is kept, not lowered.
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_NEED.id), Some("LimitNOFILE=4096:65536"));
    // Without the line, systemd gives 1024: enough for 1024, not for 1025.
    assert_eq!(ids(&check("[Service]\nUser=x\n", &need(1024))), Vec::<&str>::new());
    let missing = check("[Service]\nUser=x\n", &need(1025));
    assert_eq!(ids(&missing), [SYSTEMD_NOFILE_MISSING.id]);
    // systemd's own hard limit, 524288, is kept.
    assert_eq!(
        fix_of(&missing, SYSTEMD_NOFILE_MISSING.id),
        Some("[Service]\nLimitNOFILE=1025:524288")
    );
    assert_eq!(missing[0].location.as_ref().unwrap().line, 2);
}

#[test]
fn amps_wants_no_core() {
    let amps = Needs { amps: true, ..Needs::default() };
    assert_eq!(ids(&check("[Service]\nLimitCORE=0\n", &amps)), Vec::<&str>::new());
    assert_eq!(ids(&check("[Service]\nLimitCORE=1\n", &amps)), [SYSTEMD_CORE.id]);
    assert_eq!(ids(&check("[Service]\nLimitCORE=1\n", &Needs::default())), Vec::<&str>::new());
    // A nofile limit is not a core limit.
    assert_eq!(ids(&check("[Service]\nLimitNOFILE=5\n", &amps)), Vec::<&str>::new());
}

/// A fix raises LimitNOFILE= and never lowers the hard limit the service
/// has: a single value would set both limits to the need.
#[test]
fn a_raised_limitnofile_never_lowers_the_hard_limit() {
    let host = |hard: u64| {
        let mut h = Host::default();
        h.kernel.nofile_hard = Some(Count(hard));
        h
    };
    let with_host = |text: &str, host: &Host, needs: &Needs| {
        let ctx = Context { host: Some(host), needs: Some(needs) };
        check_text("x.service", text, Some(Format::Systemd), &ctx).unwrap().findings
    };
    // systemd's default 1024:524288, and a need of 65536.
    let f = check("[Service]\nLimitNOFILE=1024:524288\n", &need(65_536));
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_NEED.id), Some("LimitNOFILE=65536:524288"));
    // A hard infinity stays infinity.
    let f = check("[Service]\nLimitNOFILE=1024:infinity\n", &need(65_536));
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_NEED.id), Some("LimitNOFILE=65536:infinity"));
    // Both below: both raised, one value.
    let f = check("[Service]\nLimitNOFILE=1024:4096\n", &need(65_536));
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_NEED.id), Some("LimitNOFILE=65536"));
    // No line: the host's own hard limit (DefaultLimitNOFILE raised to 2^20) is kept.
    let f = with_host("[Service]\nUser=x\n", &host(1 << 20), &need(65_536));
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_MISSING.id), Some("[Service]\nLimitNOFILE=65536:1048576"));
    // Infinity comes down only to the kernel's 1048576, never below the need.
    let f = check("[Service]\nLimitNOFILE=infinity\n", &need(65_536));
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_INFINITY.id), Some("LimitNOFILE=1048576"));
    let f = check("[Service]\nLimitNOFILE=65536:infinity\n", &need(2_000_000));
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_INFINITY.id), Some("LimitNOFILE=2000000"));
    let f = check("[Service]\nLimitNOFILE=4096:infinity\n", &Needs::default());
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_INFINITY.id), Some("LimitNOFILE=4096:1048576"));
    // A soft limit above the hard one: the fix is never soft above hard.
    let f = check("[Service]\nLimitNOFILE=infinity:5\n", &need(65_536));
    assert_eq!(fix_of(&f, SYSTEMD_NOFILE_INFINITY.id), Some("LimitNOFILE=1048576"));
}
