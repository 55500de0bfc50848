//! What the registry shows people and tools: `docs/plan-format.md`, the
//! CLI's listing and the plan's JSON Schema. Each takes the calculators to
//! show, so a calculator declared anywhere (a test's, too) shows the same.

use std::fmt::Write as _;

use serde_json::{json, Map, Value as Json};
use toml::Value;

use super::{Calculator, Field, Kind};
use crate::host::{self, Host};

const INTRO: &str = "\
# The plan file

<!-- Generated from the calculators' registry (core/src/registry): edit the
registry, then run `UPDATE_DOCS=1 cargo test -p headroom-core registry`. -->

A plan describes one deployment: a `[host]` profile and one section per
calculator, named by the calculator's result id (`[amps.memory]` in TOML is
`{\"amps\": {\"memory\": {...}}}` in JSON). A section that is absent is not
evaluated; a field that is absent takes its default; an unknown field is an
error naming it (and, in TOML, its line). `dumptool plan FILE` reads TOML or
JSON (JSON when the file starts with `{`); `dumptool plan --list` lists the
calculators and `dumptool plan --schema` prints this format as a JSON Schema.

Quantities are written the way operators write them: sizes as `\"1 KiB\"`,
`\"10 GB\"`, `\"600 B\"` or a plain number of bytes (kB/MB/GB are powers of ten,
KiB/MiB/GiB powers of two); counts as `20000000` or `\"20M\"`; rates as
`\"5000/s\"`, `\"5/min\"` or `\"100M/d\"` (kept exactly: `\"5/min\"` is one every 12
seconds); durations as `\"8h\"`, `\"1 d\"` or seconds; ratios as a decimal
fraction `0.02` or `\"2%\"`. Results are in base units (bytes,
bytes/s, bits/s, count, pages, seconds, thousandths of a core).

Examples, one per system: `examples/amps.toml`, `examples/maglev-t1micro.toml`,
`examples/aerospike.toml`, `examples/megacomet.toml`, `examples/vps-256mb.toml`.
";

/// `docs/plan-format.md`: the host, then every calculator's section.
pub fn plan_format(calcs: &[&Calculator]) -> String {
    let mut s = String::from(INTRO);
    s.push_str("\n## `[host]`\n\n");
    fields_table(&mut s, host::FIELDS, &super::table_of(&Host::default()));
    let mut system = None;
    for c in calcs {
        if system != Some(c.system) {
            system = Some(c.system);
            let _ = write!(s, "\n# {}\n", c.system.name());
        }
        section(&mut s, c);
    }
    s
}

fn section(s: &mut String, c: &Calculator) {
    let _ = write!(s, "\n## `[{}]` {}\n\n", c.id, c.title);
    let _ = write!(s, "{}, {}:\n`{}`.\n\n", c.source.document, c.source.section, c.formula);
    if !c.notes.is_empty() {
        let _ = write!(s, "{}\n\n", c.notes);
    }
    let mut defaults = (c.defaults)();
    for v in c.variants {
        // Each variant's fields show their own defaults.
        if let Some(Value::Table(t)) = defaults.get_mut(v.path) {
            for (k, val) in (v.defaults)() {
                t.entry(k).or_insert(val);
            }
        }
    }
    fields_table(s, c.fields, &defaults);
    let assumptions: Vec<&str> = c.fields.iter().filter(|f| f.assumption).map(|f| f.key).collect();
    if !assumptions.is_empty() {
        let _ = write!(s, "\nAssumptions, adjustable: `{}`.\n", assumptions.join("`, `"));
    }
    s.push_str("\n| result | unit | how |\n|---|---|---|\n");
    for q in c.quantities {
        let _ = writeln!(s, "| `{}` | {} | {} |", q.name, unit_name(q.unit), q.meaning);
    }
    if !c.findings.is_empty() {
        s.push_str("\nFindings: ");
        let ids: Vec<String> =
            c.findings.iter().map(|r| format!("`{}` ({})", r.id, r.severity)).collect();
        let _ = writeln!(s, "{}.", ids.join(", "));
    }
}

fn fields_table(s: &mut String, fields: &[Field], defaults: &toml::Table) {
    s.push_str("| field | unit | default | meaning |\n|---|---|---|---|\n");
    for f in fields {
        let name = match f.symbol {
            Some(sym) => format!("`{}` ({sym})", f.key),
            None => format!("`{}`", f.key),
        };
        let default = match lookup(defaults, f.key) {
            Some(v) => default_text(v),
            None => "not set".to_string(),
        };
        let _ = writeln!(s, "| {name} | {} | {default} | {} |", kind_text(f.kind), f.help);
    }
}

