//! Exit codes, documented in `dumptool --help`, and the error that carries one.

use std::fmt;

/// The operation worked and found nothing wrong.
pub const OK: u8 = 0;
/// The operation worked and found a problem (findings of severity error, no
/// core would be written, ...).
pub const PROBLEM: u8 = 1;
/// Bad input or usage: a malformed file, an unknown flag.
pub const BAD_INPUT: u8 = 2;
/// The system refused: no such process, not permitted, disk full.
pub const REFUSED: u8 = 3;
/// The input is incomplete: a dump shorter than its headers describe. What
/// could be read is still printed.
pub const INCOMPLETE: u8 = 4;

/// An error that knows its exit code. Anything else that reaches `main` is
/// treated as bad input.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Failure { code: BAD_INPUT, message: message.into() }
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Failure { code: REFUSED, message: message.into() }
    }

    /// An input that could not be read: refused by the system when
    /// permission was denied, else bad input (missing, unreadable).
    pub fn unreadable(message: impl Into<String>, e: &std::io::Error) -> Self {
        let code =
            if e.kind() == std::io::ErrorKind::PermissionDenied { REFUSED } else { BAD_INPUT };
        Failure { code, message: message.into() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    /// The exit codes `--help` documents: 3 when the system refused (a file
    /// not readable by this user), 2 for input that is missing or bad.
    #[test]
    fn an_unreadable_input_is_refused_only_for_permissions() {
        let code = |kind| Failure::unreadable("x", &Error::from(kind)).code;
        assert_eq!(code(ErrorKind::PermissionDenied), REFUSED);
        assert_eq!(code(ErrorKind::NotFound), BAD_INPUT);
        assert_eq!(code(ErrorKind::InvalidData), BAD_INPUT);
    }
}
