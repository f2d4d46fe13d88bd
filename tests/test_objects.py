"""The incremental objects: protocol, equivalence with the expressions, pickling."""

from __future__ import annotations

import contextlib
import copy
import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_series_equal

import polars_streamstats as pss
from tests.helpers import chunked

Stat = pss.EWMean | pss.EWVar | pss.EWStd | pss.RollingEWMean

# (object factory, matching expression) pairs with the same options.
CASES: list[tuple[Callable[[], Stat], Callable[[pl.Series], pl.Expr]]] = [
    (lambda: pss.EWMean(alpha=0.3), lambda s: pss.ewm_mean(s, alpha=0.3)),
    (
        lambda: pss.EWMean(span=4, adjust=False, ignore_nulls=True, min_samples=2),
        lambda s: pss.ewm_mean(s, span=4, adjust=False, ignore_nulls=True, min_samples=2),
    ),
    (lambda: pss.EWVar(alpha=0.2), lambda s: pss.ewm_var(s, alpha=0.2)),
    (
        lambda: pss.EWVar(com=3, bias=True, adjust=False),
        lambda s: pss.ewm_var(s, com=3, bias=True, adjust=False),
    ),
    (lambda: pss.EWStd(half_life=2.5), lambda s: pss.ewm_std(s, half_life=2.5)),
    (
        lambda: pss.RollingEWMean(window_size=5, alpha=0.4),
        lambda s: pss.rolling_ewm_mean(s, window_size=5, alpha=0.4),
    ),
]
IDS = ["mean", "mean-opts", "var", "var-opts", "std", "rolling"]


def data(n: int = 200, seed: int = 1) -> pl.Series:
    rng = np.random.default_rng(seed)
    values: list[float | None] = [float(v) for v in rng.normal(10.0, 3.0, n)]
    for i in range(0, n, 9):
        values[i] = None
    return pl.Series("x", values)


@pytest.mark.parametrize(("make", "expr"), CASES, ids=IDS)
def test_running_is_bit_identical_to_expression(
    make: Callable[[], Stat], expr: Callable[[pl.Series], pl.Expr]
) -> None:
    s = data()
    assert_series_equal(make().running(s), pl.select(expr(s)).to_series(), check_exact=True)
    multi = chunked(s.to_list(), 4)
    assert_series_equal(make().running(multi), pl.select(expr(multi)).to_series(), check_exact=True)


@pytest.mark.parametrize(("make", "expr"), CASES, ids=IDS)
def test_running_over_batches_equals_one_shot(
    make: Callable[[], Stat], expr: Callable[[pl.Series], pl.Expr]
) -> None:
    s = data()
    whole = make().running(s)
    obj = make()
    parts = [obj.running(s[a:b]) for a, b in [(0, 1), (1, 50), (50, 50), (50, 123), (123, 200)]]
    assert_series_equal(pl.concat(parts), whole, check_exact=True)


@pytest.mark.parametrize(("make", "expr"), CASES, ids=IDS)
def test_update_one_by_one_matches_running_and_get(
    make: Callable[[], Stat], expr: Callable[[pl.Series], pl.Expr]
) -> None:
    s = data(60)
    expected = make().running(s).to_list()
    obj = make()
    for x, e in zip(s.to_list(), expected, strict=True):
        assert obj.update(x) is obj
        if e is not None:
            got = obj.get()
            assert got is not None
            assert got == e or (math.isnan(got) and math.isnan(e))
    last = expected[-1]
    assert last is not None
    assert obj.get() == last


@pytest.mark.parametrize(("make", "expr"), CASES, ids=IDS)
def test_pickle_between_batches_continues_identically(
    make: Callable[[], Stat], expr: Callable[[pl.Series], pl.Expr]
) -> None:
    s = data()
    whole = make().running(s)
    obj = make()
    first = obj.running(s[:77])
    restored = pickle.loads(pickle.dumps(obj))
    assert type(restored) is type(obj)
    assert repr(restored) == repr(obj)
    second = restored.running(s[77:])
    assert_series_equal(pl.concat([first, second]), whole, check_exact=True)
    # The original is untouched by the copy's progress.
    assert_series_equal(obj.running(s[77:]), second, check_exact=True)


@pytest.mark.parametrize(("make", "expr"), CASES, ids=IDS)
def test_copy_and_deepcopy_are_independent(
    make: Callable[[], Stat], expr: Callable[[pl.Series], pl.Expr]
) -> None:
    obj = make().update_many(data(30))
    for clone in (copy.copy(obj), copy.deepcopy(obj)):
        assert clone is not obj
        assert clone.get() == obj.get()
        clone.update(1e6)
        assert clone.get() != obj.get()


