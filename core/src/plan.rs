//! The plan file: a host profile and one section per calculator, and its
//! evaluation into a [`Report`]. Sections are named by result id, so
//! `[amps.memory]` in TOML is `{"amps": {"memory": {..}}}` in JSON.

use serde::{Deserialize, Serialize};

use crate::bounds::{self, InputError};
use crate::finding::Severity;
use crate::host::Host;
use crate::registry::Calculator;
use crate::report::{CalcError, CalcResult, InputUsed};
use crate::units::{cut, shown};
use crate::{aerospike, amps, connections, gemstone, vps};

/// The plan's sections and the registry, from one table: each line names a
/// section and the module holding its `Input`, `evaluate` and `CALCULATOR`.
macro_rules! calculators {
    ($(
        $(#[$doc:meta])*
        $system:ident: $Sections:ident { $($section:ident => $($module:ident)::+,)* }
    )*) => {
        /// One deployment: the host and the systems it runs. Absent sections
        /// are not evaluated.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct Plan {
            pub host: Host,
            $(
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $system: Option<$Sections>,
            )*
        }

        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
            #[serde(deny_unknown_fields, default)]
            #[serde(expecting = "a table of calculator sections, such as [amps.memory]")]
            pub struct $Sections {
                $(
                    #[serde(skip_serializing_if = "Option::is_none")]
                    pub $section: Option<$($module)::+::Input>,
                )*
            }
        )*

        /// Every calculator, in the order a plan is evaluated.
        pub const CALCULATORS: &[&Calculator] = &[$($(&$($module)::+::CALCULATOR,)*)*];

        /// Each calculator's section path, as the plan file spells it.
        #[cfg(test)]
        const SECTION_PATHS: &[&str] =
            &[$($(concat!(stringify!($system), ".", stringify!($section)),)*)*];

        type Runner =
            fn(&Plan, Option<&InputError>) -> Option<(&'static str, Result<CalcResult, CalcError>)>;

        /// One runner per calculator, in [`CALCULATORS`] order. A bound the
        /// host (given) or the section breaks is the section's error: no
        /// formula runs on a value its source does not allow.
        const RUNNERS: &[Runner] = &[$($(
            |plan: &Plan, host: Option<&InputError>| {
                let input = plan.$system.as_ref()?.$section.as_ref()?;
                let calc = &$($module)::+::CALCULATOR;
                let bad = host
                    .cloned()
                    .or_else(|| bounds::violations(calc.fields, input, "").into_iter().next());
                Some((calc.id, match bad {
                    Some(e) => Err(CalcError::Invalid { field: e.path, reason: e.message }),
                    None => $($module)::+::evaluate(input, &plan.host).map(|mut r| {
                        r.inputs = inputs_used(calc, input);
                        r
                    }),
                }))
            },
        )*)*];

        /// Each present section's bound violations, paths from the plan's top.
        const CHECKS: &[fn(&Plan) -> Vec<InputError>] = &[$($(
            |plan: &Plan| match plan.$system.as_ref().and_then(|s| s.$section.as_ref()) {
                Some(input) => {
                    let calc = &$($module)::+::CALCULATOR;
                    bounds::violations(calc.fields, input, &format!("{}.", calc.id))
                }
                None => Vec::new(),
            },
        )*)*];
    };
}

calculators! {
    /// `[amps.*]` sections.
    amps: AmpsSections {
        memory => amps::memory,
        limits => amps::limits,
        slow_clients => amps::slow_clients,
        sow_storage => amps::sow_storage,
        slab => amps::slab,
        txlog => amps::txlog,
        logs => amps::logs,
        storage => amps::storage,
        network => amps::network,
        cpu => amps::cpu,
    }
    /// `[gemstone.*]` sections.
    gemstone: GemstoneSections {
        page_cache => gemstone,
    }
    /// `[aerospike.*]` sections.
    aerospike: AerospikeSections {
        shm => aerospike,
    }
    /// `[connections.*]` sections.
    connections: ConnectionsSections {
        kernel => connections,
    }
    /// `[vps.*]` sections.
    vps: VpsSections {
        memory => vps,
    }
}

