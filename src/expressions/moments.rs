//! Entry points of the moments and extremes: `cum_*` and `rolling_*` for each statistic.
//! Each decodes its kwargs (the statistic's own options under `stat`) and sweeps the column.

use polars::prelude::*;
use pyo3_polars::derive::polars_expr;
use serde::Deserialize;

use super::by::{ByKwargs, TimeWindow};
use super::dtypes::{output_field, run, Kind, Stat};
use super::{parallel, placement, plugin, sweep_f64, sweep_prefix};
use crate::core::moments::{
    AbsMaxOf, Cumulative, Finish, KurtosisOf, MaxOf, MeanOf, MinOf, PeakToPeakOf, Rolling, SkewOf,
    StdOf, VarOf,
};
use crate::core::parallel::BlockSummary;
use crate::core::window::Span;

/// Kwargs of a cumulative statistic.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CumKwargs<F> {
    min_samples: u64,
    stat: F,
}

/// Kwargs of a rolling statistic.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollingKwargs<F> {
    window_size: u64,
    min_samples: u64,
    center: bool,
    stat: F,
}

/// The rows each output sees: all so far, a rolling window of rows, or a time window.
#[derive(Clone, Copy)]
enum Window<'a> {
    Cumulative {
        min_samples: u64,
    },
    Rolling {
        window_size: u64,
        min_samples: u64,
        center: bool,
    },
    By {
        window: &'a TimeWindow,
        min_samples: u64,
    },
}

impl<F> From<&CumKwargs<F>> for Window<'_> {
    fn from(k: &CumKwargs<F>) -> Self {
        Window::Cumulative {
            min_samples: k.min_samples,
        }
    }
}

impl<F> From<&RollingKwargs<F>> for Window<'_> {
    fn from(k: &RollingKwargs<F>) -> Self {
        Window::Rolling {
            window_size: k.window_size,
            min_samples: k.min_samples,
            center: k.center,
        }
    }
}

/// Sweep `x` through the statistic `f` over `window`.
fn sweep<F: Finish + Sync>(
    name: &str,
    f: F,
    window: Window<'_>,
    x: &Float64Chunked,
) -> PolarsResult<Float64Chunked>
where
    F::Agg: BlockSummary,
{
    match window {
        Window::Cumulative { min_samples } => {
            sweep_prefix(name, Cumulative::new(f, min_samples), x)
        }
        Window::Rolling {
            window_size,
            min_samples,
            center,
        } => {
            let (window_size, lag) = placement(window_size, center, x.len());
            let build = |rows: usize| {
                Rolling::new(f, Span::Rows(window_size), min_samples).map(|mut s| {
                    s.reserve(rows);
                    s
                })
            };
            let pieces =
                parallel::window(name, x, window_size, lag, usize::MAX, |r, _| build(r.len()));
            pieces.unwrap_or_else(|| sweep_f64(name, build(x.len()), x, lag))
        }
        Window::By {
            window,
            min_samples,
        } => window.sweep(name, x, |_| {
            Rolling::new(f, window.span.clone(), min_samples)
        }),
    }
}

/// A statistic computed from the values (mean, moments).
fn arith<F: Finish + Sync>(
    name: &str,
    kind: Kind,
    s: &Series,
    f: F,
    w: Window<'_>,
) -> PolarsResult<Series>
where
    F::Agg: BlockSummary,
{
    run(name, kind, s, Stat::Arith(&|x| sweep(name, f, w, x)))
}

/// A statistic that outputs one of its values (min, max).
fn select<F: Finish + Sync>(
    name: &str,
    kind: Kind,
    s: &Series,
    f: F,
    w: Window<'_>,
) -> PolarsResult<Series>
where
    F::Agg: BlockSummary,
{
    run(name, kind, s, Stat::Select(&|x| sweep(name, f, w, x)))
}

/// Peak-to-peak: exact from the extremes on integer-backed columns.
fn range<F: Finish + Sync>(
    name: &str,
    kind: Kind,
    s: &Series,
    f: F,
    w: Window<'_>,
) -> PolarsResult<Series>
where
    F::Agg: BlockSummary,
{
    let stat = Stat::Range {
        float: &|x| sweep(name, f, w, x),
        min: &|x| sweep(name, MinOf {}, w, x),
        max: &|x| sweep(name, MaxOf {}, w, x),
    };
    run(name, kind, s, stat)
}

/// The largest absolute value: the maximum of `abs` on integer-backed columns.
fn abs_max<F: Finish + Sync>(
    name: &str,
    kind: Kind,
    s: &Series,
    f: F,
    w: Window<'_>,
) -> PolarsResult<Series>
where
    F::Agg: BlockSummary,
{
    let stat = Stat::AbsMax {
        float: &|x| sweep(name, f, w, x),
        max: &|x| sweep(name, MaxOf {}, w, x),
    };
    run(name, kind, s, stat)
}

/// The plugins `$cum` and `$rolling` of the finisher `$f`, of dtype kind `$kind`, run by
/// `$how` (one of the four functions above).
macro_rules! moment_exprs {
    ($($cum:ident, $rolling:ident, $by:ident: $f:ty, $kind:ident, $how:ident;)*) => {$(
        plugin!($cum, $kind, |inputs, kwargs: CumKwargs<$f>| {
            let w = Window::from(&kwargs);
            $how(stringify!($cum), Kind::$kind, &inputs[0], kwargs.stat, w)
        });

        plugin!($rolling, $kind, |inputs, kwargs: RollingKwargs<$f>| {
            let w = Window::from(&kwargs);
            $how(stringify!($rolling), Kind::$kind, &inputs[0], kwargs.stat, w)
        });

        plugin!($by, $kind, |inputs, kwargs: ByKwargs<$f>| {
            let name = stringify!($by);
            let k = kwargs;
            let window = TimeWindow::new(name, &inputs[1], &k.window_size, &k.closed)?;
            let w = Window::By { window: &window, min_samples: k.min_samples };
            $how(name, Kind::$kind, &inputs[0], k.stat, w)
        });
    )*};
}

moment_exprs! {
    cum_mean, rolling_mean, rolling_mean_by: MeanOf, Location, arith;
    cum_var, rolling_var, rolling_var_by: VarOf, Numeric, arith;
    cum_std, rolling_std, rolling_std_by: StdOf, Numeric, arith;
    cum_skew, rolling_skew, rolling_skew_by: SkewOf, Numeric, arith;
    cum_kurtosis, rolling_kurtosis, rolling_kurtosis_by: KurtosisOf, Numeric, arith;
    cum_min, rolling_min, rolling_min_by: MinOf, Extreme, select;
    cum_max, rolling_max, rolling_max_by: MaxOf, Extreme, select;
    cum_peak_to_peak, rolling_peak_to_peak, rolling_peak_to_peak_by: PeakToPeakOf, Range, range;
    cum_abs_max, rolling_abs_max, rolling_abs_max_by: AbsMaxOf, AbsMax, abs_max;
}