@pytest.mark.parametrize(("make", "expr"), CASES, ids=IDS)
def test_update_many_accepts_every_container(
    make: Callable[[], Stat], expr: Callable[[pl.Series], pl.Expr]
) -> None:
    values = [1.5, 2.0, None, -4.0, 8.25, 3.0, None, 0.5]
    expected = make().update_many(pl.Series(values)).get()
    assert expected is not None
    dense = [v for v in values if v is not None]
    dense_expected = make().update_many(pl.Series(dense)).get()
    inputs: list[Any] = [
        values,
        tuple(values),
        pa.array(values),
        pl.Series(values, dtype=pl.Float32).cast(pl.Float64),
    ]
    for batch in inputs:
        assert make().update_many(batch).get() == expected
    for batch in [np.array(dense), np.array(dense, dtype=np.float32), dense, pa.array(dense)]:
        assert make().update_many(batch).get() == dense_expected
    ints = make().update_many(np.array([1, 2, 3], dtype=np.int64)).get()
    assert ints == make().update_many([1.0, 2.0, 3.0]).get()


def test_numpy_strided_and_running_from_numpy() -> None:
    arr = np.arange(20, dtype=np.float64)
    strided = arr[::2]
    assert not strided.flags["C_CONTIGUOUS"]
    a = pss.EWMean(alpha=0.3).running(strided)
    b = pss.EWMean(alpha=0.3).running(pl.Series(strided.copy()))
    assert_series_equal(a, b, check_names=False, check_exact=True)


def test_get_semantics_and_repr() -> None:
    m = pss.EWMean(alpha=0.5, min_samples=2)
    assert m.get() is None
    assert (
        repr(m) == "EWMean(alpha=0.5, adjust=True, min_samples=2, ignore_nulls=False, value=None)"
    )
    m.update(1.0).update(None)
    assert m.get() is None  # one value seen, two needed
    m.update(3.0)
    assert m.get() == pytest.approx((0.25 * 1.0 + 3.0) / 1.25)
    m.update(None)  # a null row: the estimate stands
    assert m.get() == pytest.approx((0.25 * 1.0 + 3.0) / 1.25)
    v = pss.EWVar(alpha=0.5)
    v.update(2.0)
    assert v.get() is None  # unbiased variance is undefined for one value
    assert pss.EWVar(alpha=0.5, bias=True).update(2.0).get() == 0.0
    assert "value=nan" in repr(pss.EWMean(alpha=0.5).update(math.nan))
    r = pss.RollingEWMean(window_size=3, alpha=0.25)
    assert repr(r) == "RollingEWMean(alpha=0.25, window_size=3, min_samples=1, value=None)"


def test_river_reference_vectors(river_vectors: dict[str, Any]) -> None:
    xs = river_vectors["input"]
    outs = river_vectors["outputs"]
    mean = pss.EWMean(alpha=0.3, adjust=False)
    var = pss.EWVar(alpha=0.3, adjust=False, bias=True)
    for x, em, ev in zip(
        xs, outs["EWMean(fading_factor=0.3)"], outs["EWVar(fading_factor=0.3)"], strict=True
    ):
        assert mean.update(x).get() == pytest.approx(em, rel=1e-12, abs=1e-12)
        assert var.update(x).get() == pytest.approx(ev, rel=1e-12, abs=1e-12)


def test_live_river_agrees() -> None:
    river_stats = pytest.importorskip("river.stats")
    rng = np.random.default_rng(11)
    xs = [float(v) for v in rng.normal(1e3, 5.0, 500)]
    rm, rv = river_stats.EWMean(fading_factor=0.1), river_stats.EWVar(fading_factor=0.1)
    mean = pss.EWMean(alpha=0.1, adjust=False)
    var = pss.EWVar(alpha=0.1, adjust=False, bias=True)
    for x in xs:
        rm.update(x)
        rv.update(x)
        assert mean.update(x).get() == pytest.approx(rm.get(), rel=1e-12)
        assert var.update(x).get() == pytest.approx(rv.get(), rel=1e-9)