/// The inputs a section's result used: each registry field's value as the
/// plan writes it, marked when it is the documented default (for a variant
/// table, the chosen variant's default). A field of a variant not chosen is
/// left out; an absent optional field is `not set`.
fn inputs_used<T: Serialize>(calc: &Calculator, input: &T) -> Vec<InputUsed> {
    use serde_json::Value;
    let Ok(values) = serde_json::to_value(input) else { return Vec::new() };
    let mut defaults = serde_json::to_value((calc.defaults)()).unwrap_or_default();
    for v in calc.variants {
        let tag = values.get(v.path).and_then(|t| t.get(v.tag)).and_then(Value::as_str);
        if let (Some(slot), true) = (defaults.get_mut(v.path), tag == Some(v.value)) {
            *slot = serde_json::to_value((v.defaults)()).unwrap_or_default();
        }
    }
    let lookup = |v: &'_ Value, key: &str| -> Option<Value> {
        key.split('.').try_fold(v, |v, k| v.get(k)).cloned()
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(Value::to_string).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    };
    calc.fields
        .iter()
        .filter_map(|f| {
            let value = lookup(&values, f.key);
            if value.is_none() && !f.optional {
                return None;
            }
            Some(InputUsed {
                key: f.key,
                label: f.label,
                value: value.as_ref().map_or_else(|| "not set".to_string(), text),
                default: value == lookup(&defaults, f.key),
                assumption: f.assumption,
            })
        })
        .collect()
}

/// The calculator whose section is `id`.
pub fn calculator(id: &str) -> Option<&'static Calculator> {
    CALCULATORS.iter().copied().find(|c| c.id == id)
}

/// Why a plan file could not be read: one short sentence naming the field
/// as the file writes it (its path and line) and what to write instead. A
/// value is never repeated in full: long ones are cut (see [`shown`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Not TOML or JSON at all, or a key written twice.
    #[error("line {line}, column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    /// A value of the wrong type or out of range, or an unknown field.
    #[error("`{}`{}: {message}", shown(.field), .line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Field { field: String, line: Option<usize>, message: String },
    #[error("the plan is empty: write a calculator section such as [amps.memory] with its fields")]
    Empty,
    /// A section that names a calculator (or a system) but sets nothing:
    /// its result would be the defaults' and describe no real system.
    #[error("[{section}] is empty: write at least one of its {what}")]
    EmptySection { section: String, what: &'static str },
    #[error("TOML output: {0}")]
    Write(String),
    /// Values outside the bounds their sources declare, one per line.
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.path, e.message)).collect::<Vec<_>>().join("\n"))]
    Bounds(Vec<InputError>),
}

