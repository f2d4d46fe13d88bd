"""Time windows (issue 9): the ``_by`` expressions against Polars 2.1 and brute-force references.

- Where Polars has the statistic (mean, var, std, min, max, median, quantile, ``ewm_mean_by``;
  peak-to-peak and abs-max through ``rolling_max_by``/``rolling_min_by``; IQR as the
  difference of two ``rolling_quantile_by``), Polars is the oracle: bit for bit for the order
  statistics (null and NaN positions included), within ``1e-12`` relative for the others.
- Skew and kurtosis: Polars' row-count ``rolling_skew``/``rolling_kurtosis`` applied to the
  values of each row's time window (found here by brute force from the ``closed`` rule).
- ``rolling_ewm_mean_by``, ``ewm_var_by``, ``ewm_std_by``: their documented definitions,
  computed row by row in plain Python.
- Hypothesis draws random unsorted integer times with duplicates, null times and values,
  windows and ``closed``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.exceptions import ComputeError, InvalidOperationError

import polars_streamstats as pss
from polars_streamstats.by import ClosedInterval

Opts = dict[str, Any]
Window = str | dt.timedelta
Value = float | int | None

CLOSED: list[ClosedInterval] = ["right", "left", "both", "none"]
MIN_SAMPLES = [1, 2, 5]
INTERPOLATIONS = ["nearest", "higher", "lower", "midpoint", "linear", "equiprobable"]
QUANTILES = [0.0, 0.1, 0.37, 0.5, 0.9, 1.0]
REL = 1e-12  # moments and EW means against Polars
REL_HIGHER = 1e-9  # skew/kurtosis (4th powers, different algorithms) and the O(n^2) EW references
EXACT = 0.0
REL32 = 1e-5  # Float32 values: Polars accumulates in Float32, we in Float64
PLUGIN_ERRORS = (ComputeError, InvalidOperationError)

# Every statistic Polars has a `_by` form of (or an exact composition of such forms), each with
# the list of option sets one test computes at once.
POLARS_VARIANTS: list[tuple[str, list[Opts]]] = [
    ("mean", [{}]),
    ("var", [{"ddof": d} for d in (0, 1, 2)]),
    ("std", [{"ddof": d} for d in (0, 1, 2)]),
    ("min", [{}]),
    ("max", [{}]),
    ("median", [{}]),
    *[
        ("quantile", [{"quantile": q, "interpolation": i} for q in QUANTILES])
        for i in INTERPOLATIONS
    ],
    ("peak_to_peak", [{}]),
    ("abs_max", [{}]),
    (
        "iqr",
        [
            {},
            {"q_inf": 0.1, "q_sup": 0.9, "interpolation": "linear"},
            {"q_inf": 0.0, "q_sup": 1.0, "interpolation": "midpoint"},
        ],
    ),
]
EXACT_KINDS = {"min", "max", "median", "quantile", "peak_to_peak", "abs_max", "iqr"}
MOMENT_VARIANTS: list[Opts] = [
    {"kind": "skew", "bias": True},
    {"kind": "skew", "bias": False},
    *[{"kind": "kurtosis", "fisher": f, "bias": b} for f in (True, False) for b in (True, False)],
]


def variant_id(kind: str, opts_list: list[Opts]) -> str:
    first = opts_list[0]
    return kind + (f"-{first['interpolation']}" if kind == "quantile" else "")


POLARS_IDS = [variant_id(k, o) for k, o in POLARS_VARIANTS]


# ---------------------------------------------------------------------------------------------
# Test data: irregular times (15% repeats, gaps spread over many orders of magnitude, one gap
# longer than every window), values with nulls and repeats.

N = 160
BASE_NS = 1_704_067_200 * 10**9  # 2024-01-01 00:00 UTC
NS = {"ns": 1, "us": 1_000, "ms": 1_000_000}


def irregular(seed: int, *, decades: float, jump: int, n: int = N) -> list[int]:
    """``n`` sorted integers from 0: repeats, gaps ``10**U(0, decades)``, one gap of ``jump``."""
    rng = random.Random(seed)
    out, t = [], 0
    for i in range(n):
        if i == n // 2:
            t += jump
        elif i and rng.random() >= 0.15:
            t += int(10 ** rng.uniform(0.0, decades))
        out.append(t)
    return out


def float_values(seed: int, n: int = N, *, nulls: float = 0.12) -> list[float | None]:
    """Values in [-50, 50] (two decimals) with nulls, repeats and a run of one value."""
    rng = random.Random(seed)
    out: list[float | None] = []
    for i in range(n):
        r = rng.random()
        if r < nulls:
            out.append(None)
        elif r < nulls + 0.1 and out:
            out.append(out[-1])
        elif n // 3 <= i < n // 3 + 12:
            out.append(0.3)  # a constant stretch: var exactly 0, skew NaN, in Polars too
        else:
            out.append(round(rng.uniform(-50.0, 50.0), 2))
    return out


def temporal(offsets_ns: Sequence[int], unit: str, tz: str | None = None) -> pl.Series:
    s = pl.Series("t", [BASE_NS + o for o in offsets_ns], dtype=pl.Int64).cast(
        pl.Datetime("ns", "UTC" if tz else None)
    )
    if tz:
        s = s.dt.convert_time_zone(tz)
    return s.cast(pl.Datetime(unit, tz))  # type: ignore[arg-type]


def dst_times(day: dt.datetime, seed: int) -> pl.Series:
    """Europe/Amsterdam times from noon UTC the day before ``day`` (a DST change) for ~30h."""
    offsets = irregular(seed, decades=13.3, jump=3 * 3_600 * 10**9)
    start = int(day.replace(tzinfo=dt.UTC).timestamp()) * 10**9 - 13 * 3_600 * 10**9 - BASE_NS
    return temporal([start + o for o in offsets], "us", "Europe/Amsterdam")


TEMPORAL_WINDOWS: list[Window] = [
    "3s",
    "1m",
    "2h",
    "1d",
    "1h30m",
    dt.timedelta(minutes=7, seconds=30, microseconds=250),
]
INT_WINDOWS: list[Window] = ["1i", "3i", "10i", "50i"]
DAY = 86_400 * 10**9


def by_column(kind: str, seed: int = 1) -> tuple[pl.Series, list[Window]]:
    """A sorted ``by`` column of ``kind`` and the windows to test on it."""
    if kind in NS:
        windows = list(TEMPORAL_WINDOWS)
        if kind == "ms":  # windows Polars truncates to the column's unit
            windows += ["2500us", "1999us"]
        if kind == "us":
            windows += ["1500ns"]
        return temporal(irregular(seed, decades=13.5, jump=3 * DAY), kind), windows
    if kind == "Date":
        days = irregular(seed, decades=1.0, jump=40)
        s = pl.Series("t", [19_000 + d for d in days], dtype=pl.Int32).cast(pl.Date)
        return s, ["1d", "3d", "1w", "10d", "36h", dt.timedelta(days=2)]
    if kind.startswith("tz"):
        day = dt.datetime(2024, 3, 31) if kind == "tz-march" else dt.datetime(2024, 10, 27)
        return dst_times(day, seed), ["30m", "1h", "2h", "1h30m", dt.timedelta(hours=3)]
    dtype, start = {
        "Int32": (pl.Int32, -1_000),
        "Int64": (pl.Int64, -(2**40)),
        "UInt32": (pl.UInt32, 2**31 + 5),
        "UInt64": (pl.UInt64, 2**40),
    }[kind]
    ints = irregular(seed, decades=1.3, jump=100)
    return pl.Series("t", [start + i for i in ints], dtype=dtype), INT_WINDOWS


BY_KINDS = ["ns", "us", "ms", "Date", "Int32", "Int64", "UInt32", "UInt64"]


def frame(by_kind: str, seed: int = 1) -> tuple[pl.DataFrame, list[Window]]:
    t, windows = by_column(by_kind, seed)
    return pl.DataFrame({"t": t, "x": float_values(seed + 10, t.len())}), windows


# ---------------------------------------------------------------------------------------------
# Our expressions and their oracles.


def ours(kind: str, x: pl.Expr, by: str | pl.Expr, window: Window, **opts: Any) -> pl.Expr:
    fn: Callable[..., pl.Expr] = getattr(pss, f"rolling_{kind}_by")
    return fn(x, by, window, **opts)


def polars_by(
    kind: str, x: pl.Expr, by: str, window: Window, closed: str, min_samples: int, opts: Opts
) -> pl.Expr:
    """Polars' own ``rolling_*_by`` for ``kind`` (compositions for peak-to-peak, abs-max, IQR)."""
    kw: Opts = {"window_size": window, "closed": closed, "min_samples": min_samples}
    if kind == "peak_to_peak":
        return x.rolling_max_by(by, **kw) - x.rolling_min_by(by, **kw)
    if kind == "abs_max":
        return x.abs().rolling_max_by(by, **kw)
    if kind == "iqr":
        method = opts.get("interpolation", "nearest")
        hi = x.rolling_quantile_by(by, quantile=opts.get("q_sup", 0.75), interpolation=method, **kw)
        lo = x.rolling_quantile_by(by, quantile=opts.get("q_inf", 0.25), interpolation=method, **kw)
        return hi - lo
    out: pl.Expr = getattr(x, f"rolling_{kind}_by")(by, **kw, **opts)
    return out


