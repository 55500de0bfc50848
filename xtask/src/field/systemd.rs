//! The systemd step of `cargo xtask field-test`: `dumptool doctor` on
//! processes of real services, the unit drop-in command `dumptool fixes`
//! prints, run against units with several `LimitNOFILE=`, and a core
//! that systemd-coredump stores in the journal (`Storage=journal`), read
//! back with coredumpctl.
//!
//! A host booted with systemd lends its own manager for the doctor part;
//! the journal part then is skipped, because it would change the host's
//! coredump.conf. Elsewhere (a container or VM whose PID 1 is not systemd)
//! Debian's /lib/systemd/systemd is booted as PID 1 of private PID, mount,
//! cgroup, UTS, IPC and network namespaces, the way systemd-nspawn runs a
//! container, but over a read-only view of the host's own files: what it
//! writes goes to tmpfs (/run, /tmp, /var/lib/systemd, /var/log, /dev),
//! /proc/sys and /sys are read-only, and the units sysinit.target wants
//! (but journald) are masked, so it cannot empty the host's /tmp, set
//! sysctls or load modules. Killing that PID 1 ends everything it started.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

/// Run as PID 1 of the namespaces before it execs systemd. $1 is the
/// unpacked systemd-coredump package, $2 the scratch directory (left
/// writable for gcore's and coredumpctl's files).
const BOOT: &str = r#"set -eu
mount --bind "$2" "$2"
mount -o remount,bind,ro /
for d in /run /tmp /var/tmp /var/lib/systemd /var/log; do mount -t tmpfs -o mode=755 tmpfs "$d"; done
chmod 1777 /tmp /var/tmp
# A /dev of its own: systemd-journald would otherwise link the host's
# /dev/log to itself. devpts and ptmx are what PrivateDevices= needs.
mkdir /run/dev
mount -t tmpfs -o mode=755 tmpfs /run/dev
for n in null zero full random urandom tty; do touch "/run/dev/$n"; mount --bind "/dev/$n" "/run/dev/$n"; done
mkdir /run/dev/pts /run/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /run/dev/pts
ln -s pts/ptmx /run/dev/ptmx
mount --move /run/dev /dev
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
mount --bind /sys /sys
mount -o remount,bind,ro /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
S=/run/systemd/system
mkdir -p $S /run/systemd/journald.conf.d /run/systemd/coredump.conf.d /var/lib/systemd/coredump
for u in $(ls /lib/systemd/system/sysinit.target.wants) $(ls /etc/systemd/system/sysinit.target.wants 2>/dev/null) \
    systemd-remount-fs.service systemd-journald-dev-log.socket systemd-journald-audit.socket \
    systemd-tmpfiles-clean.timer; do
  [ "$u" = systemd-journald.service ] || ln -sf /dev/null "$S/$u"
done
printf '[Unit]\nWants=systemd-journald.socket systemd-coredump.socket\n' > $S/headroom-field.target
sed "s|^ExecStart=.*|ExecStart=-$1/lib/systemd/systemd-coredump|" \
  "$1/lib/systemd/system/systemd-coredump@.service" > $S/systemd-coredump@.service
cp "$1/lib/systemd/system/systemd-coredump.socket" $S/
printf '[Journal]\nStorage=volatile\n' > /run/systemd/journald.conf.d/headroom.conf
printf '[Coredump]\nStorage=journal\n' > /run/systemd/coredump.conf.d/headroom.conf
export container=headroom-field
exec /lib/systemd/systemd --unit=headroom-field.target
"#;

/// A systemd manager to run units under: the host's, or one booted in
/// namespaces of its own.
pub struct Manager {
    booted: Option<Booted>,
}

struct Booted {
    unshare: Child,
    /// systemd's pid as the host sees it.
    init: u32,
    /// The cgroup the namespaces were given (on the host's cgroup2).
    cgroup: PathBuf,
}

