//! Exit codes and the data errors that name a place in an input.

use std::fmt;
use std::process::ExitCode;

/// The process exit codes (README, *Exit codes*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// Bad input or a runtime error.
    Failure = 1,
    /// A usage error (bad flags or option values).
    Usage = 2,
    /// `tally alerts`: at least one alert fired.
    AlertFired = 3,
}

impl Exit {
    /// `tally reconcile --fail-on-flag`: at least one row was flagged. The same code as a
    /// fired alert: "ran fine, and found something a person should look at".
    pub const FLAGGED: Exit = Exit::AlertFired;
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// A command-line value that does not make sense (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A place in an input: `file[:member]:line`, or `file: row group G, row R` in a Parquet file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The input as named on the command line (or found in a directory), plus `:member` for a
    /// file inside a zip.
    pub source: String,
    /// In a Parquet file, the row group (from 1); `line` is then the row within it (from 1).
    /// `None` for text inputs.
    pub row_group: Option<u64>,
    /// Physical line, the header being line 1 (or the row of a Parquet row group).
    pub line: u64,
}

impl Location {
    /// The place inside `source`: `17` for a line, `row group 2, row 17` in a Parquet file.
    pub fn place(&self) -> String {
        match self.row_group {
            Some(group) => format!("row group {group}, row {}", self.line),
            None => self.line.to_string(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row_group {
            Some(_) => write!(f, "{}: {}", self.source, self.place()),
            None => write!(f, "{}:{}", self.source, self.line),
        }
    }
}

/// One bad row: where it is, which column, the offending value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub location: Location,
    /// The column as written in the file's header, when the problem is one field.
    pub column: Option<String>,
    /// The offending text, when there is one.
    pub value: Option<String>,
    /// What is wrong, phrased to follow the value: `is not a decimal number (…)`.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.location)?;
        if let Some(column) = &self.column {
            write!(f, " column \"{column}\":")?;
        }
        if let Some(value) = &self.value {
            write!(f, " \"{value}\"")?;
        }
        write!(f, " {}", self.reason)
    }
}

impl std::error::Error for RowError {}