def agree(a: Value, b: Value, rel: float) -> bool:
    """Null only with null, NaN only with NaN, infinities exactly, else within ``rel``."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b) or rel == 0.0:
            return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
        return abs(a - b) <= rel * (1.0 + abs(b))
    return a == b


def difference(ours: pl.Series, theirs: pl.Series, rel: float) -> str | None:
    """How ``ours`` differs from ``theirs`` (dtype, length, rows), or None."""
    if ours.dtype != theirs.dtype:
        return f"dtype {ours.dtype} != {theirs.dtype}"
    if ours.len() != theirs.len():
        return f"length {ours.len()} != {theirs.len()}"
    a, b = ours.to_list(), theirs.to_list()
    bad = [i for i, (u, v) in enumerate(zip(a, b, strict=True)) if not agree(u, v, rel)]
    if not bad:
        return None
    i = bad[0]
    return f"{len(bad)}/{len(a)} rows differ; first row {i}: ours {a[i]!r}, expected {b[i]!r}"


Case = tuple[str, pl.Expr, pl.Expr, float]  # label, ours, expected, tolerance


def check_cases(df: pl.DataFrame, cases: Sequence[Case], context: str = "") -> None:
    """Evaluate every case in one ``select`` and report every mismatch at once."""
    exprs = [
        e for i, (_, o, x, _) in enumerate(cases) for e in (o.alias(f"o{i}"), x.alias(f"x{i}"))
    ]
    out = df.select(exprs)
    failures = []
    for i, (label, _, _, rel) in enumerate(cases):
        if out[f"x{i}"].dtype == pl.Float32 and rel != EXACT:
            rel = REL32  # Polars sums Float32 in Float32
        diff = difference(out[f"o{i}"], out[f"x{i}"], rel)
        if diff is not None:
            failures.append(f"{context} {label}: {diff}")
    assert not failures, "\n".join(failures)


def polars_cases(
    kind: str,
    opts_list: list[Opts],
    windows: Sequence[Window],
    closed: str,
    min_samples: int,
    x: pl.Expr | None = None,
    by: str = "t",
) -> list[Case]:
    x = pl.col("x") if x is None else x
    rel = EXACT if kind in EXACT_KINDS else REL
    return [
        (
            f"{kind} {opts} window={w!r} closed={closed} min_samples={min_samples}",
            ours(kind, x, by, w, closed=closed, min_samples=min_samples, **opts),
            polars_by(kind, x, by, w, closed, min_samples, opts),
            rel,
        )
        for w in windows
        for opts in opts_list
    ]


# ---------------------------------------------------------------------------------------------
# 1. Polars as oracle: every statistic x closed x min_samples x by dtype x window.


@pytest.mark.parametrize("min_samples", MIN_SAMPLES)
@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize(("kind", "opts_list"), POLARS_VARIANTS, ids=POLARS_IDS)
def test_matches_polars(kind: str, opts_list: list[Opts], closed: str, min_samples: int) -> None:
    for by_kind in BY_KINDS:
        df, windows = frame(by_kind)
        check_cases(df, polars_cases(kind, opts_list, windows, closed, min_samples), by_kind)


def shuffled(df: pl.DataFrame, seed: int = 5) -> pl.DataFrame:
    order = list(range(df.height))
    random.Random(seed).shuffle(order)
    return df[order]


def with_null_by(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.when(pl.int_range(pl.len()) % 9 == 4).then(None).otherwise("t"))


def non_finite(df: pl.DataFrame) -> pl.DataFrame:
    i = pl.int_range(pl.len())
    return df.with_columns(
        pl.when(i % 17 == 3)
        .then(math.nan)
        .when(i % 23 == 5)
        .then(math.inf)
        .when(i % 29 == 7)
        .then(-math.inf)
        .otherwise("x")
        .alias("x")
    )


def multi_chunk(df: pl.DataFrame) -> pl.DataFrame:
    """Values and times in several chunks, at different boundaries."""
    x = pl.concat([df["x"][:30], df["x"][30:31], df["x"][31:100], df["x"][100:]], rechunk=False)
    t = pl.concat([df["t"][:55], df["t"][55:]], rechunk=False)
    out = pl.DataFrame([t, x])
    assert out["x"].n_chunks() == 4
    assert out["t"].n_chunks() == 2
    return out


LAYOUTS: dict[str, Callable[[], tuple[pl.DataFrame, list[Window]]]] = {
    "unsorted": lambda: (shuffled(frame("us")[0]), frame("us")[1]),
    "unsorted-int": lambda: (shuffled(frame("Int64")[0]), INT_WINDOWS),
    "null-by": lambda: (shuffled(with_null_by(frame("ms")[0])), frame("ms")[1]),
    "non-finite": lambda: (shuffled(non_finite(frame("us")[0])), frame("us")[1]),
    "float32": lambda: (frame("ns")[0].with_columns(pl.col("x").cast(pl.Float32)), ["1m", "2h"]),
    "int-values": lambda: (
        frame("Int64")[0].with_columns((pl.col("x") * 4).round().cast(pl.Int32)),
        INT_WINDOWS,
    ),
    "uint8-values": lambda: (
        frame("Int32")[0].with_columns(pl.col("x").abs().round().cast(pl.UInt8)),
        INT_WINDOWS,
    ),
    "multi-chunk": lambda: (multi_chunk(shuffled(frame("us")[0])), frame("us")[1]),
    "tz-march": lambda: frame("tz-march"),
    "tz-october": lambda: frame("tz-october"),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize(("kind", "opts_list"), POLARS_VARIANTS, ids=POLARS_IDS)
def test_matches_polars_layouts(
    kind: str, opts_list: list[Opts], closed: ClosedInterval, layout: str
) -> None:
    """Unsorted and null times, NaN/inf, Float32 and integer values, chunks, DST: as Polars."""
    df, windows = LAYOUTS[layout]()
    min_samples = 1 + CLOSED.index(closed) % 2  # 1 and 2 alternate over `closed`
    check_cases(df, polars_cases(kind, opts_list, windows, closed, min_samples), layout)


@pytest.mark.parametrize(("kind", "opts_list"), POLARS_VARIANTS, ids=POLARS_IDS)
def test_sorted_equals_unsorted(kind: str, opts_list: list[Opts]) -> None:
    """A sorted ``by`` (no sort needed) gives the unsorted result, row for row."""
    df, windows = frame("us")
    df = with_null_by(df).with_row_index()
    exprs = [
        c[1].alias(f"c{i}")
        for i, c in enumerate(polars_cases(kind, opts_list, windows, "right", 1))
    ]
    in_order = df.sort("t", nulls_last=True, maintain_order=True).select("index", *exprs)
    mixed = shuffled(df, seed=11).select("index", *exprs)
    a, b = in_order.sort("index"), mixed.sort("index")
    rel = EXACT if kind in EXACT_KINDS else REL  # equal times summed in another order
    for name in a.columns[1:]:
        assert difference(b[name], a[name], rel) is None, name


def test_output_dtypes_as_polars() -> None:
    """The output dtypes of Polars' `_by` functions (checked row by row above as well)."""
    df = pl.DataFrame(
        {
            "t": [0, 1, 1, 3],
            "i": pl.Series([1, 2, 3, 4], dtype=pl.Int32),
            "f": pl.Series([1, 2, 3, 4], dtype=pl.Float32),
        }
    )
    for col in ("i", "f"):
        for kind in ("mean", "var", "std", "min", "max", "median", "peak_to_peak", "abs_max"):
            out = df.select(ours(kind, pl.col(col), "t", "2i"))
            theirs = df.select(polars_by(kind, pl.col(col), "t", "2i", "right", 1, {}))
            assert out.dtypes == theirs.dtypes, (col, kind)


