"""Parallel sweeps of long columns (issue 12) against one pass.

Over ``PSS_PARALLEL_MIN_ROWS`` rows (2**22 by default; lowered here) a cumulative, EW or
rolling expression is swept in pieces on Polars' thread pool. The rolling windows and the
extremes must give one pass's outputs bit for bit, the cumulative moments and the EW
statistics within 1e-12 relative. One pass is the same call with the threshold set out of
reach.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

import polars_streamstats as pss
from tests.helpers import chunked

ENV = "PSS_PARALLEL_MIN_ROWS"
LOW = 4096
N = 40_000

Make = Callable[[pl.Expr], pl.Expr]


def compute(monkeypatch: pytest.MonkeyPatch, make: Make, s: pl.Series, parallel: bool) -> pl.Series:
    monkeypatch.setenv(ENV, str(LOW if parallel else 1 << 62))
    return s.to_frame().select(make(pl.col(s.name))).to_series()


def both(monkeypatch: pytest.MonkeyPatch, make: Make, s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(parallel, one pass), after checking that the parallel run was split."""
    par = compute(monkeypatch, make, s, True)
    one = compute(monkeypatch, make, s, False)
    assert par.len() == one.len() == s.len()
    assert par.dtype == one.dtype
    assert par.name == one.name
    return par, one


def bits(s: pl.Series) -> tuple[list[bool], list[int]]:
    """Null mask and the bits of every value (Float32 widened exactly)."""
    f = s.cast(pl.Float64)
    raw = f.fill_null(0.0).to_numpy().view(np.uint64)
    return f.is_null().to_list(), [int(b) for b in raw]


def assert_bits(par: pl.Series, one: pl.Series) -> None:
    assert bits(par) == bits(one)


def assert_close(par: pl.Series, one: pl.Series, rel: float = 1e-12) -> None:
    """Same nulls, NaN and infinities; finite values within ``rel`` relative."""
    assert par.is_null().to_list() == one.is_null().to_list()
    worst = 0.0
    for g, w in zip(par.cast(pl.Float64).to_list(), one.cast(pl.Float64).to_list(), strict=True):
        if g is None or w is None:
            continue
        if not math.isfinite(w):
            assert (math.isnan(g) and math.isnan(w)) or g == w, (g, w)
            continue
        assert math.isfinite(g), (g, w)
        if g != w:
            worst = max(worst, abs(g - w) / abs(w))
    assert worst <= rel, worst


