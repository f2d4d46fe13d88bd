"""Exponentially weighted statistics as Polars expressions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from polars_streamstats import _docs, _plugin
from polars_streamstats._internal import EWMean, EWStd, EWVar, RollingEWMean

if TYPE_CHECKING:
    import polars as pl
    from polars._typing import IntoExpr

__all__ = ["ewm_mean", "ewm_std", "ewm_var", "rolling_ewm_mean"]


@_docs.fill
def ewm_mean(
    expr: IntoExpr,
    *,
    com: float | None = None,
    span: float | None = None,
    half_life: float | None = None,
    alpha: float | None = None,
    adjust: bool = True,
    min_samples: int = 1,
    ignore_nulls: bool = False,
) -> pl.Expr:
    r"""Exponentially weighted mean, with the semantics of :meth:`polars.Expr.ewm_mean`.

    Parameters
    ----------
    $expr
    $decay
    adjust
        Divide by the decaying sum of weights (True) or use the recursive form
        :math:`y_t = (1-\alpha) y_{t-1} + \alpha x_t` (False).
    min_samples
        Non-null values needed before a value is output (0 acts as 1).
    ignore_nulls
        If False, a null still ages the older values by :math:`1-\alpha`;
        if True, weights count only non-null values. Null rows always output null.

    $returns

    Raises
    ------
    ValueError
        When the options are invalid (raised here, not at collect time).

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"x": [1.0, 3.0, None, 2.0]})
    >>> df.select(pss.ewm_mean("x", alpha=0.5, adjust=False))["x"].to_list()
    [1.0, 2.0, None, 2.0]
    """
    _plugin.check_row_half_life("ewm_mean", half_life)
    opts = EWMean(
        com=com,
        span=span,
        half_life=half_life,
        alpha=alpha,
        adjust=adjust,
        min_samples=min_samples,
        ignore_nulls=ignore_nulls,
    )._options()
    return _plugin.call("ewm_mean", expr, opts)


@_docs.fill
def ewm_var(
    expr: IntoExpr,
    *,
    com: float | None = None,
    span: float | None = None,
    half_life: float | None = None,
    alpha: float | None = None,
    adjust: bool = True,
    bias: bool = False,
    min_samples: int = 1,
    ignore_nulls: bool = False,
) -> pl.Expr:
    r"""Exponentially weighted variance, with the semantics of :meth:`polars.Expr.ewm_var`.

    Computed with West's weighted update (no :math:`E[x^2]-E[x]^2`), so it keeps its
    precision on data far from zero.

    Parameters
    ----------
    $expr
    $decay
    adjust
        As in :func:`ewm_mean`.
    bias
        With False (the default) the weighted variance is scaled by
        :math:`(\sum w)^2 / ((\sum w)^2 - \sum w^2)`, which is null at the first value.
    min_samples
        Non-null values needed before a value is output (0 acts as 1).
    ignore_nulls
        As in :func:`ewm_mean`.

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0])
    >>> pl.select(pss.ewm_var(s, alpha=0.5, adjust=False, bias=True))["x"].to_list()
    [0.0, 1.0, 0.5]
    """
    _plugin.check_row_half_life("ewm_var", half_life)
    opts = EWVar(
        com=com,
        span=span,
        half_life=half_life,
        alpha=alpha,
        adjust=adjust,
        min_samples=min_samples,
        ignore_nulls=ignore_nulls,
        bias=bias,
    )._options()
    return _plugin.call("ewm_var", expr, opts)


@_docs.fill
def ewm_std(
    expr: IntoExpr,
    *,
    com: float | None = None,
    span: float | None = None,
    half_life: float | None = None,
    alpha: float | None = None,
    adjust: bool = True,
    bias: bool = False,
    min_samples: int = 1,
    ignore_nulls: bool = False,
) -> pl.Expr:
    """Exponentially weighted standard deviation: the square root of :func:`ewm_var`.

    Semantics of :meth:`polars.Expr.ewm_std`.

    Parameters
    ----------
    $expr
    $decay
    adjust
        As in :func:`ewm_mean`.
    bias
        As in :func:`ewm_var`.
    min_samples
        Non-null values needed before a value is output (0 acts as 1).
    ignore_nulls
        As in :func:`ewm_mean`.

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0])
    >>> pl.select(pss.ewm_std(s, alpha=0.5, adjust=False, bias=True))["x"].to_list()
    [0.0, 1.0, 0.7071067811865476]
    """
    _plugin.check_row_half_life("ewm_std", half_life)
    opts = EWStd(
        com=com,
        span=span,
        half_life=half_life,
        alpha=alpha,
        adjust=adjust,
        min_samples=min_samples,
        ignore_nulls=ignore_nulls,
        bias=bias,
    )._options()
    return _plugin.call("ewm_std", expr, opts)


@_docs.fill
def rolling_ewm_mean(
    expr: IntoExpr,
    window_size: int,
    *,
    com: float | None = None,
    span: float | None = None,
    half_life: float | None = None,
    alpha: float | None = None,
    min_samples: int = 1,
) -> pl.Expr:
    r"""Exponentially weighted mean of the last ``window_size`` rows.

    The value ``k`` rows back has weight :math:`(1-\alpha)^k`, normalised over the non-null
    values in the window. O(1) per row, whatever the window. A null row outputs null (as in
    :func:`ewm_mean`); ``min_samples`` counts the non-null values in the window. With a
    window at least as long as the data this is ``ewm_mean(adjust=True,
    ignore_nulls=False)``. A NaN or infinite value makes the output NaN or infinite while it
    is inside the window, and stops mattering once it has left.

    Parameters
    ----------
    $expr
    $window_size
    $decay
    min_samples
        Non-null values the window needs for a result (0 acts as 1).

    $returns

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 2.0, 3.0, 4.0])
    >>> pl.select(pss.rolling_ewm_mean(s, 2, alpha=0.5))["x"].to_list()
    [1.0, 1.6666666666666665, 2.6666666666666665, 3.6666666666666665]
    """
    _plugin.check_rows("rolling_ewm_mean", window_size)
    opts = RollingEWMean(
        window_size=window_size,
        com=com,
        span=span,
        half_life=half_life,
        alpha=alpha,
        min_samples=min_samples,
    )._options()
    return _plugin.call("rolling_ewm_mean", expr, opts)
