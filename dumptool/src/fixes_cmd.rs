//! `dumptool fixes PLAN`: the sysctl.d, limits.d and systemd drop-ins that
//! raise a host to what a plan needs, and the `sysctl -w` commands for now.
//! The files are the core's ([`headroom_core::fixes`]), the same the page
//! offers; they only ever raise a value, never lower one.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use headroom_core::fixes::{self, Fixes, Service};
use headroom_core::plan::Plan;
#[cfg(target_os = "linux")]
use headroom_core::units::Count;
use headroom_core::validate::Needs;

use crate::commands::out;
use crate::exit::{self, Failure};

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  dumptool fixes examples/megacomet.toml
  dumptool fixes examples/amps.toml --live --pid $(pidof ampServer)
  dumptool fixes examples/amps.toml --user amps --unit amps.service --dir ./staged
  sudo dumptool fixes plan.toml --live --dir /   # install them, then:
  sudo sysctl --system && sudo systemctl daemon-reload

Raise only: a value is written only when the plan needs more than the host
has, and then it is the plan's need. The host's values come from --live (this
machine's /proc/sys, --pid's limits, and the login sessions' nofile from
/etc/security/limits.conf and limits.d), else from the plan's [host.kernel].
A value known from neither goes in no file (a host tuned above the stock
value would be lowered at the next boot): its command, run on the host, reads
the host's value first, and only where that is lower raises it and keeps it
in /etc/sysctl.d/99-zz-headroom-raised.conf (login sessions: limits.d's
99-zz-headroom-raised.conf; the unit: its drop-in). Nothing is written when
nothing needs raising.

