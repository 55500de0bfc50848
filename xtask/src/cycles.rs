//! No module imports itself back through others: a test over the sources of
//! the core, the page and dumptool. Edges are the `crate::` and `super::`
//! paths outside comments and `#[cfg(test)]` modules, each resolved to the longest module
//! it names; a parent's references to its own children by bare name are not
//! read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module path of a source file under `src`: `amps/mod.rs` -> `amps`.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> =
        rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts.join("::")
}

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, root, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            // Test modules may use anything; they are not the structure.
            let text = text.split("#[cfg(test)]\nmod tests").next().unwrap();
            // Comments name modules without importing them.
            let code: Vec<&str> =
                text.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
            let text = code.join("\n");
            out.insert(module_of(p.strip_prefix(root).unwrap()), text);
        }
    }
}

fn path_chars(s: &str) -> String {
    s.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect()
}

/// The paths after `crate::` or `super::`, braces expanded one level
/// (`crate::validate::{rules, sysctl}` is two paths).
fn paths(text: &str, me: &str) -> Vec<String> {
    let mut out = Vec::new();
    let parent = me.rsplit_once("::").map_or("", |(p, _)| p);
    for (prefix, base) in [("crate::", String::new()), ("super::", parent.to_string())] {
        for (at, _) in text.match_indices(prefix) {
            let rest = &text[at + prefix.len()..];
            let head = path_chars(rest);
            let names: Vec<String> = match rest[head.len()..].strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(|n| format!("{head}{}", path_chars(n)))
                    .collect(),
                None => vec![head],
            };
            for n in names {
                let full = if base.is_empty() { n } else { format!("{base}::{n}") };
                out.push(full.trim_end_matches(':').to_string());
            }
        }
    }
    out
}

/// Edges between distinct modules, neither an ancestor of the other.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeMap::new();
    sources(src, src, &mut files);
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, text) in &files {
        for p in paths(text, m) {
            let mut target = p.as_str();
            while !modules.contains(target) {
                match target.rsplit_once("::") {
                    Some((head, _)) => target = head,
                    None => break,
                }
            }
            let related = |a: &str, b: &str| b.is_empty() || a.starts_with(&format!("{b}::"));
            if modules.contains(target) && target != m && !related(m, target) && !related(target, m)
            {
                g.entry(m.clone()).or_default().insert(target.to_string());
            }
        }
    }
    g
}

/// A cycle through `start`, if any, as the list of modules.
fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        m: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            return Some(stack[i..].to_vec());
        }
        if !done.insert(m.to_string()) {
            return None;
        }
        stack.push(m.to_string());
        for n in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(g, n, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|m| visit(g, m, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_cycles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for crate_src in ["core/src", "web/src", "dumptool/src"] {
        let g = graph(&root.join(crate_src));
        assert!(g.values().map(BTreeSet::len).sum::<usize>() > 10, "{crate_src}: edges are read");
        assert_eq!(cycle(&g), None, "{crate_src}: a module cycle");
    }
}

#[test]
fn a_cycle_is_found() {
    let dir = tempfile_dir();
    std::fs::write(dir.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(dir.join("a.rs"), "use crate::b::Thing;\n").unwrap();
    std::fs::write(dir.join("b.rs"), "use crate::{a, c};\n").unwrap();
    assert_eq!(cycle(&graph(&dir)), Some(vec!["a".to_string(), "b".to_string()]));
    std::fs::write(dir.join("b.rs"), "pub struct Thing;\n").unwrap();
    assert_eq!(cycle(&graph(&dir)), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("xtask-cycles-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
