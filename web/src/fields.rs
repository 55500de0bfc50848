//! How the page stores and names the plan's fields. Labels, units and help
//! live in the core's registry, next to the formulas.

use headroom_core::registry::{Field, Kind};
use toml::Value;

/// The DOM id of a field: its path with dots as dashes (no CSS escaping).
pub fn dom_id(path: &str) -> String {
    path.replace('.', "-")
}

/// How a field's text is stored in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Text kept as typed; the core's unit parsers read it ("1 KiB", "20M").
    Quantity,
    /// As [`FieldKind::Quantity`], but empty text removes the key (unknown).
    Optional,
    /// Whitespace- or comma-separated integers, e.g. a port range.
    IntList,
    /// A decimal fraction, e.g. a match ratio.
    Float,
    Bool,
    /// One of a list: (plan value as text, label). A number is stored as one.
    Choice(&'static [(&'static str, &'static str)]),
    /// The tag of a section's variant table (`kind = "prefork"`): choosing
    /// another replaces the table with that variant's defaults.
    Variant,
}

impl FieldKind {
    /// How the registry's field (and, where it says nothing more, its
    /// default value) is stored.
    pub fn of(field: Option<&Field>, default: Option<&Value>) -> FieldKind {
        match field.map(|f| (f.kind, f.optional)) {
            Some((Kind::Choice(list), _)) => return FieldKind::Choice(list),
            Some((Kind::Variant, _)) => return FieldKind::Variant,
            Some((Kind::IntList, _)) => return FieldKind::IntList,
            Some((_, true)) => return FieldKind::Optional,
            _ => {}
        }
        match default {
            Some(Value::Array(_)) => FieldKind::IntList,
            Some(Value::Float(_)) => FieldKind::Float,
            Some(Value::Boolean(_)) => FieldKind::Bool,
            _ => FieldKind::Quantity,
        }
    }

    /// The plan value for a field's text; `None` removes the key.
    pub fn value(self, text: &str) -> Option<Value> {
        let t = text.trim();
        if t.is_empty() && matches!(self, FieldKind::Optional | FieldKind::IntList) {
            return None;
        }
        let as_int = || t.parse::<i64>().ok().map(Value::Integer);
        Some(match self {
            FieldKind::Quantity | FieldKind::Optional | FieldKind::Choice(_) => {
                as_int().unwrap_or_else(|| Value::String(text.to_string()))
            }
            FieldKind::Variant => Value::String(t.to_string()),
            FieldKind::IntList => {
                let items: Option<Vec<Value>> = t
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<i64>().ok().map(Value::Integer))
                    .collect();
                items.map_or_else(|| Value::String(text.to_string()), Value::Array)
            }
            // A number only when it reads back as typed: "0." stored as 0.0
            // would show "0.0" under the cursor, and "0.05" typed on would
            // become "0.0.05". Text is read by the same unit parser.
            FieldKind::Float => t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && Value::Float(*f).to_string() == t)
                .map_or_else(|| Value::String(text.to_string()), Value::Float),
            FieldKind::Bool => match t {
                "true" => Value::Boolean(true),
                "false" => Value::Boolean(false),
                _ => Value::String(text.to_string()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Typed a key at a time, a fraction's field shows what was typed at
    /// every step (the page once turned "0.05" into "0.0.05").
    #[test]
    fn a_fraction_shows_as_typed_at_every_keystroke() {
        let typed = "0.05";
        for end in 1..=typed.len() {
            let text = &typed[..end];
            let stored = FieldKind::Float.value(text);
            assert_eq!(crate::state::text_of(stored.as_ref()), text);
        }
        assert_eq!(FieldKind::Float.value("0.05"), Some(Value::Float(0.05)));
        assert_eq!(FieldKind::Float.value("1"), Some(Value::String("1".into())));
    }

    #[test]
    fn ids_are_paths_with_dashes() {
        assert_eq!(dom_id("amps.memory.clients"), "amps-memory-clients");
    }
}
