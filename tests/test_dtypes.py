"""Output dtypes as Polars: integers, booleans, temporals and decimals, with Polars 2.1 as oracle.

- ``rolling_min``/``rolling_max``/``cum_min``/``cum_max`` keep the input dtype, exactly (no f64
  rounding: values beyond 2**53, Int64/UInt64 at the ends of their range, Int128/UInt128).
- ``peak_to_peak`` has the dtype of Polars' ``max() - min()`` (integers wrap as Polars does),
  ``abs_max`` that of ``abs().max()``.
- ``mean``/``median``/``quantile`` of temporals as Polars' ``rolling_mean``/``rolling_median``/
  ``rolling_quantile`` (Date gives ``Datetime("us")``; truncation toward zero), exact where
  Polars rounds nanosecond timestamps to f64.
- Every other statistic of a temporal, and every statistic of String, Categorical, Struct, ...,
  is an error naming the function and the dtype, raised at schema resolution.

Our cumulative statistics are Polars' rolling ones over a window as long as the column (a null
row outputs the statistic so far, unlike Polars' ``cum_max``), so that is their oracle.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

import polars_streamstats as pss
from polars_streamstats.quantile import Interpolation
from tests.helpers import chunked

WINDOWS = (1, 2, 3, 10)
N = 41  # rows per test column: every window size sees full, partial and null-heavy windows

# --------------------------------------------------------------------------------------------
# Test columns: physical integers (with nulls, both ends of the range, negatives), cast to the
# logical dtype, in several chunks.


def physical_values(lo: int, hi: int, seed: int, n: int = N) -> list[int | None]:
    """``n`` integers in ``[lo, hi]`` (both ends included, runs of nulls and repeats)."""
    rng = random.Random(seed)
    out: list[int | None] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.15:
            out.append(None)
        elif r < 0.25 and out and out[-1] is not None:
            out.append(out[-1])  # a repeated value
        else:
            out.append(rng.randint(lo, hi))
    out[3], out[n // 2] = lo, hi
    out[n // 2 + 1 : n // 2 + 4] = [None, None, None]
    return out


def column(physical: pl.DataType, dtype: pl.DataType, lo: int, hi: int, seed: int) -> pl.Series:
    """A 3-chunk column of ``dtype`` whose physical values lie in ``[lo, hi]``."""
    s = chunked(physical_values(lo, hi, seed), 3, physical)  # type: ignore[arg-type]
    if dtype == pl.Boolean:
        return s.cast(pl.Boolean)
    if isinstance(dtype, pl.Decimal):
        # Int128 -> Decimal casts rescale: build the physical values as decimals instead.
        scale = dtype.scale
        # (From strings: Decimal arithmetic would round to 28 digits.)
        values = [None if v is None else Decimal(f"{v}E-{scale}") for v in s.to_list()]
        return chunked(values, 3, dtype)  # type: ignore[arg-type]
    out = s.cast(dtype)
    assert out.n_chunks() == 3
    return out


I64 = (-(2**63), 2**63 - 1)
COLUMNS: dict[str, tuple[pl.DataType, pl.DataType, int, int]] = {
    # name: (physical, dtype, lo, hi)
    "Int8": (pl.Int8(), pl.Int8(), -128, 127),
    "Int16": (pl.Int16(), pl.Int16(), -(2**15), 2**15 - 1),
    "Int32": (pl.Int32(), pl.Int32(), -(2**31), 2**31 - 1),
    "Int64 near 2**53": (pl.Int64(), pl.Int64(), 2**53 - 20, 2**53 + 20),
    "Int64 wide": (pl.Int64(), pl.Int64(), -(2**60), 2**60),
    "Int64 full range": (pl.Int64(), pl.Int64(), *I64),
    "Int128": (pl.Int128(), pl.Int128(), -(2**120), 2**120),
    "UInt8": (pl.UInt8(), pl.UInt8(), 0, 255),
    "UInt16": (pl.UInt16(), pl.UInt16(), 0, 2**16 - 1),
    "UInt32": (pl.UInt32(), pl.UInt32(), 0, 2**32 - 1),
    "UInt64 near 2**64": (pl.UInt64(), pl.UInt64(), 2**64 - 30, 2**64 - 1),
    "UInt64 full range": (pl.UInt64(), pl.UInt64(), 0, 2**64 - 1),
    "UInt128": (pl.UInt128(), pl.UInt128(), 0, 2**127),
    "Boolean": (pl.UInt8(), pl.Boolean(), 0, 1),
    "Date": (pl.Int32(), pl.Date(), -30_000, 60_000),
    "Datetime(ms)": (pl.Int64(), pl.Datetime("ms"), -(10**14), 10**14),
    "Datetime(us, tz)": (pl.Int64(), pl.Datetime("us", "Asia/Kathmandu"), -(10**16), 10**16),
    "Datetime(ns, tz)": (pl.Int64(), pl.Datetime("ns", "Europe/Paris"), -(10**18), 10**18),
    "Duration(ms)": (pl.Int64(), pl.Duration("ms"), -(2**62), 2**62),
    "Duration(ns)": (pl.Int64(), pl.Duration("ns"), -(10**15), 10**15),
    "Time": (pl.Int64(), pl.Time(), 0, 86_400 * 10**9 - 1),
    "Decimal(10, 2)": (pl.Int128(), pl.Decimal(10, 2), -(10**10) + 1, 10**10 - 1),
    "Decimal(38, 0)": (pl.Int128(), pl.Decimal(38, 0), -(10**37), 10**37),
}


def make(name: str, seed: int = 0) -> pl.Series:
    physical, dtype, lo, hi = COLUMNS[name]
    return column(physical, dtype, lo, hi, seed)


# --------------------------------------------------------------------------------------------
# Oracles.


def polars_extreme(s: pl.Series, stat: str, w: int, m: int, center: bool) -> pl.Series:
    """Polars' rolling statistic over ``s`` (for Decimal: over its physical Int128 values,
    which Polars' rolling_max accepts; the caller compares physical values)."""
    if isinstance(s.dtype, pl.Decimal):
        s = s.to_physical()
    kw: dict[str, Any] = {"window_size": w, "min_samples": m, "center": center}
    if stat == "max":
        return s.rolling_max(**kw)
    if stat == "min":
        return s.rolling_min(**kw)
    if stat == "peak_to_peak":
        return s.rolling_max(**kw) - s.rolling_min(**kw)
    assert stat == "abs_max"
    return s.abs().rolling_max(**kw)