/// `message` with each long part cut, quoted or not (serde's own messages
/// quote the value or key they reject), so an error stays one short sentence,
/// and with no Rust type name in it (`expected struct Input`).
fn tame(message: &str) -> String {
    let message = match message.split_once("expected struct ") {
        Some((head, tail)) => {
            let name_end = tail.find(|c: char| !c.is_alphanumeric()).unwrap_or(tail.len());
            format!("{head}expected a table of fields{}", &tail[name_end..])
        }
        None => message.to_string(),
    };
    let mut out = String::new();
    let mut rest = message.trim();
    while !rest.is_empty() {
        let end = rest.find(['"', '`']).unwrap_or(rest.len());
        out.push_str(&cut(&rest[..end]));
        // Keep each quote character as written.
        let quote = rest[end..].chars().next().map_or(0, char::len_utf8);
        out.push_str(&rest[end..end + quote]);
        rest = &rest[end + quote..];
    }
    out
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl PlanError {
    /// `field` is the path serde was at (`.` or empty when the text itself
    /// is at fault).
    fn toml(text: &str, field: String, inner: &toml::de::Error) -> PlanError {
        let line_col = inner.span().map(|s| line_column(text, s.start));
        let mut message = tame(inner.message());
        if field == "." || field.is_empty() {
            // toml names no key when one is written twice; the span is the key.
            if message.starts_with("duplicate") {
                let key = inner.span().and_then(|s| text.get(s)).unwrap_or_default();
                message = format!("{message} `{}`", shown(key));
            }
            let (line, column) = line_col.unwrap_or((1, 1));
            return PlanError::Syntax { line, column, message };
        }
        PlanError::Field { field, line: line_col.map(|(l, _)| l), message }
    }

    fn json(field: String, inner: &serde_json::Error) -> PlanError {
        let full = inner.to_string();
        let suffix = format!(" at line {} column {}", inner.line(), inner.column());
        let message = tame(full.strip_suffix(&suffix).unwrap_or(&full));
        if inner.is_syntax() || inner.is_eof() || field == "." || field.is_empty() {
            return PlanError::Syntax { line: inner.line(), column: inner.column(), message };
        }
        PlanError::Field { field, line: Some(inner.line()), message }
    }
}

/// The first empty calculator or system section in a plan read as data:
/// `[amps]` alone, or `[amps.memory]` with no field.
fn empty_section(plan: &serde_json::Value) -> Result<(), PlanError> {
    let Some(top) = plan.as_object() else { return Ok(()) };
    if top.is_empty() {
        return Err(PlanError::Empty);
    }
    for (system, sections) in top.iter().filter(|(k, _)| *k != "host") {
        let Some(sections) = sections.as_object() else { continue };
        if sections.is_empty() {
            return Err(PlanError::EmptySection { section: system.clone(), what: "sections" });
        }
        for (name, fields) in sections {
            if fields.as_object().is_some_and(|f| f.is_empty()) {
                let what = "fields (the others take their defaults)";
                return Err(PlanError::EmptySection { section: format!("{system}.{name}"), what });
            }
        }
    }
    Ok(())
}

impl Plan {
    /// Reads a TOML plan; a value outside its bounds is an error too.
    pub fn from_toml(text: &str) -> Result<Plan, PlanError> {
        let parsed = toml::Deserializer::parse(text)
            .map_err(|e| PlanError::toml(text, String::new(), &e))?;
        let plan: Plan = serde_path_to_error::deserialize(parsed)
            .map_err(|e| PlanError::toml(text, e.path().to_string(), e.inner()))?;
        // Read once more as data: the typed plan cannot tell an empty
        // section from one that spells out every default.
        let raw: serde_json::Value =
            toml::from_str(text).map_err(|e| PlanError::toml(text, String::new(), &e))?;
        empty_section(&raw)?;
        plan.checked()
    }

    /// Reads a JSON plan; a value outside its bounds is an error too.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let plan: Plan = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| PlanError::json(e.path().to_string(), e.inner()))?;
        de.end().map_err(|e| PlanError::json(String::new(), &e))?;
        let raw: serde_json::Value =
            serde_json::from_str(text).map_err(|e| PlanError::json(String::new(), &e))?;
        empty_section(&raw)?;
        plan.checked()
    }

    fn checked(self) -> Result<Plan, PlanError> {
        let errors = self.input_errors();
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(PlanError::Bounds(errors))
        }
    }

    /// Every value of the host and the present sections outside the bounds
    /// its source declares.
    pub fn input_errors(&self) -> Vec<InputError> {
        let mut errors = bounds::violations(crate::host::FIELDS, &self.host, "host.");
        for check in CHECKS {
            errors.extend(check(self));
        }
        errors
    }

    /// JSON when the text starts with `{`, TOML otherwise.
    pub fn parse(text: &str) -> Result<Plan, PlanError> {
        if text.trim_start().starts_with('{') {
            Plan::from_json(text)
        } else {
            Plan::from_toml(text)
        }
    }

    pub fn to_toml(&self) -> Result<String, PlanError> {
        toml::to_string(self).map_err(|e| PlanError::Write(e.to_string()))
    }
}

/// One section's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Result(CalcResult),
    Error(SectionError),
}

/// A [`CalcError`] in serializable form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionError {
    /// The section's result id, e.g. `amps.memory`.
    pub id: &'static str,
    /// The input field at fault.
    pub field: String,
    pub message: String,
}

impl SectionError {
    fn new(id: &'static str, e: &CalcError) -> Self {
        let field = match e {
            CalcError::Unit { field, .. }
            | CalcError::Overflow { field }
            | CalcError::Invalid { field, .. } => field.clone(),
        };
        SectionError { id, field, message: e.to_string() }
    }
}

