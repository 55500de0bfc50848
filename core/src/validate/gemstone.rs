//! GemStone/S and MagLev: `system.conf` (`NAME = value;`, `#` comments) and
//! the logs a failed start leaves (startstone output, the stone log, the
//! `*pcmon.log` of the shared page cache monitor).
//!
//! Source: "Maglev on AWS t1.micro" (2014): SHR_PAGE_CACHE_SIZE_KB defaulted to
//! 1000000 on a 613 MB host, shmget() failed with EINVAL in the pcmon log, and
//! 307200 fixed it. The errno meanings are shmget(2)'s.

use crate::finding::Finding;
use crate::gemstone;
use crate::host::Host;
use crate::units::Bytes;

use super::{at, at_col, numbered, rules, Parsed, Setting};

const CACHE_KEY: &str = "SHR_PAGE_CACHE_SIZE_KB";

pub(crate) fn check_conf(name: &str, text: &str, host: Option<&Host>) -> Parsed {
    let mut p = Parsed::default();
    for (n, raw) in numbered(text) {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            p.findings.push(
                rules::GEMSTONE_SYNTAX
                    .finding(format!("`{line}` is not `NAME = value;`"))
                    .at(at(name, n)),
            );
            continue;
        };
        let value = value.trim();
        let Some(value) = value.strip_suffix(';') else {
            p.findings.push(
                rules::GEMSTONE_SYNTAX
                    .finding(format!("{} = {value} does not end with `;`", key.trim()))
                    .fix(format!("{} = {value};", key.trim()))
                    .at(at(name, n)),
            );
            continue;
        };
        let col = raw.find('=').map_or(1, |c| c + 2);
        p.settings.push(Setting {
            key: key.trim().to_string(),
            value: value.trim().to_string(),
            location: at_col(name, n, col),
        });
    }
    let Some(s) = p.settings.iter().rev().find(|s| s.key == CACHE_KEY).cloned() else {
        return p;
    };
    let Ok(kb) = s.value.parse::<u64>() else {
        p.findings.push(
            rules::GEMSTONE_SYNTAX
                .finding(format!("{CACHE_KEY} = {}: not a whole number of KB", s.value))
                .fix(format!("{CACHE_KEY} = {};", recommended(host)))
                .at(s.location),
        );
        return p;
    };
    if let Some(h) = host {
        p.findings.extend(page_cache(kb, h, &s));
    }
    p
}

/// The cache size to suggest: computed from the host when it is known
/// ([`gemstone::recommended_kb`]), otherwise how to compute it.
fn recommended(host: Option<&Host>) -> String {
    match host {
        Some(h) => gemstone::recommended_kb(h).to_string(),
        None => "<half of RAM in KiB; dumptool check --plan computes it>".to_string(),
    }
}

/// The page cache's segment ([`crate::gemstone::segment_size`]) against RAM,
/// shmmax and shmall, as [`crate::gemstone::segment_vs_host`] judges it; here
/// each finding gets the system.conf line and a fix for this file.
fn page_cache(kb: u64, host: &Host, s: &Setting) -> Vec<Finding> {
    let Some(segment) = gemstone::segment_size(kb) else {
        return vec![rules::GEMSTONE_SYNTAX
            .finding(format!("{CACHE_KEY} = {kb}: too large to be a shared memory segment"))
            .fix(format!("{CACHE_KEY} = {};", gemstone::recommended_kb(host)))
            .at(s.location.clone())];
    };
    let recommended = format!("{CACHE_KEY} = {};", gemstone::recommended_kb(host));
    // The calculator raises this table's rules: a plan and a check agree.
    gemstone::segment_vs_host(&gemstone::SEGMENT_RULES, Bytes(segment), host)
        .into_iter()
        .map(|mut f| {
            // Too big for RAM: the fix is a smaller cache, not a kernel setting.
            f.fix = Some(match f.fix.take() {
                Some(kernel) if f.id != gemstone::SEGMENT_RULES.ram.id => {
                    format!("{recommended} (or {kernel})")
                }
                _ => recommended.clone(),
            });
            f.message = format!("{CACHE_KEY} = {kb}: {}", f.message);
            f.at(s.location.clone())
        })
        .collect()
}

/// shmget() errno names and numbers (Linux, asm-generic/errno-base.h).
const ERRNOS: &[(&str, u32, rules::Rule, &str)] = &[
    ("EINVAL", 22, rules::GEMSTONE_LOG_EINVAL, "the cache is larger than kernel.shmmax (or smaller than SHMMIN): lower SHR_PAGE_CACHE_SIZE_KB in system.conf below shmmax and RAM, or raise kernel.shmmax"),
    ("ENOSPC", 28, rules::GEMSTONE_LOG_ENOSPC, "all shared memory allowed by kernel.shmall (pages) or kernel.shmmni is taken: raise kernel.shmall, or lower SHR_PAGE_CACHE_SIZE_KB"),
    ("ENOMEM", 12, rules::GEMSTONE_LOG_ENOMEM, "the kernel could not allocate the segment: lower SHR_PAGE_CACHE_SIZE_KB or free memory"),
    ("EACCES", 13, rules::GEMSTONE_LOG_EACCES, "a segment with this key belongs to another user: start the stone as the cache's owner, or remove the stale segment with ipcrm"),
    ("EEXIST", 17, rules::GEMSTONE_LOG_EEXIST, "a stale segment with this key exists: stop every GemStone process and remove it with ipcrm"),
];

/// Finds a shmget() failure in startstone output, a stone log or a pcmon log.
pub(crate) fn check_log(name: &str, text: &str, host: Option<&Host>) -> Parsed {
    let mut p = Parsed::default();
    let lines: Vec<(u32, &str)> = numbered(text).collect();
    let key = text
        .split("memory key")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map(|k| k.trim_end_matches(['.', ',']).to_string());
    for (i, &(n, line)) in lines.iter().enumerate() {
        if !line.contains("shmget") {
            continue;
        }
        // The errno may wrap onto the next line in the boxed log format.
        let window: String = lines[i..lines.len().min(i + 2)].iter().map(|(_, l)| *l).collect();
        let hit = ERRNOS.iter().find(|(sym, num, _, _)| {
            window.contains(sym)
                || window.contains(&format!("errno={num},"))
                || window.contains(&format!("errno={num} "))
        });
        let Some((sym, num, rule, advice)) = hit else { continue };
        let col = line.find("shmget").map_or(1, |c| c + 1);
        let mut fix = (*advice).to_string();
        if matches!(*sym, "EINVAL" | "ENOSPC" | "ENOMEM") {
            fix.push_str(&format!(": SHR_PAGE_CACHE_SIZE_KB = {};", recommended(host)));
        }
        if let (Some(k), "EEXIST" | "EACCES") = (&key, *sym) {
            fix.push_str(&format!(": ipcrm -M {k}"));
        }
        p.findings.push(
            rule.finding(format!("shmget() failed with errno={num} ({sym}): GemStone could not create the shared page cache"))
                .fix(fix)
                .at(super::at_col(name, n, col)),
        );
        return p;
    }
    let hint = lines.iter().find(|(_, l)| {
        l.contains("Monitor process") || l.contains("cache page server") || l.contains("has died")
    });
    let f = rules::GEMSTONE_LOG_NONE
        .finding(
            "no shmget() error in this log: the cause is in the shared page cache monitor's log",
        )
        .fix("read <stone>_<pid>pcmon.log in the same log directory and check it here");
    p.findings.push(match hint {
        Some(&(n, _)) => f.at(at(name, n)),
        None => f.at(at(name, 1)),
    });
    p
}