def expected_dtype(dtype: pl.DataType, stat: str) -> pl.DataType:
    """The dtype of ``max``/``min``, ``max() - min()`` or ``abs().max()`` in Polars (eager)."""
    if stat in ("max", "min"):
        return dtype
    probe = pl.Series([None], dtype=dtype)
    if stat == "peak_to_peak":
        return pl.select(pl.lit(probe).max() - pl.lit(probe).min()).to_series().dtype
    return pl.select(pl.lit(probe).abs().max()).to_series().dtype


def same(ours: pl.Series, theirs: pl.Series, context: str) -> None:
    """Exact equality; for Decimal results, of the physical values (dtypes checked apart)."""
    if isinstance(ours.dtype, pl.Decimal):
        ours = ours.to_physical()
    if isinstance(theirs.dtype, pl.Decimal):
        theirs = theirs.to_physical()
    try:
        assert_series_equal(ours, theirs, check_exact=True, check_names=False)
    except AssertionError as e:
        raise AssertionError(f"{context}: {e}") from None


ROLLING: dict[str, Callable[..., pl.Expr]] = {
    "max": pss.rolling_max,
    "min": pss.rolling_min,
    "peak_to_peak": pss.rolling_peak_to_peak,
    "abs_max": pss.rolling_abs_max,
}
CUMULATIVE: dict[str, Callable[..., pl.Expr]] = {
    "max": pss.cum_max,
    "min": pss.cum_min,
    "peak_to_peak": pss.cum_peak_to_peak,
    "abs_max": pss.cum_abs_max,
}
# Polars raises for these (abs and subtract are not defined on them); so do we.
UNSUPPORTED_EXTREMES = {
    ("peak_to_peak", "Boolean"),
    *(("abs_max", c) for c in COLUMNS if c == "Boolean" or c.startswith(("Date", "Time"))),
}
EXTREME_CASES = [
    (stat, name) for stat in ROLLING for name in COLUMNS if (stat, name) not in UNSUPPORTED_EXTREMES
]


# --------------------------------------------------------------------------------------------
# min, max, peak_to_peak, abs_max: every dtype, window, min_samples and center.


@pytest.mark.parametrize(("stat", "name"), EXTREME_CASES)
def test_rolling_extremes_match_polars(stat: str, name: str) -> None:
    s = make(name)
    want_dtype = expected_dtype(s.dtype, stat)
    for w in WINDOWS:
        for m in sorted({1, w}):
            for center in (False, True):
                ours = pl.select(ROLLING[stat](s, window_size=w, min_samples=m, center=center))
                ours_s = ours.to_series()
                context = f"{stat} {name} w={w} min_samples={m} center={center}"
                assert ours_s.dtype == want_dtype, context
                same(ours_s, polars_extreme(s, stat, w, m, center), context)


@pytest.mark.parametrize(("stat", "name"), EXTREME_CASES)
def test_cumulative_extremes_are_rolling_over_the_column(stat: str, name: str) -> None:
    s = make(name, seed=1)
    for m in (1, 2, 5):
        ours = pl.select(CUMULATIVE[stat](s, min_samples=m)).to_series()
        assert ours.dtype == expected_dtype(s.dtype, stat)
        same(ours, polars_extreme(s, stat, len(s), m, False), f"cum {stat} {name} m={m}")


def test_issue_example_int64_beyond_2_pow_53() -> None:
    s = pl.Series("x", [2**53 + 1, 2**53 + 3, 1])
    out = pl.select(pss.cum_max(s)).to_series()
    assert out.dtype == pl.Int64
    assert out.to_list() == [2**53 + 1, 2**53 + 3, 2**53 + 3]
    assert pl.select(pss.cum_min(s)).to_series().to_list() == [2**53 + 1, 2**53 + 1, 1]
    assert pl.select(pss.cum_peak_to_peak(s)).to_series().to_list() == [0, 2, 2**53 + 2]


