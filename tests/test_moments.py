"""Moments and extremes: Polars, pandas and River as oracles, the objects, merge, revert."""

from __future__ import annotations

import copy
import itertools
import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

import polars_streamstats as pss
from tests.helpers import chunked, needs_polars_2_moments

Value = float | None
Opts = dict[str, Any]

KINDS = ["mean", "var", "std", "skew", "kurtosis", "min", "max", "peak_to_peak", "abs_max"]
EXTREMES = {"min", "max", "peak_to_peak", "abs_max"}
CLASS_OF = {
    "mean": "Mean",
    "var": "Var",
    "std": "Std",
    "skew": "Skew",
    "kurtosis": "Kurtosis",
    "min": "Min",
    "max": "Max",
    "peak_to_peak": "PeakToPeak",
    "abs_max": "AbsMax",
}
KIND_OF = {cls: kind for kind, cls in CLASS_OF.items()}
CUMULATIVE_CLASSES = [CLASS_OF[k] for k in KINDS]
ROLLING_CLASSES = [f"Rolling{c}" for c in CUMULATIVE_CLASSES]
ALL_CLASSES = CUMULATIVE_CLASSES + ROLLING_CLASSES
REVERTIBLE = ["Mean", "Var", "Std", "Skew", "Kurtosis"]

# Every statistic with every combination of its own options.
VARIANTS: list[tuple[str, Opts]] = [
    ("mean", {}),
    *[("var", {"ddof": d}) for d in (0, 1, 2)],
    *[("std", {"ddof": d}) for d in (0, 1, 2)],
    *[("skew", {"bias": b}) for b in (True, False)],
    *[("kurtosis", {"fisher": f, "bias": b}) for f in (True, False) for b in (True, False)],
    ("min", {}),
    ("max", {}),
    ("peak_to_peak", {}),
    ("abs_max", {}),
]


def variant_id(kind: str, opts: Opts) -> str:
    return "-".join([kind, *(f"{k}={v}" for k, v in opts.items())])


VARIANT_IDS = [variant_id(k, o) for k, o in VARIANTS]
TOL = 1e-9  # different algorithms: Polars recomputes, we merge summaries
TOL32 = 1e-5


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def ours_rolling(
    s: pl.Series | pl.Expr,
    kind: str,
    opts: Opts,
    window: int,
    min_samples: int | None,
    center: bool,
) -> pl.Series:
    fn: Callable[..., pl.Expr] = getattr(pss, f"rolling_{kind}")
    expr = fn(s, window_size=window, min_samples=min_samples, center=center, **opts)
    return pl.select(expr).to_series()


def ours_cum(s: pl.Series | pl.Expr, kind: str, opts: Opts, min_samples: int = 1) -> pl.Series:
    fn: Callable[..., pl.Expr] = getattr(pss, f"cum_{kind}")
    return pl.select(fn(s, min_samples=min_samples, **opts)).to_series()


def polars_rolling(
    s: pl.Series, kind: str, opts: Opts, window: int, min_samples: int | None, center: bool
) -> pl.Series:
    """Polars' own rolling_* (the oracle); Float32 as Float64 rounded; the moments of integers
    as Float64, the extremes of integers in their own dtype (as Polars, and as we do)."""
    if s.dtype == pl.Float32:
        return polars_rolling(s.cast(pl.Float64), kind, opts, window, min_samples, center).cast(
            pl.Float32
        )
    if s.dtype != pl.Float64 and not (s.dtype.is_integer() and kind in EXTREMES):
        s = s.cast(pl.Float64)
    if min_samples is not None and min_samples > window:
        # Polars refuses; the window never holds enough values, so every row is null.
        return pl.Series(s.name, [None] * s.len(), dtype=s.dtype)
    kw: Opts = {"window_size": window, "min_samples": min_samples, "center": center}
    if kind == "peak_to_peak":
        return s.rolling_max(**kw) - s.rolling_min(**kw)
    if kind == "abs_max":
        return s.abs().rolling_max(**kw)
    out: pl.Series = getattr(s, f"rolling_{kind}")(**kw, **opts)
    return out


def same(a: Value, b: Value) -> bool:
    """Equal, NaN equal to NaN, null only equal to null."""
    if a is None or b is None:
        return a is None and b is None
    return a == b or (math.isnan(a) and math.isnan(b))


def first_difference(ours: pl.Series, theirs: pl.Series, tol: float) -> str | None:
    """The first row where ``ours`` and ``theirs`` differ (null/NaN/inf exactly), if any."""
    if ours.len() != theirs.len():
        return f"lengths {ours.len()} != {theirs.len()}"
    for i, (a, b) in enumerate(zip(ours.to_list(), theirs.to_list(), strict=True)):
        if a is None or b is None or math.isnan(a) or math.isnan(b) or math.isinf(b):
            ok = same(a, b)
        else:
            ok = not math.isnan(a) and abs(a - b) <= tol + tol * abs(b)
        if not ok:
            return f"row {i}: ours {a!r}, expected {b!r}"
    return None


def check(ours: pl.Series, theirs: pl.Series, tol: float, context: str) -> None:
    assert ours.dtype == theirs.dtype, context
    diff = first_difference(ours, theirs, tol)
    assert diff is None, f"{context}: {diff}"
    assert ours.is_null().to_list() == theirs.is_null().to_list(), context
    assert ours.is_nan().fill_null(False).to_list() == theirs.is_nan().fill_null(False).to_list()
    assert_series_equal(ours, theirs, check_names=False, rel_tol=tol, abs_tol=tol)


N = 300
DATASETS = [
    "normal",
    "nulls",
    "nan",
    "inf",
    "mixed",
    "ints",
    "float32",
    "empty",
    "all_null",
    "constant",
]


def dataset(name: str) -> pl.Series:
    rng = np.random.default_rng(7)
    values: list[Value] = [float(v) for v in rng.normal(0.0, 1.0, N)]
    if name == "nulls":  # leading nulls, scattered nulls, and a run longer than most windows
        values = [
            None if i < 3 or i % 7 == 3 or 100 <= i < 140 else v for i, v in enumerate(values)
        ]
    elif name == "nan":
        values = [math.nan if i % 23 == 5 or 200 <= i < 205 else v for i, v in enumerate(values)]
    elif name == "inf":
        for i in range(N):
            if i % 31 == 7:
                values[i] = math.inf
            elif i % 37 == 11:
                values[i] = -math.inf
        values[150], values[151] = math.inf, -math.inf
    elif name == "mixed":
        for i in range(N):
            if i % 13 == 0:
                values[i] = None
            elif i % 29 == 4:
                values[i] = math.nan
            elif i % 41 == 9:
                values[i] = math.inf
            elif i % 43 == 10:
                values[i] = -math.inf
    elif name == "ints":
        ints = rng.integers(-50, 50, N)
        return pl.Series("x", [None if i % 9 == 2 else int(v) for i, v in enumerate(ints)])
    elif name == "float32":
        values = [None if i % 10 == 1 else v for i, v in enumerate(values)]
        return pl.Series("x", values, dtype=pl.Float32)
    elif name == "empty":
        values = []
    elif name == "all_null":
        values = [None] * 20
    elif name == "constant":  # exactly constant data: var 0, skew and kurtosis NaN
        values = [None if i % 5 == 2 else 2.5 for i in range(60)]
    else:
        assert name == "normal"
    return pl.Series("x", values, dtype=pl.Float64)


def make(cls: str, opts: Opts) -> Any:
    return getattr(pss, cls)(**opts)


def expression_of(cls: str, opts: Opts, s: pl.Series | pl.Expr | str) -> pl.Expr:
    """The expression that matches the object ``cls(**opts)``."""
    fn: Callable[..., pl.Expr]
    if cls.startswith("Rolling"):
        fn = getattr(pss, f"rolling_{KIND_OF[cls.removeprefix('Rolling')]}")
    else:
        fn = getattr(pss, f"cum_{KIND_OF[cls]}")
    return fn(s, **opts)


