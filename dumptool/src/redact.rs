//! Redaction of secrets: which environment values and command-line arguments
//! to hide, and the rewrite of a minidump in place so that they never leave
//! the host. Policies are described in `docs/redaction.md`.
//!
//! minidump-writer copies `/proc/PID/environ` and `/proc/PID/cmdline` into the
//! dump verbatim, and the same strings sit at the top of the main thread's
//! stack, which the dump also holds. [`redact_minidump`] overwrites the values
//! with as many `*` bytes, in the two streams and in every memory region, so
//! the file keeps its layout and stays valid. Pure: bytes in, bytes out.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use minidump_common::format::MINIDUMP_STREAM_TYPE as St;

/// The byte that replaces every byte of a redacted value in a dump.
pub const FILL: u8 = b'*';
/// What summaries and reports show in place of a redacted value.
pub const REDACTED: &str = "[REDACTED]";

/// Environment names whose values are kept under the `allowlist` policy:
/// harmless, and useful to whoever reads the crash (apport's approach).
pub const SAFE_ENV: &[&str] = &[
    "PATH",
    "LANG",
    "LANGUAGE",
    "TERM",
    "SHELL",
    "TZ",
    "HOME",
    "USER",
    "LOGNAME",
    "PWD",
    "SHLVL",
    "HOSTNAME",
    "TMPDIR",
    "LD_LIBRARY_PATH",
    "LD_PRELOAD",
    "MALLOC_ARENA_MAX",
];
/// Name prefixes kept under `allowlist` (the locale variables).
pub const SAFE_ENV_PREFIXES: &[&str] = &["LC_"];

/// Words that make a name (environment variable, option, `key=value`) secret.
pub const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "KEY",
    "CREDENTIAL",
    "AUTH",
    "PRIVATE",
    "COOKIE",
    "SESSION",
    "SIGNATURE",
    "DSN",
];
/// Words that make a name secret only as a whole word of it (split at `_`,
/// `-` and `.`): `DB_PASS`, `--db-pass`, `--pw`, but not `BYPASS`.
pub const SECRET_WHOLE_WORDS: &[&str] = &["PASS", "PW"];

/// Programs whose password option is one letter, which no name rule can
/// catch: the program's name prefix, the letter, and whether the value may
/// also be the next argument (`-a VALUE`) rather than only attached (`-aVALUE`).
pub const SHORT_PASSWORD_OPTIONS: &[(&str, char, bool)] = &[
    // mysql(1), mysqldump(1), mariadb(1): `-p[password]`, with no space
    // between -p and the password (after a space, -p prompts and the next
    // word is a database name).
    ("mysql", 'p', false),
    ("mariadb", 'p', false),
    // redis-cli(1): `-a <password>`.
    ("redis-cli", 'a', true),
];

/// Cloud and CI credential names that contain none of the words above.
pub const SECRET_NAMES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_CLIENT_SECRET",
    "AZURE_STORAGE_CONNECTION_STRING",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "NPM_TOKEN",
    "DATABASE_URL",
    "PGPASSWORD",
    "MYSQL_PWD",
    "REDIS_URL",
    "VAULT_TOKEN",
    "DOCKER_AUTH_CONFIG",
];

/// Which environment values to hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Hide every value whose name is not on the short list of harmless
    /// names ([`SAFE_ENV`]). The default.
    #[default]
    Allowlist,
    /// Hide only names and values that look secret.
    Secrets,
}

impl FromStr for Policy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "allowlist" => Ok(Policy::Allowlist),
            "secrets" => Ok(Policy::Secrets),
            other => Err(format!("unknown redaction policy {other:?}: use allowlist or secrets")),
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Policy::Allowlist => "allowlist",
            Policy::Secrets => "secrets",
        })
    }
}

/// A policy plus the names the user added on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    pub policy: Policy,
    /// More names to keep (`--keep-env NAME`), under `allowlist`.
    pub keep: Vec<String>,
    /// More names to hide (`--redact-env NAME`), under both policies.
    pub hide: Vec<String>,
}

impl Redactor {
    pub fn new(policy: Policy) -> Self {
        Redactor { policy, keep: Vec::new(), hide: Vec::new() }
    }

