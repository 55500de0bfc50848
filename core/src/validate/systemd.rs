//! systemd unit files and drop-ins: `[Section]` headers, `Key=value` lines,
//! backslash continuation (systemd.syntax(7)). Values are kept as written
//! (quotes, `%i` specifiers, `-`/`+`/`!` prefixes of Exec lines are
//! systemd's business, not errors). Only the resource limits are checked
//! (LimitNOFILE=, LimitCORE=); a unit's drop-ins override it
//! (systemd.unit(5), "drop-in" directories).

use crate::finding::Finding;
use crate::units::Bytes;

use super::detect::unit_name;
use super::sysctl::{KernelView, NR_OPEN_DEFAULT};
use super::{at, at_col, last_wins, numbered, rules, FileReport, Format, Needs, Parsed, Setting};

/// Logical lines: a line ending in a backslash goes on in the next one, the
/// backslash read as a space, and comment lines inside such a run are
/// skipped (systemd.syntax(7), "Lines ending in a backslash are
/// concatenated with the following line"). Each comes with its first line's
/// number and text.
fn logical_lines(text: &str) -> Vec<(u32, &str, String)> {
    let mut out: Vec<(u32, &str, String)> = Vec::new();
    let mut open = false;
    for (n, raw) in numbered(text) {
        let t = raw.trim();
        if open && (t.starts_with('#') || t.starts_with(';')) {
            continue;
        }
        let (body, more) = match raw.trim_end().strip_suffix('\\') {
            Some(b) => (b, true),
            None => (raw, false),
        };
        match out.last_mut().filter(|_| open) {
            Some((_, _, joined)) => {
                joined.push(' ');
                joined.push_str(body);
            }
            None => out.push((n, raw, body.to_string())),
        }
        open = more;
    }
    out
}

