//! /etc/security/limits.conf and limits.d/*.conf (`<domain> <type> <item>
//! <value>`, `-` sets soft and hard), and the text of /proc/PID/limits.
//! Settings are keyed `domain:soft|hard:item`; a later line wins.

use std::collections::HashMap;

use crate::finding::Finding;

use super::sysctl::{KernelView, NR_OPEN_DEFAULT};
use super::{at, at_col, last_wins, numbered, rules, Needs, Parsed, Setting};

/// The items pam_limits knows (limits.conf(5)).
const ITEMS: &[&str] = &[
    "core",
    "data",
    "fsize",
    "memlock",
    "nofile",
    "rss",
    "stack",
    "cpu",
    "nproc",
    "as",
    "maxlogins",
    "maxsyslogins",
    "nonewprivs",
    "priority",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
    "chroot",
];

/// `unlimited`, `infinity` and `-1` are no limit.
fn limit_value(v: &str) -> Option<u64> {
    match v.to_ascii_lowercase().as_str() {
        "unlimited" | "infinity" | "-1" => Some(u64::MAX),
        other => other.parse().ok(),
    }
}

fn show(v: u64) -> String {
    if v == u64::MAX {
        "unlimited".to_string()
    } else {
        v.to_string()
    }
}

pub(crate) fn parse(name: &str, text: &str) -> Parsed {
    let mut p = Parsed::default();
    for (n, raw) in numbered(text) {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [domain, kind, item, value] = fields[..] else {
            p.findings.push(
                rules::LIMITS_SYNTAX
                    .finding(format!("`{line}` needs four fields: domain, type, item, value"))
                    .fix("* soft nofile 65536")
                    .at(at(name, n)),
            );
            continue;
        };
        let kinds: &[&str] = match kind {
            "soft" => &["soft"],
            "hard" => &["hard"],
            "-" => &["soft", "hard"],
            _ => {
                p.findings.push(
                    rules::LIMITS_SYNTAX
                        .finding(format!("type `{kind}` is not soft, hard or -"))
                        .fix(format!("{domain} - {item} {value}"))
                        .at(at(name, n)),
                );
                continue;
            }
        };
        if !ITEMS.contains(&item) {
            p.findings.push(
                rules::LIMITS_UNKNOWN_ITEM
                    .finding(format!("`{item}` is not a limits.conf item; pam_limits ignores it"))
                    .at(at(name, n)),
            );
            continue;
        }
        if matches!(item, "nofile" | "core") && limit_value(value).is_none() {
            p.findings.push(
                rules::LIMITS_SYNTAX
                    .finding(format!("{item} value `{value}` is not a number or unlimited"))
                    .fix(format!("{domain} {kind} {item} 65536"))
                    .at(at(name, n)),
            );
            continue;
        }
        let col = raw.find(value).map_or(1, |c| c + 1);
        for k in kinds {
            p.settings.push(Setting {
                key: format!("{domain}:{k}:{item}"),
                value: value.to_string(),
                location: at_col(name, n, col),
            });
        }
    }
    p
}

/// A setting's key, `domain:type:item`, split from the right: a uid range
/// domain (`1000:2000`, `:1000`, `@1000:`) has colons of its own.
fn split_key(key: &str) -> Option<(&str, &str, &str)> {
    let mut parts = key.rsplitn(3, ':');
    let (item, kind, domain) = (parts.next()?, parts.next()?, parts.next()?);
    Some((domain, kind, item))
}

/// The nofile soft and hard limits that `user`'s login sessions get from
/// these limits.conf and limits.d files, given in the order pam_limits reads
/// them (pam_limits(8): limits.conf, then limits.d/*.conf in C order, "as if
/// all the files were concatenated"): per domain the last line wins, and
/// the result is the largest over the domains that may apply, so that a
/// line written from it never lowers a session. For a named user those are
/// its own lines, `*`, and the groups and uid ranges (whose membership is
/// not known here); for `*`, only `*` lines, since any other outranks it.
/// `unlimited` reads as `u64::MAX`; `None` where no line sets the limit.
pub fn session_nofile(files: &[(&str, &str)], user: &str) -> [Option<u64>; 2] {
    let mut last: HashMap<(String, &str), u64> = HashMap::new();
    for (name, text) in files {
        for s in parse(name, text).settings {
            let Some((domain, kind, "nofile")) = split_key(&s.key) else { continue };
            let applies = domain == user
                || domain == "*"
                || (user != "*" && (domain.starts_with('@') || domain.contains(':')));
            let kind = if kind == "soft" { "soft" } else { "hard" };
            if let (true, Some(v)) = (applies, limit_value(&s.value)) {
                last.insert((domain.to_string(), kind), v);
            }
        }
    }
    ["soft", "hard"].map(|kind| last.iter().filter(|((_, k), _)| *k == kind).map(|(_, &v)| v).max())
}

