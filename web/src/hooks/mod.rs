//! Custom hooks, one per file.

pub mod progressive;
pub mod section_focus;
