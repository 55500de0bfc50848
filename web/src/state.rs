//! The planner's state: plain data changed only through [`Action`]s, so every
//! transition is ordinary Rust, testable without a browser.
//!
//! The plan is kept as the TOML table of what the person typed (so a value
//! being typed is never lost) and evaluated after every change. The plan the
//! page opens with is evaluated in a task of its own ([`Action::Evaluate`]),
//! after the page's frame is drawn, so that the first task stays short.

use std::collections::BTreeMap;
use std::rc::Rc;

use toml::{Table, Value};
use yew::Reducible;

use crate::engine::{self, Evaluation};
use crate::examples::EXAMPLES;
use crate::fields::FieldKind;

/// The two views of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Planner,
    CrashDump,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub plan: Table,
    /// The plan's evaluation: empty until `evaluated`.
    pub eval: Evaluation,
    /// False only for the plan the page opens with, until
    /// [`Action::Evaluate`]; every later plan is evaluated as it comes.
    pub evaluated: bool,
    pub view: View,
    /// A message about the last import or link (e.g. a damaged plan).
    pub notice: Option<String>,
    /// True while the plan in the page's link is being unpacked.
    pub opening_link: bool,
    /// Config files pasted or dropped in, checked against the plan. Not
    /// part of the plan: they stay out of the link.
    pub configs: Vec<ConfigFile>,
    /// The last values of each section removed from the plan, so adding it
    /// again brings them back instead of the defaults.
    pub removed: BTreeMap<&'static str, Value>,
    /// Earlier plans, the latest last, for Undo; plans undone, for Redo.
    pub past: Vec<Table>,
    pub future: Vec<Table>,
    /// The field the last undo step is typing into: further keystrokes in
    /// the same field join that step instead of making one each.
    pub typing: Option<String>,
    /// What the last change of the plan does to the browser's history.
    pub entry: Entry,
}

/// How a new plan reaches the browser's history, so that Back and Forward
/// step through the same changes as Undo and Redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A new step: a new history entry.
    Push,
    /// The same step (more typing in one field, a link opened from the
    /// address bar, which made its own entry): the current entry is updated.
    Replace,
    /// The plan came from a history entry (Back, Forward): the address
    /// already shows it.
    Keep,
}

/// Undo steps kept; older ones are dropped.
const UNDO_DEPTH: usize = 100;

/// A config file or log given to the validators.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFile {
    pub name: String,
    pub text: String,
    /// A forced format; `None` lets the validators detect it.
    pub format: Option<String>,
}

pub enum Action {
    /// Evaluate the plan the page opened with (see [`State::unevaluated`]).
    Evaluate,
    /// A field's text, by dotted path; `kind` says how to store it.
    Set(String, FieldKind, String),
    AddSection(&'static str),
    RemoveSection(String),
    /// Replace the whole plan (import, example).
    Load(Table),
    /// The plan of a link opened in the address bar, which made its own
    /// history entry.
    Opened(Table),
    /// The plan of the history entry Back or Forward went to: an undo or
    /// redo step when it is the neighbouring one, else a new step.
    Travel(Table),
    Undo,
    Redo,
    Show(View),
    Notice(Option<String>),
    AddConfig(ConfigFile),
    RemoveConfig(usize),
}

/// A plan value as the text of its field.
pub fn text_of(value: Option<&Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => {
            items.iter().map(|v| text_of(Some(v))).collect::<Vec<_>>().join(" ")
        }
        Some(v) => v.to_string(),
    }
}

impl State {
    pub fn new(plan: Table, view: View) -> State {
        State::unevaluated(plan, view).evaluate()
    }

