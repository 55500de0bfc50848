//! Shared pieces of the end-to-end tests, also used by `cargo xtask serve`:
//! a static file server for the built page, bound to loopback only.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use tiny_http::{Header, Response, Server};

/// A static site served from a folder on 127.0.0.1.
pub struct StaticServer {
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
    pub port: u16,
}

impl StaticServer {
    /// Serves `root` on 127.0.0.1:`port` (0 picks a free port) in a thread.
    pub fn start(root: &Path, port: u16) -> Result<StaticServer> {
        let server = Server::http(("127.0.0.1", port))
            .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let port = server.server_addr().to_ip().map(|a| a.port()).context("no ip address")?;
        let server = Arc::new(server);
        let root = root.to_path_buf();
        let s = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in s.incoming_requests() {
                // One thread per request: a response the browser is slow to
                // take (a preload nobody has consumed yet) must not hold up
                // the others, as it would on a single-threaded loop.
                let root = root.clone();
                std::thread::spawn(move || respond(&root, request));
            }
        });
        Ok(StaticServer { server, thread: Some(thread), port })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Blocks until the process is stopped (for `cargo xtask serve`).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(root: &Path, request: tiny_http::Request) -> std::io::Result<()> {
    let path = request.url().split(['?', '#']).next().unwrap_or("/").to_string();
    let Some(file) = resolve(root, &path) else {
        return request.respond(Response::from_string("not found").with_status_code(404));
    };
    let accepted = request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Accept-Encoding"))
        .map(|h| h.value.as_str().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let (body_file, encoding) = precompressed(&file, &accepted);
    match std::fs::read(&body_file) {
        Ok(body) => {
            let mut response = Response::from_data(body)
                .with_header(header("Content-Type", content_type(&file)))
                .with_header(header("Cache-Control", cache_control(&file)))
                .with_header(header("Vary", "Accept-Encoding"));
            if let Some(encoding) = encoding {
                response = response.with_header(header("Content-Encoding", encoding));
            }
            request.respond(response)
        }
        Err(_) => request.respond(Response::from_string("not found").with_status_code(404)),
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name, value).expect("static header is valid")
}

/// The file to send for `file` given the request's Accept-Encoding: its
/// brotli or gzip copy (written by `cargo xtask dist`) when the browser takes
/// it and it exists, as nginx's `brotli_static`/`gzip_static` do.
fn precompressed(file: &Path, accept_encoding: &str) -> (PathBuf, Option<&'static str>) {
    let takes = |coding: &str| {
        accept_encoding.split(',').any(|part| {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim();
            // `q=0` means "not this one" (RFC 9110, section 12.5.3).
            let refused =
                it.any(|p| p.trim().strip_prefix("q=").is_some_and(|q| q.parse() == Ok(0.0)));
            name.eq_ignore_ascii_case(coding) && !refused
        })
    };
    for (coding, ext) in [("br", "br"), ("gzip", "gz")] {
        let mut name = file.as_os_str().to_owned();
        name.push(format!(".{ext}"));
        let candidate = PathBuf::from(name);
        if takes(coding) && candidate.is_file() {
            return (candidate, Some(coding));
        }
    }
    (file.to_path_buf(), None)
}

/// Files whose name holds a content hash (`name.0123456789abcdef.wasm`)
/// never change, so browsers may keep them a year without asking; anything
/// else is revalidated on every load, so a new build shows at once.
fn cache_control(file: &Path) -> &'static str {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let hashed = name
        .split('.')
        .skip(1)
        .any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()));
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// Maps a URL path onto a file under `root`, refusing anything that would
/// climb out of it.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let mut file = root.to_path_buf();
    for part in Path::new(url_path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => file.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// Whether a missing prerequisite fails a test rather than skipping it: under
/// CI (`CI=true`, which GitHub Actions, GitLab CI and most others set), or
/// wherever `HEADROOM_REQUIRE_PREREQUISITES` is set.
pub fn prerequisites_required() -> bool {
    std::env::var_os("HEADROOM_REQUIRE_PREREQUISITES").is_some()
        || std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Tests of this test binary skipped so far.
static SKIPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// For a test that cannot run because `missing` is absent: fails it where
/// prerequisites are required, and elsewhere prints why it is skipped and
/// how many tests of this binary were skipped so far (the harness's own
/// summary counts a skipped test as passed). The line goes to stderr past
/// the harness's capture, so a plain `cargo test` shows every skip, and to
/// the file in `HEADROOM_SKIP_LOG`, which `cargo xtask test` counts.
#[track_caller]
pub fn skip(missing: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    assert!(!prerequisites_required(), "{test} cannot run: missing {missing}");
    let n = SKIPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: missing {missing} ({n} skipped in this test binary so far)"
    );
    if let Some(log) = std::env::var_os("HEADROOM_SKIP_LOG") {
        // One write per line: tests of several binaries append at once.
        let line = format!("{test}: missing {missing}\n");
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&log);
        if let Err(e) = file.and_then(|mut f| f.write_all(line.as_bytes())) {
            panic!("cannot record the skip in {}: {e}", Path::new(&log).display());
        }
    }
}

/// The workspace root, from this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_climb_out_of_the_root() {
        let root = workspace_root();
        assert!(resolve(&root, "/../etc/passwd").is_none());
        assert!(resolve(&root, "/Cargo.toml").is_some());
        assert!(resolve(&root, "/no-such-file").is_none());
    }

    #[test]
    fn only_fingerprinted_names_are_kept_for_a_year() {
        let year = "public, max-age=31536000, immutable";
        assert_eq!(cache_control(Path::new("d/headroom-web_bg.0123456789abcdef.wasm")), year);
        assert_eq!(cache_control(Path::new("d/headroom-web.js")), "no-cache");
        assert_eq!(cache_control(Path::new("d/index.html")), "no-cache");
        // Fifteen hex digits are not a fingerprint.
        assert_eq!(cache_control(Path::new("d/a.0123456789abcde.wasm")), "no-cache");
    }

    #[test]
    fn the_precompressed_copy_follows_accept_encoding() {
        let dir =
            std::env::temp_dir().join(format!("headroom-precompressed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.js");
        for name in ["a.js", "a.js.gz", "a.js.br", "b.js", "b.js.gz"] {
            std::fs::write(dir.join(name), name).unwrap();
        }
        let pick = |f: &Path, accept: &str| {
            let (path, coding) = precompressed(f, accept);
            (path.file_name().unwrap().to_string_lossy().into_owned(), coding)
        };
        assert_eq!(pick(&file, "gzip, deflate, br, zstd"), ("a.js.br".into(), Some("br")));
        assert_eq!(pick(&file, "gzip"), ("a.js.gz".into(), Some("gzip")));
        assert_eq!(pick(&file, "br;q=0, gzip"), ("a.js.gz".into(), Some("gzip")));
        assert_eq!(pick(&file, ""), ("a.js".into(), None));
        assert_eq!(pick(&dir.join("b.js"), "br, gzip"), ("b.js.gz".into(), Some("gzip")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
