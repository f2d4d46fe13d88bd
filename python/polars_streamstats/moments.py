"""Moments and extremes as Polars expressions: cumulative (``cum_*``) and rolling.

The rolling functions follow Polars' ``rolling_*`` exactly (same parameters, nulls,
``min_samples``, NaN and ``center`` rules); the cumulative ones are the rolling ones over an
unbounded window, which Polars lacks. Shared rules:

- The window counts rows, nulls included; the statistic uses the non-null values in it and
  is null below ``max(min_samples, 1)`` of them. A null row outputs the statistic of the
  values so far (as Polars' ``rolling_*`` and pandas' ``expanding()``; Polars' own
  ``cum_min``/``cum_max`` leave null rows null instead).
- NaN propagates: a window holding NaN gives NaN, for the extremes too (as Polars'
  ``rolling_min``/``rolling_max``; Polars' ``cum_min``/``cum_max`` skip NaN instead). A
  window holding ``inf`` has mean ``inf`` and variance NaN; the output recovers once the
  non-finite value has left the window.
- The rolling windows are drift-free: each output merges two summaries built from the
  values in the window (a two-stack queue of Welford/Pébay states), so values that have
  left a window leave no rounding residue behind.
- Dtypes as Polars: Float32 stays Float32; the extremes keep integer, decimal and temporal
  dtypes exactly; the mean of a temporal column is temporal (Date gives ``Datetime("us")``);
  other numbers give Float64.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polars_streamstats import _docs, _plugin
from polars_streamstats._internal import (
    AbsMax,
    Kurtosis,
    Max,
    Mean,
    Min,
    PeakToPeak,
    RollingAbsMax,
    RollingKurtosis,
    RollingMax,
    RollingMean,
    RollingMin,
    RollingPeakToPeak,
    RollingSkew,
    RollingStd,
    RollingVar,
    Skew,
    Std,
    Var,
)

if TYPE_CHECKING:
    import polars as pl
    from polars._typing import IntoExpr

__all__ = [
    "cum_abs_max",
    "cum_kurtosis",
    "cum_max",
    "cum_mean",
    "cum_min",
    "cum_peak_to_peak",
    "cum_skew",
    "cum_std",
    "cum_var",
    "rolling_abs_max",
    "rolling_kurtosis",
    "rolling_max",
    "rolling_mean",
    "rolling_min",
    "rolling_peak_to_peak",
    "rolling_skew",
    "rolling_std",
    "rolling_var",
]


def _cumulative(
    function: str, expr: IntoExpr, build: Any, reverse: bool, **options: Any
) -> pl.Expr:
    """Validate the options by building the matching object (one source of truth, in Rust)."""
    stat: dict[str, Any] = build(**options)._options()
    min_samples = stat.pop("min_samples")
    kwargs = {"min_samples": min_samples, "stat": stat}
    return _plugin.call(function, expr, kwargs, reverse=reverse)


def _rolling(function: str, expr: IntoExpr, build: Any, center: bool, **options: Any) -> pl.Expr:
    _plugin.check_rows(function, options["window_size"])
    stat: dict[str, Any] = build(**options)._options()
    kwargs = {
        "window_size": stat.pop("window_size"),
        "min_samples": stat.pop("min_samples"),
        "center": _plugin.check_bool("center", center),
        "stat": stat,
    }
    return _plugin.call(function, expr, kwargs)


@_docs.fill
def cum_mean(expr: IntoExpr, *, min_samples: int = 1, reverse: bool = False) -> pl.Expr:
    """Mean of the values so far.

    Parameters
    ----------
    $expr
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_mean(pl.Series("x", [1.0, 3.0, None, 8.0])))["x"].to_list()
    [1.0, 2.0, 2.0, 4.0]
    """
    return _cumulative("cum_mean", expr, Mean, reverse, min_samples=min_samples)


@_docs.fill
def cum_var(
    expr: IntoExpr, *, ddof: int = 1, min_samples: int = 1, reverse: bool = False
) -> pl.Expr:
    """Variance of the values so far, ``m2 / (n - ddof)``.

    Parameters
    ----------
    $expr
    $ddof
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_var(pl.Series("x", [1.0, 3.0, 2.0, 8.0])))["x"].to_list()
    [None, 2.0, 1.0, 9.666666666666666]
    """
    return _cumulative("cum_var", expr, Var, reverse, ddof=ddof, min_samples=min_samples)


@_docs.fill
def cum_std(
    expr: IntoExpr, *, ddof: int = 1, min_samples: int = 1, reverse: bool = False
) -> pl.Expr:
    """Standard deviation of the values so far: the square root of :func:`cum_var`.

    Parameters
    ----------
    $expr
    $ddof
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_std(pl.Series("x", [1.0, 3.0, 2.0])))["x"].to_list()
    [None, 1.4142135623730951, 1.0]
    """
    return _cumulative("cum_std", expr, Std, reverse, ddof=ddof, min_samples=min_samples)


@_docs.fill
def cum_skew(
    expr: IntoExpr, *, bias: bool = True, min_samples: int = 1, reverse: bool = False
) -> pl.Expr:
    """Skewness of the values so far, as :meth:`polars.Expr.rolling_skew`.

    ``bias=True`` is ``g1 = m3 / m2**1.5`` with ``m_k`` the central moments; it is NaN for a
    single value or constant data (0/0), as in Polars. ``bias=False`` is the adjusted ``G1``
    of pandas, null while ``n < 3``.

    Parameters
    ----------
    $expr
    $bias
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0])
    >>> pl.select(pss.cum_skew(s, bias=False))["x"].round(6).to_list()
    [None, None, 0.0, 1.597078]
    """
    return _cumulative("cum_skew", expr, Skew, reverse, bias=bias, min_samples=min_samples)


@_docs.fill
def cum_kurtosis(
    expr: IntoExpr,
    *,
    fisher: bool = True,
    bias: bool = True,
    min_samples: int = 1,
    reverse: bool = False,
) -> pl.Expr:
    """Kurtosis of the values so far, as :meth:`polars.Expr.rolling_kurtosis`.

    Parameters
    ----------
    $expr
    $fisher
    $bias
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0, 5.0])
    >>> pl.select(pss.cum_kurtosis(s, bias=False))["x"].round(6).to_list()
    [None, None, None, 2.703924, 0.12987]
    """
    return _cumulative(
        "cum_kurtosis", expr, Kurtosis, reverse, fisher=fisher, bias=bias, min_samples=min_samples
    )


@_docs.fill
def cum_min(expr: IntoExpr, *, min_samples: int = 1, reverse: bool = False) -> pl.Expr:
    """Smallest value so far, in the input's dtype.

    Unlike Polars' ``cum_min``, a null row outputs the minimum so far (not null) and a NaN
    makes the output NaN from then on (Polars skips NaN).

    Parameters
    ----------
    $expr
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_min(pl.Series("x", [3, None, 1, 2])))["x"].to_list()
    [3, 3, 1, 1]
    """
    return _cumulative("cum_min", expr, Min, reverse, min_samples=min_samples)


@_docs.fill
def cum_max(expr: IntoExpr, *, min_samples: int = 1, reverse: bool = False) -> pl.Expr:
    """Largest value so far, in the input's dtype (see :func:`cum_min` for nulls and NaN).

    Parameters
    ----------
    $expr
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_max(pl.Series("x", [2**53 + 1, 2**53 + 3, 1])))["x"].to_list()
    [9007199254740993, 9007199254740995, 9007199254740995]
    """
    return _cumulative("cum_max", expr, Max, reverse, min_samples=min_samples)


@_docs.fill
def cum_peak_to_peak(expr: IntoExpr, *, min_samples: int = 1, reverse: bool = False) -> pl.Expr:
    """Largest minus smallest value so far (River's ``PeakToPeak``).

    The dtype is that of Polars' ``max() - min()``: integers keep theirs, temporals give a
    Duration.

    Parameters
    ----------
    $expr
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_peak_to_peak(pl.Series("x", [1.0, 3.0, 2.0, -2.0])))["x"].to_list()
    [0.0, 2.0, 2.0, 5.0]
    """
    return _cumulative("cum_peak_to_peak", expr, PeakToPeak, reverse, min_samples=min_samples)


@_docs.fill
def cum_abs_max(expr: IntoExpr, *, min_samples: int = 1, reverse: bool = False) -> pl.Expr:
    """Largest absolute value so far (the dtype of Polars' ``abs().max()``).

    Parameters
    ----------
    $expr
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_abs_max(pl.Series("x", [1.0, -3.0, 2.0])))["x"].to_list()
    [1.0, 3.0, 3.0]
    """
    return _cumulative("cum_abs_max", expr, AbsMax, reverse, min_samples=min_samples)


@_docs.fill
def rolling_mean(
    expr: IntoExpr,
    window_size: int,
    weights: list[float] | None = None,
    *,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Mean over a rolling window of rows, as :meth:`polars.Expr.rolling_mean`.

    Parameters
    ----------
    $expr
    $window_size
    $weights
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0])
    >>> pl.select(pss.rolling_mean(s, 2))["x"].to_list()
    [None, 2.0, 2.5, 5.0]
    """
    _plugin.check_weights(weights)
    return _rolling(
        "rolling_mean", expr, RollingMean, center, window_size=window_size, min_samples=min_samples
    )