    /// The state of `plan` before its evaluation, which is the costly part
    /// of opening the page: [`Action::Evaluate`] does it later.
    pub fn unevaluated(plan: Table, view: View) -> State {
        State {
            plan: engine::with_defaults(&plan),
            eval: Evaluation::default(),
            evaluated: false,
            view,
            notice: None,
            opening_link: false,
            configs: Vec::new(),
            removed: BTreeMap::new(),
            past: Vec::new(),
            future: Vec::new(),
            typing: None,
            entry: Entry::Replace,
        }
    }

    /// The plan the page opens on: a default host running the first example.
    pub fn default_plan() -> Table {
        EXAMPLES.first().and_then(|e| crate::share::from_toml(e.plan).ok()).unwrap_or_default()
    }

    fn evaluate(self) -> State {
        State { eval: engine::evaluate(&self.plan), evaluated: true, ..self }
    }

    /// The ids of the sections the plan holds, in the page's order.
    pub fn section_ids(&self) -> Vec<&'static str> {
        engine::sections()
            .iter()
            .filter(|s| engine::lookup(&self.plan, s.id).is_some())
            .map(|s| s.id)
            .collect()
    }

    pub fn text(&self, path: &str) -> String {
        text_of(engine::lookup(&self.plan, path))
    }

    fn with_plan(&self, plan: Table) -> State {
        let plan = engine::with_defaults(&plan);
        State {
            eval: engine::evaluate(&plan),
            evaluated: true,
            plan,
            view: self.view,
            notice: None,
            opening_link: false,
            configs: self.configs.clone(),
            removed: self.removed.clone(),
            past: self.past.clone(),
            future: self.future.clone(),
            typing: None,
            entry: Entry::Push,
        }
    }

    /// As [`State::with_plan`], recording the current plan as an undo step
    /// (unless `typing` continues the step of the same field).
    fn edited(&self, plan: Table, typing: Option<String>) -> State {
        let mut next = self.with_plan(plan);
        if typing.is_none() || typing != self.typing {
            next.past.push(self.plan.clone());
            if next.past.len() > UNDO_DEPTH {
                next.past.remove(0);
            }
        } else {
            next.entry = Entry::Replace;
        }
        next.future.clear();
        next.typing = typing;
        next
    }

    /// The plan before the last step, the current one kept for Redo.
    fn undo(&self) -> Option<State> {
        let mut past = self.past.clone();
        let plan = past.pop()?;
        let mut future = self.future.clone();
        future.push(self.plan.clone());
        Some(State { past, future, ..self.with_plan(plan) })
    }

    /// The plan the last Undo left, the current one kept for Undo.
    fn redo(&self) -> Option<State> {
        let mut future = self.future.clone();
        let plan = future.pop()?;
        let mut past = self.past.clone();
        past.push(self.plan.clone());
        Some(State { past, future, ..self.with_plan(plan) })
    }
}