# ---------------------------------------------------------------------------------------------
# 1. Rolling: Polars is the oracle
# ---------------------------------------------------------------------------------------------


@needs_polars_2_moments
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("window", [1, 2, 3, 10, 100, 1000])
@pytest.mark.parametrize("data_name", DATASETS)
@pytest.mark.parametrize(("kind", "opts"), VARIANTS, ids=VARIANT_IDS)
def test_rolling_matches_polars(
    kind: str, opts: Opts, data_name: str, window: int, center: bool
) -> None:
    s = dataset(data_name)
    tol = TOL32 if s.dtype == pl.Float32 else TOL
    for min_samples in (None, 0, 1, 2):
        if min_samples is not None and min_samples > window:  # a ValueError, as in Polars
            with pytest.raises(ValueError, match="`min_samples`"):
                ours_rolling(s, kind, opts, window, min_samples, center)
            continue
        ours = ours_rolling(s, kind, opts, window, min_samples, center)
        theirs = polars_rolling(s, kind, opts, window, min_samples, center)
        float_out = pl.Float32 if s.dtype == pl.Float32 else pl.Float64
        assert ours.dtype == (s.dtype if s.dtype.is_integer() and kind in EXTREMES else float_out)
        check(ours, theirs, tol, f"min_samples={min_samples}")


@needs_polars_2_moments
@pytest.mark.parametrize("window", [3, 5, 10])
@pytest.mark.parametrize(("kind", "opts"), VARIANTS, ids=VARIANT_IDS)
def test_window_turning_constant_matches_polars(kind: str, opts: Opts, window: int) -> None:
    """Varying values, then a run of one (non-dyadic) value: Polars gives var 0, skew NaN."""
    rng = np.random.default_rng(3)
    values = [*rng.normal(0.0, 1.0, 20).tolist(), *[0.3] * 15, *rng.normal(0.0, 1.0, 10).tolist()]
    s = pl.Series("x", values)
    for center in (False, True):
        ours = ours_rolling(s, kind, opts, window, 1, center)
        theirs = polars_rolling(s, kind, opts, window, 1, center)
        check(ours, theirs, TOL, f"center={center}")


@pytest.mark.parametrize(("kind", "opts"), VARIANTS, ids=VARIANT_IDS)
def test_multi_chunk_equals_single_chunk(kind: str, opts: Opts) -> None:
    s = dataset("mixed")
    values = s.to_list()
    for pieces in (2, 7):
        multi = chunked(values, pieces)
        for window, center in [(1, False), (4, True), (25, False), (500, True)]:
            a = ours_rolling(multi, kind, opts, window, 1, center)
            b = ours_rolling(s, kind, opts, window, 1, center)
            assert_series_equal(a, b, check_exact=True)
        assert_series_equal(ours_cum(multi, kind, opts), ours_cum(s, kind, opts), check_exact=True)


# ---------------------------------------------------------------------------------------------
# 2. Cumulative = rolling over an unbounded window; pandas expanding()
# ---------------------------------------------------------------------------------------------


@needs_polars_2_moments
@pytest.mark.parametrize("data_name", DATASETS)
@pytest.mark.parametrize(("kind", "opts"), VARIANTS, ids=VARIANT_IDS)
def test_cumulative_is_rolling_over_whole_column(kind: str, opts: Opts, data_name: str) -> None:
    s = dataset(data_name)
    tol = TOL32 if s.dtype == pl.Float32 else TOL
    for min_samples in (0, 1, 2, 5):
        ours = ours_cum(s, kind, opts, min_samples)
        theirs = polars_rolling(s, kind, opts, max(s.len(), 1), min_samples, False)
        check(ours, theirs, tol, f"min_samples={min_samples}")
    # the default min_samples is 1
    fn: Callable[..., pl.Expr] = getattr(pss, f"cum_{kind}")
    default = pl.select(fn(s, **opts)).to_series()
    assert_series_equal(default, ours_cum(s, kind, opts, 1), check_exact=True)


PandasOracle = Callable[[Any, int], Any]
PANDAS_CASES: list[tuple[str, Opts, PandasOracle]] = [
    ("mean", {}, lambda p, m: p.expanding(min_periods=m).mean()),
    ("var", {"ddof": 1}, lambda p, m: p.expanding(min_periods=m).var(ddof=1)),
    ("var", {"ddof": 0}, lambda p, m: p.expanding(min_periods=m).var(ddof=0)),
    ("std", {"ddof": 1}, lambda p, m: p.expanding(min_periods=m).std(ddof=1)),
    ("std", {"ddof": 2}, lambda p, m: p.expanding(min_periods=m).std(ddof=2)),
    ("skew", {"bias": False}, lambda p, m: p.expanding(min_periods=m).skew()),
    ("kurtosis", {"bias": False}, lambda p, m: p.expanding(min_periods=m).kurt()),
    (
        "kurtosis",
        {"bias": False, "fisher": False},
        lambda p, m: p.expanding(min_periods=m).kurt() + 3.0,
    ),
    ("min", {}, lambda p, m: p.expanding(min_periods=m).min()),
    ("max", {}, lambda p, m: p.expanding(min_periods=m).max()),
    (
        "peak_to_peak",
        {},
        lambda p, m: p.expanding(min_periods=m).max() - p.expanding(min_periods=m).min(),
    ),
    ("abs_max", {}, lambda p, m: p.abs().expanding(min_periods=m).max()),
]


@pytest.mark.parametrize(
    ("kind", "opts", "oracle"), PANDAS_CASES, ids=[variant_id(k, o) for k, o, _ in PANDAS_CASES]
)
def test_cumulative_matches_pandas_expanding(kind: str, opts: Opts, oracle: PandasOracle) -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(0.5, 2.0, 3_000)
    s = pl.Series("x", values).scatter(np.arange(0, 3_000, 13), None)
    s = s.scatter([0, 1], None)  # leading nulls
    p = pd.Series(s.to_numpy())  # nulls become NaN, pandas' missing value
    for min_samples in (1, 3, 10):
        ours = ours_cum(s, kind, opts, min_samples).to_numpy()
        theirs = np.asarray(oracle(p, min_samples), dtype=np.float64)
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12, equal_nan=True)


# ---------------------------------------------------------------------------------------------
# 3. River's stored vectors
# ---------------------------------------------------------------------------------------------


def test_river_reference_vectors(river_vectors: dict[str, Any]) -> None:
    xs: list[float] = river_vectors["input"]
    outs: dict[str, list[float]] = river_vectors["outputs"]
    s = pl.Series("x", xs)
    # (River's name, our object, our expression, first n where the definitions agree)
    cases: list[tuple[str, Any, pl.Expr, int]] = [
        ("Var(ddof=1)", pss.Var(ddof=1), pss.cum_var(s, ddof=1), 2),
        ("Skew(bias=False)", pss.Skew(bias=False), pss.cum_skew(s, bias=False), 3),
        ("Kurtosis(bias=False)", pss.Kurtosis(bias=False), pss.cum_kurtosis(s, bias=False), 4),
        ("PeakToPeak()", pss.PeakToPeak(), pss.cum_peak_to_peak(s), 1),
    ]
    for name, obj, expr, first in cases:
        river = outs[name]
        from_obj = [obj.update(x).get() for x in xs]
        from_expr = pl.select(expr).to_series().to_list()
        assert from_obj == from_expr, name  # bit for bit, nulls included
        for n, (got, want) in enumerate(zip(from_obj, river, strict=True), start=1):
            if n >= first:
                assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (name, n)
            else:
                # documented difference: River reports a number before the statistic exists
                assert got is None, (name, n)
                assert want is not None, (name, n)
                assert not math.isnan(want), (name, n)
    assert outs["PeakToPeak()"][0] == pss.PeakToPeak().update(xs[0]).get()  # both give 0.0
    assert outs["Var(ddof=1)"][0] == 0.0


