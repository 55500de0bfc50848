//! `dumptool check FILES...` and `dumptool check --live [--pid PID]`: run the
//! core's validators over config files, or over what the running host reads
//! (/proc/sys, sysctl.d, limits.d, the service's unit files, /proc/PID/limits).
//! The checks are in [`headroom_core::validate`]; this module reads files and
//! prints.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use headroom_core::finding::{Finding, Severity};
use headroom_core::host::Host;
use headroom_core::plan::Plan;
use headroom_core::validate::{self, Context, DbVersion, Format, Needs, Report};

use crate::exit::{self, Failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
#[command(after_help = CHECK_HELP)]
pub struct CheckArgs {
    /// Config files to check, in the order the system reads them.
    #[arg(required_unless_present = "live", conflicts_with = "live")]
    pub files: Vec<PathBuf>,
    /// A plan (TOML or JSON, as `dumptool plan` reads): its `[host]` gives
    /// RAM, page size and kernel values, and its calculators what the
    /// services need (nofile, fs.file-max, segment sizes ...). A bare host
    /// profile works too.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Force the format of every file: sysctl, limits, proc-limits, systemd,
    /// gemstone-conf, gemstone-log, mycnf, aerospike, ipcs, amps-xml.
    #[arg(long = "as", value_name = "FORMAT")]
    pub as_format: Option<String>,
    /// MySQL or MariaDB version for the my.cnf rules, e.g. 8.0.36 or "mariadb 10.11".
    #[arg(long, value_name = "VERSION")]
    pub db_version: Option<String>,
    /// The host runs AMPS: apply its kernel minimums, and note where a core
    /// of a large instance would be slow to write.
    #[arg(long)]
    pub amps: bool,
    /// Open files the service needs (nofile): at most 2147483584, the most
    /// a Linux process can have (fs.nr_open's ceiling).
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=headroom_core::connections::NR_OPEN_MAX))]
    pub nofile: Option<u64>,
    /// Check the running host: /proc/sys, /etc/sysctl.conf and sysctl.d,
    /// limits.conf and limits.d (Linux).
    #[arg(long)]
    pub live: bool,
    /// With --live: also this process's /proc/PID/limits and its systemd
    /// unit's files and drop-ins.
    #[arg(long, value_name = "PID", requires = "live")]
    pub pid: Option<u32>,
}

/// The text after `dumptool check --help`'s options; a test pins it.
pub const CHECK_HELP: &str = "\
Files are combined as the system combines them, and a later setting wins:
sysctl.d files by name with /etc over /run over /usr/lib (a same-named file
elsewhere is masked), limits.conf before limits.d by name, other files in the
order given; each systemd unit with the drop-ins of its own UNIT.d/ directory
(unrelated units are judged apart); my.cnf files as one server configuration,
in the order given (--live follows !include and !includedir). Formats come
from the path where the program reads by path (.service, UNIT.d/, sysctl.d/,
limits.d/, .cnf), otherwise from the content; --as forces one. `-` reads
standard input. Only regular files are read (a unit linked to /dev/null is
reported as masked), at most 4 MiB each.

Examples:
  dumptool check /etc/sysctl.conf /etc/security/limits.conf
  dumptool check --live --pid $(pidof mysqld) --plan examples/vps-256mb.toml
  dumptool check /etc/mysql/my.cnf --db-version 8.0.36 --format json

Exit codes: 0 no error findings (warnings and advice may be printed), 1 error
findings, 2 bad input (a file that cannot be read, is not a regular file, is
too large or is in no format Headroom recognises; a bad plan or option).";

/// A file to check: its name as shown, and its text.
struct Input {
    name: String,
    text: String,
    format: Option<Format>,
    /// A unit linked to /dev/null: reported, not read.
    masked: bool,
}

/// Text as the config readers take it: UTF-8, or else Latin-1 (sysctl,
/// pam_limits and mysqld read bytes, so a Latin-1 comment is no error).
/// NUL bytes mean a binary file, which no config format is.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String> {
    if bytes.contains(&0) {
        return Err(bad(format!("{name}: a binary file (it holds NUL bytes), not a config file")));
    }
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect()))
}

/// Reads at most [`validate::MAX_TEXT`] bytes plus one, so a larger input
/// is refused without reading it all.
fn read_bounded(name: &str, r: impl std::io::Read) -> Result<String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    r.take(validate::MAX_TEXT + 1).read_to_end(&mut bytes).map_err(|e| unreadable(name, e))?;
    if bytes.len() as u64 > validate::MAX_TEXT {
        return Err(bad(format!(
            "{name}: larger than {} bytes: not a config file",
            validate::MAX_TEXT
        )));
    }
    decode(name, bytes)
}

