//! Custom hooks, one per file.

pub mod address;
pub mod progressive;
pub mod section_focus;
pub mod view_history;
