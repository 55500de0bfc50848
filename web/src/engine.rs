//! The page's view of the core: which plan sections exist, their defaults,
//! and the evaluation of a whole plan held as a TOML table.
//!
//! The plan lives in the page as a [`Table`] of what the person typed, so
//! that a half-typed value survives until it is fixed. Evaluating parses the
//! table through the core's plan types; a value that does not parse is mapped
//! back to its field (by trying each value alone on the defaults) and replaced
//! by its default, so every impossible field is named at once and the other
//! sections still show.

use std::collections::BTreeMap;

use headroom_core::host::{self, Host};
use headroom_core::plan::{self, Outcome, Plan};
use headroom_core::registry::{table_of, Calculator, Variant};
use toml::{Table, Value};

use crate::fields::FieldKind;
use crate::read;

/// Every calculator the page offers, in the core's registry order.
pub fn sections() -> &'static [&'static Calculator] {
    plan::CALCULATORS
}

pub fn section(id: &str) -> Option<&'static Calculator> {
    plan::calculator(id)
}

pub fn host_default() -> Table {
    table_of(&Host::default())
}

/// The result of evaluating the plan in the page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// Dotted field path (`amps.memory.clients`) -> why its value is impossible.
    pub field_errors: BTreeMap<String, String>,
    /// A problem that belongs to no single field (a malformed imported plan).
    pub plan_error: Option<String>,
    /// The plan's host and every section whose fields all parse; `None`
    /// while the host does not. The validators and drop-ins use it.
    pub plan: Option<Plan>,
    /// The core's outcome for each section of [`Evaluation::plan`].
    pub outcomes: Vec<Outcome>,
}

impl Evaluation {
    /// True when a field under `prefix` (a section id or `host`) is invalid.
    pub fn has_errors_under(&self, prefix: &str) -> bool {
        self.field_errors.keys().any(|k| under(k, prefix))
    }

    /// The outcome of the section `id`, if it was evaluated.
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| outcome_id(o) == id)
    }
}

/// The section id an outcome belongs to.
pub fn outcome_id(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Result(r) => r.id,
        Outcome::Error(e) => e.id,
    }
}

fn under(path: &str, prefix: &str) -> bool {
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.'))
}

/// Evaluates the plan table: field errors first, then, through the core,
/// each section whose inputs (and the host) are valid.
pub fn evaluate(plan: &Table) -> Evaluation {
    let mut eval = Evaluation::default();
    let parsed = match read::from_table::<Plan>(plan) {
        Ok(parsed) => parsed,
        Err(first) => {
            let Some(mut valid) = repair(plan, first.to_string(), &mut eval) else {
                return eval;
            };
            if eval.has_errors_under("host") {
                // Every result depends on the host: show none rather than a stale one.
                return eval;
            }
            // A section with a bad field is left out whole: its result would
            // be a stale one computed from a default.
            for s in sections() {
                if eval.has_errors_under(s.id) {
                    remove_pruning(&mut valid, s.id);
                }
            }
            match read::from_table::<Plan>(&valid) {
                Ok(parsed) => parsed,
                Err(e) => {
                    eval.plan_error = Some(e.to_string());
                    return eval;
                }
            }
        }
    };
    // Values outside their source's bounds are named at their field, and
    // their section (or, for the host, every section) shows no result.
    for e in parsed.input_errors() {
        eval.field_errors.insert(e.path, e.message);
    }
    if eval.has_errors_under("host") {
        return eval;
    }
    eval.outcomes = plan::evaluate(&parsed).outcomes;
    eval.outcomes.retain(|o| !eval.field_errors.keys().any(|k| under(k, outcome_id(o))));
    eval.plan = Some(parsed);
    eval
}