impl Default for State {
    fn default() -> Self {
        State::new(State::default_plan(), View::Planner)
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let next = match action {
            Action::Evaluate if self.evaluated => return self,
            Action::Evaluate => (*self).clone().evaluate(),
            Action::Set(path, kind, text) => {
                let value = kind.value(&text);
                if engine::lookup(&self.plan, &path) == value.as_ref() {
                    return self;
                }
                let mut plan = self.plan.clone();
                let variant = value.as_ref().and_then(Value::as_str).and_then(|v| {
                    engine::variant_at(&path, v).filter(|_| kind == FieldKind::Variant)
                });
                match variant {
                    // Another variant: its own fields, not the old one's.
                    Some((table, v)) => {
                        engine::set(&mut plan, &table, Some(Value::Table((v.defaults)())))
                    }
                    None => engine::set(&mut plan, &path, value),
                }
                self.edited(plan, Some(path))
            }
            Action::AddSection(id) => {
                let Some(info) = engine::section(id) else { return self };
                let mut plan = self.plan.clone();
                let last = self.removed.get(id).cloned();
                engine::set(
                    &mut plan,
                    id,
                    Some(last.unwrap_or_else(|| Value::Table((info.defaults)()))),
                );
                self.edited(plan, None)
            }
            Action::RemoveSection(id) => {
                let mut plan = self.plan.clone();
                let kept =
                    engine::section(&id).map(|s| s.id).zip(engine::lookup(&plan, &id).cloned());
                engine::set(&mut plan, &id, None);
                // Drop a system's table once its last section is gone.
                if let Some((system, _)) = id.split_once('.') {
                    if plan.get(system).and_then(Value::as_table).is_some_and(Table::is_empty) {
                        plan.remove(system);
                    }
                }
                let mut next = self.edited(plan, None);
                next.removed.extend(kept);
                next
            }
            Action::Load(plan) => self.edited(plan, None),
            Action::Opened(plan) => State { entry: Entry::Replace, ..self.edited(plan, None) },
            Action::Undo => return self.undo().map_or(self, Rc::new),
            Action::Redo => return self.redo().map_or(self, Rc::new),
            Action::Travel(plan) => {
                let plan = engine::with_defaults(&plan);
                if plan == self.plan {
                    return self;
                }
                let step = if self.past.last() == Some(&plan) {
                    self.undo()
                } else if self.future.last() == Some(&plan) {
                    self.redo()
                } else {
                    None
                };
                State { entry: Entry::Keep, ..step.unwrap_or_else(|| self.edited(plan, None)) }
            }
            Action::Show(view) => {
                if self.view == view {
                    return self;
                }
                State { view, ..(*self).clone() }
            }
            Action::Notice(notice) => State { notice, opening_link: false, ..(*self).clone() },
            Action::AddConfig(file) => {
                let mut next = (*self).clone();
                // A file given again under the same name replaces the old one.
                next.configs.retain(|c| c.name != file.name);
                next.configs.push(file);
                next
            }
            Action::RemoveConfig(i) => {
                let mut next = (*self).clone();
                if i < next.configs.len() {
                    next.configs.remove(i);
                }
                next
            }
        };
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use headroom_core::plan::Outcome;

    use super::*;

    fn set(state: Rc<State>, path: &str, text: &str) -> Rc<State> {
        state.reduce(Action::Set(path.into(), FieldKind::Quantity, text.into()))
    }

    #[test]
    fn default_state_is_example_25_2() {
        let state = State::default();
        let Some(Outcome::Result(r)) = state.eval.outcome("amps.memory") else { panic!() };
        assert_eq!(r.quantity("estimate"), Some(54_156_819_200));
    }

    #[test]
    fn the_opening_plan_is_evaluated_once_when_asked() {
        let opening = Rc::new(State::unevaluated(State::default_plan(), View::Planner));
        assert!(!opening.evaluated);
        assert!(opening.eval.outcomes.is_empty());
        let evaluated = opening.reduce(Action::Evaluate);
        assert_eq!(*evaluated, State::default());
        assert!(Rc::ptr_eq(&evaluated.clone().reduce(Action::Evaluate), &evaluated));
    }

    #[test]
    fn a_plan_change_before_the_opening_evaluation_is_evaluated() {
        let opening = Rc::new(State::unevaluated(State::default_plan(), View::Planner));
        let state = set(opening, "amps.memory.clients", "lots");
        assert!(state.evaluated);
        assert!(state.eval.field_errors.contains_key("amps.memory.clients"));
    }

    #[test]
    fn an_invalid_field_hides_its_result_until_fixed() {
        let state = set(Rc::new(State::default()), "amps.memory.clients", "lots");
        assert!(state.eval.field_errors.contains_key("amps.memory.clients"));
        assert!(state.eval.outcome("amps.memory").is_none());
        assert_eq!(state.text("amps.memory.clients"), "lots");
        let state = set(state, "amps.memory.clients", "200");
        assert!(state.eval.field_errors.is_empty());
        assert!(state.eval.outcome("amps.memory").is_some());
    }

    #[test]
    fn an_unchanged_value_keeps_the_same_state() {
        let state = Rc::new(State::default());
        let same = set(state.clone(), "amps.memory.clients", "200");
        assert!(Rc::ptr_eq(&state, &same));
    }

    #[test]
    fn sections_are_added_and_removed() {
        let mut state = Rc::new(State::default());
        for id in state.section_ids() {
            state = state.reduce(Action::RemoveSection(id.into()));
        }
        assert!(state.section_ids().is_empty());
        assert!(!state.plan.contains_key("amps"));
        let state = state.reduce(Action::AddSection("amps.memory"));
        assert_eq!(state.section_ids(), vec!["amps.memory"]);
        assert_eq!(state.eval.outcomes.len(), 1);
    }

    #[test]
    fn a_section_added_again_has_its_last_values() {
        let state = set(Rc::new(State::default()), "amps.memory.clients", "777");
        let state = state.reduce(Action::RemoveSection("amps.memory".into()));
        assert_eq!(state.text("amps.memory.clients"), "");
        let state = state.reduce(Action::AddSection("amps.memory"));
        assert_eq!(state.text("amps.memory.clients"), "777");
        // A section never removed starts from its defaults.
        let state = state.reduce(Action::AddSection("vps.memory"));
        assert_eq!(state.text("vps.memory.web.kind"), "event");
    }

    #[test]
    fn undo_and_redo_step_through_edits_a_field_at_a_time() {
        let start = Rc::new(State::default());
        let state = set(start.clone(), "amps.memory.clients", "7");
        let state = set(state, "amps.memory.clients", "77");
        let state = set(state, "amps.memory.queue_messages", "5");
        let state = state.reduce(Action::RemoveSection("amps.limits".into()));
        let state = state.reduce(Action::Undo);
        assert_eq!(state.section_ids(), start.section_ids());
        let state = state.reduce(Action::Undo);
        assert_eq!(state.text("amps.memory.clients"), "77", "one step per field");
        let state = state.reduce(Action::Undo);
        assert_eq!(state.plan, start.plan);
        assert!(Rc::ptr_eq(&state.clone().reduce(Action::Undo), &state), "nothing left");
        let state = state.reduce(Action::Redo).reduce(Action::Redo);
        assert_eq!(state.text("amps.memory.queue_messages"), "5");
        // A new edit forgets what was undone.
        let state = state.reduce(Action::Undo);
        let state = set(state, "amps.memory.clients", "9");
        assert!(state.future.is_empty());
    }

    /// Back and Forward bring the plan of a neighbouring history entry: the
    /// undo or redo step it stands for, so both ways agree on what is left.
    #[test]
    fn back_and_forward_are_undo_and_redo_steps() {
        let start = Rc::new(State::default());
        assert_eq!(start.entry, Entry::Replace, "the first plan fills the page's entry");
        let typed = set(start.clone(), "amps.memory.clients", "7");
        assert_eq!(typed.entry, Entry::Push, "a new step is a new entry");
        let typed = set(typed, "amps.memory.clients", "77");
        assert_eq!(typed.entry, Entry::Replace, "more typing stays in the entry");
        let removed = typed.clone().reduce(Action::RemoveSection("amps.limits".into()));

        let back = removed.clone().reduce(Action::Travel(typed.plan.clone()));
        assert_eq!((back.entry, back.past.len(), back.future.len()), (Entry::Keep, 1, 1));
        let back = back.reduce(Action::Travel(start.plan.clone()));
        assert_eq!(back.plan, start.plan);
        assert_eq!((back.past.len(), back.future.len()), (0, 2));
        let forward = back.reduce(Action::Travel(typed.plan.clone()));
        assert_eq!(forward.text("amps.memory.clients"), "77");
        assert_eq!((forward.past.len(), forward.future.len()), (1, 1));

        // An entry that is no neighbour (undo steps dropped) is a new step.
        let elsewhere = set(start.clone(), "amps.memory.clients", "5").plan.clone();
        let far = forward.reduce(Action::Travel(elsewhere.clone()));
        assert_eq!(far.plan, elsewhere);
        assert_eq!((far.entry, far.past.len(), far.future.len()), (Entry::Keep, 2, 0));
        // Undo by button or key is a step of its own in the history.
        assert_eq!(removed.reduce(Action::Undo).entry, Entry::Push);
    }

    #[test]
    fn choosing_a_variant_replaces_its_fields() {
        let state = Rc::new(State::default()).reduce(Action::AddSection("vps.memory"));
        assert_eq!(state.text("vps.memory.web.kind"), "event");
        let path = "vps.memory.web.kind".to_string();
        let state = state.reduce(Action::Set(path, FieldKind::Variant, "prefork".into()));
        assert_eq!(state.text("vps.memory.web.rss"), "", "the event server's field is gone");
        assert_eq!(state.text("vps.memory.web.max_request_workers"), "256");
        let Some(Outcome::Result(r)) = state.eval.outcome("vps.memory") else { panic!() };
        assert!(r.quantity("max_request_workers").is_some());
    }

    #[test]
    fn config_files_are_replaced_by_name() {
        let file =
            |text: &str| ConfigFile { name: "system.conf".into(), text: text.into(), format: None };
        let state = Rc::new(State::default()).reduce(Action::AddConfig(file("a")));
        let state = state.reduce(Action::AddConfig(file("b")));
        assert_eq!(state.configs, vec![file("b")]);
        let state = state.reduce(Action::Set(
            "amps.memory.clients".into(),
            FieldKind::Quantity,
            "9".into(),
        ));
        assert_eq!(state.configs.len(), 1, "editing the plan keeps the files");
        let state = state.reduce(Action::RemoveConfig(0));
        assert!(state.configs.is_empty());
    }

    proptest::proptest! {
        /// Whatever is typed into any field, the page evaluates to results
        /// or named errors: no panic, and never a result beside an error.
        #[test]
        fn any_text_in_any_field_evaluates(field in 0usize..64, text in "\\PC{0,24}") {
            let mut paths: Vec<String> =
                headroom_core::host::FIELDS.iter().map(|f| format!("host.{}", f.key)).collect();
            for s in engine::sections() {
                let fields = engine::form_fields(s, &Table::new());
                paths.extend(fields.into_iter().map(|f| format!("{}.{}", s.id, f.key)));
            }
            let path = paths[field % paths.len()].clone();
            let state = Rc::new(State::default())
                .reduce(Action::Set(path.clone(), FieldKind::Quantity, text.clone()));
            for o in &state.eval.outcomes {
                let id = engine::outcome_id(o);
                proptest::prop_assert!(!state.eval.has_errors_under(id), "{path}={text:?}");
            }
            if state.eval.field_errors.is_empty() && state.eval.plan_error.is_none() {
                proptest::prop_assert_eq!(state.eval.outcomes.len(), state.section_ids().len());
            }
        }
    }

    #[test]
    fn field_kinds_store_typed_values() {
        assert_eq!(FieldKind::Optional.value(" "), None);
        assert_eq!(FieldKind::Optional.value("4096"), Some(Value::Integer(4096)));
        assert_eq!(FieldKind::Quantity.value("1 KiB"), Some(Value::String("1 KiB".into())));
        let range = FieldKind::IntList.value("32768 60999").unwrap();
        assert_eq!(text_of(Some(&range)), "32768 60999");
        assert_eq!(FieldKind::Float.value("0.5"), Some(Value::Float(0.5)));
        assert_eq!(FieldKind::Float.value("NaN"), Some(Value::String("NaN".into())));
        assert_eq!(FieldKind::Bool.value("true"), Some(Value::Boolean(true)));
        assert_eq!(FieldKind::Bool.value("yes"), Some(Value::String("yes".into())));
    }
}