/// One file named on the command line: `-` is standard input; a symlink
/// to /dev/null is a masked unit; anything but a regular file is refused
/// before it is opened (a FIFO would block, a device never end), and the
/// size is checked before reading.
fn read_input(path: &Path, format: Option<Format>) -> Result<Input> {
    let name = path.display().to_string();
    if path.as_os_str() == "-" {
        let text = read_bounded("standard input", std::io::stdin().lock())?;
        return Ok(Input { name, text, format, masked: false });
    }
    let link = std::fs::symlink_metadata(path).map_err(|e| unreadable(&name, e))?;
    if link.file_type().is_symlink()
        && std::fs::read_link(path).is_ok_and(|t| t == Path::new("/dev/null"))
    {
        return Ok(Input { name, text: String::new(), format, masked: true });
    }
    let meta = std::fs::metadata(path).map_err(|e| unreadable(&name, e))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(bad(format!("{name}: {what}; pass regular files, or `-` for standard input")));
    }
    if meta.len() > validate::MAX_TEXT {
        return Err(bad(format!(
            "{name}: {} bytes, larger than {} bytes: not a config file",
            meta.len(),
            validate::MAX_TEXT
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| unreadable(&name, e))?;
    let text = read_bounded(&name, file)?;
    Ok(Input { name, text, format, masked: false })
}

fn bad(msg: impl Into<String>) -> anyhow::Error {
    Failure::bad_input(msg).into()
}

fn unreadable(name: &str, e: std::io::Error) -> anyhow::Error {
    Failure::unreadable(format!("{name}: cannot read: {e}"), &e).into()
}

/// A plan gives the host and what its calculators need; a bare host profile
/// (the `[host]` table's keys at the top level) gives the host alone.
fn read_plan(path: &Path) -> Result<(Host, Needs)> {
    let text = crate::plan_cmd::read_plan_text(path)?;
    // Read as JSON values, which hold a u64 above i64::MAX (Debian's
    // kernel.shmmax, 18446744073692774399) where a TOML table cannot.
    let value: serde_json::Map<String, serde_json::Value> = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).map_err(|e| bad(format!("{}: {e}", path.display())))?
    } else {
        toml::from_str(&text).map_err(|e| bad(format!("{}: {e}", path.display())))?
    };
    if !value.contains_key("host") && !value.values().all(serde_json::Value::is_object) {
        let host = serde_json::from_value(serde_json::Value::Object(value))
            .map_err(|e| bad(format!("{}: host profile: {e}", path.display())))?;
        return Ok((host, Needs::default()));
    }
    let plan = Plan::parse(&text).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    let needs = Needs::from_plan(&plan);
    Ok((plan.host, needs))
}

/// Returns the exit code.
pub fn run(args: &CheckArgs) -> Result<u8> {
    let forced =
        args.as_format.as_deref().map(Format::parse).transpose().map_err(|e| bad(e.to_string()))?;
    let (mut host, mut needs) = match &args.plan {
        Some(path) => {
            let (host, needs) = read_plan(path)?;
            (Some(host), needs)
        }
        None => (None, Needs::default()),
    };
    needs.amps |= args.amps;
    needs.nofile = needs.nofile.max(args.nofile);
    if let Some(v) = &args.db_version {
        needs.db_version = Some(DbVersion::parse(v).map_err(|e| bad(e.to_string()))?);
    }
    let inputs = if args.live {
        live_inputs(args.pid, &mut host)?
    } else {
        args.files.iter().map(|p| read_input(p, forced)).collect::<Result<Vec<_>>>()?
    };
    let files: Vec<(&str, &str, Option<Format>)> = inputs
        .iter()
        .filter(|i| !i.masked)
        .map(|i| (i.name.as_str(), i.text.as_str(), i.format))
        .collect();
    let ctx = Context { host: host.as_ref(), needs: Some(&needs) };
    let mut report = validate::check_files(&files, &ctx).map_err(|e| bad(e.to_string()))?;
    for (i, input) in inputs.iter().enumerate().filter(|(_, i)| i.masked) {
        report.files.insert(i.min(report.files.len()), validate::systemd::masked(&input.name));
    }
    crate::commands::out(&match args.format {
        CheckFormat::Text => text(&report),
        CheckFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        CheckFormat::Markdown => markdown(&report),
    })?;
    Ok(if report.has_errors() { exit::PROBLEM } else { exit::OK })
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn place(f: &Finding) -> String {
    match &f.location {
        Some(l) => match l.column {
            Some(c) => format!("{}:{}:{c}", l.file, l.line),
            None => format!("{}:{}", l.file, l.line),
        },
        None => "(host)".to_string(),
    }
}

fn counts(report: &Report) -> String {
    let n = |s| report.all_findings().filter(|f| f.severity == s).count();
    format!(
        "{} files: {} errors, {} warnings, {} advice",
        report.files.len(),
        n(Severity::Error),
        n(Severity::Warning),
        n(Severity::Info)
    )
}

/// Compiler-style lines: `FILE:LINE:COL: severity[id]: message`, then why and fix.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for file in &report.files {
        let format = file.format.map_or("unrecognised", Format::name);
        let how = if file.detected { "detected" } else { "given" };
        let _ = writeln!(out, "{} ({format}, {how}): {} findings", file.name, file.findings.len());
    }
    for f in report.all_findings() {
        out.push('\n');
        out.push_str(&finding_text(f));
    }
    let _ = writeln!(out, "\n{}", counts(report));
    out
}

