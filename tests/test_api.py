"""The public function API: inputs, Polars' parameter layout, derived namespaces, typing."""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import polars.selectors as cs
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

import polars_streamstats as pss
from polars_streamstats import _plugin, namespace

# Untyped views, for calls that a type checker would (rightly) reject.
untyped: Any = pss


def ns(x: pl.Expr | pl.Series) -> Any:
    """The runtime-registered ``pss`` namespace of ``x`` (invisible to type checkers)."""
    return getattr(x, "pss")  # noqa: B009


FUNCTIONS: dict[str, Callable[..., pl.Expr]] = {
    name: getattr(pss, name)
    for name in pss.__all__
    if inspect.isfunction(getattr(pss, name)) and name != "__version__"
}

# Functions that have a Polars namespace twin: (Polars method, arguments after the input).
POLARS_TWINS = {
    "rolling_mean": (3,),
    "rolling_var": (3,),
    "rolling_std": (3,),
    "rolling_min": (3,),
    "rolling_max": (3,),
    "rolling_median": (3,),
    "rolling_quantile": (0.25,),
    "rolling_skew": (3,),
    "rolling_kurtosis": (4,),
    "ewm_mean": (),
    "ewm_var": (),
    "ewm_std": (),
}
POLARS_KWARGS: dict[str, dict[str, Any]] = {"ewm_mean": {"alpha": 0.3}}
POLARS_KWARGS["ewm_var"] = POLARS_KWARGS["ewm_std"] = POLARS_KWARGS["ewm_mean"]

# The time-window functions Polars has: (arguments after the input, keyword arguments).
BY_TWINS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "rolling_mean_by": (("t", "3i"), {}),
    "rolling_var_by": (("t", "3i"), {"ddof": 0}),
    "rolling_std_by": (("t", "3i"), {}),
    "rolling_min_by": (("t", "3i"), {"closed": "both"}),
    "rolling_max_by": (("t", "3i"), {"closed": "left"}),
    "rolling_median_by": (("t", "3i"), {"min_samples": 2}),
    "rolling_quantile_by": (("t", "3i"), {"quantile": 0.25, "closed": "none"}),
    "ewm_mean_by": (("t",), {"half_life": "2i"}),
}
BY_FUNCTIONS = sorted(n for n in FUNCTIONS if n.endswith("_by"))


def test_every_function_is_listed() -> None:
    assert len(FUNCTIONS) == 44
    assert set(FUNCTIONS) >= set(POLARS_TWINS) | set(BY_TWINS)
    assert {n.removesuffix("_by") for n in BY_FUNCTIONS} <= set(FUNCTIONS)
    assert len(BY_FUNCTIONS) == 16


@pytest.mark.parametrize("name", sorted(POLARS_TWINS))
def test_parameters_stand_where_polars_puts_them(name: str) -> None:
    ours = list(inspect.signature(FUNCTIONS[name]).parameters.values())[1:]
    theirs = list(inspect.signature(getattr(pl.Expr, name)).parameters.values())[1:]
    as_tuples = [(p.name, p.kind, p.default) for p in theirs]
    assert [(p.name, p.kind, p.default) for p in ours] == as_tuples


@pytest.mark.parametrize("name", sorted(POLARS_TWINS))
def test_same_positional_call_as_polars(name: str) -> None:
    s = pl.Series("x", [1.0, 4.0, 2.0, 8.0, 5.0, 7.0, 3.0, 3.5])
    args, kwargs = POLARS_TWINS[name], POLARS_KWARGS.get(name, {})
    ours = s.to_frame().select(getattr(ns(pl.col("x")), name)(*args, **kwargs))
    theirs = s.to_frame().select(getattr(pl.col("x"), name)(*args, **kwargs))
    assert_frame_equal(ours, theirs, check_exact=False, rel_tol=1e-12)
    assert_series_equal(getattr(ns(s), name)(*args, **kwargs), getattr(s, name)(*args, **kwargs))


@pytest.mark.parametrize("name", sorted(BY_TWINS))
def test_by_parameters_stand_where_polars_puts_them(name: str) -> None:
    ours = list(inspect.signature(FUNCTIONS[name]).parameters.values())[1:]
    theirs = list(inspect.signature(getattr(pl.Expr, name)).parameters.values())[1:]
    assert [(p.name, p.kind, p.default) for p in ours] == [
        (p.name, p.kind, p.default) for p in theirs
    ]