def brute_window(values: list[int | None], w: int, m: int, center: bool) -> list[list[int] | None]:
    """The non-null values of each row's window (None below ``m`` of them), as Polars."""
    n = len(values)
    b = (w + 1) // 2 - 1 if center else 0
    out: list[list[int] | None] = []
    for i in range(n):
        window = [v for v in values[max(0, i - (w - 1 - b)) : i + b + 1] if v is not None]
        out.append(window if len(window) >= max(m, 1) else None)
    return out


@pytest.mark.parametrize("name", ["Int64 full range", "UInt64 near 2**64", "UInt128", "Int128"])
def test_extremes_exact_against_python_integers(name: str) -> None:
    """An oracle in Python integers: no f64 anywhere."""
    s = make(name, seed=2)
    values = s.to_list()
    width = {"Int64": 64, "UInt64": 64, "UInt128": 128, "Int128": 128}[name.split()[0]]
    signed = name.startswith("Int")

    def wrap(x: int) -> int:
        x %= 2**width
        return x - 2**width if signed and x >= 2 ** (width - 1) else x

    for w in (3, 10):
        windows = brute_window(values, w, 2, True)
        got = {
            stat: pl.select(ROLLING[stat](s, window_size=w, min_samples=2, center=True))
            .to_series()
            .to_list()
            for stat in ROLLING
        }
        assert got["max"] == [None if v is None else max(v) for v in windows]
        assert got["min"] == [None if v is None else min(v) for v in windows]
        assert got["peak_to_peak"] == [
            None if v is None else wrap(max(v) - min(v)) for v in windows
        ]
        assert got["abs_max"] == [
            None if v is None else max(wrap(abs(x)) for x in v) for v in windows
        ]


def test_wrapping_as_polars() -> None:
    """Int8: 127 - (-128) wraps to -1 and abs(-128) is -128, as Polars' ``max() - min()`` and
    ``abs().max()``."""
    s = pl.Series("x", [-128, 127, 5], dtype=pl.Int8)
    ours = pl.select(pss.cum_peak_to_peak(s)).to_series()
    assert ours.dtype == pl.Int8
    assert ours.to_list() == [0, -1, -1]
    assert pl.select(pl.lit(s).max() - pl.lit(s).min()).item() == -1
    assert pl.select(pss.cum_abs_max(s)).to_series().to_list() == [-128, 127, 127]
    assert pl.select(pss.rolling_abs_max(s, window_size=1)).to_series().to_list() == [-128, 127, 5]
    assert s.abs().to_list() == [-128, 127, 5]


def test_decimal_peak_to_peak_overflow_raises_as_polars() -> None:
    big = Decimal("9" * 38)
    s = pl.Series("x", [big, Decimal("-" + "9" * 38)], dtype=pl.Decimal(38, 0))
    with pytest.raises(pl.exceptions.ComputeError, match="overflow in decimal subtraction"):
        pl.select(pl.lit(s).max() - pl.lit(s).min())
    with pytest.raises(pl.exceptions.ComputeError, match=r"pss.cum_peak_to_peak: overflow"):
        pl.select(pss.cum_peak_to_peak(s))
    # Within Decimal(38)'s range the difference is exact.
    ok = pl.Series("x", [Decimal(10**37), Decimal(-(10**37) + 1)], dtype=pl.Decimal(38, 0))
    out = pl.select(pss.cum_peak_to_peak(ok)).to_series()
    assert out.dtype == pl.Decimal(38, 0)
    assert out.to_list() == [0, Decimal(2 * 10**37 - 1)]


def test_decimal_extremes_keep_scale_and_precision() -> None:
    s = pl.Series(
        "x", [Decimal("1.25"), None, Decimal("-3.50"), Decimal("2.00")], dtype=pl.Decimal(5, 2)
    )
    assert pl.select(pss.cum_max(s)).to_series().dtype == pl.Decimal(5, 2)
    assert pl.select(pss.cum_max(s)).to_series().to_list() == [Decimal("1.25")] * 3 + [
        Decimal("2.00")
    ]
    assert pl.select(pss.cum_abs_max(s)).to_series().to_list()[-1] == Decimal("3.50")
    p2p = pl.select(pss.cum_peak_to_peak(s)).to_series()
    assert p2p.dtype == pl.Decimal(38, 2)
    assert p2p.to_list()[-1] == Decimal("5.50")
    # Polars' own cum_max keeps Decimal too (its rolling_max rejects it).
    assert s.cum_max().dtype == pl.Decimal(5, 2)


def test_float16_float32_kept_by_extremes() -> None:
    for dtype in (pl.Float16, pl.Float32):
        s = pl.Series("x", [1.5, None, -2.25, 3.0], dtype=dtype)
        for stat, f in CUMULATIVE.items():
            out = pl.select(f(s)).to_series()
            assert out.dtype == dtype, stat
            same(out, polars_extreme(s, stat, len(s), 1, False), f"{stat} {dtype}")


# --------------------------------------------------------------------------------------------
# mean, median, quantile of temporals.

