//! End-to-end tests, linked into one binary. Each module drives the built
//! page (`cargo xtask test` builds it into dist/ first) in Debian's Chromium.

mod access;
mod browser;
mod configs;
mod daily;
mod dumpview;
mod planner;
mod relay;
mod site;
