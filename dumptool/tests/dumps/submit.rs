//! `dumptool submit` against a real HTTP server on loopback: Python's
//! `http.server`, parsing the multipart body with Python's own `email`
//! parser (not ours) and answering as Socorro or Sentry do.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::support::{assert_no_secret, dumptool, files_in, Testee};

/// Serves `requests` POSTs on 127.0.0.1, prints one JSON line per request
/// with the parsed fields, and exits: bounded by count and by a timeout.
const SERVER: &str = r#"
import email.parser, email.policy, hashlib, http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        head = b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n"
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        fields = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            if part.get_filename():
                fields[name] = {"filename": part.get_filename(), "size": len(data),
                                "sha256": hashlib.sha256(data).hexdigest()}
            else:
                fields[name] = data.decode()
        print(json.dumps({"path": self.path, "fields": fields}), flush=True)
        if "/api/" in self.path:
            reply, ctype = b'{"id":"fc6d8c0c43fc4630ad850ee518f1b9d0"}', "application/json"
        else:
            reply, ctype = b"CrashID=bp-6fa2c1d4-0c5e-4e5a-9d1f-3b7c2a251203\n", "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), H)
server.timeout = 60
print(server.server_address[1], flush=True)
for _ in range(int(sys.argv[1])):
    server.handle_request()
"#;

struct Server {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
    port: u16,
}

impl Server {
    fn start(requests: usize) -> Server {
        let mut child = Command::new("python3")
            .args(["-c", SERVER, &requests.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 (Debian's python3-minimal)");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        Server { port: line.trim().parse().expect("port"), child, out }
    }

    /// The next request the server parsed.
    fn received(&mut self) -> Value {
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn capture(dir: &Path, extra: &[&str]) -> PathBuf {
    let t = Testee::spawn(1);
    let pid = t.pid.to_string();
    let run = dumptool(&[&["capture", &pid, "--dir", dir.to_str().unwrap()][..], extra].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    dir.join(&files_in(dir)[0])
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_string()
}

#[test]
fn a_redacted_dump_reaches_socorro_and_sentry_with_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let dump = capture(dir.path(), &[]);
    let mut server = Server::start(3);

    let socorro = format!("http://127.0.0.1:{}/submit", server.port);
    let run = dumptool(&[
        "submit",
        dump.to_str().unwrap(),
        "--to",
        &socorro,
        "--release",
        "6.3.1",
        "--field",
        "Ticket=1234",
        "--no-host-files",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("accepted: Socorro crash id bp-6fa2c1d4-0c5e-4e5a-9d1f-3b7c2a251203"),
        "{}",
        run.stdout
    );
    let got = server.received();
    assert_eq!(got["path"], "/submit");
    let f = &got["fields"];
    assert_eq!(f["ProductName"], "dumptool-testee");
    assert_eq!(f["Version"], "6.3.1");
    assert_eq!(f["Ticket"], "1234");
    assert_eq!(f["os"], "Linux");
    assert_eq!(f["dump_sha256"], sha256(&dump));
    // The bytes that arrived are the dump's, byte for byte.
    assert_eq!(f["upload_file_minidump"]["sha256"], sha256(&dump));
    assert_eq!(f["upload_file_minidump"]["size"], std::fs::metadata(&dump).unwrap().len());
    assert_no_secret("the submitted fields", got.to_string().as_bytes());

    let sentry = format!("http://127.0.0.1:{}/api/42/minidump/?sentry_key=0123abcd", server.port);
    let run = dumptool(&["submit", dump.to_str().unwrap(), "--to", &sentry, "--no-host-files"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Sentry event id fc6d8c0c43fc4630ad850ee518f1b9d0"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("sentry_key=[REDACTED]") && !run.stdout.contains("0123abcd"));
    let got = server.received();
    assert_eq!(got["path"], "/api/42/minidump/?sentry_key=0123abcd");
    assert_eq!(got["fields"]["Version"], "unknown");

    // A compressed dump is sent unpacked, under its own name.
    let zst = Command::new("zstd").args(["-q", "-k"]).arg(&dump).status().unwrap();
    assert!(zst.success());
    let packed = format!("{}.zst", dump.display());
    let run = dumptool(&["submit", &packed, "--to", &socorro, "--no-host-files"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = &server.received()["fields"]["upload_file_minidump"];
    assert_eq!(file["sha256"], sha256(&dump));
    assert_eq!(file["filename"], dump.file_name().unwrap().to_str().unwrap());
}

#[test]
fn an_unredacted_dump_is_refused_unless_asked_and_dry_run_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let dump = capture(dir.path(), &["--no-redact"]);
    let path = dump.to_str().unwrap();
    // A port nothing listens on: any attempt to send would fail.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/submit", closed.local_addr().unwrap().port());
    drop(closed);

    let run = dumptool(&["submit", path, "--to", &url, "--no-host-files"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("is not redacted"), "{}", run.stderr);
    assert!(run.stderr.contains("--allow-unredacted"), "{}", run.stderr);

    let run = dumptool(&[
        "submit",
        path,
        "--to",
        &url,
        "--dry-run",
        "--allow-unredacted",
        "--no-host-files",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("would send "), "{}", run.stdout);
    for line in ["  ProductName: dumptool-testee", "  Version: unknown", "  upload_file_minidump: "]
    {
        assert!(run.stdout.contains(line), "{line}: {}", run.stdout);
    }

    let mut server = Server::start(1);
    let url = format!("http://127.0.0.1:{}/submit", server.port);
    let run = dumptool(&["submit", path, "--to", &url, "--allow-unredacted", "--no-host-files"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.received()["fields"]["upload_file_minidump"]["sha256"], sha256(&dump));
}

#[test]
fn a_core_file_or_a_refusing_server_is_an_error() {
    let core = crate::support::core_fixture();
    let run = dumptool(&["submit", &core, "--to", "http://127.0.0.1:9/submit", "--no-host-files"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("crash pipelines take minidumps"), "{}", run.stderr);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/submit", closed.local_addr().unwrap().port());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let dump = capture(dir.path(), &[]);
    let run = dumptool(&[
        "submit",
        dump.to_str().unwrap(),
        "--to",
        &url,
        "--timeout",
        "5",
        "--no-host-files",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("cannot send to"), "{}", run.stderr);
}

/// A dry run refuses the URL a real send would refuse, and never prints the
/// credentials of a URL.
#[test]
fn a_dry_run_checks_the_url_and_masks_its_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let dump = capture(dir.path(), &[]);
    let path = dump.to_str().unwrap();
    for url in ["sentry.example/api/42/minidump/", "ftp://crash.example/submit"] {
        let run = dumptool(&["submit", path, "--to", url, "--dry-run", "--no-host-files"]);
        assert_eq!(run.code, 2, "{url}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stdout, "", "{url}");
        assert!(run.stderr.contains("http:// or https://"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "one sentence: {}", run.stderr);
    }
    let url = "https://PLANTED-user:PLANTED-pw@sentry.example/api/42/minidump/?sentry_key=PLANTED";
    let run = dumptool(&["submit", path, "--to", url, "--dry-run", "--no-host-files"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("to https://[REDACTED]@sentry.example/"), "{}", run.stdout);
    assert_no_secret("a dry run", run.stdout.as_bytes());
}
