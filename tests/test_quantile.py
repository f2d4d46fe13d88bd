"""Quantiles and IQR against Polars, pandas, River and a sort-based reference."""

from __future__ import annotations

import math
from typing import Any, get_args

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_series_equal

import polars_streamstats as pss
from polars_streamstats.quantile import Interpolation
from tests.helpers import POLARS_2, chunked

METHODS: list[Any] = list(get_args(Interpolation))
Value = float | None


def reference_quantile(values: list[float], q: float, how: str) -> float:
    """Polars' definitions (shared notes), on a sorted list with NaN last."""
    v = sorted(values, key=lambda x: (math.isnan(x), x))
    n = len(v)
    h = (n - 1) * q
    lo, hi = math.floor(h), math.ceil(h)
    if how == "linear":
        return v[lo] if lo == hi else (h - lo) * (v[lo + 1] - v[lo]) + v[lo]
    if how == "midpoint":
        return v[lo] if lo == hi else (v[lo] + v[lo + 1]) / 2
    if how == "nearest":  # half away from zero (h >= 0)
        return v[min(math.floor(h + 0.5), n - 1)]
    if how == "lower":
        return v[lo]
    if how == "higher":
        return v[min(hi, n - 1)]
    return v[max(math.ceil(n * q) - 1, 0)]  # equiprobable


def reference_rolling(
    xs: list[Value], q: float, window: int, how: str, min_samples: int, center: bool = False
) -> list[Value]:
    out: list[Value] = []
    n = len(xs)
    half = math.ceil(window / 2)
    for i in range(n):
        lo, hi = (i - (window - half), i + half) if center else (i - window + 1, i + 1)
        vals = [v for v in xs[max(lo, 0) : min(hi, n)] if v is not None]
        ok = vals and len(vals) >= min_samples
        out.append(reference_quantile(vals, q, how) if ok else None)
    return out


def same(a: list[Value], b: list[Value]) -> bool:
    return len(a) == len(b) and all(
        (x is None and y is None)
        or (x is not None and y is not None and (x == y or (math.isnan(x) and math.isnan(y))))
        for x, y in zip(a, b, strict=True)
    )


@pytest.fixture(scope="module")
def data() -> pl.Series:
    rng = np.random.default_rng(0)
    return pl.Series("x", rng.normal(0.0, 1.0, 3_000).round(2))  # rounding makes ties


@pytest.mark.parametrize("how", METHODS)
# 33 to 199 rows: block ranks of small blocks (the sorted array below, with its register ring).
@pytest.mark.parametrize("window", [1, 2, 3, 10, 32, 33, 64, 100, 199, 1000, 5000])
@pytest.mark.parametrize("center", [False, True])
def test_rolling_matches_polars(data: pl.Series, how: Any, window: int, center: bool) -> None:
    if how == "midpoint" and not POLARS_2:
        # Polars 1.x returns the higher value for q=0.5 over two values ([0.1, 0.2] -> 0.2).
        pytest.skip("Polars < 2's midpoint interpolation is wrong at q=0.5; Polars 2 is the oracle")
    for q in (0.0, 0.1, 0.5, 0.9, 1.0):
        for min_samples in (None, 1):
            ours = pl.select(
                pss.rolling_quantile(
                    data,
                    q,
                    window_size=window,
                    interpolation=how,
                    min_samples=min_samples,
                    center=center,
                )
            ).to_series()
            theirs = data.rolling_quantile(
                q, interpolation=how, window_size=window, min_samples=min_samples, center=center
            )
            assert_series_equal(ours, theirs, check_exact=True)


@pytest.mark.parametrize("window", [3, 10, 1000])
@pytest.mark.parametrize("center", [False, True])
def test_rolling_median_matches_polars(data: pl.Series, window: int, center: bool) -> None:
    ours = pl.select(pss.rolling_median(data, window_size=window, center=center)).to_series()
    theirs = data.rolling_median(window_size=window, center=center)
    assert_series_equal(ours, theirs, check_exact=True)
    ns = data.to_frame().select(
        pl.col("x").pss.rolling_median(window_size=window, center=center)  # type: ignore[attr-defined]
    )
    assert_series_equal(ns.to_series(), theirs, check_exact=True)


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("center", [False, True])
def test_rolling_with_nulls_and_nan_matches_reference(how: Any, center: bool) -> None:
    xs: list[Value] = [
        None if i % 7 == 3 else (math.nan if i % 11 == 5 else float((i * 37) % 19))
        for i in range(300)
    ]
    s = chunked(xs, 3)
    for window, min_samples in [(1, 1), (4, 2), (9, 9), (50, 1), (64, 5), (150, 1), (400, 3)]:
        for q in (0.0, 0.33, 0.5, 1.0):
            ours = pl.select(
                pss.rolling_quantile(
                    s,
                    q,
                    window_size=window,
                    interpolation=how,
                    min_samples=min_samples,
                    center=center,
                )
            ).to_series()
            expected = reference_rolling(xs, q, window, how, min_samples, center)
            assert same(ours.to_list(), expected), (window, min_samples, q)