impl Manager {
    /// The host's manager when it booted with systemd (sd_booted(3)), else
    /// a new one; `coredump` is the unpacked systemd-coredump package.
    pub fn start(scratch: &Path, coredump: &Path) -> Result<Manager> {
        if Path::new("/run/systemd/system").is_dir() {
            println!("systemd: the host's own manager");
            return Ok(Manager { booted: None });
        }
        let cgroup = cgroup2_mount()?.join(format!("headroom-field-{}", std::process::id()));
        let boot = scratch.join("boot.sh");
        std::fs::write(&boot, BOOT)?;
        // A file, not a pipe: systemd keeps the descriptor and logs to it.
        let log_path = scratch.join("boot.log");
        let log = std::fs::File::create(&log_path)?;
        // The wrapper moves itself into a cgroup of its own first, so that
        // systemd's cgroup namespace (and all it creates) sits under it.
        let unshare = Command::new("sh")
            .arg("-c")
            .arg(
                "mkdir \"$1\" && echo $$ > \"$1/cgroup.procs\" && shift && exec unshare \
                 --pid --fork --mount-proc --mount --cgroup --uts --ipc --net sh \"$@\"",
            )
            .arg("sh")
            .arg(&cgroup)
            .arg(&boot)
            .arg(coredump)
            .arg(scratch)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("cannot start unshare (util-linux)")?;
        let mut m = Manager { booted: Some(Booted { init: 0, unshare, cgroup }) };
        let b = m.booted.as_mut().context("booted")?;
        let start = Instant::now();
        // sh execs unshare, whose one child is the namespaces' PID 1.
        while b.init == 0 {
            if let Some(status) = b.unshare.try_wait()? {
                let err = std::fs::read_to_string(&log_path).unwrap_or_default();
                bail!("systemd could not start in namespaces ({status}): {}", err.trim());
            }
            b.init = super::children_of(b.unshare.id()).first().copied().unwrap_or(0);
            ensure!(start.elapsed() < Duration::from_secs(30), "unshare started no PID 1");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut state = String::new();
        super::wait_for("systemd as PID 1", Duration::from_secs(60), || {
            state = m.text(&["systemctl", "is-system-running"]).unwrap_or_default();
            matches!(state.trim(), "running" | "degraded")
        })?;
        println!("systemd: booted as PID 1 of new namespaces (host pid {})", m.init());
        Ok(m)
    }

    fn init(&self) -> u32 {
        self.booted.as_ref().map_or(0, |b| b.init)
    }

    /// `program` run under this manager: inside its namespaces when booted.
    pub fn command(&self, program: &str) -> Command {
        match &self.booted {
            None => Command::new(program),
            Some(b) => {
                let mut c = Command::new("nsenter");
                c.args(["-t", &b.init.to_string(), "-m", "-p", "-C", "-u", "-i", "-n", "--"]);
                c.arg(program);
                c
            }
        }
    }

    /// The standard output of a command that must succeed.
    fn text(&self, argv: &[&str]) -> Result<String> {
        let out = self.command(argv[0]).args(&argv[1..]).output()?;
        if !out.status.success() {
            bail!("{argv:?}: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Starts `sleep` as the transient service `unit` with `limit_core`
    /// and returns its main pid (in the manager's PID namespace). It works
    /// in /tmp, where kernel.core_pattern `core` can write: `/` is
    /// read-only in our own manager's namespaces.
    fn start_sleep(&self, unit: &str, limit_core: &str) -> Result<u32> {
        let limit = format!("LimitCORE={limit_core}");
        let argv = ["systemd-run", "--collect", "--unit", unit, "-p", &limit];
        self.text(&[&argv[..], &["-p", "WorkingDirectory=/tmp", "sleep", "1000"]].concat())?;
        let pid = self.text(&["systemctl", "show", "-p", "MainPID", "--value", unit])?;
        let pid: u32 = pid.trim().parse().with_context(|| format!("{unit}'s MainPID {pid:?}"))?;
        ensure!(pid != 0, "{unit} has no main process");
        Ok(pid)
    }

    fn stop(&self, unit: &str) {
        let _ = self.command("systemctl").args(["stop", unit]).output();
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        let Some(b) = self.booted.as_mut() else { return };
        // The end of a PID namespace's init kills every process in it;
        // without one yet, unshare itself is the one to end.
        if b.init != 0 {
            let _ = Command::new("kill").args(["-9", &b.init.to_string()]).status();
        } else {
            let _ = b.unshare.kill();
        }
        let _ = b.unshare.wait();
        // Cgroups are removed leaf first, once their processes have gone.
        for _ in 0..50 {
            let mut dirs = Vec::new();
            collect_dirs(&b.cgroup, &mut dirs);
            dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
            if dirs.iter().all(|d| std::fs::remove_dir(d).is_ok()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn collect_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    if !dir.is_dir() {
        return;
    }
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            collect_dirs(&e.path(), out);
        }
    }
    out.push(dir.to_path_buf());
}

/// Where the host mounts cgroup2 (/sys/fs/cgroup, or /sys/fs/cgroup/unified
/// on a hybrid layout), from /proc/self/mountinfo.
fn cgroup2_mount() -> Result<PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")?;
    info.lines()
        .find_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            let target = left.split_whitespace().nth(4)?;
            (right.split_whitespace().next() == Some("cgroup2")).then(|| PathBuf::from(target))
        })
        .context("no cgroup2 file system is mounted: systemd needs one")
}

/// One unit's line of the result table.
pub struct UnitRow {
    pub unit: String,
    pub limit_core: &'static str,
    pub doctor_unit: String,
    pub doctor: String,
}

/// A unit to start and what doctor must say of it.
struct UnitCase {
    unit: &'static str,
    limit_core: &'static str,
    /// `LimitCORESoft=` in bytes; `None` is infinity.
    soft: Option<u64>,
    /// The unit item's status.
    status: &'static str,
    exit: i32,
}

const UNITS: &[UnitCase] = &[
    UnitCase {
        unit: "headroom-field-core1m.service",
        limit_core: "1M",
        soft: Some(1 << 20),
        status: "ok",
        exit: 0,
    },
    // No core at all: doctor warns about the unit and exits 1.
    UnitCase {
        unit: "headroom-field-nocore.service",
        limit_core: "0",
        soft: Some(0),
        status: "warn",
        exit: 1,
    },
];

/// `dumptool doctor --format json` on the main process of a unit; fails
/// unless it names the unit, reads its LimitCORE= and judges as `case` says.
fn doctor_on_unit(m: &Manager, dumptool: &Path, case: &UnitCase) -> Result<UnitRow> {
    let UnitCase { unit, limit_core, .. } = *case;
    let pid = m.start_sleep(unit, limit_core)?;
    let out = m
        .command(&dumptool.display().to_string())
        .args(["doctor", &pid.to_string(), "--format", "json"])
        .output()?;
    m.stop(unit);
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&text).with_context(|| format!("doctor said {text}"))?;
    let facts = &v["facts"]["unit"];
    ensure!(facts["name"] == unit, "doctor found unit {} for {unit}", facts["name"]);
    ensure!(facts["known"] == true, "doctor could not read {unit}'s LimitCORE=");
    ensure!(
        facts["limit_core_soft"].as_u64() == case.soft,
        "doctor read LimitCORE={} for {unit}, set to {limit_core}",
        facts["limit_core_soft"]
    );
    let item = v["diagnosis"]["items"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["item"] == "unit"))
        .context("doctor has no unit item")?;
    let exit = out.status.code().unwrap_or(-1);
    ensure!(
        item["status"] == case.status && exit == case.exit,
        "doctor on {unit}: exit {exit}, unit item {item}; all: {}",
        v["diagnosis"]["items"]
    );
    Ok(UnitRow {
        unit: unit.to_string(),
        limit_core,
        doctor_unit: format!("{}: {}", case.status, item["finding"].as_str().unwrap_or("-")),
        doctor: format!("exit {exit}"),
    })
}