    /// Whether the value of environment variable `name` is to be hidden.
    pub fn hides_env(&self, name: &str, value: &str) -> bool {
        if self.hide.iter().any(|h| h == name) || is_secret_name(name) || is_secret_value(value) {
            return true;
        }
        match self.policy {
            Policy::Secrets => false,
            Policy::Allowlist => {
                let safe = SAFE_ENV.contains(&name)
                    || SAFE_ENV_PREFIXES.iter().any(|p| name.starts_with(p))
                    || self.keep.iter().any(|k| k == name);
                !safe
            }
        }
    }

    /// For each argument, the byte ranges to hide. Same under both policies.
    ///
    /// Argument 0 gets the same rules as the others: a program that rewrote
    /// its command line (setproctitle, as nginx, postgres and sshd do) keeps
    /// its whole title there, options and all. An argument holding
    /// whitespace (such a title, or `-g 'daemon off; env DB_PASSWORD=x;'`)
    /// is also checked word by word.
    pub fn args_to_hide(&self, args: &[&str]) -> Vec<Vec<Range<usize>>> {
        let mut out = vec![Vec::new(); args.len()];
        let mut prev_word: Option<&str> = None;
        // The one-letter password option of a program named so far.
        let mut short: Option<(char, bool)> = None;
        for (i, arg) in args.iter().enumerate() {
            let prev_arg = i.checked_sub(1).map(|p| args[p]);
            if let Some(r) = self.hide_word(arg, prev_arg, short) {
                out[i].push(r);
            } else if arg.contains(char::is_whitespace) {
                for (at, word) in words(arg) {
                    if let Some(r) = self.hide_word(word, prev_word, short) {
                        out[i].push(at + r.start..at + r.end);
                    }
                    short = short_password_option(word).or(short);
                    prev_word = Some(word);
                }
            }
            short = short_password_option(arg).or(short);
            if let Some((_, last)) = words(arg).last() {
                prev_word = Some(last);
            }
        }
        out
    }

    /// [`Self::hide_in`], then a program's one-letter password option.
    fn hide_word(
        &self,
        word: &str,
        prev: Option<&str>,
        short: Option<(char, bool)>,
    ) -> Option<Range<usize>> {
        if let Some(r) = self.hide_in(word, prev) {
            return Some(r);
        }
        let (letter, separate) = short?;
        fn value_of(w: &str, letter: char) -> Option<&str> {
            w.strip_prefix('-')?.strip_prefix(letter)
        }
        // `-pVALUE`
        if !word.starts_with("--") {
            if let Some(value) = value_of(word, letter) {
                return (!value.is_empty()).then_some(2..word.len());
            }
        }
        // `-a VALUE`
        let after_flag = prev.and_then(|p| value_of(p, letter)) == Some("");
        (separate && after_flag && !word.starts_with('-') && !word.is_empty())
            .then_some(0..word.len())
    }

    /// The part of one argument (or word) to hide, given the one before it.
    fn hide_in(&self, arg: &str, prev: Option<&str>) -> Option<Range<usize>> {
        if is_secret_value(arg) {
            return Some(0..arg.len());
        }
        if let Some(eq) = arg.find('=') {
            let name = arg[..eq].trim_start_matches('-');
            let value = &arg[eq + 1..];
            let hidden = !name.contains(char::is_whitespace)
                && !value.is_empty()
                && (is_secret_name(name)
                    || self.hide.iter().any(|h| h == name)
                    || is_secret_value(value));
            return hidden.then(|| eq + 1..arg.len());
        }
        // `--password hunter2`: an option whose name is secret, then its value.
        let prev = prev?;
        let secret_flag = prev.starts_with('-')
            && !prev.contains('=')
            && is_secret_name(prev.trim_start_matches('-'));
        (secret_flag && !arg.starts_with('-') && !arg.trim().is_empty()).then_some(0..arg.len())
    }

    /// The environment, with hidden values replaced by `[REDACTED]`;
    /// returns how many were hidden.
    pub fn redact_environ(&self, vars: &mut [(String, String)]) -> usize {
        let mut n = 0;
        for (name, value) in vars.iter_mut() {
            if looks_filled(value) || self.hides_env(name, value) {
                *value = REDACTED.to_string();
                n += 1;
            }
        }
        n
    }