@pytest.mark.parametrize(("kind", "opts_list"), POLARS_VARIANTS, ids=POLARS_IDS)
@pytest.mark.parametrize(
    "data", ["empty", "all-null", "all-null-by", "one-row"], ids=lambda d: str(d)
)
def test_degenerate_frames(kind: str, opts_list: list[Opts], data: str) -> None:
    df, _ = frame("ms")
    df = {
        "empty": df.clear(),
        "all-null": df.with_columns(pl.lit(None, pl.Float64).alias("x")),
        "all-null-by": df.with_columns(pl.lit(None, df["t"].dtype).alias("t")),
        "one-row": df.head(1),
    }[data]
    for closed in CLOSED:
        check_cases(df, polars_cases(kind, opts_list, ["1m"], closed, 1), data)


# ---------------------------------------------------------------------------------------------
# 2. ewm_mean_by: Polars as oracle.

EWM_LAYOUTS: dict[str, Callable[[], tuple[pl.DataFrame, list[Window]]]] = {
    **{k: functools.partial(frame, k) for k in BY_KINDS},
    **{k: LAYOUTS[k] for k in ("unsorted", "null-by", "non-finite", "float32", "multi-chunk")},
    **{k: LAYOUTS[k] for k in ("int-values", "tz-march", "tz-october")},
}


