//! `dumptool submit`: hand a redacted minidump to an existing crash
//! pipeline. Both accept Breakpad's upload form, a `multipart/form-data`
//! POST (RFC 7578) with the dump in the file field `upload_file_minidump`
//! and annotations as plain fields:
//!
//! - Sentry: `POST /api/<project>/minidump/?sentry_key=<key>` (Sentry docs,
//!   "Minidumps: Uploading"), answers JSON `{"id": "<event id>"}`;
//! - Socorro's collector: `POST /submit` with `ProductName` and `Version`
//!   (Socorro docs, "Crash reports: submitting"), answers
//!   `CrashID=bp-<uuid>`.
//!
//! Building the body and reading the answer are pure; the command sends it.

use crate::report::Report;

/// The form field that carries the dump (Breakpad's and both servers').
pub const DUMP_FIELD: &str = "upload_file_minidump";

/// What would be sent: the annotation fields and the dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub file_name: String,
    pub dump: Vec<u8>,
}

/// The annotations a report gives: `ProductName` and `Version` (Socorro
/// requires both), then what the triage found. `extra` (from `--field
/// KEY=VALUE`) replaces a field of the same name or adds one.
pub fn fields(
    report: &Report,
    product: Option<&str>,
    version: Option<&str>,
    extra: &[(String, String)],
) -> Vec<(String, String)> {
    let s = &report.summary;
    let mut out: Vec<(String, String)> = vec![
        (
            "ProductName".into(),
            product
                .map(str::to_string)
                .or_else(|| s.process.name.clone())
                .unwrap_or_else(|| "unknown".into()),
        ),
        ("Version".into(), version.unwrap_or("unknown").to_string()),
    ];
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.push((k.to_string(), v));
        }
    };
    add("signature", s.signature.clone());
    add("crash_reason", s.crash.as_ref().map(|c| c.reason.clone()));
    add("process", s.process.name.clone());
    add("os", Some(s.system.os.clone()));
    add("cpu", Some(s.system.cpu.clone()));
    add("dump_sha256", Some(report.sha256.clone()));
    add("captured_by", Some(report.captured_by.clone()));
    for m in &s.known_issues {
        add("known_issue", Some(m.title.clone()));
    }
    for (k, v) in extra {
        match out.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// A boundary that occurs nowhere in the parts (RFC 2046 section 5.1.1).
fn boundary(upload: &Upload) -> String {
    let mut n: u64 = upload.dump.len() as u64;
    loop {
        let b = format!("----dumptool-{n:016x}");
        let clash = |bytes: &[u8]| bytes.windows(b.len()).any(|w| w == b.as_bytes());
        if !clash(&upload.dump)
            && !upload.fields.iter().any(|(k, v)| clash(k.as_bytes()) || clash(v.as_bytes()))
        {
            return b;
        }
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    }
}

/// Quotes a name for a Content-Disposition parameter (RFC 7578 section 4.2).
fn quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace(['\r', '\n'], " ")
}

/// The request body and its Content-Type header value.
pub fn multipart(upload: &Upload) -> (Vec<u8>, String) {
    let b = boundary(upload);
    let mut body = Vec::with_capacity(upload.dump.len() + 1024);
    for (k, v) in &upload.fields {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{v}\r\n",
                quoted(k)
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{DUMP_FIELD}\"; filename=\"{}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            quoted(&upload.file_name)
        )
        .as_bytes(),
    );
    body.extend_from_slice(&upload.dump);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={b}"))
}

/// What the server said, as the user needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Socorro's `CrashID=bp-...`.
    Socorro(String),
    /// Sentry's event id.
    Sentry(String),
    /// Anything else, as text (cut to a line).
    Other(String),
}

/// Reads a 2xx answer's body.
pub fn answer(body: &str) -> Answer {
    let body = body.trim();
    if let Some(id) = body.lines().find_map(|l| l.trim().strip_prefix("CrashID=")) {
        return Answer::Socorro(id.to_string());
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        if let Some(id) = v.get("id").and_then(|i| i.as_str()) {
            return Answer::Sentry(id.to_string());
        }
    }
    Answer::Other(body.chars().take(200).collect::<String>().replace(['\r', '\n'], " "))
}