/// The result of the journal step.
pub struct JournalRow {
    pub info: String,
    pub summary: String,
}

/// gcore's core of a running unit's process, handed to systemd-coredump
/// as the kernel would (Debian's core_pattern arguments), stored with
/// Storage=journal, fetched with `coredumpctl dump` and analyzed.
fn through_journal(
    m: &Manager,
    dumptool: &Path,
    coredump: &Path,
    scratch: &Path,
) -> Result<JournalRow> {
    let unit = "headroom-field-journal.service";
    let pid = m.start_sleep(unit, "infinity")?;
    let result = (|| -> Result<JournalRow> {
        let prefix = scratch.join("journal-gcore");
        let gcore = m.command("gcore").arg("-o").arg(&prefix).arg(pid.to_string()).output()?;
        ensure!(gcore.status.success(), "gcore failed: {}", String::from_utf8_lossy(&gcore.stderr));
        let core = scratch.join(format!("journal-gcore.{pid}"));
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
        let status = m
            .command(&coredump.join("lib/systemd/systemd-coredump").display().to_string())
            .args([&pid.to_string(), "0", "0", "11", &secs.to_string()])
            .args(["9223372036854775808", "localhost", "1"])
            .stdin(std::fs::File::open(&core)?)
            .status()?;
        ensure!(status.success(), "systemd-coredump exited with {status}");
        let coredumpctl = coredump.join("usr/bin/coredumpctl").display().to_string();
        let mut info = String::new();
        // The socket half stores the core after the kernel half returns.
        super::wait_for("the journal's core", Duration::from_secs(60), || {
            info =
                m.text(&[&coredumpctl, "info", "--no-pager", &pid.to_string()]).unwrap_or_default();
            info.contains("Storage:")
        })?;
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map_or("-", str::trim)
                .to_string()
        };
        ensure!(field("Storage:") == "journal", "coredumpctl info says {info}");
        ensure!(field("Unit:") == unit, "systemd-coredump saw unit {:?}", field("Unit:"));
        let stored = scratch.join("journal-core");
        let out = m
            .command(&coredumpctl)
            .args(["dump", "--no-pager", &pid.to_string(), "--output"])
            .arg(&stored)
            .output()?;
        ensure!(out.status.success(), "coredumpctl dump: {}", String::from_utf8_lossy(&out.stderr));
        let size = std::fs::metadata(&stored)?.len();
        let from_journal = super::analyze(dumptool, &stored)?;
        let bare = super::analyze(dumptool, &core)?;
        let same = if from_journal == bare { "same summary as gcore's file" } else { "DIFFERENT" };
        Ok(JournalRow {
            info: format!(
                "Storage: {}, Unit: {}, Signal: {}",
                field("Storage:"),
                field("Unit:"),
                field("Signal:")
            ),
            summary: format!(
                "{:.2} MiB back from the journal, {same}, top `{}`",
                size as f64 / 1048576.0,
                super::top_function(&from_journal)
            ),
        })
    })();
    m.stop(unit);
    result
}

