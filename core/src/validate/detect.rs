//! Which format a file is: from its path where the owning program reads it
//! by path (a unit's suffix, `UNIT.d/`, `sysctl.d/`, `limits.d/`, `.cnf`),
//! otherwise from its content. Each format has a marker that others lack; a
//! file with none is unrecognised (`None`), never guessed.

use super::Format;

/// Unit file suffixes (systemd.unit(5)).
pub const UNIT_SUFFIXES: &[&str] = &[
    ".service",
    ".socket",
    ".device",
    ".mount",
    ".automount",
    ".swap",
    ".target",
    ".path",
    ".timer",
    ".slice",
    ".scope",
];

/// The unit a systemd file configures: `x.service` for `.../x.service` and
/// for a drop-in `.../x.service.d/y.conf`; `None` when the path names none.
pub fn unit_name(path: &str) -> Option<&str> {
    let mut parts = path.rsplit('/');
    let base = parts.next()?;
    if UNIT_SUFFIXES.iter().any(|s| base.ends_with(s) && base.len() > s.len()) {
        return Some(base);
    }
    let dir = parts.next()?.strip_suffix(".d")?;
    UNIT_SUFFIXES.iter().any(|s| dir.ends_with(s)).then_some(dir)
}

/// The format the path alone gives, for files their program reads by path.
fn by_path(path: &str) -> Option<Format> {
    if unit_name(path).is_some() {
        return Some(Format::Systemd);
    }
    let mut parts = path.rsplit('/');
    let base = parts.next().unwrap_or(path);
    let dir = parts.next().unwrap_or("");
    if base.ends_with("sysctl.conf") || (dir == "sysctl.d" && base.ends_with(".conf")) {
        return Some(Format::Sysctl);
    }
    if base.ends_with("limits.conf") || (dir == "limits.d" && base.ends_with(".conf")) {
        return Some(Format::Limits);
    }
    if base.ends_with(".cnf") || base == "my.cnf.fallback" {
        return Some(Format::Mycnf);
    }
    None
}

/// The format of the file at `path` holding `text`: the path first where it
/// is decisive, then the content ([`detect`]).
pub fn detect_named(path: &str, text: &str) -> Option<Format> {
    by_path(path).or_else(|| detect(text))
}

/// Option groups of the MySQL and MariaDB programs (MySQL Reference Manual,
/// "Using Option Files"; MariaDB KB, "Configuring MariaDB with Option
/// Files": server, client and tool groups, each also with a `-X.Y` suffix).
const MYCNF_GROUPS: &[&str] = &[
    "mysqld",
    "server",
    "mariadb",
    "mariadbd",
    "galera",
    "embedded",
    "client",
    "client-server",
    "client-mariadb",
    "mysql",
    "mariadb-client",
    "mysqld_safe",
    "mariadbd-safe",
    "mariadb-safe",
    "safe_mysqld",
    "mysqld_multi",
    "mysqldump",
    "mariadb-dump",
    "mysqladmin",
    "mysqlcheck",
    "mysqlimport",
    "mysqlshow",
    "mysqlbinlog",
    "mysql_upgrade",
    "mysqlhotcopy",
    "mariabackup",
    "mariadb-backup",
    "xtrabackup",
    "sst",
];

