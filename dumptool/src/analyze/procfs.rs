//! Parsers for the /proc text files that dumps carry (and that `limits`
//! reads live): limits, status, environ, cmdline, os-release. Pure text.

use crate::summary::Limit;

/// `/proc/PID/limits`: the table under its header line.
pub fn parse_limits(text: &str) -> Vec<Limit> {
    let mut lines = text.lines();
    let Some(header) = lines.next() else { return Vec::new() };
    // Columns start where the header's words do; names contain spaces.
    let (Some(soft_at), Some(hard_at), Some(unit_at)) =
        (header.find("Soft Limit"), header.find("Hard Limit"), header.find("Units"))
    else {
        return Vec::new();
    };
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let col =
                |a: usize, b: usize| l.get(a.min(l.len())..b.min(l.len())).unwrap_or("").trim();
            Limit {
                name: col(0, soft_at).to_string(),
                soft: col(soft_at, hard_at).to_string(),
                hard: col(hard_at, unit_at).to_string(),
                unit: col(unit_at, l.len()).to_string(),
            }
        })
        .collect()
}

/// `Key:\tvalue` lines (/proc/PID/status).
pub fn parse_status(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// `KEY=value` lines, quotes removed (/etc/os-release, /etc/lsb-release).
pub fn parse_os_release(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect()
}

/// NUL-separated strings (/proc/PID/cmdline), lossy UTF-8.
pub fn split_nul(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes.split(|&b| b == 0).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
}

/// /proc/PID/cmdline as arguments. A program that rewrote its command line
/// (setproctitle) leaves padding after its title, NUL bytes or spaces: the
/// empty arguments and the trailing spaces it leaves are dropped.
pub fn command_line(bytes: &[u8]) -> Vec<String> {
    let mut args = split_nul(bytes);
    while args.last().is_some_and(|a| a.trim().is_empty()) {
        args.pop();
    }
    if let Some(last) = args.last_mut() {
        last.truncate(last.trim_end().len());
    }
    args
}

/// NUL-separated `NAME=value` (/proc/PID/environ).
pub fn parse_environ(bytes: &[u8]) -> Vec<(String, String)> {
    split_nul(bytes)
        .into_iter()
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (e, String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_table() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max cpu time              unlimited            unlimited            seconds   \n\
                    Max core file size        0                    unlimited            bytes     \n";
        let limits = parse_limits(text);
        assert_eq!(limits.len(), 2);
        assert_eq!(limits[1].name, "Max core file size");
        assert_eq!(limits[1].soft, "0");
        assert_eq!(limits[1].hard, "unlimited");
        assert_eq!(limits[1].unit, "bytes");
    }

    #[test]
    fn environ_and_cmdline() {
        assert_eq!(split_nul(b"a\0b c\0"), vec!["a", "b c"]);
        assert_eq!(split_nul(b""), Vec::<String>::new());
        assert_eq!(
            command_line(b"nginx: master process   \0\0\0\0"),
            vec!["nginx: master process"]
        );
        assert_eq!(command_line(b"a\0 b \0"), vec!["a", " b"]);
        assert_eq!(command_line(b"\0\0"), Vec::<String>::new());
        assert_eq!(
            parse_environ(b"A=1\0B=x=y\0"),
            vec![("A".into(), "1".into()), ("B".into(), "x=y".into())]
        );
    }

    #[test]
    fn os_release() {
        let v = parse_os_release("# c\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"13\"\n");
        assert_eq!(
            v,
            vec![("NAME".into(), "Debian GNU/Linux".into()), ("VERSION_ID".into(), "13".into())]
        );
    }
}
