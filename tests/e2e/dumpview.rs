//! The crash-dump view (web/dumpview + web/assets/dumpview*.js): dumps are
//! chosen or dropped in the page, analyzed by dumptool's own code in a
//! worker, and checked against minidump-stackwalk's output (expected.json)
//! and against dumptool's report for the same bytes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dumptool::analyze::{self, Options};
use dumptool::report::Report;
use headroom_tests::workspace_root;

use crate::browser::{self, Session};

fn corpus() -> PathBuf {
    workspace_root().join("testdata/minidumps")
}

fn test_sym() -> PathBuf {
    corpus().join("symbols/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym")
}

/// The planner with its Crash dump view open; `None` when there is no
/// browser or built page (see `browser::open`).
fn open_view(page: Option<Session>) -> Option<Session> {
    let page = page?;
    page.click("#nav-dump");
    assert!(page.wait_for("#dump-file"), "the viewer mounted in #dump-view");
    Some(page)
}

fn state(page: &Session) -> String {
    let v = page.eval("document.querySelector('#dump-view').dataset.state || ''");
    v.as_str().unwrap_or_default().to_string()
}

/// Chooses files in the view's file input and waits for the outcome:
/// `done` or `error`.
fn choose(page: &Session, files: &[&Path]) -> String {
    page.eval("delete document.querySelector('#dump-view').dataset.state");
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    page.tab
        .wait_for_element("#dump-file")
        .expect("file input")
        .set_input_files(&paths)
        .expect("set files");
    wait_settled(page)
}