@pytest.mark.parametrize("name", BY_FUNCTIONS)
def test_by_functions_share_the_row_versions_options(name: str) -> None:
    """Same options and defaults as the row version, but min_samples=1 and closed for center."""
    ours = inspect.signature(FUNCTIONS[name]).parameters
    assert list(ours)[:2] == ["expr", "by"]
    assert all(p.kind is p.KEYWORD_ONLY for p in list(ours.values())[3:])
    if name.startswith("ewm_"):
        assert ours["half_life"].default is inspect.Parameter.empty
        return
    rows = inspect.signature(FUNCTIONS[name.removesuffix("_by")]).parameters
    assert (ours["min_samples"].default, ours["closed"].default) == (1, "right")
    shared = set(rows) - {"expr", "window_size", "weights", "center", "min_samples"}
    shared -= {"quantile", "interpolation"} if name == "rolling_quantile_by" else set()
    assert {k: ours[k].default for k in shared} == {k: rows[k].default for k in shared}
    assert set(ours) - set(rows) == {"by", "closed"}


BY_FRAME = pl.DataFrame(
    {
        "t": [0, 1, 1, 3, 7, 8, 8, 15, 16],
        "x": [1.0, 3.0, None, 8.0, 5.0, -2.0, 4.0, 6.0, 0.5],
    }
)


@pytest.mark.parametrize("name", sorted(BY_TWINS))
def test_by_same_call_as_polars(name: str) -> None:
    args, kwargs = BY_TWINS[name]
    theirs = BY_FRAME.select(getattr(pl.col("x"), name)(*args, **kwargs))
    ours = BY_FRAME.select(getattr(ns(pl.col("x")), name)(*args, **kwargs))
    assert_frame_equal(ours, theirs, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(BY_FRAME.select(FUNCTIONS[name]("x", *args, **kwargs)), ours)
    series_args = (BY_FRAME["t"], *args[1:])
    got = getattr(ns(BY_FRAME["x"]), name)(*series_args, **kwargs)
    assert_series_equal(got, ours.to_series())


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_namespace_methods_have_the_function_signature(name: str) -> None:
    function = FUNCTIONS[name]
    expected = list(inspect.signature(function).parameters.values())[1:]
    for space in (ns(pl.col("x")), ns(pl.Series("x", [1.0]))):
        method = getattr(space, name)
        assert list(inspect.signature(method).parameters.values()) == expected
        assert method.__doc__ == function.__doc__
    descriptor = namespace._Methods.__dict__[name]
    assert descriptor.function is function


def test_namespaces_list_exactly_the_functions() -> None:
    methods = {k for k, v in vars(namespace._Methods).items() if isinstance(v, namespace.Method)}
    assert methods == set(FUNCTIONS)


def test_series_namespace_keeps_name_and_values() -> None:
    s = pl.Series("price", [1.0, None, 3.0, 10.0])
    out = ns(s).cum_mean()
    assert out.name == "price"
    assert_series_equal(out, pl.select(pss.cum_mean(s)).to_series())
    unnamed = pl.Series([2.0, 4.0])
    assert ns(unnamed).rolling_max(1).to_list() == [2.0, 4.0]


# --- inputs -----------------------------------------------------------------------------

VALUES = [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "values",
    [
        np.array(VALUES),
        pd.Series(VALUES),
        VALUES,
        (1, 2, 3),
        pa.array(VALUES),
        pl.Series("v", VALUES),
    ],
    ids=["numpy", "pandas", "list", "tuple-ints", "pyarrow", "polars"],
)
def test_one_column_of_values_is_one_literal_column(values: Any) -> None:
    out = pl.select(pss.cum_mean(values)).to_series()
    assert out.to_list() == [1.0, 1.5, 2.0]
    # As Polars' own literal: pl.lit(np.array(...)).cum_sum() is one column.
    assert len(pl.select(pl.lit(np.array(VALUES)).cum_sum()).to_series()) == 3
    assert pl.select(pss.ewm_mean(values, alpha=0.5)).height == 3


def test_ewm_of_a_list_is_not_its_first_value() -> None:
    out = pl.select(pss.ewm_mean([5.0, 1.0, 1.0], alpha=0.5, adjust=False)).to_series()
    assert out.to_list() == [5.0, 3.0, 2.0]


DF = pl.DataFrame({"a": [1.0, 3.0, 2.0], "b": [10.0, 30.0, 20.0]})


@pytest.mark.parametrize(
    "columns",
    [["a", "b"], ("a", "b"), pl.col("a", "b"), pl.col(["a", "b"]), cs.numeric(), pl.all()],
    ids=["list", "tuple", "col-varargs", "col-list", "selector", "all"],
)
def test_several_columns_each_get_the_statistic(columns: Any) -> None:
    frame = DF
    got = frame.select(pss.cum_max(columns))
    assert got.columns == ["a", "b"]
    assert_frame_equal(got, frame.select(pl.col("a", "b").cum_max()))
    via_ns = frame.select(ns(pl.col("a", "b")).rolling_mean(2))
    assert_frame_equal(via_ns, frame.select(pl.col("a", "b").rolling_mean(2)))


def test_column_name_and_expression() -> None:
    assert_frame_equal(DF.select(pss.cum_mean("a")), DF.select(pss.cum_mean(pl.col("a"))))
    out = DF.select(pss.cum_mean(pl.col("a") * 2).alias("twice"))
    assert out["twice"].to_list() == [2.0, 4.0, 4.0]


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (5, TypeError),
        (2.5, TypeError),
        (None, TypeError),
        ({"a": 1}, TypeError),
        (["a", 1.0], TypeError),
        ([pl.col("a"), pl.col("b")], TypeError),
        ([], ValueError),
        (np.ones((2, 2)), TypeError),
        ([[1.0, 2.0], [3.0]], TypeError),
        (b"ab", TypeError),
    ],
    ids=["int", "float", "none", "dict", "mixed", "exprs", "empty", "2d", "nested", "bytes"],
)
def test_anything_else_names_the_argument(bad: Any, error: type[Exception]) -> None:
    for function in (untyped.cum_mean, untyped.rolling_median):
        with pytest.raises(error, match="`expr`"):
            function(bad) if function is untyped.cum_mean else function(bad, 3)