def test_rolling_with_nulls_matches_polars() -> None:
    xs: list[Value] = [None if i % 5 == 1 else float((i * 13) % 17) for i in range(200)]
    s = pl.Series("x", xs)
    for window, min_samples in [(3, 1), (6, 2), (20, 20)]:
        for center in (False, True):
            ours = pl.select(
                pss.rolling_quantile(
                    s, 0.4, "linear", window_size=window, min_samples=min_samples, center=center
                )
            ).to_series()
            theirs = s.rolling_quantile(
                0.4, "linear", window_size=window, min_samples=min_samples, center=center
            )
            assert_series_equal(ours, theirs, check_exact=True)


@pytest.mark.parametrize("how", METHODS)
def test_cumulative_exact_matches_reference_and_polars(how: Any) -> None:
    xs: list[Value] = [None if i % 9 == 4 else float((i * 29) % 23) - 11 for i in range(250)]
    s = chunked(xs, 4)
    for q in (0.0, 0.25, 0.5, 0.99, 1.0):
        ours = pl.select(pss.cum_quantile(s, q, interpolation=how)).to_series()
        assert same(ours.to_list(), reference_rolling(xs, q, len(xs), how, 1))
        # Polars' workaround: a window covering the whole column.
        theirs = pl.Series("x", xs).rolling_quantile(q, how, window_size=len(xs), min_samples=1)
        assert_series_equal(ours, theirs, check_exact=True)


def test_cumulative_linear_matches_pandas_expanding() -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(10, 3, 2_000)
    values[::17] = np.nan
    series = pl.Series("x", values, nan_to_null=True)
    ours = pl.select(pss.cum_quantile(series, 0.3, "linear")).to_series()
    theirs = pd.Series(values).expanding().quantile(0.3)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-12)
    med = pl.select(pss.cum_median(pl.Series("x", values, nan_to_null=True))).to_series()
    np.testing.assert_allclose(med.to_numpy(), pd.Series(values).expanding().median(), rtol=1e-12)


def test_iqr_is_difference_of_quantiles(data: pl.Series) -> None:
    for window in (5, 100):
        iqr = pl.select(pss.rolling_iqr(data, window_size=window, q_inf=0.1, q_sup=0.8)).to_series()
        hi = pl.select(pss.rolling_quantile(data, 0.8, window_size=window)).to_series()
        lo = pl.select(pss.rolling_quantile(data, 0.1, window_size=window)).to_series()
        assert_series_equal(iqr, hi - lo, check_exact=True)
    cum = pl.select(pss.cum_iqr(data, interpolation="midpoint")).to_series()
    expected = pl.select(
        pss.cum_quantile(data, 0.75, interpolation="midpoint")
        - pss.cum_quantile(data, 0.25, interpolation="midpoint")
    ).to_series()
    assert_series_equal(cum, expected, check_exact=True)


def test_river_reference_vectors(river_vectors: dict[str, Any]) -> None:
    xs: list[float] = river_vectors["input"]
    outs = river_vectors["outputs"]
    checks: list[tuple[Any, str]] = [
        (pss.Quantile(0.5, method="p2"), "Quantile(q=0.5)"),
        (pss.Quantile(0.9, method="p2"), "Quantile(q=0.9)"),
        (pss.IQR(method="p2"), "IQR(q_inf=0.25,q_sup=0.75)"),
        (
            pss.RollingQuantile(0.5, "linear", window_size=4, min_samples=1),
            "RollingQuantile(q=0.5,window_size=4)",
        ),
        (
            pss.RollingIQR(4, interpolation="linear", min_samples=1),
            "RollingIQR(window_size=4,q_inf=0.25,q_sup=0.75)",
        ),
    ]
    for obj, name in checks:
        got = [obj.update(x).get() for x in xs]
        assert got == outs[name], name  # bit for bit


