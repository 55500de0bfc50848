//! systemd unit files and drop-ins: `[Section]` headers, `Key=value` lines.
//! Only the resource limits are checked (LimitNOFILE=, LimitCORE=); drop-ins
//! read after the unit override it (systemd.unit(5), "drop-in" directories).

use crate::finding::Finding;
use crate::units::Bytes;

use super::{at, at_col, last_wins, numbered, rules, Needs, Parsed, Setting};

pub(crate) fn parse(name: &str, text: &str) -> Parsed {
    let mut p = Parsed::default();
    let mut section = String::new();
    for (n, raw) in numbered(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[') {
            match s.strip_suffix(']') {
                Some(s) => section = s.trim().to_string(),
                None => p.findings.push(
                    rules::SYSTEMD_SYNTAX
                        .finding(format!("`{line}`: a section header ends with `]`"))
                        .fix(format!("{line}]"))
                        .at(at(name, n)),
                ),
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            p.findings.push(
                rules::SYSTEMD_SYNTAX
                    .finding(format!("`{line}` is not `Key=value`"))
                    .at(at(name, n)),
            );
            continue;
        };
        let key = key.trim();
        if section.is_empty() {
            p.findings.push(
                rules::SYSTEMD_SYNTAX
                    .finding(format!("{key}= comes before any [Section] header"))
                    .fix("[Service]")
                    .at(at(name, n)),
            );
            continue;
        }
        if key.starts_with("Limit") && section != "Service" {
            p.findings.push(
                rules::SYSTEMD_WRONG_SECTION
                    .finding(format!(
                        "{key}= in [{section}] is ignored: resource limits belong in [Service]"
                    ))
                    .fix(format!("[Service]\n{key}={}", value.trim()))
                    .at(at(name, n)),
            );
            continue;
        }
        let col = raw.find('=').map_or(1, |c| c + 2);
        p.settings.push(Setting {
            key: format!("{section}.{key}"),
            value: value.trim().to_string(),
            location: at_col(name, n, col),
        });
    }
    p
}

/// One rlimit value: a number, a size (LimitCORE), or `infinity`.
fn rlimit(v: &str, size: bool) -> Option<u64> {
    if v.eq_ignore_ascii_case("infinity") {
        return Some(u64::MAX);
    }
    if size {
        Bytes::parse(v).ok().map(Bytes::get)
    } else {
        v.parse().ok()
    }
}

/// `soft:hard` or one value for both.
fn soft_hard(v: &str, size: bool) -> Option<(u64, u64)> {
    match v.split_once(':') {
        Some((s, h)) => Some((rlimit(s.trim(), size)?, rlimit(h.trim(), size)?)),
        None => rlimit(v, size).map(|x| (x, x)),
    }
}

pub(crate) fn check(all: &[Setting], needs: &Needs) -> Vec<Finding> {
    let mut out = Vec::new();
    // An empty assignment resets the value to the default (systemd.exec(5)).
    let winning: Vec<Setting> =
        last_wins(all).into_iter().filter(|s| !s.value.is_empty()).collect();
    let get = |key: &str| winning.iter().find(|s| s.key == key);
    let nofile = get("Service.LimitNOFILE");
    let core = get("Service.LimitCORE");
    for (s, size) in [(nofile, false), (core, true)] {
        let Some(s) = s else { continue };
        let key = s.key.trim_start_matches("Service.");
        let Some((soft, hard)) = soft_hard(&s.value, size) else {
            out.push(
                rules::SYSTEMD_BAD_VALUE
                    .finding(format!("{key}={}: not a number, soft:hard pair or infinity", s.value))
                    .fix(format!("{key}=65536"))
                    .at(s.location.clone()),
            );
            continue;
        };
        if soft > hard {
            out.push(
                rules::SYSTEMD_SOFT_ABOVE_HARD
                    .finding(format!("{key}={}: the soft limit is above the hard one", s.value))
                    .fix(format!("{key}={hard}"))
                    .at(s.location.clone()),
            );
        }
        if !size {
            if let Some(need) = needs.nofile.filter(|&n| soft < n) {
                out.push(
                    rules::SYSTEMD_NOFILE_NEED
                        .finding(format!("LimitNOFILE={} gives the service {soft} open files; the plan needs {need}", s.value))
                        .fix(format!("LimitNOFILE={need}"))
                        .at(s.location.clone()),
                );
            }
        } else if needs.amps && soft > 0 {
            out.push(
                rules::SYSTEMD_CORE
                    .finding(format!("LimitCORE={}: a core of a large AMPS process takes minutes to hours to write", s.value))
                    .fix("LimitCORE=0")
                    .at(s.location.clone()),
            );
        }
    }
    if nofile.is_none() {
        if let Some(need) = needs.nofile.filter(|&n| n > 1024) {
            let mut f = rules::SYSTEMD_NOFILE_MISSING
                .finding(format!("no LimitNOFILE=: the service starts with 1024 open files (soft); the plan needs {need}"))
                .fix(format!("[Service]\nLimitNOFILE={need}"));
            if let Some(s) = all.first() {
                f = f.at(s.location.clone());
            }
            out.push(f);
        }
    }
    out
}
