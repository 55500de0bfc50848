//! The plan table read into the core's types.
//!
//! `toml::Value`'s own deserializer offers a table to a struct as a map or,
//! for an array, as a sequence, so serde's derived `visit_seq` of every plan
//! type was linked into the page although a plan never writes a struct as an
//! array. This reader offers a struct a table only (serde's own
//! `MapDeserializer`), and the linker drops those visitors (docs/size.md,
//! "The plan read as maps only").

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserialize, IntoDeserializer, Unexpected, Visitor};
use toml::{Table, Value};

/// Reads a whole plan table as `T` (the core's `Plan`).
pub fn from_table<'de, T: Deserialize<'de>>(table: &'de Table) -> Result<T, Error> {
    T::deserialize(entries(table))
}

/// One value of the table, borrowed.
#[derive(Clone, Copy)]
struct Item<'de>(&'de Value);

/// A table's entries, keys as strings: how serde's derived structs want them.
type Entries<'de> = MapDeserializer<
    'de,
    std::iter::Map<
        toml::map::Iter<'de, String, Value>,
        fn((&'de String, &'de Value)) -> (&'de str, Item<'de>),
    >,
    Error,
>;

fn entries(table: &Table) -> Entries<'_> {
    fn entry<'de>((k, v): (&'de String, &'de Value)) -> (&'de str, Item<'de>) {
        (k.as_str(), Item(v))
    }
    MapDeserializer::new(table.iter().map(entry as fn(_) -> _))
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::String(s) => Unexpected::Str(s),
        Value::Integer(i) => Unexpected::Signed(*i),
        Value::Float(f) => Unexpected::Float(*f),
        Value::Boolean(b) => Unexpected::Bool(*b),
        Value::Datetime(_) => Unexpected::Other("datetime"),
        Value::Array(_) => Unexpected::Seq,
        Value::Table(_) => Unexpected::Map,
    }
}

impl<'de> IntoDeserializer<'de, Error> for Item<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Item<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Integer(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Boolean(b) => visitor.visit_bool(*b),
            // No plan field is a date; a value that takes anything (an
            // ignored key of a tagged variant) takes it as its text.
            Value::Datetime(d) => visitor.visit_string(d.to_string()),
            Value::Array(items) => visitor.visit_seq(SeqDeserializer::new(items.iter().map(Item))),
            Value::Table(table) => visitor.visit_map(entries(table)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // A key that is present is a value: TOML has no null.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Table(table) => visitor.visit_map(entries(table)),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // The plan's enums are unit variants written as strings (`storage = "nvme"`).
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use headroom_core::plan::Plan;
    use proptest::prelude::*;
    use toml::{Table, Value};

    use super::from_table;
    use crate::engine::{leaves, set, with_defaults};
    use crate::examples::EXAMPLES;

    /// Every plan the page can hold: each example with defaults filled in.
    fn plans() -> Vec<Table> {
        EXAMPLES.iter().map(|e| with_defaults(&toml::from_str(e.plan).unwrap())).collect()
    }

    /// A value of each TOML type, some of them what a field wants.
    fn value() -> impl Strategy<Value = Value> {
        let scalar = prop_oneof![
            any::<i64>().prop_map(Value::Integer),
            (0i64..100_000).prop_map(Value::Integer),
            any::<f64>().prop_map(Value::Float),
            any::<bool>().prop_map(Value::Boolean),
            "[0-9]{1,5} ?(B|KiB|MB|GiB|/s|/min|d|h|%|x)?".prop_map(Value::String),
            ".{0,12}".prop_map(Value::String),
            Just(Value::String("nvme".into())),
            Just(Value::String("prefork".into())),
            Just(Value::Datetime("1979-05-27T07:32:00Z".parse().unwrap())),
        ];
        scalar.prop_recursive(2, 6, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec(("[a-z_]{1,8}", inner), 0..3)
                    .prop_map(|kv| Value::Table(kv.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn the_examples_read_as_toml_reads_them() {
        for plan in plans() {
            let ours: Plan = from_table(&plan).unwrap();
            let theirs: Plan = Value::Table(plan).try_into().unwrap();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn a_struct_written_as_an_array_is_refused() {
        let mut plan = plans().remove(0);
        set(&mut plan, "amps.memory", Some(Value::Array(vec![Value::Integer(1)])));
        let e = from_table::<Plan>(&plan).unwrap_err().to_string();
        assert!(e.starts_with("invalid type: sequence"), "{e}");
    }

    #[test]
    fn a_date_is_shown_as_written() {
        let mut plan = plans().remove(0);
        set(&mut plan, "host.ram", Some(Value::Datetime("1979-05-27".parse().unwrap())));
        let e = from_table::<Plan>(&plan).unwrap_err().to_string();
        assert!(e.contains("\"1979-05-27\""), "{e}");
    }

    proptest! {
        /// Any value at any field, or beside them: the reader and toml's own
        /// deserializer agree on whether the plan reads, and on what it reads as.
        #[test]
        fn any_value_anywhere_reads_as_toml_reads_it(
            which in 0..EXAMPLES.len(),
            pick in any::<prop::sample::Index>(),
            beside in any::<bool>(),
            v in value(),
        ) {
            let mut plan = plans().swap_remove(which);
            let paths = leaves(&plan, "");
            let mut path = paths[pick.index(paths.len())].clone();
            if beside {
                path.push_str("_x");
            }
            set(&mut plan, &path, Some(v));
            let ours = from_table::<Plan>(&plan);
            let theirs = Value::Table(plan).try_into::<Plan>();
            match (ours, theirs) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{path}: ours {a:?}, toml's {b:?}"),
            }
        }
    }
}