def ewm_cases(df: pl.DataFrame, half_lives: Sequence[Window]) -> list[Case]:
    return [
        (
            f"ewm_mean_by half_life={h!r}",
            pss.ewm_mean_by("x", "t", half_life=h),
            pl.col("x").ewm_mean_by("t", half_life=h),
            REL,
        )
        for h in half_lives
    ]


@pytest.mark.parametrize("layout", list(EWM_LAYOUTS))
def test_ewm_mean_by_matches_polars(layout: str) -> None:
    df, windows = EWM_LAYOUTS[layout]()
    check_cases(df, ewm_cases(df, windows), layout)


# ---------------------------------------------------------------------------------------------
# 3. Calendar durations: Polars' result or a clear error, never a different number.


def attempt(thunk: Callable[[], Any]) -> tuple[Any, Exception | None]:
    """``thunk()``, or the ValueError/Polars error it raised."""
    try:
        return thunk(), None
    except (ValueError, *PLUGIN_ERRORS) as e:
        return None, e


def polars_or_error(df: pl.DataFrame, make: Callable[[], Case], name: str) -> str:
    """Our expression equals Polars', or raises naming ``name``: which one happened."""
    case, error = attempt(make)
    if error is not None:  # refused when the expression is built
        assert isinstance(error, ValueError), error
        assert name in str(error), error
        return "refused at build"
    label, our_expr, their_expr, rel = case
    expected, _ = attempt(lambda: df.select(their_expr).to_series())
    got, error = attempt(lambda: df.select(our_expr).to_series())
    if error is not None:
        assert name in str(error), f"{label}: {error}"
        return "refused at collect"
    assert expected is not None, f"{label}: Polars raises, we give {got.to_list()[:5]}..."
    diff = difference(got, expected, rel)
    assert diff is None, f"{label}: {diff} (a calendar duration silently differs from Polars)"
    return "as Polars"


def first_case(kind: str, opts_list: list[Opts], window: Window) -> Case:
    return polars_cases(kind, opts_list, [window], "right", 1)[0]


@pytest.mark.parametrize("window", ["1d", "2d", "1w", "1mo", "1q", "1y", "1d12h"])
@pytest.mark.parametrize("by_kind", ["tz-march", "tz-october", "us", "Date"])
def test_calendar_windows_follow_polars_or_raise(by_kind: str, window: str) -> None:
    df, _ = frame(by_kind)
    for kind, opts_list in POLARS_VARIANTS[:2]:
        make = functools.partial(first_case, kind, opts_list[:1], window)
        polars_or_error(df, make, "window_size")
    polars_or_error(df, lambda: ewm_cases(df, [window])[0], "half_life")


def test_one_day_on_dst_day_is_calendar_or_error() -> None:
    """On 2024-03-31 (23 h in Amsterdam) Polars' "1d" window is a calendar day: a row at
    12:00 CEST does not see the one at 11:30 CET the day before (23.5 h earlier)."""
    t = pl.Series(
        [dt.datetime(2024, 3, 30, 11, 30), dt.datetime(2024, 3, 31, 12, 0)], dtype=pl.Datetime("us")
    ).dt.replace_time_zone("Europe/Amsterdam")
    df = pl.DataFrame({"t": t, "x": [1.0, 2.0]})
    assert df.select(pl.col("x").rolling_sum_by("t", "1d"))["x"].to_list() == [1.0, 2.0]
    assert df.select(pl.col("x").rolling_sum_by("t", "24h"))["x"].to_list() == [1.0, 3.0]
    for kind in ("mean", "min"):
        polars_or_error(df, functools.partial(first_case, kind, [{}], "1d"), "window_size")


# ---------------------------------------------------------------------------------------------
# 4. Brute-force references for the statistics Polars lacks.


def time_order(times: Sequence[int | None]) -> list[int]:
    """The rows with a time, in time order (ties in row order)."""
    return [i for _, i in sorted((t, i) for i, t in enumerate(times) if t is not None)]


def windows_of(times: Sequence[int | None], width: int, closed: str) -> list[list[int] | None]:
    """For each row, the rows of its window in time order (ties in row order); None for a null
    time. Straight from the definition: right ``(t-w, t]``, left ``[t-w, t)``, both, none."""
    order = time_order(times)
    low_in = closed in ("left", "both")
    high_in = closed in ("right", "both")
    out: list[list[int] | None] = []
    for t in times:
        if t is None:
            out.append(None)
            continue
        rows = []
        for j in order:
            u = times[j]
            assert u is not None
            if (u > t - width or (low_in and u == t - width)) and (u < t or (high_in and u == t)):
                rows.append(j)
        out.append(rows)
    return out


def polars_moment(values: list[float], opts: Opts) -> float | None:
    """Polars' row-count skew/kurtosis of exactly ``values`` (the last row of a full window)."""
    s = pl.Series(values, dtype=pl.Float64)
    kind, rest = opts["kind"], {k: v for k, v in opts.items() if k != "kind"}
    out: float | None = getattr(s, f"rolling_{kind}")(len(values), min_samples=1, **rest)[-1]
    return out


