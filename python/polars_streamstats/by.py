"""Statistics over time windows (``rolling_*_by``) and time-decayed EW statistics (``ewm_*_by``).

Each function takes the values, then ``by``, the time of each row (Date, Datetime of any unit
with or without a time zone, or Int32/Int64/UInt32/UInt64), then the window as a Polars
duration (``"5m"``, ``"1h30m"``; ``"5i"`` for an integer ``by``) or a ``datetime.timedelta``,
with Polars' ``rolling_*_by`` / ``ewm_mean_by`` layout. Where Polars has the function the
semantics are Polars' exactly; the others (skew, kurtosis, peak-to-peak, abs-max, IQR, the EW
mean of a time window, the EW variance and standard deviation) follow the same rules:

- The window of the row at time ``t`` is ``(t - window_size, t]`` (``closed="right"``);
  ``"left"`` is ``[t - w, t)``, ``"both"`` ``[t - w, t]``, ``"none"`` ``(t - w, t)``.
- Rows with equal times share one window (each sees the later ones too).
- Null values take no part (``min_samples`` counts non-null values) and a null value row
  outputs the statistic of its window; a null ``by`` gives null and joins no window.
- ``by`` need not be sorted: rows are taken in time order, results written in row order.

The options are checked when the expression is built, by building the matching time-based
object (``RollingMean("5m", closed="right")``, ``EWMean(half_life="1h")``): an invalid
duration raises ``ValueError`` naming ``window_size`` or ``half_life`` there, not at collect.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from polars_streamstats import _docs, _plugin
from polars_streamstats._internal import (
    EWMean,
    EWStd,
    EWVar,
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
)

if TYPE_CHECKING:
    import polars as pl
    from polars._typing import IntoExpr

    from polars_streamstats.quantile import Interpolation

__all__ = [
    "ClosedInterval",
    "Duration",
    "ewm_mean_by",
    "ewm_std_by",
    "ewm_var_by",
    "rolling_abs_max_by",
    "rolling_ewm_mean_by",
    "rolling_iqr_by",
    "rolling_kurtosis_by",
    "rolling_max_by",
    "rolling_mean_by",
    "rolling_median_by",
    "rolling_min_by",
    "rolling_peak_to_peak_by",
    "rolling_quantile_by",
    "rolling_skew_by",
    "rolling_std_by",
    "rolling_var_by",
]

Duration = str | timedelta

# A positive Polars duration with calendar units (months, quarters, years).
_CALENDAR = re.compile(r"(?:\d+(?:ns|us|µs|ms|s|m|h|d|w|mo|q|y))+")
_CALENDAR_UNIT = re.compile(r"\d+(?:mo|q|y)(?![a-z])")
ClosedInterval = Literal["left", "right", "both", "none"]


def _window_options(
    build: Any, window_size: object, closed: object, *args: Any, **options: Any
) -> tuple[str, str, dict[str, Any]]:
    """The duration string, ``closed`` and the options checked by the time-based object."""
    window = _plugin.duration("window_size", window_size)
    end = _plugin.check_closed(closed)
    # The objects take fixed durations only; an expression follows Polars' calendar months,
    # quarters and years (checked by Polars' own parser when it runs), so the object checks
    # the other options with a fixed stand-in.
    checked = window
    if _CALENDAR.fullmatch(window) and _CALENDAR_UNIT.search(window):
        checked = "1ns"
    if args:  # RollingQuantile(quantile, interpolation, window_size, ...)
        opts: dict[str, Any] = build(*args, checked, closed=end, **options)._options()
    else:
        opts = build(checked, closed=end, **options)._options()
    opts.pop("closed", None)
    opts.pop("window_size")  # the plugin reads the duration string, not the object's form
    return window, end, opts


def _moment(
    function: str,
    expr: IntoExpr,
    by: IntoExpr,
    window_size: object,
    closed: object,
    build: Any,
    **options: Any,
) -> pl.Expr:
    """A moment or extreme: its options go in ``stat``, as for the row-count versions."""
    window, end, stat = _window_options(build, window_size, closed, **options)
    kwargs = {
        "window_size": window,
        "closed": end,
        "min_samples": stat.pop("min_samples"),
        "stat": stat,
    }
    return _plugin.call(function, expr, kwargs, by=by)


def _flat(
    function: str,
    expr: IntoExpr,
    by: IntoExpr,
    window_size: object,
    closed: object,
    build: Any,
    *args: Any,
    **options: Any,
) -> pl.Expr:
    """A quantile, IQR or windowed EW mean: its options sit next to the window's."""
    window, end, opts = _window_options(build, window_size, closed, *args, **options)
    kwargs = {**opts, "window_size": window, "closed": end}
    return _plugin.call(function, expr, kwargs, by=by)