def data(
    n: int = N, seed: int = 0, nulls: bool = True, specials: bool = False
) -> list[float | None]:
    """Positive, skewed values (so the moments are far from 0), with nulls and a run of them."""
    rng = np.random.default_rng(seed)
    xs: list[float | None] = list(10.0 + rng.exponential(3.0, size=n))
    if nulls:
        for i in range(5, n, 13):
            xs[i] = None
        for i in range(n // 3, n // 3 + 50):
            xs[i] = None
    if specials:
        xs[n // 2] = math.nan
        xs[n - 900] = math.inf
        xs[n - 700] = -math.inf
    return xs


def series(values: list[float | None], dtype: pl.DataType | None = None) -> pl.Series:
    return pl.Series("x", values, dtype=dtype or pl.Float64())


CUMULATIVE: dict[str, Make] = {
    "cum_mean": lambda e: pss.cum_mean(e),
    "cum_var": lambda e: pss.cum_var(e),
    "cum_std": lambda e: pss.cum_std(e, ddof=0, min_samples=3),
    "cum_skew": lambda e: pss.cum_skew(e, bias=False),
    "cum_kurtosis": lambda e: pss.cum_kurtosis(e),
    "cum_var_reverse": lambda e: pss.cum_var(e, reverse=True),
}

EXTREMES: dict[str, Make] = {
    "cum_min": lambda e: pss.cum_min(e),
    "cum_max": lambda e: pss.cum_max(e),
    "cum_peak_to_peak": lambda e: pss.cum_peak_to_peak(e),
    "cum_abs_max": lambda e: pss.cum_abs_max(e),
}


def ew(f: Callable[..., pl.Expr], adjust: bool, ignore_nulls: bool) -> Make:
    def make(e: pl.Expr) -> pl.Expr:
        return f(e, alpha=0.02, adjust=adjust, ignore_nulls=ignore_nulls)

    return make


EW: dict[str, Make] = {
    f"{name}_adjust={adjust}_ignore_nulls={ignore}": ew(f, adjust, ignore)
    for name, f in [("ewm_mean", pss.ewm_mean), ("ewm_var", pss.ewm_var), ("ewm_std", pss.ewm_std)]
    for adjust in [True, False]
    for ignore in [True, False]
}

ROLLING: dict[str, Make] = {
    "rolling_mean_10": lambda e: pss.rolling_mean(e, window_size=10, min_samples=1),
    "rolling_var_1000": lambda e: pss.rolling_var(e, window_size=1000, min_samples=2),
    "rolling_std_7_center": lambda e: pss.rolling_std(e, window_size=7, min_samples=3, center=True),
    "rolling_skew_100": lambda e: pss.rolling_skew(e, window_size=100, min_samples=50),
    "rolling_kurtosis_1000_center": lambda e: pss.rolling_kurtosis(
        e, window_size=1000, min_samples=4, center=True
    ),
    "rolling_min_33": lambda e: pss.rolling_min(e, window_size=33, min_samples=1),
    "rolling_max_1000": lambda e: pss.rolling_max(e, window_size=1000, min_samples=1),
    "rolling_peak_to_peak_64": lambda e: pss.rolling_peak_to_peak(e, window_size=64, min_samples=1),
    "rolling_abs_max_5": lambda e: pss.rolling_abs_max(e, window_size=5, min_samples=1),
    "rolling_quantile_10": lambda e: pss.rolling_quantile(
        e, 0.3, "linear", window_size=10, min_samples=1
    ),
    "rolling_quantile_1000": lambda e: pss.rolling_quantile(
        e, 0.5, window_size=1000, min_samples=1
    ),
    "rolling_quantile_999_center": lambda e: pss.rolling_quantile(
        e, 0.9, "midpoint", window_size=999, min_samples=1, center=True
    ),
    "rolling_median_250": lambda e: pss.rolling_median(e, window_size=250, min_samples=1),
    "rolling_iqr_50": lambda e: pss.rolling_iqr(e, window_size=50, min_samples=1),
    "rolling_iqr_2000_center": lambda e: pss.rolling_iqr(
        e, window_size=2000, min_samples=1, center=True
    ),
}


def test_long_columns_are_split_short_ones_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pieces come back as chunks: that shows the parallel path ran (this machine and CI
    # have at least 2 cores; with one thread nothing is split, see the subprocess test).
    s = series(data())
    for make in [
        CUMULATIVE["cum_var"],
        EW["ewm_mean_adjust=True_ignore_nulls=False"],
        ROLLING["rolling_quantile_1000"],
    ]:
        assert compute(monkeypatch, make, s, True).n_chunks() > 1
        assert compute(monkeypatch, make, s, False).n_chunks() == 1
        assert compute(monkeypatch, make, s[: LOW - 1], True).n_chunks() == 1


@pytest.mark.parametrize("name", list(CUMULATIVE))
@pytest.mark.parametrize("specials", [False, True])
def test_cumulative_moments_within_1e12(
    monkeypatch: pytest.MonkeyPatch, name: str, specials: bool
) -> None:
    par, one = both(monkeypatch, CUMULATIVE[name], series(data(specials=specials)))
    assert one.null_count() < N // 10
    assert_close(par, one)


@pytest.mark.parametrize("name", list(EXTREMES))
@pytest.mark.parametrize("specials", [False, True])
def test_cumulative_extremes_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch, name: str, specials: bool
) -> None:
    assert_bits(*both(monkeypatch, EXTREMES[name], series(data(specials=specials))))


@pytest.mark.parametrize("name", list(EW))
@pytest.mark.parametrize("specials", [False, True])
def test_ewm_within_1e12(monkeypatch: pytest.MonkeyPatch, name: str, specials: bool) -> None:
    par, one = both(monkeypatch, EW[name], series(data(specials=specials)))
    assert_close(par, one)


@pytest.mark.parametrize("name", list(ROLLING))
@pytest.mark.parametrize("specials", [False, True])
def test_rolling_bit_for_bit(monkeypatch: pytest.MonkeyPatch, name: str, specials: bool) -> None:
    par, one = both(monkeypatch, ROLLING[name], series(data(specials=specials)))
    assert one.null_count() < N // 10  # something to compare
    assert_bits(par, one)


def test_rolling_without_nulls_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Far from zero (the drift case of the two-stack), no nulls: the dense block paths.
    s = series([1e9 + x for x in data(nulls=False) if x is not None])
    for name in [
        "rolling_var_1000",
        "rolling_kurtosis_1000_center",
        "rolling_mean_10",
        "rolling_quantile_1000",
    ]:
        assert_bits(*both(monkeypatch, ROLLING[name], s))
    assert_close(*both(monkeypatch, CUMULATIVE["cum_var"], s), rel=1e-11)


LEADING = [None] * 25_000 + data(20_000)
EDGE_CASES: dict[str, pl.Series] = {
    "leading_nulls": series(LEADING),
    "all_null": series([None] * 20_000),
    "float32": series(data(), pl.Float32()),
    "chunked": chunked(data(), 7),
    "chunked_float32": chunked(data(), 3, pl.Float32()),
}


@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_edge_cases(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    s = EDGE_CASES[case]
    for name in [
        "rolling_var_1000",
        "rolling_quantile_1000",
        "rolling_quantile_10",
        "rolling_iqr_50",
    ]:
        assert_bits(*both(monkeypatch, ROLLING[name], s))
    for name in ["cum_max", "cum_peak_to_peak"]:
        assert_bits(*both(monkeypatch, EXTREMES[name], s))
    for make in [CUMULATIVE["cum_var"], CUMULATIVE["cum_kurtosis"], *EW.values()]:
        par, one = both(monkeypatch, make, s)
        # Float32 outputs are rounded to f32: the f64 results' last-bit differences
        # may round either way.
        assert_close(par, one, rel=1e-12 if s.dtype == pl.Float64 else 2**-23)


def test_over_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two groups above the (lowered) threshold and many small ones, interleaved.
    n = 3 * N
    keys = [i % 2 if i % 5 else 2 + i % 97 for i in range(n)]
    df = pl.DataFrame({"g": keys, "x": data(n)})
    cases: list[tuple[Make, bool]] = [
        (ROLLING["rolling_quantile_1000"], True),
        (ROLLING["rolling_var_1000"], True),
        (CUMULATIVE["cum_var"], False),
        (EW["ewm_std_adjust=False_ignore_nulls=False"], False),
    ]
    for make, exact in cases:
        expr = make(pl.col("x")).over("g")
        monkeypatch.setenv(ENV, str(LOW))
        par = df.select(expr).to_series()
        monkeypatch.setenv(ENV, str(1 << 62))
        one = df.select(expr).to_series()
        if exact:
            assert_bits(par, one)
        else:
            assert_close(par, one)


def test_bad_threshold_values_mean_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    s = series(data())
    for value in ["not a number", "-5", ""]:
        monkeypatch.setenv(ENV, value)
        assert s.to_frame().select(pss.cum_var("x")).to_series().n_chunks() == 1
    # A threshold below the floor acts as the floor (1024 rows).
    monkeypatch.setenv(ENV, "1")
    assert s[:1000].to_frame().select(pss.cum_var("x")).to_series().n_chunks() == 1
    assert s[:5000].to_frame().select(pss.cum_var("x")).to_series().n_chunks() > 1


def test_objects_stay_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # `obj.running(values)` is the expression's one pass, bit for bit, however long.
    monkeypatch.setenv(ENV, str(LOW))
    s = series(data())
    running = pss.Var().running(s)
    assert running.n_chunks() == 1
    monkeypatch.setenv(ENV, str(1 << 62))
    assert_bits(running, s.to_frame().select(pss.cum_var("x")).to_series())


CHILD = """
import json
import polars as pl
import polars_streamstats as pss
import numpy as np

x = pl.Series("x", 10.0 + np.random.default_rng(1).exponential(3.0, size=50_000))
df = x.to_frame()
out = {}
for name, e in [("cum_var", pss.cum_var("x")), ("ewm_mean", pss.ewm_mean("x", alpha=0.1)),
                ("quantile", pss.rolling_quantile("x", 0.5, window_size=1000))]:
    r = df.select(e).to_series()
    out[name] = [r.n_chunks(), r.to_numpy().view(np.uint64).tolist()]
print(json.dumps(out))
"""


def run_child(env: dict[str, str]) -> dict[str, list[object]]:
    import os

    base = {k: v for k, v in os.environ.items() if k not in ("POLARS_MAX_THREADS", ENV)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, list[object]] = json.loads(proc.stdout)
    return result


def test_one_thread_never_splits() -> None:
    one_thread = run_child({"POLARS_MAX_THREADS": "1", ENV: str(LOW)})
    one_pass = run_child({ENV: str(1 << 62)})
    two_threads = run_child({"POLARS_MAX_THREADS": "2", ENV: str(LOW)})
    for name in ["cum_var", "ewm_mean", "quantile"]:
        assert one_thread[name][0] == 1
        # No split: the very bits of one pass.
        assert one_thread[name][1] == one_pass[name][1]
        assert two_threads[name][0] != 1
    assert two_threads["quantile"][1] == one_pass["quantile"][1]


@pytest.mark.parametrize("adjust", [True, False])
def test_ewm_small_alpha_within_1e12(monkeypatch: pytest.MonkeyPatch, adjust: bool) -> None:
    # A warm-up would be long: the pieces start from prefix merges instead.
    s = series(data())
    for f in [pss.ewm_mean, pss.ewm_var]:

        def make(e: pl.Expr, f: Callable[..., pl.Expr] = f) -> pl.Expr:
            return f(e, alpha=1e-4, adjust=adjust)

        par, one = both(monkeypatch, make, s)
        assert par.n_chunks() > 1
        assert_close(par, one)