def reference_rolling(
    stat: Callable[[list[float]], float | None],
    values: Sequence[float | None],
    times: Sequence[int | None],
    width: int,
    closed: str,
    min_samples: int,
) -> list[float | None]:
    out: list[float | None] = []
    for rows in windows_of(times, width, closed):
        window = [] if rows is None else [v for v in (values[j] for j in rows) if v is not None]
        enough = rows is not None and len(window) >= max(min_samples, 1)
        out.append(stat(window) if enough else None)
    return out


def reference_rolling_ewm(
    alpha: float,
    values: Sequence[float | None],
    times: Sequence[int | None],
    width: int,
    closed: str,
    min_samples: int,
) -> list[float | None]:
    """The newest row of the window weighs 1, the one k rows (nulls included) before (1-a)^k;
    a null value row outputs null."""
    out: list[float | None] = []
    for i, rows in enumerate(windows_of(times, width, closed)):
        if rows is None or values[i] is None:
            out.append(None)
            continue
        pairs = [((1 - alpha) ** (len(rows) - 1 - k), values[j]) for k, j in enumerate(rows)]
        kept = [(w, v) for w, v in pairs if v is not None]
        if not kept or len(kept) < min_samples:
            out.append(None)
            continue
        total = sum(w for w, _ in kept)
        # alpha=1 gives every row but the newest weight 0: when the newest is null the
        # weights vanish, and the mean is their limit, the newest value (as the kernel).
        out.append(sum(w * v for w, v in kept) / total if total > 0 else kept[-1][1])
    return out


def reference_ewm(
    values: Sequence[float | None],
    times: Sequence[int | None],
    half_life: int,
    bias: bool,
    std: bool = False,
) -> list[float | None]:
    """``ewm_var_by`` from its definition: weights w_i = a_i prod_{j>i} (1 - a_j) over the
    non-null values so far in time order, a_i = 1 - 0.5**(dt_i / h) (1 for the first)."""
    # In 60-digit decimals: in floats, 1 - sum(w^2) and the deviations cancel (checked: a
    # float reference was off by 1e-9 relative where the kernel agrees with this one).
    decimal.getcontext().prec = 60
    D = decimal.Decimal  # noqa: N806
    order = time_order(times)
    out: list[float | None] = [None] * len(values)
    weights: list[tuple[decimal.Decimal, decimal.Decimal]] = []
    last: int | None = None
    for i in order:
        x, t = values[i], times[i]
        if x is None:
            continue
        assert t is not None
        a = D(1) if last is None else 1 - D("0.5") ** (D(t - last) / D(half_life))
        weights = [(w * (1 - a), v) for w, v in weights] + [(a, D(x))]
        last = t
        mean = sum((w * v for w, v in weights), D(0))
        var = sum((w * (v - mean) ** 2 for w, v in weights), D(0))
        if not bias:
            denominator = 1 - sum((w * w for w, _ in weights), D(0))
            if denominator <= 0:
                continue
            var = var / denominator
        out[i] = math.sqrt(float(var)) if std else float(var)
    return out


def dyadic_values(seed: int, n: int) -> list[float | None]:
    """Quarters in [-10, 10] (exact sums) with nulls and runs of one value."""
    rng = random.Random(seed)
    return [None if rng.random() < 0.12 else rng.randint(-40, 40) / 4 for _ in range(n)]


def int_frame(seed: int, n: int = 120) -> pl.DataFrame:
    times = irregular(seed, decades=1.2, jump=60, n=n)
    rng = random.Random(seed)
    rng.shuffle(times)
    t: list[int | None] = [None if i % 11 == 6 else v for i, v in enumerate(times)]
    x = dyadic_values(seed, n)
    x[20:30] = [0.3] * 10  # a constant stretch that is not dyadic
    return pl.DataFrame({"t": t, "x": x}, schema={"t": pl.Int64, "x": pl.Float64})


def compare_reference(got: pl.Series, expected: list[float | None], rel: float, label: str) -> None:
    diff = difference(got, pl.Series(expected, dtype=pl.Float64), rel)
    assert diff is None, f"{label}: {diff}"


@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize("opts", MOMENT_VARIANTS, ids=lambda o: "-".join(map(str, o.values())))
def test_skew_kurtosis_match_brute_force(opts: Opts, closed: str) -> None:
    df = int_frame(3)
    times, values = df["t"].to_list(), df["x"].to_list()
    kind, rest = opts["kind"], {k: v for k, v in opts.items() if k != "kind"}
    for width in (1, 3, 8, 40):
        for min_samples in MIN_SAMPLES:
            expr = ours(
                kind, pl.col("x"), "t", f"{width}i", closed=closed, min_samples=min_samples, **rest
            )
            expected = reference_rolling(
                lambda w: polars_moment(w, opts), values, times, width, closed, min_samples
            )
            compare_reference(
                df.select(expr).to_series(), expected, REL_HIGHER, f"{width}i m={min_samples}"
            )


@pytest.mark.parametrize("closed", CLOSED)
def test_rolling_ewm_mean_by_matches_definition(closed: ClosedInterval) -> None:
    df = int_frame(4)
    times, values = df["t"].to_list(), df["x"].to_list()
    for width in (1, 3, 8, 40):
        for alpha in (0.1, 0.5, 0.9):
            for min_samples in MIN_SAMPLES:
                expr = pss.rolling_ewm_mean_by(
                    "x", "t", f"{width}i", alpha=alpha, closed=closed, min_samples=min_samples
                )
                expected = reference_rolling_ewm(alpha, values, times, width, closed, min_samples)
                label = f"{width}i alpha={alpha} m={min_samples}"
                compare_reference(df.select(expr).to_series(), expected, REL_HIGHER, label)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("function", ["ewm_var_by", "ewm_std_by"])
