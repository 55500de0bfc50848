//! Custom hooks, one per file.

pub mod address;
pub mod section_focus;
