//! Thin `#[polars_expr]` entry points: decode the typed kwargs, build the core statistic,
//! sweep the column through it. No maths here.

mod by;
pub mod dtypes;
mod moments;
mod parallel;
pub mod series;

use std::ops::Range;

use polars::prelude::*;
use pyo3_polars::derive::polars_expr;

use crate::core::ewm::{
    EwMean, EwStd, EwVar, EwVarOptions, EwmOptions, RollingEwMean, RollingEwmOptions,
};
use crate::core::order::{BlockRank, OrderIndex, RankIndex, SmallSorted, PARALLEL_MIN};
use crate::core::parallel::{Decaying, OneThread, PrefixState, Rows};
use crate::core::quantile::{
    Interpolation, Iqr, IqrOptions, Method, Quantile, QuantileOptions, RollingIqrOf,
    RollingIqrOptions, RollingQuantileOf, RollingQuantileOptions,
};
use crate::core::ring;
use crate::core::window::Span;
use crate::core::{Kernel, StatError};
use dtypes::{output_field, run, Kind, Stat};
use serde::Deserialize;
use series::{non_null_values, polars_err, run_f64};

/// Declares the plugin `$name`: its output dtype is `Kind::$kind`'s for its input (one
/// output-type function per plugin, so that a dtype error names the function), and its
/// body runs with the input Series as `$inputs` and the decoded kwargs as `$kwargs`.
macro_rules! plugin {
    ($name:ident, $kind:ident, |$inputs:ident, $kwargs:ident: $kt:ty| $body:block) => {
        mod $name {
            use super::*;

            fn output(fields: &[Field]) -> PolarsResult<Field> {
                output_field(stringify!($name), Kind::$kind, fields)
            }

            #[polars_expr(output_type_func = output)]
            fn $name($inputs: &[Series], $kwargs: $kt) -> PolarsResult<Series> $body
        }
    };
}
use plugin;

/// Build the statistic from its options and sweep an f64 column through it, row `i` taking
/// the output of row `i + lag` (see [`placement`]).
fn sweep_f64<S: Kernel>(
    function: &str,
    build: Result<S, StatError>,
    x: &Float64Chunked,
    lag: usize,
) -> PolarsResult<Float64Chunked> {
    let mut stat = build.map_err(|e| polars_err(function, e))?;
    Ok(run_f64(&mut stat, x, lag))
}

/// [`sweep_f64`] for a cumulative statistic: over a long column, in parallel from ordered
/// merges (see [`parallel`]).
fn sweep_prefix<S: PrefixState>(
    function: &str,
    build: Result<S, StatError>,
    x: &Float64Chunked,
) -> PolarsResult<Float64Chunked> {
    let mut stat = build.map_err(|e| polars_err(function, e))?;
    if let Some(out) = parallel::prefix(function, &stat, x) {
        return out;
    }
    Ok(run_f64(&mut stat, x, 0))
}

/// [`sweep_f64`] for an EW statistic: over a long column, in parallel (see [`parallel`]).
fn sweep_ew<S: PrefixState + Decaying>(
    function: &str,
    build: Result<S, StatError>,
    x: &Float64Chunked,
) -> PolarsResult<Float64Chunked> {
    let mut stat = build.map_err(|e| polars_err(function, e))?;
    if let Some(out) = parallel::ew(function, &stat, x) {
        return out;
    }
    Ok(run_f64(&mut stat, x, 0))
}

/// The trailing window and lag that give a rolling statistic's windows on a column of `n`
/// rows. With `center=True` (Polars' placement) row `i` sees rows `[i - a, i + b]`, with
/// `b = ceil(W/2) - 1` and `a = W - 1 - b`, clipped to the column: a trailing window of
/// `a + b + 1` rows, read `b` rows later. A reach beyond the column changes nothing, so `a`
/// and `b` are capped at `n - 1`: the sweep is O(n) however large the window (uncapped, a
/// window of 1e12 rows meant 1e12 rows of drain and an allocation to match).
fn placement(window_size: u64, center: bool, n: usize) -> (u64, usize) {
    if !center || n == 0 || window_size == 0 {
        return (window_size, 0);
    }
    let b = window_size.div_ceil(2) - 1;
    let a = window_size - 1 - b;
    let cap = n as u64 - 1;
    let (a, b) = (a.min(cap), b.min(cap));
    (a + b + 1, b as usize)
}

