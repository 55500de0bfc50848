//! One component per file.

pub mod amps_memory;
pub mod field;
