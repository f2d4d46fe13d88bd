//! The one error type of the core statistics.

use std::fmt;

/// Everything that can go wrong in the core: invalid options when a statistic is built,
/// or a state snapshot that cannot be restored. Never a panic on user input.
#[derive(Debug, Clone, PartialEq)]
pub enum StatError {
    /// An option is out of its domain. `name` is the option as the user spells it.
    InvalidOption { name: &'static str, message: String },
    /// Options that are mutually exclusive or jointly required were given wrongly.
    ConflictingOptions(String),
    /// A snapshot (pickled state) is truncated, from another statistic, from an unknown
    /// format version, or decodes to an inconsistent state.
    InvalidState(String),
    /// An operation that needs a value the statistic does not hold (e.g. reverting a
    /// value that was never added).
    InvalidOperation(String),
}

impl StatError {
    pub(crate) fn option(name: &'static str, message: impl Into<String>) -> Self {
        StatError::InvalidOption {
            name,
            message: message.into(),
        }
    }
}

impl fmt::Display for StatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatError::InvalidOption { name, message } => write!(f, "`{name}` {message}"),
            StatError::ConflictingOptions(msg)
            | StatError::InvalidState(msg)
            | StatError::InvalidOperation(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for StatError {}

/// `Ok(())` when `cond` holds, otherwise an [`StatError::InvalidOption`].
pub(crate) fn ensure(
    cond: bool,
    name: &'static str,
    message: impl FnOnce() -> String,
) -> Result<(), StatError> {
    if cond {
        Ok(())
    } else {
        Err(StatError::option(name, message()))
    }
}