/// One finding, compiler-style: `FILE:LINE:COL: severity[id]: message`,
/// then why and fix.
pub fn finding_text(f: &Finding) -> String {
    let mut out = format!("{}: {}[{}]: {}\n", place(f), severity(f.severity), f.id, f.message);
    if let Some(why) = &f.why {
        let _ = writeln!(out, "  why: {why}");
    }
    if let Some(fix) = &f.fix {
        for (i, line) in fix.lines().enumerate() {
            let _ = writeln!(out, "  {} {line}", if i == 0 { "fix:" } else { "    " });
        }
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

pub fn markdown(report: &Report) -> String {
    let mut out =
        String::from("# Config check\n\n| file | format | findings |\n| --- | --- | --- |\n");
    for file in &report.files {
        let format = file.format.map_or("unrecognised", Format::name);
        let _ = writeln!(out, "| `{}` | {format} | {} |", cell(&file.name), file.findings.len());
    }
    let _ = writeln!(out, "\n{}\n", counts(report));
    if report.all_findings().next().is_some() {
        out.push_str(
            "| where | severity | rule | message | fix |\n| --- | --- | --- | --- | --- |\n",
        );
        for f in report.all_findings() {
            let _ = writeln!(
                out,
                "| `{}` | {} | `{}` | {} | {} |",
                cell(&place(f)),
                severity(f.severity),
                f.id,
                cell(&f.message),
                f.fix.as_deref().map(|x| format!("`{}`", cell(x))).unwrap_or_default()
            );
        }
    }
    out
}

#[cfg(not(target_os = "linux"))]
fn live_inputs(_pid: Option<u32>, _host: &mut Option<Host>) -> Result<Vec<Input>> {
    Err(bad("--live reads /proc and works on Linux only; pass the files instead"))
}

#[cfg(target_os = "linux")]
fn live_inputs(pid: Option<u32>, host: &mut Option<Host>) -> Result<Vec<Input>> {
    live::inputs(pid, host)
}

/// Reading the running host (Linux): kernel values into the host profile,
/// the files the system applies at boot and login, the unit of a process.
#[cfg(target_os = "linux")]
mod live {
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::Input;
    use crate::exit::Failure;
    use anyhow::Result;
    use headroom_core::host::Host;

    /// `*.conf` in each directory, by file name; a name in an earlier
    /// directory masks the same name in a later one (sysctl.d(5)).
    fn conf_dir_files(dirs: &[&str]) -> Vec<PathBuf> {
        let mut by_name: Vec<(String, PathBuf)> = Vec::new();
        for dir in dirs {
            let Ok(rd) = fs::read_dir(dir) else { continue };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".conf") && !by_name.iter().any(|(n, _)| *n == name) {
                    by_name.push((name, e.path()));
                }
            }
        }
        by_name.sort();
        by_name.into_iter().map(|(_, p)| p).collect()
    }

    /// A file the system reads, as `check FILE` reads it; one that is
    /// missing or unreadable is skipped, as the system skips it.
    fn push(out: &mut Vec<Input>, path: &Path, format: headroom_core::validate::Format) {
        if let Ok(input) = super::read_input(path, Some(format)) {
            out.push(input);
        }
    }

    /// How deep `!include` may nest; mysqld stops at 10 levels too.
    const MAX_INCLUDE_DEPTH: usize = 10;

    /// A my.cnf and what it includes, in the order mysqld reads them: an
    /// `!include FILE` and the `*.cnf` files of an `!includedir DIR` (in
    /// name order, as MariaDB reads them) come after the file naming them.
    pub(super) fn mycnf_tree(path: &Path, depth: usize, out: &mut Vec<Input>) {
        use headroom_core::validate::Format;
        if depth > MAX_INCLUDE_DEPTH || out.iter().any(|i| Path::new(&i.name) == path) {
            return;
        }
        let Ok(input) = super::read_input(path, Some(Format::Mycnf)) else { return };
        let directives: Vec<(bool, PathBuf)> = input
            .text
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                if let Some(d) = l.strip_prefix("!includedir") {
                    Some((true, PathBuf::from(d.trim())))
                } else {
                    l.strip_prefix("!include").map(|f| (false, PathBuf::from(f.trim())))
                }
            })
            .collect();
        out.push(input);
        for (dir, p) in directives {
            if dir {
                let mut files: Vec<PathBuf> = fs::read_dir(&p)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|f| f.extension().is_some_and(|x| x == "cnf"))
                    .collect();
                files.sort();
                for f in files {
                    mycnf_tree(&f, depth + 1, out);
                }
            } else {
                mycnf_tree(&p, depth + 1, out);
            }
        }
    }

    /// The systemd unit a process runs in, from its cgroup path.
    fn unit_of(pid: u32) -> Option<String> {
        let cg = fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
        cg.lines()
            .filter_map(|l| l.rsplit(':').next())
            .flat_map(|p| p.split('/'))
            .rfind(|seg| seg.ends_with(".service"))
            .map(str::to_string)
    }

    pub(super) fn inputs(pid: Option<u32>, host: &mut Option<Host>) -> Result<Vec<Input>> {
        use headroom_core::validate::Format;
        if !Path::new("/proc/sys").is_dir() {
            return Err(Failure::refused("/proc/sys is not mounted: --live needs procfs").into());
        }
        crate::livehost::read_into(host.get_or_insert_with(Host::default), pid);
        let mut out = Vec::new();
        let sysctl_dirs = [
            "/etc/sysctl.d",
            "/run/sysctl.d",
            "/usr/local/lib/sysctl.d",
            "/usr/lib/sysctl.d",
            "/lib/sysctl.d",
        ];
        for p in conf_dir_files(&sysctl_dirs) {
            push(&mut out, &p, Format::Sysctl);
        }
        // Debian reads it through /etc/sysctl.d/99-sysctl.conf, a link.
        if !out.iter().any(|i| i.name == "/etc/sysctl.d/99-sysctl.conf") {
            push(&mut out, Path::new("/etc/sysctl.conf"), Format::Sysctl);
        }
        push(&mut out, Path::new("/etc/security/limits.conf"), Format::Limits);
        for p in conf_dir_files(&["/etc/security/limits.d"]) {
            push(&mut out, &p, Format::Limits);
        }
        // Debian's my.cnf, whose !includedir lines bring in the rest.
        mycnf_tree(Path::new("/etc/mysql/my.cnf"), 0, &mut out);
        if let Some(pid) = pid {
            let limits = crate::limits::read_proc(pid, "limits").map_err(|e| {
                let code = e.exit_code();
                anyhow::Error::from(Failure { code, message: e.to_string() })
            })?;
            out.push(Input {
                name: format!("/proc/{pid}/limits"),
                text: String::from_utf8_lossy(&limits).into_owned(),
                format: Some(Format::ProcLimits),
                masked: false,
            });
            if let Some(unit) = unit_of(pid) {
                let roots = [
                    "/etc/systemd/system",
                    "/run/systemd/system",
                    "/usr/local/lib/systemd/system",
                    "/usr/lib/systemd/system",
                    "/lib/systemd/system",
                ];
                if let Some(file) =
                    roots.iter().map(|r| Path::new(r).join(&unit)).find(|p| p.is_file())
                {
                    push(&mut out, &file, Format::Systemd);
                }
                let dropins: Vec<String> = roots.iter().map(|r| format!("{r}/{unit}.d")).collect();
                let dirs: Vec<&str> = dropins.iter().map(String::as_str).collect();
                for p in conf_dir_files(&dirs) {
                    push(&mut out, &p, Format::Systemd);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::live::mycnf_tree;

    /// mysqld's order: the file, then each include where it is named, the
    /// `*.cnf` of an included directory by name; loops end.
    #[test]
    fn mycnf_includes_are_followed_in_mysqlds_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("conf.d")).unwrap();
        let main = d.join("my.cnf");
        let extra = d.join("extra.cnf");
        std::fs::write(
            &main,
            format!(
                "[mysqld]\n!includedir {}\n!include {}\n",
                d.join("conf.d").display(),
                extra.display()
            ),
        )
        .unwrap();
        std::fs::write(d.join("conf.d/60-b.cnf"), "[mysqld]\n").unwrap();
        std::fs::write(d.join("conf.d/50-a.cnf"), "[mysqld]\n").unwrap();
        std::fs::write(d.join("conf.d/notes.txt"), "not read\n").unwrap();
        std::fs::write(&extra, format!("!include {}\n", main.display())).unwrap();
        let mut out = Vec::new();
        mycnf_tree(&main, 0, &mut out);
        let names: Vec<String> =
            out.iter().map(|i| i.name.rsplit('/').next().unwrap().to_string()).collect();
        assert_eq!(names, ["my.cnf", "50-a.cnf", "60-b.cnf", "extra.cnf"]);
    }
}