Each file appears whole or not at all (written beside its target, synced,
then renamed). With --live, a service manager that cannot give a unit the
plan's open files (it lacks CAP_SYS_RESOURCE, as in a container) is said,
with what to raise outside. Exit codes: 0 printed or written, 1 printed or
written, but this host cannot give what the plan needs (a finding says
why), 2 bad plan, 3 a write was refused.")]
pub struct FixesArgs {
    /// The plan file (TOML or JSON), as `dumptool plan` reads it.
    pub plan: PathBuf,
    /// The user the limits.d lines apply to.
    #[arg(long, default_value = "*")]
    pub user: String,
    /// The systemd unit whose drop-in sets LimitNOFILE= and LimitCORE=.
    #[arg(long, default_value = "headroom.service")]
    pub unit: String,
    /// Compare with this machine's values (/proc/sys, /proc/meminfo) instead
    /// of the plan's [host] ones.
    #[arg(long)]
    pub live: bool,
    /// With --live: the running service, whose open-files limits
    /// (/proc/PID/limits) are the current ones.
    #[arg(long, requires = "live", value_name = "PID")]
    pub pid: Option<u32>,
    /// Write the files under DIR (DIR/etc/sysctl.d/...) instead of printing them.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Output format when printing.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Returns the exit code.
pub fn run(args: &FixesArgs) -> Result<u8> {
    let name = args.plan.display();
    let text = crate::plan_cmd::read_plan_text(&args.plan)?;
    let mut plan = Plan::parse(&text).map_err(|e| Failure::bad_input(format!("{name}: {e}")))?;
    // What login sessions have now, so that a limits.d line never lowers it.
    let (sessions, ceiling) = if args.live { live(&mut plan, args)? } else { ([None; 2], None) };
    let needs = Needs::from_plan(&plan);
    let service = Service { user: &args.user, unit: &args.unit, sessions, ceiling };
    let fixes = fixes::generate(&plan.host, &needs, &service);
    match &args.dir {
        Some(dir) => install(dir, &fixes)?,
        None if args.format == Format::Json => {
            out(&(serde_json::to_string_pretty(&fixes)? + "\n"))?
        }
        None => out(&render(&fixes))?,
    }
    Ok(if fixes.findings.is_empty() { exit::OK } else { exit::PROBLEM })
}

/// What `--live` reads besides the plan's host: the nofile limits of the
/// user's login sessions (limits.conf and limits.d), and the most the
/// service manager can give a unit.
type Live = ([Option<u64>; 2], Option<u64>);

/// Reads this machine into the plan's host; returns what else it knows.
#[cfg(target_os = "linux")]
fn live(plan: &mut Plan, args: &FixesArgs) -> Result<Live> {
    let pid = args.pid;
    if !Path::new("/proc/sys").is_dir() {
        return Err(Failure::refused("/proc/sys is not mounted: --live needs procfs").into());
    }
    if let Some(pid) = pid.filter(|p| !Path::new(&format!("/proc/{p}")).is_dir()) {
        return Err(Failure::refused(format!("no process {pid}")).into());
    }
    crate::livehost::read_into(&mut plan.host, pid);
    // Without a process, the unit's limits as systemd has them: a drop-in
    // of its own may already give more than the stock 1024:524288.
    if let Some((soft, hard)) =
        pid.is_none().then(|| crate::livehost::unit_nofile(&args.unit)).flatten()
    {
        let k = &mut plan.host.kernel;
        (k.nofile_soft, k.nofile_hard) = (Some(Count(soft)), Some(Count(hard)));
    }
    Ok((crate::livehost::session_nofile(&args.user), crate::livehost::manager_ceiling()))
}

#[cfg(not(target_os = "linux"))]
fn live(_: &mut Plan, _: &FixesArgs) -> Result<Live> {
    Err(Failure::refused("--live reads /proc: Linux only").into())
}

const COMMANDS_TITLE: &str = "==> run as root on the host: the known values now (until the next \
boot); each value not known here is compared with the host's and set only where that is lower, \
then kept for the next boot <==\n";

fn render(fixes: &Fixes) -> String {
    render_fixes(fixes) + &findings_text(fixes)
}

/// What the drop-ins cannot do here, after what they do.
fn findings_text(fixes: &Fixes) -> String {
    if fixes.findings.is_empty() {
        return String::new();
    }
    let mut s = String::from("==> what no drop-in can give on this host <==\n");
    for f in &fixes.findings {
        s.push_str(&crate::check_cmd::finding_text(f));
    }
    s
}

fn render_fixes(fixes: &Fixes) -> String {
    if fixes.files.is_empty() && fixes.commands.is_empty() {
        let has = match fixes.findings.is_empty() {
            true => "the host has what the plan needs",
            false => "the host is set as high as the plan needs",
        };
        let mut s = format!("Nothing to raise: {has}.\n");
        s.push_str(&fixes.summary());
        return s;
    }
    let mut s = String::new();
    for f in &fixes.files {
        s.push_str(&format!("==> {} <==\n{}\n", f.path, f.text));
    }
    if !fixes.commands.is_empty() {
        s.push_str(COMMANDS_TITLE);
        for c in &fixes.commands {
            s.push_str(c);
            s.push('\n');
        }
    }
    s.push_str("==> every value the plan needs <==\n");
    s.push_str(&fixes.summary());
    s
}

fn install(root: &Path, fixes: &Fixes) -> Result<()> {
    if !root.is_dir() {
        return Err(Failure::bad_input(format!("{}: no such directory", root.display())).into());
    }
    if fixes.files.is_empty() && fixes.commands.is_empty() {
        // Nothing to write: say so, with the values kept.
        return out(&render(fixes));
    }
    // Every file is written even if standard output is gone; what was
    // written is said before a failure.
    let mut done = String::new();
    for f in &fixes.files {
        let path = root.join(f.path.trim_start_matches('/'));
        if let Err(e) = write_whole(&path, &f.text) {
            let _ = out(&done);
            return Err(Failure::refused(e).into());
        }
        done.push_str(&format!("wrote {}\n", path.display()));
    }
    if !fixes.commands.is_empty() {
        done.push_str(COMMANDS_TITLE);
        for c in &fixes.commands {
            done.push_str(c);
            done.push('\n');
        }
    }
    done.push_str(&findings_text(fixes));
    out(&done)
}

/// Creates the directories a file goes in, then writes it whole or not at all.
fn write_whole(path: &Path, text: &str) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    crate::outfile::write_whole(path, text.as_bytes()).map_err(|e| e.to_string())
}
