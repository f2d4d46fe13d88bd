//! Versioned binary snapshots of a statistic's full state (what pickling stores).
//!
//! Layout: the magic bytes `PSS`, one format-version byte, then postcard encoding of
//! `(statistic name, state)`. Decoding checks all of it and then the state's invariants, so
//! bytes from elsewhere, from another statistic or cut short give an error, never a panic.

use super::{StatError, Statistic};

const MAGIC: &[u8; 3] = b"PSS";
/// Bump when the serialized layout of any statistic changes incompatibly.
pub const FORMAT_VERSION: u8 = 3;

pub fn encode<S: Statistic>(stat: &S) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    // Serializing plain structs of numbers, bools, strings and vectors into a Vec cannot fail.
    let body = postcard::to_allocvec(&(S::NAME, stat)).unwrap_or_default();
    out.extend_from_slice(&body);
    out
}

pub fn decode<S: Statistic>(bytes: &[u8]) -> Result<S, StatError> {
    let bad =
        |why: String| StatError::InvalidState(format!("cannot restore {} state: {why}", S::NAME));
    if bytes.len() < 4 || &bytes[..3] != MAGIC {
        return Err(bad("not a polars-streamstats snapshot".into()));
    }
    if bytes[3] != FORMAT_VERSION {
        return Err(bad(format!(
            "snapshot format version {} is not supported (this build reads version {FORMAT_VERSION})",
            bytes[3]
        )));
    }
    let corrupt = |e: postcard::Error| bad(format!("corrupt or truncated data ({e})"));
    let (name, rest): (String, &[u8]) = postcard::take_from_bytes(&bytes[4..]).map_err(corrupt)?;
    if name != S::NAME {
        return Err(bad(format!("the snapshot holds a {name}")));
    }
    let (mut stat, rest): (S, &[u8]) = postcard::take_from_bytes(rest).map_err(corrupt)?;
    if !rest.is_empty() {
        return Err(bad(format!("{} unexpected trailing bytes", rest.len())));
    }
    stat.restore().map_err(|e| bad(e.to_string()))?;
    stat.validate().map_err(|e| bad(e.to_string()))?;
    Ok(stat)
}