def test_p2_matches_live_river_bit_for_bit() -> None:
    river_stats = pytest.importorskip("river.stats")
    rng = np.random.default_rng(8)
    for q in (0.05, 0.5, 0.77, 0.99):
        for dist in (rng.normal(0, 1, 3000), rng.exponential(2.0, 3000), rng.integers(0, 5, 3000)):
            xs = [float(v) for v in dist]
            theirs = river_stats.Quantile(q)
            ours = pss.Quantile(q, method="p2")
            expected = []
            for x in xs:
                theirs.update(x)
                expected.append(theirs.get())
            assert ours.running(xs).to_list() == expected
            iqr_theirs = river_stats.IQR(q_inf=q / 2, q_sup=q)
            iqr_ours = pss.IQR(q_inf=q / 2, q_sup=q, method="p2")
            for x in xs[:500]:
                iqr_theirs.update(x)
                assert iqr_ours.update(x).get() == iqr_theirs.get()


def test_p2_expression_equals_object_and_nan_propagates() -> None:
    xs: list[Value] = [1.0, 5.0, None, 2.0, 8.0, 3.0, 9.0, 4.0, math.nan, 6.0]
    s = pl.Series("x", xs)
    expr = pl.select(pss.cum_quantile(s, 0.5, method="p2")).to_series()
    assert_series_equal(pss.Quantile(0.5, method="p2").running(s), expr, check_exact=True)
    assert expr[2] == expr[1]  # a null row repeats the estimate
    assert math.isnan(expr[8])
    assert math.isnan(expr[9])


def test_revert() -> None:
    q = pss.Quantile(0.5, "linear").update_many([5.0, 1.0, 3.0, 9.0])
    assert q.get() == 4.0
    assert q.revert(9.0) is q
    assert q.get() == 3.0
    with pytest.raises(ValueError, match="was never added"):
        q.revert(42.0)
    with pytest.raises(ValueError, match="method='exact'"):
        pss.Quantile(0.5, method="p2").update(1.0).revert(1.0)
    iqr = pss.IQR().update_many([1.0, 2.0, 3.0, 4.0, 100.0])
    before = iqr.get()
    iqr.revert(100.0)
    assert iqr.get() == pss.IQR().update_many([1.0, 2.0, 3.0, 4.0]).get() != before
    empty = pss.Quantile(0.5)
    with pytest.raises(ValueError, match="never added"):
        empty.revert(1.0)


@pytest.mark.parametrize(
    ("make", "expr"),
    [
        (
            lambda: pss.RollingQuantile(0.3, window_size=7),
            lambda s: pss.rolling_quantile(s, 0.3, window_size=7),
        ),
        (
            lambda: pss.RollingIQR(window_size=5, min_samples=2),
            lambda s: pss.rolling_iqr(s, window_size=5, min_samples=2),
        ),
        (
            lambda: pss.Quantile(0.8, interpolation="nearest"),
            lambda s: pss.cum_quantile(s, 0.8, interpolation="nearest"),
        ),
        (lambda: pss.Quantile(0.2, method="p2"), lambda s: pss.cum_quantile(s, 0.2, method="p2")),
        (lambda: pss.IQR(q_inf=0.1, q_sup=0.6), lambda s: pss.cum_iqr(s, q_inf=0.1, q_sup=0.6)),
        (lambda: pss.IQR(method="p2"), lambda s: pss.cum_iqr(s, method="p2")),
    ],
)
def test_objects_protocol(make: Any, expr: Any) -> None:
    import copy
    import pickle

    rng = np.random.default_rng(2)
    values: list[Value] = [float(v) for v in rng.normal(0, 1, 300)]
    for i in range(0, 300, 13):
        values[i] = None
    s = pl.Series("x", values)
    whole = pl.select(expr(s)).to_series()
    assert_series_equal(make().running(s), whole, check_exact=True)
    obj = make()
    first = obj.running(s[:111])
    restored = pickle.loads(pickle.dumps(obj))
    assert repr(restored) == repr(obj)
    rest = restored.running(s[111:])
    assert_series_equal(pl.concat([first, rest]), whole, check_exact=True)
    clone = copy.deepcopy(restored)
    clone.update(1e9)
    assert clone.__getstate__() != restored.__getstate__()  # the copy moved on alone
    one = make()
    for x, e in zip(values, whole.to_list(), strict=True):
        got = one.update(x).get()
        assert got == e or (got is not None and e is not None and math.isnan(got) and math.isnan(e))


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="`quantile` must be in \\[0, 1\\]"):
        pss.rolling_quantile("x", 1.5, window_size=3)
    with pytest.raises(ValueError, match="`quantile` must be in"):
        pss.cum_quantile("x", -0.1)
    with pytest.raises(ValueError, match="`quantile` must be in"):
        pss.Quantile(2.0)
    with pytest.raises(ValueError, match="`interpolation` must be one of"):
        pss.rolling_quantile("x", 0.5, window_size=3, interpolation="cubic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`method` must be 'exact' or 'p2'"):
        pss.cum_median("x", method="tdigest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`window_size` must be >= 0"):
        pss.rolling_iqr("x", window_size=-1)
    with pytest.raises(ValueError, match="`q_inf` must be <= `q_sup`"):
        pss.cum_iqr("x", q_inf=0.8, q_sup=0.2)
    with pytest.raises(ValueError, match="`q_sup` must be in"):
        pss.RollingIQR(3, q_sup=1.2)
    with pytest.raises(ValueError, match="`min_samples` must be >= 0"):
        pss.rolling_median("x", window_size=3, min_samples=-1)
    with pytest.raises(TypeError, match="`center` must be a bool"):
        pss.rolling_quantile("x", 0.5, window_size=3, center="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`interpolation` must be a str, got int"):
        pss.rolling_quantile("x", 0.5, 3)  # type: ignore[arg-type]  # Polars' order: interpolation
    message = r"`pss\.rolling_quantile` operation not supported for dtype `str`"
    with pytest.raises(pl.exceptions.ComputeError, match=message):
        pl.DataFrame({"x": ["a"]}).select(pss.rolling_median("x", window_size=2))