def test_ewm_var_std_by_match_definition(function: str, bias: bool) -> None:
    df = int_frame(5)
    times, values = df["t"].to_list(), df["x"].to_list()
    for half_life in (1, 3, 10):
        fn: Callable[..., pl.Expr] = getattr(pss, function)
        got = df.select(fn("x", "t", half_life=f"{half_life}i", bias=bias)).to_series()
        expected = reference_ewm(values, times, half_life, bias, std=function == "ewm_std_by")
        compare_reference(got, expected, REL_HIGHER, f"{function} h={half_life} bias={bias}")


@pytest.mark.parametrize("bias", [True, False])
def test_ewm_var_by_on_a_grid_is_polars_adjust_false(bias: bool) -> None:
    rng = random.Random(9)
    x = [rng.uniform(-5.0, 5.0) for _ in range(300)]
    grid = pl.DataFrame(
        {
            "x": x,
            "i": list(range(300)),
            "ts": pl.datetime_range(
                dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, 4, 59), "1m", eager=True
            ),
        }
    )
    cases: list[Case] = []
    for h, by, text in [(3, "i", "3i"), (5, "ts", "5m"), (0.5, "ts", "30s")]:
        for name in ("var", "std"):
            ewm: Callable[..., pl.Expr] = getattr(pl.col("x"), f"ewm_{name}")
            by_fn: Callable[..., pl.Expr] = getattr(pss, f"ewm_{name}_by")
            cases.append(
                (
                    f"ewm_{name}_by {text}",
                    by_fn("x", by, half_life=text, bias=bias),
                    ewm(half_life=h, adjust=False, bias=bias),
                    REL,
                )
            )
    check_cases(grid, cases)