def test_river_small_n_is_the_biased_statistic(river_vectors: dict[str, Any]) -> None:
    """River's Skew/Kurtosis give the biased statistic for n < 3 / n < 4; at n = 1 we give NaN."""
    xs: list[float] = river_vectors["input"]
    outs: dict[str, list[float]] = river_vectors["outputs"]
    skew = pss.Skew(bias=True).running(xs).to_list()
    kurt = pss.Kurtosis(bias=True).running(xs).to_list()
    s = pl.Series("x", xs)
    expr_skew = pl.select(pss.cum_skew(s)).to_series().to_list()
    expr_kurt = pl.select(pss.cum_kurtosis(s)).to_series().to_list()
    assert all(same(a, b) for a, b in zip(skew, expr_skew, strict=True))
    assert all(same(a, b) for a, b in zip(kurt, expr_kurt, strict=True))
    for got in (skew[0], kurt[0]):
        assert got is not None
        assert math.isnan(got)  # a single value: 0/0, as Polars
    assert outs["Skew(bias=False)"][0] == 0.0
    assert outs["Kurtosis(bias=False)"][0] == -3.0
    assert skew[1] == pytest.approx(outs["Skew(bias=False)"][1], abs=1e-12)
    for n in (2, 3):
        assert kurt[n - 1] == pytest.approx(outs["Kurtosis(bias=False)"][n - 1], rel=1e-12)


def test_live_river_agrees() -> None:
    river_stats = pytest.importorskip("river.stats")
    rng = np.random.default_rng(11)
    xs = [float(v) for v in rng.normal(1e3, 5.0, 400)]
    pairs: list[tuple[Any, Any, int]] = [
        (river_stats.Var(ddof=1), pss.Var(ddof=1), 2),
        (river_stats.Var(ddof=0), pss.Var(ddof=0), 1),
        (river_stats.Skew(bias=False), pss.Skew(bias=False), 3),
        (river_stats.Skew(bias=True), pss.Skew(bias=True), 2),
        (river_stats.Kurtosis(bias=False), pss.Kurtosis(bias=False), 4),
        (river_stats.Kurtosis(bias=True), pss.Kurtosis(bias=True), 2),
        (river_stats.PeakToPeak(), pss.PeakToPeak(), 1),
        (river_stats.Mean(), pss.Mean(), 1),
        (river_stats.Min(), pss.Min(), 1),
        (river_stats.Max(), pss.Max(), 1),
        (river_stats.AbsMax(), pss.AbsMax(), 1),
    ]
    for theirs, ours, first in pairs:
        for n, x in enumerate(xs, start=1):
            theirs.update(x)
            got = ours.update(x).get()
            if n >= first:
                assert got == pytest.approx(theirs.get(), rel=1e-9, abs=1e-9), (ours, n)
    for theirs, ours in [
        (river_stats.RollingMin(window_size=7), pss.RollingMin(window_size=7, min_samples=1)),
        (river_stats.RollingMax(window_size=7), pss.RollingMax(window_size=7, min_samples=1)),
        (
            river_stats.RollingAbsMax(window_size=5),
            pss.RollingAbsMax(window_size=5, min_samples=1),
        ),
        (
            river_stats.RollingPeakToPeak(window_size=9),
            pss.RollingPeakToPeak(window_size=9, min_samples=1),
        ),
    ]:
        for x in xs:
            theirs.update(x)
            assert ours.update(x).get() == theirs.get()


# ---------------------------------------------------------------------------------------------
# 4. Objects
# ---------------------------------------------------------------------------------------------

OBJECT_CASES: list[tuple[str, Opts]] = [
    ("Mean", {}),
    ("Mean", {"min_samples": 3}),
    ("Var", {}),
    ("Var", {"ddof": 0, "min_samples": 2}),
    ("Std", {"ddof": 2}),
    ("Skew", {}),
    ("Skew", {"bias": False}),
    ("Kurtosis", {}),
    ("Kurtosis", {"fisher": False, "bias": False}),
    ("Min", {}),
    ("Max", {"min_samples": 2}),
    ("PeakToPeak", {}),
    ("AbsMax", {"min_samples": 0}),
    ("RollingMean", {"window_size": 5}),
    ("RollingVar", {"window_size": 7, "ddof": 0, "min_samples": 2}),
    ("RollingStd", {"window_size": 4, "min_samples": 1}),
    ("RollingSkew", {"window_size": 6, "bias": False}),
    ("RollingKurtosis", {"window_size": 8, "fisher": False, "min_samples": 1}),
    ("RollingMin", {"window_size": 3}),
    ("RollingMax", {"window_size": 10, "min_samples": 1}),
    ("RollingPeakToPeak", {"window_size": 5, "min_samples": 2}),
    ("RollingAbsMax", {"window_size": 1}),
]
OBJECT_IDS = [variant_id(c, o) for c, o in OBJECT_CASES]


def test_object_cases_cover_every_class() -> None:
    assert {c for c, _ in OBJECT_CASES} == set(ALL_CLASSES)
    for cls in ALL_CLASSES:
        assert hasattr(pss, cls), cls
        assert cls in pss.__all__
    for kind in KINDS:
        for prefix in ("cum_", "rolling_"):
            assert hasattr(pss, prefix + kind)
            assert prefix + kind in pss.__all__


def object_data(n: int = 200, seed: int = 1, specials: bool = False) -> pl.Series:
    rng = np.random.default_rng(seed)
    values: list[Value] = [float(v) for v in rng.normal(10.0, 3.0, n)]
    for i in range(0, n, 9):
        values[i] = None
    if specials:
        a, b, c = n // 4, (3 * n) // 5, (4 * n) // 5
        values[a], values[b], values[c], values[c + 1] = math.nan, math.inf, -math.inf, math.inf
    return pl.Series("x", values)


@pytest.mark.parametrize("specials", [False, True])
@pytest.mark.parametrize(("cls", "opts"), OBJECT_CASES, ids=OBJECT_IDS)
def test_running_is_bit_identical_to_expression(cls: str, opts: Opts, specials: bool) -> None:
    s = object_data(specials=specials)
    expected = pl.select(expression_of(cls, opts, s)).to_series()
    assert_series_equal(make(cls, opts).running(s), expected, check_exact=True)
    multi = chunked(s.to_list(), 4)
    assert_series_equal(make(cls, opts).running(multi), expected, check_exact=True)
    lit = pl.select(expression_of(cls, opts, pl.lit(s))).to_series()
    assert_series_equal(lit, expected, check_exact=True, check_names=False)
    # Float32 in, Float32 out, for the object too
    s32 = s.cast(pl.Float32)
    out32 = make(cls, opts).running(s32)
    assert out32.dtype == pl.Float32
    assert_series_equal(
        out32, pl.select(expression_of(cls, opts, s32)).to_series(), check_exact=True
    )


@pytest.mark.parametrize(("cls", "opts"), OBJECT_CASES, ids=OBJECT_IDS)
def test_update_one_at_a_time_equals_update_many_and_running(cls: str, opts: Opts) -> None:
    s = object_data(80, seed=2, specials=True)
    values = s.to_list()
    expected = make(cls, opts).running(s).to_list()
    obj = make(cls, opts)
    assert obj.get() is None
    for i, (x, e) in enumerate(zip(values, expected, strict=True)):
        assert obj.update(x) is obj
        assert same(obj.get(), e), (i, obj.get(), e)
    many = make(cls, opts)
    assert many.update_many(s) is many
    assert same(many.get(), expected[-1])
    assert many.__getstate__() == obj.__getstate__()
    for batch in (values, tuple(values), pa.array(values)):
        assert same(make(cls, opts).update_many(batch).get(), expected[-1])
    # running() continues from the current state, batch after batch
    cont = make(cls, opts)
    parts = [cont.running(s[a:b]) for a, b in [(0, 1), (1, 30), (30, 30), (30, 61), (61, 80)]]
    assert_series_equal(pl.concat(parts), make(cls, opts).running(s), check_exact=True)


