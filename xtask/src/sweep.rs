//! `cargo xtask sweep`: `dumptool check` over every stock config file of a
//! supported kind in [`PACKAGES`], as Debian ships them. Downloads each
//! package with `apt-get download`, unpacks it with `dpkg-deb -x` under
//! target/sweep/, checks every unit, drop-in, sysctl, limits and my.cnf file
//! on its own and then each package's files together, and fails on any error
//! finding or any file the checker refuses. Writes the package versions and
//! the result to docs/sweep.md.

use headroom_core::validate::detect::UNIT_SUFFIXES;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{cargo, run, run_quiet, workspace_root};

/// Debian packages whose stock configuration the checker must read without
/// a false error: databases, web and proxy servers, the base system and
/// daemons that ship units with resource limits.
pub const PACKAGES: &[&str] = &[
    "mariadb-server",
    "mariadb-server-core",
    "mariadb-common",
    "mysql-common",
    "mariadb-client",
    "galera-4",
    "nginx-common",
    "apache2",
    "lighttpd",
    "redis-server",
    "memcached",
    "postgresql-common",
    "postgresql-15",
    "procps",
    "systemd",
    "libpam-modules",
    "avahi-daemon",
    "openssh-server",
    "cron",
    "rsyslog",
    "dbus",
    "haproxy",
    "squid",
    "bind9",
    "postfix",
    "dovecot-core",
    "php8.2-fpm",
    "chrony",
    "nftables",
    "fail2ban",
    "unattended-upgrades",
    "udisks2",
    "polkitd",
    "cups-daemon",
    "mosquitto",
    "varnish",
    "pgbouncer",
    "keepalived",
    "nfs-kernel-server",
    "openvpn",
    "snmpd",
    "libvirt-daemon-system",
    "qemu-guest-agent",
    "apparmor",
    "ufw",
    "exim4-base",
    "tomcat10",
    "containerd",
    "docker.io",
];

/// The kind of config file at `rel` (a path inside a package), if the
/// checker supports it.
fn kind(rel: &str) -> Option<&'static str> {
    if rel.starts_with("usr/share/doc/") {
        return None;
    }
    let (dir, base) = rel.rsplit_once('/').unwrap_or(("", rel));
    let parent = dir.rsplit('/').next().unwrap_or("");
    let in_units = dir.contains("systemd/system") || dir.contains("systemd/user");
    if in_units
        && (UNIT_SUFFIXES.iter().any(|s| base.ends_with(s))
            || (base.ends_with(".conf")
                && parent
                    .strip_suffix(".d")
                    .is_some_and(|u| UNIT_SUFFIXES.iter().any(|s| u.ends_with(s)))))
    {
        return Some("systemd");
    }
    if base == "sysctl.conf" || (parent == "sysctl.d" && base.ends_with(".conf")) {
        return Some("sysctl");
    }
    if rel == "etc/security/limits.conf" || (parent == "limits.d" && base.ends_with(".conf")) {
        return Some("limits");
    }
    if rel.starts_with("etc/mysql/") && (base.ends_with(".cnf") || base == "my.cnf.fallback") {
        return Some("mycnf");
    }
    None
}