    /// The command line, with hidden parts replaced by `[REDACTED]`; returns
    /// how many arguments were touched.
    pub fn redact_args(&self, args: &mut [String]) -> usize {
        let ranges = {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            self.args_to_hide(&refs)
        };
        let mut n = 0;
        for (arg, mut hide) in args.iter_mut().zip(ranges) {
            hide.extend(
                words(arg).filter_map(|(at, w)| filled_tail(w).map(|r| at + r.start..at + r.end)),
            );
            if hide.is_empty() {
                continue;
            }
            // Right to left, overlaps merged, so earlier offsets stay valid.
            hide.sort_by_key(|r| (r.start, r.end));
            let mut merged: Vec<Range<usize>> = Vec::new();
            for r in hide {
                match merged.last_mut() {
                    Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                    _ => merged.push(r),
                }
            }
            for r in merged.into_iter().rev() {
                arg.replace_range(r, REDACTED);
            }
            n += 1;
        }
        n
    }
}

/// The whitespace-separated words of `text` with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// A value that an earlier redaction of the dump already overwrote.
fn looks_filled(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b == FILL)
}

/// `--password=****` in a dump redacted at capture: the filled part.
fn filled_tail(arg: &str) -> Option<Range<usize>> {
    if looks_filled(arg) {
        return Some(0..arg.len());
    }
    let eq = arg.find('=')?;
    looks_filled(&arg[eq + 1..]).then(|| eq + 1..arg.len())
}

/// Whether a name (environment variable, option, key) looks secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    SECRET_NAMES.contains(&upper.as_str())
        || SECRET_WORDS.iter().any(|w| upper.contains(w))
        || upper.split(['_', '.']).any(|w| SECRET_WHOLE_WORDS.contains(&w))
}

/// The one-letter password option of the program `arg` names, if any.
fn short_password_option(arg: &str) -> Option<(char, bool)> {
    if arg.starts_with('-') || arg.contains('=') {
        return None;
    }
    let base = arg.rsplit('/').next().unwrap_or(arg);
    SHORT_PASSWORD_OPTIONS.iter().find(|(p, ..)| base.starts_with(p)).map(|&(_, c, sep)| (c, sep))
}

/// Whether a value looks secret whatever its name: a URL with
/// `user:password@`, a PEM private key, an AWS access key id, a JWT.
pub fn is_secret_value(value: &str) -> bool {
    if value.contains("PRIVATE KEY-----") {
        return true;
    }
    if let Some(scheme_end) = value.find("://") {
        let rest = &value[scheme_end + 3..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if let Some(at) = authority.rfind('@') {
            if authority[..at].contains(':') {
                return true;
            }
        }
    }
    let aws_key_id = value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let jwt = value.starts_with("eyJ") && value.matches('.').count() == 2 && value.len() > 30;
    aws_key_id || jwt
}

/// What [`redact_minidump`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedactionStats {
    /// Environment values overwritten in the LinuxEnviron stream.
    pub env_values: usize,
    /// Command-line arguments overwritten in the LinuxCmdLine stream.
    pub args: usize,
    /// Further copies overwritten in the dump's memory (thread stacks).
    pub memory_copies: usize,
}

/// Why a minidump could not be redacted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RedactError {
    #[error("not a minidump (no MDMP signature)")]
    NotMinidump,
    #[error("the minidump's stream directory is cut short")]
    Truncated,
}

const STREAM_THREAD_LIST: u32 = St::ThreadListStream as u32;
const STREAM_MEMORY_LIST: u32 = St::MemoryListStream as u32;
const STREAM_LINUX_CMDLINE: u32 = St::LinuxCmdLine as u32;
const STREAM_LINUX_ENVIRON: u32 = St::LinuxEnviron as u32;
/// Values shorter than this are overwritten in their stream only: shorter
/// strings match unrelated bytes in memory too often.
const MIN_MEMORY_MATCH: usize = 6;

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn range_at(b: &[u8], rva: u32, size: u32) -> Option<Range<usize>> {
    let start = rva as usize;
    let end = start.checked_add(size as usize)?;
    (end <= b.len()).then_some(start..end)
}

/// The streams of a (little-endian) minidump: type and byte range.
pub fn minidump_streams(dump: &[u8]) -> Result<Vec<(u32, Range<usize>)>, RedactError> {
    if dump.get(..4) != Some(b"MDMP") {
        return Err(RedactError::NotMinidump);
    }
    let count = u32_at(dump, 8).ok_or(RedactError::Truncated)?;
    let dir = u32_at(dump, 12).ok_or(RedactError::Truncated)? as usize;
    let mut out = Vec::new();
    for i in 0..count as usize {
        let off = dir + i * 12;
        let (Some(ty), Some(size), Some(rva)) =
            (u32_at(dump, off), u32_at(dump, off + 4), u32_at(dump, off + 8))
        else {
            return Err(RedactError::Truncated);
        };
        if let Some(r) = range_at(dump, rva, size) {
            out.push((ty, r));
        }
    }
    Ok(out)
}