fn kind_text(kind: Kind) -> String {
    match kind {
        Kind::Choice(list) => {
            list.iter().map(|(v, _)| format!("`{v}`")).collect::<Vec<_>>().join(", ")
        }
        other => other.unit().to_string(),
    }
}

fn default_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a Value> {
    match path.split_once('.') {
        Some((head, rest)) => lookup(table.get(head)?.as_table()?, rest),
        None => table.get(path),
    }
}

fn unit_name(unit: crate::report::Unit) -> &'static str {
    use crate::report::Unit;
    match unit {
        Unit::Bytes => "bytes",
        Unit::BytesPerSecond => "bytes/s",
        Unit::BitsPerSecond => "bits/s",
        Unit::Count => "count",
        Unit::MilliCores => "thousandths of a core",
        Unit::Pages => "pages",
        Unit::Seconds => "seconds",
    }
}

/// The CLI's `plan --list`: one block per calculator.
pub fn listing(calcs: &[&Calculator]) -> String {
    let mut s = String::new();
    for c in calcs {
        let _ = writeln!(s, "[{}] {} ({})", c.id, c.title, c.system.name());
        let _ = writeln!(s, "  formula: {}", c.formula);
        let _ = writeln!(s, "  source: {}, {}", c.source.document, c.source.section);
        for f in c.fields {
            let opt = if f.optional { ", optional" } else { "" };
            let _ = writeln!(s, "  {:<36} {}{opt}: {}", f.key, kind_text(f.kind), f.label);
        }
        s.push('\n');
    }
    s
}

/// The plan as a JSON Schema (draft 2020-12): the host, then one object per
/// system holding its sections. Sizes, rates and durations accept a string
/// or a number, as the plan file does.
pub fn json_schema(calcs: &[&Calculator]) -> Json {
    let mut top = Map::new();
    top.insert("host".into(), object(host::FIELDS, "The host the plan is sized against"));
    for c in calcs {
        let Some((system, section)) = c.id.split_once('.') else { continue };
        let entry = top.entry(system.to_string()).or_insert_with(
            || json!({"type": "object", "additionalProperties": false, "properties": {}}),
        );
        if let Some(Json::Object(sections)) = entry.get_mut("properties") {
            sections.insert(section.to_string(), object(c.fields, c.title));
        }
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Headroom plan",
        "type": "object",
        "additionalProperties": false,
        "properties": top,
    })
}

/// An object schema for `fields`, nesting dotted keys (`mysql.x`).
fn object(fields: &[Field], description: &str) -> Json {
    let mut props = Map::new();
    for f in fields {
        insert(&mut props, f.key, field_schema(f));
    }
    json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "properties": props,
    })
}

fn insert(props: &mut Map<String, Json>, key: &str, schema: Json) {
    match key.split_once('.') {
        None => {
            props.insert(key.to_string(), schema);
        }
        Some((head, rest)) => {
            let entry = props.entry(head.to_string()).or_insert_with(
                || json!({"type": "object", "additionalProperties": false, "properties": {}}),
            );
            if let Some(Json::Object(inner)) = entry.get_mut("properties") {
                insert(inner, rest, schema);
            }
        }
    }
}

fn field_schema(f: &Field) -> Json {
    let mut schema = match f.kind {
        Kind::Count | Kind::Bytes | Kind::Rate | Kind::Duration | Kind::Ratio => {
            json!({"type": ["string", "number"]})
        }
        Kind::Kib | Kind::Percent | Kind::Key => json!({"type": "integer", "minimum": 0}),
        Kind::Flag => json!({"type": "integer", "enum": [0, 1]}),
        Kind::IntList => json!({"type": "array", "items": {"type": "integer"}}),
        Kind::Choice(list) => {
            let values: Vec<Json> = list
                .iter()
                .map(|(v, _)| v.parse::<u64>().map_or_else(|_| json!(v), |n| json!(n)))
                .collect();
            json!({"enum": values})
        }
        Kind::Variant => json!({"type": "string"}),
    };
    if let Json::Object(m) = &mut schema {
        m.insert("title".into(), json!(f.label));
        m.insert("description".into(), json!(f.help));
    }
    schema
}