# Columns whose physical values (and sums of 10 of them) are exact in f64, so that Polars'
# own f64 arithmetic is exact and can be compared exactly.
LOCATION_COLUMNS: dict[str, tuple[pl.DataType, pl.DataType, int, int]] = {
    "Date": (pl.Int32(), pl.Date(), -30_000, 60_000),
    "Datetime(ms)": (pl.Int64(), pl.Datetime("ms"), -(10**14), 10**14),
    "Datetime(us, tz)": (pl.Int64(), pl.Datetime("us", "America/New_York"), 0, 10**14),
    "Datetime(ns, tz)": (pl.Int64(), pl.Datetime("ns", "Asia/Kathmandu"), -(10**14), 10**14),
    "Duration(us)": (pl.Int64(), pl.Duration("us"), -(10**14), 10**14),
    "Duration(ns) small": (pl.Int64(), pl.Duration("ns"), -5, 5),
    "Time": (pl.Int64(), pl.Time(), 0, 86_400 * 10**9 - 1),
}
HOWS: tuple[Interpolation, ...] = (
    "nearest",
    "lower",
    "higher",
    "linear",
    "midpoint",
    "equiprobable",
)
QUANTILES = [(q, how) for how in HOWS for q in (0.0, 0.3, 0.5, 1.0)]


def location_column(name: str, seed: int = 0) -> pl.Series:
    physical, dtype, lo, hi = LOCATION_COLUMNS[name]
    return column(physical, dtype, lo, hi, seed)


def location_dtype(dtype: pl.DataType) -> pl.DataType:
    return pl.Datetime("us") if dtype == pl.Date else dtype


@pytest.mark.parametrize("name", LOCATION_COLUMNS)
def test_rolling_mean_median_of_temporals_match_polars(name: str) -> None:
    s = location_column(name)
    for w in WINDOWS:
        for m in sorted({1, w}):
            for center in (False, True):
                kw: dict[str, Any] = {"window_size": w, "min_samples": m, "center": center}
                context = f"{name} w={w} m={m} center={center}"
                mean = pl.select(pss.rolling_mean(s, **kw)).to_series()
                assert mean.dtype == location_dtype(s.dtype), context
                same(mean, s.rolling_mean(**kw), "mean " + context)
                same(
                    pl.select(pss.rolling_median(s, **kw)).to_series(),
                    s.rolling_median(**kw),
                    "median " + context,
                )


@pytest.mark.parametrize("name", LOCATION_COLUMNS)
def test_rolling_quantiles_of_temporals_match_polars(name: str) -> None:
    s = location_column(name, seed=3)
    for q, how in QUANTILES:
        for w in (2, 3, 10):
            for center in (False, True):
                kw: dict[str, Any] = {"window_size": w, "min_samples": 1, "center": center}
                ours = pl.select(pss.rolling_quantile(s, quantile=q, interpolation=how, **kw))
                theirs = s.rolling_quantile(quantile=q, interpolation=how, **kw)
                context = f"{name} q={q} {how} w={w} center={center}"
                assert ours.to_series().dtype == location_dtype(s.dtype), context
                same(ours.to_series(), theirs, context)


@pytest.mark.parametrize("name", LOCATION_COLUMNS)
def test_cumulative_location_of_temporals_is_rolling_over_the_column(name: str) -> None:
    s = location_column(name, seed=4)
    whole: dict[str, Any] = {"window_size": len(s), "min_samples": 1}
    same(pl.select(pss.cum_mean(s)).to_series(), s.rolling_mean(**whole), f"cum_mean {name}")
    same(pl.select(pss.cum_median(s)).to_series(), s.rolling_median(**whole), f"cum_median {name}")
    for q, how in QUANTILES:
        ours = pl.select(pss.cum_quantile(s, quantile=q, interpolation=how)).to_series()
        theirs = s.rolling_quantile(quantile=q, interpolation=how, **whole)
        same(ours, theirs, f"cum_quantile {name} q={q} {how}")


def test_long_temporal_columns_use_the_whole_column_index() -> None:
    """Windows of >= 200 rows and cumulative quantiles of >= 200 rows take the rank-index path."""
    rng = random.Random(5)
    values = [None if rng.random() < 0.1 else rng.randint(-(10**12), 10**12) for _ in range(1500)]
    s = chunked(values, 4, pl.Int64).cast(pl.Datetime("us", "UTC"))  # type: ignore[arg-type]
    for how in ("nearest", "linear"):
        for center in (False, True):
            kw: dict[str, Any] = {"window_size": 300, "min_samples": 1, "center": center}
            ours = pl.select(
                pss.rolling_quantile(s, quantile=0.3, interpolation=how, **kw)
            ).to_series()
            same(ours, s.rolling_quantile(0.3, interpolation=how, **kw), f"{how} center={center}")
        ours = pl.select(pss.cum_quantile(s, quantile=0.7, interpolation=how)).to_series()
        same(
            ours, s.rolling_quantile(0.7, interpolation=how, window_size=len(s), min_samples=1), how
        )
    same(
        pl.select(pss.cum_median(s, method="p2")).to_series().dt.epoch("us").is_not_null(),
        s.is_not_null().cum_sum().gt(0).alias("x"),
        "p2 median",
    )