/// An EW statistic over a numeric column (temporal columns are rejected, see [`dtypes`]).
fn ewm<S: PrefixState + Decaying>(
    function: &str,
    s: &Series,
    build: impl Fn() -> Result<S, StatError>,
) -> PolarsResult<Series> {
    let sweep = |x: &Float64Chunked| sweep_ew(function, build(), x);
    run(function, Kind::Numeric, s, Stat::Arith(&sweep))
}

plugin!(ewm_mean, Numeric, |inputs, kwargs: EwmOptions| {
    ewm("ewm_mean", &inputs[0], || EwMean::new(kwargs))
});

plugin!(ewm_var, Numeric, |inputs, kwargs: EwVarOptions| {
    ewm("ewm_var", &inputs[0], || EwVar::new(kwargs))
});

plugin!(ewm_std, Numeric, |inputs, kwargs: EwVarOptions| {
    ewm("ewm_std", &inputs[0], || EwStd::new(kwargs))
});

/// Kwargs of `rolling_ewm_mean`: the options of [`RollingEwMean`] over a row count.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollingEwmKwargs {
    alpha: f64,
    window_size: u64,
    min_samples: u64,
}

plugin!(
    rolling_ewm_mean,
    Numeric,
    |inputs, kwargs: RollingEwmKwargs| {
        // One pass (not split across threads).
        let name = "rolling_ewm_mean";
        let sweep = |x: &Float64Chunked| {
            let opts = RollingEwmOptions {
                alpha: kwargs.alpha,
                window: Span::Rows(kwargs.window_size),
                min_samples: kwargs.min_samples,
            };
            sweep_f64(name, RollingEwMean::new(opts), x, 0)
        };
        run(name, Kind::Numeric, &inputs[0], Stat::Arith(&sweep))
    }
);

/// Kwargs of `rolling_quantile`: the options of [`RollingQuantile`] plus `center`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollingQuantileKwargs {
    quantile: f64,
    interpolation: Interpolation,
    window_size: u64,
    min_samples: u64,
    center: bool,
}

/// A quantile selects one of its values for these interpolations (the output is then
/// exactly an input value, for every dtype), and computes with two of them otherwise.
pub(crate) fn quantile_stat(interpolation: Interpolation, sweep: dtypes::Sweep) -> Stat {
    match interpolation {
        Interpolation::Linear | Interpolation::Midpoint => Stat::Arith(sweep),
        Interpolation::Nearest
        | Interpolation::Lower
        | Interpolation::Higher
        | Interpolation::Equiprobable => Stat::Select(sweep),
    }
}

plugin!(
    rolling_quantile,
    Location,
    |inputs, kwargs: RollingQuantileKwargs| {
        let k = kwargs;
        let (w, lag) = placement(k.window_size, k.center, inputs[0].len());
        let opts = RollingQuantileOptions {
            q: k.quantile,
            window: Span::Rows(w),
            interpolation: k.interpolation,
            min_samples: k.min_samples,
        };
        let name = "rolling_quantile";
        // Polars interpolates a Float32 column in f32 arithmetic: so do we, bit for bit.
        let single = inputs[0].dtype() == &DataType::Float32;
        let make = QuantileOver { opts, single };
        let sweep = |x: &Float64Chunked| sweep_order(name, &make, x, w, lag);
        run(
            name,
            Kind::Location,
            &inputs[0],
            quantile_stat(k.interpolation, &sweep),
        )
    }
);

/// Kwargs of `rolling_iqr`: the options of [`RollingIqr`] plus `center`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollingIqrKwargs {
    window_size: u64,
    q_inf: f64,
    q_sup: f64,
    interpolation: Interpolation,
    min_samples: u64,
    center: bool,
}

