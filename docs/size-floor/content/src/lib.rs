//! The planner's content alone, for docs/size.md: every calculator (and,
//! with the `validators` feature, every config validator) and their
//! messages, written to text. No UI, and no plan read from TOML.
use headroom_core::plan::*;
#[cfg(feature = "validators")]
use headroom_core::validate::{self, Context, Needs};
use std::fmt::Write;
use wasm_bindgen::prelude::*;

/// Every section, on its defaults.
#[path = "plan.rs"]
mod every;
use every::plan;

#[wasm_bindgen]
pub fn run(name: &str, text: &str) -> String {
    // Used by the validators only.
    let _ = (name, text);
    let plan = std::hint::black_box(plan());
    let mut out = String::new();
    for o in evaluate(&plan).outcomes {
        match o {
            Outcome::Result(r) => {
                let _ = writeln!(
                    out,
                    "{} {} {} {} {}",
                    r.id, r.title, r.formula, r.source.document, r.source.section
                );
                for q in &r.quantities {
                    let _ = writeln!(out, "{} {} {}", q.name, q.label, q.value);
                }
                for t in &r.terms {
                    let _ = writeln!(out, "{} {} {}", t.symbol, t.label, t.value);
                }
                for f in &r.findings {
                    let _ = writeln!(out, "{} {} {:?} {:?}", f.id, f.message, f.why, f.fix);
                }
            }
            Outcome::Error(e) => {
                let _ = writeln!(out, "{} {}", e.id, e.message);
            }
        }
    }
    #[cfg(feature = "validators")]
    check(&plan, name, text, &mut out);
    out
}

#[cfg(feature = "validators")]
fn check(plan: &Plan, name: &str, text: &str, out: &mut String) {
    let needs = Needs::from_plan(plan);
    let ctx = Context { host: Some(&plan.host), needs: Some(&needs) };
    match validate::check_files(&[(name, text, None)], &ctx) {
        Ok(rep) => {
            for f in rep.files.iter().flat_map(|f| &f.findings).chain(&rep.findings) {
                let _ = writeln!(
                    out,
                    "{} {} {:?} {:?} {}",
                    f.id,
                    f.message,
                    f.why,
                    f.fix,
                    f.location.as_ref().map_or(0, |l| l.line)
                );
            }
        }
        Err(e) => {
            let _ = writeln!(out, "{e}");
        }
    }
}
