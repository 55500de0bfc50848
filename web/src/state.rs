//! The planner's state: plain data changed only through [`Action`]s, so every
//! transition is ordinary Rust, testable without a browser.

use std::rc::Rc;

use headroom_core::amps::memory::{self, MemoryInput};
use headroom_core::report::{CalcError, CalcResult};
use headroom_core::units::{Bytes, Count, UnitError};
use yew::Reducible;

/// The six inputs of the AMPS memory estimate, in the guide's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryField {
    SowMessageSize,
    SowMessages,
    Clients,
    MessageMemoryLimit,
    JournalSize,
    QueueMessages,
}

/// Whether a field holds a byte size or a plain count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Bytes,
    Count,
}

impl MemoryField {
    pub const ALL: [MemoryField; 6] = [
        MemoryField::SowMessageSize,
        MemoryField::SowMessages,
        MemoryField::Clients,
        MemoryField::MessageMemoryLimit,
        MemoryField::JournalSize,
        MemoryField::QueueMessages,
    ];

    /// The form control id, also used by the browser tests.
    pub fn id(self) -> &'static str {
        match self {
            MemoryField::SowMessageSize => "sow_message_size",
            MemoryField::SowMessages => "sow_messages",
            MemoryField::Clients => "clients",
            MemoryField::MessageMemoryLimit => "message_memory_limit",
            MemoryField::JournalSize => "journal_size",
            MemoryField::QueueMessages => "queue_messages",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            MemoryField::SowMessageSize => "S",
            MemoryField::SowMessages => "M",
            MemoryField::Clients => "C",
            MemoryField::MessageMemoryLimit => "TMemLimit",
            MemoryField::JournalSize => "J",
            MemoryField::QueueMessages => "Q",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MemoryField::SowMessageSize => "Average SOW message size",
            MemoryField::SowMessages => "Messages in all SOW topics",
            MemoryField::Clients => "Connected clients",
            MemoryField::MessageMemoryLimit => "Total MessageMemoryLimit",
            MemoryField::JournalSize => "JournalSize",
            MemoryField::QueueMessages => "Messages in queues",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            MemoryField::SowMessageSize => "Bytes per message, e.g. \"1 KiB\" or \"600 B\".",
            MemoryField::SowMessages => "A count, e.g. \"20M\" or \"20,000,000\".",
            MemoryField::Clients => "Clients connected at once.",
            MemoryField::MessageMemoryLimit => "Sum over all transports, e.g. \"10 GB\".",
            MemoryField::JournalSize => "The transaction log's JournalSize, e.g. \"1 GB\".",
            MemoryField::QueueMessages => "Messages active in queues at any time.",
        }
    }

    pub fn kind(self) -> FieldKind {
        match self {
            MemoryField::SowMessageSize
            | MemoryField::MessageMemoryLimit
            | MemoryField::JournalSize => FieldKind::Bytes,
            _ => FieldKind::Count,
        }
    }

    fn index(self) -> usize {
        MemoryField::ALL.iter().position(|&f| f == self).unwrap_or(0)
    }
}

/// What the person typed, field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub texts: [String; 6],
}

pub enum Action {
    Set(MemoryField, String),
}

impl Default for State {
    /// Opens on the guide's Example 25.2, so the page shows a result at once.
    fn default() -> Self {
        State {
            texts: [
                "1 KiB".into(),
                "20M".into(),
                "200".into(),
                "10 GB".into(),
                "1 GB".into(),
                "1M".into(),
            ],
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Set(field, text) => {
                if self.texts[field.index()] == text {
                    return self;
                }
                let mut next = (*self).clone();
                next.texts[field.index()] = text;
                Rc::new(next)
            }
        }
    }
}

impl State {
    pub fn text(&self, field: MemoryField) -> &str {
        &self.texts[field.index()]
    }

    /// The parse error of one field, shown next to it.
    pub fn field_error(&self, field: MemoryField) -> Option<UnitError> {
        let text = self.text(field);
        match field.kind() {
            FieldKind::Bytes => Bytes::parse(text).err(),
            FieldKind::Count => Count::parse(text).err(),
        }
    }

    /// The typed input, or `None` while any field is invalid.
    pub fn input(&self) -> Option<MemoryInput> {
        let bytes = |f: MemoryField| Bytes::parse(self.text(f)).ok();
        let count = |f: MemoryField| Count::parse(self.text(f)).ok();
        Some(MemoryInput {
            sow_message_size: bytes(MemoryField::SowMessageSize)?,
            sow_messages: count(MemoryField::SowMessages)?,
            clients: count(MemoryField::Clients)?,
            message_memory_limit: bytes(MemoryField::MessageMemoryLimit)?,
            journal_size: bytes(MemoryField::JournalSize)?,
            queue_messages: count(MemoryField::QueueMessages)?,
        })
    }

    /// The estimate; `None` while a field is invalid, so no stale figure shows.
    pub fn result(&self) -> Option<Result<CalcResult, CalcError>> {
        self.input().map(|i| memory::estimate(&i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_state_is_example_25_2() {
        let state = State::default();
        assert_eq!(state.input(), Some(MemoryInput::EXAMPLE_25_2));
        let result = state.result().unwrap().unwrap();
        assert_eq!(result.quantity("estimate"), Some(54_156_819_200));
    }

    #[test]
    fn an_invalid_field_hides_the_result() {
        let state =
            Rc::new(State::default()).reduce(Action::Set(MemoryField::Clients, "lots".into()));
        assert!(state.field_error(MemoryField::Clients).is_some());
        assert!(state.field_error(MemoryField::JournalSize).is_none());
        assert!(state.result().is_none());
    }

    #[test]
    fn an_unchanged_value_keeps_the_same_state() {
        let state = Rc::new(State::default());
        let same = state.clone().reduce(Action::Set(MemoryField::Clients, "200".into()));
        assert!(Rc::ptr_eq(&state, &same));
    }
}
