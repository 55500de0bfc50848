//! One component per file.

pub mod chart;
pub mod compare;
pub mod config_check;
pub mod dump_view;
pub mod export;
pub mod field;
pub mod findings;
pub mod host_form;
pub mod output;
pub mod result_view;
pub mod rollup;
pub mod section_form;
