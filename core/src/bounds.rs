//! Input bounds: every field's value checked against the range its source
//! declares (registry `Field::min`/`max`/`ordered`), for the host and every
//! calculator, before any formula runs. A value outside them is an input
//! error naming the field and the bound, never a wrapped or absurd figure.

use serde::Serialize;
use serde_json::Value;

use crate::registry::{Field, Kind};
use crate::units::{Bytes, Count, Duration, Percent};

/// One value outside its field's bounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// The field's path as the plan writes it, e.g.
    /// `host.kernel.ip_local_port_range` or `aerospike.shm.shm_max_nodes`.
    pub path: String,
    /// One sentence naming the value, the bound and where the bound comes from.
    pub message: String,
}

/// Every bound `input` breaks; `prefix` is prepended to each field's path.
pub fn violations<T: Serialize>(fields: &[Field], input: &T, prefix: &str) -> Vec<InputError> {
    let Ok(values) = serde_json::to_value(input) else { return Vec::new() };
    fields
        .iter()
        .filter_map(|f| {
            let message = check_field(f, lookup(&values, f.key)?)?;
            Some(InputError { path: format!("{prefix}{}", f.key), message })
        })
        .collect()
}

fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

/// The field's value as a number, read back from its serialized form.
fn number(kind: Kind, v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => match kind {
            Kind::Bytes => Bytes::parse(s).ok().map(Bytes::get),
            Kind::Duration => Duration::parse(s).ok().map(Duration::seconds),
            Kind::Count | Kind::Kib | Kind::Key => Count::parse(s).ok().map(Count::get),
            Kind::Percent => Percent::parse(s).ok().map(Percent::get),
            _ => None,
        },
        _ => None,
    }
}

fn check_field(f: &Field, v: &Value) -> Option<String> {
    let from =
        if f.bound_source.is_empty() { String::new() } else { format!(" ({})", f.bound_source) };
    let out_of_range = |n: u64| {
        if n < f.min {
            Some(format!("{n} is below the smallest allowed value, {}{from}", f.min))
        } else if n > f.max {
            Some(format!("{n} is above the largest allowed value, {}{from}", f.max))
        } else {
            None
        }
    };
    match v {
        Value::Array(items) => {
            let nums: Vec<u64> = items.iter().filter_map(|i| number(f.kind, i)).collect();
            if let Some(msg) = nums.iter().find_map(|&n| out_of_range(n)) {
                return Some(msg);
            }
            let reversed = nums.windows(2).any(|w| w[0] > w[1]);
            (f.ordered && reversed).then(|| {
                let list: Vec<String> = nums.iter().map(u64::to_string).collect();
                format!(
                    "[{}] is an empty range: write the low end first, e.g. [32768, 60999]",
                    list.join(", ")
                )
            })
        }
        other => out_of_range(number(f.kind, other)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct T {
        n: Count,
        b: Bytes,
        r: [u16; 2],
    }

    const FIELDS: &[Field] = &[
        Field::new("n", "n", Kind::Count, "").range(1, 65_535, "a port count"),
        Field::new("b", "b", Kind::Bytes, "").range(0, 1000, "a test bound"),
        Field::new("r", "r", Kind::IntList, "").range(1, 65_535, "ports").ordered(),
        Field::new("absent", "absent", Kind::Count, "").range(5, 5, ""),
    ];

    #[test]
    fn each_bound_names_the_field_value_and_source() {
        let t = T { n: Count(0), b: Bytes(1001), r: [65_535, 1024] };
        let v = violations(FIELDS, &t, "s.");
        let got: Vec<(&str, &str)> =
            v.iter().map(|e| (e.path.as_str(), e.message.as_str())).collect();
        assert_eq!(
            got,
            [
                ("s.n", "0 is below the smallest allowed value, 1 (a port count)"),
                ("s.b", "1001 is above the largest allowed value, 1000 (a test bound)"),
                (
                    "s.r",
                    "[65535, 1024] is an empty range: write the low end first, e.g. [32768, 60999]"
                ),
            ]
        );
        let ok = T { n: Count(65_535), b: Bytes(1000), r: [1024, 1024] };
        assert!(violations(FIELDS, &ok, "").is_empty());
    }
}
