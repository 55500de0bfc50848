//! Custom hooks, one per file.

pub mod section_focus;