@pytest.mark.parametrize(("cls", "opts"), OBJECT_CASES, ids=OBJECT_IDS)
def test_update_many_accepts_numpy(cls: str, opts: Opts) -> None:
    dense = [v for v in object_data(50, seed=3).to_list() if v is not None]
    expected = make(cls, opts).update_many(pl.Series(dense)).get()
    for batch in (np.array(dense), dense, pa.array(dense)):
        assert same(make(cls, opts).update_many(batch).get(), expected)
    strided = np.repeat(np.array(dense), 2)[::2]
    assert not strided.flags["C_CONTIGUOUS"]
    assert same(make(cls, opts).update_many(strided).get(), expected)
    ints = make(cls, opts).update_many(np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.int64)).get()
    floats = make(cls, opts).update_many([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]).get()
    assert same(ints, floats)


@pytest.mark.parametrize("specials", [False, True])
@pytest.mark.parametrize(("cls", "opts"), OBJECT_CASES, ids=OBJECT_IDS)
def test_pickle_mid_stream_continues_identically(cls: str, opts: Opts, specials: bool) -> None:
    s = object_data(specials=specials)
    whole = make(cls, opts).running(s)
    for cut in (0, 1, 77, 200):
        obj = make(cls, opts)
        first = obj.running(s[:cut])
        restored = pickle.loads(pickle.dumps(obj))
        assert type(restored) is type(obj)
        assert repr(restored) == repr(obj)
        assert restored.__getstate__() == obj.__getstate__()
        second = restored.running(s[cut:])
        assert_series_equal(pl.concat([first, second]), whole, check_exact=True)
        # The original is untouched by the restored copy's progress.
        assert_series_equal(obj.running(s[cut:]), second, check_exact=True)


@pytest.mark.parametrize(("cls", "opts"), OBJECT_CASES, ids=OBJECT_IDS)
def test_copy_and_deepcopy_are_independent(cls: str, opts: Opts) -> None:
    obj = make(cls, opts).update_many(object_data(30))
    state, value = obj.__getstate__(), obj.get()
    for clone in (copy.copy(obj), copy.deepcopy(obj)):
        assert clone is not obj
        assert type(clone) is type(obj)
        assert same(clone.get(), value)
        assert clone.__getstate__() == state
        clone.update_many([1e6, -1e6] * 6 + [5e5])
        assert not same(clone.get(), value)
        assert obj.__getstate__() == state
        assert same(obj.get(), value)


@pytest.mark.parametrize(("cls", "opts"), OBJECT_CASES, ids=OBJECT_IDS)
def test_repr_names_class_options_and_value(cls: str, opts: Opts) -> None:
    obj = make(cls, opts)
    r = repr(obj)
    assert r.startswith(f"{cls}(")
    assert r.endswith(")")
    for k, v in opts.items():
        assert f"{k}={v}" in r, r
    assert "value=None" in r
    obj.update_many([2.0, 3.0, 7.0, 1.0, 4.0, 5.0, 9.0, 2.5, 8.0, 6.0, 3.5])
    value = obj.get()
    assert value is not None
    assert f"value={value!r}" in repr(obj)


def test_repr_shows_default_options() -> None:
    r = repr(pss.Var())
    assert r.startswith("Var(")
    assert "ddof=1" in r
    assert "min_samples=1" in r
    assert "value=None" in r
    r = repr(pss.Kurtosis())
    assert "fisher=True" in r
    assert "bias=True" in r
    assert "window_size=12" in repr(pss.RollingSkew(window_size=12))
    assert "value=2.5" in repr(pss.Mean().update(2.0).update(3.0))  # mean of 2 and 3, spelled


REVERT_CASES: list[tuple[str, Opts]] = [
    ("Mean", {}),
    ("Var", {}),
    ("Var", {"ddof": 0}),
    ("Std", {"ddof": 2}),
    ("Skew", {}),
    ("Skew", {"bias": False}),
    ("Kurtosis", {}),
    ("Kurtosis", {"fisher": False, "bias": False}),
]


@pytest.mark.parametrize(
    ("cls", "opts"), REVERT_CASES, ids=[variant_id(c, o) for c, o in REVERT_CASES]
)
def test_revert_removes_values(cls: str, opts: Opts) -> None:
    rng = np.random.default_rng(21)
    xs = [float(v) for v in rng.normal(5.0, 2.0, 120)]
    obj = make(cls, opts).update_many(xs)
    order = rng.permutation(50)  # revert the first 50 values, in another order
    for i in order:
        obj.revert(xs[int(i)])
    expected = make(cls, opts).update_many(xs[50:]).get()
    assert expected is not None
    assert obj.get() == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # the reverted summary keeps working
    ys = [float(v) for v in rng.normal(-1.0, 3.0, 30)]
    obj.update_many(ys)
    again = make(cls, opts).update_many(xs[50:] + ys).get()
    assert obj.get() == pytest.approx(again, rel=1e-9, abs=1e-12)
    for x in xs[50:] + ys:
        obj.revert(x)
    assert obj.get() is None  # empty again
    with pytest.raises(ValueError):  # noqa: PT011 - the message is not specified
        obj.revert(1.0)


@pytest.mark.parametrize("cls", REVERTIBLE)
def test_revert_on_empty_raises(cls: str) -> None:
    obj = make(cls, {})
    with pytest.raises(ValueError):  # noqa: PT011
        obj.revert(1.0)
    assert obj.get() is None
    one = make(cls, {}).update(4.0)
    one.revert(4.0)
    with pytest.raises(ValueError):  # noqa: PT011
        one.revert(4.0)


@pytest.mark.parametrize("cls", [c for c in ALL_CLASSES if c not in REVERTIBLE])
def test_no_revert_where_not_revertible(cls: str) -> None:
    opts: Opts = {"window_size": 3} if cls.startswith("Rolling") else {}
    assert not hasattr(make(cls, opts), "revert")


MERGE_CASES: list[tuple[str, Opts]] = [
    ("Mean", {}),
    ("Mean", {"min_samples": 5}),
    ("Var", {}),
    ("Var", {"ddof": 0}),
    ("Std", {"ddof": 2}),
    ("Skew", {}),
    ("Skew", {"bias": False}),
    ("Kurtosis", {}),
    ("Kurtosis", {"fisher": False, "bias": False}),
    ("Min", {}),
    ("Max", {}),
    ("PeakToPeak", {}),
    ("AbsMax", {"min_samples": 2}),
]
MERGE_IDS = [variant_id(c, o) for c, o in MERGE_CASES]


def close_merge(cls: str, got: Value, want: Value) -> bool:
    if cls in ("Min", "Max", "PeakToPeak", "AbsMax"):
        return same(got, want)
    if got is None or want is None or math.isnan(want) or math.isinf(want):
        return same(got, want)
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-14)


def test_merge_cases_cover_every_cumulative_class() -> None:
    assert {c for c, _ in MERGE_CASES} == set(CUMULATIVE_CLASSES)


