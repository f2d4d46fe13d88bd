"""The EW expressions against Polars' own ewm_mean / ewm_var / ewm_std (the oracle)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_series_equal

import polars_streamstats as pss
from tests.helpers import chunked, first_value_null

INF = math.inf
NAN = math.nan

DATA: dict[str, list[float | None]] = {
    "plain": [1.0, 3.0, 2.0, 8.0, 5.0, 4.0, 7.0, 6.0, 10.0, 9.0, -2.0, 0.5],
    "nulls": [None, None, 5.0, 7.0, None, 2.0, 1.0, 4.0, None, None, None, 3.0, -1.0],
    "nan": [1.0, None, 3.0, NAN, 5.0, None, None, 2.0],
    "inf": [1.0, INF, 3.0, -INF, 5.0, None, 2.0],
    "inf_first": [INF, 1.0, None, 2.0],
    "constant": [0.1] * 20,
    "single": [4.0],
    "empty": [],
    "all_null": [None, None, None],
}

OURS: dict[str, Callable[..., pl.Expr]] = {
    "ewm_mean": pss.ewm_mean,
    "ewm_var": pss.ewm_var,
    "ewm_std": pss.ewm_std,
}


def polars_ewm(name: str, s: pl.Series, **kw: Any) -> pl.Series:
    x = pl.col(s.name)
    method: Callable[..., pl.Expr] = getattr(x, name)
    expected = method(**kw)
    if name != "ewm_mean":
        expected = first_value_null(expected, x, kw.get("bias", False))
    return s.to_frame().select(expected).to_series()


def check(name: str, s: pl.Series, rtol: float = 1e-12, **kw: Any) -> None:
    ours = pl.select(OURS[name](s, **kw)).to_series()
    expected = polars_ewm(name, s, **kw)
    assert ours.dtype == expected.dtype
    assert ours.name == s.name
    assert_series_equal(ours, expected, check_exact=False, rel_tol=rtol, abs_tol=1e-300)


@pytest.mark.parametrize("name", list(OURS))
@pytest.mark.parametrize("data", list(DATA))
@pytest.mark.parametrize(
    ("adjust", "ignore_nulls", "min_samples"),
    list(itertools.product([True, False], [True, False], [0, 1, 3])),
)
def test_matches_polars(
    name: str, data: str, adjust: bool, ignore_nulls: bool, min_samples: int
) -> None:
    s = pl.Series("x", DATA[data], dtype=pl.Float64)
    kw: dict[str, Any] = {
        "alpha": 0.3,
        "adjust": adjust,
        "ignore_nulls": ignore_nulls,
        "min_samples": min_samples,
    }
    if name == "ewm_mean":
        check(name, s, **kw)
    else:
        for bias in (True, False):
            check(name, s, bias=bias, **kw)


@pytest.mark.parametrize("name", list(OURS))
@pytest.mark.parametrize(
    "decay",
    [{"com": 2.5}, {"span": 7.0}, {"half_life": 3.0}, {"alpha": 1.0}, {"alpha": 1e-6}],
)
def test_decay_parametrisations_match_polars(name: str, decay: dict[str, float]) -> None:
    s = pl.Series("x", [float((i * 37) % 11) - 4.0 for i in range(300)])
    check(name, s, rtol=1e-10, **decay)


@pytest.mark.parametrize("name", list(OURS))
def test_random_data_with_nulls_matches_polars(name: str) -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    values = rng.normal(50.0, 10.0, 20_000)
    mask = rng.random(20_000) < 0.1
    s = pl.Series("x", values).scatter(np.flatnonzero(mask), None)
    for adjust, ignore_nulls in itertools.product([True, False], [True, False]):
        check(name, s, rtol=1e-9, alpha=0.05, adjust=adjust, ignore_nulls=ignore_nulls)


@pytest.mark.parametrize("name", list(OURS))
@pytest.mark.parametrize("dtype", [pl.Int64, pl.Int32, pl.Int8, pl.UInt16, pl.UInt64, pl.Boolean])
def test_integer_and_boolean_input_gives_float64(name: str, dtype: pl.DataType) -> None:
    raw: list[Any] = (
        [True, False, None, True, True, False] if dtype == pl.Boolean else [3, 1, None, 4, 1, 5]
    )
    s = pl.Series("x", raw, dtype=dtype)
    ours = pl.select(OURS[name](s, alpha=0.4)).to_series()
    assert ours.dtype == pl.Float64
    assert_series_equal(ours, polars_ewm(name, s, alpha=0.4), rel_tol=1e-12)


@pytest.mark.parametrize("name", list(OURS))
def test_float32_stays_float32(name: str) -> None:
    s = pl.Series("x", [1.5, 2.25, None, -3.0, 8.0, 0.125], dtype=pl.Float32)
    ours = pl.select(OURS[name](s, alpha=0.25)).to_series()
    assert ours.dtype == pl.Float32
    # Polars computes in single precision, we in double and round once at the end.
    assert_series_equal(ours, polars_ewm(name, s, alpha=0.25), rel_tol=1e-5)
    via_f64 = pl.select(OURS[name](s.cast(pl.Float64), alpha=0.25)).to_series()
    assert_series_equal(ours, via_f64.cast(pl.Float32))


@pytest.mark.parametrize("name", list(OURS))
@pytest.mark.parametrize("pieces", [2, 3, 7])
def test_multi_chunk_equals_single_chunk(name: str, pieces: int) -> None:
    values: list[float | None] = [None if i % 5 == 2 else float((i * 13) % 17) for i in range(50)]
    multi = chunked(values, pieces)
    single = pl.Series("x", values)
    a = pl.select(OURS[name](multi, alpha=0.2)).to_series()
    b = pl.select(OURS[name](single, alpha=0.2)).to_series()
    assert_series_equal(a, b, check_exact=True)
    assert_series_equal(a, polars_ewm(name, single, alpha=0.2), rel_tol=1e-12)


def test_rolling_ewm_mean_with_long_window_equals_adjusted_ewm_mean() -> None:
    values: list[float | None] = [None if i % 4 == 1 else math.sin(i) * 100 for i in range(500)]
    s = pl.Series("x", values)
    ours = pl.select(pss.rolling_ewm_mean(s, window_size=10_000, alpha=0.1)).to_series()
    expected = s.ewm_mean(alpha=0.1, adjust=True, ignore_nulls=False)
    assert_series_equal(ours, expected, rel_tol=1e-12)