/// For a plan that does not parse (`first` says why): each value is tried
/// alone on the defaults to find which ones are impossible; those are
/// recorded under their path and replaced by their default (or dropped when
/// the field is optional), so every bad field is named and the rest still
/// evaluates. Returns the plan with those values replaced, or `None` (and a
/// plan error) when no single value explains it.
fn repair(plan: &Table, first: String, eval: &mut Evaluation) -> Option<Table> {
    let defaults = with_defaults(&defaults_for(plan));
    let mut work = plan.clone();
    for path in leaves(plan, "") {
        let mut probe = defaults.clone();
        set(&mut probe, &path, lookup(plan, &path).cloned());
        if let Err(e) = read::from_table::<Plan>(&probe) {
            // The message's first line; the rest repeats the path, shown by the field.
            let message = e.to_string();
            let message = message.lines().next().unwrap_or_default().trim().to_string();
            eval.field_errors.insert(path.clone(), message);
            match default_of(plan, &path) {
                Some(v) => set(&mut work, &path, Some(v)),
                None => remove_pruning(&mut work, &path),
            }
        }
    }
    match read::from_table::<Plan>(&work) {
        Ok(_) => Some(work),
        Err(e) => {
            // No single value explains it (e.g. a section that is not a table).
            let e = e.to_string();
            eval.plan_error = Some(if eval.field_errors.is_empty() { first } else { e });
            None
        }
    }
}

/// The plan's sections emptied of everything but their variant tags, to be
/// filled with defaults (the tags pick which variant's).
fn defaults_for(plan: &Table) -> Table {
    let mut out = Table::new();
    for s in sections() {
        if lookup(plan, s.id).is_some() {
            set(&mut out, s.id, Some(Value::Table(Table::new())));
            for v in s.variants {
                let tag = format!("{}.{}.{}", s.id, v.path, v.tag);
                if let Some(value) = lookup(plan, &tag) {
                    set(&mut out, &tag, Some(value.clone()));
                }
            }
        }
    }
    out
}

/// Removes the value at `path` and any table left empty above it, so an
/// unknown section goes away whole.
fn remove_pruning(table: &mut Table, path: &str) {
    match path.split_once('.') {
        None => {
            table.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Table(t)) = table.get_mut(head) {
                remove_pruning(t, rest);
                if t.is_empty() {
                    table.remove(head);
                }
            }
        }
    }
}

/// The dotted paths of every non-table value.
pub fn leaves(table: &Table, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in table {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Table(t) => out.extend(leaves(t, &path)),
            _ => out.push(path),
        }
    }
    out
}

/// The value at a dotted path.
pub fn lookup<'a>(table: &'a Table, path: &str) -> Option<&'a Value> {
    let (parent, key) = match path.rsplit_once('.') {
        Some((p, k)) => (subtable(table, p)?, k),
        None => (table, path),
    };
    parent.get(key)
}

fn subtable<'a>(table: &'a Table, path: &str) -> Option<&'a Table> {
    path.split('.').try_fold(table, |t, k| t.get(k)?.as_table())
}

/// Sets (or with `None` removes) the value at a dotted path, creating the
/// tables on the way.
pub fn set(table: &mut Table, path: &str, value: Option<Value>) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(key) = parts.pop() else { return };
    let mut t = table;
    for p in parts {
        let entry = t.entry(p.to_string()).or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(next) = entry else { return };
        t = next;
    }
    match value {
        Some(v) => {
            t.insert(key.to_string(), v);
        }
        None => {
            t.remove(key);
        }
    }
}

/// The plan with every missing host and section field filled from its
/// default, so the forms show what the calculators will use.
pub fn with_defaults(plan: &Table) -> Table {
    let mut out = plan.clone();
    let host = out.get("host").and_then(Value::as_table).cloned().unwrap_or_default();
    out.insert("host".into(), Value::Table(merged(host_default(), host)));
    for s in sections() {
        if let Some(current) = lookup(plan, s.id).and_then(Value::as_table) {
            let filled = merged(section_defaults(s, current), current.clone());
            set(&mut out, s.id, Some(Value::Table(filled)));
        }
    }
    out
}

/// A section's defaults for its current table: where the table names a
/// variant (`kind = "prefork"`), that variant's defaults replace the first's.
pub fn section_defaults(s: &Calculator, current: &Table) -> Table {
    let mut defaults = (s.defaults)();
    for v in s.variants {
        let chosen = lookup(current, &format!("{}.{}", v.path, v.tag));
        if chosen.and_then(Value::as_str) == Some(v.value) {
            set(&mut defaults, v.path, Some(Value::Table((v.defaults)())));
        }
    }
    defaults
}