@pytest.mark.parametrize("specials", ["none", "inf", "nan"])
@pytest.mark.parametrize(("cls", "opts"), MERGE_CASES, ids=MERGE_IDS)
def test_merge_equals_feeding_the_whole_stream(cls: str, opts: Opts, specials: str) -> None:
    xs = object_data(301, seed=5).to_list()
    if specials == "inf":
        xs[200] = math.inf
    elif specials == "nan":
        xs[40], xs[250] = math.nan, -math.inf
    extra = object_data(20, seed=6).to_list()
    whole = make(cls, opts).update_many(xs)
    after = copy.deepcopy(whole).running(extra).to_list()
    for k in (0, 1, 2, 3, 100, 299, 300, 301):
        a, b = make(cls, opts).update_many(xs[:k]), make(cls, opts).update_many(xs[k:])
        sa, sb = a.__getstate__(), b.__getstate__()
        c = a + b
        assert type(c) is type(a)
        assert c is not a
        assert c is not b
        assert a.__getstate__() == sa  # `a + b` leaves both operands alone
        assert b.__getstate__() == sb
        assert close_merge(cls, c.get(), whole.get()), (k, c.get(), whole.get())
        for got, want in zip(c.running(extra).to_list(), after, strict=True):
            assert close_merge(cls, got, want), (k, got, want)
        m = make(cls, opts).update_many(xs[:k])
        assert m.merge(b) is m
        assert close_merge(cls, m.get(), whole.get()), k
        assert b.__getstate__() == sb
        i = make(cls, opts).update_many(xs[:k])
        before = i
        i += b
        assert i is before  # in place
        assert close_merge(cls, i.get(), whole.get()), k
        # merging the other way round gives the same statistic
        r = make(cls, opts).update_many(xs[k:]).merge(make(cls, opts).update_many(xs[:k]))
        assert close_merge(cls, r.get(), whole.get()), k


@pytest.mark.parametrize(("cls", "opts"), MERGE_CASES, ids=MERGE_IDS)
def test_merge_counts_towards_min_samples(cls: str, opts: Opts) -> None:
    o = {**opts, "min_samples": 6}
    xs = [1.5, -2.0, 4.0, 0.25, 3.0, -1.0, 2.0]
    a, b = make(cls, o).update_many(xs[:3]), make(cls, o).update_many(xs[3:6])
    assert a.get() is None
    assert b.get() is None
    assert close_merge(cls, (a + b).get(), make(cls, o).update_many(xs[:6]).get())
    assert (a + b).get() is not None
    assert (make(cls, o) + make(cls, o)).get() is None  # two empty halves


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("Var", {"ddof": 1}), ("Var", {"ddof": 0})),
        (("Std", {"ddof": 1}), ("Std", {"ddof": 2})),
        (("Skew", {"bias": True}), ("Skew", {"bias": False})),
        (("Kurtosis", {"fisher": True}), ("Kurtosis", {"fisher": False})),
        (("Kurtosis", {"bias": True}), ("Kurtosis", {"bias": False})),
    ],
)
def test_merge_with_different_options_raises_value_error(
    left: tuple[str, Opts], right: tuple[str, Opts]
) -> None:
    check_merge_value_error(left, right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("Mean", {"min_samples": 1}), ("Mean", {"min_samples": 2})),
        (("Var", {"min_samples": 1}), ("Var", {"min_samples": 4})),
        (("Min", {"min_samples": 1}), ("Min", {"min_samples": 3})),
    ],
)
def test_merge_with_different_min_samples_raises_value_error(
    left: tuple[str, Opts], right: tuple[str, Opts]
) -> None:
    """min_samples is one of the options: the spec rejects merging different options."""
    check_merge_value_error(left, right)


def check_merge_value_error(left: tuple[str, Opts], right: tuple[str, Opts]) -> None:
    a = make(*left).update_many([1.0, 2.0, 5.0])
    b = make(*right).update_many([3.0, 4.0])
    state = a.__getstate__()
    with pytest.raises(ValueError):  # noqa: PT011
        a.merge(b)
    with pytest.raises(ValueError):  # noqa: PT011
        a + b
    with pytest.raises(ValueError):  # noqa: PT011
        a += b
    assert a.__getstate__() == state  # a failed merge leaves the object alone


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("Var", {}), ("Mean", {})),
        (("Var", {}), ("Std", {})),
        (("Min", {}), ("Max", {})),
        (("PeakToPeak", {}), ("AbsMax", {})),
        (("Skew", {}), ("Kurtosis", {})),
        (("Mean", {}), ("RollingMean", {"window_size": 3})),
    ],
)
def test_merge_with_another_class_raises_type_error(
    left: tuple[str, Opts], right: tuple[str, Opts]
) -> None:
    a = make(*left).update_many([1.0, 2.0, 5.0])
    b = make(*right).update_many([3.0, 4.0])
    state = a.__getstate__()
    with pytest.raises(TypeError):
        a.merge(b)
    with pytest.raises(TypeError):
        a + b
    with pytest.raises(TypeError):
        a.merge(2.0)
    with pytest.raises(TypeError):
        a + 2.0
    assert a.__getstate__() == state


# ---------------------------------------------------------------------------------------------
# 5. Properties: expression == object == a plain-Python/numpy reference
# ---------------------------------------------------------------------------------------------

# Dyadic values (k / 1024): sums are exact, so exactly constant windows are exactly constant.
grid_st = st.integers(-(2**20), 2**20).map(lambda k: k / 1024)
xs_st = st.lists(st.one_of(grid_st, st.none()), max_size=60)
specials_st = st.lists(
    st.tuples(st.integers(0, 59), st.sampled_from([math.nan, math.inf, -math.inf])), max_size=3
)
SKIP = math.inf  # tolerance of a row whose value is decided by rounding


def with_specials(xs: list[Value], specials: list[tuple[int, float]]) -> list[Value]:
    out = list(xs)
    for i, v in specials:
        if i < len(out):
            out[i] = v
    return out


def spread_of(xs: list[Value]) -> float:
    finite = [v for v in xs if v is not None and math.isfinite(v)]
    return max(finite) - min(finite) if finite else 0.0


def reference_stat(kind: str, opts: Opts, vals: list[float], spread: float) -> tuple[Value, float]:
    """The statistic of a window's non-null values from its definition, and a tolerance.

    ``spread`` is the range of every finite value of the column: the summaries that produced
    the value have seen them, so rounding errors scale with it (conditioning).
    """
    n = len(vals)
    a = np.array(vals, dtype=np.float64)
    has_nan = bool(np.isnan(a).any())
    pos_inf, neg_inf = bool((a == math.inf).any()), bool((a == -math.inf).any())
    if kind in EXTREMES:
        if has_nan:
            return math.nan, 0.0
        lo, hi = min(vals), max(vals)
        if kind == "min":
            return lo, 0.0
        if kind == "max":
            return hi, 0.0
        if kind == "peak_to_peak":
            return hi - lo, 0.0  # inf - inf is NaN
        return max(abs(v) for v in vals), 0.0
    if kind == "mean":
        if has_nan or (pos_inf and neg_inf):
            return math.nan, 0.0
        if pos_inf or neg_inf:
            return (math.inf if pos_inf else -math.inf), 0.0
        scale = max(abs(v) for v in vals)
        return math.fsum(vals) / n, 1e-12 * scale
    ddof = int(opts.get("ddof", 0))
    bias = bool(opts.get("bias", True))
    if kind in ("var", "std") and n <= ddof:
        return None, 0.0
    if (kind == "skew" and not bias and n < 3) or (kind == "kurtosis" and not bias and n < 4):
        return None, 0.0
    if has_nan or pos_inf or neg_inf:
        return math.nan, 0.0
    mean = math.fsum(vals) / n
    d = a - mean
    m2 = float(np.mean(d * d))
    if kind in ("var", "std"):
        var = m2 * n / (n - ddof)
        var_tol = 1e-9 * var + 1e-12 * spread * spread
        return (var, var_tol) if kind == "var" else (math.sqrt(var), math.sqrt(var_tol))
    if bool(np.all(a == a[0])):
        return math.nan, 0.0  # constant (or a single value): 0/0
    cond = spread * spread / m2
    if cond > 1e6:
        return math.nan, SKIP
    if kind == "skew":
        g1 = float(np.mean(d**3)) / m2**1.5
        value = g1 if bias else g1 * math.sqrt(n * (n - 1)) / (n - 2)
        return value, 1e-9 * (1 + abs(value)) + 1e-11 * cond**1.5
    g2 = float(np.mean(d**4)) / (m2 * m2) - 3.0
    value = g2 if bias else ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
    if not opts.get("fisher", True):
        value += 3.0
    return value, 1e-9 * (1 + abs(value)) + 1e-10 * cond**2


