"""polars-streamstats: fast online statistics for Polars expressions and Python streams.

Import it as ``pss``::

    import polars_streamstats as pss

    df.with_columns(pss.ewm_var("price", alpha=0.1).over("ticker"))

    v = pss.EWVar(alpha=0.1)
    for batch in batches:
        v.update_many(batch)

Every statistic exists twice, as an expression function and as an incremental object; both
run the same Rust kernel and give bit-identical numbers on the same data.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from polars_streamstats import namespace as _namespace  # registers pl.Expr.pss
from polars_streamstats._internal import (
    IQR,
    EWMean,
    EWStd,
    EWVar,
    Quantile,
    RollingEWMean,
    RollingIQR,
    RollingQuantile,
)
from polars_streamstats.ewm import ewm_mean, ewm_std, ewm_var, rolling_ewm_mean
from polars_streamstats.quantile import (
    cum_iqr,
    cum_median,
    cum_quantile,
    rolling_iqr,
    rolling_median,
    rolling_quantile,
)

try:
    __version__ = version("polars-streamstats")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

del _namespace

__all__ = [
    "IQR",
    "EWMean",
    "EWStd",
    "EWVar",
    "Quantile",
    "RollingEWMean",
    "RollingIQR",
    "RollingQuantile",
    "__version__",
    "cum_iqr",
    "cum_median",
    "cum_quantile",
    "ewm_mean",
    "ewm_std",
    "ewm_var",
    "rolling_ewm_mean",
    "rolling_iqr",
    "rolling_median",
    "rolling_quantile",
]