@_docs.fill
def rolling_var(
    expr: IntoExpr,
    window_size: int,
    weights: list[float] | None = None,
    *,
    min_samples: int | None = None,
    center: bool = False,
    ddof: int = 1,
) -> pl.Expr:
    """Variance over a rolling window of rows, as :meth:`polars.Expr.rolling_var`.

    Parameters
    ----------
    $expr
    $window_size
    $weights
    $min_samples_rolling
    $center
    $ddof

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0])
    >>> pl.select(pss.rolling_var(s, 2))["x"].to_list()
    [None, 2.0, 0.5, 18.0]
    """
    _plugin.check_weights(weights)
    return _rolling(
        "rolling_var",
        expr,
        RollingVar,
        center,
        window_size=window_size,
        ddof=ddof,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_std(
    expr: IntoExpr,
    window_size: int,
    weights: list[float] | None = None,
    *,
    min_samples: int | None = None,
    center: bool = False,
    ddof: int = 1,
) -> pl.Expr:
    """Standard deviation over a rolling window, as :meth:`polars.Expr.rolling_std`.

    Parameters
    ----------
    $expr
    $window_size
    $weights
    $min_samples_rolling
    $center
    $ddof

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0])
    >>> pl.select(pss.rolling_std(s, 3, min_samples=2))["x"].round(6).to_list()
    [None, 1.414214, 1.0, 3.21455]
    """
    _plugin.check_weights(weights)
    return _rolling(
        "rolling_std",
        expr,
        RollingStd,
        center,
        window_size=window_size,
        ddof=ddof,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_skew(
    expr: IntoExpr,
    window_size: int,
    *,
    bias: bool = True,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Skewness over a rolling window, as :meth:`polars.Expr.rolling_skew`.

    Parameters
    ----------
    $expr
    $window_size
    $bias
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0, 4.0])
    >>> pl.select(pss.rolling_skew(s, 3))["x"].round(6).to_list()
    [None, None, 0.0, 0.630904, 0.381802]
    """
    return _rolling(
        "rolling_skew",
        expr,
        RollingSkew,
        center,
        window_size=window_size,
        bias=bias,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_kurtosis(
    expr: IntoExpr,
    window_size: int,
    *,
    fisher: bool = True,
    bias: bool = True,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Kurtosis over a rolling window, as :meth:`polars.Expr.rolling_kurtosis`.

    Parameters
    ----------
    $expr
    $window_size
    $fisher
    $bias
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0, 4.0])
    >>> pl.select(pss.rolling_kurtosis(s, 4))["x"].round(6).to_list()
    [None, None, None, -0.839477, -0.902018]
    """
    return _rolling(
        "rolling_kurtosis",
        expr,
        RollingKurtosis,
        center,
        window_size=window_size,
        fisher=fisher,
        bias=bias,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_min(
    expr: IntoExpr,
    window_size: int,
    weights: list[float] | None = None,
    *,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Smallest value over a rolling window, as :meth:`polars.Expr.rolling_min` (NaN wins).

    Integer, decimal and temporal columns keep their dtype, exactly.

    Parameters
    ----------
    $expr
    $window_size
    $weights
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [4, 3, 5, 6])
    >>> pl.select(pss.rolling_min(s, 2))["x"].to_list()
    [None, 3, 3, 5]
    """
    _plugin.check_weights(weights)
    return _rolling(
        "rolling_min", expr, RollingMin, center, window_size=window_size, min_samples=min_samples
    )


@_docs.fill
def rolling_max(
    expr: IntoExpr,
    window_size: int,
    weights: list[float] | None = None,
    *,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Largest value over a rolling window, as :meth:`polars.Expr.rolling_max` (NaN wins).

    Integer, decimal and temporal columns keep their dtype, exactly.

    Parameters
    ----------
    $expr
    $window_size
    $weights
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [4.0, 3.0, 5.0, 6.0])
    >>> pl.select(pss.rolling_max(s, 2, min_samples=1))["x"].to_list()
    [4.0, 4.0, 5.0, 6.0]
    """
    _plugin.check_weights(weights)
    return _rolling(
        "rolling_max", expr, RollingMax, center, window_size=window_size, min_samples=min_samples
    )


@_docs.fill
def rolling_peak_to_peak(
    expr: IntoExpr,
    window_size: int,
    *,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Largest minus smallest value over a rolling window (``rolling_max - rolling_min``).

    The dtype is that of Polars' ``max() - min()``: integers keep theirs, temporals give a
    Duration.

    Parameters
    ----------
    $expr
    $window_size
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [4.0, 1.0, 5.0, 6.0])
    >>> pl.select(pss.rolling_peak_to_peak(s, 2))["x"].to_list()
    [None, 3.0, 4.0, 1.0]
    """
    return _rolling(
        "rolling_peak_to_peak",
        expr,
        RollingPeakToPeak,
        center,
        window_size=window_size,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_abs_max(
    expr: IntoExpr,
    window_size: int,
    *,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Largest absolute value over a rolling window (``abs().rolling_max()``).

    Parameters
    ----------
    $expr
    $window_size
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [4.0, -7.0, 5.0, 6.0])
    >>> pl.select(pss.rolling_abs_max(s, 2))["x"].to_list()
    [None, 7.0, 7.0, 6.0]
    """
    return _rolling(
        "rolling_abs_max",
        expr,
        RollingAbsMax,
        center,
        window_size=window_size,
        min_samples=min_samples,
    )