def window_rows(i: int, n: int, window: int, center: bool) -> range:
    if center:
        half = math.ceil(window / 2)
        lo, hi = i - (window - half), i + half
    else:
        lo, hi = i - window + 1, i + 1
    return range(max(lo, 0), min(hi, n))


def reference_rolling(
    xs: list[Value],
    kind: str,
    opts: Opts,
    window: int | None,
    min_samples: int | None,
    center: bool = False,
) -> list[tuple[Value, float]]:
    """``window=None``: cumulative (every row so far)."""
    spread = spread_of(xs)
    need = max(window if min_samples is None and window is not None else (min_samples or 0), 1)
    out: list[tuple[Value, float]] = []
    for i in range(len(xs)):
        rows = range(i + 1) if window is None else window_rows(i, len(xs), window, center)
        vals = [v for v in (xs[j] for j in rows) if v is not None]
        out.append((None, 0.0) if len(vals) < need else reference_stat(kind, opts, vals, spread))
    return out


def assert_matches_reference(got: list[Value], expected: list[tuple[Value, float]]) -> None:
    assert len(got) == len(expected)
    for i, (g, (e, tol)) in enumerate(zip(got, expected, strict=True)):
        where = f"row {i}: got {g!r}, expected {e!r} (tol {tol:g})"
        if e is None or g is None:
            assert g is None, where
            assert e is None, where
        elif tol == SKIP:
            continue
        elif math.isnan(e) or math.isinf(e):
            assert same(g, e), where
        else:
            assert not math.isnan(g), where
            assert abs(g - e) <= tol, where


@settings(max_examples=400, deadline=None)
@given(
    xs=xs_st,
    specials=specials_st,
    variant=st.sampled_from(VARIANTS),
    window=st.integers(1, 70),
    min_samples=st.one_of(st.none(), st.integers(0, 6)),
    center=st.booleans(),
    pieces=st.integers(1, 4),
)
def test_property_rolling_expression_object_reference(
    xs: list[Value],
    specials: list[tuple[int, float]],
    variant: tuple[str, Opts],
    window: int,
    min_samples: int | None,
    center: bool,
    pieces: int,
) -> None:
    kind, opts = variant
    xs = with_specials(xs, specials)
    s = chunked(xs, min(pieces, max(len(xs), 1)))
    if min_samples is not None:
        min_samples = min(min_samples, window)  # more raises ValueError (tested elsewhere)
    expr = ours_rolling(s, kind, opts, window, min_samples, center)
    expected = reference_rolling(xs, kind, opts, window, min_samples, center)
    assert_matches_reference(expr.to_list(), expected)
    if not center:
        obj = make(
            f"Rolling{CLASS_OF[kind]}", {"window_size": window, "min_samples": min_samples, **opts}
        )
        assert_series_equal(obj.running(s), expr, check_exact=True)


@settings(max_examples=300, deadline=None)
@given(
    xs=xs_st,
    specials=specials_st,
    variant=st.sampled_from(VARIANTS),
    min_samples=st.integers(0, 6),
    pieces=st.integers(1, 4),
)
def test_property_cumulative_expression_object_reference(
    xs: list[Value],
    specials: list[tuple[int, float]],
    variant: tuple[str, Opts],
    min_samples: int,
    pieces: int,
) -> None:
    kind, opts = variant
    xs = with_specials(xs, specials)
    s = chunked(xs, min(pieces, max(len(xs), 1)))
    expr = ours_cum(s, kind, opts, min_samples)
    assert_matches_reference(expr.to_list(), reference_rolling(xs, kind, opts, None, min_samples))
    obj = make(CLASS_OF[kind], {"min_samples": min_samples, **opts})
    one_by_one = [obj.update(x).get() for x in xs]
    assert_series_equal(
        make(CLASS_OF[kind], {"min_samples": min_samples, **opts}).running(s),
        expr,
        check_exact=True,
    )
    assert all(same(a, b) for a, b in zip(one_by_one, expr.to_list(), strict=True))


@settings(max_examples=300, deadline=None)
@given(
    xs=xs_st,
    specials=specials_st,
    variant=st.sampled_from(VARIANTS),
    min_samples=st.integers(0, 4),
    cuts=st.lists(st.integers(0, 60), max_size=5),
    how=st.sampled_from(["merge", "add", "iadd"]),
)
def test_property_merge_equals_whole(
    xs: list[Value],
    specials: list[tuple[int, float]],
    variant: tuple[str, Opts],
    min_samples: int,
    cuts: list[int],
    how: str,
) -> None:
    kind, opts = variant
    xs = with_specials(xs, specials)
    cls, o = CLASS_OF[kind], {"min_samples": min_samples, **opts}
    bounds = [0, *sorted(min(c, len(xs)) for c in cuts), len(xs)]
    parts = [make(cls, o).update_many(xs[a:b]) for a, b in itertools.pairwise(bounds)]
    merged = parts[0]
    for p in parts[1:]:
        if how == "merge":
            merged = merged.merge(p)
        elif how == "add":
            merged = merged + p
        else:
            merged += p
    whole = make(cls, o).update_many(xs)
    expected = reference_rolling(xs, kind, opts, None, min_samples)
    final: list[tuple[Value, float]] = [expected[-1]] if expected else [(None, 0.0)]
    assert_matches_reference([merged.get()], final)
    assert_matches_reference([whole.get()], final)
    if kind in EXTREMES:
        assert same(merged.get(), whole.get())


# ---------------------------------------------------------------------------------------------
# 6. Contexts
# ---------------------------------------------------------------------------------------------

EXPR_CASES: list[tuple[str, Opts]] = [
    ("cum_mean", {}),
    ("cum_var", {"ddof": 0}),
    ("cum_std", {"min_samples": 3}),
    ("cum_skew", {"bias": False}),
    ("cum_kurtosis", {"fisher": False}),
    ("cum_min", {}),
    ("cum_max", {"min_samples": 2}),
    ("cum_peak_to_peak", {}),
    ("cum_abs_max", {}),
    ("rolling_mean", {"window_size": 5}),
    ("rolling_var", {"window_size": 20, "ddof": 2, "center": True}),
    ("rolling_std", {"window_size": 7, "min_samples": 1}),
    ("rolling_skew", {"window_size": 30, "bias": False, "min_samples": 5}),
    ("rolling_kurtosis", {"window_size": 25, "center": True, "min_samples": 4}),
    ("rolling_min", {"window_size": 3}),
    ("rolling_max", {"window_size": 50, "min_samples": 1, "center": True}),
    ("rolling_peak_to_peak", {"window_size": 6}),
    ("rolling_abs_max", {"window_size": 2, "min_samples": 1}),
]
EXPR_IDS = [variant_id(n, o) for n, o in EXPR_CASES]


def ours_expr(name: str, opts: Opts, source: str | pl.Expr | pl.Series = "x") -> pl.Expr:
    fn: Callable[..., pl.Expr] = getattr(pss, name)
    return fn(source, **opts)