@_docs.fill
def rolling_mean_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Mean over a time window, as :meth:`polars.Expr.rolling_mean_by`.

    $time_window

    Temporal values give a temporal mean (Date gives ``Datetime("us")``), Float32 stays
    Float32, other numbers give Float64.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> from datetime import datetime, timedelta
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame(
    ...     {
    ...         "ts": [datetime(2024, 1, 1, 9, m) for m in (0, 1, 1, 3, 7)],
    ...         "x": [1.0, 3.0, 2.0, 8.0, 5.0],
    ...     }
    ... )
    >>> df.select(pss.rolling_mean_by("x", "ts", "3m"))["x"].to_list()
    [1.0, 2.0, 2.0, 4.333333333333333, 5.0]
    >>> three_minutes = timedelta(minutes=3)
    >>> df.select(pss.rolling_mean_by("x", "ts", three_minutes, closed="both"))["x"].to_list()
    [1.0, 2.0, 2.0, 3.5, 5.0]

    A null value takes no part, a null time gives null:

    >>> df = pl.DataFrame({"t": [0, 1, 2, None, 3], "x": [1.0, None, 3.0, 4.0, 8.0]})
    >>> df.select(pss.rolling_mean_by("x", "t", "2i"))["x"].to_list()
    [1.0, 1.0, 3.0, None, 5.5]
    """
    return _moment(
        "rolling_mean_by", expr, by, window_size, closed, RollingMean, min_samples=min_samples
    )


@_docs.fill
def rolling_var_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
    ddof: int = 1,
) -> pl.Expr:
    """Variance over a time window, as :meth:`polars.Expr.rolling_var_by`.

    $time_window

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $min_samples_by
    $closed
    $ddof

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, 3.0, 2.0, 8.0, 5.0]})
    >>> df.select(pss.rolling_var_by("x", "t", "3i"))["x"].round(6).to_list()
    [None, 1.0, 1.0, 10.333333, None]
    """
    return _moment(
        "rolling_var_by",
        expr,
        by,
        window_size,
        closed,
        RollingVar,
        ddof=ddof,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_std_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
    ddof: int = 1,
) -> pl.Expr:
    """Standard deviation over a time window, as :meth:`polars.Expr.rolling_std_by`.

    $time_window

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $min_samples_by
    $closed
    $ddof

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, 3.0, 2.0, 8.0, 5.0]})
    >>> df.select(pss.rolling_std_by("x", "t", "3i"))["x"].round(6).to_list()
    [None, 1.0, 1.0, 3.21455, None]
    """
    return _moment(
        "rolling_std_by",
        expr,
        by,
        window_size,
        closed,
        RollingStd,
        ddof=ddof,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_skew_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    bias: bool = True,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Skewness over a time window, as :func:`rolling_skew` of the window's values.

    $time_window

    ``bias=True`` is ``m3 / m2**1.5`` (NaN for one value or constant data, as Polars'
    ``rolling_skew``); ``bias=False`` is pandas' adjusted estimator, null below 3 values.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $bias
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, 3.0, 2.0, 8.0, 5.0]})
    >>> df.select(pss.rolling_skew_by("x", "t", "3i"))["x"].round(6).to_list()
    [nan, 0.0, 0.0, 0.630904, nan]
    >>> df.select(pss.rolling_skew_by("x", "t", "3i", bias=False))["x"].round(6).to_list()
    [None, 0.0, 0.0, 1.545393, None]
    """
    return _moment(
        "rolling_skew_by",
        expr,
        by,
        window_size,
        closed,
        RollingSkew,
        bias=bias,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_kurtosis_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    fisher: bool = True,
    bias: bool = True,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Kurtosis over a time window, as :func:`rolling_kurtosis` of the window's values.

    $time_window

    ``bias=False`` (pandas' adjusted estimator) is null below 4 values.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $fisher
    $bias
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, 3.0, 2.0, 8.0, 5.0]})
    >>> out = df.select(pss.rolling_kurtosis_by("x", "t", "3i", closed="both"))
    >>> out["x"].round(6).to_list()
    [nan, -1.5, -1.5, -0.839477, nan]
    """
    return _moment(
        "rolling_kurtosis_by",
        expr,
        by,
        window_size,
        closed,
        RollingKurtosis,
        fisher=fisher,
        bias=bias,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_min_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Smallest value over a time window, as :meth:`polars.Expr.rolling_min_by` (NaN wins).

    $time_window

    Integer, decimal and temporal values keep their dtype, exactly.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1, 3, 2, 8, 5]})
    >>> df.select(pss.rolling_min_by("x", "t", "3i"))["x"].to_list()
    [1, 1, 1, 2, 5]
    """
    return _moment(
        "rolling_min_by", expr, by, window_size, closed, RollingMin, min_samples=min_samples
    )


