"""Quantiles and inter-quantile ranges as Polars expressions: cumulative and rolling.

Interpolation defaults are Polars': ``'nearest'`` for quantiles, the linear midpoint for
medians. NaN is a value that sorts above every number. A ``quantile`` outside [0, 1] raises
``ValueError`` when the expression is built (Polars 2.1 returns null, NaN or inf instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from polars_streamstats import _docs, _plugin
from polars_streamstats._internal import IQR, Quantile, RollingIQR, RollingQuantile

if TYPE_CHECKING:
    import polars as pl
    from polars._typing import IntoExpr

__all__ = [
    "Interpolation",
    "Method",
    "cum_iqr",
    "cum_median",
    "cum_quantile",
    "rolling_iqr",
    "rolling_median",
    "rolling_quantile",
]

Interpolation = Literal["nearest", "higher", "lower", "midpoint", "linear", "equiprobable"]
Method = Literal["exact", "p2"]


def _rolling(function: str, expr: IntoExpr, opts: Mapping[str, object], center: bool) -> pl.Expr:
    kwargs = {**opts, "center": _plugin.check_bool("center", center)}
    return _plugin.call(function, expr, kwargs)


@_docs.fill
def rolling_quantile(
    expr: IntoExpr,
    quantile: float,
    interpolation: Interpolation = "nearest",
    window_size: int = 2,
    weights: list[float] | None = None,
    *,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Exact quantile over a rolling window of rows, as :meth:`polars.Expr.rolling_quantile`.

    Same parameters, positions and defaults as Polars'. Temporal columns give temporal
    quantiles (Date gives ``Datetime("us")``), Float32 stays Float32, other numbers give
    Float64.

    Parameters
    ----------
    $expr
    quantile
        The quantile, in [0, 1].
    $interpolation
    $window_size
    $weights
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0, 5.0])
    >>> pl.select(pss.rolling_quantile(s, 0.5, window_size=3))["x"].to_list()
    [None, None, 2.0, 3.0, 5.0]
    >>> pl.select(pss.rolling_quantile(s, 0.25, "linear", 2))["x"].to_list()
    [None, 1.5, 2.25, 3.5, 5.75]
    """
    _plugin.check_weights(weights)
    _plugin.check_rows("rolling_quantile", window_size)
    opts = RollingQuantile(quantile, interpolation, window_size, min_samples=min_samples)._options()
    return _rolling("rolling_quantile", expr, opts, center)


@_docs.fill
def rolling_median(
    expr: IntoExpr,
    window_size: int,
    weights: list[float] | None = None,
    *,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Exact rolling median, as :meth:`polars.Expr.rolling_median` (linear at 0.5).

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
    >>> pl.select(pss.rolling_median(s, 2, min_samples=1))["x"].to_list()
    [1.0, 2.0, 2.5, 5.0]
    """
    _plugin.check_rows("rolling_median", window_size)
    return rolling_quantile(
        expr, 0.5, "linear", window_size, weights, min_samples=min_samples, center=center
    )


@_docs.fill
def cum_quantile(
    expr: IntoExpr,
    quantile: float,
    interpolation: Interpolation | None = None,
    *,
    method: Method = "exact",
    min_samples: int = 1,
    reverse: bool = False,
) -> pl.Expr:
    """Quantile of all values so far (an expanding window).

    ``method='exact'`` gives the same numbers as :func:`rolling_quantile` with a window
    covering the whole column; null rows output the quantile of the values so far.

    Parameters
    ----------
    $expr
    quantile
        The quantile, in [0, 1].
    $interpolation_cum
    $method
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [4.0, 1.0, None, 3.0])
    >>> pl.select(pss.cum_quantile(s, 0.5))["x"].to_list()
    [4.0, 4.0, 4.0, 3.0]
    >>> pl.select(pss.cum_quantile(s, 0.5, "linear"))["x"].to_list()
    [4.0, 2.5, 2.5, 3.0]
    """
    opts = Quantile(quantile, interpolation, method=method, min_samples=min_samples)._options()
    return _plugin.call("cum_quantile", expr, opts, reverse=reverse)


@_docs.fill
def cum_median(
    expr: IntoExpr,
    *,
    method: Method = "exact",
    min_samples: int = 1,
    reverse: bool = False,
) -> pl.Expr:
    """Median of all values so far: the linear midpoint, as Polars' ``median``.

    Parameters
    ----------
    $expr
    method
        ``'exact'`` (an order-statistic set) or ``'p2'`` (River's bounded-memory P²
        estimator).
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_median(pl.Series("x", [5.0, 1.0, 3.0])))["x"].to_list()
    [5.0, 3.0, 3.0]
    """
    interpolation: Interpolation | None = "linear" if method == "exact" else None
    return cum_quantile(
        expr, 0.5, interpolation, method=method, min_samples=min_samples, reverse=reverse
    )


@_docs.fill
def cum_iqr(
    expr: IntoExpr,
    *,
    q_inf: float = 0.25,
    q_sup: float = 0.75,
    interpolation: Interpolation | None = None,
    method: Method = "exact",
    min_samples: int = 1,
    reverse: bool = False,
) -> pl.Expr:
    """Inter-quantile range ``quantile(q_sup) - quantile(q_inf)`` of all values so far.

    ``method='p2'`` uses two P² estimators, as River's ``stats.IQR``.

    Parameters
    ----------
    $expr
    $quantile_bounds
    $interpolation_cum
    $method
    $min_samples_cum
    $reverse

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 2.0, 3.0, 4.0, 5.0])
    >>> pl.select(pss.cum_iqr(s, interpolation="linear"))["x"].to_list()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    opts = IQR(
        q_inf=q_inf,
        q_sup=q_sup,
        interpolation=interpolation,
        method=method,
        min_samples=min_samples,
    )._options()
    return _plugin.call("cum_iqr", expr, opts, reverse=reverse)


@_docs.fill
def rolling_iqr(
    expr: IntoExpr,
    window_size: int,
    *,
    q_inf: float = 0.25,
    q_sup: float = 0.75,
    interpolation: Interpolation = "nearest",
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Inter-quantile range over a rolling window of rows; one window serves both quantiles.

    Window, null and ``min_samples`` rules as in :func:`rolling_quantile`.

    Parameters
    ----------
    $expr
    $window_size
    $quantile_bounds
    $interpolation
    $min_samples_rolling
    $center

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 5.0, 2.0, 8.0, 3.0])
    >>> pl.select(pss.rolling_iqr(s, 3, interpolation="linear"))["x"].to_list()
    [None, None, 2.0, 3.0, 3.0]
    """
    _plugin.check_rows("rolling_iqr", window_size)
    opts = RollingIQR(
        window_size,
        q_inf=q_inf,
        q_sup=q_sup,
        interpolation=interpolation,
        min_samples=min_samples,
    )._options()
    return _rolling("rolling_iqr", expr, opts, center)