def test_temporal_mean_truncates_toward_zero_as_polars() -> None:
    for unit in ("ms", "us", "ns"):
        s = pl.Series("x", [1, 2, 2, 2, -1, -2, -2, 1, 2, 4]).cast(pl.Datetime(unit))
        ours = pl.select(pss.rolling_mean(s, window_size=2)).to_series()
        assert ours.to_physical().to_list() == [None, 1, 2, 2, 0, -1, -2, 0, 1, 3]
        same(ours, s.rolling_mean(2), unit)
    # Dates: the mean in days, scaled to microseconds (Polars' -0.7 days is -60479999999 us).
    d = pl.Series("x", [0, 1, 0, -1, -2, 5], dtype=pl.Int32).cast(pl.Date)
    q = pl.select(pss.rolling_quantile(d, quantile=0.3, interpolation="linear", window_size=2))
    assert q.to_series().to_physical().to_list()[3] == -60_479_999_999
    same(q.to_series(), d.rolling_quantile(0.3, "linear", 2), "date quantile")


NS_2027 = 1_800_000_000_000_000_000  # ns timestamps of today's magnitude are not exact in f64


@pytest.mark.parametrize("spread", [1_000, 10**17])
def test_nanosecond_timestamps_keep_nanoseconds(spread: int) -> None:
    """Beyond 2**53 Polars rounds timestamps to f64 (~256 ns); we compute relative to the
    column's minimum. Oracle: Polars on the offsets from the minimum (small, exact), plus the
    minimum in integers; selecting quantiles through dense ranks (exact)."""
    rng = random.Random(spread)
    values = [None if rng.random() < 0.1 else NS_2027 + rng.randint(0, spread) for _ in range(60)]
    values[5], values[6] = NS_2027 + 1, NS_2027 + 2  # mean NS_2027 + 1.5: truncated to + 1
    s = chunked(values, 2, pl.Int64).cast(pl.Datetime("ns", "UTC"))  # type: ignore[arg-type]
    phys = s.to_physical()
    low = int(phys.min())  # type: ignore[arg-type]
    offsets = phys - low

    def shifted(y: pl.Series) -> list[int | None]:
        # Truncation toward zero of low + y, in integers (every timestamp here is positive).
        return [None if v is None else low + int(v) for v in y.to_list()]

    kw: dict[str, Any] = {"window_size": 4, "min_samples": 1}
    mean = pl.select(pss.rolling_mean(s, **kw)).to_series()
    assert mean.dtype == pl.Datetime("ns", "UTC")
    if spread < 2**53:
        assert mean.to_physical().to_list() == shifted(offsets.rolling_mean(**kw))
        pair = pl.select(pss.rolling_mean(s, window_size=2)).to_series().to_physical()
        assert pair[6] == NS_2027 + 1  # Polars: 1800000000000000000 (f64 rounding)
        linear = pl.select(pss.rolling_quantile(s, quantile=0.3, interpolation="linear", **kw))
        want = shifted(offsets.rolling_quantile(0.3, "linear", **kw))
        assert linear.to_series().to_physical().to_list() == want
    else:
        # Offsets beyond 2**53 are rounded too, but relative to the spread, not to 1.8e18.
        got = mean.to_physical().to_list()
        want_f = shifted(offsets.cast(pl.Float64).rolling_mean(**kw))
        assert all(
            g == w or abs(g - w) <= spread / 2**48
            for g, w in zip(got, want_f, strict=True)
            if g is not None
        )
    ranks = phys.rank("dense").cast(pl.Int64)
    distinct = sorted(set(v for v in phys.to_list() if v is not None))
    for how in ("nearest", "lower", "higher", "equiprobable"):
        ours = pl.select(pss.rolling_quantile(s, quantile=0.3, interpolation=how, **kw)).to_series()
        want_ranks = ranks.rolling_quantile(0.3, how, **kw).to_list()
        want_values = [None if r is None else distinct[int(r) - 1] for r in want_ranks]
        assert ours.to_physical().to_list() == want_values, how
        cum = pl.select(pss.cum_quantile(s, quantile=0.3, interpolation=how)).to_series()
        cum_ranks = ranks.rolling_quantile(0.3, how, window_size=len(s), min_samples=1).to_list()
        assert cum.to_physical().to_list() == [
            None if r is None else distinct[int(r) - 1] for r in cum_ranks
        ]


def test_integer_location_stays_float64() -> None:
    s = pl.Series("x", [1, None, 2, 4], dtype=pl.Int16)
    for f in (pss.rolling_mean, pss.rolling_median):
        out = pl.select(f(s, window_size=2, min_samples=1)).to_series()
        assert out.dtype == pl.Float64
    same(pl.select(pss.cum_mean(s)).to_series(), s.rolling_mean(4, min_samples=1), "int mean")


# --------------------------------------------------------------------------------------------
# Empty, all-null, window_size=0, contexts.

ALL_STATS: dict[str, Callable[[Any], pl.Expr]] = {
    **{f"rolling_{k}": partial(f, window_size=3, min_samples=1) for k, f in ROLLING.items()},
    **{f"cum_{k}": f for k, f in CUMULATIVE.items()},
    "rolling_mean": lambda s: pss.rolling_mean(s, window_size=3, min_samples=1),
    "rolling_median": lambda s: pss.rolling_median(s, window_size=3, min_samples=1),
    "rolling_quantile": lambda s: pss.rolling_quantile(
        s, quantile=0.2, window_size=3, min_samples=1
    ),
    "cum_mean": lambda s: pss.cum_mean(s),
    "cum_median": lambda s: pss.cum_median(s),
    "cum_quantile": lambda s: pss.cum_quantile(s, quantile=0.2),
}