def polars_expr(name: str, opts: Opts, n: int, source: pl.Expr | None = None) -> pl.Expr:
    """Polars' equivalent: a cumulative statistic is a rolling one over ``n`` rows."""
    x = pl.col("x") if source is None else source
    prefix, kind = name.split("_", 1)
    o = dict(opts)
    kw: Opts = {
        "window_size": o.pop("window_size", n),
        "min_samples": o.pop("min_samples", 1 if prefix == "cum" else None),
        "center": o.pop("center", False),
    }
    if kind == "peak_to_peak":
        return x.rolling_max(**kw) - x.rolling_min(**kw)
    if kind == "abs_max":
        return x.abs().rolling_max(**kw)
    out: pl.Expr = getattr(x, f"rolling_{kind}")(**kw, **o)
    return out


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    n = 3_000
    df = pl.DataFrame(
        {"g": rng.integers(0, 5, n), "x": rng.normal(1.0, 2.0, n), "i": np.arange(n)}
    ).with_columns(x=pl.when(pl.col("i") % 11 == 0).then(None).otherwise(pl.col("x")))
    return pl.concat([df[:1000], df[1000:1700], df[1700:]], rechunk=False)


def test_frame_is_multi_chunk(frame: pl.DataFrame) -> None:
    assert frame["x"].n_chunks() == 3


@pytest.mark.parametrize(("name", "opts"), EXPR_CASES, ids=EXPR_IDS)
def test_select_lazy_and_streaming(frame: pl.DataFrame, name: str, opts: Opts) -> None:
    ours = ours_expr(name, opts)
    eager = frame.select(ours)
    theirs = frame.select(polars_expr(name, opts, frame.height))
    assert_frame_equal(eager, theirs, rel_tol=TOL, abs_tol=TOL)
    assert_frame_equal(frame.lazy().select(ours).collect(), eager, check_exact=True)
    assert_frame_equal(
        frame.lazy().select(ours).collect(engine="streaming"), eager, check_exact=True
    )
    single = frame.rechunk().select(ours)
    assert frame.rechunk()["x"].n_chunks() == 1
    assert_frame_equal(single, eager, check_exact=True)
    wc = frame.with_columns(ours.alias("y"))
    assert_series_equal(wc["y"], eager.to_series(), check_names=False, check_exact=True)


@pytest.mark.parametrize(("name", "opts"), EXPR_CASES, ids=EXPR_IDS)
def test_over_groups(frame: pl.DataFrame, name: str, opts: Opts) -> None:
    ours = ours_expr(name, opts)
    out = frame.with_columns(y=ours.over("g"))
    for g in range(5):
        part = frame.filter(pl.col("g") == g)
        expected = part.select(ours).to_series()
        got = out.filter(pl.col("g") == g)["y"]
        assert_series_equal(got, expected, check_names=False, check_exact=True)
    theirs = frame.select(polars_expr(name, opts, frame.height).over("g"))
    assert_frame_equal(frame.select(ours.over("g")), theirs, rel_tol=TOL, abs_tol=TOL)
    streaming = frame.lazy().select(ours.over("g")).collect(engine="streaming")
    assert_frame_equal(streaming, frame.select(ours.over("g")), check_exact=True)


@pytest.mark.parametrize(("name", "opts"), EXPR_CASES, ids=EXPR_IDS)
def test_group_by_agg(frame: pl.DataFrame, name: str, opts: Opts) -> None:
    ours = ours_expr(name, opts)
    agg = frame.group_by("g", maintain_order=True).agg(ours.alias("y")).sort("g")
    assert agg["y"].dtype == pl.List(pl.Float64)
    for g, values in zip(agg["g"], agg["y"], strict=True):
        part = frame.filter(pl.col("g") == g)
        expected = part.select(ours).to_series()
        assert_series_equal(values, expected, check_names=False, check_exact=True)
    lazy = frame.lazy().group_by("g").agg(ours.alias("y")).sort("g").collect(engine="streaming")
    assert_frame_equal(lazy, agg, check_exact=True)


@pytest.mark.parametrize(("name", "opts"), EXPR_CASES, ids=EXPR_IDS)
def test_namespace_matches_function(frame: pl.DataFrame, name: str, opts: Opts) -> None:
    namespace = pl.col("x").pss  # type: ignore[attr-defined]  # runtime-registered namespace
    method: Callable[..., pl.Expr] = getattr(namespace, name)
    assert_frame_equal(
        frame.select(method(**opts)), frame.select(ours_expr(name, opts)), check_exact=True
    )


@pytest.mark.parametrize(("name", "opts"), EXPR_CASES, ids=EXPR_IDS)
def test_expression_input_and_name(frame: pl.DataFrame, name: str, opts: Opts) -> None:
    source = pl.col("x") * 2 - pl.col("i") / 1000
    out = frame.select(ours_expr(name, opts, source))
    assert out.columns == ["x"]
    theirs = frame.select(polars_expr(name, opts, frame.height, source))
    assert_frame_equal(out, theirs, rel_tol=TOL, abs_tol=TOL)
    renamed = pl.select(ours_expr(name, opts, pl.Series("price", [1.0, 2.0, 4.0])))
    assert renamed.columns == ["price"]


@pytest.mark.parametrize(("name", "opts"), EXPR_CASES, ids=EXPR_IDS)
@pytest.mark.parametrize(
    "dtype", [pl.Int64, pl.Int16, pl.UInt8, pl.Int128, pl.Boolean, pl.Decimal(10, 2)]
)
def test_numeric_dtypes_are_float64(name: str, opts: Opts, dtype: pl.DataType) -> None:
    """Moments of integers, booleans and decimals are Float64; extremes keep Polars' dtype."""
    raw = [1, 0, None, 3, 2, 1, 0, 1, 3, None, 2, 3] * 5
    s = (
        pl.Series("x", [None if v is None else bool(v % 2) for v in raw])
        if dtype == pl.Boolean
        else (pl.Series("x", raw).cast(dtype))
    )
    kind = name.split("_", 1)[1]
    if dtype == pl.Boolean and kind in ("peak_to_peak", "abs_max"):
        # As Polars: `max - min` and `abs` are not defined for booleans.
        with pytest.raises(pl.exceptions.ComputeError, match="not supported for dtype `bool`"):
            pl.select(ours_expr(name, opts, s))
        return
    out = pl.select(ours_expr(name, opts, s)).to_series()
    expected = pl.select(ours_expr(name, opts, s.cast(pl.Float64))).to_series()
    if kind in EXTREMES:
        if kind == "peak_to_peak":
            assert out.dtype == pl.select(pl.lit(s).max() - pl.lit(s).min()).to_series().dtype
        else:
            assert out.dtype == s.dtype
        assert_series_equal(out.cast(pl.Float64), expected, check_exact=True)
        return
    assert out.dtype == pl.Float64
    assert_series_equal(out, expected, check_exact=True)


@pytest.mark.parametrize(("name", "opts"), EXPR_CASES, ids=EXPR_IDS)
def test_float32_stays_float32(name: str, opts: Opts) -> None:
    rng = np.random.default_rng(8)
    s = pl.Series("x", rng.normal(0, 1, 200), dtype=pl.Float32).scatter([3, 50], None)
    out = pl.select(ours_expr(name, opts, s)).to_series()
    assert out.dtype == pl.Float32
    wide = pl.select(ours_expr(name, opts, s.cast(pl.Float64))).to_series().cast(pl.Float32)
    assert_series_equal(out, wide, rel_tol=TOL32, abs_tol=TOL32)


# ---------------------------------------------------------------------------------------------
# 7. Bad input
# ---------------------------------------------------------------------------------------------

ROLLING_FUNCS = [f"rolling_{k}" for k in KINDS]
CUM_FUNCS = [f"cum_{k}" for k in KINDS]


