//! The expressions' side of the parallel sweeps ([`crate::core::parallel`]): when a column
//! is long enough, on which threads, and the pieces' outputs as one Polars column.
//!
//! - A column of at least [`DEFAULT_MIN_ROWS`] rows (2^22; the environment variable
//!   `PSS_PARALLEL_MIN_ROWS` sets another threshold, for tests: values below 1024 act as
//!   1024) is cut into pieces swept on Polars' thread pool (`polars_core`'s `RAYON`, sized
//!   by `POLARS_MAX_THREADS`: with one thread nothing is split). Shorter columns, and so
//!   the groups of `.over()` and `group_by().agg()` (which Polars may already run in
//!   parallel) below the threshold, are swept in one pass on the calling thread, as before.
//! - Parallel: the cumulative moments and extremes (prefix merges: equal to one pass to
//!   rounding, bit for bit for the extremes); the EW mean/var/std (each piece warmed up on
//!   the values before it that still weigh, or, for a small `alpha` or with ±inf/NaN, from
//!   prefix merges: equal to one pass to rounding); the rolling moments, extremes,
//!   quantiles and IQR over windows of rows, `center=True` included (bit for bit). One
//!   pass: time windows (`_by`), the cumulative quantiles and IQR (exact and P²), and
//!   `rolling_ewm_mean`.
//! - "To rounding": within 1e-12 relative where the output is not itself a cancellation
//!   (a mean or a moment near 0 against large data can differ by the rounding of the data's
//!   magnitude, as one pass's own error does). The last bits of those results depend on
//!   the pieces, so on the number of threads; the rolling windows' do not.
//! - The output holds one chunk per piece (no copy to join them).
//!
//! The pool is the plugin library's own instance of Polars' pool (a plugin links its own
//! `polars_core`): a caller's thread waits while the pool's threads work, so at most
//! `POLARS_MAX_THREADS` threads sweep at once; nothing here starts threads of its own.

use std::ops::Range;

use polars::prelude::*;
use pyo3_polars::export::polars_core::runtime::RAYON;

use super::series::{polars_err, to_array};
use crate::core::parallel::{
    decay_sweep, prefix_bounds, prefix_sweep, window_piece, window_sweep, Bits, Decaying, Fork,
    PrefixState, Rows, Segment,
};
use crate::core::sweep::Running;
use crate::core::{Kernel, StatError};

/// Columns from this many rows on are swept in parallel (unless `PSS_PARALLEL_MIN_ROWS`
/// says otherwise).
pub const DEFAULT_MIN_ROWS: usize = 1 << 22;

/// The smallest threshold `PSS_PARALLEL_MIN_ROWS` can set: shorter columns (most groups of
/// `.over()`) do not even look at the environment.
const FLOOR_ROWS: usize = 1 << 10;

/// Polars' thread pool (the plugin's instance, sized by `POLARS_MAX_THREADS`).
pub(crate) struct Pool;

impl Fork for Pool {
    fn threads(&self) -> usize {
        RAYON.current_num_threads()
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        RAYON.join(a, b)
    }
}

/// The row threshold of the parallel sweeps.
fn min_rows() -> usize {
    std::env::var("PSS_PARALLEL_MIN_ROWS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(DEFAULT_MIN_ROWS, |v| v.max(FLOOR_ROWS))
}

/// The threads to sweep a column of `n` rows on: 1 below the threshold.
fn threads_for(n: usize) -> usize {
    if n < FLOOR_ROWS || n < min_rows() {
        return 1;
    }
    Pool.threads()
}

/// The chunks of `ca` as the core's segments (a bitmap only where a chunk has nulls).
pub(crate) fn rows_of(ca: &Float64Chunked) -> Rows<'_> {
    let segments = ca
        .downcast_iter()
        .map(|arr| Segment {
            values: arr.values().as_slice(),
            valid: arr.validity().filter(|v| v.unset_bits() > 0).map(|v| {
                let (bytes, offset, _) = v.as_slice();
                Bits { bytes, offset }
            }),
        })
        .collect();
    Rows::new(segments)
}