fn wait_settled(page: &Session) -> String {
    let start = Instant::now();
    loop {
        let s = state(page);
        if s == "done" || s == "error" {
            return s;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "analysis did not finish: {s:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What an export button hands to the browser's download, read back from
/// the Blob it creates.
fn export(page: &Session, button: &str) -> String {
    page.eval(
        "(() => { const orig = URL.createObjectURL; window.__exported = null; \
         URL.createObjectURL = (b) => { window.__exported = b; return orig.call(URL, b); }; })()",
    );
    page.click(button);
    let text = page.tab.evaluate("window.__exported.text()", true).expect("blob text");
    text.value.and_then(|v| v.as_str().map(String::from)).expect("exported text")
}

/// dumptool's report for a file, as `dumptool report` writes it (the CLI's
/// `report` command is this call on the file's bytes and name).
fn dumptool_report(path: &Path, symbols: &[PathBuf]) -> Report {
    let bytes = std::fs::read(path).expect("dump");
    let options = Options { symbol_paths: symbols.to_vec(), ..Options::default() };
    let summary = analyze::analyze(&bytes, &options).expect("dumptool analyzes it");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    Report::new(&name, &bytes, summary)
}

#[test]
fn corpus_dumps_show_what_minidump_stackwalk_says() {
    let Some(page) = open_view(browser::open("/")) else { return };
    let text = std::fs::read_to_string(corpus().join("expected.json")).unwrap();
    let expected: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for (name, want) in &expected {
        if want.get("error").is_some() {
            continue;
        }
        // One view for all: each chosen dump replaces the one before.
        assert_eq!(choose(&page, &[&corpus().join(name)]), "done", "{name}");
        assert_eq!(
            page.text("#dump-crash-reason"),
            want["crash_reason"].as_str().unwrap(),
            "{name}"
        );
        let crashing = page.text("#dump-crashing-thread");
        let index = want["crashing_thread"].as_u64().unwrap();
        assert!(crashing.starts_with(&format!("{index} (tid ")), "{name}: {crashing}");
        assert_eq!(page.text("#dump-module-count"), want["modules"].to_string(), "{name}");
        assert_eq!(page.text("#dump-thread-count"), want["threads"].to_string(), "{name}");
        assert!(page.text("#dump-system").starts_with(want["os"].as_str().unwrap()), "{name}");
        let rows = page.eval("document.querySelectorAll('#dump-modules tbody tr').length");
        assert_eq!(rows, want["modules"], "{name}: one row per module");
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn symbols_turn_frames_into_function_names() {
    let Some(page) = open_view(browser::open("/")) else { return };
    let dump = corpus().join("test.dmp");
    let native = dumptool_report(&dump, &[corpus().join("symbols")]);
    let crashing = native.summary.crashing().expect("test.dmp has a crashing thread");
    let function = crashing.frames[0].function.clone().expect("symbolized by dumptool");

    assert_eq!(choose(&page, &[&dump]), "done");
    assert!(!page.text("#dump-stack").contains(&function), "no symbols, no names");
    // The dump and its .sym chosen together, as a person would.
    assert_eq!(choose(&page, &[&dump, &test_sym()]), "done");
    assert!(page.text("#dump-symbols").starts_with("1 symbol file"));
    let stack = page.text("#dump-stack");
    assert!(stack.contains(&format!("test_app.exe!{function}")), "{stack}");
    // The export is the symbolized report dumptool writes with the store.
    assert_eq!(export(&page, "#dump-export-md"), native.to_markdown());
}

#[test]
fn malformed_dumps_show_an_error_and_the_page_keeps_working() {
    let Some(page) = open_view(browser::open("/")) else { return };
    for name in ["invalid-range.dmp", "invalid-record-count.dmp"] {
        assert_eq!(choose(&page, &[&corpus().join(name)]), "error", "{name}");
        let error = page.text("#dump-error");
        assert!(error.starts_with(&format!("{name}: malformed minidump")), "{error}");
        assert!(!page.visible("#dump-summary"), "{name}: no summary is shown");
    }
    // Not a dump at all.
    assert_eq!(choose(&page, &[&workspace_root().join("Cargo.toml")]), "error");
    assert!(page.text("#dump-error").contains("not a minidump or an ELF core file"));
    // The same view still opens a good dump, and the planner still works.
    assert_eq!(choose(&page, &[&corpus().join("linux-mini.dmp")]), "done");
    assert!(page.visible("#dump-summary") && !page.visible("#dump-error"));
    let view = page.text("#dump-view");
    assert!(!view.contains("not a minidump"), "the last error is gone: {view}");
    page.click("#nav-planner");
    assert!(page.wait_for("#amps-memory-q-estimate"));
}

/// `dumptool report FILE --format F --no-host-files`, the built binary's
/// standard output: the page has no host files to name frames from, so the
/// CLI is asked to use none either. `cargo test --workspace` builds it
/// beside this test's own executable.
fn dumptool_binary_report(path: &Path, format: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(Path::parent).unwrap().join("dumptool");
    assert!(bin.exists(), "{}: build it first (cargo build -p dumptool)", bin.display());
    // The report names the file as given, so run it from the dump's folder.
    let out = std::process::Command::new(&bin)
        .current_dir(path.parent().unwrap())
        .args(["report", path.file_name().unwrap().to_str().unwrap(), "--format", format])
        .arg("--no-host-files")
        .output()
        .expect("run dumptool");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// For three corpus minidumps and the kernel-written core of testdata/cores.
#[test]
fn exported_reports_equal_dumptool_report() {
    let Some(page) = open_view(browser::open("/")) else { return };
    let core = workspace_root().join("testdata/cores/testee-segv.core");
    let dumps = ["linux-mini.dmp", "pipeline-inlines-macos-segv.dmp", "invalid-parameter.dmp"];
    for path in dumps.iter().map(|n| corpus().join(n)).chain([core]) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let native = dumptool_report(&path, &[]);
        assert_eq!(choose(&page, &[&path]), "done");
        let md = export(&page, "#dump-export-md");
        let json = export(&page, "#dump-export-json");
        assert_eq!(md, native.to_markdown(), "{name} (Markdown)");
        assert_eq!(json, native.to_json(), "{name} (JSON)");
        // Byte for byte what the CLI writes for the same file.
        assert_eq!(md, dumptool_binary_report(&path, "markdown"), "{name}: dumptool report");
        assert_eq!(
            json,
            dumptool_binary_report(&path, "json"),
            "{name}: dumptool report --format json"
        );
    }
}

/// A dump dropped on the view (a real drop event with a DataTransfer).
#[test]
fn a_dropped_dump_is_analyzed() {
    let Some(page) = open_view(browser::open("/")) else { return };
    let bytes = std::fs::read(corpus().join("linux-mini.dmp")).unwrap();
    let js = format!(
        "(() => {{ const bytes = new Uint8Array({bytes:?}); const dt = new DataTransfer(); \
         dt.items.add(new File([bytes], 'linux-mini.dmp')); \
         document.querySelector('#dump-drop').dispatchEvent(new DragEvent('drop', \
         {{ dataTransfer: dt, bubbles: true, cancelable: true }})); }})()"
    );
    page.eval(&js);
    assert_eq!(wait_settled(&page), "done");
    assert_eq!(page.text("#dump-crash-reason"), "SIGSEGV");
}

/// A dump captured live by dumptool carries /proc/PID/limits: the view shows
/// them and the core verdict, as the report does.
#[cfg(target_os = "linux")]
#[test]
fn a_live_capture_shows_its_limits_and_core_verdict() {
    use std::process::{Command, Stdio};
    let Some(page) = open_view(browser::open("/")) else { return };
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -c 0 && exec sleep 60"])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn a process to capture");
    // Let the shell exec sleep, so the capture sees the final process.
    std::thread::sleep(Duration::from_millis(200));
    let dir = std::env::temp_dir().join(format!("headroom-dumpview-{}", child.id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("live.dmp");
    let captured = dumptool::capture::capture(&dumptool::capture::CaptureOptions {
        pid: child.id(),
        tid: None,
        output: dumptool::capture::Output::File(path.clone()),
        redactor: Some(Default::default()),
    });
    let _ = child.kill();
    let _ = child.wait();
    let captured = captured.expect("dumptool captures the process");
    let native = dumptool_report(&captured.path, &[]);
    let verdict = native.core_limit.clone().expect("a live capture holds the limits");

    assert_eq!(choose(&page, &[&captured.path]), "done");
    assert_eq!(page.text("#dump-core-verdict"), verdict);
    assert!(verdict.contains("no core"), "{verdict}");
    let limits = page.text("#dump-limits");
    assert!(limits.contains("Max core file size"), "{limits}");
    assert!(page.text("#dump-process").contains("sleep"));
    // For a person to look at: target/screenshots/dumpview-live-capture.png.
    page.screenshot("dumpview-live-capture");
    assert_eq!(export(&page, "#dump-export-md"), native.to_markdown());
    assert_eq!(export(&page, "#dump-export-json"), native.to_json());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The viewer loads only with its view, and nothing it does (load, analyze,
/// export) sends a request off the origin.
#[test]
fn the_viewer_loads_lazily_and_nothing_leaves_the_origin() {
    let Some((page, urls)) = browser::open_recording("/") else { return };
    assert!(page.wait_for("#nav-dump"));
    let before = urls.lock().unwrap().clone();
    assert!(
        !before.iter().any(|u| u.contains("dumpview.") || u.contains("dumpview_bg")),
        "{before:?}"
    );
    let page = open_view(Some(page)).unwrap();
    assert_eq!(choose(&page, &[&corpus().join("linux-mini.dmp"), &test_sym()]), "done");
    export(&page, "#dump-export-md");
    // Leaving the view drops it; coming back starts empty.
    page.click("#nav-planner");
    assert!(page.wait_for("#amps-memory-q-estimate"));
    let page = open_view(Some(page)).unwrap();
    assert!(!page.visible("#dump-summary"));

    let urls = urls.lock().unwrap().clone();
    // The worker's own loads (its wasm-bindgen JS and wasm, fixed paths next
    // to it) are not in the page's network events; the worker itself is.
    assert!(urls.iter().any(|u| u.ends_with("/dumpview-worker.js")), "{urls:?}");
    let foreign = browser::foreign(&page, &urls);
    assert!(foreign.is_empty(), "requests left the origin: {foreign:?}");
}

/// A dump of tens of MB (linux-mini.dmp padded to 40 MiB, or the file in
/// `HEADROOM_LARGE_DUMP`) is read and analyzed off the main thread: the page
/// answers while it works and shows progress. Prints the time to the summary.
#[test]
fn a_large_dump_keeps_the_page_responsive() {
    let Some(page) = open_view(browser::open("/")) else { return };
    let dir = std::env::temp_dir().join(format!("headroom-dumpview-large-{}", std::process::id()));
    let path = match std::env::var_os("HEADROOM_LARGE_DUMP") {
        Some(p) => PathBuf::from(p),
        None => {
            // Bytes after the last stream are never read by the parser but
            // are hashed and counted, as a large dump's memory would be.
            let mut bytes = std::fs::read(corpus().join("linux-mini.dmp")).unwrap();
            bytes.resize(40 << 20, 0xa5);
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("large.dmp");
            std::fs::write(&path, bytes).unwrap();
            path
        }
    };
    page.eval("delete document.querySelector('#dump-view').dataset.state");
    let chosen = Instant::now();
    let input = page.tab.wait_for_element("#dump-file").expect("file input");
    input.set_input_files(&[&path.display().to_string()]).expect("set files");
    let (mut answered, mut progress_seen, mut slowest) = (0, false, Duration::ZERO);
    while state(&page) != "done" && state(&page) != "error" {
        let asked = Instant::now();
        let busy = page.eval(
            "document.querySelector('#dump-progress').checkVisibility() && \
             document.querySelector('#dump-status').textContent.length > 0",
        );
        slowest = slowest.max(asked.elapsed());
        progress_seen |= busy == true;
        answered += 1;
        assert!(chosen.elapsed() < Duration::from_secs(120), "analysis did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(state(&page), "done", "{}", page.text("#dump-error"));
    let size = std::fs::metadata(&path).unwrap().len();
    let shown = page.text("#dump-size");
    assert!(shown.replace(',', "").starts_with(&format!("{size} B = ")), "{shown}");
    assert!(progress_seen, "progress was shown while working");
    assert!(answered > 1 && slowest < Duration::from_millis(1000), "page froze: {slowest:?}");
    eprintln!(
        "large dump {} ({size} bytes): summary shown {} ms after choosing (page says {} ms); \
         slowest main-thread answer meanwhile {slowest:?}",
        path.display(),
        chosen.elapsed().as_millis(),
        page.eval("document.querySelector('#dump-view').dataset.ms"),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// As long as a page load may take on a busy machine.
const LOAD: Duration = Duration::from_secs(90);

/// Waits until the service worker controls the page (it has stored the
/// planner's files by then). As long as the browser's own page-load limit:
/// on a busy 2-core CI machine, with other browsers loading dumps, 30 s was
/// once not enough.
fn wait_controlled(page: &Session) {
    let start = Instant::now();
    while page.eval("!!navigator.serviceWorker.controller") != serde_json::Value::Bool(true) {
        assert!(
            start.elapsed() < LOAD,
            "no service worker took the page; its registration: {}",
            page.eval(
                "navigator.serviceWorker.getRegistration().then((r) => r ? \
                 JSON.stringify(['installing', 'waiting', 'active'] \
                 .map((k) => [k, r[k] && r[k].state])) : 'none')"
            )
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// After one visit the site opens again with no network: the planner, and
/// the crash-dump view once it has been used.
#[test]
fn the_site_reopens_offline_after_one_visit() {
    let Some(mut page) = open_view(browser::open("/")) else { return };
    wait_controlled(&page);
    assert_eq!(choose(&page, &[&corpus().join("linux-mini.dmp")]), "done");
    page.click("#nav-planner");

    page.cut_network();
    // The network is cut for the worker's requests too: a file never
    // fetched before fails.
    let probe =
        page.tab.evaluate("fetch('./not-stored').then(() => 'fetched', () => 'failed')", true);
    assert_eq!(probe.unwrap().value, Some(serde_json::json!("failed")));
    page.tab.reload(false, None).expect("reload").wait_until_navigated().expect("reloaded");
    assert!(page.wait_for("#amps-memory-q-estimate"), "the planner starts offline");
    crate::site::still_plans(&page);
    page.click("#nav-dump");
    // The viewer's own wasm is compiled from the worker's cache: as slow as a
    // page load when the machine is busy, so it gets as long as one.
    let mounted = page.tab.wait_for_element_with_custom_timeout("#dump-file", LOAD);
    assert!(mounted.is_ok(), "the viewer mounts offline");
    assert_eq!(choose(&page, &[&corpus().join("linux-mini.dmp")]), "done");
    assert!(!page.text("#dump-module-count").is_empty());
}

/// The thread opened in the view and the frame selected in it are in the
/// address (`#dump/thread-N/frame-M`), and an address naming them opens
/// and marks them once the dump is analyzed; the crashing thread's stack is
/// listed once, not again among the threads.
#[test]
fn the_open_thread_is_in_the_address_and_the_crashing_one_is_listed_once() {
    let Some(page) = browser::open("/#dump/thread-2/frame-1") else { return };
    assert!(page.wait_for("#dump-file"), "the address opens the crash dump view");
    assert_eq!(choose(&page, &[&corpus().join("invalid-parameter.dmp")]), "done");
    assert!(page.visible("#dump-thread-2"), "the thread in the address is open");
    assert!(!page.visible("#dump-thread-3"));
    let selected = |page: &Session| {
        page.eval(
            "JSON.stringify([...document.querySelectorAll('[aria-current=true]')].map(e => e.id))",
        )
    };
    assert_eq!(selected(&page).as_str(), Some(r#"["dump-thread-2-frame-1"]"#));

    // Thread 0 crashed: its stack once, under "Crashing thread".
    assert!(page.visible("#dump-stack"));
    assert!(!page.exists("#dump-thread-0"));
    let crashed = page.text("#dump-thread-0-crashed");
    assert!(crashed.starts_with("thread 0 (tid ") && crashed.contains("crashed"), "{crashed}");

    page.click("#dump-thread-4-details summary");
    assert!(page.visible("#dump-thread-4"));
    // Module offsets without their sixteen digits of zeros.
    let stack = page.text("#dump-thread-4");
    assert!(stack.contains("ntdll.dll + 0x9d844"), "{stack}");
    let in_address = |page: &Session, place: &str| {
        let start = Instant::now();
        while !page.tab.get_url().ends_with(place) {
            assert!(start.elapsed() < Duration::from_secs(5), "{place}: {}", page.tab.get_url());
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    in_address(&page, "#dump/thread-4");
    // Selecting a frame moves the mark and the address to it.
    page.click("#dump-thread-4-frame-1 a");
    in_address(&page, "#dump/thread-4/frame-1");
    assert_eq!(selected(&page).as_str(), Some(r#"["dump-thread-4-frame-1"]"#));
    page.screenshot("dumpview-thread-in-address");

    // On a phone the summary wraps and its tables scroll in their own box:
    // nothing else sticks out, and the page never scrolls sideways.
    page.viewport(360, 740, true);
    let overflow = page.eval("document.documentElement.scrollWidth > window.innerWidth + 1");
    assert_eq!(overflow, false, "the crash dump view scrolls sideways at 360 px");
    let outside = page.eval(
        "(() => { const view = document.getElementById('dump-view').getBoundingClientRect(); \
           return JSON.stringify([...document.querySelectorAll('#dump-view *')] \
             .filter(e => !e.closest('.dv-scroll') && e.getBoundingClientRect().right > view.right + 1) \
             .map(e => e.id || e.tagName)); })()",
    );
    assert_eq!(outside.as_str(), Some("[]"), "sticks out at 360 px");
    page.screenshot("dumpview-thread-phone");
}