@pytest.mark.parametrize("dtype", [pl.Float32, pl.Int64, pl.UInt8])
def test_dtypes_empty_and_all_null(dtype: pl.DataType) -> None:
    s = pl.Series("x", [3, 1, None, 2], dtype=dtype)
    out = pl.select(pss.rolling_quantile(s, 0.5, "linear", 2, min_samples=1)).to_series()
    assert out.dtype == (pl.Float32 if dtype == pl.Float32 else pl.Float64)
    assert out.to_list() == [3.0, 2.0, 1.0, 2.0]
    for values in ([], [None, None]):
        e = pl.Series("x", values, dtype=pl.Float64)
        assert pl.select(pss.cum_median(e)).to_series().to_list() == [None] * len(values)
        assert pl.select(pss.rolling_iqr(e, window_size=2, center=True)).to_series().to_list() == [
            None
        ] * len(values)


@pytest.mark.parametrize("how", ["linear", "midpoint", "nearest"])
@pytest.mark.parametrize("window", [3, 10, 64, 150, 400])
def test_float32_interpolation_is_polars_bit_for_bit(how: Interpolation, window: int) -> None:
    """Polars interpolates a Float32 column in f32 arithmetic; so do the quantile plugins
    (a quantile of the f32 values computed in f64 and rounded once can be 1 ulp away)."""
    rng = np.random.default_rng(11)
    values = rng.normal(size=3_000).astype(np.float32)
    values[::17] = np.nan
    s = pl.Series("x", values, dtype=pl.Float32).fill_nan(None)
    for q in (0.1, 0.37, 0.5, 0.9):
        for center in (False, True):
            ours = pl.select(pss.rolling_quantile(s, q, how, window, center=center)).to_series()
            theirs = s.rolling_quantile(q, how, window, center=center)
            assert_series_equal(ours, theirs, check_exact=True)
    ours = pl.select(pss.rolling_iqr(s, window, interpolation=how)).to_series()
    hi = s.rolling_quantile(0.75, how, window)
    theirs = hi - s.rolling_quantile(0.25, how, window)
    assert_series_equal(ours, theirs, check_exact=True)
    for part in (s, s.head(50)):  # the whole-column index, and a column too short for it
        long = pl.select(pss.cum_quantile(part, 0.3, how)).to_series()
        theirs = part.rolling_quantile(0.3, how, part.len(), min_samples=1)
        assert_series_equal(long, theirs, check_exact=True)


