//! Renderers: the summary as text, Markdown or JSON (`analyze`), and the
//! support-ticket report (`report`). Pure and deterministic: the same dump
//! gives the same bytes, with no clock and no host name in them.

use std::fmt::Write as _;

use headroom_core::units::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::corelimit;
use crate::summary::{Frame, Summary, Thread};

/// Frames of each thread shown in text and Markdown (JSON has all).
pub const MAX_FRAMES: usize = 40;

/// Whose stacks text and Markdown show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stacks {
    /// Every thread's: for a hang each one matters.
    #[default]
    All,
    /// Only the crashing (or requesting) thread's; the others by top frame.
    Blamed,
}

/// The attachment for a support ticket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The dump's file name (no directory: the report must not depend on
    /// where the file was put).
    pub file: String,
    pub size: u64,
    pub sha256: String,
    /// What wrote the dump, and when (from the dump's header).
    pub captured_by: String,
    pub captured_at: Option<String>,
    /// The core-limit verdict, when the dump holds the process's limits.
    pub core_limit: Option<String>,
    pub summary: Summary,
}

impl Report {
    pub fn new(file: &str, bytes: &[u8], summary: Summary) -> Report {
        let core_limit =
            summary.core_limit().map(|(soft, hard)| corelimit::dump_verdict(soft, hard));
        Report {
            file: file.to_string(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            captured_by: summary.producer.clone(),
            captured_at: summary.captured_at.clone(),
            core_limit,
            summary,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn to_markdown(&self) -> String {
        let s = &self.summary;
        let mut out = String::new();
        let who = s.process.name.as_deref().unwrap_or("unknown process");
        let title = match (&s.crash, &s.incomplete) {
            (Some(_), _) => "Crash report",
            (None, Some(_)) => "Dump report (incomplete)",
            (None, None) => "Dump requested",
        };
        let _ = writeln!(out, "# {title}: {}\n", md_cell(who));
        let _ = writeln!(out, "| | |\n|---|---|");
        let _ = writeln!(out, "| File | `{}` |", self.file);
        let _ = writeln!(out, "| Size | {} bytes ({}) |", self.size, Bytes(self.size).binary());
        let _ = writeln!(out, "| SHA-256 | `{}` |", self.sha256);
        let _ = writeln!(out, "| Format | {} |", s.format);
        let _ = writeln!(out, "| Captured by | {} |", self.captured_by);
        if let Some(at) = &self.captured_at {
            let _ = writeln!(out, "| Captured at | {at} |");
        }
        if let Some(v) = &self.core_limit {
            let _ = writeln!(out, "| Core limit | {} |", md_cell(v));
        }
        let _ = writeln!(out, "| Redacted values | {} |", s.redacted);
        out.push('\n');
        out.push_str(&summary_markdown(s, Stacks::All));
        out
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_digest(Sha256::new_with_prefix(bytes))
}

/// A SHA-256 fed in pieces, as [`sha256_hex`] writes it.
pub fn hex_digest(hash: Sha256) -> String {
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn frame_line(i: usize, f: &Frame) -> String {
    let mut line = format!("#{i:<2} {}", f.instruction);
    match (&f.module, &f.function) {
        (Some(m), Some(func)) => {
            let _ = write!(line, " {m}!{func}");
        }
        (Some(m), None) => {
            let _ = write!(line, " {m} + {:#x}", f.module_offset.map_or(0, |o| o.0));
        }
        (None, Some(func)) => {
            let _ = write!(line, " {func}");
        }
        (None, None) => {}
    }
    if let Some(src) = &f.source {
        let _ = write!(line, " ({src})");
    }
    let _ = write!(line, " [{}]", f.trust);
    line
}

/// `zstd`, or `apport report (Package: coreutils 9.1-1, Signal: 11)`.
fn store_line(store: &crate::summary::Store) -> String {
    if store.fields.is_empty() {
        return store.wrapping.clone();
    }
    let fields: Vec<String> = store.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{} ({})", store.wrapping, fields.join(", "))
}

/// `Crashing thread 0 (...)`, or `Requested thread` when nothing crashed.
fn blamed_label(s: &Summary, i: usize, t: &Thread) -> String {
    let role = if s.crash.is_some() { "Crashing" } else { "Requested" };
    format!("{role} {}", thread_label(i, t))
}

/// The frames of one thread, `indent` before each, at most [`MAX_FRAMES`].
fn stack_lines(out: &mut String, t: &Thread, indent: &str) {
    if t.frames.is_empty() {
        let _ = writeln!(out, "{indent}(no stack in the dump)");
    }
    for (n, f) in t.frames.iter().enumerate().take(MAX_FRAMES) {
        let _ = writeln!(out, "{indent}{}", frame_line(n, f));
    }
    if t.frames.len() > MAX_FRAMES {
        let _ = writeln!(out, "{indent}... {} more frames", t.frames.len() - MAX_FRAMES);
    }
}

fn process_line(s: &Summary) -> String {
    let who = s.process.name.as_deref().unwrap_or("unknown");
    let pid = s.process.pid.map_or(String::new(), |p| format!(" (pid {p})"));
    format!("{who}{pid}")
}

fn thread_label(i: usize, t: &Thread) -> String {
    match &t.name {
        Some(n) => format!("thread {i} (tid {}, \"{n}\")", t.id),
        None => format!("thread {i} (tid {})", t.id),
    }
}

fn top_frame(t: &Thread) -> String {
    t.frames.first().map_or_else(String::new, |f| {
        let l = frame_line(0, f);
        l.split_once(' ').map_or(l.clone(), |(_, rest)| rest.trim_start().to_string())
    })
}

fn system_line(s: &Summary) -> String {
    let sys = &s.system;
    let mut line = sys.os.clone();
    if let Some(v) = &sys.os_version {
        let _ = write!(line, " {v}");
    }
    let _ = write!(line, ", {}", sys.cpu);
    if sys.cpu_count > 0 {
        let cpus = if sys.cpu_count == 1 { "CPU" } else { "CPUs" };
        let _ = write!(line, ", {} {cpus}", sys.cpu_count);
    }
    if let Some(info) = &sys.cpu_info {
        let _ = write!(line, " ({info})");
    }
    line
}

fn crash_line(s: &Summary) -> String {
    match &s.crash {
        Some(c) => match c.address {
            Some(a) => format!("{} at {a}", c.reason),
            None => c.reason.clone(),
        },
        None if s.incomplete.is_some() => {
            "unknown: not in the part of the dump that is there".into()
        }
        None => "no crash: the dump was requested (e.g. a live capture)".into(),
    }
}

/// The summary as plain text, for a terminal, every thread's stack.
pub fn summary_text(s: &Summary) -> String {
    summary_text_with(s, Stacks::All)
}

/// The summary as plain text, with the stacks `stacks` asks for.
pub fn summary_text_with(s: &Summary, stacks: Stacks) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Dump:      {} written by {}", s.format, s.producer);
    if let Some(store) = &s.store {
        let _ = writeln!(out, "Unpacked:  {}", store_line(store));
    }
    if let Some(i) = &s.incomplete {
        let _ = writeln!(out, "WARNING:   {i}. Only what was there is shown below.");
    }
    if let Some(at) = &s.captured_at {
        let _ = writeln!(out, "Captured:  {at}");
    }
    let _ = writeln!(out, "System:    {}", system_line(s));
    let _ = writeln!(out, "Process:   {}", process_line(s));
    if let Some(exe) = &s.process.executable {
        let _ = writeln!(out, "Program:   {exe}");
    }
    if !s.process.command_line.is_empty() {
        let _ = writeln!(out, "Command:   {}", s.process.command_line.join(" "));
    }
    let _ = writeln!(out, "Crash:     {}", crash_line(s));
    if let Some(sig) = &s.signature {
        let _ = writeln!(out, "Signature: {sig}");
    }
    for k in &s.known_issues {
        let _ = writeln!(out, "Known issue: {} [{}]\n  {}", k.title, k.id, k.advice);
        if let Some(link) = &k.link {
            let _ = writeln!(out, "  {link}");
        }
    }
    if let (Some(i), Some(t)) = (s.crashing_thread, s.crashing()) {
        let _ = writeln!(out, "\n{}:", blamed_label(s, i, t));
        stack_lines(&mut out, t, "  ");
        if !t.registers.is_empty() {
            let regs: Vec<String> =
                t.registers.iter().map(|r| format!("{}={}", r.name, r.value)).collect();
            let _ = writeln!(out, "  registers: {}", regs.join(" "));
        }
    }
    let _ = writeln!(out, "\nThreads ({}):", s.threads.len());
    for (i, t) in s.threads.iter().enumerate() {
        let mark = if Some(i) == s.crashing_thread { "*" } else { " " };
        let name = t.name.as_deref().unwrap_or("");
        let _ = writeln!(out, " {mark}{i:>3}  tid {:<8} {name:<16} {}", t.id, top_frame(t));
    }
    if stacks == Stacks::All {
        for (i, t) in s.threads.iter().enumerate().filter(|(i, _)| Some(*i) != s.crashing_thread) {
            let _ = writeln!(out, "\n{}:", thread_label(i, t));
            stack_lines(&mut out, t, "  ");
        }
    }
    let _ = writeln!(out, "\nModules ({}):", s.modules.len());
    for m in &s.modules {
        let _ = writeln!(
            out,
            "  {}  {:>10}  {:<28} code {}  debug {} {}{}",
            m.base,
            m.size,
            m.name,
            m.code_id.as_deref().unwrap_or("-"),
            m.debug_file.as_deref().unwrap_or("-"),
            m.debug_id.as_deref().unwrap_or("-"),
            m.package.as_ref().map_or(String::new(), |p| format!("  package {p}")),
        );
    }
    if let Some(l) = &s.linux {
        if let Some((soft, hard)) = s.core_limit() {
            let _ = writeln!(out, "\nCore limit: {}", corelimit::dump_verdict(soft, hard));
        }
        if !l.environ.is_empty() {
            let _ = writeln!(out, "\nEnvironment ({}):", l.environ.len());
            for e in &l.environ {
                let _ = writeln!(out, "  {}={}", e.name, e.value);
            }
        }
        if !l.limits.is_empty() {
            let _ = writeln!(out, "\nLimits:");
            for lim in &l.limits {
                let _ = writeln!(
                    out,
                    "  {:<26} {:>20} {:>20} {}",
                    lim.name, lim.soft, lim.hard, lim.unit
                );
            }
        }
        if !l.status.is_empty() {
            let _ = writeln!(out, "\nStatus:");
            for (k, v) in &l.status {
                let _ = writeln!(out, "  {k}: {v}");
            }
        }
        if !l.os_release.is_empty() {
            let _ = writeln!(out, "\nOS release:");
            for (k, v) in &l.os_release {
                let _ = writeln!(out, "  {k}={v}");
            }
        }
        if l.maps > 0 {
            let _ = writeln!(out, "\nMappings: {}", l.maps);
        }
        if !l.auxv.is_empty() {
            let aux: Vec<String> = l.auxv.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(out, "Auxv: {}", aux.join(" "));
        }
    }
    if s.redacted > 0 {
        let _ =
            writeln!(out, "\n{} values shown as [REDACTED] (see docs/redaction.md).", s.redacted);
    }
    out
}

/// The summary as Markdown, for a ticket or a wiki page.
pub fn summary_markdown(s: &Summary, stacks: Stacks) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Summary\n");
    if let Some(store) = &s.store {
        let _ = writeln!(out, "- **Unpacked:** {}", md_cell(&store_line(store)));
    }
    if let Some(i) = &s.incomplete {
        let _ = writeln!(
            out,
            "> **Incomplete dump:** {}. Only what was there is shown.\n",
            md_cell(&i.to_string())
        );
    }
    let _ = writeln!(out, "- **System:** {}", system_line(s));
    let _ = writeln!(out, "- **Process:** {}", md_cell(&process_line(s)));
    if let Some(exe) = &s.process.executable {
        let _ = writeln!(out, "- **Program:** `{}`", exe.replace('`', "'"));
    }
    if !s.process.command_line.is_empty() {
        let _ = writeln!(
            out,
            "- **Command:** `{}`",
            s.process.command_line.join(" ").replace('`', "'")
        );
    }
    let _ = writeln!(out, "- **Crash:** {}", crash_line(s));
    if let Some(sig) = &s.signature {
        let _ = writeln!(out, "- **Signature:** `{}`", sig.replace('`', "'"));
    }
    for k in &s.known_issues {
        let link = k.link.as_ref().map_or(String::new(), |l| format!(" ({l})"));
        let _ = writeln!(
            out,
            "- **Known issue:** {} [{}]: {}{link}",
            k.title,
            k.id,
            md_cell(&k.advice)
        );
    }
    if let (Some(i), Some(t)) = (s.crashing_thread, s.crashing()) {
        let _ = writeln!(out, "\n## {}\n\n```", md_cell(&blamed_label(s, i, t)));
        stack_lines(&mut out, t, "");
        let _ = writeln!(out, "```");
    }
    let _ = writeln!(
        out,
        "\n## Threads ({})\n\n| # | tid | name | top frame |\n|---|---|---|---|",
        s.threads.len()
    );
    let blamed = if s.crash.is_some() { " (crashed)" } else { " (requested)" };
    for (i, t) in s.threads.iter().enumerate() {
        let mark = if Some(i) == s.crashing_thread { blamed } else { "" };
        let _ = writeln!(
            out,
            "| {i}{mark} | {} | {} | `{}` |",
            t.id,
            md_cell(t.name.as_deref().unwrap_or("")),
            md_cell(&top_frame(t))
        );
    }
    if stacks == Stacks::All {
        for (i, t) in s.threads.iter().enumerate().filter(|(i, _)| Some(*i) != s.crashing_thread) {
            let _ = writeln!(out, "\n### {}\n\n```", md_cell(&thread_label(i, t)));
            stack_lines(&mut out, t, "");
            let _ = writeln!(out, "```");
        }
    }
    let _ = writeln!(
        out,
        "\n## Modules ({})\n\n| base | size | name | code id | debug file | debug id |\n|---|---|---|---|---|---|",
        s.modules.len()
    );
    for m in &s.modules {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            m.base,
            m.size,
            md_cell(&match &m.package {
                Some(p) => format!("{} ({p})", m.name),
                None => m.name.clone(),
            }),
            m.code_id.as_deref().unwrap_or(""),
            md_cell(m.debug_file.as_deref().unwrap_or("")),
            m.debug_id.as_deref().unwrap_or("")
        );
    }
    if let Some(l) = &s.linux {
        if !l.environ.is_empty() {
            let _ = writeln!(out, "\n## Environment\n\n```");
            for e in &l.environ {
                let _ = writeln!(out, "{}={}", e.name, e.value);
            }
            let _ = writeln!(out, "```");
        }
        if !l.limits.is_empty() {
            let _ =
                writeln!(out, "\n## Limits\n\n| limit | soft | hard | unit |\n|---|---|---|---|");
            for lim in &l.limits {
                let _ =
                    writeln!(out, "| {} | {} | {} | {} |", lim.name, lim.soft, lim.hard, lim.unit);
            }
        }
        if !l.status.is_empty() {
            let _ = writeln!(out, "\n## Status\n\n```");
            for (k, v) in &l.status {
                let _ = writeln!(out, "{k}: {v}");
            }
            let _ = writeln!(out, "```");
        }
        if !l.os_release.is_empty() {
            let _ = writeln!(out, "\n## OS release\n\n```");
            for (k, v) in &l.os_release {
                let _ = writeln!(out, "{k}={v}");
            }
            let _ = writeln!(out, "```");
        }
    }
    out
}

/// The summary as pretty JSON.
pub fn summary_json(s: &Summary) -> String {
    let mut out = serde_json::to_string_pretty(s).unwrap_or_default();
    out.push('\n');
    out
}