/// Every file below `root`, as paths relative to it (symlinks not followed).
fn walk(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
            let p = e?.path();
            if fs::symlink_metadata(&p)?.is_dir() {
                stack.push(p);
            } else if let Some(rel) = p.strip_prefix(root)?.to_str() {
                out.push(rel.to_string());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A file the checker is given: a regular file, or a unit masked by a link
/// to /dev/null. A link to a file of another package is not there to read.
fn readable(path: &Path) -> bool {
    match fs::read_link(path) {
        Ok(target) => target == Path::new("/dev/null") || path.is_file(),
        Err(_) => path.is_file(),
    }
}

/// What one `dumptool check` run found: (severity, rule id) per finding.
struct Checked {
    code: Option<i32>,
    findings: Vec<(String, String)>,
    stderr: String,
}

fn check(dumptool: &Path, dir: &Path, files: &[String]) -> Result<Checked> {
    let out = Command::new(dumptool)
        .arg("check")
        .args(files)
        .current_dir(dir)
        .output()
        .context("cannot run dumptool")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut findings = Vec::new();
    for line in stdout.lines() {
        for sev in ["error", "warning", "info"] {
            let marker = format!(": {sev}[");
            if let Some(i) = line.find(&marker) {
                let rest = &line[i + marker.len()..];
                if let Some(id) = rest.split(']').next() {
                    findings.push((sev.to_string(), id.to_string()));
                }
                break;
            }
        }
    }
    Ok(Checked {
        code: out.status.code(),
        findings,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

pub fn run_sweep() -> Result<()> {
    let root = workspace_root();
    let work = root.join("target/sweep");
    let debs = work.join("debs");
    fs::create_dir_all(&debs)?;
    println!("== apt-get download ({} packages)", PACKAGES.len());
    run_quiet(Command::new("apt-get").arg("download").args(PACKAGES).current_dir(&debs))
        .context("apt-get download failed: run `apt-get update` first (as root)")?;
    println!("== cargo build -p dumptool");
    run(cargo().args(["build", "-q", "-p", "dumptool"]).current_dir(&root))?;
    let dumptool = root.join("target/debug/dumptool");

    let mut debs_found: Vec<PathBuf> = fs::read_dir(&debs)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    debs_found.sort();
    let unpacked = work.join("root");
    let _ = fs::remove_dir_all(&unpacked);
    let mut versions: BTreeMap<String, String> = BTreeMap::new();
    let mut by_rule: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut links_elsewhere = 0;
    let mut checked = 0;
    for deb in &debs_found {
        let field = |f: &str| -> Result<String> {
            let out = Command::new("dpkg-deb").args(["-f"]).arg(deb).arg(f).output()?;
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let (name, version) = (field("Package")?, field("Version")?);
        if !PACKAGES.contains(&name.as_str()) {
            continue; // left over from an earlier list
        }
        let dir = unpacked.join(&name);
        fs::create_dir_all(&dir)?;
        run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&dir))?;
        let mut files = Vec::new();
        for rel in walk(&dir)? {
            let Some(k) = kind(&rel) else { continue };
            if !readable(&dir.join(&rel)) {
                links_elsewhere += 1;
                continue;
            }
            *by_kind.entry(k).or_default() += 1;
            files.push(rel);
        }
        let mut runs: Vec<Vec<String>> = files.iter().map(|f| vec![f.clone()]).collect();
        if files.len() > 1 {
            runs.push(files.clone());
        }
        for set in &runs {
            let c = check(&dumptool, &dir, set)?;
            if set.len() == 1 {
                checked += 1;
                for f in &c.findings {
                    *by_rule.entry(f.clone()).or_default() += 1;
                }
            }
            let errors = c.findings.iter().filter(|(s, _)| s == "error").count();
            if c.code != Some(0) || errors > 0 {
                let what = if set.len() == 1 { set[0].clone() } else { "(all together)".into() };
                failures.push(format!(
                    "{name}: {what}: exit {:?}, {errors} errors {}",
                    c.code,
                    c.stderr.trim()
                ));
            }
        }
        versions.insert(name, version);
    }
    let missing: Vec<&&str> = PACKAGES.iter().filter(|p| !versions.contains_key(**p)).collect();
    if !missing.is_empty() {
        bail!("not downloaded: {missing:?}");
    }
    let doc = report(&versions, &by_kind, &by_rule, checked, links_elsewhere, &failures);
    fs::write(root.join("docs/sweep.md"), &doc)?;
    println!("{}", doc.lines().last().unwrap_or_default());
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("{f}");
        }
        bail!("{} files or file sets with errors or refused", failures.len());
    }
    Ok(())
}

fn report(
    versions: &BTreeMap<String, String>,
    by_kind: &BTreeMap<&str, usize>,
    by_rule: &BTreeMap<(String, String), usize>,
    checked: usize,
    links_elsewhere: usize,
    failures: &[String],
) -> String {
    let mut out = String::from(
        "# Sweep: `dumptool check` over Debian's stock config files\n\n\
         Written by `cargo xtask sweep` (xtask/src/sweep.rs holds the package list).\n\
         Each package is fetched with `apt-get download` and unpacked with\n\
         `dpkg-deb -x`; every systemd unit and drop-in, sysctl, limits and my.cnf\n\
         file is checked on its own, then each package's files together. Any\n\
         error finding, or a file the checker refuses, fails the sweep.\n\n\
         ## Packages\n\n| package | version |\n| --- | --- |\n",
    );
    for (p, v) in versions {
        let _ = writeln!(out, "| {p} | {v} |");
    }
    out.push_str("\n## Files\n\n| kind | files |\n| --- | --- |\n");
    for (k, n) in by_kind {
        let _ = writeln!(out, "| {k} | {n} |");
    }
    let _ = writeln!(
        out,
        "\nLinks to files of other packages (not in these packages, so not read): {links_elsewhere}.\n"
    );
    out.push_str(
        "## Findings on single files\n\n| severity | rule | count |\n| --- | --- | --- |\n",
    );
    for ((sev, id), n) in by_rule {
        let _ = writeln!(out, "| {sev} | `{id}` | {n} |");
    }
    out.push_str("\n## Result\n\n");
    for f in failures {
        let _ = writeln!(out, "- {f}");
    }
    let _ = writeln!(
        out,
        "{} packages, {checked} files: {} with errors or refused.",
        versions.len(),
        failures.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_path() {
        let cases = [
            ("lib/systemd/system/mariadb.service", Some("systemd")),
            ("lib/systemd/system/user@0.service.d/10-login-barrier.conf", Some("systemd")),
            ("usr/lib/systemd/user/dbus.socket", Some("systemd")),
            ("usr/lib/sysctl.d/99-protect-links.conf", Some("sysctl")),
            ("etc/ufw/sysctl.conf", Some("sysctl")),
            ("etc/security/limits.conf", Some("limits")),
            ("etc/mysql/mariadb.conf.d/60-galera.cnf", Some("mycnf")),
            ("etc/mysql/my.cnf.fallback", Some("mycnf")),
            ("etc/mysql/debian-start", None),
            ("lib/systemd/system-generators/x", None),
            ("usr/share/doc/avahi-daemon/examples/ssh.service", None),
        ];
        for (path, want) in cases {
            assert_eq!(kind(path), want, "{path}");
        }
        assert!(PACKAGES.len() >= 30);
    }
}
