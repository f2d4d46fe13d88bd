"""Quantiles and inter-quantile ranges as Polars expressions: cumulative and rolling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from polars_streamstats import _plugin
from polars_streamstats._internal import IQR, Quantile, RollingIQR, RollingQuantile

if TYPE_CHECKING:
    import polars as pl
    from polars._typing import IntoExpr

__all__ = [
    "Interpolation",
    "cum_iqr",
    "cum_median",
    "cum_quantile",
    "rolling_iqr",
    "rolling_median",
    "rolling_quantile",
]

Interpolation = Literal["nearest", "higher", "lower", "midpoint", "linear", "equiprobable"]
Method = Literal["exact", "p2"]


def _options(build: Any, renames: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """Validate options by building the matching object (one source of truth, in Rust).

    The objects call the quantile ``q``; the expressions call it ``quantile``, as Polars does:
    error messages are renamed accordingly.
    """
    try:
        opts: dict[str, Any] = build(**kwargs)._options()
    except ValueError as e:
        message = str(e)
        for ours, theirs in renames.items():
            message = message.replace(f"`{ours}`", f"`{theirs}`")
        raise ValueError(message) from None
    return opts


def _center(center: object) -> bool:
    if not isinstance(center, bool):
        msg = f"`center` must be a bool (found {type(center).__name__})"
        raise TypeError(msg)
    return center


def rolling_quantile(
    expr: IntoExpr,
    quantile: float,
    *,
    window_size: int,
    interpolation: Interpolation = "linear",
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    r"""Exact quantile over a rolling window of rows, as :meth:`polars.Expr.rolling_quantile`.

    Parameters
    ----------
    expr
        A column name or expression of numbers.
    quantile
        The quantile, in [0, 1].
    window_size
        Rows in the window (>= 1). Nulls occupy rows of the window but are not counted.
    interpolation
        With ``n`` non-null values in the window and ``h = (n - 1) * quantile``:
        ``'linear'`` (default; note Polars' default is ``'nearest'``), ``'lower'``,
        ``'higher'``, ``'midpoint'``, ``'nearest'`` (rounds half away from zero, as Polars;
        numpy and pandas round half to even) or ``'equiprobable'``.
    min_samples
        Non-null values needed for a result; ``None`` means ``window_size``, as in Polars.
    center
        Centre the window on the row (Polars' placement) instead of ending it there.

    NaN is a value that sorts above every number. Unlike Polars, a ``quantile`` outside
    [0, 1] raises ``ValueError`` here instead of panicking.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0, 5.0])
    >>> pl.select(pss.rolling_quantile(s, 0.5, window_size=3))["x"].to_list()
    [None, None, 2.0, 3.0, 5.0]
    """
    opts = _options(
        RollingQuantile,
        {"q": "quantile"},
        q=quantile,
        window_size=window_size,
        interpolation=interpolation,
        min_samples=min_samples,
    )
    return _plugin.call("rolling_quantile", expr, {**opts, "center": _center(center)})


def rolling_median(
    expr: IntoExpr,
    *,
    window_size: int,
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Exact rolling median: :func:`rolling_quantile` at 0.5, linear (as Polars).

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0])
    >>> pl.select(pss.rolling_median(s, window_size=2, min_samples=1))["x"].to_list()
    [1.0, 2.0, 2.5, 5.0]
    """
    return rolling_quantile(
        expr, 0.5, window_size=window_size, min_samples=min_samples, center=center
    )


def cum_quantile(
    expr: IntoExpr,
    quantile: float,
    *,
    interpolation: Interpolation = "linear",
    method: Method = "exact",
    min_samples: int = 1,
) -> pl.Expr:
    """Quantile of all values so far (an expanding window).

    ``method='exact'`` keeps every value in an order-statistic set (O(log n) per row) and
    gives the same numbers as :func:`rolling_quantile` with a window covering the whole
    column. ``method='p2'`` is the bounded-memory P² estimator, identical to River's
    ``stats.Quantile`` (``interpolation`` does not apply to it; a NaN makes it NaN from then
    on). Null rows output the quantile of the values so far.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [4.0, 1.0, None, 3.0])
    >>> pl.select(pss.cum_quantile(s, 0.5))["x"].to_list()
    [4.0, 2.5, 2.5, 3.0]
    """
    opts = _options(
        Quantile,
        {"q": "quantile"},
        q=quantile,
        interpolation=interpolation,
        method=method,
        min_samples=min_samples,
    )
    return _plugin.call("cum_quantile", expr, opts)


def cum_median(
    expr: IntoExpr,
    *,
    interpolation: Interpolation = "linear",
    method: Method = "exact",
    min_samples: int = 1,
) -> pl.Expr:
    """Median of all values so far: :func:`cum_quantile` at 0.5.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_median(pl.Series("x", [5.0, 1.0, 3.0])))["x"].to_list()
    [5.0, 3.0, 3.0]
    """
    return cum_quantile(
        expr, 0.5, interpolation=interpolation, method=method, min_samples=min_samples
    )


def cum_iqr(
    expr: IntoExpr,
    *,
    q_inf: float = 0.25,
    q_sup: float = 0.75,
    interpolation: Interpolation = "linear",
    method: Method = "exact",
    min_samples: int = 1,
) -> pl.Expr:
    """Inter-quantile range ``quantile(q_sup) - quantile(q_inf)`` of all values so far.

    ``method='p2'`` uses two P² estimators, as River's ``stats.IQR``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> pl.select(pss.cum_iqr(pl.Series("x", [1.0, 2.0, 3.0, 4.0, 5.0])))["x"].to_list()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    opts = _options(
        IQR,
        {},
        q_inf=q_inf,
        q_sup=q_sup,
        interpolation=interpolation,
        method=method,
        min_samples=min_samples,
    )
    return _plugin.call("cum_iqr", expr, opts)


def rolling_iqr(
    expr: IntoExpr,
    *,
    window_size: int,
    q_inf: float = 0.25,
    q_sup: float = 0.75,
    interpolation: Interpolation = "linear",
    min_samples: int | None = None,
    center: bool = False,
) -> pl.Expr:
    """Inter-quantile range over a rolling window of rows; one window serves both quantiles.

    Window, null and ``min_samples`` rules as in :func:`rolling_quantile`.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 5.0, 2.0, 8.0, 3.0])
    >>> pl.select(pss.rolling_iqr(s, window_size=3))["x"].to_list()
    [None, None, 2.0, 3.0, 3.0]
    """
    opts = _options(
        RollingIQR,
        {},
        window_size=window_size,
        q_inf=q_inf,
        q_sup=q_sup,
        interpolation=interpolation,
        min_samples=min_samples,
    )
    return _plugin.call("rolling_iqr", expr, {**opts, "center": _center(center)})