pub(crate) fn parse(name: &str, text: &str) -> Parsed {
    let mut p = Parsed::default();
    let mut section = String::new();
    let mut any = false;
    for (n, raw, joined) in logical_lines(text) {
        let line = joined.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        any = true;
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
                    .finding(format!("`{}` is not `Key=value`", cut(line)))
                    .at(at(name, n)),
            );
            continue;
        };
        let key = key.trim();
        if section.is_empty() {
            p.findings.push(
                rules::SYSTEMD_SYNTAX
                    .finding(format!("{}= comes before any [Section] header", cut(key)))
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
    if !any {
        p.findings.push(
            rules::SYSTEMD_EMPTY
                .finding(format!("{name} sets nothing (only comments or blank lines): systemd reads it and nothing changes"))
                .at(at(name, 1)),
        );
    }
    p
}

/// A line quoted in a message, cut to a few dozen characters.
fn cut(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// The report for a masked unit (a link to /dev/null): systemd refuses to
/// start it, and there is nothing in it to check.
pub fn masked(name: &str) -> FileReport {
    FileReport {
        name: name.to_string(),
        format: Some(Format::Systemd),
        detected: true,
        findings: vec![rules::SYSTEMD_MASKED
            .finding(format!(
                "{name} links to /dev/null: the unit is masked and systemd will not start it"
            ))
            .at(at(name, 1))],
        values: Vec::new(),
    }
}

/// The systemd files given, grouped as systemd combines them: each unit
/// with the drop-ins of its `UNIT.d/` directories (a template's `x@.service.d`
/// also applies to `x@i.service`), the unit file first and drop-ins in file
/// name order (systemd.unit(5), "drop-in" directories). A file whose path
/// names no unit (a pasted unit, a bare `override.conf`) belongs to the unit
/// before it, or stands alone when it comes first.
pub(crate) fn groups(files: &[(&str, &[Setting])]) -> Vec<Vec<Setting>> {
    // A unit and its files: (is a drop-in, base name, settings).
    type Files<'a> = Vec<(bool, &'a str, &'a [Setting])>;
    let mut groups: Vec<(Option<String>, Files<'_>)> = Vec::new();
    for &(name, settings) in files {
        let unit = unit_name(name);
        let base = name.rsplit('/').next().unwrap_or(name);
        let dropin = unit.is_some_and(|u| u != base);
        let template = |g: &str, u: &str| {
            u.split_once("@.").is_some_and(|(pre, suf)| {
                g.starts_with(&format!("{pre}@")) && g.ends_with(&format!(".{suf}"))
            })
        };
        let slot = match unit {
            Some(u) => groups.iter_mut().position(|(g, _)| {
                g.as_deref().is_some_and(|g| g == u || (dropin && template(g, u)))
            }),
            None => groups.len().checked_sub(1),
        };
        let entry = (dropin || unit.is_none(), base, settings);
        match slot {
            Some(i) => groups[i].1.push(entry),
            None => groups.push((unit.map(str::to_string), vec![entry])),
        }
    }
    groups
        .into_iter()
        .map(|(_, mut files)| {
            // Stable: the unit file (not a drop-in) first, drop-ins by name.
            files.sort_by(|a, b| {
                (a.0, if a.0 { a.1 } else { "" }).cmp(&(b.0, if b.0 { b.1 } else { "" }))
            });
            files.into_iter().flat_map(|(_, _, s)| s.iter().cloned()).collect()
        })
        .collect()
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

/// systemd's DefaultLimitNOFILE=1024:524288 (v240 on, systemd-system.conf(5)):
/// the soft and hard open-files limits of a unit without LimitNOFILE=.
pub const DEFAULT_LIMIT_NOFILE: [u64; 2] = [1024, 524_288];

/// `LimitNOFILE=` raised to `need` from the service's `soft` and `hard`
/// limits: each only rises, so a hard limit above the need is kept (a
/// single value would set both to it and lower the hard one), and the hard
/// one at least to the soft one, which systemd requires.
pub(crate) fn limit_nofile(soft: u64, hard: u64, need: u64) -> String {
    let show = |v: u64| if v == u64::MAX { "infinity".to_string() } else { v.to_string() };
    let soft = soft.max(need);
    let hard = hard.max(soft);
    if soft == hard {
        format!("LimitNOFILE={}", show(soft))
    } else {
        format!("LimitNOFILE={}:{}", show(soft), show(hard))
    }
}

/// The limits of one unit with its drop-ins (one of [`groups`]).
pub(crate) fn check(all: &[Setting], kernel: &KernelView, needs: &Needs) -> Vec<Finding> {
    let mut out = Vec::new();
    // An empty assignment resets the value to the default (systemd.exec(5)).
    let winning: Vec<Setting> =
        last_wins(all).into_iter().filter(|s| !s.value.is_empty()).collect();
    let get = |key: &str| winning.iter().find(|s| s.key == key);
    let nofile = get("Service.LimitNOFILE");
    let core = get("Service.LimitCORE");
    let nr_open = kernel.nr_open.unwrap_or(NR_OPEN_DEFAULT);
    for (s, size) in [(nofile, false), (core, true)] {
        let Some(s) = s else { continue };
        let key = s.key.trim_start_matches("Service.");
        let Some((soft, hard)) = soft_hard(&s.value, size) else {
            out.push(
                rules::SYSTEMD_BAD_VALUE
                    .finding(format!(
                        "{key}={}: not a number, soft:hard pair or infinity",
                        cut(&s.value)
                    ))
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
            // systemd cannot give more than fs.nr_open: infinity becomes it.
            let given = soft.min(nr_open);
            if s.value.to_ascii_lowercase().contains("infinity") {
                // Only what is infinite comes down, to the kernel's own
                // ceiling (fs.nr_open's default) or the need if larger.
                let cap = |v: u64| if v == u64::MAX { nr_open.min(NR_OPEN_DEFAULT) } else { v };
                let need = needs.nofile.unwrap_or(0).max(1024);
                out.push(
                    rules::SYSTEMD_NOFILE_INFINITY
                        .finding(format!(
                            "LimitNOFILE={}: systemd sets the limit to fs.nr_open ({nr_open} here; about 2^30 on hosts that raise it): programs that close or poll every possible descriptor at start-up then take seconds to minutes, and select() breaks above 1024",
                            s.value
                        ))
                        .fix(limit_nofile(cap(soft), cap(hard), need))
                        .at(s.location.clone()),
                );
            }
            if let Some(need) = needs.nofile.filter(|&n| given < n) {
                out.push(
                    rules::SYSTEMD_NOFILE_NEED
                        .finding(format!("LimitNOFILE={} gives the service {given} open files; the plan needs {need}", s.value))
                        .fix(limit_nofile(soft, hard, need))
                        .at(s.location.clone()),
                );
            }
        } else if needs.amps && soft > 0 {
            out.push(
                rules::SYSTEMD_CORE
                    .finding(format!("LimitCORE={}: a core of a large AMPS process takes minutes to hours to write; AMPS writes a minidump when it crashes", s.value))
                    .at(s.location.clone()),
            );
        }
    }
    if nofile.is_none() {
        let [soft, hard] = DEFAULT_LIMIT_NOFILE;
        if let Some(need) = needs.nofile.filter(|&n| n > soft) {
            // The hard limit the service has now: the host's, else systemd's.
            let hard = kernel.nofile_hard.unwrap_or(hard);
            let mut f = rules::SYSTEMD_NOFILE_MISSING
                .finding(format!("no LimitNOFILE=: the service starts with {soft} open files (soft); the plan needs {need}"))
                .fix(format!("[Service]\n{}", limit_nofile(soft, hard, need)));
            if let Some(s) = all.first() {
                f = f.at(s.location.clone());
            }
            out.push(f);
        }
    }
    out
}
