//! The worked examples from the sources that load with one click. Each is
//! the repository's examples/ file, the one `dumptool plan` reads.

/// A worked example, loaded with one click.
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
    use headroom_core::plan::Outcome;
    use toml::Value;

    use super::*;
    use crate::engine::{self, lookup};

    /// Each section's defaults (and each variant's) evaluate in a plan.
    #[test]
    fn every_section_evaluates_on_its_defaults() {
        for s in engine::sections() {
            let mut tables = vec![(s.defaults)()];
            for v in s.variants {
                let mut t = (s.defaults)();
                engine::set(&mut t, v.path, Some(Value::Table((v.defaults)())));
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

    /// Every field of every form (each variant's too) has its label and
    /// help in the core's registry.
    #[test]
    fn every_form_field_is_in_the_registry() {
        for s in engine::sections() {
            let mut currents = vec![toml::Table::new()];
            for v in s.variants {
                let mut t = toml::Table::new();
                engine::set(&mut t, &format!("{}.{}", v.path, v.tag), Some(v.value.into()));
                currents.push(t);
            }
            for current in currents {
                for f in engine::form_fields(s, &current) {
                    let doc = s.field(&f.key);
                    assert!(doc.is_some_and(|d| !d.label.is_empty()), "{}.{}", s.id, f.key);
                }
            }
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
