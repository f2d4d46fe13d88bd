"""The ``pss`` namespaces: ``pl.col("x").pss.rolling_mean(20)`` and ``s.pss.rolling_mean(20)``.

Importing :mod:`polars_streamstats` registers both. Each method is derived from the
module-level function of the same name, whose signature is the only one written by hand:
the method takes the function's parameters after the input (same positions, same
defaults), and ``inspect.signature`` and ``help`` show exactly those.

Typing: Polars registers namespaces at run time, so type checkers do not know that
``pl.Expr`` has a ``pss`` attribute (mypy reports ``"Expr" has no attribute "pss"``). For
fully typed code call the functions (``pss.rolling_mean(pl.col("x"), 20)``) or wrap the
expression in the namespace class, whose methods are typed from the functions::

    pss.ExprNamespace(pl.col("x")).rolling_mean(20)     # mypy checks the arguments
    pss.SeriesNamespace(series).rolling_mean(20)        # -> pl.Series
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Concatenate, Generic, ParamSpec, Self, overload

import polars as pl

from polars_streamstats import by as b
from polars_streamstats import ewm
from polars_streamstats import moments as m
from polars_streamstats import quantile as q

__all__ = ["ExprNamespace", "Method", "SeriesNamespace"]

P = ParamSpec("P")


class Method(Generic[P]):
    """A namespace method made from a module-level function ``f(expr, *args, **kwargs)``.

    On an :class:`ExprNamespace` it returns ``f(expr, ...)``; on a :class:`SeriesNamespace`
    it runs ``f`` on the Series and returns the resulting Series.
    """

    def __init__(self, function: Callable[Concatenate[pl.Expr, P], pl.Expr]) -> None:
        self.function = function
        signature = inspect.signature(function)
        self.signature = signature.replace(parameters=list(signature.parameters.values())[1:])
        self.__doc__ = function.__doc__

    @overload
    def __get__(self, namespace: None, owner: type) -> Self: ...
    @overload
    def __get__(self, namespace: ExprNamespace, owner: type) -> Callable[P, pl.Expr]: ...
    @overload
    def __get__(self, namespace: SeriesNamespace, owner: type) -> Callable[P, pl.Series]: ...
    def __get__(
        self, namespace: ExprNamespace | SeriesNamespace | None, owner: type
    ) -> Self | Callable[P, pl.Expr] | Callable[P, pl.Series]:
        if namespace is None:
            return self
        function = self.function
        method: Callable[P, pl.Expr] | Callable[P, pl.Series]
        if isinstance(namespace, ExprNamespace):
            expr = namespace._expr

            def on_expr(*args: P.args, **kwargs: P.kwargs) -> pl.Expr:
                return function(expr, *args, **kwargs)

            method, returns = on_expr, "Expr"
        else:
            series = namespace._series

            def on_series(*args: P.args, **kwargs: P.kwargs) -> pl.Series:
                column = pl.col(series.name)
                return series.to_frame().select(function(column, *args, **kwargs)).to_series()

            method, returns = on_series, "Series"
        functools.update_wrapper(method, function)
        del method.__wrapped__  # type: ignore[union-attr]
        method.__signature__ = self.signature.replace(  # type: ignore[union-attr]
            return_annotation=returns
        )
        return method


class _Methods:
    """The methods both namespaces share: one line per module-level function."""

    ewm_mean = Method(ewm.ewm_mean)
    ewm_var = Method(ewm.ewm_var)
    ewm_std = Method(ewm.ewm_std)
    rolling_ewm_mean = Method(ewm.rolling_ewm_mean)
    rolling_quantile = Method(q.rolling_quantile)
    rolling_median = Method(q.rolling_median)
    rolling_iqr = Method(q.rolling_iqr)
    cum_quantile = Method(q.cum_quantile)
    cum_median = Method(q.cum_median)
    cum_iqr = Method(q.cum_iqr)
    cum_mean = Method(m.cum_mean)
    cum_var = Method(m.cum_var)
    cum_std = Method(m.cum_std)
    cum_skew = Method(m.cum_skew)
    cum_kurtosis = Method(m.cum_kurtosis)
    cum_min = Method(m.cum_min)
    cum_max = Method(m.cum_max)
    cum_peak_to_peak = Method(m.cum_peak_to_peak)
    cum_abs_max = Method(m.cum_abs_max)
    rolling_mean = Method(m.rolling_mean)
    rolling_var = Method(m.rolling_var)
    rolling_std = Method(m.rolling_std)
    rolling_skew = Method(m.rolling_skew)
    rolling_kurtosis = Method(m.rolling_kurtosis)
    rolling_min = Method(m.rolling_min)
    rolling_max = Method(m.rolling_max)
    rolling_peak_to_peak = Method(m.rolling_peak_to_peak)
    rolling_abs_max = Method(m.rolling_abs_max)
    ewm_mean_by = Method(b.ewm_mean_by)
    ewm_std_by = Method(b.ewm_std_by)
    ewm_var_by = Method(b.ewm_var_by)
    rolling_abs_max_by = Method(b.rolling_abs_max_by)
    rolling_ewm_mean_by = Method(b.rolling_ewm_mean_by)
    rolling_iqr_by = Method(b.rolling_iqr_by)
    rolling_kurtosis_by = Method(b.rolling_kurtosis_by)
    rolling_max_by = Method(b.rolling_max_by)
    rolling_mean_by = Method(b.rolling_mean_by)
    rolling_median_by = Method(b.rolling_median_by)
    rolling_min_by = Method(b.rolling_min_by)
    rolling_peak_to_peak_by = Method(b.rolling_peak_to_peak_by)
    rolling_quantile_by = Method(b.rolling_quantile_by)
    rolling_skew_by = Method(b.rolling_skew_by)
    rolling_std_by = Method(b.rolling_std_by)
    rolling_var_by = Method(b.rolling_var_by)


@pl.api.register_expr_namespace("pss")
class ExprNamespace(_Methods):
    """Every polars-streamstats function as a method of an expression.

    Registered as ``pl.Expr.pss``; also usable directly, typed, as ``ExprNamespace(expr)``.

    Parameters
    ----------
    expr
        The input of every method.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> df = pl.DataFrame({"x": [1.0, 3.0, 2.0, 8.0]})
    >>> df.select(pl.col("x").pss.rolling_mean(2))["x"].to_list()
    [None, 2.0, 2.5, 5.0]
    >>> df.select(pss.ExprNamespace(pl.col("x")).cum_max())["x"].to_list()
    [1.0, 3.0, 3.0, 8.0]
    >>> df = df.with_columns(t=pl.Series([0, 1, 1, 3]))
    >>> df.select(pl.col("x").pss.rolling_max_by("t", "2i"))["x"].to_list()
    [1.0, 3.0, 3.0, 8.0]
    """

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr


@pl.api.register_series_namespace("pss")
class SeriesNamespace(_Methods):
    """Every polars-streamstats function as a method of a Series (eager, returns a Series).

    Registered as ``pl.Series.pss``; also usable directly, typed, as ``SeriesNamespace(s)``.

    Parameters
    ----------
    series
        The input of every method; the output keeps its name.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> s = pl.Series("x", [1.0, 3.0, 2.0, 8.0])
    >>> s.pss.rolling_quantile(0.5, "linear", 2).to_list()
    [None, 2.0, 2.5, 5.0]
    >>> pss.SeriesNamespace(s).cum_mean().to_list()
    [1.0, 2.0, 2.0, 3.5]
    >>> s.pss.rolling_mean_by(pl.Series([0, 1, 1, 3]), "2i").to_list()  # `by`: a Series
    [1.0, 2.0, 2.0, 8.0]
    """

    def __init__(self, series: pl.Series) -> None:
        self._series = series
