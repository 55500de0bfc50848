//! Every result shows its arithmetic with the plan's own figures, and that
//! arithmetic is right: each step's working, read by an evaluator written
//! here from the notation documented on `report::Step` (exact rationals),
//! comes to the value the step states, on the example plans, on every
//! calculator's defaults and on random figures.

use std::path::Path;

use headroom_core::plan::{evaluate, Outcome, Plan, Report, CALCULATORS};
use headroom_core::registry::{Calculator, Kind};
use headroom_core::report::{CalcResult, Step, Unit};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use proptest::prelude::*;

/// A step's working read back: `Err` names what does not follow the notation.
fn eval(working: &str) -> Result<BigRational, String> {
    let mut p = Parser { s: working.chars().collect(), i: 0 };
    let v = p.expr()?;
    p.blank();
    if p.i != p.s.len() {
        return Err(format!("unexpected {:?} at {}", p.s[p.i], p.i));
    }
    Ok(v)
}

struct Parser {
    s: Vec<char>,
    i: usize,
}

impl Parser {
    fn blank(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.blank();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<BigRational, String> {
        let mut v = self.product()?;
        loop {
            if self.eat('+') {
                v += self.product()?;
            } else if self.eat('−') {
                v -= self.product()?;
            } else {
                return Ok(v);
            }
        }
    }

    fn product(&mut self) -> Result<BigRational, String> {
        let mut v = self.factor()?;
        loop {
            if self.eat('×') {
                v *= self.factor()?;
            } else if self.eat('÷') {
                let d = self.factor()?;
                if d.is_zero() {
                    return Err("division by zero".into());
                }
                v /= d;
            } else {
                return Ok(v);
            }
        }
    }

    fn factor(&mut self) -> Result<BigRational, String> {
        self.blank();
        let rest: String = self.s[self.i..].iter().collect();
        for (name, pick_max) in [("min(", false), ("max(", true)] {
            if rest.starts_with(name) {
                self.i += name.len();
                let a = self.expr()?;
                if !self.eat(',') {
                    return Err(format!("{name} needs two arguments"));
                }
                let b = self.expr()?;
                if !self.eat(')') {
                    return Err(format!("{name} is not closed"));
                }
                return Ok(if (a > b) == pick_max { a } else { b });
            }
        }
        if self.eat('(') {
            let v = self.expr()?;
            return if self.eat(')') { Ok(v) } else { Err("( is not closed".into()) };
        }
        if self.eat('⌈') {
            let v = self.expr()?;
            return if self.eat('⌉') { Ok(v.ceil()) } else { Err("⌈ is not closed".into()) };
        }
        if self.eat('⌊') {
            let v = self.expr()?;
            return if self.eat('⌋') { Ok(v.floor()) } else { Err("⌊ is not closed".into()) };
        }
        self.number()
    }

    /// `1,024`, `0.05`, then an optional unit (skipped) or `%`.
    fn number(&mut self) -> Result<BigRational, String> {
        let start = self.i;
        let mut digits = String::new();
        let mut places = 0u32;
        let mut point = false;
        while let Some(&c) = self.s.get(self.i) {
            let grouped = c == ','
                && !point
                && !digits.is_empty()
                && self
                    .s
                    .get(self.i + 1..self.i + 4)
                    .is_some_and(|d| d.iter().all(char::is_ascii_digit))
                && !self.s.get(self.i + 4).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                digits.push(c);
                places += u32::from(point);
            } else if c == '.' && !point && self.s.get(self.i + 1).is_some_and(char::is_ascii_digit)
            {
                point = true;
            } else if !grouped {
                break;
            }
            self.i += 1;
        }
        if digits.is_empty() {
            return Err(format!("a number expected at {start}"));
        }
        let v = BigRational::from_integer(digits.parse::<BigInt>().expect("digits"))
            / BigRational::from_integer(BigInt::from(10u32).pow(places));
        // A unit or `%`, right after the number or one space on.
        let save = self.i;
        if self.s.get(self.i) == Some(&' ') {
            self.i += 1;
        }
        if self.s.get(self.i) == Some(&'%') {
            self.i += 1;
            return Ok(v / BigRational::from_integer(100.into()));
        }
        let unit_start = self.i;
        while self.s.get(self.i).is_some_and(|c| c.is_alphabetic() || *c == '/') {
            self.i += 1;
        }
        if self.i == unit_start {
            self.i = save;
        }
        Ok(v)
    }
}

/// The step's value as people read it: cores for milli-cores.
fn stated(step: &Step) -> BigRational {
    let v = BigRational::from_integer(BigInt::from(step.value));
    match step.unit {
        Unit::MilliCores => v / BigRational::from_integer(1000.into()),
        _ => v,
    }
}

/// Every step of `r` comes to its value (to within the last unit counted,
/// where the calculator rounds), and every figure of the result is some
/// step's value.
fn check(r: &CalcResult, what: &str) {
    assert!(!r.steps.is_empty(), "{what}: {} shows no arithmetic", r.id);
    for st in &r.steps {
        let got = eval(&st.working)
            .unwrap_or_else(|e| panic!("{what}: {} `{}`: {e}: {}", r.id, st.symbol, st.working));
        let last = match st.unit {
            Unit::MilliCores => BigRational::new(1.into(), 1000.into()),
            _ => BigRational::one(),
        };
        assert!(
            (got.clone() - stated(st)).abs() < last,
            "{what}: {} `{}` = {} comes to {} (≈{:.3}), not {}",
            r.id,
            st.symbol,
            st.working,
            got,
            got.to_f64().unwrap_or(f64::NAN),
            st.value
        );
    }
    for q in &r.quantities {
        assert!(
            r.steps.iter().any(|s| s.value == q.value && s.unit == q.unit),
            "{what}: {} `{}` = {} is not worked out in any step: {:#?}",
            r.id,
            q.name,
            q.value,
            r.steps
        );
    }
}

