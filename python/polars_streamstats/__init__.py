"""polars-streamstats: fast online statistics for Polars expressions and Python streams.

Import it as ``pss``::

    import polars_streamstats as pss

    df.with_columns(pss.ewm_var("price", alpha=0.1).over("ticker"))

    v = pss.EWVar(alpha=0.1)
    for batch in batches:
        v.update_many(batch)

Every statistic exists twice, as an expression function and as an incremental object; both
run the same Rust kernel and give bit-identical numbers on the same data. Every function is
also a method of the ``pss`` namespace of expressions and Series
(``pl.col("x").pss.rolling_mean(20)``, ``series.pss.rolling_mean(20)``). The ``_by``
functions use a time window instead of a count of rows
(``pss.rolling_quantile_by("price", "ts", "5m", quantile=0.9)``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from polars_streamstats._internal import (
    IQR,
    AbsMax,
    EWMean,
    EWStd,
    EWVar,
    Kurtosis,
    Max,
    Mean,
    Min,
    PeakToPeak,
    Quantile,
    RollingAbsMax,
    RollingEWMean,
    RollingIQR,
    RollingKurtosis,
    RollingMax,
    RollingMean,
    RollingMin,
    RollingPeakToPeak,
    RollingQuantile,
    RollingSkew,
    RollingStd,
    RollingVar,
    Skew,
    Std,
    Var,
)
from polars_streamstats.by import (
    ewm_mean_by,
    ewm_std_by,
    ewm_var_by,
    rolling_abs_max_by,
    rolling_ewm_mean_by,
    rolling_iqr_by,
    rolling_kurtosis_by,
    rolling_max_by,
    rolling_mean_by,
    rolling_median_by,
    rolling_min_by,
    rolling_peak_to_peak_by,
    rolling_quantile_by,
    rolling_skew_by,
    rolling_std_by,
    rolling_var_by,
)
from polars_streamstats.ewm import ewm_mean, ewm_std, ewm_var, rolling_ewm_mean
from polars_streamstats.moments import (
    cum_abs_max,
    cum_kurtosis,
    cum_max,
    cum_mean,
    cum_min,
    cum_peak_to_peak,
    cum_skew,
    cum_std,
    cum_var,
    rolling_abs_max,
    rolling_kurtosis,
    rolling_max,
    rolling_mean,
    rolling_min,
    rolling_peak_to_peak,
    rolling_skew,
    rolling_std,
    rolling_var,
)
from polars_streamstats.namespace import ExprNamespace, SeriesNamespace  # registers .pss
from polars_streamstats.quantile import (
    cum_iqr,
    cum_median,
    cum_quantile,
    rolling_iqr,
    rolling_median,
    rolling_quantile,
)
from polars_streamstats.tracker import Tracker

try:
    __version__ = version("polars-streamstats")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "IQR",
    "AbsMax",
    "EWMean",
    "EWStd",
    "EWVar",
    "ExprNamespace",
    "Kurtosis",
    "Max",
    "Mean",
    "Min",
    "PeakToPeak",
    "Quantile",
    "RollingAbsMax",
    "RollingEWMean",
    "RollingIQR",
    "RollingKurtosis",
    "RollingMax",
    "RollingMean",
    "RollingMin",
    "RollingPeakToPeak",
    "RollingQuantile",
    "RollingSkew",
    "RollingStd",
    "RollingVar",
    "SeriesNamespace",
    "Skew",
    "Std",
    "Tracker",
    "Var",
    "__version__",
    "cum_abs_max",
    "cum_iqr",
    "cum_kurtosis",
    "cum_max",
    "cum_mean",
    "cum_median",
    "cum_min",
    "cum_peak_to_peak",
    "cum_quantile",
    "cum_skew",
    "cum_std",
    "cum_var",
    "ewm_mean",
    "ewm_mean_by",
    "ewm_std",
    "ewm_std_by",
    "ewm_var",
    "ewm_var_by",
    "rolling_abs_max",
    "rolling_abs_max_by",
    "rolling_ewm_mean",
    "rolling_ewm_mean_by",
    "rolling_iqr",
    "rolling_iqr_by",
    "rolling_kurtosis",
    "rolling_kurtosis_by",
    "rolling_max",
    "rolling_max_by",
    "rolling_mean",
    "rolling_mean_by",
    "rolling_median",
    "rolling_median_by",
    "rolling_min",
    "rolling_min_by",
    "rolling_peak_to_peak",
    "rolling_peak_to_peak_by",
    "rolling_quantile",
    "rolling_quantile_by",
    "rolling_skew",
    "rolling_skew_by",
    "rolling_std",
    "rolling_std_by",
    "rolling_var",
    "rolling_var_by",
]