/// A my.cnf group header's name (lower case): a known group, or one with a
/// version suffix (`mysqld-8.0`, `mariadb-10.11`).
pub fn is_mycnf_group(h: &str) -> bool {
    MYCNF_GROUPS.iter().any(|g| {
        h == *g
            || h.strip_prefix(g)
                .and_then(|r| r.strip_prefix('-'))
                .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// The format of `text`, or `None` when nothing marks it.
pub fn detect(text: &str) -> Option<Format> {
    let text = text.trim_start_matches('\u{feff}');
    let body: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .collect();
    let Some(first) = body.first() else {
        // A file of comments only (Debian ships sysctl.conf and limits.conf
        // that way): its comments name the format.
        let lower = text.to_ascii_lowercase();
        return if lower.contains("sysctl") {
            Some(Format::Sysctl)
        } else if lower.contains("pam_limits") || lower.contains("<domain>") {
            Some(Format::Limits)
        } else {
            None
        };
    };
    if first.starts_with('<') {
        return Some(Format::AmpsXml);
    }
    if body
        .iter()
        .any(|l| l.starts_with("Limit") && l.contains("Soft Limit") && l.contains("Hard Limit"))
    {
        return Some(Format::ProcLimits);
    }
    if text.contains("Shared Memory Segments") || body.iter().any(|l| is_ipcs_row(l)) {
        return Some(Format::Ipcs);
    }
    let lower = text.to_ascii_lowercase();
    if [
        "shmget",
        "startstone[",
        "pcmon",
        "shared page cache",
        "stone process",
        "cache monitor",
        "cache page server",
    ]
    .iter()
    .any(|m| lower.contains(m))
    {
        return Some(Format::GemstoneLog);
    }
    let headers: Vec<String> = body
        .iter()
        .filter_map(|l| l.strip_prefix('[').and_then(|h| h.split(']').next()))
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if headers
        .iter()
        .any(|h| matches!(h.as_str(), "unit" | "service" | "install" | "socket" | "timer"))
    {
        return Some(Format::Systemd);
    }
    if body.iter().any(|l| {
        l.contains("shm_key") || l.contains("shm_max_nodes") || l.contains("shm_max_namespaces")
    }) {
        return Some(Format::AerospikeConf);
    }
    if headers.iter().any(|h| is_mycnf_group(h)) || body.iter().any(|l| l.starts_with("!include")) {
        return Some(Format::Mycnf);
    }
    let count = |pred: &dyn Fn(&str) -> bool| body.iter().filter(|l| pred(l)).count();
    let half = body.len().div_ceil(2);
    if count(&is_gemstone_line) >= half {
        return Some(Format::GemstoneConf);
    }
    if count(&is_limits_line) >= half {
        return Some(Format::Limits);
    }
    if count(&|l| l.split('=').next().is_some_and(super::mycnf::is_known_option)) >= half {
        return Some(Format::Mycnf);
    }
    if count(&is_sysctl_line) >= half {
        return Some(Format::Sysctl);
    }
    None
}

fn is_ipcs_row(l: &str) -> bool {
    let f: Vec<&str> = l.split_whitespace().collect();
    f.len() >= 6
        && f[0].starts_with("0x")
        && f[1].bytes().all(|b| b.is_ascii_digit())
        && f[4].bytes().all(|b| b.is_ascii_digit())
}

fn is_gemstone_line(l: &str) -> bool {
    l.split_once('=').is_some_and(|(k, v)| {
        let k = k.trim();
        !k.is_empty()
            && k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && (v.trim_end().ends_with(';')
                || ["SHR_", "STN_", "GEM_", "DBF_"].iter().any(|p| k.starts_with(p)))
    })
}

fn is_limits_line(l: &str) -> bool {
    // pam_limits cuts a line at `#`.
    let l = l.split('#').next().unwrap_or(l);
    let f: Vec<&str> = l.split_whitespace().collect();
    f.len() == 4 && matches!(f[1], "soft" | "hard" | "-")
}

fn is_sysctl_line(l: &str) -> bool {
    let l = l.strip_prefix('-').unwrap_or(l);
    l.split_once('=').is_some_and(|(k, _)| {
        let k = k.trim();
        (k.contains('.') || k.contains('/'))
            && !k.contains(char::is_whitespace)
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/*".contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_detected() {
        let cases: &[(&str, Option<Format>)] = &[
            ("fs.file-max = 1100000\nnet.ipv4.tcp_fin_timeout = 12\n", Some(Format::Sysctl)),
            ("kernel.shmmax = 33554432\n", Some(Format::Sysctl)),
            ("* soft nofile 1048576\n* hard nofile 1048576\n", Some(Format::Limits)),
            (
                "Limit  Soft Limit  Hard Limit  Units\nMax open files 1024 4096 files\n",
                Some(Format::ProcLimits),
            ),
            ("[Service]\nLimitNOFILE=65536\n", Some(Format::Systemd)),
            ("SHR_PAGE_CACHE_SIZE_KB = 307200;\n", Some(Format::GemstoneConf)),
            ("startstone[Error]: Stone process (id=12577) has died.\n", Some(Format::GemstoneLog)),
            ("[mysqld]\nkey_buffer_size = 2M\n", Some(Format::Mycnf)),
            ("shm_key = 0xA7000000\nshm_max_nodes = 16\n", Some(Format::AerospikeConf)),
            ("0xa7000000 622592 root 666 263224 0\n", Some(Format::Ipcs)),
            ("<AMPSConfig><Name>x</Name></AMPSConfig>", Some(Format::AmpsXml)),
            ("* soft nofile 4096 # for the build user\n", Some(Format::Limits)),
            ("[galera]\nwsrep_on = ON\n", Some(Format::Mycnf)),
            ("[mariadb-10.11]\n", Some(Format::Mycnf)),
            ("hello world\nthis is prose\n", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text), *want, "{text}");
        }
    }

    #[test]
    fn the_path_decides_where_the_program_reads_by_path() {
        let comments = "# nothing set here\n";
        let cases: &[(&str, Option<Format>)] = &[
            ("/lib/systemd/system/user@0.service.d/10-login-barrier.conf", Some(Format::Systemd)),
            ("/lib/systemd/system/hwclock.service", Some(Format::Systemd)),
            ("/usr/lib/sysctl.d/99-protect-links.conf", Some(Format::Sysctl)),
            ("/etc/security/limits.d/90-build.conf", Some(Format::Limits)),
            ("/etc/mysql/mariadb.conf.d/60-galera.cnf", Some(Format::Mycnf)),
            ("/etc/ufw/sysctl.conf", Some(Format::Sysctl)),
            ("notes.txt", None),
            ("/etc/foo.d/x.conf", None),
        ];
        for (path, want) in cases {
            assert_eq!(detect_named(path, comments), *want, "{path}");
        }
        assert_eq!(unit_name("a/b/x@.service.d/y.conf"), Some("x@.service"));
        assert_eq!(unit_name("a/.service"), None);
    }
}