/// The variant chosen by setting the tag at `path` to `value`, with the
/// dotted path of the table it replaces.
pub fn variant_at(path: &str, value: &str) -> Option<(String, &'static Variant)> {
    let s = sections().iter().find(|s| under(path, s.id))?;
    let rest = path.strip_prefix(s.id)?.strip_prefix('.')?;
    let v =
        s.variants.iter().find(|v| format!("{}.{}", v.path, v.tag) == rest && v.value == value)?;
    Some((format!("{}.{}", s.id, v.path), v))
}

/// `over` laid on `base`, table by table, keeping `base`'s key order (the
/// calculator's field order).
fn merged(mut base: Table, over: Table) -> Table {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => {
                let inner = std::mem::take(b);
                *b = merged(inner, o);
            }
            (Some(slot), v) => *slot = v,
            (None, v) => {
                base.insert(k, v);
            }
        }
    }
    base
}

/// The default of a field in `plan`, from its section's (or the host's)
/// defaults.
pub fn default_of(plan: &Table, path: &str) -> Option<Value> {
    if let Some(rest) = path.strip_prefix("host.") {
        return lookup(&host_default(), rest).cloned();
    }
    let s = sections().iter().find(|s| under(path, s.id))?;
    let current = lookup(plan, s.id).and_then(Value::as_table).cloned().unwrap_or_default();
    lookup(&section_defaults(s, &current), path.strip_prefix(s.id)?.trim_start_matches('.'))
        .cloned()
}

/// One field of a section's form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    /// The path inside the section, e.g. `mysql.max_connections`.
    pub key: String,
    pub kind: FieldKind,
}

/// The fields of section `s`'s form for its current table `current`: every
/// value of its defaults (in the calculator's order), then the optional
/// inputs that have no default.
pub fn form_fields(s: &Calculator, current: &Table) -> Vec<FormField> {
    let defaults = section_defaults(s, current);
    let mut out: Vec<FormField> = leaves(&defaults, "")
        .into_iter()
        .map(|key| {
            let kind = FieldKind::of(s.field(&key), lookup(&defaults, &key));
            FormField { key, kind }
        })
        .collect();
    for f in s.fields.iter().filter(|f| f.optional) {
        if !out.iter().any(|o| o.key == f.key) {
            out.push(FormField { key: f.key.to_string(), kind: FieldKind::of(Some(f), None) });
        }
    }
    out
}