/// Every present section's outcome, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// Any section that failed, or any finding of severity error.
    pub fn has_errors(&self) -> bool {
        self.outcomes.iter().any(|o| match o {
            Outcome::Error(_) => true,
            Outcome::Result(r) => r.findings.iter().any(|f| f.severity == Severity::Error),
        })
    }

    pub fn results(&self) -> impl Iterator<Item = &CalcResult> {
        self.outcomes.iter().filter_map(|o| match o {
            Outcome::Result(r) => Some(r),
            Outcome::Error(_) => None,
        })
    }

    pub fn errors(&self) -> impl Iterator<Item = &SectionError> {
        self.outcomes.iter().filter_map(|o| match o {
            Outcome::Error(e) => Some(e),
            Outcome::Result(_) => None,
        })
    }

    pub fn get(&self, id: &str) -> Option<&CalcResult> {
        self.results().find(|r| r.id == id)
    }

    fn push(&mut self, id: &'static str, r: Result<CalcResult, CalcError>) {
        self.outcomes.push(match r {
            Ok(r) => Outcome::Result(r),
            Err(e) => Outcome::Error(SectionError::new(id, &e)),
        });
    }
}

/// A section's result when it is present, within its bounds and computes.
fn sibling<T: Serialize>(
    calc: &Calculator,
    input: Option<&T>,
    eval: fn(&T, &Host) -> Result<CalcResult, CalcError>,
    host: &Host,
) -> Option<CalcResult> {
    let input = input.filter(|i| bounds::violations(calc.fields, *i, "").is_empty())?;
    eval(input, host).ok()
}

/// The plan with each empty component of `[amps.storage]` taken from its
/// own section's figure, so the total follows the plan's other sections;
/// `None` when there is nothing to fill.
fn with_amps_storage_components(plan: &Plan) -> Option<Plan> {
    use crate::units::Bytes;
    let sections = plan.amps.as_ref()?;
    let storage = sections.storage?;
    let host = &plan.host;
    let figure =
        |r: &Option<CalcResult>, name: &str| r.as_ref().and_then(|r| r.quantity(name)).map(Bytes);
    let sow = sibling(
        &amps::sow_storage::CALCULATOR,
        sections.sow_storage.as_ref(),
        amps::sow_storage::evaluate,
        host,
    );
    let txlog =
        sibling(&amps::txlog::CALCULATOR, sections.txlog.as_ref(), amps::txlog::evaluate, host);
    let logs = sibling(&amps::logs::CALCULATOR, sections.logs.as_ref(), amps::logs::evaluate, host);
    let offline = sibling(
        &amps::slow_clients::CALCULATOR,
        sections.slow_clients.as_ref(),
        amps::slow_clients::evaluate,
        host,
    );
    // A SOW figure given by hand stands for both ends of the range.
    let by_hand = storage.sow_min.is_some() || storage.sow_max.is_some();
    let filled = amps::storage::Input {
        sow_min: storage.sow_min.or(if by_hand { None } else { figure(&sow, "min") }),
        sow_max: storage.sow_max.or(if by_hand { None } else { figure(&sow, "max") }),
        transaction_log: storage.transaction_log.or(figure(&txlog, "capacity")),
        logs: storage.logs.or(figure(&logs, "retained")),
        // The MessageDiskLimit planned, else the recommended one.
        offline: storage
            .offline
            .or(offline.as_ref().and(sections.slow_clients.and_then(|s| s.message_disk_limit)))
            .or(figure(&offline, "message_disk_limit")),
        ..storage
    };
    let mut plan = plan.clone();
    plan.amps.as_mut()?.storage = Some(filled);
    Some(plan)
}

/// Evaluates every present section against the plan's host, in registry
/// order.
pub fn evaluate(plan: &Plan) -> Report {
    let filled = with_amps_storage_components(plan);
    let given = plan.amps.as_ref().and_then(|a| a.storage);
    let plan = filled.as_ref().unwrap_or(plan);
    let mut report = Report::default();
    let host = bounds::violations(crate::host::FIELDS, &plan.host, "host.");
    for run in RUNNERS {
        if let Some((id, mut r)) = run(plan, host.first()) {
            if let (Ok(r), Some(given)) = (&mut r, given.filter(|_| id == amps::storage::ID)) {
                name_the_sections_used(r, &given);
            }
            report.push(id, r);
        }
    }
    report
}