/// Checks `--to` before anything is read or sent, so that `--dry-run`
/// refuses what a real send would: an http(s) URL with a host.
pub fn check_url(url: &str) -> Result<(), String> {
    let uri = url.parse::<ureq::http::Uri>().ok();
    match uri.as_ref().map(|u| (u.scheme_str(), u.host())) {
        Some((Some("http" | "https"), Some(host))) if !host.is_empty() => Ok(()),
        _ => Err(format!(
            "--to {}: not an http:// or https:// URL with a host: give the pipeline's upload \
             URL, e.g. https://HOST/api/PROJECT/minidump/?sentry_key=KEY",
            shown_url(url)
        )),
    }
}

/// The URL as shown: a `sentry_key` (a project's DSN key) and the
/// `user:password@` of the authority masked.
pub fn shown_url(url: &str) -> String {
    let masked;
    let url = match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => {
                    masked = format!("{scheme}://[REDACTED]@{}", &rest[at + 1..]);
                    masked.as_str()
                }
                None => url,
            }
        }
        None => url,
    };
    let Some((base, query)) = url.split_once('?') else { return url.to_string() };
    let query: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some(("sentry_key", _)) => "sentry_key=[REDACTED]".to_string(),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

/// `KEY=VALUE` from `--field`.
pub fn parse_field(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("{s:?}: a field is KEY=VALUE, e.g. --field Version=6.3.1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(dump: &[u8]) -> Upload {
        Upload {
            fields: vec![("ProductName".into(), "amps".into()), ("Version".into(), "5.3".into())],
            file_name: "a \"b\".dmp".into(),
            dump: dump.to_vec(),
        }
    }

    #[test]
    fn body_has_each_field_then_the_dump() {
        let (body, ctype) = multipart(&upload(b"MDMP\x00\x01"));
        let b = ctype.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"ProductName\"\r\n\r\namps\r\n"
        )));
        assert!(
            text.contains("name=\"upload_file_minidump\"; filename=\"a \\\"b\\\".dmp\""),
            "{text}"
        );
        assert!(body.ends_with(format!("MDMP\x00\x01\r\n--{b}--\r\n").as_bytes()));
    }

    #[test]
    fn the_boundary_never_occurs_in_the_dump() {
        // A 29-byte dump holding exactly the first boundary tried for it.
        let first = format!("----dumptool-{:016x}", 29);
        assert_eq!(first.len(), 29);
        let clash = upload(first.as_bytes());
        let b = boundary(&clash);
        assert_ne!(b, first);
        assert!(!clash.dump.windows(b.len()).any(|w| w == b.as_bytes()));
    }

    #[test]
    fn answers() {
        assert_eq!(
            answer("CrashID=bp-6fa2c1d4-0c5e-4e5a-9d1f-3b7c2a251203\n"),
            Answer::Socorro("bp-6fa2c1d4-0c5e-4e5a-9d1f-3b7c2a251203".into())
        );
        assert_eq!(
            answer("{\"id\":\"fc6d8c0c43fc4630ad850ee518f1b9d0\"}"),
            Answer::Sentry("fc6d8c0c43fc4630ad850ee518f1b9d0".into())
        );
        assert_eq!(answer("ok\n"), Answer::Other("ok".into()));
    }

    #[test]
    fn upload_urls_are_http_with_a_host() {
        assert_eq!(check_url("https://sentry.example/api/42/minidump/?sentry_key=k"), Ok(()));
        assert_eq!(check_url("http://127.0.0.1:8080/submit"), Ok(()));
        for bad in ["notaurl", "ftp://host/x", "https://", "/api/42/minidump/"] {
            let e = check_url(bad).unwrap_err();
            assert!(e.starts_with("--to "), "{bad}: {e}");
        }
        assert!(!check_url("ftp://k:SECRET@h/").unwrap_err().contains("SECRET"));
    }

    #[test]
    fn sentry_keys_are_masked_and_fields_parsed() {
        assert_eq!(
            shown_url("https://o1.ingest.example/api/42/minidump/?sentry_key=abc123&x=1"),
            "https://o1.ingest.example/api/42/minidump/?sentry_key=[REDACTED]&x=1"
        );
        assert_eq!(
            shown_url("https://key:pw@sentry.example/api/1/minidump/?a=b@c"),
            "https://[REDACTED]@sentry.example/api/1/minidump/?a=b@c"
        );
        assert_eq!(parse_field("Version=6.3.1=b"), Ok(("Version".into(), "6.3.1=b".into())));
        assert!(parse_field("=x").is_err());
        assert!(parse_field("novalue").is_err());
    }
}