/// Whether `path` is a field some form shows.
pub fn has_form_field(plan: &Table, path: &str) -> bool {
    if path.starts_with("host.") {
        return host::FIELDS.iter().any(|f| path.strip_prefix("host.") == Some(f.key));
    }
    sections().iter().any(|s| {
        let current = lookup(plan, s.id).and_then(Value::as_table).cloned().unwrap_or_default();
        path.strip_prefix(s.id)
            .and_then(|k| k.strip_prefix('.'))
            .is_some_and(|k| form_fields(s, &current).iter().any(|f| f.key == k))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples;

    fn plan(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn every_invalid_field_is_named_and_its_section_hidden() {
        let mut p = plan(examples::EXAMPLE_25_2);
        set(&mut p, "amps.memory.clients", Some(Value::String("lots".into())));
        set(&mut p, "amps.memory.journal_size", Some(Value::String("1 GX".into())));
        let eval = evaluate(&p);
        assert!(eval.field_errors["amps.memory.clients"].contains("not a number"), "{eval:?}");
        assert!(eval.field_errors["amps.memory.journal_size"].contains("unknown unit"));
        assert_eq!(eval.field_errors.len(), 2);
        assert!(eval.outcome("amps.memory").is_none());
        assert!(eval.outcome("amps.limits").is_some(), "the other sections still show");
        assert!(eval.plan.as_ref().is_some_and(|p| p.amps.as_ref().unwrap().memory.is_none()));
    }

    #[test]
    fn an_unknown_key_is_named() {
        let mut p = plan(examples::EXAMPLE_25_2);
        set(&mut p, "amps.memory.clinets", Some(Value::Integer(3)));
        let eval = evaluate(&p);
        assert!(eval.field_errors["amps.memory.clinets"].contains("clinets"), "{eval:?}");
        assert!(eval.plan_error.is_none());
    }

    #[test]
    fn a_section_the_page_does_not_know_is_named() {
        let mut p = plan(examples::EXAMPLE_25_2);
        set(&mut p, "nosuch.section.size", Some(Value::Integer(1)));
        let eval = evaluate(&p);
        assert!(eval.field_errors["nosuch.section.size"].contains("nosuch"), "{eval:?}");
        let all = evaluate(&plan(examples::EXAMPLE_25_2)).outcomes.len();
        assert_eq!(eval.outcomes.len(), all, "the known sections still evaluate");
    }

    #[test]
    fn a_section_that_is_not_a_table_is_named() {
        let mut p = plan(examples::EXAMPLE_25_2);
        set(&mut p, "amps.memory", Some(Value::Integer(3)));
        let eval = evaluate(&p);
        assert!(eval.field_errors["amps.memory"].contains("invalid type"), "{eval:?}");
        assert!(eval.outcome("amps.memory").is_none());
    }

    #[test]
    fn values_outside_their_source_bounds_are_named_at_the_field() {
        let mut p = plan(examples::EXAMPLE_25_2);
        set(&mut p, "aerospike.shm.shm_max_nodes", Some(Value::Integer(1 << 32)));
        let eval = evaluate(&p);
        let e = &eval.field_errors["aerospike.shm.shm_max_nodes"];
        assert!(e.contains("above the largest allowed value, 4294967295"), "{e}");
        assert!(eval.outcome("aerospike.shm").is_none());
        assert!(eval.outcome("amps.memory").is_some(), "the other sections still show");
        let range = Value::Array(vec![Value::Integer(65_535), Value::Integer(1024)]);
        set(&mut p, "host.kernel.ip_local_port_range", Some(range));
        let eval = evaluate(&p);
        assert!(eval.field_errors["host.kernel.ip_local_port_range"].contains("empty range"));
        assert!(eval.outcomes.is_empty());
    }

    #[test]
    fn an_invalid_host_value_hides_every_result() {
        let mut p = plan(examples::EXAMPLE_25_2);
        set(&mut p, "host.ram", Some(Value::String("-1 GB".into())));
        let eval = evaluate(&p);
        assert!(eval.field_errors.contains_key("host.ram"), "{eval:?}");
        assert!(eval.outcomes.is_empty() && eval.plan.is_none());
    }

    #[test]
    fn example_25_2_evaluates() {
        let eval = evaluate(&plan(examples::EXAMPLE_25_2));
        assert!(eval.field_errors.is_empty(), "{eval:?}");
        let Some(Outcome::Result(r)) = eval.outcome("amps.memory") else { panic!("{eval:?}") };
        assert_eq!(r.quantity("estimate"), Some(54_156_819_200));
    }

    #[test]
    fn missing_fields_take_their_defaults() {
        let p = with_defaults(&plan(
            "[host]\nram = \"1 GB\"\n[host.kernel]\nshmmax = 5\n[amps.memory]\nclients = 7",
        ));
        assert_eq!(lookup(&p, "host.ram"), Some(&Value::String("1 GB".into())));
        assert_eq!(lookup(&p, "host.page_size"), Some(&Value::String("4 KiB".into())));
        assert_eq!(lookup(&p, "host.kernel.shmmax"), Some(&Value::Integer(5)));
        assert_eq!(lookup(&p, "amps.memory.clients"), Some(&Value::Integer(7)));
        assert_eq!(
            lookup(&p, "amps.memory.journal_size"),
            default_of(&p, "amps.memory.journal_size").as_ref()
        );
        assert_eq!(lookup(&p, "amps.memory.headroom_percent"), Some(&Value::Integer(200)));
        let keys: Vec<_> = lookup(&p, "amps.memory").unwrap().as_table().unwrap().keys().collect();
        assert_eq!(keys[0], "sow_message_size", "the calculator's order: {keys:?}");
        let host: Vec<_> = lookup(&p, "host").unwrap().as_table().unwrap().keys().collect();
        assert_eq!(host[..2], ["ram", "swap"], "the host's order: {host:?}");
    }

    #[test]
    fn a_variant_tag_picks_that_variants_defaults() {
        let p =
            with_defaults(&plan("[vps.memory.web]\nkind = \"prefork\"\nchild_rss = \"30 MiB\""));
        let web = lookup(&p, "vps.memory.web").unwrap().as_table().unwrap();
        let keys: Vec<_> = web.keys().map(String::as_str).collect();
        assert_eq!(keys, ["kind", "max_request_workers", "child_rss"]);
        assert_eq!(lookup(&p, "vps.memory.web.child_rss"), Some(&Value::String("30 MiB".into())));
        let eval = evaluate(&p);
        assert!(eval.field_errors.is_empty(), "{eval:?}");
        // A bad value in a variant's field is named, not blamed on the tag.
        let mut bad = p.clone();
        set(&mut bad, "vps.memory.web.child_rss", Some(Value::String("big".into())));
        let eval = evaluate(&bad);
        let errors: Vec<_> = eval.field_errors.keys().collect();
        assert_eq!(errors, ["vps.memory.web.child_rss"]);
    }

    #[test]
    fn form_fields_follow_the_defaults_then_the_optional_inputs() {
        let s = section("amps.slow_clients").unwrap();
        let keys: Vec<_> = form_fields(s, &Table::new()).into_iter().map(|f| f.key).collect();
        let optional = ["message_memory_limit", "message_disk_limit", "disk_path_space"];
        assert_eq!(keys[keys.len() - optional.len()..], optional);
        let s = section("aerospike.shm").unwrap();
        let key = &form_fields(s, &Table::new())[0];
        assert!(matches!(key.kind, FieldKind::Choice(_)), "{key:?}");
        let p = plan(examples::EXAMPLE_25_2);
        assert!(has_form_field(&p, "amps.memory.clients"));
        assert!(has_form_field(&p, "host.kernel.shmmax"));
        assert!(!has_form_field(&p, "amps.memory.clinets"));
    }

    /// A calculator declared once gets its form from that declaration alone.
    #[test]
    fn a_new_calculators_form_comes_from_its_registry_entry() {
        use headroom_core::registry::{Capacity, Field, Kind, System};
        use headroom_core::report::Source;
        const DEMO: Calculator = Calculator {
            id: "demo.disk",
            title: "Demo disk",
            system: System::Vps,
            source: Source { document: "A test", section: "Registry", excerpt: "A quote." },
            formula: "files·size",
            notes: "",
            capacity: Capacity::None,
            occupies: None,
            fields: &[
                Field::new("files", "Files kept", Kind::Count, "How many files."),
                Field::new("level", "Level", Kind::Choice(&[("a", "A")]), "Pick one."),
                Field::new("limit", "Limit now", Kind::Bytes, "If set.").optional(),
            ],
            groups: &[],
            variants: &[],
            quantities: &[],
            findings: &[],
            defaults: || {
                let mut t = Table::new();
                t.insert("files".into(), 10.into());
                t.insert("level".into(), "a".into());
                t
            },
        };
        let form = form_fields(&DEMO, &Table::new());
        let kinds: Vec<_> = form.iter().map(|f| (f.key.as_str(), f.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("files", FieldKind::Quantity),
                ("level", FieldKind::Choice(&[("a", "A")])),
                ("limit", FieldKind::Optional)
            ]
        );
        assert_eq!(DEMO.field("files").map(|f| f.label), Some("Files kept"));
    }

    #[test]
    fn set_and_lookup_dotted_paths() {
        let mut t = Table::new();
        set(&mut t, "host.kernel.shmmax", Some(Value::Integer(5)));
        assert_eq!(lookup(&t, "host.kernel.shmmax"), Some(&Value::Integer(5)));
        set(&mut t, "host.kernel.shmmax", None);
        assert_eq!(lookup(&t, "host.kernel.shmmax"), None);
    }
}