plugin!(rolling_iqr, Numeric, |inputs, kwargs: RollingIqrKwargs| {
    let k = kwargs;
    let (w, lag) = placement(k.window_size, k.center, inputs[0].len());
    let opts = RollingIqrOptions {
        window: Span::Rows(w),
        q_inf: k.q_inf,
        q_sup: k.q_sup,
        interpolation: k.interpolation,
        min_samples: k.min_samples,
    };
    let name = "rolling_iqr";
    // Polars interpolates a Float32 column in f32 arithmetic: so do we, bit for bit.
    let single = inputs[0].dtype() == &DataType::Float32;
    let make = IqrOver { opts, single };
    let sweep = |x: &Float64Chunked| sweep_order(name, &make, x, w, lag);
    run(name, Kind::Numeric, &inputs[0], Stat::Arith(&sweep))
});

/// A rolling order statistic (the quantile, the IQR) over any order-statistic index: the
/// window size picks the index in [`sweep_order`], each statistic says how it is built.
trait OrderOver: Sync {
    type Over<I: OrderIndex + Send>: Kernel + Send;
    fn over<I: OrderIndex + Send>(&self, index: I) -> Result<Self::Over<I>, StatError>;
}

struct QuantileOver {
    opts: RollingQuantileOptions,
    single: bool,
}

impl OrderOver for QuantileOver {
    type Over<I: OrderIndex + Send> = RollingQuantileOf<I>;
    fn over<I: OrderIndex + Send>(&self, index: I) -> Result<RollingQuantileOf<I>, StatError> {
        RollingQuantileOf::with_index(self.opts.clone(), index)
            .map(|s| s.single_precision(self.single))
    }
}

struct IqrOver {
    opts: RollingIqrOptions,
    single: bool,
}

impl OrderOver for IqrOver {
    type Over<I: OrderIndex + Send> = RollingIqrOf<I>;
    fn over<I: OrderIndex + Send>(&self, index: I) -> Result<RollingIqrOf<I>, StatError> {
        RollingIqrOf::with_index(self.opts.clone(), index).map(|s| s.single_precision(self.single))
    }
}

/// A rolling order statistic over `x`, on the index its window of `w` rows calls for: a
/// sorted array below [`BLOCK_RANK_MIN_WINDOW`] (whose sweeps slide in registers), block
/// ranks up to [`BLOCK_RANK_MAX_WINDOW`], the column's ranks above (each parallel piece
/// ranking the values it sees).
fn sweep_order<M: OrderOver>(
    name: &str,
    make: &M,
    x: &Float64Chunked,
    w: u64,
    lag: usize,
) -> PolarsResult<Float64Chunked> {
    if w < BLOCK_RANK_MIN_WINDOW {
        let build = || make.over(SmallSorted::default());
        let pieces = parallel::window(name, x, w, lag, usize::MAX, |_, _| build());
        return pieces.unwrap_or_else(|| sweep_f64(name, build(), x, lag));
    }
    if w <= BLOCK_RANK_MAX_WINDOW {
        let most = w as usize;
        // A piece's index owns its values: `parallel::window`'s builder takes the rows for
        // any lifetime, so what it builds cannot borrow them. One pass borrows the column's
        // values when it is one chunk without nulls (`Rows::non_null_values`).
        let pieces = parallel::window(name, x, w, lag, usize::MAX, |r, rows| {
            make.over(BlockRank::new(rows.non_null_values(r).into_owned(), most))
        });
        return pieces.unwrap_or_else(|| {
            sweep_f64(
                name,
                make.over(BlockRank::new(
                    parallel::rows_of(x).non_null_values(0..x.len()),
                    most,
                )),
                x,
                lag,
            )
        });
    }
    let ranked = |r: Range<usize>, rows: &Rows| {
        make.over(RankIndex::new(&rows.non_null_values(r), &OneThread))
    };
    parallel::window(name, x, w, lag, rank_piece_max(w), ranked)
        .unwrap_or_else(|| sweep_f64(name, make.over(column_index(x)), x, lag))
}

/// The whole-column rank index over the non-null values of `x`.
fn column_index(x: &Float64Chunked) -> RankIndex {
    RankIndex::new(&non_null_values(x), &parallel::Pool)
}

/// The longest piece of a parallel sweep over a rank index of window `w`: its values and
/// its warm-up stay below [`PARALLEL_MIN`], from where ranking would split in two (each
/// piece already runs on a thread of the pool).
fn rank_piece_max(w: u64) -> usize {
    let w = usize::try_from(w).unwrap_or(usize::MAX);
    PARALLEL_MIN.saturating_sub(w.saturating_add(1))
}