/// Memory regions of the dump: the memory list and the thread stacks.
fn memory_regions(dump: &[u8], streams: &[(u32, Range<usize>)]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (ty, r) in streams {
        let s = &dump[r.clone()];
        let (entry, desc_at) = match *ty {
            STREAM_MEMORY_LIST => (16, 8),
            STREAM_THREAD_LIST => (48, 32),
            _ => continue,
        };
        // The count is untrusted: never walk past the stream's end.
        let n = (u32_at(s, 0).unwrap_or(0) as usize).min(s.len().saturating_sub(4) / entry);
        for i in 0..n {
            let off = 4 + i * entry + desc_at;
            if let (Some(size), Some(rva)) = (u32_at(s, off), u32_at(s, off + 4)) {
                out.extend(range_at(dump, rva, size));
            }
        }
    }
    // No byte is scanned twice.
    crate::ranges::merged(out)
}

fn fill(bytes: &mut [u8]) {
    bytes.iter_mut().for_each(|b| *b = FILL);
}

/// Overwrites every occurrence of `needle` in `hay`; returns how many.
fn overwrite_all(hay: &mut [u8], needle: &[u8], skip: usize) -> usize {
    if needle.is_empty() || hay.len() < needle.len() {
        return 0;
    }
    let mut n = 0;
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        if hay[i..i + needle.len()] == *needle {
            fill(&mut hay[i + skip..i + needle.len()]);
            n += 1;
            i += needle.len();
        } else {
            i += 1;
        }
    }
    n
}

