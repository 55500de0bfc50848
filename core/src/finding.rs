//! Findings: advice and problems attached to a calculation or a config line.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Advice.
    Info,
    /// It will hurt (performance, headroom, operability).
    Warning,
    /// It will fail or lose data.
    Error,
}

/// One rule a calculator or validator can report; the table of them is
/// `validate::rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// Where the rule comes from: document and section.
    pub source: &'static str,
    /// What to write instead, in general; each finding carries the exact line.
    pub fix: &'static str,
}

impl Rule {
    /// A finding of this rule with its general fix; callers replace the fix
    /// with the exact line where they know it, and add the location.
    pub fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self, message).why(self.source).fix(self.fix)
    }
}

/// Where in a file a finding points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, when it helps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// A problem or piece of advice, with the fix to apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The id of the [`Rule`] it was raised under, e.g.
    /// `amps.memory.exceeds_ram`: every id is in the rules table.
    pub id: &'static str,
    pub severity: Severity,
    /// What is wrong, in plain words.
    pub message: String,
    /// Why it matters, with its source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The exact line or command to write instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Finding {
    /// A finding of `rule`, with the rule's id and severity; the caller
    /// says why and gives the fix ([`Rule::finding`] fills in the rule's).
    pub fn new(rule: &Rule, message: impl Into<String>) -> Self {
        Finding {
            id: rule.id,
            severity: rule.severity,
            message: message.into(),
            why: None,
            fix: None,
            location: None,
        }
    }

    pub fn why(mut self, why: impl Into<String>) -> Self {
        self.why = Some(why.into());
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}