/// The pieces' outputs as one column named like `ca` (one chunk per piece), rows
/// `lag..lag + n` of them.
fn assemble(ca: &Float64Chunked, outs: Vec<Running>, lag: usize) -> Float64Chunked {
    let out = Float64Chunked::from_chunk_iter(ca.name().clone(), outs.into_iter().map(to_array));
    if lag == 0 {
        out
    } else {
        out.slice(lag as i64, ca.len())
    }
}

/// Pass 1 of a cumulative sweep costs about this much of a sweep per row (measured 0.14
/// for `cum_var` and `cum_kurtosis`, 0.4 for the EW mean's interleaved states, on the
/// project's VM; see [`prefix_bounds`]): it sizes the first piece.
pub const PASS1_COST: f64 = 0.2;

/// A cumulative statistic over `ca` swept in parallel from prefix merges, or `None` when
/// the column is too short or there is one thread (the caller then runs one pass).
pub fn prefix<S: PrefixState>(
    function: &str,
    fresh: &S,
    ca: &Float64Chunked,
) -> Option<PolarsResult<Float64Chunked>> {
    let n = ca.len();
    prefix_on(
        function,
        fresh,
        ca,
        &rows_of(ca),
        threads_for(n),
        PASS1_COST,
    )
}

fn prefix_on<S: PrefixState>(
    function: &str,
    fresh: &S,
    ca: &Float64Chunked,
    rows: &Rows,
    threads: usize,
    pass1: f64,
) -> Option<PolarsResult<Float64Chunked>> {
    let bounds = prefix_bounds(ca.len(), threads, pass1)?;
    let outs = prefix_sweep(&Pool, rows, fresh, &bounds);
    Some(
        outs.map(|outs| assemble(ca, outs, 0))
            .map_err(|e| polars_err(function, e)),
    )
}

/// An EW statistic over `ca` in parallel: pieces warmed up on the values that still weigh
/// ([`decay_sweep`]), else (small `alpha`, ±inf or NaN) from prefix merges; `None` when the
/// column is too short or there is one thread.
pub fn ew<S: PrefixState + Decaying>(
    function: &str,
    fresh: &S,
    ca: &Float64Chunked,
) -> Option<PolarsResult<Float64Chunked>> {
    let n = ca.len();
    let threads = threads_for(n);
    if threads < 2 {
        return None;
    }
    let rows = rows_of(ca);
    if let Some(outs) = decay_sweep(&Pool, &rows, fresh, n.div_ceil(2 * threads)) {
        return Some(Ok(assemble(ca, outs, 0)));
    }
    prefix_on(function, fresh, ca, &rows, threads, EW_PASS1_COST)
}

/// [`PASS1_COST`] of the EW statistics' interleaved states (measured 0.4 for the mean,
/// 0.45-0.65 for the variance).
const EW_PASS1_COST: f64 = 0.45;

/// A statistic over a trailing window of `window` rows swept in parallel (row `i` given the
/// output at row `i + lag`, see `placement`), each piece's statistic from `build(rows it
/// sees, the column)`; pieces of at most `max_piece` rows. `None` when the column is too
/// short for pieces of several windows, or there is one thread.
pub fn window<S, B>(
    function: &str,
    ca: &Float64Chunked,
    window: u64,
    lag: usize,
    max_piece: usize,
    build: B,
) -> Option<PolarsResult<Float64Chunked>>
where
    S: Kernel + Send,
    B: Fn(Range<usize>, &Rows) -> Result<S, StatError> + Sync,
{
    let n = ca.len();
    let threads = threads_for(n);
    let window = usize::try_from(window).ok()?;
    let piece = window_piece(n, threads, window, max_piece)?;
    let rows = rows_of(ca);
    let outs = window_sweep(&Pool, &rows, window, piece, lag, &|r| build(r, &rows));
    Some(
        outs.map(|outs| assemble(ca, outs, lag))
            .map_err(|e| polars_err(function, e)),
    )
}
