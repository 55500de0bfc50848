//! The calculators the page offers: one row per section of the core's plan
//! ([`headroom_core::plan::Plan`]), and the worked examples that load with one
//! click.
//!
//! Adding a calculator to the page is one row in [`SECTIONS`] (its form is
//! generated from the section's defaults) and its field labels in
//! `fields.rs`; the core evaluates it.

use headroom_core::units::{Bytes, Count};
use headroom_core::{aerospike, amps, connections, gemstone, vps};
use serde::Serialize;
use toml::Table;

use crate::engine::to_table;

/// What a section's results are charted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    /// The host's RAM (memory results).
    Ram,
    /// The host's cores (CPU results, in thousandths of a core).
    Cores,
    /// Nothing the host profile knows (disk, network): the terms alone.
    None,
}

/// One calculator section of a plan, e.g. `amps.memory`.
pub struct SectionInfo {
    /// The section's path in the plan file and its result id.
    pub id: &'static str,
    pub title: &'static str,
    /// The section's inputs with the calculator's defaults.
    pub default: fn() -> Table,
    /// The host figure its byte results are drawn beside.
    pub capacity: Capacity,
    /// Tagged alternatives inside the section (e.g. the VPS's web server).
    pub variants: &'static [Variant],
}

/// One alternative of a tagged table in a section: choosing it in the form
/// replaces the table with this variant's defaults.
pub struct Variant {
    /// The table's path inside the section, e.g. `web`.
    pub path: &'static str,
    /// The tag key, e.g. `kind`, and this variant's value of it.
    pub tag: &'static str,
    pub value: &'static str,
    pub label: &'static str,
    pub default: fn() -> Table,
}

fn default_table<T: Default + Serialize>() -> Table {
    to_table(&T::default())
}

/// A section whose form starts from `T::default()`, the core's defaults.
const fn section<T: Default + Serialize>(
    id: &'static str,
    title: &'static str,
    capacity: Capacity,
) -> SectionInfo {
    SectionInfo { id, title, default: default_table::<T>, capacity, variants: &[] }
}

/// Every calculator section of the core's plan, in the order the page shows
/// them. One line per section.
pub const SECTIONS: &[SectionInfo] = &[
    section::<amps::memory::Input>(amps::memory::ID, "AMPS memory", Capacity::Ram),
    section::<amps::slow_clients::Input>(
        amps::slow_clients::ID,
        "AMPS slow clients",
        Capacity::Ram,
    ),
    section::<amps::limits::Input>(amps::limits::ID, "AMPS Linux limits", Capacity::None),
    section::<amps::sow_storage::Input>(amps::sow_storage::ID, "AMPS SOW storage", Capacity::None),
    section::<amps::slab::Input>(amps::slab::ID, "AMPS SlabSize", Capacity::Ram),
    section::<amps::txlog::Input>(amps::txlog::ID, "AMPS transaction log", Capacity::None),
    section::<amps::logs::Input>(amps::logs::ID, "AMPS log files", Capacity::None),
    section::<amps::network::Input>(amps::network::ID, "AMPS network", Capacity::None),
    section::<amps::cpu::Input>(amps::cpu::ID, "AMPS CPU", Capacity::Cores),
    section::<gemstone::Input>(gemstone::ID, "GemStone page cache", Capacity::Ram),
    section::<aerospike::Input>(aerospike::ID, "Aerospike client shared memory", Capacity::Ram),
    section::<connections::Input>(connections::ID, "Many TCP connections", Capacity::Ram),
    SectionInfo {
        variants: VPS_WEB,
        ..section::<vps::Input>(vps::ID, "VPS memory budget", Capacity::Ram)
    },
];

/// The VPS's web server: an event server (the default) or Apache prefork.
const VPS_WEB: &[Variant] = &[
    Variant {
        path: "web",
        tag: "kind",
        value: "event",
        label: "Event server (lighttpd, nginx)",
        default: || to_table(&vps::Input::default().web),
    },
    Variant {
        path: "web",
        tag: "kind",
        value: "prefork",
        label: "Apache prefork",
        // Apache's default MaxRequestWorkers; the child size is a placeholder
        // to replace with a measured one (fields.rs says so).
        default: || {
            to_table(&vps::Web::Prefork {
                max_request_workers: Count(256),
                child_rss: Bytes(20 * Bytes::MIB),
            })
        },
    },
];

/// A worked example from the sources, loaded with one click. The text is
/// the repository's examples/ file, the one `dumptool plan` reads.
pub struct Example {
    pub id: &'static str,
    pub title: &'static str,
    pub plan: &'static str,
}

/// AMPS User Guide, ch. 25, Example 25.2 (plus slow clients and limits).
pub const EXAMPLE_25_2: &str = include_str!("../../examples/amps.toml");