/// Below this many values (cumulative quantiles, time windows) a plain sorted array wins:
/// the whole-column rank index pays ~14 ns per value to rank the column, and its bit scans
/// lengthen as a small window spreads over many ranks. Measured on 2M normal values (ns/row,
/// sorted array vs rank index): W=64 35 vs 72, W=128 50 vs 64, W=200 68 vs 72, W=300 93
/// vs 62.
pub(crate) const RANK_INDEX_MIN_WINDOW: u64 = 200;

/// From this window of rows on, rolling quantiles rank the column block by block
/// ([`BlockRank`]); below, a sorted array, whose full windows of up to
/// [`ring::RING_MAX`] rows slide in AVX2 registers. Over this range the block ranks cost
/// about the same at every size, the sorted array grows with the window: measured on 2M normal values, core,
/// median, best of 5 (ns/row, sorted array vs block ranks): W=33 34-37 vs 35-41, W=40 36-47
/// vs 33-48, W=64 47 vs 34, W=100 61 vs 34, W=150 82 vs 35, W=199 104 vs 35.
const BLOCK_RANK_MIN_WINDOW: u64 = ring::RING_MAX as u64 + 1;

/// Up to this window the rank index is built block by block ([`BlockRank`]: each block of
/// the column sorted on its own, the window a bitset in L1 cache), beyond it over the whole
/// column ([`RankIndex`], whose bit scans then beat sorting ever larger blocks). Measured on
/// 2M normal values, core, one thread, CPU time, loaded shared machine (ns/row, whole column
/// vs blocks): W=200 102 vs 51, W=1000 72 vs 44, W=4000 93 vs 56; with the blocks sorted by
/// comparison, W=16000 110 vs 72 and W=1e5 66 vs 74.
const BLOCK_RANK_MAX_WINDOW: u64 = 1 << 14;

plugin!(cum_quantile, Location, |inputs, kwargs: QuantileOptions| {
    let n = inputs[0].len() as u64;
    let name = "cum_quantile";
    // Polars interpolates a Float32 column in f32 arithmetic: so do we, bit for bit.
    let single = inputs[0].dtype() == &DataType::Float32;
    let sweep = |x: &Float64Chunked| {
        if kwargs.method == Method::P2 || (n < RANK_INDEX_MIN_WINDOW && !single) {
            return sweep_f64(name, Quantile::new(kwargs), x, 0);
        }
        // The exact cumulative quantile is the rolling one over an unbounded window (same
        // numbers as `Quantile`, tested), with the faster whole-column index.
        let opts = RollingQuantileOptions {
            q: kwargs.q,
            window: Span::Unbounded,
            interpolation: kwargs.interpolation,
            min_samples: kwargs.min_samples,
        };
        sweep_f64(
            name,
            RollingQuantileOf::with_index(opts.clone(), column_index(x))
                .map(|s| s.single_precision(single)),
            x,
            0,
        )
    };
    // P² estimates are interpolations whatever the option says.
    let stat = match kwargs.method {
        Method::P2 => Stat::Arith(&sweep),
        Method::Exact => quantile_stat(kwargs.interpolation, &sweep),
    };
    run(name, Kind::Location, &inputs[0], stat)
});

plugin!(cum_iqr, Numeric, |inputs, kwargs: IqrOptions| {
    let n = inputs[0].len() as u64;
    let name = "cum_iqr";
    // Polars interpolates a Float32 column in f32 arithmetic: so do we, bit for bit.
    let single = inputs[0].dtype() == &DataType::Float32;
    let sweep = |x: &Float64Chunked| {
        if kwargs.method == Method::P2 || (n < RANK_INDEX_MIN_WINDOW && !single) {
            return sweep_f64(name, Iqr::new(kwargs), x, 0);
        }
        let opts = RollingIqrOptions {
            window: Span::Unbounded,
            q_inf: kwargs.q_inf,
            q_sup: kwargs.q_sup,
            interpolation: kwargs.interpolation,
            min_samples: kwargs.min_samples,
        };
        sweep_f64(
            name,
            RollingIqrOf::with_index(opts.clone(), column_index(x))
                .map(|s| s.single_precision(single)),
            x,
            0,
        )
    };
    run(name, Kind::Numeric, &inputs[0], Stat::Arith(&sweep))
});
