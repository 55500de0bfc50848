//! The crash-dump viewer's engine, run in a Web Worker: dumptool's own
//! analysis ([`dumptool::analyze`]) and report renderer ([`dumptool::report`])
//! behind one bytes-in, JSON-out call, so the page shows and exports exactly
//! what `dumptool analyze` and `dumptool report` would (default redaction
//! policy). Nothing here does I/O: the page hands the bytes in.

use dumptool::analyze::{self, Options};
use dumptool::report::Report;
use headroom_core::present::{format_exact, format_value};
use headroom_core::report::Unit;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// What the page gets back: the summary to show and the two exports.
#[derive(Debug, Serialize)]
pub struct Opened {
    /// The redacted report, the same model `dumptool report --format json`
    /// writes (summary, size, sha256, core-limit verdict).
    pub report: Report,
    /// `dumptool report` output (Markdown), byte for byte.
    pub markdown: String,
    /// `dumptool report --format json` output, byte for byte.
    pub json: String,
    /// The dump's size as the page writes every figure (the core's
    /// formatter): `41,943,040 B = 41.9 MB (40 MiB)`.
    pub size: String,
}

/// Analyzes one dump with dumptool's default redaction policy. `file` is the
/// dump's file name (the report names it, as `dumptool report` does);
/// `symbols` are the texts of Breakpad .sym files. Errors are dumptool's own
/// sentences, prefixed with the file name as the CLI prints them.
pub fn open_dump(file: &str, bytes: &[u8], symbols: &[String]) -> Result<Opened, String> {
    let summary = analyze::analyze_with_symbols(bytes, &Options::default(), symbols)
        .map_err(|e| format!("{file}: {e}"))?;
    let report = Report::new(file, bytes, summary);
    let size = format!(
        "{} = {}",
        format_exact(report.size, Unit::Bytes),
        format_value(report.size, Unit::Bytes)
    );
    Ok(Opened { markdown: report.to_markdown(), json: report.to_json(), size, report })
}

/// The worker's entry point: `openDump(name, bytes, [symText...])` returns the
/// [`Opened`] as a JSON string, or throws the error sentence.
#[wasm_bindgen(js_name = openDump)]
pub fn open_dump_js(file: &str, bytes: &[u8], symbols: Vec<String>) -> Result<String, JsError> {
    let opened = open_dump(file, bytes, &symbols).map_err(|e| JsError::new(&e))?;
    serde_json::to_string(&opened).map_err(|e| JsError::new(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> Vec<u8> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/minidumps/");
        std::fs::read(format!("{dir}{name}")).expect(name)
    }

    #[test]
    fn exports_are_dumptools_report() {
        let bytes = corpus("linux-mini.dmp");
        let opened = open_dump("linux-mini.dmp", &bytes, &[]).expect("analyzes");
        let summary = analyze::analyze(&bytes, &Options::default()).expect("analyzes");
        let report = Report::new("linux-mini.dmp", &bytes, summary);
        assert_eq!(opened.markdown, report.to_markdown());
        assert_eq!(opened.json, report.to_json());
        assert_eq!(bytes.len(), 27_549);
        assert_eq!(opened.size, "27,549 B = 27.5 kB (26.9 KiB)");
    }

    #[test]
    fn malformed_dump_is_an_error_naming_the_file() {
        let err = open_dump("invalid-range.dmp", &corpus("invalid-range.dmp"), &[]).unwrap_err();
        assert!(err.starts_with("invalid-range.dmp: malformed minidump"), "{err}");
        let err = open_dump("x.txt", b"hello", &[]).unwrap_err();
        assert!(err.contains("not a minidump or an ELF core file"), "{err}");
    }

    #[test]
    fn sym_text_symbolizes_like_a_symbol_store() {
        let sym_path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/minidumps/symbols/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym"
        );
        let sym = std::fs::read_to_string(sym_path).expect("test_app.sym");
        let bytes = corpus("test.dmp");
        let opened = open_dump("test.dmp", &bytes, &[sym]).expect("analyzes");
        let store = Options {
            symbol_paths: vec![concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../testdata/minidumps/symbols"
            )
            .into()],
            ..Options::default()
        };
        let from_store = analyze::analyze(&bytes, &store).expect("analyzes");
        assert_eq!(opened.report.summary, from_store);
        let crashing = from_store.crashing().expect("crashing thread");
        assert!(crashing.frames[0].function.is_some(), "top frame symbolized");
    }
}
