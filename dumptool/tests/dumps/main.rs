//! Integration tests that run the real `dumptool` binary on dumps: the
//! corpus against minidump-stackwalk's answers, snapshots of every output
//! mode, live captures of a test program, kernel-written core files, and the
//! minidump directory commands. One test binary, as ripgrep does.

mod support;

// Corpus dumps against minidump-stackwalk, malformed input, snapshots.
mod corpus;
// Live capture of dumptool-testee: threads, redaction, errors.
#[cfg(target_os = "linux")]
mod capture;
// A rewritten command line (setproctitle) and a symlinked program's name.
#[cfg(target_os = "linux")]
mod rewritten;
// A core written by the kernel for a test program killed with SIGSEGV.
#[cfg(target_os = "linux")]
mod corefile;
// The core-dump settings and verdict of a live process.
#[cfg(target_os = "linux")]
mod limits;
// Stacks and names from the host's binaries and debug files.
#[cfg(target_os = "linux")]
mod hostsyms;
// The debuginfod client against a real server on loopback.
#[cfg(target_os = "linux")]
mod debuginfod;
// doctor: will a crash or a capture of a live process work.
#[cfg(target_os = "linux")]
mod doctor;
// submit to Sentry or Socorro, against a real HTTP server on loopback.
#[cfg(target_os = "linux")]
mod submit;
// systemd-coredump's compressed cores and apport reports.
mod crashstore;
// Dumps cut short: named, marked, exit code 4.
mod truncated;
// list, prune, completions, man.
mod dumpdir;
// Output files written whole, never over a directory or a device.
#[cfg(target_os = "linux")]
mod outputs;