# --- options that only the functions have ---------------------------------------------


def test_weights_only_none() -> None:
    assert isinstance(pss.rolling_mean("a", 2, None), pl.Expr)
    for function in (pss.rolling_mean, pss.rolling_var, pss.rolling_median, pss.rolling_max):
        with pytest.raises(ValueError, match="`weights`"):
            function("a", 2, [0.5, 0.5])
    with pytest.raises(ValueError, match="`weights`"):
        pss.rolling_quantile("a", 0.5, "nearest", 2, [0.5, 0.5])


@pytest.mark.parametrize("bad", [1, "yes", None])
def test_center_and_reverse_must_be_bool(bad: object) -> None:
    with pytest.raises(TypeError, match="`center` must be a bool"):
        untyped.rolling_mean("a", 2, center=bad)
    with pytest.raises(TypeError, match="`reverse` must be a bool"):
        untyped.cum_mean("a", reverse=bad)


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n.startswith("cum_")])
def test_reverse_runs_from_the_end(name: str) -> None:
    s = pl.Series("x", [4.0, None, 1.0, 7.0, 2.0, 9.0, 3.0])
    args: tuple[Any, ...] = (0.5,) if name == "cum_quantile" else ()
    function = FUNCTIONS[name]
    forward_of_reversed = pl.select(function(s.reverse(), *args)).to_series().reverse()
    got = pl.select(function(s, *args, reverse=True)).to_series()
    assert_series_equal(got, forward_of_reversed)
    if name in ("cum_min", "cum_max"):  # null-free: as Polars' own reverse
        full = s.drop_nulls()
        theirs = getattr(full, name)(reverse=True)
        assert_series_equal(pl.select(function(full, reverse=True)).to_series(), theirs)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: untyped.rolling_mean("a", 2.0), "`window_size` must be an int, got float"),
        (lambda: untyped.rolling_mean("a", "5m"), "`window_size` must be an int, got str"),
        (lambda: untyped.rolling_mean("a", True), "`window_size` must be an int, got bool"),
        (lambda: untyped.rolling_quantile("a", "0.5"), "`quantile` must be a float, got str"),
        (lambda: untyped.ewm_mean("a", alpha=0.5, adjust="no"), "`adjust` must be a bool, got str"),
        (lambda: untyped.rolling_skew("a", 3, bias=None), "`bias` must be a bool, got NoneType"),
        (lambda: untyped.ewm_var("a", half_life=True), "`half_life` must be a float, got bool"),
        (lambda: untyped.ewm_std("a", half_life=[1.0]), "`half_life` must be a float, got list"),
    ],
)
def test_wrong_types_name_the_option_at_build_time(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize("size", [2**63, 2**64 - 1, 2**64, 10**30, -1])
def test_huge_or_negative_counts_fail_at_build_time(size: int) -> None:
    with pytest.raises(ValueError, match="`window_size`"):
        pss.rolling_mean("a", size)
    with pytest.raises(ValueError, match="`min_samples`"):
        pss.cum_mean("a", min_samples=size)
    with pytest.raises(ValueError, match="`min_samples`"):
        pss.rolling_quantile("a", 0.5, window_size=3, min_samples=size)


def test_largest_counts_still_run() -> None:
    big = 2**63 - 1
    out = DF.select(pss.rolling_mean("a", big, min_samples=1), pss.cum_mean("b", min_samples=big))
    assert out["a"].to_list() == [1.0, 2.0, 2.0]
    assert out["b"].to_list() == [None, None, None]


@pytest.mark.parametrize(
    "make",
    [
        lambda: untyped.rolling_mean("a", 2, min_samples=3),
        lambda: pss.rolling_median("a", 2, min_samples=3),
        lambda: untyped.rolling_quantile("a", 0.5, window_size=2, min_samples=3),
        lambda: pss.rolling_kurtosis("a", 2, min_samples=3),
        lambda: pss.rolling_iqr("a", 2, min_samples=3),
    ],
)
def test_min_samples_above_window_size(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="`min_samples`"):
        make()


def test_interpolation_with_p2_raises() -> None:
    with pytest.raises(ValueError, match="`interpolation`"):
        pss.cum_quantile("a", 0.5, "linear", method="p2")
    with pytest.raises(ValueError, match="`interpolation`"):
        pss.cum_iqr("a", interpolation="nearest", method="p2")
    assert isinstance(pss.cum_quantile("a", 0.5, method="p2"), pl.Expr)
    assert isinstance(pss.cum_median("a", method="p2"), pl.Expr)


def test_quantile_defaults_are_polars() -> None:
    s = pl.Series("x", [float(v) for v in np.random.default_rng(3).normal(size=300)])
    ours = pl.select(pss.rolling_quantile(s, 0.3, window_size=20)).to_series()
    assert_series_equal(ours, s.rolling_quantile(0.3, window_size=20))
    whole = pl.select(pss.cum_quantile(s, 0.3)).to_series()
    theirs = s.rolling_quantile(0.3, window_size=len(s), min_samples=1)
    assert_series_equal(whole, theirs)
    median = pl.select(pss.cum_median(s)).to_series()
    assert_series_equal(median, s.rolling_median(window_size=len(s), min_samples=1))


@pytest.mark.parametrize(
    "name", [n for n in FUNCTIONS if n.startswith("rolling_") and not n.endswith("_by")]
)
def test_window_size_zero_gives_nulls(name: str) -> None:
    function = FUNCTIONS[name]
    s = pl.Series("x", [1.0, 2.0, None, 4.0])
    args: tuple[Any, ...] = (0.5, "nearest", 0) if name == "rolling_quantile" else (0,)
    kwargs = {"alpha": 0.5} if name == "rolling_ewm_mean" else {}
    out = pl.select(function(s, *args, **kwargs)).to_series()
    assert out.null_count() == len(s)
    if name in ("rolling_mean", "rolling_median", "rolling_max"):
        assert_series_equal(out, getattr(s, name)(0))


# --- time windows: durations, closed, by ---------------------------------------------------


def _by_call(name: str, **options: Any) -> pl.Expr:
    """``name`` on ("x", "t") with a valid window/half-life unless ``options`` replace it."""
    function = FUNCTIONS[name]
    if name.startswith("ewm_"):
        return function("x", "t", **{"half_life": "2i", **options})
    window = options.pop("window_size", "3i")
    extra: dict[str, Any] = {"quantile": 0.5} if name == "rolling_quantile_by" else {}
    if name == "rolling_ewm_mean_by":
        extra = {"alpha": 0.5}
    return function("x", "t", window, **extra, **options)


def test_timedelta_is_an_exact_duration_string() -> None:
    assert _plugin.duration("window_size", timedelta(hours=1)) == "3600000000us"
    assert _plugin.duration("half_life", timedelta(days=2, microseconds=3)) == ("172800000003us")
    assert _plugin.duration("window_size", "1h30m") == "1h30m"
    assert _plugin.duration("window_size", pd.Timedelta(1, "ns")) == "1ns"
    assert _plugin.duration("window_size", pd.Timedelta("1s 5ns")) == "1000000005ns"
    assert _plugin.duration("window_size", pd.Timedelta("2s")) == "2000000us"


@pytest.mark.parametrize("name", BY_FUNCTIONS)
@pytest.mark.parametrize("bad", [5, 2.5, None, True, np.timedelta64(5, "m")])
def test_a_duration_must_be_a_string_or_timedelta(name: str, bad: object) -> None:
    option = "half_life" if name.startswith("ewm_") else "window_size"
    message = (
        f"`{option}` must be a duration string such as '5m' or a datetime.timedelta, "
        f"got {_plugin._type_name(bad)}"
    )
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        _by_call(name, **{option: bad})


@pytest.mark.parametrize("name", BY_FUNCTIONS)
@pytest.mark.parametrize(
    "bad", [timedelta(0), timedelta(microseconds=-1), -timedelta(hours=1), pd.Timedelta(0)]
)
def test_a_timedelta_must_be_positive(name: str, bad: object) -> None:
    option = "half_life" if name.startswith("ewm_") else "window_size"
    with pytest.raises(ValueError, match=f"`{option}` must be a positive duration"):
        _by_call(name, **{option: bad})


@pytest.mark.parametrize("name", [n for n in BY_FUNCTIONS if n.startswith("rolling_")])
def test_closed_is_one_of_four(name: str) -> None:
    with pytest.raises(ValueError, match="`closed` must be one of 'left', 'right', 'both', 'none'"):
        _by_call(name, closed="middle")
    with pytest.raises(TypeError, match=r"`closed` must be one of .*, got NoneType"):
        _by_call(name, closed=None)


@pytest.mark.parametrize("name", BY_FUNCTIONS)
@pytest.mark.parametrize("bad", ["5 minutes", "0i", "", "5x", "1mox", "-1mo"])
def test_bad_duration_strings_fail_at_build_time(name: str, bad: str) -> None:
    option = "half_life" if name.startswith("ewm_") else "window_size"
    with pytest.raises(ValueError, match=f"`{option}`"):
        _by_call(name, **{option: bad})


@pytest.mark.parametrize("name", BY_FUNCTIONS)
@pytest.mark.parametrize("calendar", ["1mo", "1y", "1q2d"])
def test_calendar_windows_build_and_half_lives_do_not(name: str, calendar: str) -> None:
    """A calendar window follows Polars when it runs (tests/test_by.py); a half-life must be
    a fixed duration, refused when the expression is built."""
    if name.startswith("ewm_"):
        with pytest.raises(ValueError, match="`half_life`"):
            _by_call(name, half_life=calendar)
    else:
        assert isinstance(_by_call(name, window_size=calendar), pl.Expr)


@pytest.mark.parametrize("name", BY_FUNCTIONS)
def test_by_follows_the_input_rule(name: str) -> None:
    function: Any = FUNCTIONS[name]
    args: tuple[Any, ...] = () if name.startswith("ewm_") else ("3i",)
    kwargs: dict[str, Any] = {"half_life": "2i"} if name.startswith("ewm_") else {}
    kwargs |= {"quantile": 0.5} if name == "rolling_quantile_by" else {}
    kwargs |= {"alpha": 0.5} if name == "rolling_ewm_mean_by" else {}
    for bad, error in ((5, TypeError), (None, TypeError), ([], ValueError), (b"t", TypeError)):
        with pytest.raises(error, match="`by`"):
            function("x", bad, *args, **kwargs)
    with pytest.raises(TypeError, match="`expr`"):
        function(5, "t", *args, **kwargs)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: untyped.rolling_mean("a", timedelta(hours=1)), "got datetime.timedelta"),
        (lambda: untyped.rolling_quantile("a", 0.5, "linear", "5m"), "got str"),
        (lambda: untyped.rolling_median("a", "5m"), "got str"),
        (lambda: untyped.rolling_iqr("a", "5m"), "got str"),
        (lambda: untyped.rolling_ewm_mean("a", "5m", alpha=0.5), "got str"),
    ],
)
def test_row_functions_refuse_a_duration_window(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TypeError, match=f"`window_size` must be an int, {message} .*_by`"):
        call()