/// The unit of the open-files step, and the `LimitNOFILE=` it starts with:
/// whether the drop-in command `dumptool fixes` prints should write.
const NOFILE_UNIT: &str = "headroom-field-nofile.service";
const NOFILE_CASES: &[(&str, bool)] = &[
    ("1024:4096", true),
    ("1024:1048576", true),
    ("1024:infinity", true),
    ("65536:65536", false),
    ("infinity", false),
];

/// One row of the open-files step: the unit's process's limits (soft,
/// hard) before and after the command and a restart.
pub struct NofileRow {
    limit: &'static str,
    before: (u64, u64),
    wrote: bool,
    after: (u64, u64),
}

/// The drop-in command `dumptool fixes` prints for a unit whose limits it
/// does not know, pasted into a root shell of the manager's as a user
/// would, against a unit started with each of [`NOFILE_CASES`]: the unit's
/// process then has at least the plan's need and never a lower soft or
/// hard limit than before, and nothing is written where it had enough.
fn fixes_on_unit(m: &Manager, dumptool: &Path) -> Result<Vec<NofileRow>> {
    let plan = crate::workspace_root().join("examples/amps.toml");
    let out = Command::new(dumptool)
        .arg("fixes")
        .arg(&plan)
        .args(["--unit", NOFILE_UNIT, "--format", "json"])
        .output()?;
    let v: Value = serde_json::from_slice(&out.stdout).context("dumptool fixes --format json")?;
    let command = v["commands"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|c| c.contains("LimitNOFILESoft"))
        .context("dumptool fixes printed no command for the unit's limits")?;
    let need: u64 = command
        .split(" -lt ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .context("no need in the unit's command")?;
    // `/` is read-only under our own manager; systemd reads drop-ins in
    // /run too, ahead of /etc.
    let command = command.replace("/etc/systemd/system/", "/run/systemd/system/");
    let dir = format!("/run/systemd/system/{NOFILE_UNIT}.d");
    // Without CAP_SYS_RESOURCE (a container's manager, or this one in a
    // sandbox that drops it) systemd sets the closest it can: no more than
    // its own hard limit. The need is met up to that ceiling.
    let ceiling = match manager_can_raise(m)? {
        true => u64::MAX,
        false => {
            let hard = nofile_of(m, "1")?.1;
            println!("systemd: PID 1 lacks CAP_SYS_RESOURCE: no unit gets more than its own hard nofile, {hard}");
            hard
        }
    };
    let mut rows = Vec::new();
    let result = NOFILE_CASES.iter().try_for_each(|&(limit, raises)| {
        let unit = format!("[Service]\\nExecStart=/bin/sleep 1000\\nLimitNOFILE={limit}\\n");
        m.text(&[
            "sh",
            "-c",
            &format!(
                "rm -rf {dir} && printf '{unit}' > /run/systemd/system/{NOFILE_UNIT} && \
                 systemctl daemon-reload && systemctl restart {NOFILE_UNIT}"
            ),
        ])?;
        let before = nofile_of(m, &main_pid(m)?)?;
        m.text(&["sh", "-c", &command])?;
        m.text(&["systemctl", "restart", NOFILE_UNIT])?;
        let after = nofile_of(m, &main_pid(m)?)?;
        let wrote = m.command("test").args(["-e", &dir]).status()?.success();
        ensure!(wrote == raises, "LimitNOFILE={limit}: drop-in written {wrote}, expected {raises}");
        ensure!(
            after.0 >= before.0.max(need.min(ceiling)) && after.1 >= before.1,
            "LimitNOFILE={limit}: {before:?} -> {after:?}, need {need}"
        );
        ensure!(raises || after == before, "LimitNOFILE={limit}: {before:?} -> {after:?}");
        rows.push(NofileRow { limit, before, wrote, after });
        Ok(())
    });
    m.stop(NOFILE_UNIT);
    let _ = m.text(&[
        "sh",
        "-c",
        &format!("rm -rf {dir} /run/systemd/system/{NOFILE_UNIT} && systemctl daemon-reload"),
    ]);
    result?;
    // `fixes --live` run under this manager says what its ceiling keeps
    // from the unit, exactly when there is one below the need.
    let out = m
        .command(&dumptool.display().to_string())
        .arg("fixes")
        .arg(&plan)
        .args(["--live", "--unit", NOFILE_UNIT])
        .output()?;
    let said = String::from_utf8_lossy(&out.stdout);
    let cut = need > ceiling;
    ensure!(
        said.contains("[systemd.nofile.above_manager]") == cut
            && out.status.code() == Some(i32::from(cut)),
        "fixes --live under this manager (ceiling {ceiling}, need {need}): exit {:?}\n{said}",
        out.status.code()
    );
    println!(
        "systemd: fixes --live under this manager: exit {:?}, ceiling said: {cut}",
        out.status.code()
    );
    Ok(rows)
}

fn main_pid(m: &Manager) -> Result<String> {
    Ok(m.text(&["systemctl", "show", "-p", "MainPID", "--value", NOFILE_UNIT])?.trim().to_string())
}

/// Whether the manager (its PID 1) has CAP_SYS_RESOURCE, which raising a
/// hard limit above its own takes (setrlimit(2)).
fn manager_can_raise(m: &Manager) -> Result<bool> {
    const CAP_SYS_RESOURCE: u32 = 24;
    let status = m.text(&["cat", "/proc/1/status"])?;
    let eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .context("no CapEff in /proc/1/status")?;
    Ok(u64::from_str_radix(eff.trim(), 16)? >> CAP_SYS_RESOURCE & 1 == 1)
}

/// The soft and hard open-files limits of a process of the manager's, as
/// the kernel reports them (/proc/PID/limits).
fn nofile_of(m: &Manager, pid: &str) -> Result<(u64, u64)> {
    let limits = m.text(&["cat", &format!("/proc/{pid}/limits")])?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .context("no open-files line in /proc/PID/limits")?;
    let n = |w: Option<&str>| -> Result<u64> {
        match w {
            Some("unlimited") => Ok(u64::MAX),
            Some(w) => Ok(w.parse()?),
            None => bail!("{line}"),
        }
    };
    let mut words = line["Max open files".len()..].split_whitespace();
    Ok((n(words.next())?, n(words.next())?))
}

/// The systemd step: doctor on two units, the open-files drop-in command
/// on a unit, then the journal when the manager is our own. Prints its tables.
pub fn run(dumptool: &Path, scratch: &Path, coredump: &Path) -> Result<()> {
    let m = Manager::start(scratch, coredump)?;
    let units: Vec<UnitRow> =
        UNITS.iter().map(|c| doctor_on_unit(&m, dumptool, c)).collect::<Result<_>>()?;
    println!("\n| unit | LimitCORE= | doctor | doctor's unit item |");
    println!("| --- | --- | --- | --- |");
    for r in &units {
        println!("| {} | {} | {} | {} |", r.unit, r.limit_core, r.doctor, r.doctor_unit);
    }
    let nofile = fixes_on_unit(&m, dumptool)?;
    println!("\n| LimitNOFILE= | process's nofile before | drop-in written | after the command and a restart |");
    println!("| --- | --- | --- | --- |");
    for r in &nofile {
        let wrote = if r.wrote { "yes" } else { "no" };
        println!(
            "| {} | {} / {} | {wrote} | {} / {} |",
            r.limit, r.before.0, r.before.1, r.after.0, r.after.1
        );
    }
    if m.booted.is_none() {
        println!(
            "systemd-coredump: the host's own configuration is left alone, so no journal step"
        );
        return Ok(());
    }
    let j = through_journal(&m, dumptool, coredump, scratch)?;
    println!("\nsystemd-coredump (Storage=journal): {}; {}", j.info, j.summary);
    ensure!(!j.summary.contains("DIFFERENT"), "the core from the journal analyzes differently");
    Ok(())
}