def expected_output_dtype(stat: str, dtype: pl.DataType) -> pl.DataType:
    kind = stat.split("_", 1)[1]
    if kind in ROLLING:
        return expected_dtype(dtype, kind)
    if dtype.is_temporal():
        return location_dtype(dtype)
    return pl.Float64()


@pytest.mark.parametrize("name", list(COLUMNS))
@pytest.mark.parametrize("stat", list(ALL_STATS))
def test_empty_and_all_null_columns(stat: str, name: str) -> None:
    _, dtype, _, _ = COLUMNS[name]
    if stat.split("_", 1)[1] in ROLLING and (stat.split("_", 1)[1], name) in UNSUPPORTED_EXTREMES:
        return
    want = expected_output_dtype(stat, dtype)
    for s in (pl.Series("x", [], dtype=dtype), pl.Series("x", [None] * 5, dtype=dtype)):
        out = pl.select(ALL_STATS[stat](s)).to_series()
        assert out.dtype == want, f"{stat} {name} len={len(s)}"
        assert out.null_count() == len(s)
        lazy = pl.LazyFrame({"x": s}).select(ALL_STATS[stat](pl.col("x")))
        assert lazy.collect_schema()["x"] == want


@pytest.mark.parametrize("name", list(COLUMNS))
def test_schema_is_what_the_data_gets(name: str) -> None:
    """The dtype announced at schema resolution is the dtype of the result."""
    s = make(name, seed=6)
    lf = pl.LazyFrame({"x": s})
    for stat, f in ALL_STATS.items():
        kind = stat.split("_", 1)[1]
        if kind in ROLLING and (kind, name) in UNSUPPORTED_EXTREMES:
            continue
        expr = f(pl.col("x"))
        schema = lf.select(expr).collect_schema()["x"]
        assert schema == lf.select(expr).collect().to_series().dtype, f"{stat} {name}"
        assert schema == expected_output_dtype(stat, s.dtype), f"{stat} {name}"


@pytest.mark.parametrize(
    "name", ["Int64 full range", "Datetime(ns, tz)", "Decimal(10, 2)", "Boolean", "Time"]
)
def test_window_size_zero_gives_nulls_of_the_dtype(name: str) -> None:
    s = make(name)
    for stat in ("max", "min"):
        out = pl.select(ROLLING[stat](s, window_size=0)).to_series()
        assert out.dtype == s.dtype
        assert out.null_count() == len(s)
        for center in (False, True):
            theirs = polars_extreme(s, stat, 0, 0, center)
            same(
                pl.select(ROLLING[stat](s, window_size=0, center=center)).to_series(), theirs, name
            )


