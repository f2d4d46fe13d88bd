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
    /// A statistic whose state cannot be merged (e.g. the P² estimator): Python's TypeError.
    NotMergeable(String),
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
            | StatError::InvalidOperation(msg)
            | StatError::NotMergeable(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for StatError {}

/// Checks of a decoded state's options against what a Python constructor accepts, so that an
/// object restored from bytes can always be pickled again (pickling rebuilds it from its
/// options). Construction in the core stays more permissive (the plugins size a centred
/// window to the column, which can leave `min_samples` above it).
pub(crate) mod decoded {
    use super::StatError;
    use crate::core::OptionValue;

    /// The largest count an option can hold: the plugins receive options as pickled keyword
    /// arguments, which cannot carry 2**63 or more.
    pub const MAX_COUNT: u64 = i64::MAX as u64;

    /// Every integer option is below 2**63.
    pub fn counts_fit(options: &[(&'static str, OptionValue)]) -> Result<(), StatError> {
        for (name, value) in options {
            if let OptionValue::Int(v) = value {
                if *v > MAX_COUNT {
                    return Err(StatError::InvalidState(format!(
                        "`{name}` must be < 2**63 (found {v})"
                    )));
                }
            }
        }
        Ok(())
    }

    /// `min_samples <= max(window_size, lowest_ok)`, as the rolling constructors require.
    pub fn min_samples_fit(
        min_samples: u64,
        window_size: u64,
        lowest_ok: u64,
    ) -> Result<(), StatError> {
        if min_samples > window_size.max(lowest_ok) {
            return Err(StatError::InvalidState(format!(
                "`min_samples` must be <= `window_size` (found {min_samples} > {window_size})"
            )));
        }
        Ok(())
    }
}

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