@_docs.fill
def rolling_max_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Largest value over a time window, as :meth:`polars.Expr.rolling_max_by` (NaN wins).

    $time_window

    Integer, decimal and temporal values keep their dtype, exactly.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1, 3, 2, 8, 5]})
    >>> df.select(pss.rolling_max_by("x", "t", "3i"))["x"].to_list()
    [1, 3, 3, 8, 5]
    """
    return _moment(
        "rolling_max_by", expr, by, window_size, closed, RollingMax, min_samples=min_samples
    )


@_docs.fill
def rolling_peak_to_peak_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Largest minus smallest value over a time window (``rolling_max_by - rolling_min_by``).

    $time_window

    The dtype is that of Polars' ``max() - min()``: integers keep theirs, temporals give a
    Duration.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, 3.0, 2.0, 8.0, 5.0]})
    >>> df.select(pss.rolling_peak_to_peak_by("x", "t", "3i"))["x"].to_list()
    [0.0, 2.0, 2.0, 6.0, 0.0]
    """
    return _moment(
        "rolling_peak_to_peak_by",
        expr,
        by,
        window_size,
        closed,
        RollingPeakToPeak,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_abs_max_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Largest absolute value over a time window (``abs().rolling_max_by()``).

    $time_window

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, -3.0, 2.0, -8.0, 5.0]})
    >>> df.select(pss.rolling_abs_max_by("x", "t", "3i"))["x"].to_list()
    [1.0, 3.0, 3.0, 8.0, 5.0]
    """
    return _moment(
        "rolling_abs_max_by",
        expr,
        by,
        window_size,
        closed,
        RollingAbsMax,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_quantile_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    quantile: float,
    interpolation: Interpolation = "nearest",
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Exact quantile over a time window, as :meth:`polars.Expr.rolling_quantile_by`.

    $time_window

    The window's values are kept in an order-statistic set: O(log n) per row. Temporal
    values give temporal quantiles (Date gives ``Datetime("us")``), Float32 stays Float32,
    other numbers give Float64.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    quantile
        The quantile, in [0, 1].
    $interpolation
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, 3.0, 2.0, 8.0, 5.0]})
    >>> df.select(pss.rolling_quantile_by("x", "t", "3i", quantile=0.9))["x"].to_list()
    [1.0, 3.0, 3.0, 8.0, 5.0]
    >>> out = df.select(
    ...     pss.rolling_quantile_by("x", "t", "3i", quantile=0.25, interpolation="linear")
    ... )
    >>> out["x"].to_list()
    [1.0, 1.5, 1.5, 2.5, 5.0]
    """
    return _flat(
        "rolling_quantile_by",
        expr,
        by,
        window_size,
        closed,
        RollingQuantile,
        quantile,
        interpolation,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_median_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Exact median over a time window, as :meth:`polars.Expr.rolling_median_by`.

    The linear midpoint: :func:`rolling_quantile_by` with ``quantile=0.5`` and
    ``interpolation='linear'``.

    $time_window

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, 3.0, 2.0, 8.0, 5.0]})
    >>> df.select(pss.rolling_median_by("x", "t", "3i"))["x"].to_list()
    [1.0, 2.0, 2.0, 3.0, 5.0]
    """
    return rolling_quantile_by(
        expr,
        by,
        window_size,
        quantile=0.5,
        interpolation="linear",
        min_samples=min_samples,
        closed=closed,
    )


@_docs.fill
def rolling_iqr_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    q_inf: float = 0.25,
    q_sup: float = 0.75,
    interpolation: Interpolation = "nearest",
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    """Inter-quantile range ``quantile(q_sup) - quantile(q_inf)`` over a time window.

    $time_window

    One window serves both quantiles, which follow :func:`rolling_quantile_by`.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $quantile_bounds
    $interpolation
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 3, 7], "x": [1.0, 3.0, 2.0, 8.0, 5.0]})
    >>> df.select(pss.rolling_iqr_by("x", "t", "3i", interpolation="linear"))["x"].to_list()
    [0.0, 1.0, 1.0, 3.0, 0.0]
    """
    return _flat(
        "rolling_iqr_by",
        expr,
        by,
        window_size,
        closed,
        RollingIQR,
        q_inf=q_inf,
        q_sup=q_sup,
        interpolation=interpolation,
        min_samples=min_samples,
    )


@_docs.fill
def rolling_ewm_mean_by(
    expr: IntoExpr,
    by: IntoExpr,
    window_size: Duration,
    *,
    com: float | None = None,
    span: float | None = None,
    half_life: float | None = None,
    alpha: float | None = None,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
) -> pl.Expr:
    r"""Exponentially weighted mean of the rows in a time window; the decay is per row.

    Which rows are in the window is decided by time, as in :func:`rolling_mean_by`: for the
    row at time ``t``, those whose ``by`` lies in ``(t - window_size, t]`` (see ``closed``;
    rows with equal times share one window, a null ``by`` gives null and joins no window,
    ``by`` need not be sorted). Within the window the weights decay per row, as in
    :func:`rolling_ewm_mean`: in time order, the newest row of the window has weight 1 and
    the one ``k`` rows before it :math:`(1-\alpha)^k`, normalised over the non-null values
    (``com``, ``span``, ``half_life`` and ``alpha`` are counted in rows, not in time; for a
    decay in time see :func:`ewm_mean_by`). A null value row outputs null, as in
    :func:`rolling_ewm_mean` (unlike the other ``rolling_*_by`` functions), but still
    occupies its row in the windows of the others: it ages the values before it.
    ``min_samples`` counts the non-null values in the window.

    Parameters
    ----------
    $expr
    $by
    $window_size_by
    $decay
    $min_samples_by
    $closed

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 2, 5, 6], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> out = df.select(pss.rolling_ewm_mean_by("x", "t", "3i", alpha=0.5))
    >>> out["x"].round(6).to_list()
    [1.0, 1.666667, 2.428571, 4.0, 4.666667]
    >>> df = pl.DataFrame({"t": [0, 1, 1, 2], "x": [1.0, 3.0, None, 4.0]})
    >>> df.select(pss.rolling_ewm_mean_by("x", "t", "2i", alpha=0.5))["x"].round(6).to_list()
    [1.0, 2.333333, None, 3.8]
    """
    return _flat(
        "rolling_ewm_mean_by",
        expr,
        by,
        window_size,
        closed,
        RollingEWMean,
        com=com,
        span=span,
        half_life=half_life,
        alpha=alpha,
        min_samples=min_samples,
    )


def _half_life(build: Any, half_life: object, **options: Any) -> tuple[str, dict[str, Any]]:
    """The half-life as the duration string, and the options checked by the object."""
    duration = _plugin.duration("half_life", half_life)
    opts: dict[str, Any] = build(half_life=duration, **options)._options()
    return duration, opts


@_docs.fill
def ewm_mean_by(expr: IntoExpr, by: IntoExpr, *, half_life: Duration) -> pl.Expr:
    r"""Exponentially weighted mean with time-based decay, as :meth:`polars.Expr.ewm_mean_by`.

    A value :math:`\Delta t` older than the newest one is worth :math:`0.5^{\Delta t /
    half\_life}` of it: at each non-null value ``x``, with ``dt`` the time since the
    previous non-null value, :math:`\alpha = 1 - 0.5^{dt / half\_life}` and ``mean += alpha
    * (x - mean)``; the first non-null value starts the mean. A null value, or a null
    ``by``, outputs null. A value at the same time as the previous one gets
    :math:`\alpha = 0`: it does not move the mean (Polars' rule). ``by`` need not be
    sorted: rows are taken in time order, results written in row order.

    Parameters
    ----------
    $expr
    $by
    $half_life_by

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 2, 5], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> df.select(pss.ewm_mean_by("x", "t", half_life="1i"))["x"].to_list()
    [1.0, 1.5, 1.5, 2.75, 4.71875]
    """
    duration, _ = _half_life(EWMean, half_life)
    return _plugin.call("ewm_mean_by", expr, {"half_life": duration}, by=by)


@_docs.fill
def ewm_var_by(expr: IntoExpr, by: IntoExpr, *, half_life: Duration, bias: bool = False) -> pl.Expr:
    """Exponentially weighted variance with time-based decay (Polars has no ``ewm_var_by``).

    $ewm_var_by

    Parameters
    ----------
    $expr
    $by
    $half_life_by
    bias
        ``False`` (the default) gives the unbiased estimate, ``True`` the weighted variance.

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 2, 5], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> df.select(pss.ewm_var_by("x", "t", half_life="1i"))["x"].round(6).to_list()
    [None, 0.5, 0.5, 2.7, 3.346154]
    >>> df.select(pss.ewm_var_by("x", "t", half_life="1i", bias=True))["x"].to_list()
    [0.0, 0.25, 0.25, 1.6875, 0.7646484375]
    """
    duration, opts = _half_life(EWVar, half_life, bias=bias)
    return _plugin.call("ewm_var_by", expr, {"half_life": duration, "bias": opts["bias"]}, by=by)


@_docs.fill
def ewm_std_by(expr: IntoExpr, by: IntoExpr, *, half_life: Duration, bias: bool = False) -> pl.Expr:
    """Exponentially weighted standard deviation by time: the square root of :func:`ewm_var_by`.

    $ewm_var_by

    Parameters
    ----------
    $expr
    $by
    $half_life_by
    bias
        As in :func:`ewm_var_by`.

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"t": [0, 1, 1, 2, 5], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> df.select(pss.ewm_std_by("x", "t", half_life="1i", bias=True))["x"].round(6).to_list()
    [0.0, 0.5, 0.5, 1.299038, 0.874442]
    """
    duration, opts = _half_life(EWStd, half_life, bias=bias)
    return _plugin.call("ewm_std_by", expr, {"half_life": duration, "bias": opts["bias"]}, by=by)