/// Value rules over every limits line of every file, in order.
pub(crate) fn check(
    all: &[Setting],
    kernel: &KernelView,
    needs: &Needs,
    has_unit: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let winning = last_wins(all);
    let nr_open = kernel.nr_open.unwrap_or(NR_OPEN_DEFAULT);
    let by_key: HashMap<&str, &Setting> = winning.iter().map(|s| (s.key.as_str(), s)).collect();
    let get = |domain: &str, kind: &str, item: &str| {
        by_key.get(format!("{domain}:{kind}:{item}").as_str()).copied()
    };
    for s in &winning {
        let Some((domain, kind, item)) = split_key(&s.key) else { continue };
        let Some(v) = limit_value(&s.value) else { continue };
        // limits.conf(5) (Linux-PAM 1.5): "If nofile is to be set to one of
        // these values [-1, unlimited, infinity], it will be set to the
        // contents of /proc/sys/fs/nr_open instead".
        let value = |v: u64| if item == "nofile" && v == u64::MAX { nr_open } else { v };
        let v = value(v);
        if kind == "soft" {
            if let Some(h) = get(domain, "hard", item) {
                if limit_value(&h.value).map(value).is_some_and(|hv| v > hv) {
                    out.push(
                        rules::LIMITS_SOFT_ABOVE_HARD
                            .finding(format!("{domain} soft {item} {} is above the hard limit {}: the soft limit is not applied", s.value, h.value))
                            .fix(format!("{domain} hard {item} {}", s.value))
                            .at(s.location.clone()),
                    );
                }
            }
        }
        if item == "nofile" && kind == "hard" && v > nr_open {
            out.push(
                rules::LIMITS_NOFILE_NR_OPEN
                    .finding(format!(
                        "{domain} hard nofile {} is above fs.nr_open = {nr_open}: setrlimit fails and pam_limits refuses the login",
                        s.value
                    ))
                    .fix(format!("fs.nr_open = {} (in /etc/sysctl.d/), or {domain} hard nofile {nr_open}", show(v)))
                    .at(s.location.clone()),
            );
        }
        if item == "nofile" {
            if let Some(need) = needs.nofile.filter(|&n| v < n) {
                out.push(
                    rules::LIMITS_NOFILE_NEED
                        .finding(format!("{domain} {kind} nofile {} is below the {need} open files the plan needs", s.value))
                        .fix(format!("{domain} {kind} nofile {need}"))
                        .at(s.location.clone()),
                );
            }
        }
        if item == "core" && kind == "soft" && needs.amps && v > 0 {
            out.push(
                rules::LIMITS_CORE_LARGE
                    .finding(format!("{domain} soft core {}: a core of a large AMPS process takes minutes to hours to write; AMPS writes a minidump when it crashes", s.value))
                    .at(s.location.clone()),
            );
        }
    }
    if !has_unit {
        if let Some(s) =
            winning.iter().find(|s| s.key.ends_with(":nofile") || s.key.ends_with(":core"))
        {
            out.push(
                rules::LIMITS_PAM_ONLY
                    .finding("limits.conf applies to PAM login sessions only: a service started by systemd does not get these limits")
                    .fix("[Service] LimitNOFILE=... and LimitCORE=... in /etc/systemd/system/<unit>.service.d/limits.conf")
                    .at(s.location.clone()),
            );
        }
    }
    out
}

/// /proc/PID/limits: the `Max open files` and `Max core file size` rows.
pub(crate) fn parse_proc(name: &str, text: &str, needs: &Needs) -> Parsed {
    let mut p = Parsed::default();
    for (n, line) in numbered(text) {
        let (item, rest) = if let Some(r) = line.strip_prefix("Max open files") {
            ("nofile", r)
        } else if let Some(r) = line.strip_prefix("Max core file size") {
            ("core", r)
        } else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let (Some(soft), Some(hard)) = (f.first().copied(), f.get(1).copied()) else {
            p.findings.push(
                rules::LIMITS_SYNTAX
                    .finding(format!("`{}`: no soft and hard values", line.trim()))
                    .at(at(name, n)),
            );
            continue;
        };
        let (Some(sv), Some(hv)) = (limit_value(soft), limit_value(hard)) else {
            p.findings.push(
                rules::LIMITS_SYNTAX
                    .finding(format!("`{}`: values are not numbers or unlimited", line.trim()))
                    .at(at(name, n)),
            );
            continue;
        };
        for (kind, v) in [("soft", soft), ("hard", hard)] {
            p.settings.push(Setting {
                key: format!("process:{kind}:{item}"),
                value: v.to_string(),
                location: at(name, n),
            });
        }
        if item == "nofile" {
            if let Some(need) = needs.nofile.filter(|&need| sv < need) {
                p.findings.push(
                    rules::LIMITS_NOFILE_NEED
                        .finding(format!(
                            "the process runs with {soft} open files (soft); the plan needs {need}"
                        ))
                        .fix(format!(
                            "{} in the service's unit, then restart it",
                            super::systemd::limit_nofile(sv, hv, need)
                        ))
                        .at(at(name, n)),
                );
            }
        }
        if item == "core" && needs.amps && sv > 0 {
            p.findings.push(
                rules::LIMITS_CORE_LARGE
                    .finding(format!("the process may write a core of up to {} bytes; for a large AMPS process that takes minutes to hours, and AMPS writes a minidump when it crashes", show(sv)))
                    .at(at(name, n)),
            );
        }
    }
    p
}