def grouped_frame() -> pl.DataFrame:
    rng = random.Random(7)
    n = 90
    g = [rng.choice("abc") for _ in range(n)]
    big = [None if rng.random() < 0.1 else rng.randint(-(2**62), 2**62) for _ in range(n)]
    ts = [None if v is None else v // 1000 for v in big]
    return pl.DataFrame(
        {
            "g": g,
            "big": pl.Series(big, dtype=pl.Int64),
            "ts": pl.Series(ts, dtype=pl.Int64).cast(pl.Datetime("us", "Europe/Paris")),
            "small_ts": pl.Series(
                [None if v is None else v // 10**9 for v in big], dtype=pl.Int64
            ).cast(pl.Datetime("ns", "Asia/Kathmandu")),
        }
    )


def test_lazy_and_over_contexts() -> None:
    df = grouped_frame()
    for col in ("big", "ts"):
        for center in (False, True):
            kw: dict[str, Any] = {"window_size": 4, "min_samples": 2, "center": center}
            ours = df.lazy().select(
                pss.rolling_max(col, **kw).over("g").alias("max"),
                pss.rolling_peak_to_peak(col, **kw).over("g").alias("p2p"),
            )
            theirs = df.lazy().select(
                pl.col(col).rolling_max(**kw).over("g").alias("max"),
                (pl.col(col).rolling_max(**kw) - pl.col(col).rolling_min(**kw))
                .over("g")
                .alias("p2p"),
            )
            assert ours.collect_schema() == theirs.collect_schema()
            assert_frame_equal(ours.collect(), theirs.collect())
    ours_mean = df.select(pss.rolling_mean("small_ts", window_size=3, min_samples=1).over("g"))
    theirs_mean = df.select(pl.col("small_ts").rolling_mean(3, min_samples=1).over("g"))
    assert_frame_equal(ours_mean, theirs_mean)


def test_group_by_context() -> None:
    df = grouped_frame().drop_nulls()  # Polars' cum_max leaves null rows null; ours does not
    ours = df.group_by("g", maintain_order=True).agg(
        pss.cum_max("big").alias("max"),
        pss.cum_min("ts").alias("min"),
        pss.cum_mean("small_ts").alias("mean"),
    )
    theirs = df.group_by("g", maintain_order=True).agg(
        pl.col("big").cum_max().alias("max"),
        pl.col("ts").cum_min().alias("min"),
        pl.col("small_ts").rolling_mean(10**6, min_samples=1).alias("mean"),
    )
    assert_frame_equal(ours, theirs)


def test_multi_column_expression_keeps_each_dtype() -> None:
    df = pl.DataFrame(
        {
            "a": pl.Series([3, 1, 2], dtype=pl.UInt16),
            "d": pl.Series([dt.date(2024, 1, 3), None, dt.date(2024, 1, 1)]),
            "t": pl.Series([dt.time(1), dt.time(3), dt.time(2)]),
        }
    )
    out = df.select(pss.cum_max(pl.all()))
    assert out.schema == df.schema
    assert out.row(-1) == (3, dt.date(2024, 1, 3), dt.time(3))
    p2p = df.select(pss.cum_peak_to_peak(pl.all()))
    assert p2p.schema == pl.Schema(
        {"a": pl.UInt16(), "d": pl.Duration("us"), "t": pl.Duration("ns")}
    )
    assert p2p.row(-1) == (2, dt.timedelta(days=2), dt.timedelta(hours=2))


def test_reverse_cumulative_keeps_dtype() -> None:
    s = make("Datetime(ns, tz)")
    ours = pl.select(pss.cum_max(s, reverse=True)).to_series()
    want = polars_extreme(s.reverse(), "max", len(s), 1, False).reverse()
    same(ours, want, "reverse")


# --------------------------------------------------------------------------------------------
# Errors: raised where Polars resolves the schema, naming the function and the dtype.
#
# Polars 2.1 wraps every error of a plugin in a ComputeError ("the plugin failed with message:
# ..."), so the exception cannot be Polars' InvalidOperationError; the message is Polars' own.

NUMERIC_ONLY: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "rolling_var": lambda e: pss.rolling_var(e, window_size=3),
    "rolling_std": lambda e: pss.rolling_std(e, window_size=3),
    "rolling_skew": lambda e: pss.rolling_skew(e, window_size=3),
    "rolling_kurtosis": lambda e: pss.rolling_kurtosis(e, window_size=3),
    "rolling_iqr": lambda e: pss.rolling_iqr(e, window_size=3),
    "rolling_ewm_mean": lambda e: pss.rolling_ewm_mean(e, window_size=3, alpha=0.5),
    "cum_var": lambda e: pss.cum_var(e),
    "cum_std": lambda e: pss.cum_std(e),
    "cum_skew": lambda e: pss.cum_skew(e),
    "cum_kurtosis": lambda e: pss.cum_kurtosis(e),
    "cum_iqr": lambda e: pss.cum_iqr(e),
    "ewm_mean": lambda e: pss.ewm_mean(e, alpha=0.5),
    "ewm_var": lambda e: pss.ewm_var(e, alpha=0.5),
    "ewm_std": lambda e: pss.ewm_std(e, alpha=0.5),
}
# The plugin behind each function (the median is the quantile plugin at 0.5).
PLUGIN_OF = {"rolling_median": "rolling_quantile", "cum_median": "cum_quantile"}
EVERY_STAT: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    **NUMERIC_ONLY,
    **ALL_STATS,
}
TEMPORALS = [
    pl.Date(),
    pl.Datetime("ns"),
    pl.Datetime("us", "Europe/Paris"),
    pl.Duration("ms"),
    pl.Time(),
]


def raises_naming(function: str, dtype_text: str, run: Callable[[], object]) -> None:
    plugin = PLUGIN_OF.get(function, function)
    pattern = re.escape(f"`pss.{plugin}` operation not supported for dtype `{dtype_text}`")
    with pytest.raises(pl.exceptions.ComputeError, match=pattern):
        run()


def check_raises(
    function: str, expr_of: Callable[[pl.Expr], pl.Expr], s: pl.Series, dtype_text: str
) -> None:
    df = pl.DataFrame({"x": s})
    expr = expr_of(pl.col("x"))
    raises_naming(function, dtype_text, lambda: df.lazy().select(expr).collect_schema())
    raises_naming(function, dtype_text, lambda: df.select(expr))


@pytest.mark.parametrize("dtype", TEMPORALS, ids=str)
@pytest.mark.parametrize("function", list(NUMERIC_ONLY))
def test_numeric_statistics_reject_temporals(function: str, dtype: pl.DataType) -> None:
    """Polars computes std/var of Date/Datetime/Time (and ewm_mean of any temporal) on the raw
    integers, in no stated unit; we raise instead (deliberate)."""
    s = pl.Series("x", [1, 2, 3]).cast(dtype)
    check_raises(function, NUMERIC_ONLY[function], s, polars_dtype_text(s))


def polars_dtype_text(s: pl.Series) -> str:
    """The dtype as Polars names it in its messages (e.g. ``datetime[ns, Europe/Paris]``)."""
    return {
        pl.Date: "date",
        pl.Time: "time",
        pl.Boolean: "bool",
        pl.String: "str",
        pl.Binary: "binary",
        pl.Categorical: "cat",
        pl.Object: "binary",  # objects reach plugins as binary
    }.get(s.dtype.base_type(), "") or _parametric_text(s.dtype)