@pytest.mark.parametrize("name", ["ewm_mean", "ewm_var", "ewm_std"])
def test_ewm_refuses_a_duration_half_life(name: str) -> None:
    with pytest.raises(TypeError, match=f"`half_life` must be a float, got str .*`{name}_by`"):
        FUNCTIONS[name]("a", half_life="1h")


def test_by_takes_a_datetime_column_and_a_timedelta() -> None:
    frame = pl.DataFrame(
        {
            "ts": [datetime(2024, 1, 1, 9, m) for m in (0, 1, 1, 3, 7)],
            "x": [1.0, 3.0, 2.0, 8.0, 5.0],
        }
    )
    ours = frame.select(pss.rolling_mean_by("x", "ts", timedelta(minutes=3)))
    assert_frame_equal(ours, frame.select(pl.col("x").rolling_mean_by("ts", "3m")))
    assert_frame_equal(ours, frame.select(pss.rolling_mean_by("x", pl.col("ts"), "180s")))


def test_series_namespace_takes_a_series_by() -> None:
    x = pl.Series("price", [1.0, 3.0, 2.0, 8.0])
    t = pl.Series("t", [3, 0, 1, 1])  # unsorted
    out = ns(x).rolling_max_by(t, "2i")
    assert out.name == "price"
    assert out.to_list() == [1.0, 3.0, 8.0, 8.0]
    assert_series_equal(out, x.rolling_max_by(t, "2i"))