pub const EXAMPLES: &[Example] = &[
    Example { id: "amps-25-2", title: "AMPS Example 25.2", plan: EXAMPLE_25_2 },
    Example {
        id: "maglev-t1micro",
        title: "MagLev on a t1.micro",
        plan: include_str!("../../examples/maglev-t1micro.toml"),
    },
    Example {
        id: "vps-256mb",
        title: "256 MB VPS",
        plan: include_str!("../../examples/vps-256mb.toml"),
    },
    Example {
        id: "megacomet",
        title: "MegaComet, 1M connections",
        plan: include_str!("../../examples/megacomet.toml"),
    },
    Example {
        id: "aerospike",
        title: "Aerospike client",
        plan: include_str!("../../examples/aerospike.toml"),
    },
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use headroom_core::plan::{Outcome, Plan};
    use toml::Value;

    use super::*;
    use crate::engine::{self, lookup};
    use crate::fields;

    /// The names serde lists after "expected one of" for an unknown key.
    fn expected_keys(probe: &str) -> Vec<String> {
        let err = toml::from_str::<Plan>(probe).unwrap_err().to_string();
        let list = err.split("expected").nth(1).unwrap_or_default();
        list.split('`').skip(1).step_by(2).map(str::to_string).collect()
    }

    /// The page has a row for every section of the core's plan, and no other.
    #[test]
    fn every_section_of_the_core_plan_has_a_row() {
        let mut core = BTreeSet::new();
        for system in expected_keys("__probe = 1") {
            if system == "host" {
                continue;
            }
            for section in expected_keys(&format!("[{system}]\n__probe = 1")) {
                core.insert(format!("{system}.{section}"));
            }
        }
        assert!(core.len() >= 7, "{core:?}");
        let page: BTreeSet<String> = SECTIONS.iter().map(|s| s.id.to_string()).collect();
        assert_eq!(page, core, "add a row to SECTIONS for each new calculator");
    }

    /// Each section's defaults (and each variant's) evaluate in a plan.
    #[test]
    fn every_section_evaluates_on_its_defaults() {
        for s in SECTIONS {
            let mut tables = vec![(s.default)()];
            for v in s.variants {
                let mut t = (s.default)();
                engine::set(&mut t, v.path, Some(Value::Table((v.default)())));
                tables.push(t);
            }
            for t in tables {
                let mut plan = toml::Table::new();
                engine::set(&mut plan, s.id, Some(Value::Table(t)));
                let eval = engine::evaluate(&engine::with_defaults(&plan));
                assert!(eval.field_errors.is_empty(), "{}: {:?}", s.id, eval.field_errors);
                assert!(
                    matches!(eval.outcome(s.id), Some(Outcome::Result(_))),
                    "{}: {:?}",
                    s.id,
                    eval.outcomes
                );
            }
        }
    }

    /// Every field of every form has a label and help in fields.rs, and
    /// fields.rs documents no field the forms lack.
    #[test]
    fn every_field_has_a_label_and_help() {
        let mut shown = BTreeSet::new();
        for s in SECTIONS {
            let mut currents = vec![toml::Table::new()];
            for v in s.variants {
                let mut t = toml::Table::new();
                engine::set(&mut t, &format!("{}.{}", v.path, v.tag), Some(v.value.into()));
                currents.push(t);
            }
            for current in currents {
                for f in engine::form_fields(s, &current) {
                    let path = format!("{}.{}", s.id, f.key);
                    let doc = fields::doc(&path).unwrap_or_else(|| panic!("no label for {path}"));
                    assert!(doc.help.ends_with('.') && doc.label.len() < 40, "{path}");
                    shown.insert(path);
                }
            }
        }
        for d in fields::FIELDS {
            assert!(shown.contains(d.path), "fields.rs documents {}, which no form shows", d.path);
        }
    }

    fn result(example: &str, id: &str) -> headroom_core::report::CalcResult {
        let ex = EXAMPLES.iter().find(|e| e.id == example).unwrap();
        let plan = engine::with_defaults(&crate::share::from_toml(ex.plan).unwrap());
        let eval = engine::evaluate(&plan);
        assert!(eval.field_errors.is_empty() && eval.plan_error.is_none(), "{eval:?}");
        match eval.outcome(id) {
            Some(Outcome::Result(r)) => r.clone(),
            other => panic!("{example}: {id}: {other:?}"),
        }
    }

    /// The worked examples give the sources' figures (as the core's tests
    /// pin them) in the page's evaluation.
    #[test]
    fn worked_examples_give_the_sources_figures() {
        let memory = result("amps-25-2", "amps.memory");
        assert_eq!(memory.quantity("estimate"), Some(54_156_819_200));
        let errors = |r: &headroom_core::report::CalcResult| {
            r.findings
                .iter()
                .filter(|f| f.severity == headroom_core::finding::Severity::Error)
                .count()
        };
        assert_eq!(errors(&result("maglev-t1micro", "gemstone.page_cache")), 0);
        assert_eq!(result("vps-256mb", "vps.memory").quantity("max_connections"), Some(63));
        assert_eq!(result("megacomet", "connections.kernel").quantity("nofile"), Some(1_000_064));
        assert_eq!(result("aerospike", "aerospike.shm").quantity("segment"), Some(531_576));
    }

    /// MagLev's default cache on the t1.micro is the source's EINVAL.
    #[test]
    fn the_t1_micro_default_cache_is_an_einval_error() {
        let ex = EXAMPLES.iter().find(|e| e.id == "maglev-t1micro").unwrap();
        let mut plan = engine::with_defaults(&crate::share::from_toml(ex.plan).unwrap());
        engine::set(
            &mut plan,
            "gemstone.page_cache.shr_page_cache_size_kb",
            Some(Value::Integer(1_000_000)),
        );
        let eval = engine::evaluate(&plan);
        let Some(Outcome::Result(r)) = eval.outcome("gemstone.page_cache") else { panic!() };
        let f = &r.findings[0];
        assert_eq!(f.severity, headroom_core::finding::Severity::Error);
        assert!(f.message.contains("EINVAL"), "{}", f.message);
        assert!(lookup(&plan, "host.ram").is_some());
    }
}
