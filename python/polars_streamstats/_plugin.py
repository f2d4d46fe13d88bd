"""Registration of the compiled Polars plugin functions, and the checks every function shares."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl
from polars.plugins import register_plugin_function

if TYPE_CHECKING:
    from polars._typing import IntoExpr

PLUGIN_PATH = Path(__file__).parent

_EXPR_KINDS = (
    "a column name, an expression (multi-column expressions and selectors give one output per "
    "column), a list of column names, or one column of values (a Polars or pandas Series, a "
    "1-D numpy or pyarrow array, or a list of numbers)"
)


def _type_name(x: object) -> str:
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _values_column(values: object, name: str) -> pl.Series:
    """A 1-D array-like as one Series, or a TypeError naming the argument."""
    try:
        s = pl.Series(values=values)  # type: ignore[arg-type]  # checked by Polars
    except Exception as e:
        msg = f"`{name}` could not be read as one column of values ({_type_name(values)}): {e}"
        raise TypeError(msg) from None
    if s.dtype.is_nested():
        msg = f"`{name}` must be one column of values, got a {s.dtype} column"
        raise TypeError(msg)
    return s


def as_input(expr: object, name: str = "expr") -> pl.Expr:
    """The input of a statistic as one expression, exactly as Polars would read it.

    A column name or an expression is used as it is (an expression naming several columns,
    a selector or ``pl.all()`` then gives the statistic of each column); a list of names is
    ``pl.col(names)``; a Series, a 1-D numpy/pyarrow array, a pandas Series or a list of
    numbers is one literal column. Anything else raises ``TypeError`` naming the argument:
    no input is ever dropped or split into several plugin arguments.
    """
    if isinstance(expr, pl.Expr):
        return expr
    if isinstance(expr, str):
        return pl.col(expr)
    if isinstance(expr, pl.Series):
        return pl.lit(expr)
    if isinstance(expr, Sequence) and not isinstance(expr, bytes | bytearray):
        items = list(expr)
        if not items:
            msg = f"`{name}` is an empty list: give column names or values"
            raise ValueError(msg)
        if all(isinstance(x, str) for x in items):
            return pl.col(items)
        if not any(isinstance(x, str | pl.Expr | pl.Series) for x in items):
            return pl.lit(_values_column(items, name))
        msg = (
            f"`{name}` must be {_EXPR_KINDS}; got a list of "
            f"{', '.join(sorted({_type_name(x) for x in items}))} (to apply the statistic to "
            "several expressions, call it once for each)"
        )
        raise TypeError(msg)
    module = type(expr).__module__.split(".")[0]
    if module in ("numpy", "pandas", "pyarrow") and hasattr(expr, "__len__"):
        if getattr(expr, "ndim", 1) != 1:
            msg = f"`{name}` must be one column of values, got a {expr.ndim}-D array"  # type: ignore[attr-defined]
            raise TypeError(msg)
        return pl.lit(_values_column(expr, name))
    msg = f"`{name}` must be {_EXPR_KINDS}; got {_type_name(expr)}"
    raise TypeError(msg)


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is a bool (a numpy bool too, as Polars), else a TypeError naming it."""
    if isinstance(value, bool):
        return value
    kind = type(value)
    if kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"):
        return bool(value)
    msg = f"`{name}` must be a bool, got {_type_name(value)}"
    raise TypeError(msg)


def check_weights(weights: object) -> None:
    """Polars' ``weights`` parameter, kept for its position; only ``None`` is supported."""
    if weights is not None:
        msg = "`weights` is not supported by polars-streamstats (only weights=None)"
        raise ValueError(msg)


def refuse_duration(function: str, name: str, value: object, expected: str) -> None:
    """Refuse a duration as ``function``'s row-count option ``name`` (its ``_by`` twin's)."""
    if isinstance(value, str | timedelta):
        msg = (
            f"`{name}` must be {expected}, got {_type_name(value)} (a duration is for "
            f"`{function}_by`, which takes the time column `by`)"
        )
        raise TypeError(msg)


def check_rows(function: str, window_size: object) -> None:
    """A row-count ``window_size`` is an int (a numpy int too); a duration is for ``_by``.

    The objects also take a duration there, so their message names both; a row-count
    function names only what it takes (the object then checks the range).
    """
    refuse_duration(function, "window_size", window_size, "an int")
    if isinstance(window_size, bool) or not isinstance(window_size, numbers.Integral):
        msg = f"`window_size` must be an int, got {_type_name(window_size)}"
        raise TypeError(msg)


def check_row_half_life(function: str, half_life: object) -> None:
    """A row-decay ``half_life`` (of ``ewm_*``) is a number or None; a duration is for ``_by``."""
    refuse_duration(function, "half_life", half_life, "a float")
    if half_life is not None and (
        isinstance(half_life, bool) or not isinstance(half_life, numbers.Real)
    ):
        msg = f"`half_life` must be a float, got {_type_name(half_life)}"
        raise TypeError(msg)


def duration(name: str, value: object) -> str:
    """A window length or half-life as the Polars duration string the ``_by`` plugins read.

    A string is passed on as it is (the object built from it checks it); a
    ``datetime.timedelta`` (a pandas ``Timedelta`` too) becomes its exact length in
    microseconds, ``"<n>us"`` (in nanoseconds, ``"<n>ns"``, when it has a nanosecond part).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, timedelta):
        micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
        nanos = getattr(value, "nanoseconds", 0)  # pandas.Timedelta: 0..999 ns beyond the us
        if micros < 0 or (micros == 0 and not nanos):
            msg = f"`{name}` must be a positive duration, got {value!r}"
            raise ValueError(msg)
        return f"{micros * 1000 + nanos}ns" if nanos else f"{micros}us"
    msg = (
        f"`{name}` must be a duration string such as '5m' or a datetime.timedelta, "
        f"got {_type_name(value)}"
    )
    raise TypeError(msg)


CLOSED: Final = ("left", "right", "both", "none")


def check_closed(closed: object) -> str:
    """``closed`` if it names one of Polars' four window ends, else an error naming it."""
    choices = ", ".join(repr(c) for c in CLOSED)
    if not isinstance(closed, str):
        msg = f"`closed` must be one of {choices}, got {_type_name(closed)}"
        raise TypeError(msg)
    if closed not in CLOSED:
        msg = f"`closed` must be one of {choices}, got {closed!r}"
        raise ValueError(msg)
    return closed


_NO_BY: Final = object()


def call(
    function_name: str,
    expr: IntoExpr,
    kwargs: dict[str, Any],
    *,
    reverse: bool = False,
    by: object = _NO_BY,
) -> pl.Expr:
    """Apply the plugin function ``function_name`` to ``expr``.

    Every statistic carries state from row to row, so it is registered as not elementwise:
    Polars then hands the plugin whole columns (or whole groups) in row order. With
    ``reverse`` the statistic runs from the last row to the first, as Polars' ``cum_*``.
    A ``by`` (the time column of a ``_by`` function, read by the same input rule as
    ``expr``) is the plugin's second input.
    """
    source = as_input(expr)
    args = [source] if by is _NO_BY else [source, as_input(by, "by")]
    if check_bool("reverse", reverse):
        if len(args) > 1:
            msg = "`reverse` is not supported with a `by` column"
            raise ValueError(msg)
        args = [source.reverse()]
    out = register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name=function_name,
        args=args,
        kwargs=kwargs,
        is_elementwise=False,
    )
    return out.reverse() if reverse else out