def test_ewm_var_by_documented_example() -> None:
    """The plan's numbers, by hand: equal times take alpha 0 (Polars' ewm_mean_by quirk)."""
    df = pl.DataFrame({"t": [0, 1, 1, 2, 5], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    means = df.select(pss.ewm_mean_by("x", "t", half_life="1i"))["x"].to_list()
    assert means == [1.0, 1.5, 1.5, 2.75, 4.71875]
    biased = df.select(pss.ewm_var_by("x", "t", half_life="1i", bias=True))["x"].to_list()
    expected = reference_ewm(df["x"].to_list(), df["t"].to_list(), 1, bias=True)
    assert biased == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("kind", ["peak_to_peak", "abs_max"])
def test_peak_to_peak_abs_max_by_non_finite(kind: str) -> None:
    """Every layout above already compares these to Polars; here each window has inf/NaN."""
    df = pl.DataFrame(
        {
            "t": [0, 0, 1, 2, 3, 4, 6],
            "x": [math.inf, 1.0, -math.inf, math.nan, None, 2.0, -3.0],
        }
    )
    for closed in CLOSED:
        check_cases(df, polars_cases(kind, [{}], ["1i", "2i"], closed, 1))


# ---------------------------------------------------------------------------------------------
# 5. Hypothesis: random unsorted integer times with duplicates and nulls.

TIMES = st.lists(st.one_of(st.none(), st.integers(-20, 60)), min_size=0, max_size=40)
VALUES = st.one_of(st.none(), st.integers(-20, 20).map(lambda v: v / 4))


@st.composite
def timed_frames(draw: st.DrawFn) -> pl.DataFrame:
    times = draw(TIMES)
    values = draw(st.lists(VALUES, min_size=len(times), max_size=len(times)))
    return pl.DataFrame({"t": times, "x": values}, schema={"t": pl.Int64, "x": pl.Float64})


@settings(max_examples=150, deadline=None)
@given(
    df=timed_frames(),
    width=st.integers(1, 30),
    closed=st.sampled_from(CLOSED),
    min_samples=st.integers(1, 4),
    variant=st.sampled_from(POLARS_VARIANTS),
)
def test_property_matches_polars(
    df: pl.DataFrame, width: int, closed: str, min_samples: int, variant: tuple[str, list[Opts]]
) -> None:
    kind, opts_list = variant
    check_cases(df, polars_cases(kind, opts_list, [f"{width}i"], closed, min_samples))


@settings(max_examples=150, deadline=None)
@given(
    df=timed_frames(),
    width=st.integers(1, 30),
    closed=st.sampled_from(CLOSED),
    min_samples=st.integers(1, 4),
    opts=st.sampled_from(MOMENT_VARIANTS),
)
def test_property_skew_kurtosis(
    df: pl.DataFrame, width: int, closed: str, min_samples: int, opts: Opts
) -> None:
    kind, rest = opts["kind"], {k: v for k, v in opts.items() if k != "kind"}
    expr = ours(kind, pl.col("x"), "t", f"{width}i", closed=closed, min_samples=min_samples, **rest)
    expected = reference_rolling(
        lambda w: polars_moment(w, opts),
        df["x"].to_list(),
        df["t"].to_list(),
        width,
        closed,
        min_samples,
    )
    compare_reference(df.select(expr).to_series(), expected, REL_HIGHER, str(opts))


@settings(max_examples=150, deadline=None)
@given(
    df=timed_frames(),
    width=st.integers(1, 30),
    closed=st.sampled_from(CLOSED),
    min_samples=st.integers(1, 4),
    alpha=st.sampled_from([0.2, 0.5, 1.0]),
    half_life=st.integers(1, 10),
    bias=st.booleans(),
)
def test_property_ewm(
    df: pl.DataFrame,
    width: int,
    closed: ClosedInterval,
    min_samples: int,
    alpha: float,
    half_life: int,
    bias: bool,
) -> None:
    times, values = df["t"].to_list(), df["x"].to_list()
    expr = pss.rolling_ewm_mean_by(
        "x", "t", f"{width}i", alpha=alpha, closed=closed, min_samples=min_samples
    )
    expected = reference_rolling_ewm(alpha, values, times, width, closed, min_samples)
    compare_reference(df.select(expr).to_series(), expected, REL_HIGHER, "rolling_ewm_mean_by")
    for std in (False, True):
        fn = pss.ewm_std_by if std else pss.ewm_var_by
        got = df.select(fn("x", "t", half_life=f"{half_life}i", bias=bias)).to_series()
        expected = reference_ewm(values, times, half_life, bias, std)
        compare_reference(got, expected, REL_HIGHER, f"ewm std={std}")


# ---------------------------------------------------------------------------------------------
# 6. Contexts: .over, group_by().agg(), lazy, the streaming engine.


def keyed_frame() -> pl.DataFrame:
    df, _ = frame("us")
    return shuffled(with_null_by(df)).with_columns(
        key=pl.int_range(pl.len()).mod(3).cast(pl.String)
    )


CONTEXT_STATS: list[tuple[str, Opts]] = [
    ("mean", {}),
    ("std", {"ddof": 1}),
    ("min", {}),
    ("quantile", {"quantile": 0.3, "interpolation": "linear"}),
    ("peak_to_peak", {}),
]


@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
@pytest.mark.parametrize("context", ["select", "over", "group_by"])
def test_contexts_match_polars(context: str, engine: str) -> None:
    df = keyed_frame()
    ours_exprs, polars_exprs = [], []
    for kind, opts in CONTEXT_STATS:
        ours_exprs.append(ours(kind, pl.col("x"), "t", "2h", closed="both", **opts).alias(kind))
        polars_exprs.append(polars_by(kind, pl.col("x"), "t", "2h", "both", 1, opts).alias(kind))
    ours_exprs.append(pss.ewm_mean_by("x", "t", half_life="10m").alias("ewm"))
    polars_exprs.append(pl.col("x").ewm_mean_by("t", half_life="10m").alias("ewm"))

    def run(exprs: list[pl.Expr]) -> pl.DataFrame:
        lazy = df.lazy()
        if context == "over":
            q = lazy.select(pl.col("key"), *[e.over("key") for e in exprs])
        elif context == "group_by":
            q = (
                lazy.group_by("key")
                .agg(exprs)
                .sort("key")
                .explode([e.meta.output_name() for e in exprs])
            )
        else:
            q = lazy.select(pl.col("key"), *exprs)
        return q.collect(engine="streaming" if engine == "streaming" else "in-memory")

    got, expected = run(ours_exprs), run(polars_exprs)
    for name in got.columns[1:]:
        rel = EXACT if name in EXACT_KINDS else REL
        assert difference(got[name], expected[name], rel) is None, name


@pytest.mark.parametrize(
    "make",
    [
        lambda: pss.rolling_skew_by("x", "t", "30m", bias=False),
        lambda: pss.rolling_kurtosis_by("x", "t", "30m"),
        lambda: pss.rolling_iqr_by("x", "t", "30m"),
        lambda: pss.rolling_ewm_mean_by("x", "t", "30m", alpha=0.3),
        lambda: pss.ewm_var_by("x", "t", half_life="10m"),
        lambda: pss.ewm_std_by("x", "t", half_life="10m", bias=True),
    ],
    ids=["skew", "kurtosis", "iqr", "rolling_ewm_mean", "ewm_var", "ewm_std"],
)
def test_over_equals_each_group_alone(make: Callable[[], pl.Expr]) -> None:
    df = keyed_frame().with_row_index()
    over = df.lazy().select("index", make().over("key")).collect(engine="streaming")
    parts = [g.select("index", make()) for _, g in df.group_by("key")]
    alone = pl.concat(parts).sort("index")
    assert difference(over.sort("index")["x"], alone["x"], EXACT) is None
    agg = df.group_by("key").agg("index", make()).explode("index", "x").sort("index")
    assert difference(agg["x"], alone["x"], EXACT) is None


def test_namespace_methods_equal_functions() -> None:
    df, _ = frame("ms")
    calls: list[tuple[str, tuple[Any, ...], Opts]] = [
        *[(f"rolling_{k}_by", ("t", "1m"), {"closed": "left"}) for k, _ in CONTEXT_STATS[:3]],
        ("rolling_quantile_by", ("t", "1m"), {"quantile": 0.2}),
        ("rolling_skew_by", ("t", "1m"), {}),
        ("rolling_ewm_mean_by", ("t", "1m"), {"alpha": 0.3}),
        ("ewm_var_by", ("t",), {"half_life": "1m"}),
    ]
    for name, args, kw in calls:
        namespace = pl.col("x").pss  # type: ignore[attr-defined]  # runtime-registered namespace
        method = getattr(namespace, name)(*args, **kw)
        function = getattr(pss, name)("x", *args, **kw)
        assert df.select(method).equals(df.select(function)), name


# ---------------------------------------------------------------------------------------------
# 7. Errors: bad `by`, bad durations, bad options.

ROLLING_KINDS = [
    *["mean", "var", "std", "skew", "kurtosis", "min", "max", "peak_to_peak", "abs_max"],
    *["median", "quantile", "iqr", "ewm_mean"],
]
REQUIRED: dict[str, Opts] = {"quantile": {"quantile": 0.3}, "ewm_mean": {"alpha": 0.5}}
ROLLING_FUNCTIONS: list[Callable[..., pl.Expr]] = [
    functools.partial(getattr(pss, f"rolling_{k}_by"), **REQUIRED.get(k, {})) for k in ROLLING_KINDS
]
ROLLING_IDS = [f"rolling_{k}_by" for k in ROLLING_KINDS]
EWM_FUNCTIONS = [pss.ewm_mean_by, pss.ewm_var_by, pss.ewm_std_by]


def error_frame(by: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({"t": by, "x": [1.0, 2.0, 3.0]})


BAD_BY = [
    pl.Series("t", [0.0, 1.0, 2.0]),
    pl.Series("t", ["a", "b", "c"]),
    pl.Series("t", [0, 1, 2], dtype=pl.Int16),
    pl.Series("t", [0, 1, 2], dtype=pl.Duration("us")),
]


@pytest.mark.parametrize("by", BAD_BY, ids=lambda s: str(s.dtype))
@pytest.mark.parametrize("fn", ROLLING_FUNCTIONS, ids=ROLLING_IDS)
def test_bad_by_dtype_names_by(fn: Callable[..., pl.Expr], by: pl.Series) -> None:
    window = "2i" if by.dtype.is_integer() else "2s"
    with pytest.raises(PLUGIN_ERRORS, match="`by`"):
        error_frame(by).select(fn("x", "t", window))


@pytest.mark.parametrize("by", BAD_BY, ids=lambda s: str(s.dtype))
@pytest.mark.parametrize("fn", EWM_FUNCTIONS, ids=lambda f: f.__name__)
def test_bad_by_dtype_names_by_ewm(fn: Callable[..., pl.Expr], by: pl.Series) -> None:
    half_life = "2i" if by.dtype.is_integer() else "2s"
    with pytest.raises(PLUGIN_ERRORS, match="`by`"):
        error_frame(by).select(fn("x", "t", half_life=half_life))


@pytest.mark.parametrize("fn", ROLLING_FUNCTIONS, ids=ROLLING_IDS)
def test_window_unit_must_match_by(fn: Callable[..., pl.Expr]) -> None:
    stamps = pl.Series("t", [dt.datetime(2024, 1, 1, 0, m) for m in range(3)])
    with pytest.raises(PLUGIN_ERRORS, match="window_size"):
        error_frame(stamps).select(fn("x", "t", "5i"))
    with pytest.raises(PLUGIN_ERRORS, match="window_size"):
        error_frame(pl.Series("t", [0, 1, 2])).select(fn("x", "t", "5m"))
    with pytest.raises(PLUGIN_ERRORS, match="window_size"):
        error_frame(pl.Series("t", [dt.date(2024, 1, d) for d in (1, 2, 3)])).select(
            fn("x", "t", "3i")
        )


@pytest.mark.parametrize("fn", EWM_FUNCTIONS, ids=lambda f: f.__name__)
def test_half_life_unit_must_match_by(fn: Callable[..., pl.Expr]) -> None:
    stamps = pl.Series("t", [dt.datetime(2024, 1, 1, 0, m) for m in range(3)])
    with pytest.raises(PLUGIN_ERRORS, match="half_life"):
        error_frame(stamps).select(fn("x", "t", half_life="5i"))
    with pytest.raises(PLUGIN_ERRORS, match="half_life"):
        error_frame(pl.Series("t", [0, 1, 2])).select(fn("x", "t", half_life="5m"))


BAD_DURATIONS = ["0s", "-1s", "0i", "", "5", "abc", "5 m", "1x", "m5", dt.timedelta(0)]


@pytest.mark.parametrize("window", BAD_DURATIONS, ids=repr)
@pytest.mark.parametrize("fn", ROLLING_FUNCTIONS, ids=ROLLING_IDS)
def test_bad_window_raises_at_build(fn: Callable[..., pl.Expr], window: Window) -> None:
    with pytest.raises(ValueError, match="window_size"):
        fn("x", "t", window)


@pytest.mark.parametrize("half_life", [*BAD_DURATIONS, -dt.timedelta(seconds=1)], ids=repr)
@pytest.mark.parametrize("fn", EWM_FUNCTIONS, ids=lambda f: f.__name__)
def test_bad_half_life_raises_at_build(fn: Callable[..., pl.Expr], half_life: Window) -> None:
    with pytest.raises(ValueError, match="half_life"):
        fn("x", "t", half_life=half_life)


@pytest.mark.parametrize("fn", ROLLING_FUNCTIONS, ids=ROLLING_IDS)
def test_bad_closed_and_window_type(fn: Callable[..., pl.Expr]) -> None:
    for closed in ("middle", "Right", ""):
        with pytest.raises(ValueError, match="closed"):
            fn("x", "t", "1m", closed=closed)
    for window in (5, 2.5, None, b"5m", dt.date(2024, 1, 1)):
        with pytest.raises(TypeError, match="window_size"):
            fn("x", "t", window)
    with pytest.raises(TypeError):
        fn("x", "t", "1m", "right")  # options are keyword-only
    with pytest.raises((ValueError, OverflowError), match="min_samples"):
        fn("x", "t", "1m", min_samples=-1)


@pytest.mark.parametrize("fn", EWM_FUNCTIONS, ids=lambda f: f.__name__)
def test_half_life_type(fn: Callable[..., pl.Expr]) -> None:
    for half_life in (5, 2.5, None, "1mo"):
        with pytest.raises((TypeError, ValueError), match="half_life"):
            fn("x", "t", half_life=half_life)


def test_timedelta_is_the_exact_microseconds() -> None:
    df, _ = frame("ns")
    span = dt.timedelta(minutes=7, seconds=30, microseconds=250)
    a = df.select(pss.rolling_mean_by("x", "t", span))
    b = df.select(pss.rolling_mean_by("x", "t", "450000250us"))
    assert a.equals(b)


def test_uint64_beyond_int64_is_exact_or_refused() -> None:
    """Polars 2.1 panics here ("chunked array is not contiguous"), so a brute force is the
    oracle: UInt64 times above 2**63 either give the right windows or a clear error."""
    base = 2**63 + 10
    times = [base + d for d in (0, 1, 1, 4, 9, 10)]
    df = pl.DataFrame({"t": pl.Series(times, dtype=pl.UInt64), "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    got, error = attempt(lambda: df.select(pss.rolling_mean_by("x", "t", "3i"))["x"])
    if error is not None:
        assert isinstance(error, PLUGIN_ERRORS), error
        assert "`by`" in str(error), error
        return
    expected = reference_rolling(lambda w: sum(w) / len(w), df["x"].to_list(), times, 3, "right", 1)
    compare_reference(got, expected, REL, "UInt64 > 2**63")