def test_setstate_rejects_foreign_bytes() -> None:
    good = pss.EWVar(alpha=0.2).update_many([1.0, 2.0, 3.0]).__getstate__()
    obj = pss.EWVar(alpha=0.2)
    for bad in [b"", b"PSS", b"hello world", good[:-1], good + b"\x00", b"PSS\x63" + good[4:]]:
        with pytest.raises(ValueError, match="cannot restore EWVar state"):
            obj.__setstate__(bad)
    with pytest.raises(ValueError, match="holds a EWMean"):
        obj.__setstate__(pss.EWMean(alpha=0.2).__getstate__())
    with pytest.raises(TypeError, match="expects bytes"):
        obj.__setstate__("not bytes")  # type: ignore[arg-type]
    rng = np.random.default_rng(5)
    for _ in range(500):  # random corruption never crashes the process
        b = bytearray(good)
        b[int(rng.integers(4, len(b)))] ^= int(rng.integers(1, 256))
        with contextlib.suppress(ValueError):
            obj.__setstate__(bytes(b))
    obj.__setstate__(good)
    assert obj.get() == pss.EWVar(alpha=0.2).update_many([1.0, 2.0, 3.0]).get()


def test_running_dtypes() -> None:
    s32 = pl.Series("y", [1.0, 2.0], dtype=pl.Float32)
    out = pss.EWMean(alpha=0.5).running(s32)
    assert out.dtype == pl.Float32
    assert out.name == "y"
    assert pss.EWMean(alpha=0.5).running(pl.Series("i", [1, 2])).dtype == pl.Float64
    assert pss.EWMean(alpha=0.5).running([]).len() == 0
    assert pss.EWMean(alpha=0.5).running(pl.Series([None, None])).to_list() == [None, None]


# --- what a null row does to get(), for every kind of statistic (as the docstrings state) -----

NULL_XS = [1.0, 4.0, 2.0, 8.0]
# Cumulative statistics: a null row is ignored, the state does not change at all.
CUMULATIVE_NULL: dict[str, Callable[[], Any]] = {
    "Mean": pss.Mean,
    "Var": pss.Var,
    "Std": pss.Std,
    "Skew": pss.Skew,
    "Kurtosis": pss.Kurtosis,
    "Min": pss.Min,
    "Max": pss.Max,
    "PeakToPeak": pss.PeakToPeak,
    "AbsMax": pss.AbsMax,
    "Quantile": lambda: pss.Quantile(0.5),
    "Quantile-p2": lambda: pss.Quantile(0.5, method="p2"),
    "IQR": pss.IQR,
    "IQR-p2": lambda: pss.IQR(method="p2"),
}
# Rolling statistics: a null row takes a window slot, so the oldest row leaves.
ROLLING_NULL: dict[str, Callable[[int], Any]] = {
    "RollingMean": lambda w: pss.RollingMean(w, min_samples=1),
    "RollingVar": lambda w: pss.RollingVar(w, min_samples=1),
    "RollingStd": lambda w: pss.RollingStd(w, min_samples=1),
    "RollingSkew": lambda w: pss.RollingSkew(w, min_samples=1),
    "RollingKurtosis": lambda w: pss.RollingKurtosis(w, min_samples=1),
    "RollingMin": lambda w: pss.RollingMin(w, min_samples=1),
    "RollingMax": lambda w: pss.RollingMax(w, min_samples=1),
    "RollingPeakToPeak": lambda w: pss.RollingPeakToPeak(w, min_samples=1),
    "RollingAbsMax": lambda w: pss.RollingAbsMax(w, min_samples=1),
    "RollingQuantile": lambda w: pss.RollingQuantile(0.5, "lower", w, min_samples=1),
    "RollingIQR": lambda w: pss.RollingIQR(w, min_samples=1),
    "RollingEWMean": lambda w: pss.RollingEWMean(w, alpha=0.5),
}
EW_NULL: dict[str, Callable[[bool], Any]] = {
    "EWMean": lambda ignore: pss.EWMean(alpha=0.5, ignore_nulls=ignore),
    "EWVar": lambda ignore: pss.EWVar(alpha=0.5, ignore_nulls=ignore),
    "EWStd": lambda ignore: pss.EWStd(alpha=0.5, ignore_nulls=ignore),
}


def test_null_semantics_cover_every_class() -> None:
    names = {n.split("-")[0] for n in [*CUMULATIVE_NULL, *ROLLING_NULL, *EW_NULL]}
    assert names == {n for n in pss._internal.__all__ if not n.startswith("_")}


@pytest.mark.parametrize("name", list(CUMULATIVE_NULL))
def test_cumulative_get_ignores_a_null_row(name: str) -> None:
    obj = CUMULATIVE_NULL[name]().update_many(NULL_XS)
    before, state = obj.get(), obj.__getstate__()
    assert before is not None
    assert obj.update(None).get() == before
    assert obj.__getstate__() == state  # nothing at all changed
    assert obj.running([None]).to_list() == [before]  # the null row outputs the same value


