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
                let _ = respond(&root, request);
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
    match std::fs::read(&file) {
        Ok(body) => {
            let header = Header::from_bytes("Content-Type", content_type(&file))
                .expect("static header is valid");
            let no_cache = Header::from_bytes("Cache-Control", "no-cache").expect("valid");
            request.respond(Response::from_data(body).with_header(header).with_header(no_cache))
        }
        Err(_) => request.respond(Response::from_string("not found").with_status_code(404)),
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
/// CI (`CI=true`, which GitHub Actions, GitLab CI and most others set) and in
/// `cargo xtask test`, which sets `HEADROOM_REQUIRE_PREREQUISITES`.
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
/// the harness's capture, so a plain `cargo test` shows every skip.
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
}