fn check_report(report: &Report, what: &str) {
    for o in &report.outcomes {
        if let Outcome::Result(r) = o {
            check(r, what);
        }
    }
}

#[test]
fn the_example_plans_show_right_arithmetic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let plan = Plan::parse(&text).expect("example plan");
        check_report(&evaluate(&plan), &path.display().to_string());
        seen += 1;
    }
    assert!(seen >= 5, "{seen} examples");
}

/// Replaces the value at a dotted `key` that the table already has.
fn put(table: &mut toml::Table, key: &str, value: &toml::Value) {
    match key.split_once('.') {
        Some((head, rest)) => {
            if let Some(toml::Value::Table(t)) = table.get_mut(head) {
                put(t, rest, value);
            }
        }
        None => {
            if let Some(v) = table.get_mut(key) {
                *v = value.clone();
            }
        }
    }
}

/// A plan with `calc`'s section at its defaults, some fields replaced.
fn plan_of(calc: &Calculator, set: &[(&str, toml::Value)]) -> String {
    let mut section = (calc.defaults)();
    for (key, value) in set {
        put(&mut section, key, value);
    }
    let mut root = toml::Table::new();
    let mut at = &mut root;
    let path: Vec<&str> = calc.id.split('.').collect();
    for (i, p) in path.iter().enumerate() {
        let v = if i + 1 == path.len() {
            toml::Value::Table(std::mem::take(&mut section))
        } else {
            toml::Value::Table(toml::Table::new())
        };
        at = match at.entry(p.to_string()).or_insert(v) {
            toml::Value::Table(t) => t,
            _ => unreachable!("a table was inserted"),
        };
    }
    toml::to_string(&root).expect("plan text")
}

#[test]
fn every_calculator_shows_right_arithmetic_on_its_defaults() {
    for calc in CALCULATORS {
        let plan = Plan::parse(&plan_of(calc, &[])).expect("defaults plan");
        let report = evaluate(&plan);
        let outcome = report.outcomes.iter().find(|o| match o {
            Outcome::Result(r) => r.id == calc.id,
            Outcome::Error(e) => e.id == calc.id,
        });
        if let Some(Outcome::Result(r)) = outcome {
            check(r, "defaults");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random sizes, counts, rates, durations, percentages and ratios in the
    /// fields of one calculator, on a host of random RAM and cores.
    #[test]
    fn random_figures_show_right_arithmetic(
        which in 0..CALCULATORS.len(),
        values in proptest::collection::vec((0u64..5_000_000_000, 0usize..4), 16),
        host_ram in 0u64..1_000_000_000_000,
        host_cores in 0u64..256,
    ) {
        let calc = CALCULATORS[which];
        let per = ["s", "min", "h", "d"];
        let set: Vec<(&str, toml::Value)> = calc
            .fields
            .iter()
            .zip(&values)
            .filter_map(|(f, &(v, form))| {
                let value = match f.kind {
                    Kind::Bytes | Kind::Count | Kind::Kib => {
                        toml::Value::Integer(i64::try_from(v).expect("small"))
                    }
                    Kind::Rate => toml::Value::String(format!("{}/{}", v % 1_000_000, per[form])),
                    Kind::Duration => toml::Value::String(format!("{}{}", v % 10_000, per[form])),
                    Kind::Percent => toml::Value::Integer(i64::try_from(100 + v % 400).expect("small")),
                    Kind::Ratio => toml::Value::String(format!("{}%", v % 101)),
                    _ => return None,
                };
                Some((f.key, value))
            })
            .collect();
        // A host of random RAM and cores, so the comparisons with it run too.
        let host = format!("[host]\nram = {}\ncores = {}\n", host_ram, host_cores);
        if let Ok(plan) = Plan::parse(&(host + &plan_of(calc, &set))) {
            check_report(&evaluate(&plan), &format!("random {set:?}"));
        }
    }
}

#[test]
fn the_evaluator_reads_the_notation() {
    let cases = [
        ("2 × 1,024 × 20,000,000", "40960000000"),
        ("1,000,000,000 + 40,960,000,000 B", "41960000000"),
        ("⌈54,156,819,200 × 200 %⌉", "108313638400"),
        ("⌈7 ÷ 2⌉ − ⌊7 ÷ 2⌋", "1"),
        ("min(3, 4) + max(3, 4)", "7"),
        ("0.05 × (100 + 20)", "6"),
        ("5,000/s × 2", "10000"),
    ];
    for (w, want) in cases {
        assert_eq!(eval(w).map(|v| v.to_string()), Ok(want.to_string()), "{w}");
    }
    for bad in ["2 ×", "(1 + 2", "1,0000", "1 ÷ 0", "⌈3"] {
        assert!(eval(bad).is_err(), "{bad} reads as {:?}", eval(bad));
    }
}