def unit_text(unit: str) -> str:
    return "μs" if unit == "us" else unit


def _parametric_text(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        tz = f", {dtype.time_zone}" if dtype.time_zone else ""
        return f"datetime[{unit_text(dtype.time_unit)}{tz}]"
    if isinstance(dtype, pl.Duration):
        return f"duration[{unit_text(dtype.time_unit)}]"
    if isinstance(dtype, pl.Enum):
        return "enum"
    if isinstance(dtype, pl.List):
        return "list[i64]"
    if isinstance(dtype, pl.Array):
        return "array[i64, 2]"
    if isinstance(dtype, pl.Struct):
        return "struct[1]"
    raise AssertionError(dtype)


@pytest.mark.parametrize(
    ("function", "values", "dtype"),
    [
        ("rolling_peak_to_peak", [True, False], pl.Boolean()),
        ("cum_peak_to_peak", [True, False], pl.Boolean()),
        *(
            (f, [1, 2], d)
            for f in ("rolling_abs_max", "cum_abs_max")
            for d in (pl.Boolean(), pl.Date(), pl.Datetime("us", "UTC"), pl.Time())
        ),
    ],
    ids=str,
)
def test_extremes_reject_what_polars_rejects(
    function: str, values: list[Any], dtype: pl.DataType
) -> None:
    s = pl.Series("x", values).cast(dtype)
    kind = function.split("_", 1)[1]
    assert kind in ROLLING
    f = ROLLING[kind] if function.startswith("rolling") else CUMULATIVE[kind]
    expr_of: Callable[[pl.Expr], pl.Expr] = (
        (lambda e: f(e, window_size=2)) if function.startswith("rolling") else (lambda e: f(e))
    )
    check_raises(function, expr_of, s, polars_dtype_text(s))
    # Polars raises too, for its own `max - min` / `abs().max()`.
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.select(pl.lit(s).abs().max() if kind == "abs_max" else pl.lit(s).max() - pl.lit(s).min())


UNSUPPORTED_SERIES = [
    pl.Series("x", ["a", "b"]),
    pl.Series("x", ["a", "b"], dtype=pl.Categorical),
    pl.Series("x", ["a", "b"], dtype=pl.Enum(["a", "b"])),
    pl.Series("x", [{"a": 1}, {"a": 2}]),
    pl.Series("x", [[1], [2, 3]]),
    pl.Series("x", [[1, 2], [3, 4]], dtype=pl.Array(pl.Int64, 2)),
    pl.Series("x", [b"a", b"b"]),
    pl.Series("x", [object(), object()], dtype=pl.Object),
]


@pytest.mark.parametrize("s", UNSUPPORTED_SERIES, ids=lambda s: str(s.dtype))
@pytest.mark.parametrize("function", list(EVERY_STAT))
def test_unsupported_dtypes_raise_naming_function_and_dtype(function: str, s: pl.Series) -> None:
    text = polars_dtype_text(s)
    check_raises(function, EVERY_STAT[function], s, text)


def test_error_message_is_polars_wording() -> None:
    s = pl.Series("x", [dt.datetime(2024, 1, 1)], dtype=pl.Datetime("ns"))
    with pytest.raises(pl.exceptions.ComputeError) as info:
        pl.LazyFrame({"x": s}).select(pss.rolling_std("x", window_size=2)).collect_schema()
    assert "`pss.rolling_std` operation not supported for dtype `datetime[ns]`" in str(info.value)
    # Polars' own wording, for comparison.
    with pytest.raises(
        pl.exceptions.InvalidOperationError, match="operation not supported for dtype `datetime"
    ):
        pl.select(pl.lit(s).rolling_skew(2))


def test_dates_whose_microseconds_leave_i64_are_null_as_polars() -> None:
    """Found in review: these saturated (mean) or wrapped (peak-to-peak) instead."""
    far = pl.Series("d", [-(2**31), 0, 3, 2**31 - 1, 7], dtype=pl.Int32).cast(pl.Date)
    for window in (1, 2):
        ours = pl.select(pss.rolling_mean(far, window, min_samples=1)).to_series()
        assert_series_equal(ours, far.rolling_mean(window, min_samples=1))
    assert pl.select(pss.cum_mean(far)).to_series().to_list()[:2] == [None, None]
    # A span of days beyond i64 microseconds is null, as in Polars (which also gives null
    # when one end alone is beyond ±292,471 years; we give its exact span there).
    ours = pl.select(pss.rolling_peak_to_peak(far, 2, min_samples=1)).to_series()
    theirs = far.rolling_max(2, min_samples=1) - far.rolling_min(2, min_samples=1)
    assert ours.to_list()[1:4] == [None, dt.timedelta(days=3), None] == theirs.to_list()[1:4]


def test_unsupported_dtype_error_names_the_column() -> None:
    frame = pl.DataFrame({"a": [1.0], "s": ["x"]})
    with pytest.raises(pl.exceptions.ComputeError, match=r'dtype `str` \(column "s"\)'):
        frame.select(pss.cum_mean(pl.all()))
    with pytest.raises(pl.exceptions.ComputeError, match=r'dtype `str` \(column "s"\)'):
        frame.lazy().select(pss.rolling_max(pl.all(), 2)).collect_schema()
