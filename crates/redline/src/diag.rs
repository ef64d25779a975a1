//! Diagnostics: what a loader found wrong with a dictionary line, with its file and line.
//!
//! Loading never fails on a bad line. Loaders return the value they could build and a list of
//! diagnostics, and the caller decides which are fatal (the data tests treat all as fatal).

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The line was used, but something about it looks wrong (a duplicate, an odd date).
    Warning,
    /// The line could not be used and was skipped.
    Error,
}

/// One problem found in one line of a dictionary file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as named by the caller (`actors/leaders.txt`).
    pub file: String,
    /// The 1-based line number.
    pub line: u32,
    /// Error or warning.
    pub severity: Severity,
    /// Lowercase, without a final period, naming what is at fault.
    pub message: String,
}

impl Diagnostic {
    /// An error: the line was skipped.
    pub fn error(file: &str, line: u32, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            line,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A warning: the line was used.
    pub fn warning(file: &str, line: u32, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            line,
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, level, self.message
        )
    }
}