def test_contexts() -> None:
    rng = np.random.default_rng(6)
    n = 2_000
    df = pl.DataFrame({"g": rng.integers(0, 5, n), "x": rng.normal(0, 1, n)})
    df = pl.concat([df[:700], df[700:]], rechunk=False)
    ours = pss.rolling_quantile("x", 0.3, "linear", window_size=20, center=True)
    theirs = pl.col("x").rolling_quantile(0.3, "linear", window_size=20, center=True)
    expected = df.select(theirs.over("g"))
    assert_series_equal(
        df.select(ours.over("g")).to_series(), expected.to_series(), check_exact=True
    )
    lazy = df.lazy().select(ours.over("g")).collect(engine="streaming")
    assert_series_equal(lazy.to_series(), expected.to_series(), check_exact=True)
    agg = df.group_by("g", maintain_order=True).agg(pss.cum_median("x")).sort("g")
    for g, values in zip(agg["g"], agg["x"], strict=True):
        part = df.filter(pl.col("g") == g)["x"]
        assert_series_equal(
            values, pss.Quantile(0.5, "linear").running(part), check_names=False, check_exact=True
        )


@settings(max_examples=150, deadline=None)
@given(
    xs=st.lists(st.one_of(st.floats(-100, 100), st.none(), st.just(math.nan)), max_size=50),
    q=st.floats(0, 1),
    window=st.integers(1, 60),
    how=st.sampled_from(METHODS),
    min_samples=st.integers(0, 5),
    center=st.booleans(),
    pieces=st.integers(1, 4),
)
def test_property_expression_object_reference(
    xs: list[Value], q: float, window: int, how: Any, min_samples: int, center: bool, pieces: int
) -> None:
    s = chunked(xs, min(pieces, max(len(xs), 1)))
    min_samples = min(min_samples, window)  # more raises ValueError (tested elsewhere)
    expr = pl.select(
        pss.rolling_quantile(
            s, q, window_size=window, interpolation=how, min_samples=min_samples, center=center
        )
    ).to_series()
    assert same(expr.to_list(), reference_rolling(xs, q, window, how, min_samples, center))
    if not center:
        obj = pss.RollingQuantile(q, window_size=window, interpolation=how, min_samples=min_samples)
        assert_series_equal(obj.running(s), expr, check_exact=True)
    cum = pl.select(pss.cum_quantile(s, q, interpolation=how, min_samples=min_samples)).to_series()
    assert same(cum.to_list(), reference_rolling(xs, q, max(len(xs), 1), how, min_samples))


def test_long_column_ranked_on_two_threads_matches_polars() -> None:
    # Over 2**20 values the rank index sorts the column on two threads.
    rng = np.random.default_rng(12)
    s = pl.Series("x", rng.normal(0, 1, 1_100_000).round(3))
    s = s.scatter(np.arange(0, len(s), 997), None)
    for window in (500, 300_000):
        ours = pl.select(pss.rolling_median(s, window_size=window, min_samples=1)).to_series()
        theirs = s.rolling_median(window_size=window, min_samples=1)
        assert_series_equal(ours, theirs, check_exact=True)
    cum = pl.select(pss.cum_quantile(s, 0.9, interpolation="higher")).to_series()
    expected = s.rolling_quantile(0.9, "higher", window_size=len(s), min_samples=1)
    assert_series_equal(cum, expected, check_exact=True)


def test_whole_column_index_edge_cases() -> None:
    # Windows >= 200 and cumulative quantiles of >= 200 rows use the whole-column rank index.
    nulls = pl.Series("x", [None] * 500, dtype=pl.Float64)
    assert (
        pl.select(pss.rolling_median(nulls, window_size=300, min_samples=1))
        .to_series()
        .null_count()
        == 500
    )
    assert pl.select(pss.cum_median(nulls)).to_series().null_count() == 500
    assert (
        pl.select(pss.rolling_iqr(nulls, window_size=300, center=True)).to_series().null_count()
        == 500
    )
    nan_then_ones = pl.Series("x", [math.nan] * 300 + [1.0] * 300)
    for window in (250, 1000):
        ours = pl.select(
            pss.rolling_median(nan_then_ones, window_size=window, min_samples=1)
        ).to_series()
        theirs = nan_then_ones.rolling_median(window_size=window, min_samples=1)
        assert_series_equal(ours, theirs, check_exact=True)
    iqr = pl.select(pss.cum_iqr(nan_then_ones)).to_series()
    assert_series_equal(iqr, pss.IQR().running(nan_then_ones), check_names=False, check_exact=True)