def build(name: str, **kwargs: Any) -> Any:
    """Call the expression function (on "x") or the class called ``name``."""
    target = getattr(pss, name)
    return target("x", **kwargs) if name[0].islower() else target(**kwargs)


@pytest.mark.parametrize("name", ROLLING_FUNCS + ROLLING_CLASSES)
@pytest.mark.parametrize("window", [-1, 2**63])
def test_bad_window_size(name: str, window: int) -> None:
    with pytest.raises(ValueError, match="window_size"):
        build(name, window_size=window)


@pytest.mark.parametrize("name", ROLLING_FUNCS + ROLLING_CLASSES + CUM_FUNCS + CUMULATIVE_CLASSES)
def test_negative_min_samples(name: str) -> None:
    extra: Opts = {"window_size": 3} if "olling" in name else {}
    with pytest.raises(ValueError, match="min_samples"):
        build(name, min_samples=-1, **extra)


@pytest.mark.parametrize(
    "name",
    ["cum_var", "cum_std", "rolling_var", "rolling_std", "Var", "Std", "RollingVar", "RollingStd"],
)
def test_negative_ddof(name: str) -> None:
    extra: Opts = {"window_size": 3} if "olling" in name else {}
    with pytest.raises(ValueError, match="ddof"):
        build(name, ddof=-1, **extra)


@pytest.mark.parametrize(
    ("name", "option"),
    [
        (name, option)
        for name in [
            "cum_skew",
            "rolling_skew",
            "Skew",
            "RollingSkew",
            "cum_kurtosis",
            "rolling_kurtosis",
            "Kurtosis",
            "RollingKurtosis",
        ]
        for option in ("bias", "fisher")
        if option == "bias" or "urtosis" in name
    ]
    + [(name, "center") for name in ROLLING_FUNCS],
)
def test_non_bool_flag_raises_type_error(name: str, option: str) -> None:
    extra: Opts = {"window_size": 3} if "olling" in name else {}
    with pytest.raises(TypeError, match=option):
        build(name, **{option: "yes"}, **extra)


@pytest.mark.parametrize("name", ROLLING_FUNCS + CUM_FUNCS + ALL_CLASSES)
def test_options_are_keyword_only(name: str) -> None:
    target = getattr(pss, name)
    args: tuple[Any, ...] = ("x", 3) if name[0].islower() else (3,)
    if "olling" in name:  # window_size (and a function's weights) are positional, as in Polars
        args = ("x", 3, None, 1) if name[0].islower() else (3, 1)
    with pytest.raises(TypeError):
        target(*args)


@pytest.mark.parametrize("name", ROLLING_FUNCS + CUM_FUNCS)
def test_string_column_is_compute_error(name: str) -> None:
    extra: Opts = {"window_size": 3} if name.startswith("rolling") else {}
    df = pl.DataFrame({"x": ["a", "b", "c"]})
    with pytest.raises(pl.exceptions.ComputeError):
        df.select(build(name, **extra))
    with pytest.raises(pl.exceptions.ComputeError):
        df.lazy().select(build(name, **extra)).collect()


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_object_bad_values(cls: str) -> None:
    obj = make(cls, {"window_size": 3} if cls.startswith("Rolling") else {})
    with pytest.raises(TypeError):
        obj.update_many(["a", "b"])
    with pytest.raises(TypeError):
        obj.update("1.0")
    with pytest.raises(TypeError):
        obj.running(pl.Series(["a"]))
    assert obj.get() is None  # nothing was consumed by the failed calls


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_empty_objects(cls: str) -> None:
    obj = make(cls, {"window_size": 3} if cls.startswith("Rolling") else {})
    assert obj.get() is None
    assert obj.running([]).len() == 0
    assert obj.running(pl.Series([None, None], dtype=pl.Float64)).to_list() == [None, None]
    assert obj.update(None).get() is None


# --- regressions found in review ------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda w: pss.rolling_var(pl.col("x"), window_size=w, center=True, min_samples=1),
        lambda w: pss.rolling_kurtosis(pl.col("x"), window_size=w, center=True, min_samples=1),
        lambda w: pss.rolling_max(pl.col("x"), window_size=w, center=True, min_samples=1),
        lambda w: pss.rolling_median(pl.col("x"), window_size=w, center=True, min_samples=1),
        lambda w: pss.rolling_iqr(pl.col("x"), window_size=w, center=True, min_samples=1),
    ],
)
def test_center_with_a_window_far_longer_than_the_column(build: Any) -> None:
    """Centred windows reaching far beyond the column cost O(rows), not O(window_size)."""
    df = pl.DataFrame({"x": [1.0, 2.0, None, 4.0, 9.0], "g": [1, 1, 2, 2, 2]})
    n = df.height
    huge = df.select(build(10**12)).to_series()
    covering = df.select(build(2 * n + 1)).to_series()
    assert_series_equal(huge, covering, check_exact=True)
    # Every window covers the whole column: each row gets the statistic of all of it.
    assert huge.n_unique() == 1
    grouped = df.select(build(2**62).over("g")).to_series()
    assert_series_equal(grouped, df.select(build(2 * n + 1).over("g")).to_series())


@pytest.mark.parametrize("cls", ["Var", "Skew", "Kurtosis"])
def test_revert_to_one_value_is_like_a_fresh_object(cls: str) -> None:
    obj = getattr(pss, cls)().update_many([2.2, 3.3, 1.1])
    obj.revert(1.1).revert(3.3)
    fresh = getattr(pss, cls)().update(2.2)
    assert repr(obj.get()) == repr(fresh.get())
    assert repr(obj.update(5.0).get()) == repr(fresh.update(5.0).get())


@pytest.mark.parametrize("scale", [1e-110, 1e-60, 1.0, 1e80])
def test_skew_and_kurtosis_at_extreme_scales_follow_polars(scale: float) -> None:
    """Where m2^1.5 or m2² leaves the range of f64, the result is NaN (as Polars), not 0 or -3."""
    s = pl.Series("x", [v * scale for v in [1.0, 2.0, 3.0, 5.0, 11.0]])
    for ours, theirs in [
        (pss.cum_skew(s), s.rolling_skew(5, min_samples=1)),
        (pss.cum_kurtosis(s), s.rolling_kurtosis(5, min_samples=1)),
        (pss.cum_kurtosis(s, bias=False), s.rolling_kurtosis(5, min_samples=1, bias=False)),
    ]:
        got = pl.select(ours).to_series()
        assert got.is_nan().to_list() == theirs.is_nan().to_list()
        assert_series_equal(got, theirs, rel_tol=1e-9, abs_tol=1e-12, check_names=False)


def test_skew_beyond_the_range_of_f64_is_nan() -> None:
    """At a spread of 1e103, m2^1.5 overflows: NaN, never a finite value from inf arithmetic.

    (Polars gives 0.0 for the first two or three values there, as 0 / inf, then NaN.)
    """
    s = pl.Series("x", [v * 1e103 for v in [1.0, 2.0, 3.0, 5.0, 11.0]])
    assert pl.select(pss.cum_skew(s)).to_series()[1:].is_nan().all()
    assert s.rolling_skew(5, min_samples=1)[3:].is_nan().all()


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: pss.rolling_var("x", window_size=2**64), "window_size"),
        (lambda: pss.RollingKurtosis(window_size=2**70), "window_size"),
        (lambda: pss.cum_mean("x", min_samples=2**64), "min_samples"),
        (lambda: pss.Var(ddof=2**70), "ddof"),
        (lambda: pss.Std(ddof=-(2**70)), "ddof"),
    ],
)
def test_huge_integer_options_raise_value_error(build: Any, name: str) -> None:
    with pytest.raises(ValueError, match=f"`{name}`"):
        build()
