//! Crash signatures: the same crash gives the same short string, whatever
//! the load addresses, so crashes can be grouped and known issues matched.
//!
//! Built as Socorro's signature generator (mozilla-services/socorro,
//! `socorro/signature/rules.py`, `CSignatureTool`) and apport's duplicate
//! detection (`apport/report.py`, `crash_signature`) build theirs: from the
//! top symbolic frames of the crashing (or requesting) thread, after the
//! frames that only say *how* the process died (abort, raise, assert and
//! panic machinery, signal trampolines: the skip list below, documented in
//! docs/signatures.md), joined with ` | `. Five frames, as apport uses.
//! A frame without a name is `module@0xOFFSET` (Socorro's form), which does
//! not move with ASLR; a frame found by stack scanning is left out, since
//! scanning finds different junk each time.

use crate::summary::{Frame, Summary};

/// How many frames a signature holds (apport's `crash_signature` uses 5).
pub const FRAMES: usize = 5;

/// Frames skipped at the top of the stack: the way down to the signal, not
/// the cause. Globs (`*` for any text) on the normalized function name.
pub const SKIP: &[&str] = &[
    // glibc: abort, raise, assert, fortify and malloc checks.
    "abort",
    "raise",
    "pthread_kill",
    "__pthread_kill*",
    "__assert_fail*",
    "__libc_message*",
    "__fortify_fail",
    "__chk_fail",
    "__stack_chk_fail",
    "malloc_printerr",
    // Signal trampolines.
    "__restore_rt",
    "__kernel_rt_sigreturn",
    "_sigtramp",
    // libstdc++ and libgcc: terminate and unwinding.
    "std::terminate*",
    "std::__terminate*",
    "__cxxabiv1::__terminate*",
    "__gnu_cxx::__verbose_terminate_handler*",
    "__cxa_throw",
    "__cxa_rethrow",
    "_Unwind_*",
    // Rust panics and aborts.
    "std::panicking::*",
    "core::panicking::*",
    "std::sys::pal::unix::abort_internal",
    "std::sys::*::abort_internal",
    "std::process::abort",
    "std::rt::*",
    "rust_panic",
    "rust_begin_unwind",
    "__rust_start_panic",
    "__rustc::rust_begin_unwind",
    "panic_abort::*",
    "std::sys::backtrace::*",
    "std::backtrace_rs::*",
];

/// A function name as the signature writes it: glibc's internal aliases
/// (`__GI_raise`, `__GI___libc_read`) under their public name, and Rust's
/// trailing hash (`::h0123456789abcdef`) dropped, so that two builds of the
/// same code agree.
pub fn normalize(name: &str) -> String {
    let name = name.strip_prefix("__GI_").unwrap_or(name);
    let name = match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            head
        }
        _ => name,
    };
    name.to_string()
}

/// Whether `text` matches `pattern`, where `*` stands for any text.
pub fn glob(pattern: &str, text: &str) -> bool {
    glob::Pattern::new(pattern).is_ok_and(|p| p.matches(text))
}

fn frame_part(f: &Frame) -> Option<String> {
    match (&f.function, &f.module, f.module_offset) {
        (Some(name), _, _) => Some(normalize(name)),
        (None, Some(m), Some(off)) => Some(format!("{m}@{:#x}", off.0)),
        _ => None,
    }
}

/// The signature of a dump, `None` when its thread has no usable frame.
pub fn of(summary: &Summary) -> Option<String> {
    let thread = summary.crashing().or_else(|| summary.threads.first())?;
    let parts: Vec<String> = thread
        .frames
        .iter()
        .filter(|f| f.trust != "scan")
        .filter_map(frame_part)
        .skip_while(|name| SKIP.iter().any(|p| glob(p, name)))
        .take(FRAMES)
        .collect();
    (!parts.is_empty()).then(|| parts.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{with_frames as summary, Hex};
    use proptest::prelude::*;

    fn frame(function: Option<&str>, module: &str, offset: u64, base: u64, trust: &str) -> Frame {
        Frame {
            instruction: Hex(base + offset),
            module: Some(module.into()),
            module_offset: Some(Hex(offset)),
            function: function.map(String::from),
            source: None,
            trust: trust.into(),
            named_by: None,
        }
    }

    /// An assert in a C program: glibc's abort path is skipped, the
    /// program's frames (named or not) make the signature.
    fn assert_crash(base: u64) -> Summary {
        summary(vec![
            frame(Some("__pthread_kill_implementation"), "libc.so.6", 0x8aebc, base, "context"),
            frame(Some("__GI_raise"), "libc.so.6", 0x3bfb2, base, "cfi"),
            frame(Some("__GI_abort"), "libc.so.6", 0x26472, base, "cfi"),
            frame(Some("__assert_fail_base"), "libc.so.6", 0x26395, base, "cfi"),
            frame(Some("__assert_fail"), "libc.so.6", 0x34eb2, base, "cfi"),
            frame(Some("check_segment"), "server", 0x1234, base, "cfi"),
            frame(None, "server", 0x2000, base, "cfi"),
            frame(Some("junk"), "libc.so.6", 0x9999, base, "scan"),
            frame(Some("main"), "server", 0x3000, base, "cfi"),
            frame(Some("__libc_start_call_main"), "libc.so.6", 0x27249, base, "cfi"),
            frame(Some("__libc_start_main_impl"), "libc.so.6", 0x27304, base, "cfi"),
        ])
    }

    #[test]
    fn the_abort_path_is_skipped_and_unnamed_frames_keep_their_offset() {
        assert_eq!(
            of(&assert_crash(0x7f00_0000_0000)).unwrap(),
            "check_segment | server@0x2000 | main | __libc_start_call_main | __libc_start_main_impl"
        );
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(normalize("__GI___libc_read"), "__libc_read");
        assert_eq!(normalize("app::worker::run::h0123456789abcdef"), "app::worker::run");
        assert_eq!(normalize("app::h::run"), "app::h::run");
    }

    #[test]
    fn a_different_crash_gives_a_different_signature() {
        let mut other = assert_crash(0x1000);
        other.threads[0].frames[5].function = Some("check_queue".into());
        assert_ne!(of(&other), of(&assert_crash(0x1000)));
    }

    proptest! {
        /// ASLR moves every module; the signature does not move.
        #[test]
        fn load_addresses_do_not_change_the_signature(base in 0u64..(1 << 46)) {
            prop_assert_eq!(of(&assert_crash(base & !0xfff)), of(&assert_crash(0x5555_0000_0000)));
        }
    }
}