/// Redacts a minidump in place: environment values and command-line
/// arguments the policy hides are overwritten with `*` in the LinuxEnviron
/// and LinuxCmdLine streams and wherever else they appear in the dump's
/// memory. The file's size and structure do not change.
pub fn redact_minidump(
    dump: &mut [u8],
    redactor: &Redactor,
) -> Result<RedactionStats, RedactError> {
    let streams = minidump_streams(dump)?;
    let mut stats = RedactionStats::default();
    // (needle, bytes of it to keep) for the memory pass.
    let mut needles: Vec<(Vec<u8>, usize)> = Vec::new();

    for (ty, r) in streams.iter().filter(|(t, _)| *t == STREAM_LINUX_ENVIRON) {
        let _ = ty;
        let mut start = r.start;
        for entry in dump[r.clone()].split(|&b| b == 0).map(<[u8]>::len).collect::<Vec<_>>() {
            let e = start..start + entry;
            start += entry + 1;
            let text = String::from_utf8_lossy(&dump[e.clone()]).into_owned();
            let Some(eq) = text.find('=') else { continue };
            let (name, value) = (&text[..eq], &text[eq + 1..]);
            if value.is_empty() || !redactor.hides_env(name, value) || looks_filled(value) {
                continue;
            }
            let raw_eq = dump[e.clone()].iter().position(|&b| b == b'=').unwrap_or(0);
            let whole = dump[e.clone()].to_vec();
            needles.push((whole, raw_eq + 1));
            if value.len() >= MIN_MEMORY_MATCH {
                needles.push((dump[e.start + raw_eq + 1..e.end].to_vec(), 0));
            }
            fill(&mut dump[e.start + raw_eq + 1..e.end]);
            stats.env_values += 1;
        }
    }

    for (_, r) in streams.iter().filter(|(t, _)| *t == STREAM_LINUX_CMDLINE) {
        let mut spans = Vec::new();
        let mut start = r.start;
        for len in dump[r.clone()].split(|&b| b == 0).map(<[u8]>::len).collect::<Vec<_>>() {
            spans.push(start..start + len);
            start += len + 1;
        }
        let texts: Vec<String> =
            spans.iter().map(|s| String::from_utf8_lossy(&dump[s.clone()]).into_owned()).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for (span, hide) in spans.iter().zip(redactor.args_to_hide(&refs)) {
            if hide.is_empty() {
                continue;
            }
            for h in hide {
                // Byte offsets are those of the lossy text; clamp to the raw span.
                let a = (span.start + h.start).min(span.end);
                let b = (span.start + h.end).min(span.end);
                if b - a >= MIN_MEMORY_MATCH.min(4) {
                    needles.push((dump[a..b].to_vec(), 0));
                }
                fill(&mut dump[a..b]);
            }
            stats.args += 1;
        }
    }

    needles.sort();
    needles.dedup();
    for region in memory_regions(dump, &streams) {
        for (needle, keep) in &needles {
            stats.memory_copies += overwrite_all(&mut dump[region.clone()], needle, *keep);
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_hides_all_but_harmless_names() {
        let r = Redactor::new(Policy::Allowlist);
        for (name, value, hidden) in [
            ("PATH", "/usr/bin", false),
            ("LC_ALL", "C.UTF-8", false),
            ("TERM", "xterm", false),
            ("APP_MODE", "blue", true),
            ("DB_PASSWORD", "hunter2", true),
            ("PATH", "https://u:p@host/x", true),
        ] {
            assert_eq!(r.hides_env(name, value), hidden, "{name}={value}");
        }
    }

    #[test]
    fn secrets_hides_only_what_looks_secret() {
        let r = Redactor::new(Policy::Secrets);
        for (name, value, hidden) in [
            ("APP_MODE", "blue", false),
            ("DB_PASSWORD", "hunter2", true),
            ("api_token", "x", true),
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", true),
            ("UPSTREAM", "https://admin:s3cret@db.example:5432/x", true),
            ("UPSTREAM", "https://db.example:5432/x", false),
            ("TLS", "-----BEGIN RSA PRIVATE KEY-----\nMII", true),
        ] {
            assert_eq!(r.hides_env(name, value), hidden, "{name}={value}");
        }
    }

    #[test]
    fn secret_arguments() {
        let r = Redactor::new(Policy::Secrets);
        let args = [
            "server",
            "--password=hunter2",
            "--token",
            "abc123",
            "--port",
            "8080",
            "postgres://u:pw@h/db",
            "API_KEY=zzz",
            "--verbose",
        ];
        let hide = r.args_to_hide(&args);
        let want: Vec<Vec<Range<usize>>> = vec![
            vec![],
            vec![11..18],
            vec![],
            vec![0..6],
            vec![],
            vec![],
            vec![0..20],
            vec![8..11],
            vec![],
        ];
        assert_eq!(hide, want);
        let mut owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        assert_eq!(r.redact_args(&mut owned), 4);
        assert_eq!(owned[1], "--password=[REDACTED]");
        assert_eq!(owned[3], "[REDACTED]");
    }

    #[test]
    fn rewritten_command_lines_are_arguments() {
        let r = Redactor { hide: vec!["UPSTREAM".into()], ..Redactor::new(Policy::Secrets) };
        // nginx's master after setproctitle: one string where argv was.
        let mut args =
            vec!["nginx: master process /usr/sbin/nginx -g daemon off; env DB_PASSWORD=s3cr3t-1; \
             env UPSTREAM=db.internal; --token abc123"
                .to_string()];
        assert_eq!(r.redact_args(&mut args), 1);
        assert_eq!(
            args[0],
            "nginx: master process /usr/sbin/nginx -g daemon off; env DB_PASSWORD=[REDACTED] \
             env UPSTREAM=[REDACTED] --token [REDACTED]"
        );
        // Argument 0 is no longer exempt, but a program path is no secret.
        let mut args = vec!["postgres://u:pw@h/db".to_string(), "/usr/bin/key-agent".into()];
        assert_eq!(r.redact_args(&mut args), 1);
        assert_eq!(args, ["[REDACTED]", "/usr/bin/key-agent"]);
        // `--password 'two words'`: the whole next argument.
        assert_eq!(r.args_to_hide(&["x", "--password", "two words"])[2], vec![0..9]);
    }

    #[test]
    fn short_password_options_and_whole_words() {
        let r = Redactor::new(Policy::Secrets);
        // (argument index, range hidden in it), in order.
        let hidden = |args: &[&str]| -> Vec<(usize, Range<usize>)> {
            let per_arg = r.args_to_hide(args).into_iter().enumerate();
            per_arg.flat_map(|(i, v)| v.into_iter().map(move |h| (i, h))).collect()
        };
        // mysql's `-pSECRET`; `-p dbname` prompts, so dbname is no secret.
        assert_eq!(
            hidden(&["/usr/bin/mysqldump", "-uroot", "-pS3cret", "-p", "shop"]),
            [(2, 2..8)]
        );
        assert_eq!(hidden(&["mariadb", "--port=3306", "-pX"]), [(2, 2..3)]);
        // Under another program, -p is a port.
        assert_eq!(hidden(&["ssh", "-p2222", "host"]), []);
        assert_eq!(hidden(&["redis-cli", "-a", "S3cret", "-h", "db"]), [(2, 0..6)]);
        // The last program named counts; a shell running the client names it in a word.
        assert_eq!(
            hidden(&["mysql", "-pX", "redis-cli", "-a", "Y", "-pZ"]),
            [(1, 2..3), (4, 0..1)]
        );
        assert_eq!(hidden(&["sh", "-c", "mysql -pS3cret shop"]), [(2, 8..14)]);
        // PASS and PW count as whole words only.
        assert_eq!(hidden(&["x", "--db-pass", "S3cret", "--pw=S3cret"]), [(2, 0..6), (3, 5..11)]);
        for (name, secret) in
            [("DB_PASS", true), ("smtp.pass", true), ("BYPASS", false), ("PASSTHROUGH", false)]
        {
            assert_eq!(is_secret_name(name), secret, "{name}");
        }
    }

    #[test]
    fn filled_values_show_as_redacted() {
        let r = Redactor::new(Policy::Secrets);
        let mut env = vec![("X".to_string(), "****".to_string())];
        assert_eq!(r.redact_environ(&mut env), 1);
        assert_eq!(env[0].1, REDACTED);
        let mut args = vec!["a".to_string(), "--db-pw=*****".to_string()];
        r.redact_args(&mut args);
        assert_eq!(args[1], "--db-pw=[REDACTED]");
    }

    #[test]
    fn not_a_minidump() {
        let mut bytes = b"ELF".to_vec();
        assert_eq!(
            redact_minidump(&mut bytes, &Redactor::default()),
            Err(RedactError::NotMinidump)
        );
    }

    /// A hand-made minidump: header, directory, an environ stream, a
    /// cmdline stream, and a memory list with one region holding copies.
    #[test]
    fn rewrites_streams_and_memory_in_place() {
        let environ = b"PATH=/bin\0DB_PASSWORD=hunter22\0".to_vec();
        let cmdline = b"srv\0--token=tok-123456\0".to_vec();
        let memory = b"..DB_PASSWORD=hunter22..tok-123456..hunter22".to_vec();
        let mut dump = Vec::new();
        let dir = 32u32;
        let data = dir + 3 * 12;
        let mem_list_len = 4 + 16;
        let env_rva = data;
        let cmd_rva = env_rva + environ.len() as u32;
        let list_rva = cmd_rva + cmdline.len() as u32;
        let mem_rva = list_rva + mem_list_len;
        dump.extend_from_slice(b"MDMP");
        dump.extend_from_slice(&0xa793u32.to_le_bytes());
        dump.extend_from_slice(&3u32.to_le_bytes());
        dump.extend_from_slice(&dir.to_le_bytes());
        dump.extend_from_slice(&[0; 16]);
        for (ty, size, rva) in [
            (STREAM_LINUX_ENVIRON, environ.len() as u32, env_rva),
            (STREAM_LINUX_CMDLINE, cmdline.len() as u32, cmd_rva),
            (STREAM_MEMORY_LIST, mem_list_len, list_rva),
        ] {
            for v in [ty, size, rva] {
                dump.extend_from_slice(&v.to_le_bytes());
            }
        }
        dump.extend_from_slice(&environ);
        dump.extend_from_slice(&cmdline);
        dump.extend_from_slice(&1u32.to_le_bytes());
        dump.extend_from_slice(&0x1000u64.to_le_bytes());
        dump.extend_from_slice(&(memory.len() as u32).to_le_bytes());
        dump.extend_from_slice(&mem_rva.to_le_bytes());
        dump.extend_from_slice(&memory);
        let len = dump.len();

        let stats = redact_minidump(&mut dump, &Redactor::default()).unwrap();
        assert_eq!(dump.len(), len);
        assert_eq!(stats.env_values, 1);
        assert_eq!(stats.args, 1);
        assert_eq!(stats.memory_copies, 3);
        let text = String::from_utf8_lossy(&dump);
        assert!(!text.contains("hunter22"), "{text}");
        assert!(!text.contains("tok-123456"), "{text}");
        assert!(text.contains("PATH=/bin\0DB_PASSWORD=********\0"), "{text}");
        assert!(text.contains("--token=**********"), "{text}");
    }
}
