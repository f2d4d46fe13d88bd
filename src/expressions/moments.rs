//! Entry points of the moments and extremes: `cum_*` and `rolling_*` for each statistic.
//! Each decodes its kwargs (the statistic's own options under `stat`) and sweeps the column.

use polars::prelude::*;
use pyo3_polars::derive::polars_expr;
use serde::Deserialize;

use super::dtypes::{output_field, run, Kind, Stat};
use super::{placement, plugin, sweep_f64};
use crate::core::moments::{
    AbsMaxOf, Cumulative, Finish, KurtosisOf, MaxOf, MeanOf, MinOf, PeakToPeakOf, Rolling, SkewOf,
    StdOf, VarOf,
};

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

/// The rows each output sees: all so far, or a rolling window.
#[derive(Clone, Copy)]
enum Window {
    Cumulative {
        min_samples: u64,
    },
    Rolling {
        window_size: u64,
        min_samples: u64,
        center: bool,
    },
}

impl<F> From<&CumKwargs<F>> for Window {
    fn from(k: &CumKwargs<F>) -> Self {
        Window::Cumulative {
            min_samples: k.min_samples,
        }
    }
}

impl<F> From<&RollingKwargs<F>> for Window {
    fn from(k: &RollingKwargs<F>) -> Self {
        Window::Rolling {
            window_size: k.window_size,
            min_samples: k.min_samples,
            center: k.center,
        }
    }
}

/// Sweep `x` through the statistic `f` over `window`.
fn sweep<F: Finish>(
    name: &str,
    f: F,
    window: Window,
    x: &Float64Chunked,
) -> PolarsResult<Float64Chunked> {
    match window {
        Window::Cumulative { min_samples } => {
            sweep_f64(name, Cumulative::new(f, min_samples), x, 0)
        }
        Window::Rolling {
            window_size,
            min_samples,
            center,
        } => {
            let (window_size, lag) = placement(window_size, center, x.len());
            let stat = Rolling::new(f, window_size, min_samples).map(|mut s| {
                s.reserve(x.len());
                s
            });
            sweep_f64(name, stat, x, lag)
        }
    }
}

/// A statistic computed from the values (mean, moments).
fn arith<F: Finish>(name: &str, kind: Kind, s: &Series, f: F, w: Window) -> PolarsResult<Series> {
    run(name, kind, s, Stat::Arith(&|x| sweep(name, f, w, x)))
}

/// A statistic that outputs one of its values (min, max).
fn select<F: Finish>(name: &str, kind: Kind, s: &Series, f: F, w: Window) -> PolarsResult<Series> {
    run(name, kind, s, Stat::Select(&|x| sweep(name, f, w, x)))
}

/// Peak-to-peak: exact from the extremes on integer-backed columns.
fn range<F: Finish>(name: &str, kind: Kind, s: &Series, f: F, w: Window) -> PolarsResult<Series> {
    let stat = Stat::Range {
        float: &|x| sweep(name, f, w, x),
        min: &|x| sweep(name, MinOf {}, w, x),
        max: &|x| sweep(name, MaxOf {}, w, x),
    };
    run(name, kind, s, stat)
}

/// The largest absolute value: the maximum of `abs` on integer-backed columns.
fn abs_max<F: Finish>(name: &str, kind: Kind, s: &Series, f: F, w: Window) -> PolarsResult<Series> {
    let stat = Stat::AbsMax {
        float: &|x| sweep(name, f, w, x),
        max: &|x| sweep(name, MaxOf {}, w, x),
    };
    run(name, kind, s, stat)
}

/// The plugins `$cum` and `$rolling` of the finisher `$f`, of dtype kind `$kind`, run by
/// `$how` (one of the four functions above).
macro_rules! moment_exprs {
    ($($cum:ident, $rolling:ident: $f:ty, $kind:ident, $how:ident;)*) => {$(
        plugin!($cum, $kind, |inputs, kwargs: CumKwargs<$f>| {
            let w = Window::from(&kwargs);
            $how(stringify!($cum), Kind::$kind, &inputs[0], kwargs.stat, w)
        });

        plugin!($rolling, $kind, |inputs, kwargs: RollingKwargs<$f>| {
            let w = Window::from(&kwargs);
            $how(stringify!($rolling), Kind::$kind, &inputs[0], kwargs.stat, w)
        });
    )*};
}

moment_exprs! {
    cum_mean, rolling_mean: MeanOf, Location, arith;
    cum_var, rolling_var: VarOf, Numeric, arith;
    cum_std, rolling_std: StdOf, Numeric, arith;
    cum_skew, rolling_skew: SkewOf, Numeric, arith;
    cum_kurtosis, rolling_kurtosis: KurtosisOf, Numeric, arith;
    cum_min, rolling_min: MinOf, Extreme, select;
    cum_max, rolling_max: MaxOf, Extreme, select;
    cum_peak_to_peak, rolling_peak_to_peak: PeakToPeakOf, Range, range;
    cum_abs_max, rolling_abs_max: AbsMaxOf, AbsMax, abs_max;
}
