//! What the registry shows people and tools: `docs/plan-format.md`, the
//! CLI's listing and the plan's JSON Schema. Each takes the calculators to
//! show, so a calculator declared anywhere (a test's, too) shows the same.

use std::fmt::Write as _;

use serde_json::{json, Map, Value as Json};
use toml::Value;

use crate::host::{self, Host};
use crate::registry::{table_of, Calculator, Field, Kind};

const INTRO: &str = "\
# The plan file

<!-- Generated from the calculators' registry (core/src/registry.rs): edit the
registry, then run `UPDATE_DOCS=1 cargo test -p headroom-core docs`. -->

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

Every figure is exact: it is computed from exact fractions of the inputs and
rounded once, up for what must be provisioned (sizes, rates, files, cores,
pages, messages) and down for what fits (the largest safe `max_connections`
or `MaxRequestWorkers`, messages per slab). A figure above 2^64 - 1 is an
error naming a field; its intermediates may be larger. Each field's value
must lie within the bounds its source declares (shown as \"Allowed\"), or the
plan is refused naming the field. Every result lists the inputs it used,
marking the defaults and the assumptions, and its `steps`: the arithmetic
with the plan's own figures, one figure a step (`2·S·M = 2 × 1,024 B ×
20,000,000`, its value and unit), as the page and `dumptool plan` show it.
In a step, `⌈x⌉` and `⌊x⌋` round up and down, and `%` divides by 100.

Examples, one per system: `examples/amps.toml`, `examples/maglev-t1micro.toml`,
`examples/aerospike.toml`, `examples/megacomet.toml`, `examples/vps-256mb.toml`.
";

/// `docs/plan-format.md`: the host, then every calculator's section.
pub fn plan_format(calcs: &[&Calculator]) -> String {
    let mut s = String::from(INTRO);
    s.push_str("\n## `[host]`\n\n");
    fields_table(&mut s, host::FIELDS, &table_of(&Host::default()));
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
    let _ = write!(s, "> {}\n\n", c.source.excerpt);
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
        let bounds = if f.bound_source.is_empty() {
            String::new()
        } else {
            format!(" Allowed: {} to {} ({}).", f.min, f.max, f.bound_source)
        };
        let _ = writeln!(s, "| {name} | {} | {default} | {}{bounds} |", kind_text(f.kind), f.help);
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
        Kind::Count | Kind::Bytes | Kind::Rate | Kind::Duration | Kind::Ratio | Kind::Percent => {
            json!({"type": ["string", "number"]})
        }
        Kind::Kib | Kind::Key => json!({"type": "integer", "minimum": 0}),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::plan::{calculator, evaluate, Outcome, Plan, CALCULATORS};
    use crate::registry::{Capacity, QuantityDoc, System};
    use crate::report::{Source, Unit};

    /// The dotted paths of every non-table value.
    fn leaves(table: &toml::Table, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (k, v) in table {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                toml::Value::Table(t) => out.extend(leaves(t, &path)),
                _ => out.push(path),
            }
        }
        out
    }

    /// A section's defaults with each variant's table in turn.
    fn default_tables(c: &Calculator) -> Vec<toml::Table> {
        let mut tables = vec![(c.defaults)()];
        for v in c.variants {
            let mut t = (c.defaults)();
            t.insert(v.path.to_string(), toml::Value::Table((v.defaults)()));
            tables.push(t);
        }
        tables
    }

    /// A plan holding only section `id` with `table`.
    fn plan_with(id: &str, table: toml::Table) -> Plan {
        let (system, section) = id.split_once('.').unwrap();
        let mut inner = toml::Table::new();
        inner.insert(section.into(), toml::Value::Table(table));
        let mut plan = toml::Table::new();
        plan.insert(system.into(), toml::Value::Table(inner));
        toml::Value::Table(plan).try_into().unwrap()
    }

    /// Puts the next of `values` in place of every integer of `table`.
    fn replace_integers(table: &mut toml::Table, values: &mut impl Iterator<Item = i64>) {
        for (_, v) in table.iter_mut() {
            match v {
                toml::Value::Table(t) => replace_integers(t, values),
                toml::Value::Integer(n) => *n = values.next().unwrap_or(*n),
                _ => {}
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any plan built from a calculator's defaults with other numbers
        /// comes back equal from its TOML and from its JSON.
        #[test]
        fn any_plan_round_trips(values in proptest::collection::vec(0i64..1 << 40, 32)) {
            let mut checked = 0;
            for c in CALCULATORS.iter().copied() {
                for mut t in default_tables(c) {
                    replace_integers(&mut t, &mut values.iter().copied());
                    let (system, section) = c.id.split_once('.').unwrap();
                    let text = format!("[{system}.{section}]\n{}", toml::to_string(&t).unwrap());
                    let Ok(plan) = Plan::from_toml(&text) else { continue };
                    let back = Plan::from_toml(&plan.to_toml().unwrap()).unwrap();
                    proptest::prop_assert_eq!(&back, &plan, "{}", c.id);
                    let json = serde_json::to_string(&plan).unwrap();
                    proptest::prop_assert_eq!(&Plan::parse(&json).unwrap(), &plan, "{}", c.id);
                    checked += 1;
                }
            }
            proptest::prop_assert!(checked > CALCULATORS.len() / 2, "only {checked} plans parsed");
        }
    }

    #[test]
    fn every_input_is_a_registry_field_and_back() {
        for c in CALCULATORS.iter().copied() {
            let mut seen = BTreeSet::new();
            for t in default_tables(c) {
                for key in leaves(&t, "") {
                    assert!(c.field(&key).is_some(), "{}.{key} has no registry field", c.id);
                    seen.insert(key);
                }
            }
            for f in c.fields {
                assert!(
                    f.optional || seen.contains(f.key),
                    "{}.{} is in the registry but not an input",
                    c.id,
                    f.key
                );
                assert!(f.help.ends_with('.') && f.label.len() < 40, "{}.{}", c.id, f.key);
            }
        }
        let host = leaves(&table_of(&crate::host::Host::default()), "");
        for key in &host {
            assert!(crate::host::FIELDS.iter().any(|f| f.key == key), "host.{key}");
        }
    }

    /// Every default (each variant's too) evaluates without error, and
    /// every figure a calculator returns is declared.
    #[test]
    fn every_default_evaluates_and_its_figures_are_declared() {
        for c in CALCULATORS.iter().copied() {
            for t in default_tables(c) {
                let report = evaluate(&plan_with(c.id, t));
                match &report.outcomes[..] {
                    [Outcome::Result(r)] => {
                        assert_eq!(r.title, c.title);
                        for q in &r.quantities {
                            let declared = c.quantities.iter().find(|d| d.name == q.name);
                            assert_eq!(
                                declared.map(|d| d.unit),
                                Some(q.unit),
                                "{}.{}",
                                c.id,
                                q.name
                            );
                        }
                    }
                    other => panic!("{}: {other:?}", c.id),
                }
            }
        }
    }

    /// A host short of everything, so that calculators raise their findings.
    fn starved_host() -> crate::host::Host {
        toml::from_str(
            "ram = \"64 MiB\"\ncores = 1\n[kernel]\nshmmax = 1024\nshmall = 1\nfile_max = 100\n\
             nr_open = 100\naio_max_nr = 100\nmax_map_count = 100\ntcp_mem = [1, 2, 3]\n\
             tcp_max_tw_buckets = 1\nsomaxconn = 1\nnofile_soft = 10\nnofile_hard = 10\n\
             core_limit = \"unlimited\"\nip_local_port_range = [60000, 60001]\n",
        )
        .unwrap()
    }

    /// Finding ids are typed: each is a rule of the calculator's registry
    /// entry, in the rules table, under the calculator's id.
    #[test]
    fn every_finding_is_a_declared_rule_of_its_calculator() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
        let mut plans: Vec<Plan> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| Plan::parse(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap())
            .collect();
        for c in CALCULATORS {
            for t in default_tables(c) {
                plans.push(plan_with(c.id, t));
            }
        }
        let starved: Vec<Plan> =
            plans.iter().map(|p| Plan { host: starved_host(), ..p.clone() }).collect();
        let mut reached = BTreeSet::new();
        for plan in plans.iter().chain(&starved) {
            for r in evaluate(plan).results() {
                let c = calculator(r.id).unwrap();
                for f in &r.findings {
                    let rule = c.findings.iter().find(|d| d.id == f.id);
                    assert!(rule.is_some(), "{} raises {}, not in its registry entry", c.id, f.id);
                    assert_eq!(rule.map(|d| d.severity), Some(f.severity), "{}", f.id);
                    reached.insert(f.id);
                }
            }
        }
        for c in CALCULATORS {
            for r in c.findings {
                assert!(r.id.starts_with(&format!("{}.", c.id)), "{} under {}", r.id, c.id);
                assert!(crate::validate::rules::by_id(r.id).is_some(), "{} not in RULES", r.id);
            }
        }
        // The examples and a starved host reach most rules, a test of the
        // test; the rest need inputs built for them (each module's tests).
        assert!(reached.len() >= 20, "{reached:?}");
    }

    #[test]
    fn every_example_figure_is_declared() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for r in evaluate(&Plan::parse(&text).unwrap()).results() {
                let c = calculator(r.id).unwrap();
                for q in &r.quantities {
                    assert!(c.quantities.iter().any(|d| d.name == q.name), "{}.{}", r.id, q.name);
                }
            }
        }
    }

    /// docs/plan-format.md is generated; `UPDATE_DOCS=1` rewrites it.
    #[test]
    fn docs_plan_format_md_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/plan-format.md");
        let want = plan_format(CALCULATORS);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/plan-format.md is stale: run UPDATE_DOCS=1 cargo test");
    }

    /// A calculator declared once, here, shows in the docs, the CLI's listing
    /// and the schema with no other edit (the page's forms: web's engine tests).
    pub const DEMO: Calculator = Calculator {
        id: "demo.disk",
        title: "Demo disk",
        system: System::Vps,
        source: Source { document: "A test", section: "Registry", excerpt: "A quote." },
        formula: "files·size",
        notes: "Declared in a test.",
        capacity: Capacity::None,
        occupies: None,
        fields: &[
            Field::new("files", "Files kept", Kind::Count, "How many files.").symbol("n"),
            Field::new("size", "File size", Kind::Bytes, "Bytes each.").assumption(),
        ],
        groups: &[],
        variants: &[],
        quantities: &[QuantityDoc { name: "disk", unit: Unit::Bytes, meaning: "files·size" }],
        findings: &[],
        defaults: || {
            let mut t = toml::Table::new();
            t.insert("files".into(), 10.into());
            t.insert("size".into(), "1 MiB".into());
            t
        },
    };

    #[test]
    fn a_new_calculator_shows_everywhere_from_its_entry() {
        let calcs: Vec<&Calculator> = CALCULATORS.iter().copied().chain([&DEMO]).collect();
        let md = plan_format(&calcs);
        assert!(md.contains("## `[demo.disk]` Demo disk"), "{md}");
        assert!(md.contains("| `files` (n) | count | `10` | How many files. |"), "{md}");
        assert!(md.contains("Assumptions, adjustable: `size`."), "{md}");
        let list = listing(&calcs);
        assert!(list.contains("[demo.disk] Demo disk"), "{list}");
        assert!(list.contains("size") && list.contains("File size"), "{list}");
        let schema = json_schema(&calcs);
        let files = &schema["properties"]["demo"]["properties"]["disk"]["properties"]["files"];
        assert_eq!(files["title"], "Files kept");
    }

    #[test]
    fn the_schema_describes_every_section() {
        let schema = json_schema(CALCULATORS);
        for c in CALCULATORS.iter().copied() {
            let (system, section) = c.id.split_once('.').unwrap();
            let s = &schema["properties"][system]["properties"][section];
            for f in c.fields {
                let mut node = s;
                for part in f.key.split('.') {
                    node = &node["properties"][part];
                }
                assert_eq!(node["title"], f.label, "{}.{}", c.id, f.key);
            }
        }
        assert_eq!(schema["properties"]["host"]["properties"]["ram"]["title"], "RAM");
    }
}