# --- typing -------------------------------------------------------------------------------


def test_mypy_sees_the_namespace_signatures(tmp_path: Path) -> None:
    from mypy import api

    good = tmp_path / "good.py"
    good.write_text(
        textwrap.dedent(
            """
            import polars as pl
            import polars_streamstats as pss

            e: pl.Expr = pss.ExprNamespace(pl.col("x")).rolling_quantile(0.9, window_size=10)
            s: pl.Series = pss.SeriesNamespace(pl.Series([1.0])).cum_mean(min_samples=2)
            b: pl.Expr = pss.ExprNamespace(pl.col("x")).rolling_quantile_by(
                "t", "5m", quantile=0.9, closed="both"
            )
            """
        )
    )
    bad = tmp_path / "bad.py"
    bad.write_text(
        textwrap.dedent(
            """
            import polars as pl
            import polars_streamstats as pss

            pss.ExprNamespace(pl.col("x")).rolling_mean(window="5")
            e: pl.Expr = pss.SeriesNamespace(pl.Series([1.0])).cum_mean()
            pss.rolling_mean_by("x", "t", 5)
            pss.ewm_var_by("x", "t", half_life="1h", closed="left")
            """
        )
    )
    out, err, status = api.run(["--strict", str(good)])
    assert status == 0, out + err
    out, _, status = api.run(["--strict", str(bad)])
    assert status == 1
    assert 'Unexpected keyword argument "window"' in out
    assert 'Incompatible types in assignment (expression has type "Series"' in out
    assert 'Argument 3 to "rolling_mean_by" has incompatible type "int"' in out
    assert 'Unexpected keyword argument "closed" for "ewm_var_by"' in out