@pytest.mark.parametrize("name", list(ROLLING_NULL))
def test_rolling_get_after_a_null_row_is_the_window_without_its_oldest_row(name: str) -> None:
    make = ROLLING_NULL[name]
    # The oldest value of the window is the extreme that leaves.
    xs = {"RollingMin": [1.0, -5.0, 2.0, 8.0]}.get(name, [1.0, 9.0, 2.0, 8.0])
    obj = make(3).update_many(xs)  # window xs[1:]
    before = obj.get()
    after = obj.update(None).get()  # window 2.0, 8.0, null
    expected = make(3).update_many(xs[-2:]).get()  # the statistic of 2.0 and 8.0
    assert after == pytest.approx(expected, rel=1e-12)
    assert after != before  # the window moved
    # Once no non-null value is left (fewer than min_samples), get() is None.
    assert obj.update(None).update(None).get() is None
    # The row output of the null row: null for RollingEWMean (as ewm_mean), else the value.
    row = make(3).update_many(xs).running([None]).to_list()
    assert row == ([None] if name == "RollingEWMean" else [after])


@pytest.mark.parametrize("name", list(EW_NULL))
def test_ew_get_keeps_its_value_after_a_null_row(name: str) -> None:
    for ignore_nulls in (False, True):
        obj = EW_NULL[name](ignore_nulls).update_many(NULL_XS)
        before = obj.get()
        assert before is not None
        assert obj.update(None).get() == before  # the value stays
        assert EW_NULL[name](ignore_nulls).update_many(NULL_XS).running([None]).to_list() == [None]
    # The null row aged the earlier values (ignore_nulls=False), which the next value shows.
    aged = EW_NULL[name](False).update_many([*NULL_XS, None, 3.0]).get()
    skipped = EW_NULL[name](True).update_many([*NULL_XS, None, 3.0]).get()
    assert skipped == EW_NULL[name](False).update_many([*NULL_XS, 3.0]).get()
    assert aged != skipped


# --- batches the in-place buffer path must not misread (found in review) -------------------


def test_big_endian_arrays_are_read_as_numbers() -> None:
    values = np.array([1.0, 2.0, 4.0, -8.5], dtype=">f8")
    expected = pl.select(pss.cum_mean(values)).to_series()
    assert pss.Mean().update_many(values).get() == expected[-1]
    assert pss.Mean().running(values).to_list() == expected.to_list()
    native = np.array([1.0, 2.0, 4.0, -8.5], dtype="<f8")
    assert pss.Mean().running(native).to_list() == expected.to_list()


def test_masked_arrays_keep_their_mask() -> None:
    masked = np.ma.masked_array([1.0, 100.0, 3.0], mask=[False, True, False])
    assert pss.Mean().update_many(masked).get() == 2.0
    assert pss.Mean().running(masked).to_list() == [1.0, 1.0, 2.0]
    assert pl.select(pss.cum_mean(masked)).to_series().to_list() == [1.0, 1.0, 2.0]


@pytest.mark.parametrize("raw", [b"\x01\x02", bytearray(b"\x01\x02"), memoryview(b"\x01\x02")])
def test_raw_bytes_are_refused(raw: Any) -> None:
    with pytest.raises(TypeError, match="`values` must be"):
        pss.Mean().update_many(raw)
    with pytest.raises(TypeError, match="`values` must be"):
        pss.Mean().running(raw)


def test_numpy_bools_are_bool_options() -> None:
    untyped: Any = pss  # numpy bools are not `bool` to a type checker
    assert untyped.EWMean(alpha=0.5, adjust=np.bool_(False))._options()["adjust"] is False
    assert untyped.Skew(bias=np.bool_(True))._options()["bias"] is True
    s = pl.Series("x", [1.0, 2.0, 4.0])
    expr = pss.rolling_mean(s, 2, center=np.bool_(True))  # type: ignore[arg-type]
    assert pl.select(expr).to_series().to_list() == s.rolling_mean(2, center=True).to_list()
    reversed_out = pl.select(pss.cum_mean(s, reverse=np.bool_(True)))  # type: ignore[arg-type]
    assert reversed_out.to_series().to_list() == [7 / 3, 3.0, 4.0]
    with pytest.raises(TypeError, match="`window_size` must be an int"):
        pss.RollingMean(np.bool_(True))  # type: ignore[arg-type]


def test_huge_half_life_names_half_life() -> None:
    for make in (
        lambda: pss.EWMean(half_life=1e300),
        lambda: pss.ewm_var("x", half_life=2.0**63),
        lambda: pss.RollingEWMean(5, half_life=1e17),
    ):
        with pytest.raises(ValueError, match="`half_life` is too large"):
            make()
    assert pss.EWMean(half_life=1e15).update(1.0).get() == 1.0
