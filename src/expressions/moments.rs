//! Entry points of the moments and extremes: `cum_*` and `rolling_*` for each statistic.
//! Each decodes its kwargs (the statistic's own options under `stat`) and sweeps the column.

use polars::prelude::*;
use pyo3_polars::derive::polars_expr;
use serde::Deserialize;

use super::{float_output, placement, sweep, sweep_lagged};
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

fn cumulative<F: Finish>(name: &str, inputs: &[Series], k: CumKwargs<F>) -> PolarsResult<Series> {
    sweep(name, inputs, Cumulative::new(k.stat, k.min_samples))
}

fn rolling<F: Finish>(name: &str, inputs: &[Series], k: RollingKwargs<F>) -> PolarsResult<Series> {
    let (window_size, lag) = placement(k.window_size, k.center, inputs[0].len());
    let stat = Rolling::new(k.stat, window_size, k.min_samples).map(|mut s| {
        s.reserve(inputs[0].len());
        s
    });
    sweep_lagged(name, inputs, stat, lag)
}

macro_rules! moment_exprs {
    ($($cum:ident, $rolling:ident: $f:ty;)*) => {$(
        #[polars_expr(output_type_func=float_output)]
        fn $cum(inputs: &[Series], kwargs: CumKwargs<$f>) -> PolarsResult<Series> {
            cumulative(stringify!($cum), inputs, kwargs)
        }

        #[polars_expr(output_type_func=float_output)]
        fn $rolling(inputs: &[Series], kwargs: RollingKwargs<$f>) -> PolarsResult<Series> {
            rolling(stringify!($rolling), inputs, kwargs)
        }
    )*};
}

moment_exprs! {
    cum_mean, rolling_mean: MeanOf;
    cum_var, rolling_var: VarOf;
    cum_std, rolling_std: StdOf;
    cum_skew, rolling_skew: SkewOf;
    cum_kurtosis, rolling_kurtosis: KurtosisOf;
    cum_min, rolling_min: MinOf;
    cum_max, rolling_max: MaxOf;
    cum_peak_to_peak, rolling_peak_to_peak: PeakToPeakOf;
    cum_abs_max, rolling_abs_max: AbsMaxOf;
}