/// Each `[amps.storage]` input the plan left empty and another section
/// filled says which section, so no figure looks typed by the operator.
fn name_the_sections_used(r: &mut CalcResult, given: &amps::storage::Input) {
    let sections = [
        ("sow_min", given.sow_min, "amps.sow_storage"),
        ("sow_max", given.sow_max, "amps.sow_storage"),
        ("transaction_log", given.transaction_log, "amps.txlog"),
        ("logs", given.logs, "amps.logs"),
        ("offline", given.offline, "amps.slow_clients"),
    ];
    for input in &mut r.inputs {
        let from = sections.iter().find(|(k, v, _)| *k == input.key && v.is_none());
        if let (Some((_, _, section)), false) = (from, input.value == "not set") {
            input.value.push_str(&format!(" (from [{section}])"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AMPS: &str = r#"
[host]
ram = "64 GiB"

[amps.memory]
sow_message_size = "1 KiB"
sow_messages = 20000000
clients = 200
message_memory_limit = "10 GB"
journal_size = "1 GB"
queue_messages = 1000000
"#;

    #[test]
    fn example_25_2_through_a_plan() {
        let plan = Plan::parse(AMPS).unwrap();
        let report = evaluate(&plan);
        let r = report.get("amps.memory").unwrap();
        assert_eq!(r.quantity("estimate"), Some(54_156_819_200));
        assert_eq!(r.quantity("recommended"), Some(108_313_638_400));
        // 64 GiB holds the estimate but not 200% of it.
        assert!(!report.has_errors());
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].severity, Severity::Warning);
    }

    /// Issue 22: an empty section ran on defaults without saying so.
    #[test]
    fn every_result_lists_its_inputs_and_marks_the_defaults() {
        let report = evaluate(&Plan::parse(AMPS).unwrap());
        let r = report.get("amps.memory").unwrap();
        let used: Vec<(&str, &str, bool)> =
            r.inputs.iter().map(|i| (i.key, i.value.as_str(), i.default)).collect();
        assert_eq!(
            used,
            [
                ("sow_message_size", "1 KiB", false),
                ("sow_messages", "20000000", false),
                ("clients", "200", false),
                ("message_memory_limit", "10 GB", false),
                ("journal_size", "1 GB", false),
                ("queue_messages", "1000000", false),
                ("headroom_percent", "200", true),
            ]
        );
        // An empty section is refused when read; as data it runs on defaults.
        let empty = evaluate(&toml::from_str::<Plan>("[aerospike.shm]\n").unwrap());
        let r = empty.get("aerospike.shm").unwrap();
        assert!(r.inputs.iter().all(|i| i.default), "{:?}", r.inputs);
        let key = r.inputs.iter().find(|i| i.key == "shm_key").unwrap();
        assert_eq!(key.value, "not set");
    }

    /// Issue 22: `[vps.memory.web] kind = "event"` alone failed with
    /// "missing field `rss`"; a variant's documented defaults apply.
    #[test]
    fn a_variant_tag_alone_takes_that_variants_defaults() {
        for kind in ["event", "prefork"] {
            let plan = Plan::parse(&format!("[vps.memory.web]\nkind = \"{kind}\"\n")).unwrap();
            let report = evaluate(&plan);
            let r = report.get("vps.memory").unwrap();
            let web: Vec<_> = r.inputs.iter().filter(|i| i.key.starts_with("web.")).collect();
            assert!(web.len() >= 2 && web.iter().all(|i| i.default), "{kind}: {web:?}");
        }
    }

    #[test]
    fn round_trips_through_toml_and_json() {
        let plan = Plan::parse(AMPS).unwrap();
        let toml = plan.to_toml().unwrap();
        assert_eq!(Plan::from_toml(&toml).unwrap(), plan);
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(Plan::parse(&json).unwrap(), plan);
    }

    #[test]
    fn every_amps_section_round_trips_and_evaluates_in_order() {
        let text = r#"
[amps.memory]
clients = 200
[amps.limits]
clients = 200
[amps.slow_clients]
average_record_size = "1 KiB"
[amps.sow_storage]
message_size = "1 KiB"
[amps.slab]
topics = 3
[amps.txlog]
message_size = "1 KiB"
[amps.logs]
level = "trace"
[amps.network]
match_ratio = "2%"
query_rate = "5/min"
[amps.cpu]
publish_rate = "5000/s"
"#;
        let plan = Plan::parse(text).unwrap();
        let back = Plan::from_toml(&plan.to_toml().unwrap()).unwrap();
        assert_eq!(back, plan);
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(Plan::parse(&json).unwrap(), plan);
        let report = evaluate(&plan);
        let ids: Vec<&str> = report.results().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "amps.memory",
                "amps.limits",
                "amps.slow_clients",
                "amps.sow_storage",
                "amps.slab",
                "amps.txlog",
                "amps.logs",
                "amps.network",
                "amps.cpu"
            ]
        );
        assert!(!report.has_errors());
    }

    /// The total storage follows the plan's other AMPS sections, and a
    /// figure given by hand wins.
    #[test]
    fn amps_storage_takes_its_components_from_the_plan() {
        let text = r#"
[host]
cores = 16
[amps.sow_storage]
message_size = "1 KiB"
messages = 20000000
[amps.txlog]
message_size = "1 KiB"
publish_rate = "5000/s"
retention = "1 d"
[amps.logs]
publish_rate = "5000/s"
retention = "7 d"
[amps.slow_clients]
average_record_size = "1 KiB"
expected_records = 1000000
simultaneous_clients = 10
[amps.storage]
other = "1 GB"
disk = "1 TB"
"#;
        let report = evaluate(&Plan::parse(text).unwrap());
        let r = report.get("amps.storage").unwrap();
        let terms: Vec<u64> = r.terms.iter().map(|t| t.value).collect();
        // Example 25.3's minimum, a day of Example 25.6's journal, a week
        // of info logs, the slow clients' 10,240,000,000 B backlog, 1 GB.
        assert_eq!(
            terms,
            [20_496_777_216, 663_552_000_000, 604_800_000, 10_240_000_000, 1_000_000_000]
        );
        assert_eq!(r.quantity("total_min"), Some(695_893_577_216));
        // Example 25.4's (1 KiB + 1 MiB) · 20,000,000 does not fit in 1 TB.
        assert_eq!(r.quantity("total_max"), Some(20_992_000_000_000 + 675_396_800_000));
        assert_eq!(r.findings[0].id, "amps.storage.may_exceed_disk");
        let used = |k: &str| r.inputs.iter().find(|i| i.key == k).unwrap().value.clone();
        assert_eq!(used("transaction_log"), "663552 MB (from [amps.txlog])");
        assert_eq!(used("disk"), "1 TB");
        let by_hand = format!("{text}sow_max = \"2 GB\"\n");
        let report = evaluate(&Plan::parse(&by_hand).unwrap());
        let r = report.get("amps.storage").unwrap();
        assert_eq!(r.terms[0].value, 2_000_000_000);
        assert!(r.findings.is_empty(), "{:?}", r.findings);
    }

    #[test]
    fn errors_name_the_field_and_line() {
        let e = Plan::from_toml("[amps.memory]\nclinets = 3\n").unwrap_err().to_string();
        assert!(e.contains("clinets") && e.contains("line 2"), "{e}");
        let e = Plan::from_toml("[amps.memory]\nclients = \"lots\"\n").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn one_bad_section_does_not_hide_the_rest() {
        let text = format!("{AMPS}headroom_percent = 50\n");
        let report = evaluate(&Plan::parse(&text).unwrap());
        let e: Vec<_> = report.errors().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "headroom_percent");
        assert!(report.has_errors());
    }

    /// The host roll-up adds each calculator's `occupies` figure: it must be
    /// one of its figures, in the unit of the host part it takes up.
    #[test]
    fn each_occupied_figure_is_a_quantity_in_its_capacitys_unit() {
        use crate::registry::Capacity;
        use crate::report::Unit;
        let mut occupying = Vec::new();
        for c in CALCULATORS {
            let Some(name) = c.occupies else { continue };
            let q = c.quantities.iter().find(|q| q.name == name);
            let unit = match c.capacity {
                Capacity::Ram => Unit::Bytes,
                Capacity::Cores => Unit::MilliCores,
                Capacity::None => panic!("{} occupies {name} of no host capacity", c.id),
            };
            assert_eq!(q.map(|q| q.unit), Some(unit), "{}.{name}", c.id);
            occupying.push(c.id);
        }
        assert_eq!(
            occupying,
            [
                "amps.memory",
                "amps.cpu",
                "gemstone.page_cache",
                "aerospike.shm",
                "connections.kernel",
                "vps.memory"
            ]
        );
    }

    #[test]
    fn each_section_is_named_by_its_calculator_id() {
        let ids: Vec<&str> = CALCULATORS.iter().map(|c| c.id).collect();
        assert_eq!(ids, SECTION_PATHS);
    }

    /// Issue 22: a reversed `ip_local_port_range` printed 4.6e18 server
    /// ports and 2^64 - 1 pairs of 0 ports.
    #[test]
    fn a_reversed_or_empty_port_range_is_an_input_error_naming_the_field() {
        for range in ["[65535, 1024]", "[0, 1024]"] {
            let text =
                format!("[host.kernel]\nip_local_port_range = {range}\n[connections.kernel]\nconnections = 9\n");
            let e = Plan::parse(&text).unwrap_err().to_string();
            assert!(e.starts_with("host.kernel.ip_local_port_range: "), "{e}");
            let plan: Plan = toml::from_str(&text).unwrap();
            let report = evaluate(&plan);
            let err = report.errors().next().unwrap();
            assert_eq!(
                (err.id, err.field.as_str()),
                ("connections.kernel", "host.kernel.ip_local_port_range")
            );
            assert!(report.results().next().is_none());
        }
    }

    /// Issue 22: `shm_max_nodes = 4294967296` gave a 1.86 TB segment and
    /// `shm_key = 0x100000000` the fix `ipcrm -M 0x100000000`.
    #[test]
    fn aerospike_values_outside_their_c_types_are_rejected_with_the_bound() {
        for (line, field, bound) in [
            ("shm_max_nodes = 4294967296", "aerospike.shm.shm_max_nodes", "4294967295 (uint32_t"),
            (
                "shm_max_namespaces = 4294967296",
                "aerospike.shm.shm_max_namespaces",
                "4294967295 (uint32_t",
            ),
            ("shm_key = 0x100000000", "aerospike.shm.shm_key", "4294967295 (int shm_key"),
        ] {
            let e = Plan::parse(&format!("[aerospike.shm]\n{line}\n")).unwrap_err().to_string();
            assert!(e.starts_with(&format!("{field}: ")) && e.contains(bound), "{e}");
        }
        let ok = Plan::parse("[aerospike.shm]\nshm_max_nodes = 4294967295\n").unwrap();
        assert!(evaluate(&ok).errors().next().is_none());
    }

    #[test]
    fn zero_processes_or_ports_name_the_field() {
        for (line, field) in [
            ("processes = 0", "connections.kernel.processes"),
            ("server_ports = 65536", "connections.kernel.server_ports"),
            ("client_ips = 0", "connections.kernel.client_ips"),
        ] {
            let e = Plan::parse(&format!("[connections.kernel]\n{line}\n")).unwrap_err();
            assert!(e.to_string().starts_with(&format!("{field}: ")), "{e}");
        }
    }

    #[test]
    fn absent_sections_are_not_evaluated() {
        assert!(evaluate(&Plan::parse("[host]\n").unwrap()).outcomes.is_empty());
    }

    #[test]
    fn bad_values_name_their_field_and_line() {
        let cases = [
            ("[amps.memory]\nclients = -5\n", "`amps.memory.clients` (line 2): \"-5\" is negative: sizes and counts cannot be below zero"),
            ("\n[amps.memory]\nclients = 1e300\n", "`amps.memory.clients` (line 3): \"1e300\" is too large (the limit is 2^64 - 1)"),
            ("[amps.memory]\nclients = nan\n", "`amps.memory.clients` (line 2): \"NaN\" is not a number: write digits with an optional unit, such as \"10 GB\""),
            ("[host.kernel]\ncore_limit = false\n", "`host.kernel.core_limit` (line 2): \"false\" is not a number: write digits with an optional unit, such as \"10 GB\""),
            ("[amps.memory]\nclients = 1\nclients = 1\n", "line 3, column 1: duplicate key `clients`"),
            (r#"{"amps": {"memory": {"clients": -1.5}}}"#, "`amps.memory.clients` (line 1): \"-1.5\" is negative: sizes and counts cannot be below zero"),
            ("{\"amps\": ", "line 1, column 9: EOF while parsing a value"),
            ("", "the plan is empty: write a calculator section such as [amps.memory] with its fields"),
            ("[aerospike.shm]\n", "[aerospike.shm] is empty: write at least one of its fields (the others take their defaults)"),
            ("[vps]\nmemory = 5\n", "`vps.memory` (line 2): invalid type: integer `5`, expected a table of fields"),
            ("vps = 5\n", "`vps` (line 1): invalid type: integer `5`, expected a table of calculator sections, such as [amps.memory]"),
        ];
        for (text, want) in cases {
            assert_eq!(Plan::parse(text).map(|_| ()).unwrap_err().to_string(), want, "{text}");
        }
    }

    #[test]
    fn a_long_value_is_cut_in_every_message() {
        let long = "7".repeat(100_000);
        for text in [
            format!("[amps.memory]\nclients = \"{long}\"\n"),
            format!("[gemstone.page_cache]\nshr_page_cache_size_kb = \"{long}\"\n"),
            format!("[amps.memory]\n{long} = 1\n"),
            format!("{{\"amps\": {{\"memory\": {{\"{long}\": 1}}}}}}"),
        ] {
            let e = Plan::parse(&text).map(|_| ()).unwrap_err().to_string();
            assert!(e.len() < 400, "{} bytes: {}", e.len(), &e[..400]);
            assert!(e.contains("(100000 characters)"), "{e}");
        }
    }

    proptest! {
        #[test]
        fn any_toml_text_gives_a_plan_or_a_typed_error(s in "\\PC{0,200}") {
            let _ = Plan::parse(&s);
        }

        /// Whatever a value is, the error about it is one short sentence.
        #[test]
        fn any_value_gives_a_plan_or_a_short_error(v in "\\PC{0,2000}") {
            for text in [format!("[amps.memory]\nclients = {v}\n"), format!("[amps.memory]\nclients = \"{v}\"\n")] {
                if let Err(e) = Plan::parse(&text) {
                    let e = e.to_string();
                    prop_assert!(e.len() < 400 && !e.contains('\n'), "{}", e);
                }
            }
        }

        #[test]
        fn any_plan_that_deserializes_evaluates(
            clients in any::<u64>(), size in any::<u64>(), count in any::<u64>(), pct in any::<u64>()
        ) {
            let text = format!(
                "[amps.memory]\nclients = {}\nsow_message_size = {}\nsow_messages = {}\n\
                 headroom_percent = {}\n",
                clients >> 1, size >> 1, count >> 1, pct >> 1
            );
            if let Ok(plan) = Plan::parse(&text) {
                prop_assert_eq!(evaluate(&plan).outcomes.len(), 1);
            }
        }

        #[test]
        fn memory_never_decreases_when_a_count_or_size_grows(
            c in 0u64..1 << 40, s in 0u64..1 << 30, m in 0u64..1 << 30, extra in 0u64..1 << 20
        ) {
            let base = amps::memory::Input {
                clients: crate::units::Count(c),
                sow_message_size: crate::units::Bytes(s),
                sow_messages: crate::units::Count(m),
                ..Default::default()
            };
            let host = Host::default();
            let grown = [
                amps::memory::Input { clients: crate::units::Count(c + extra), ..base },
                amps::memory::Input { sow_message_size: crate::units::Bytes(s + extra), ..base },
                amps::memory::Input { sow_messages: crate::units::Count(m + extra), ..base },
            ];
            let a = amps::memory::evaluate(&base, &host).unwrap();
            for g in grown {
                let b = amps::memory::evaluate(&g, &host).unwrap();
                prop_assert!(b.quantity("estimate") >= a.quantity("estimate"));
                prop_assert!(b.quantity("recommended") >= a.quantity("recommended"));
            }
        }
    }
}
