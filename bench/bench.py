"""Benchmarks of polars-streamstats against Polars, river, bottleneck and pandas.

Run as ``python bench/bench.py`` (``make bench``). Options: ``--quick`` (1M rows for the
exponentially weighted section, 200k for the quantile and moments sections, 3 runs: a smoke
test), ``--json PATH`` (write the raw timings), ``--runs N``,
``--only {all,ewm,quantile,moments,by,tracker,river}`` (comma-separated: ``--only river,tracker``;
``by``: the time-window ``_by`` section, 2M rows,
200k with ``--quick``; it runs each case at most 11 times, the slow medians/quantiles 3-11 times;
``tracker``: ``pss.Tracker.update`` over 10 batches of 1M rows and 1000 keys against one
``.over("ticker")`` select of the same statistics' expressions on the 10M rows, then against a
dict of river objects per key updated row by row on a 1-in-50 sample; 10 x 100k rows with
``--quick``; at most 5 runs per case, 3 against river; ``river``: the River adapters of
``polars_streamstats.river`` in ``feature_extraction.Agg(on="x", by="k", how=...)`` over 100k dicts
of 100 keys, and as bare ``update``/``get`` loops, against River's own statistics; 10k rows with
``--quick``; at most 7 runs per case), ``--chart PATH`` (also draw a PNG with one bar per case:
pss time / fastest peer time, log scale, grouped by section; skipped, with a message, without
matplotlib), ``--publish`` (the default of a full run: the chart as ``docs/img/benchmark.png``,
the whole report as ``docs/benchmark.md``, a summary per family in README.md between its
markers).

Method: every case is timed in this one process on the same data. Competitors are run
interleaved (A, B, A, B, ...) after one untimed warm-up of each; the table shows the median
time of each and the median of the per-pair ratios A/B, which cancels most of the slow drift
of a shared VM. The garbage collector is off inside each timed region, and outputs are freed
outside it. The warm-up outputs of the expression cases are checked against Polars, so a
speed-up can never come from computing something else (the quantile cases: exactly, bit for
bit; bottleneck and pandas to 1e-12 where both are defined; P² against river's own outputs;
the moments to 1e-9 relative, min and max exactly, the moment objects against river's).

Some competitors are slow (pandas at large windows: seconds per run); they run fewer times,
in the first rounds of the same interleaving, and are paired with the pss runs of those rounds.

Progress goes to stderr; the markdown table goes to stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import bottleneck as bn
import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl
from river import stats as river_stats
from river import utils as river_utils

import polars_streamstats as pss

RIVER_VERSION = version("river")

FULL_ROWS = 10_000_000
QUICK_ROWS = 1_000_000
FULL_RUNS = 21
QUICK_RUNS = 3
LOOP_CALLS = 1_000_000
N_GROUPS = 1000
ALPHA = 0.1
WINDOW = 1000

# Quantile section.
QUANTILE_ROWS = 2_000_000
QUANTILE_QUICK_ROWS = 200_000
WINDOWS = (10, 1_000, 100_000, 1_000_000)
SIDE_WINDOWS = (1_000, 100_000)  # nulls and center=True
OVER_WINDOW = 100
NULL_EVERY = 100  # 1% nulls
P2_VALUES = 1_000_000
SLOW_WINDOW = 100_000  # pandas at or above this window: at most SLOW_RUNS runs
SLOW_RUNS = 3
MEDIUM_RUNS = 11  # cases where Polars itself takes > 1 s per run
RIVER_ROLLING_NOTE = "River (Rust, its authors' benchmark): 77 s"
AGREE_ATOL = 1e-12

# Targets.
MAX_RATIO_VS_POLARS = 0.5
MAX_NS_PER_UPDATE = 70.0
MIN_MVALUES_PER_S = 300.0
MAX_RATIO_VS_FASTEST_PEER = 0.5
MAX_RATIO_NULLS_CENTER_OVER = 0.2
MAX_RATIO_CUM_MEDIAN = 0.4
MAX_NS_PER_P2_VALUE = 15.0
MAX_RATIO_VS_EWMEAN = 1.10

# Moments section.
MOMENTS_ROWS = 2_000_000
MOMENTS_QUICK_ROWS = 200_000
MOMENT_WINDOWS = (10, 1_000)
ROLLING_STATS = ("mean", "var", "std", "skew", "kurtosis", "min", "max")
CUM_STATS = ("mean", "var", "skew", "kurtosis")
UNBIASED_STATS = ("skew", "kurtosis")  # pandas computes the bias=False estimators
EXACT_STATS = ("min", "max")  # checked bit for bit; the others to MOMENT_RTOL + AGREE_ATOL
MOMENT_RTOL = 1e-9
# pandas' rolling skew/kurt slide sums of powers: at window 10 they are up to ~2e-9 off
# (measured against a two-pass numpy reference on this data), so they are checked to this.
# (Its expanding() skew/kurt are within AGREE_ATOL.)
PANDAS_MOMENT_ATOL = 1e-8

# Time-window (``_by``) section.
BY_ROWS = 2_000_000
BY_QUICK_ROWS = 200_000
BY_MEAN_GAP_US = 1e6  # exponential gaps between rows, mean 1 s
BY_WINDOWS = ("10s", "1h", "1d")  # about 10, 3600 and 86400 rows
BY_RUNS = 7  # at most, per case: the section must fit in a few minutes on 2 cores
# Medians, quantiles and IQR: Polars and pandas take 0.3-2.5 s per run at the larger windows.
BY_SLOW_RUNS = {"10s": 5, "1h": 5, "1d": 3}
BY_PANDAS_WINDOW = {"1d": "1D"}  # pandas 3 deprecates the lower-case "d"
BY_KEYS = 1000
BY_MAX_REFERENCE_ROWS = 20_000  # pandas' rows off by more than the tolerance, arbitrated
BY_QUANTILE = 0.9
BY_HALF_LIFE = "1h"
BY_UNSORTED_WINDOW = "1h"
BY_TIGHT_WINDOWS = ("1h", "1d")  # where medians and quantiles must be <= 0.2x
MAX_RATIO_BY_QUANTILE = 0.2

# Tracker section.
TRACKER_BATCHES = 10
TRACKER_BATCH_ROWS = 1_000_000
TRACKER_QUICK_BATCH_ROWS = 100_000
TRACKER_KEYS = 1000
TRACKER_MEAN_GAP_US = 1e3  # exponential gaps between rows (any key), mean 1 ms: ~1 row/s per key
TRACKER_QUANTILE = 0.9
TRACKER_QUANTILE_WINDOW = 100
TRACKER_TIME_WINDOW = "5m"  # ~300 rows of a key
TRACKER_RUNS = 5  # at most, per case: one run of a case takes 1-10 s on 10M rows
TRACKER_RIVER_EVERY = 50  # river gets every 50th row (200k of 10M, the whole time span)
TRACKER_RIVER_RUNS = 3  # at most: river takes up to ~4 s per run of the sample
MAX_RATIO_TRACKER_VS_OVER = 1.5

# What a full run publishes (--publish, the default of a full run): the chart, which the README
# and the docs show; the whole report as the docs' benchmark page; and the README's summary
# between its two markers.
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHART = ROOT / "docs" / "img" / "benchmark.png"
DOCS_PAGE = ROOT / "docs" / "benchmark.md"
README = ROOT / "README.md"
README_BEGIN = "<!-- bench:begin (written by make bench: edit bench/bench.py, not this) -->"
README_END = "<!-- bench:end -->"

Thunk = Callable[[], object]


@dataclass
class Result:
    """One row of the table, with its raw timings (seconds)."""

    case: str
    unit: str  # "row", "call" or "value": what `items` counts
    items: int
    pss_times: list[float]
    competitor: str | None = None
    competitor_times: list[float] | None = None
    ratios: list[float] | None = None
    target: str = "—"
    verdict: str = "—"
    outputs_match: bool | None = None
    section: str = "ewm"
    style: str = "auto"  # "auto", "ns" (ns per item first) or "s" (seconds per run)
    chart: bool = True  # False: the competitor is a baseline, not a peer (not in the chart)

    @property
    def pss_median(self) -> float:
        return statistics.median(self.pss_times)

    @property
    def competitor_median(self) -> float | None:
        if self.competitor_times is None:
            return None
        return statistics.median(self.competitor_times)

    @property
    def ratio_median(self) -> float | None:
        if self.ratios is None:
            return None
        return statistics.median(self.ratios)


# --------------------------------------------------------------------------- timing


def _time_once(fn: Thunk) -> float:
    """Seconds taken by one call of ``fn``; GC off while timing, output freed afterwards."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        out = fn()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    del out
    return elapsed


def _interleaved(fns: Sequence[Thunk], runs: int) -> list[list[float]]:
    """Time ``fns`` round-robin ``runs`` times (callers do the warm-up)."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            times[i].append(_time_once(fn))
    return times


def _ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    return [x / y for x, y in zip(a, b, strict=True)]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- cases


def _same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Whether two single-column float outputs agree (nulls compared as NaN)."""
    x = a.to_series().cast(pl.Float64).to_numpy()
    y = b.to_series().cast(pl.Float64).to_numpy()
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True))


def _expr_case(
    df: pl.DataFrame,
    case: str,
    ours: pl.Expr,
    theirs: pl.Expr,
    competitor: str,
    runs: int,
    *,
    max_ratio: float | None,
    check: bool = True,
) -> Result:
    """``df.select(ours)`` against ``df.select(theirs)``, paired."""
    _log(f"  {case}")

    def run_ours() -> pl.DataFrame:
        return df.select(ours)

    def run_theirs() -> pl.DataFrame:
        return df.select(theirs)

    warm_ours, warm_theirs = run_ours(), run_theirs()
    match = _same(warm_ours, warm_theirs) if check else None
    del warm_ours, warm_theirs
    t_ours, t_theirs = _interleaved([run_ours, run_theirs], runs)
    res = Result(
        case=case,
        unit="row",
        items=df.height,
        pss_times=t_ours,
        competitor=competitor,
        competitor_times=t_theirs,
        ratios=_ratios(t_ours, t_theirs),
        outputs_match=match,
    )
    if max_ratio is not None:
        res.target = f"<= {max_ratio:g}x"
        ratio = res.ratio_median
        assert ratio is not None
        res.verdict = "PASS" if ratio <= max_ratio else "MISS"
    if match is False:
        res.verdict = "MISMATCH"
    return res


class _NoOp:
    """The cheapest possible Python-level ``update``: measures the interpreter's overhead."""

    def update(self, x: float) -> None:
        pass


def _call_loop(update: Callable[[float], object], xs: list[float]) -> None:
    u = update
    for v in xs:
        u(v)


def _object_cases(xs: list[float], runs: int) -> list[Result]:
    """A Python loop of ``u(x)`` calls: pss.EWMean vs river's EWMean vs a no-op method."""
    _log(f"  EWMean.update x{len(xs):,}")

    def run_pss() -> None:
        _call_loop(pss.EWMean(alpha=ALPHA).update, xs)

    def run_river() -> None:
        _call_loop(river_stats.EWMean(fading_factor=ALPHA).update, xs)

    def run_noop() -> None:
        _call_loop(_NoOp().update, xs)

    for fn in (run_pss, run_river, run_noop):
        fn()
    t_pss, t_river, t_noop = _interleaved([run_pss, run_river, run_noop], runs)
    n = len(xs)
    vs_river = Result(
        case=f"EWMean.update, Python loop of {n / 1e6:g}M calls",
        unit="call",
        items=n,
        pss_times=t_pss,
        competitor=f"river {RIVER_VERSION} EWMean",
        competitor_times=t_river,
        ratios=_ratios(t_pss, t_river),
        target=f"<= {MAX_NS_PER_UPDATE:g} ns/call",
    )
    vs_river.verdict = "PASS" if vs_river.pss_median / n * 1e9 <= MAX_NS_PER_UPDATE else "MISS"
    vs_noop = Result(
        case="same loop vs a no-op Python method (interpreter overhead)",
        unit="call",
        items=n,
        pss_times=t_pss,
        competitor="no-op method (baseline)",
        competitor_times=t_noop,
        ratios=_ratios(t_pss, t_noop),
        chart=False,
    )
    return [vs_river, vs_noop]


def _update_many_cases(x: npt.NDArray[np.float64], runs: int) -> list[Result]:
    """``EWMean.update_many`` from a numpy array and from a Polars Series, interleaved."""
    _log("  EWMean.update_many")
    series = pl.Series("x", x)

    def from_numpy() -> pss.EWMean:
        return pss.EWMean(alpha=ALPHA).update_many(x)

    def from_series() -> pss.EWMean:
        return pss.EWMean(alpha=ALPHA).update_many(series)

    for fn in (from_numpy, from_series):
        fn()
    t_np, t_series = _interleaved([from_numpy, from_series], runs)
    n = len(x)
    out = []
    for label, times in (("numpy float64 array", t_np), ("pl.Series", t_series)):
        res = Result(
            case=f"EWMean.update_many, {n / 1e6:g}M values from a {label}",
            unit="value",
            items=n,
            pss_times=times,
            target=f">= {MIN_MVALUES_PER_S:g} M values/s",
        )
        mvalues = n / res.pss_median / 1e6
        res.verdict = "PASS" if mvalues >= MIN_MVALUES_PER_S else "MISS"
        out.append(res)
    return out


def run_ewm(n_rows: int, runs: int) -> list[Result]:
    _log(f"exponentially weighted data: {n_rows:,} rows")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n_rows)
    g = rng.integers(0, N_GROUPS, n_rows)
    df = pl.DataFrame({"x": x, "g": g})
    xs: list[float] = x[: min(LOOP_CALLS, n_rows)].tolist()

    col = pl.col("x")
    results = []
    for adjust in (True, False):
        results.append(
            _expr_case(
                df,
                f"ewm_mean(alpha={ALPHA}, adjust={adjust})",
                pss.ewm_mean("x", alpha=ALPHA, adjust=adjust),
                col.ewm_mean(alpha=ALPHA, adjust=adjust),
                "Polars ewm_mean",
                runs,
                max_ratio=MAX_RATIO_VS_POLARS,
            )
        )
    results.append(
        _expr_case(
            df,
            f"ewm_var(alpha={ALPHA}, adjust=True, bias=False)",
            pss.ewm_var("x", alpha=ALPHA, adjust=True, bias=False),
            col.ewm_var(alpha=ALPHA, adjust=True, bias=False),
            "Polars ewm_var",
            runs,
            max_ratio=MAX_RATIO_VS_POLARS,
        )
    )
    results.append(
        _expr_case(
            df,
            f"ewm_std(alpha={ALPHA}, adjust=True, bias=False)",
            pss.ewm_std("x", alpha=ALPHA, adjust=True, bias=False),
            col.ewm_std(alpha=ALPHA, adjust=True, bias=False),
            "Polars ewm_std",
            runs,
            max_ratio=None,
        )
    )
    results.append(
        _expr_case(
            df,
            f'ewm_mean(alpha={ALPHA}).over("g"), {N_GROUPS} groups',
            pss.ewm_mean("x", alpha=ALPHA).over("g"),
            col.ewm_mean(alpha=ALPHA).over("g"),
            'Polars ewm_mean().over("g")',
            runs,
            max_ratio=None,
        )
    )
    results.extend(_object_cases(xs, runs))
    results.extend(_update_many_cases(x, runs))
    reference = _expr_case(
        df,
        f"rolling_ewm_mean(window_size={WINDOW}, alpha={ALPHA})",
        pss.rolling_ewm_mean("x", window_size=WINDOW, alpha=ALPHA),
        col.rolling_mean(WINDOW),
        f"reference (not equivalent): Polars rolling_mean({WINDOW})",
        runs,
        max_ratio=None,
        check=False,
    )
    reference.chart = False  # another statistic: a point of reference, not a peer
    results.append(reference)
    return results


# --------------------------------------------------------------------------- quantile cases


def _identical(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Whether two single-column outputs are exactly equal: same nulls, same dtype, same values."""
    x, y = a.to_series(), b.to_series()
    if x.len() != y.len() or x.dtype != y.dtype:
        return False
    if not x.is_null().equals(y.is_null()):
        return False
    xv = x.drop_nulls().cast(pl.Float64).to_numpy()
    yv = y.drop_nulls().cast(pl.Float64).to_numpy()
    return bool(np.array_equal(xv, yv, equal_nan=True))


def _as_floats(out: object) -> npt.NDArray[np.float64]:
    """Any single-column output (Polars, pandas, numpy) as float64, null as NaN."""
    if isinstance(out, pl.DataFrame):
        out = out.to_series()
    if isinstance(out, pl.Series):
        return np.asarray(out.cast(pl.Float64).to_numpy(), dtype=np.float64)
    if isinstance(out, pd.Series):
        return np.asarray(out.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    return np.asarray(out, dtype=np.float64)


def _agree_where_defined(ours: object, theirs: object) -> bool:
    """Whether two outputs agree to ``AGREE_ATOL`` on the rows where both have a value."""
    x, y = _as_floats(ours), _as_floats(theirs)
    if x.shape != y.shape:
        return False
    both = ~np.isnan(x) & ~np.isnan(y)
    return bool(np.all(np.abs(x[both] - y[both]) <= AGREE_ATOL))


def _exact_vs_polars(ours: object, theirs: object) -> bool:
    assert isinstance(ours, pl.DataFrame)
    assert isinstance(theirs, pl.DataFrame)
    return _identical(ours, theirs)


@dataclass
class Peer:
    """One competitor of a pss case: how to run it, how to check it, how often to time it."""

    name: str
    fn: Thunk
    agree: Callable[[object, object], bool]  # (pss output, peer output) -> same?
    runs: int


def _interleaved_ragged(fns: Sequence[Thunk], runs: Sequence[int]) -> list[list[float]]:
    """Round-robin as ``_interleaved``, but ``fns[i]`` only takes part in its first ``runs[i]``
    rounds: round ``r`` of a slow competitor stays paired with round ``r`` of the others."""
    times: list[list[float]] = [[] for _ in fns]
    for r in range(max(runs)):
        for i, fn in enumerate(fns):
            if r < runs[i]:
                times[i].append(_time_once(fn))
    return times


def _variant_peer_cases(
    case: str,
    variants: Sequence[tuple[str, Thunk]],
    peers: Sequence[tuple[int, Peer]],
    *,
    items: int,
    unit: str = "row",
    section: str,
) -> list[Result]:
    """pss ``variants`` (case name, thunk) against peers, all interleaved; each peer is paired
    with one variant (its index: e.g. ``bias=True`` for Polars, ``bias=False`` for pandas) and
    checked against that variant's output. A variant takes part in as many rounds as the
    most-run peer paired with it. One row per peer, with its paired ratio; ``case`` is only
    logged."""
    _log(f"  {case}")
    warm = [fn() for _, fn in variants]
    matches = []
    for v, peer in peers:
        warm_theirs = peer.fn()
        matches.append(peer.agree(warm[v], warm_theirs))
        del warm_theirs
    del warm
    variant_runs = [max(p.runs for v, p in peers if v == i) for i in range(len(variants))]
    times = _interleaved_ragged(
        [*(fn for _, fn in variants), *(p.fn for _, p in peers)],
        [*variant_runs, *(p.runs for _, p in peers)],
    )
    t_variants, t_peers = times[: len(variants)], times[len(variants) :]
    out = []
    for (v, peer), theirs, match in zip(peers, t_peers, matches, strict=True):
        mine = t_variants[v][: len(theirs)]
        out.append(
            Result(
                case=variants[v][0],
                unit=unit,
                items=items,
                pss_times=mine,
                competitor=peer.name,
                competitor_times=theirs,
                ratios=_ratios(mine, theirs),
                outputs_match=match,
                section=section,
                verdict="—" if match else "MISMATCH",
            )
        )
    return out


def _peer_cases(
    case: str, ours: Thunk, peers: Sequence[Peer], *, items: int, unit: str = "row"
) -> list[Result]:
    """``ours`` against each peer, all interleaved; one row per peer with its paired ratio."""
    return _variant_peer_cases(
        case,
        [(case, ours)],
        [(0, peer) for peer in peers],
        items=items,
        unit=unit,
        section="quantile",
    )


def _judge(res: Result, max_ratio: float, target: str | None = None) -> None:
    """Set the target and verdict of a paired row (a mismatch stays a mismatch)."""
    res.target = target or f"<= {max_ratio:g}x"
    if res.outputs_match is False:
        res.verdict = "MISMATCH"
        return
    ratio = res.ratio_median
    assert ratio is not None
    res.verdict = "PASS" if ratio <= max_ratio else "MISS"


def _polars_peer(df: pl.DataFrame, name: str, expr: pl.Expr, runs: int) -> Peer:
    return Peer(name, lambda: df.select(expr), _exact_vs_polars, runs)


def _rolling_window_cases(
    df: pl.DataFrame, x: npt.NDArray[np.float64], w: int, runs: int
) -> list[Result]:
    """rolling_median at one window vs Polars, bottleneck and pandas; verdict vs the fastest."""
    slow_runs = min(runs, SLOW_RUNS) if w >= SLOW_WINDOW else runs
    ours = pss.rolling_median("x", window_size=w)
    theirs = pl.col("x").rolling_median(window_size=w)

    def run_bottleneck() -> npt.NDArray[np.float64]:
        return np.asarray(bn.move_median(x, w), dtype=np.float64)

    def run_pandas() -> object:
        return pd.Series(x).rolling(w).median()

    rows = _peer_cases(
        f"rolling_median(window_size={w:_})",
        lambda: df.select(ours),
        [
            _polars_peer(df, "Polars rolling_median", theirs, runs),
            Peer(
                f"bottleneck {bn.__version__} move_median",
                run_bottleneck,
                _agree_where_defined,
                runs,
            ),
            Peer(
                f"pandas {pd.__version__} rolling().median()",
                run_pandas,
                _agree_where_defined,
                slow_runs,
            ),
        ],
        items=df.height,
    )
    fastest = min(rows, key=lambda r: r.competitor_median or float("inf"))
    _judge(fastest, MAX_RATIO_VS_FASTEST_PEER, f"<= {MAX_RATIO_VS_FASTEST_PEER:g}x fastest peer")
    return rows


def _vs_polars(
    df: pl.DataFrame, case: str, ours: pl.Expr, theirs: pl.Expr, name: str, runs: int
) -> Result:
    """One pss expression against one Polars expression, outputs checked bit for bit."""
    (res,) = _peer_cases(
        case, lambda: df.select(ours), [_polars_peer(df, name, theirs, runs)], items=df.height
    )
    return res


def _cum_median_cases(df: pl.DataFrame, x: npt.NDArray[np.float64], runs: int) -> list[Result]:
    """Exact cumulative median vs Polars (a window of the whole column) and pandas expanding."""
    n = df.height
    ours = pss.cum_median("x")
    theirs = pl.col("x").rolling_median(window_size=n, min_samples=1)

    def run_pandas() -> object:
        return pd.Series(x).expanding().median()

    vs_polars, vs_pandas = _peer_cases(
        "cum_median() (exact)",
        lambda: df.select(ours),
        [
            _polars_peer(df, "Polars rolling_median(window_size=n, min_samples=1)", theirs, runs),
            Peer(
                f"pandas {pd.__version__} expanding().median()",
                run_pandas,
                _agree_where_defined,
                min(runs, SLOW_RUNS),
            ),
        ],
        items=n,
    )
    _judge(vs_polars, MAX_RATIO_CUM_MEDIAN)
    return [vs_polars, vs_pandas]


class _Stat(Protocol):
    """What the object loops use: pss's objects and river's ``stats``."""

    def update(self, x: float, /) -> object: ...

    def get(self) -> float | None: ...


def _running_loop(obj: _Stat, xs: list[float]) -> npt.NDArray[np.float64]:
    """``obj.get()`` after every ``obj.update(x)`` (untimed: the reference for a check); None
    as NaN."""
    out = np.empty(len(xs))
    for i, v in enumerate(xs):
        obj.update(v)
        got = obj.get()
        out[i] = np.nan if got is None else got
    return out


def _river_running(xs: list[float]) -> npt.NDArray[np.float64]:
    """River's P² estimate after every value (untimed: the reference for the check)."""
    return _running_loop(river_stats.Quantile(0.5), xs)


def _p2_cases(x: npt.NDArray[np.float64], runs: int) -> list[Result]:
    """P² median: the expression and ``Quantile.update_many`` vs river fed from a Python loop."""
    n = len(x)
    _log(f"  P² median x{n:,}")
    series = pl.Series("x", x)
    xs: list[float] = x.tolist()

    def run_expr() -> pl.DataFrame:
        return pl.select(pss.cum_median(series, method="p2"))

    def run_update_many() -> pss.Quantile:
        return pss.Quantile(0.5, method="p2").update_many(x)

    def run_river() -> None:
        _call_loop(river_stats.Quantile(0.5).update, xs)

    expected = _river_running(xs)
    expr_match = bool(np.array_equal(_as_floats(run_expr()), expected, equal_nan=True))
    last = run_update_many().get()
    many_match = last is not None and bool(last == expected[-1])
    run_river()
    t_expr, t_many, t_river = _interleaved([run_expr, run_update_many, run_river], runs)
    river_name = f"river {RIVER_VERSION} Quantile(0.5), Python loop"
    expr_row = Result(
        case=f'cum_median(method="p2"), pl.select on a {n / 1e6:g}M-row Series',
        unit="row",
        items=n,
        pss_times=t_expr,
        competitor=river_name,
        competitor_times=t_river,
        ratios=_ratios(t_expr, t_river),
        outputs_match=expr_match,
        verdict="—" if expr_match else "MISMATCH",
        section="quantile",
        style="ns",
    )
    many_row = Result(
        case=f'Quantile(0.5, method="p2").update_many, {n / 1e6:g}M values (numpy)',
        unit="value",
        items=n,
        pss_times=t_many,
        competitor=river_name,
        competitor_times=t_river,
        ratios=_ratios(t_many, t_river),
        target=f"<= {MAX_NS_PER_P2_VALUE:g} ns/value",
        outputs_match=many_match,
        section="quantile",
        style="ns",
    )
    if not many_match:
        many_row.verdict = "MISMATCH"
    else:
        ns = many_row.pss_median / n * 1e9
        many_row.verdict = "PASS" if ns <= MAX_NS_PER_P2_VALUE else "MISS"
    return [expr_row, many_row]


def run_quantile(n_rows: int, runs: int) -> list[Result]:
    _log(f"quantile data: {n_rows:,} rows")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n_rows)
    g = rng.integers(0, N_GROUPS, n_rows)
    df = pl.DataFrame({"x": x, "g": g})
    with_nulls = pl.DataFrame(
        {"x": pl.Series("x", x).scatter(np.arange(0, n_rows, NULL_EVERY), None)}
    )
    col = pl.col("x")

    results: list[Result] = []
    headline: Result | None = None
    for w in WINDOWS:
        if w > n_rows:
            continue
        rows = _rolling_window_cases(df, x, w, runs)
        if w == max(WINDOWS):
            headline = Result(
                case=f"headline: rolling_median(window_size={w:_}) over {n_rows / 1e6:g}M rows",
                unit="row",
                items=n_rows,
                pss_times=rows[0].pss_times,
                competitor=RIVER_ROLLING_NOTE,
                section="quantile",
                style="s",
            )
        results.extend(rows)
    results.append(
        _vs_polars(
            df,
            f'rolling_quantile(0.5, window_size={WINDOW:_}, interpolation="linear")',
            pss.rolling_quantile("x", 0.5, window_size=WINDOW, interpolation="linear"),
            col.rolling_quantile(0.5, interpolation="linear", window_size=WINDOW),
            'Polars rolling_quantile(0.5, "linear")',
            runs,
        )
    )
    # With nulls, the default min_samples (= window_size non-null values) is never reached
    # at 1% nulls and any window >= 100: both sides would output only nulls. min_samples=1.
    for w in SIDE_WINDOWS:
        if w > n_rows:
            continue
        res = _vs_polars(
            with_nulls,
            f"rolling_median(window_size={w:_}, min_samples=1), 1% nulls",
            pss.rolling_median("x", window_size=w, min_samples=1),
            col.rolling_median(window_size=w, min_samples=1),
            "Polars rolling_median",
            min(runs, MEDIUM_RUNS) if w >= SLOW_WINDOW else runs,
        )
        _judge(res, MAX_RATIO_NULLS_CENTER_OVER)
        results.append(res)
    for w in SIDE_WINDOWS:
        if w > n_rows:
            continue
        res = _vs_polars(
            df,
            f"rolling_median(window_size={w:_}, center=True)",
            pss.rolling_median("x", window_size=w, center=True),
            col.rolling_median(window_size=w, center=True),
            "Polars rolling_median",
            min(runs, MEDIUM_RUNS) if w >= SLOW_WINDOW else runs,
        )
        _judge(res, MAX_RATIO_NULLS_CENTER_OVER)
        results.append(res)
    res = _vs_polars(
        df,
        f'rolling_median(window_size={OVER_WINDOW}).over("g"), {N_GROUPS} groups',
        pss.rolling_median("x", window_size=OVER_WINDOW).over("g"),
        col.rolling_median(window_size=OVER_WINDOW).over("g"),
        'Polars rolling_median().over("g")',
        runs,
    )
    _judge(res, MAX_RATIO_NULLS_CENTER_OVER)
    results.append(res)
    results.extend(_cum_median_cases(df, x, runs))
    results.extend(_p2_cases(x[: min(P2_VALUES, n_rows)], runs))
    if headline is not None:
        results.insert(0, headline)
    return results


# --------------------------------------------------------------------------- moments cases


def _null_mask(out: object) -> pl.Series:
    assert isinstance(out, pl.DataFrame)
    return out.to_series().is_null()


def _moments_agree(ours: object, theirs: object, *, rtol: float, atol: float) -> bool:
    """Whether two outputs are defined (not null, not NaN) on the same rows and agree there to
    ``rtol`` (relative) plus ``atol`` (absolute); exact with ``rtol = atol = 0``. Two Polars
    outputs must also have their nulls on the same rows (null and NaN are not interchangeable)."""
    x, y = _as_floats(ours), _as_floats(theirs)
    if x.shape != y.shape:
        return False
    both_polars = isinstance(ours, pl.DataFrame) and isinstance(theirs, pl.DataFrame)
    if both_polars and not _null_mask(ours).equals(_null_mask(theirs)):
        return False
    defined = ~np.isnan(x)
    if not np.array_equal(defined, ~np.isnan(y)):
        return False
    if rtol == 0 and atol == 0:
        return bool(np.array_equal(x[defined], y[defined]))
    return bool(np.all(np.isclose(x[defined], y[defined], rtol=rtol, atol=atol)))


def _close(atol: float = AGREE_ATOL) -> Callable[[object, object], bool]:
    def agree(ours: object, theirs: object) -> bool:
        return _moments_agree(ours, theirs, rtol=MOMENT_RTOL, atol=atol)

    return agree


def _equal(ours: object, theirs: object) -> bool:
    return _moments_agree(ours, theirs, rtol=0.0, atol=0.0)


_PSS_ROLLING: dict[str, Callable[..., pl.Expr]] = {
    "mean": pss.rolling_mean,
    "var": pss.rolling_var,
    "std": pss.rolling_std,
    "skew": pss.rolling_skew,
    "kurtosis": pss.rolling_kurtosis,
    "min": pss.rolling_min,
    "max": pss.rolling_max,
}
_PSS_CUM: dict[str, Callable[..., pl.Expr]] = {
    "mean": pss.cum_mean,
    "var": pss.cum_var,
    "skew": pss.cum_skew,
    "kurtosis": pss.cum_kurtosis,
}
_POLARS_ROLLING: dict[str, Callable[..., pl.Expr]] = {
    "mean": pl.Expr.rolling_mean,
    "var": pl.Expr.rolling_var,
    "std": pl.Expr.rolling_std,
    "skew": pl.Expr.rolling_skew,
    "kurtosis": pl.Expr.rolling_kurtosis,
    "min": pl.Expr.rolling_min,
    "max": pl.Expr.rolling_max,
}
_PANDAS_METHOD = {"kurtosis": "kurt"}  # otherwise the same name
_BOTTLENECK_OPTS: dict[str, dict[str, int]] = {
    "mean": {},
    "var": {"ddof": 1},
    "std": {"ddof": 1},
    "min": {},
    "max": {},
}


def _stat_variants(
    df: pl.DataFrame, name: str, args: str, build: Callable[..., pl.Expr], stat: str
) -> tuple[list[tuple[str, Thunk]], int]:
    """Our variants of one statistic, ``name(args)``: the default one, and for skew/kurtosis
    also the ``bias=False`` one that pandas computes. Returns the variants (case name, thunk)
    and the index of the one pandas is paired with."""
    default = build(pl.col("x"))
    variants: list[tuple[str, Thunk]] = [(f"{name}({args})", lambda: df.select(default))]
    if stat not in UNBIASED_STATS:
        return variants, 0
    unbiased = build(pl.col("x"), bias=False)
    sep = ", " if args else ""
    variants.append((f"{name}({args}{sep}bias=False)", lambda: df.select(unbiased)))
    return variants, 1


def _rolling_moment_cases(
    df: pl.DataFrame, x: npt.NDArray[np.float64], stat: str, w: int, runs: int
) -> list[Result]:
    """One rolling statistic at one window vs Polars, bottleneck (where it has it) and pandas;
    the verdict sits on the row of the fastest peer."""
    exact = stat in EXACT_STATS
    case = f"rolling_{stat}(window_size={w:_})"
    variants, pandas_variant = _stat_variants(
        df,
        f"rolling_{stat}",
        f"window_size={w:_}",
        lambda e, **kw: _PSS_ROLLING[stat](e, window_size=w, **kw),
        stat,
    )
    polars_expr = _POLARS_ROLLING[stat](pl.col("x"), w)
    peers: list[tuple[int, Peer]] = [
        (
            0,
            Peer(
                f"Polars rolling_{stat}",
                lambda: df.select(polars_expr),
                _exact_vs_polars if exact else _close(),
                runs,
            ),
        )
    ]
    if stat in _BOTTLENECK_OPTS:
        move = getattr(bn, f"move_{stat}")
        opts = _BOTTLENECK_OPTS[stat]
        opts_txt = ", ".join(f"{k}={v}" for k, v in opts.items())

        def run_bottleneck() -> npt.NDArray[np.float64]:
            return np.asarray(move(x, w, **opts), dtype=np.float64)

        peers.append(
            (
                0,
                Peer(
                    f"bottleneck {bn.__version__} move_{stat}({opts_txt})",
                    run_bottleneck,
                    _equal if exact else _close(),
                    runs,
                ),
            )
        )
    method = _PANDAS_METHOD.get(stat, stat)

    def run_pandas() -> object:
        return getattr(pd.Series(x).rolling(w), method)()

    pandas_agree: Callable[[object, object], bool]
    if exact:
        pandas_agree = _equal
    else:
        pandas_agree = _close(PANDAS_MOMENT_ATOL if stat in UNBIASED_STATS else AGREE_ATOL)
    peers.append(
        (
            pandas_variant,
            Peer(f"pandas {pd.__version__} rolling().{method}()", run_pandas, pandas_agree, runs),
        )
    )
    rows = _variant_peer_cases(case, variants, peers, items=df.height, section="moments")
    fastest = min(rows, key=lambda r: r.competitor_median or float("inf"))
    _judge(fastest, MAX_RATIO_VS_FASTEST_PEER, f"<= {MAX_RATIO_VS_FASTEST_PEER:g}x fastest peer")
    return rows


def _cum_moment_cases(
    df: pl.DataFrame, x: npt.NDArray[np.float64], stat: str, runs: int
) -> list[Result]:
    """One cumulative statistic vs Polars (a window of the whole column, min_samples=1) and
    pandas expanding(); the verdict sits on the row of the fastest peer."""
    n = df.height
    case = f"cum_{stat}()"
    variants, pandas_variant = _stat_variants(df, f"cum_{stat}", "", _PSS_CUM[stat], stat)
    polars_expr = _POLARS_ROLLING[stat](pl.col("x"), n, min_samples=1)
    method = _PANDAS_METHOD.get(stat, stat)

    def run_pandas() -> object:
        return getattr(pd.Series(x).expanding(), method)()

    rows = _variant_peer_cases(
        case,
        variants,
        [
            (
                0,
                Peer(
                    f"Polars rolling_{stat}(window_size=n, min_samples=1)",
                    lambda: df.select(polars_expr),
                    _close(),
                    runs,
                ),
            ),
            (
                pandas_variant,
                Peer(
                    f"pandas {pd.__version__} expanding().{method}()",
                    run_pandas,
                    _close(),
                    runs,
                ),
            ),
        ],
        items=n,
        section="moments",
    )
    fastest = min(rows, key=lambda r: r.competitor_median or float("inf"))
    _judge(fastest, MAX_RATIO_VS_FASTEST_PEER, f"<= {MAX_RATIO_VS_FASTEST_PEER:g}x fastest peer")
    return rows


@dataclass
class _MomentObject:
    """One pss object timed against river's namesake, and how to check them against each
    other (river has its own conventions: see ``_moment_object_cases``)."""

    name: str
    ours: Callable[[], _Stat]  # as timed: the default options
    ours_as_river: Callable[[], _Stat]  # river's options, for the check
    river: Callable[[], _Stat]
    from_n: int  # river's values are comparable from this many values on


def _moment_objects() -> list[_MomentObject]:
    return [
        _MomentObject("Var", pss.Var, pss.Var, river_stats.Var, 2),
        _MomentObject("Skew", pss.Skew, lambda: pss.Skew(bias=False), river_stats.Skew, 3),
        _MomentObject(
            "Kurtosis", pss.Kurtosis, lambda: pss.Kurtosis(bias=False), river_stats.Kurtosis, 4
        ),
        _MomentObject("PeakToPeak", pss.PeakToPeak, pss.PeakToPeak, river_stats.PeakToPeak, 1),
    ]


def _moment_object_cases(xs: list[float], runs: int) -> list[Result]:
    """A Python loop of ``u(x)`` calls for each moment object, river's namesake and pss.EWMean,
    all interleaved. Each object's cost is judged against EWMean.update's in the same rounds.

    The check feeds the same values through ``update`` and compares ``get()`` after every value
    with river's, with river's options (bias=False for skew and kurtosis) and from the first
    value where river's conventions agree with ours (n >= 2 var, 3 skew, 4 kurtosis, 1 peak to
    peak); river runs at most ``MEDIUM_RUNS`` times."""
    n = len(xs)
    objects = _moment_objects()
    matches = []
    for obj in objects:
        _log(f"  {obj.name}.update x{n:,}: checking against river")
        ours = _running_loop(obj.ours_as_river(), xs)[obj.from_n - 1 :]
        theirs = _running_loop(obj.river(), xs)[obj.from_n - 1 :]
        matches.append(
            _moments_agree(ours, theirs, rtol=MOMENT_RTOL, atol=AGREE_ATOL)
            and not np.isnan(ours).any()
        )
    _log(f"  moment objects .update x{n:,}")

    def loop(factory: Callable[[], _Stat]) -> Thunk:
        def run() -> None:
            _call_loop(factory().update, xs)

        return run

    fns = [loop(lambda: pss.EWMean(alpha=ALPHA))]
    for obj in objects:
        fns += [loop(obj.ours), loop(obj.river)]
    for fn in fns:
        fn()
    river_runs = min(runs, MEDIUM_RUNS)
    t_ewmean, *t_rest = _interleaved_ragged(fns, [runs, *[runs, river_runs] * len(objects)])
    ewmean_name = f"pss EWMean(alpha={ALPHA}).update, same loop"
    out = []
    for i, (obj, match) in enumerate(zip(objects, matches, strict=True)):
        t_ours, t_river = t_rest[2 * i], t_rest[2 * i + 1]
        vs_ewmean = Result(
            case=f"{obj.name}().update, Python loop of {n / 1e6:g}M calls",
            unit="call",
            items=n,
            pss_times=t_ours,
            competitor=ewmean_name,
            competitor_times=t_ewmean,
            ratios=_ratios(t_ours, t_ewmean),
            outputs_match=match,
            section="moments",
        )
        _judge(vs_ewmean, MAX_RATIO_VS_EWMEAN, f"<= {MAX_RATIO_VS_EWMEAN:g}x EWMean.update")
        mine = t_ours[: len(t_river)]
        out += [
            vs_ewmean,
            Result(
                case=f"same loop vs river {obj.name}()",
                unit="call",
                items=n,
                pss_times=mine,
                competitor=f"river {RIVER_VERSION} {obj.name}",
                competitor_times=t_river,
                ratios=_ratios(mine, t_river),
                outputs_match=match,
                verdict="—" if match else "MISMATCH",
                section="moments",
            ),
        ]
    return out


def run_moments(n_rows: int, runs: int) -> list[Result]:
    _log(f"moments data: {n_rows:,} rows")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n_rows)
    df = pl.DataFrame({"x": x})
    xs: list[float] = x[: min(LOOP_CALLS, n_rows)].tolist()

    results: list[Result] = []
    for w in MOMENT_WINDOWS:
        if w > n_rows:
            continue
        for stat in ROLLING_STATS:
            results.extend(_rolling_moment_cases(df, x, stat, w, runs))
    for stat in CUM_STATS:
        results.extend(_cum_moment_cases(df, x, stat, runs))
    results.extend(_moment_object_cases(xs, runs))
    return results


# --------------------------------------------------------------------------- time-window cases


def _median_vs_pandas(ours: object, theirs: object) -> bool:
    """Whether two medians are defined on the same rows and agree there to ``AGREE_ATOL``
    (absolute, as the quantile section's pandas check). They are not bit-identical: pandas
    averages the two middle values as ``(a + b) / 2``, Polars and pss as ``a + (b - a) * 0.5``,
    which rounds differently (by 1 ulp of ``a`` or ``b``, so more than 1 ulp of the median when
    the two have opposite signs). Logs how many rows differ and by how much at most."""
    x, y = _as_floats(ours), _as_floats(theirs)
    if x.shape != y.shape:
        return False
    defined = ~np.isnan(x)
    if not np.array_equal(defined, ~np.isnan(y)):
        return False
    diff = np.abs(x[defined] - y[defined])
    differ = int(np.count_nonzero(diff))
    if differ:
        _log(
            f"    pandas median: {differ:,} of {diff.size:,} rows differ in the last bits "
            f"(at most {diff.max():.2g})"
        )
    return bool(np.all(diff <= AGREE_ATOL))


def _by_data(n_rows: int) -> tuple[pl.DataFrame, pd.Series]:
    """``n_rows`` rows: strictly increasing Datetime("us") times with exponential gaps (mean
    1 s, floored to the microsecond plus 1 us, so no two rows share a time: pandas' windows
    have no lookahead for equal times, Polars' do), N(0, 1) values, a key of ``BY_KEYS``
    values; and the same values as a pandas Series on a DatetimeIndex."""
    rng = np.random.default_rng(0)
    gaps = rng.exponential(BY_MEAN_GAP_US, n_rows).astype(np.int64) + 1
    ts = pl.Series("ts", np.cumsum(gaps)).cast(pl.Datetime("us"))
    x = rng.standard_normal(n_rows)
    key = rng.integers(0, BY_KEYS, n_rows)
    df = pl.DataFrame({"ts": ts, "x": x, "key": key})
    assert df["ts"].is_sorted()
    assert df["ts"].n_unique() == n_rows
    series = pd.Series(x, index=pd.DatetimeIndex(ts.to_numpy()))
    return df, series


@dataclass
class _ByStat:
    """One time-window statistic: the pss call, its Polars and pandas peers (None where the
    library has none) and how outputs are checked against each."""

    name: str
    ours: Callable[[str], pl.Expr]  # window -> pss expression
    polars: Callable[[str], pl.Expr] | None
    polars_name: str
    pandas: Callable[[Any], object] | None  # a pandas Rolling -> output
    pandas_name: str
    polars_agree: Callable[[object, object], bool]
    # None: a moment, checked by ``_pandas_moment_check`` (tolerance, then a two-pass reference)
    pandas_agree: Callable[[object, object], bool] | None
    quantile_like: bool = False  # slow peers (fewer runs) and the tighter target at 1h and 1d
    pandas_atol: float = AGREE_ATOL


def _pss_by(stat: str) -> Callable[[str], pl.Expr]:
    """``pss.rolling_<stat>_by("x", "ts", window)`` as a function of the window."""
    fn = getattr(pss, f"rolling_{stat}_by")

    def build(w: str) -> pl.Expr:
        return fn("x", "ts", w)  # type: ignore[no-any-return]

    return build


def _polars_by(stat: str) -> Callable[[str], pl.Expr]:
    """``pl.col("x").rolling_<stat>_by("ts", window)`` as a function of the window."""

    def build(w: str) -> pl.Expr:
        return getattr(pl.col("x"), f"rolling_{stat}_by")("ts", w)  # type: ignore[no-any-return]

    return build


def _pandas_method(method: str) -> Callable[[Any], object]:
    """``rolling.<method>()`` as a function of a pandas Rolling."""

    def run(rolling: Any) -> object:
        return getattr(rolling, method)()

    return run


def _by_stats() -> list[_ByStat]:
    x = pl.col("x")
    q = BY_QUANTILE
    close, exact = _close(), _exact_vs_polars
    out = []
    for stat in ("mean", "var", "std"):
        out.append(
            _ByStat(
                stat,
                _pss_by(stat),
                _polars_by(stat),
                f"Polars rolling_{stat}_by",
                _pandas_method(stat),
                f"rolling().{stat}()",
                close,
                None,
            )
        )
    for stat in ("min", "max"):
        out.append(
            _ByStat(
                stat,
                _pss_by(stat),
                _polars_by(stat),
                f"Polars rolling_{stat}_by",
                _pandas_method(stat),
                f"rolling().{stat}()",
                exact,
                _equal,
            )
        )
    out += [
        _ByStat(
            "median",
            lambda w: pss.rolling_median_by("x", "ts", w),
            lambda w: x.rolling_median_by("ts", w),
            "Polars rolling_median_by",
            lambda r: r.median(),
            "rolling().median()",
            exact,
            _median_vs_pandas,
            quantile_like=True,
        ),
        _ByStat(
            f"quantile({q}, linear)",
            lambda w: pss.rolling_quantile_by("x", "ts", w, quantile=q, interpolation="linear"),
            lambda w: x.rolling_quantile_by("ts", w, quantile=q, interpolation="linear"),
            f'Polars rolling_quantile_by({q}, "linear")',
            lambda r: r.quantile(q),
            f"rolling().quantile({q})",
            exact,
            _equal,
            quantile_like=True,
        ),
        # Polars has no rolling skew/kurtosis by time: pandas only, with its bias=False.
        _ByStat(
            "skew(bias=False)",
            lambda w: pss.rolling_skew_by("x", "ts", w, bias=False),
            None,
            "",
            lambda r: r.skew(),
            "rolling().skew()",
            close,
            None,
            pandas_atol=PANDAS_MOMENT_ATOL,
        ),
        _ByStat(
            "kurtosis(bias=False)",
            lambda w: pss.rolling_kurtosis_by("x", "ts", w, bias=False),
            None,
            "",
            lambda r: r.kurt(),
            "rolling().kurt()",
            close,
            None,
            pandas_atol=PANDAS_MOMENT_ATOL,
        ),
        # Neither library has a rolling IQR: the peer is what a Polars user writes instead.
        _ByStat(
            "iqr",
            lambda w: pss.rolling_iqr_by("x", "ts", w),
            lambda w: (
                x.rolling_quantile_by("ts", w, quantile=0.75)
                - x.rolling_quantile_by("ts", w, quantile=0.25)
            ),
            "Polars rolling_quantile_by(0.75) - rolling_quantile_by(0.25)",
            None,
            "",
            exact,
            _equal,
            quantile_like=True,
        ),
    ]
    return out


def _two_pass(stat: str, v: npt.NDArray[np.float64]) -> float:
    """The textbook estimator on one window's values, from deviations about the two-pass mean:
    the sample variance/std (ddof=1), the adjusted Fisher-Pearson skewness G1 and the unbiased
    excess kurtosis G2 (pandas' skew() and kurt(); NaN below 3 and 4 values)."""
    n = v.size
    mean = float(np.mean(v))
    if stat == "mean":
        return mean
    d = v - mean
    m2 = float(np.mean(d * d))
    if stat in ("var", "std"):
        if n < 2:
            return float("nan")
        var = m2 * n / (n - 1)
        return var if stat == "var" else math.sqrt(var)
    if stat == "skew":
        if n < 3:
            return float("nan")
        g1 = float(np.mean(d**3)) / (m2 * math.sqrt(m2))
        return g1 * math.sqrt(n * (n - 1)) / (n - 2)
    if stat == "kurtosis":
        if n < 4:
            return float("nan")
        g2 = float(np.mean(d**4)) / (m2 * m2) - 3.0
        return ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    raise ValueError(stat)


def _pandas_moment_check(
    stat: str, atol: float, x: npt.NDArray[np.float64], start: npt.NDArray[np.intp]
) -> Callable[[object, object], bool]:
    """pss against pandas for one rolling moment: defined on the same rows and within
    ``MOMENT_RTOL`` relative + ``atol`` absolute, except on rows where pss is within that of a
    two-pass reference on the window's values (``x[start[i] : i + 1]``): pandas slides sums of
    powers, which lose digits when a window's spread is small against its values (a 2-value
    window of close values: std 8e-12 off). At most ``BY_MAX_REFERENCE_ROWS`` such rows."""

    def agree(ours: object, theirs: object) -> bool:
        a, c = _as_floats(ours), _as_floats(theirs)
        if a.shape != c.shape or not np.array_equal(np.isnan(a), np.isnan(c)):
            return False
        off = np.flatnonzero(~np.isclose(a, c, rtol=MOMENT_RTOL, atol=atol, equal_nan=True))
        if off.size == 0:
            return True
        if off.size > BY_MAX_REFERENCE_ROWS:
            _log(f"    pandas {stat}: {off.size:,} rows differ (too many to arbitrate)")
            return False
        ref = np.array([_two_pass(stat, x[start[i] : i + 1]) for i in off])
        pss_ok = np.isclose(a[off], ref, rtol=MOMENT_RTOL, atol=AGREE_ATOL)
        pandas_ok = np.isclose(c[off], ref, rtol=MOMENT_RTOL, atol=AGREE_ATOL)
        _log(
            f"    pandas {stat}: {off.size:,} rows differ from pss by more than {MOMENT_RTOL:g} "
            f"rel + {atol:g} abs (at most {np.max(np.abs(a[off] - c[off])):.2g}); a two-pass "
            f"reference agrees with pss on {int(pss_ok.sum())}, with pandas on "
            f"{int(pandas_ok.sum())}"
        )
        return bool(pss_ok.all())

    return agree


def _window_us(window: str) -> int:
    """A Polars duration string in microseconds (Polars' own parsing)."""
    zero = pl.lit(0).cast(pl.Datetime("us"))
    return int(pl.select(zero.dt.offset_by(window).cast(pl.Int64)).item())


def _by_target(quantile_like: bool, window: str) -> float:
    tight = quantile_like and window in BY_TIGHT_WINDOWS
    return MAX_RATIO_BY_QUANTILE if tight else MAX_RATIO_VS_FASTEST_PEER


def _judge_fastest(rows: list[Result], max_ratio: float) -> None:
    fastest = min(rows, key=lambda r: r.competitor_median or float("inf"))
    _judge(fastest, max_ratio, f"<= {max_ratio:g}x fastest peer")


class _Progress:
    """Prefixes each logged case with its number and the seconds since the section began."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.start = total, 0, time.perf_counter()

    def __call__(self, case: str) -> str:
        self.done += 1
        elapsed = time.perf_counter() - self.start
        return f"[{self.done}/{self.total}, {elapsed:.0f} s] {case}"


def _by_case(
    df: pl.DataFrame,
    progress: _Progress,
    case: str,
    ours: pl.Expr,
    peers: Sequence[Peer],
    max_ratio: float,
) -> list[Result]:
    """``df.select(ours)`` against ``peers``, interleaved; the verdict on the fastest peer."""
    rows = _variant_peer_cases(
        progress(case),
        [(case, lambda: df.select(ours))],
        [(0, p) for p in peers],
        items=df.height,
        section="by",
    )
    for r in rows:
        r.style = "ns"
    _judge_fastest(rows, max_ratio)
    return rows


def run_by(n_rows: int, runs: int) -> list[Result]:
    _log(f"time-window data: {n_rows:,} rows")
    df, series = _by_data(n_rows)
    x = df["x"].to_numpy()
    t_us = df["ts"].cast(pl.Int64).to_numpy()
    stats = _by_stats()
    fast_runs = min(runs, BY_RUNS)
    total = len(stats) * len(BY_WINDOWS) + 1 + 2 * len(BY_WINDOWS) + 2
    progress = _Progress(total)
    pd_ver = pd.__version__

    def polars_peer(
        name: str,
        expr: pl.Expr,
        agree: Callable[[object, object], bool],
        n: int,
        data: pl.DataFrame = df,
    ) -> Peer:
        return Peer(name, lambda: data.select(expr), agree, n)

    results: list[Result] = []
    for w in BY_WINDOWS:
        slow_runs = min(runs, BY_SLOW_RUNS[w])
        start = np.searchsorted(t_us, t_us - _window_us(w), side="right")  # (t - w, t]
        for st in stats:
            n = slow_runs if st.quantile_like else fast_runs
            peers = []
            if st.polars is not None:
                peers.append(polars_peer(st.polars_name, st.polars(w), st.polars_agree, n))
            if st.pandas is not None:
                pandas_fn = st.pandas
                pandas_agree = st.pandas_agree or _pandas_moment_check(
                    st.name.split("(")[0], st.pandas_atol, x, start
                )

                def run_pandas(f: Callable[[Any], object] = pandas_fn, w: str = w) -> object:
                    return f(series.rolling(BY_PANDAS_WINDOW.get(w, w)))

                peers.append(
                    Peer(
                        f"pandas {pd_ver} {st.pandas_name}",
                        run_pandas,
                        pandas_agree,
                        n,
                    )
                )
            results += _by_case(
                df,
                progress,
                f'rolling_{st.name}_by("ts", "{w}")',
                st.ours(w),
                peers,
                _by_target(st.quantile_like, w),
            )
    results += _by_case(
        df,
        progress,
        f'ewm_mean_by("ts", half_life="{BY_HALF_LIFE}")',
        pss.ewm_mean_by("x", "ts", half_life=BY_HALF_LIFE),
        [
            polars_peer(
                "Polars ewm_mean_by",
                pl.col("x").ewm_mean_by("ts", half_life=BY_HALF_LIFE),
                _close(),
                fast_runs,
            )
        ],
        MAX_RATIO_VS_FASTEST_PEER,
    )
    q = BY_QUANTILE
    for w in BY_WINDOWS:
        over_cases = [
            (
                "mean",
                pss.rolling_mean_by("x", "ts", w),
                pl.col("x").rolling_mean_by("ts", w),
                _close(),
                False,
            ),
            (
                f"quantile({q}, linear)",
                pss.rolling_quantile_by("x", "ts", w, quantile=q, interpolation="linear"),
                pl.col("x").rolling_quantile_by("ts", w, quantile=q, interpolation="linear"),
                _exact_vs_polars,
                True,
            ),
        ]
        for name, ours, theirs, agree, quantile_like in over_cases:
            results += _by_case(
                df,
                progress,
                f'rolling_{name}_by("ts", "{w}").over("key"), {BY_KEYS} keys',
                ours.over("key"),
                [
                    polars_peer(
                        f"Polars {name.split('(')[0]} .over",
                        theirs.over("key"),
                        agree,
                        min(runs, BY_SLOW_RUNS[w]) if quantile_like else fast_runs,
                    )
                ],
                _by_target(quantile_like, w),
            )
    shuffled = df[np.random.default_rng(1).permutation(n_rows)]
    w = BY_UNSORTED_WINDOW
    for name, ours, theirs, agree, quantile_like in (
        (
            "mean",
            pss.rolling_mean_by("x", "ts", w),
            pl.col("x").rolling_mean_by("ts", w),
            _close(),
            False,
        ),
        (
            "median",
            pss.rolling_median_by("x", "ts", w),
            pl.col("x").rolling_median_by("ts", w),
            _exact_vs_polars,
            True,
        ),
    ):
        results += _by_case(
            shuffled,
            progress,
            f'rolling_{name}_by("ts", "{w}"), rows shuffled (unsorted by)',
            ours,
            [
                polars_peer(
                    f"Polars rolling_{name}_by",
                    theirs,
                    agree,
                    min(runs, BY_SLOW_RUNS[w]) if quantile_like else fast_runs,
                    data=shuffled,
                )
            ],
            _by_target(quantile_like, w),
        )
    return results


# --------------------------------------------------------------------------- tracker cases


def _tracker_data(n_rows: int) -> pl.DataFrame:
    """``n_rows`` rows: an Int64 ticker of ``TRACKER_KEYS`` values, N(0, 1) Float64 prices with
    nulls at random rows (1 in ``NULL_EVERY``), strictly increasing Datetime("us") times with
    exponential gaps (mean ``TRACKER_MEAN_GAP_US``, floored to the microsecond plus 1 us)."""
    rng = np.random.default_rng(0)
    gaps = rng.exponential(TRACKER_MEAN_GAP_US, n_rows).astype(np.int64) + 1
    ts = pl.Series("ts", np.cumsum(gaps)).cast(pl.Datetime("us"))
    price = pl.Series("price", rng.standard_normal(n_rows))
    nulls = np.flatnonzero(rng.random(n_rows) < 1 / NULL_EVERY)
    ticker = pl.Series("ticker", rng.integers(0, TRACKER_KEYS, n_rows))
    return pl.DataFrame([ticker, price.scatter(nulls, None), ts])


@dataclass
class _TrackedStat:
    """One statistic of the tracker section: the template a Tracker copies per key, the pss
    expression whose ``.over("ticker")`` the Tracker's outputs equal, and river's per-key object
    with the pss template that has river's definition."""

    name: str  # output column
    label: str  # the template, as written
    template: Callable[[], Any]  # a fresh pss statistic object
    expr: pl.Expr
    expr_label: str
    river: Callable[[], Any]  # a fresh river object
    river_label: str
    river_template: Callable[[], Any]  # the pss object with river's definition
    river_template_label: str
    timed: bool = False  # river's update takes the row's time: update(x, t=t)
    river_exact: bool = False  # bit for bit (else MOMENT_RTOL + AGREE_ATOL)
    river_first_undefined: bool = False  # pss is null on a key's first row, river says 0.0


def _tracker_stats() -> list[_TrackedStat]:
    q, w, tw = TRACKER_QUANTILE, TRACKER_QUANTILE_WINDOW, TRACKER_TIME_WINDOW
    period = timedelta(microseconds=_window_us(tw))
    return [
        _TrackedStat(
            "ewm",
            f"EWMean(alpha={ALPHA})",
            lambda: pss.EWMean(alpha=ALPHA),
            pss.ewm_mean("price", alpha=ALPHA),
            f"ewm_mean(alpha={ALPHA})",
            lambda: river_stats.EWMean(ALPHA),
            f"EWMean({ALPHA})",
            lambda: pss.EWMean(alpha=ALPHA, adjust=False),
            f"EWMean(alpha={ALPHA}, adjust=False)",
        ),
        _TrackedStat(
            "p90",
            f'RollingQuantile({q}, "linear", window_size={w})',
            lambda: pss.RollingQuantile(q, "linear", window_size=w),
            pss.rolling_quantile("price", q, "linear", window_size=w),
            f'rolling_quantile({q}, "linear", window_size={w})',
            lambda: river_stats.RollingQuantile(q, w),
            f"RollingQuantile({q}, {w})",
            lambda: pss.RollingQuantile(q, "linear", window_size=w, min_samples=1),
            f'RollingQuantile({q}, "linear", window_size={w}, min_samples=1)',
            river_exact=True,
        ),
        _TrackedStat(
            "var",
            "Var()",
            pss.Var,
            pss.cum_var("price"),
            "cum_var()",
            river_stats.Var,
            "Var()",
            pss.Var,
            "Var()",
            river_first_undefined=True,
        ),
        _TrackedStat(
            "mean_tw",
            f'RollingMean("{tw}")',
            lambda: pss.RollingMean(tw),
            pss.rolling_mean_by("price", "ts", tw),
            f'rolling_mean_by("ts", "{tw}")',
            lambda: river_utils.TimeRolling(river_stats.Mean, period=period),
            f"utils.TimeRolling(Mean, {tw})",
            lambda: pss.RollingMean(tw),
            f'RollingMean("{tw}")',
            timed=True,
        ),
    ]


def _tracker(stats: Sequence[_TrackedStat], *, river: bool = False) -> pss.Tracker:
    """A fresh Tracker of ``stats`` over "price" by "ticker" (with river's definitions)."""
    return pss.Tracker(
        {s.name: (s.river_template if river else s.template)() for s in stats},
        on="price",
        by="ticker",
        time="ts" if any(s.timed for s in stats) else None,
    )


def _bit_identical(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Whether two frames of float columns are equal bit for bit: the same columns and dtypes,
    nulls on the same rows and the same 64 bits on the others (NaN and -0.0 included)."""
    if a.columns != b.columns or a.dtypes != b.dtypes or a.height != b.height:
        return False
    for name in a.columns:
        x, y = a[name], b[name]
        if not x.is_null().equals(y.is_null()):
            return False
        xb = x.cast(pl.Float64).fill_null(0.0).to_numpy().view(np.uint64)
        yb = y.cast(pl.Float64).fill_null(0.0).to_numpy().view(np.uint64)
        if not np.array_equal(xb, yb):
            return False
    return True


def _tracker_over_case(
    df: pl.DataFrame,
    batches: Sequence[pl.DataFrame],
    stats: Sequence[_TrackedStat],
    case: str,
    progress: _Progress,
    runs: int,
) -> Result:
    """A fresh Tracker updated with each batch in turn against one select of the expressions
    ``.over("ticker")`` on ``df`` (the batches concatenated); outputs checked bit for bit."""
    names = [s.name for s in stats]
    exprs = {s.name: s.expr.over("ticker") for s in stats}
    if len(stats) == 1:
        over_name = f'pss {stats[0].expr_label}.over("ticker"), one select'
    else:
        over_name = f'the {len(stats)} pss expressions .over("ticker"), one select'

    def run_tracker() -> list[pl.DataFrame]:
        tracker = _tracker(stats)
        return [tracker.update(b) for b in batches]

    def run_over() -> pl.DataFrame:
        return df.select(**exprs)

    def agree(ours: object, theirs: object) -> bool:
        assert isinstance(ours, list)
        assert isinstance(theirs, pl.DataFrame)
        return _bit_identical(pl.concat([o.select(names) for o in ours]), theirs)

    (res,) = _variant_peer_cases(
        progress(case),
        [(case, run_tracker)],
        [(0, Peer(over_name, run_over, agree, runs))],
        items=df.height,
        section="tracker",
    )
    res.style = "ns"
    _judge(res, MAX_RATIO_TRACKER_VS_OVER)
    return res


RiverOutputs = list[list[float | None]]


def _river_loop(
    stats: Sequence[_TrackedStat],
    keys: Sequence[object],
    xs: Sequence[float],
    ts: Sequence[datetime],
) -> RiverOutputs:
    """The per-key Python way: one river object per key and statistic, created when the key
    is first seen, updated row by row; each row's ``get()`` recorded (the Tracker's outputs)."""
    n = len(xs)
    outs: RiverOutputs = [[None] * n for _ in stats]
    if len(stats) == 1:  # no loop over a key's objects
        make, (out,) = stats[0].river, outs
        objs: dict[object, Any] = {}
        if stats[0].timed:
            for i, (k, x, t) in enumerate(zip(keys, xs, ts, strict=True)):
                s = objs.get(k)
                if s is None:
                    s = objs[k] = make()
                s.update(x, t=t)
                out[i] = s.get()
        else:
            for i, (k, x) in enumerate(zip(keys, xs, strict=True)):
                s = objs.get(k)
                if s is None:
                    s = objs[k] = make()
                s.update(x)
                out[i] = s.get()
        return outs
    plain = [s for s in stats if not s.timed]
    timed = [s for s in stats if s.timed]
    plain_outs = [o for o, s in zip(outs, stats, strict=True) if not s.timed]
    timed_outs = [o for o, s in zip(outs, stats, strict=True) if s.timed]
    states: dict[object, tuple[list[Any], list[Any]]] = {}
    for i, (k, x, t) in enumerate(zip(keys, xs, ts, strict=True)):
        st = states.get(k)
        if st is None:
            st = states[k] = ([s.river() for s in plain], [s.river() for s in timed])
        for s, out in zip(st[0], plain_outs, strict=False):
            s.update(x)
            out[i] = s.get()
        for s, out in zip(st[1], timed_outs, strict=False):
            s.update(x, t=t)
            out[i] = s.get()
    return outs


def _river_agree(stats: Sequence[_TrackedStat], n_keys: int) -> Callable[[object, object], bool]:
    """The Tracker's outputs (one DataFrame) against river's (one list per statistic): river
    defined on every row; pss too, except on each key's first row where ``river_first_undefined``
    (Var: null, river 0.0); equal there bit for bit (``river_exact``) or to ``MOMENT_RTOL``
    relative + ``AGREE_ATOL`` absolute."""

    def agree(ours: object, theirs: object) -> bool:
        assert isinstance(ours, pl.DataFrame)
        assert isinstance(theirs, list)
        for st, river_out in zip(stats, theirs, strict=True):
            a = _as_floats(ours[st.name])
            b = np.array(river_out, dtype=np.float64)
            defined = ~np.isnan(a)
            undefined = n_keys if st.river_first_undefined else 0
            if a.shape != b.shape or np.isnan(b).any() or (~defined).sum() != undefined:
                _log(f"    river {st.river_label}: defined on different rows")
                return False
            x, y = a[defined], b[defined]
            if st.river_exact:
                ok = bool(np.array_equal(x.view(np.uint64), y.view(np.uint64)))
            else:
                ok = bool(np.all(np.isclose(x, y, rtol=MOMENT_RTOL, atol=AGREE_ATOL)))
            if not ok:
                _log(f"    river {st.river_label}: max difference {np.max(np.abs(x - y)):.2g}")
                return False
        return True

    return agree


def _tracker_river_case(
    sample: pl.DataFrame,
    stats: Sequence[_TrackedStat],
    case: str,
    progress: _Progress,
    runs: int,
) -> Result:
    """One ``update`` of a fresh Tracker (river's definitions) with the whole sample against
    the per-key river loop on the same rows (pre-extracted as Python lists, outside the
    timing)."""
    keys = sample["ticker"].to_list()
    xs = sample["price"].to_list()
    ts = sample["ts"].to_list()
    n_keys = sample["ticker"].n_unique()
    names = [s.name for s in stats]
    objects = stats[0].river_label if len(stats) == 1 else f"the {len(stats)} river objects"
    river_name = f"river {RIVER_VERSION}: a dict of {objects} per key, updated row by row"

    def run_tracker() -> pl.DataFrame:
        return _tracker(stats, river=True).update(sample).select(names)

    def run_river() -> RiverOutputs:
        return _river_loop(stats, keys, xs, ts)

    (res,) = _variant_peer_cases(
        progress(case),
        [(case, run_tracker)],
        [(0, Peer(river_name, run_river, _river_agree(stats, n_keys), runs))],
        items=sample.height,
        section="tracker",
    )
    res.style = "ns"
    return res


def run_tracker(n_rows: int, runs: int) -> list[Result]:
    batch_rows = n_rows // TRACKER_BATCHES
    _log(f"tracker data: {TRACKER_BATCHES} batches of {batch_rows:,} rows")
    df = _tracker_data(TRACKER_BATCHES * batch_rows)
    by_dtype = {
        "Int64": df,
        "String": df.with_columns(pl.col("ticker").cast(pl.String).str.zfill(4)),
    }
    stats = _tracker_stats()
    sets: list[list[_TrackedStat]] = [[s] for s in stats] + [stats]
    sample = df.gather_every(TRACKER_RIVER_EVERY).drop_nulls("price")
    progress = _Progress(len(sets) * (len(by_dtype) + 1))
    results: list[Result] = []
    for dtype, data in by_dtype.items():
        batches = [data.slice(i * batch_rows, batch_rows) for i in range(TRACKER_BATCHES)]
        for chosen in sets:
            label = chosen[0].label if len(chosen) == 1 else f"all {len(chosen)}"
            case = (
                f"Tracker.update {label}, {dtype} ticker, {TRACKER_BATCHES} x {batch_rows:,} rows"
            )
            results.append(
                _tracker_over_case(data, batches, chosen, case, progress, min(runs, TRACKER_RUNS))
            )
    for chosen in sets:
        label = chosen[0].river_template_label if len(chosen) == 1 else f"all {len(chosen)}"
        case = f"Tracker.update {label}, 1 x {sample.height:,} rows (river sample)"
        results.append(
            _tracker_river_case(sample, chosen, case, progress, min(runs, TRACKER_RIVER_RUNS))
        )
    return results


# --------------------------------------------------------------------------- river family


RIVER_ROWS = 100_000
RIVER_QUICK_ROWS = 10_000
RIVER_KEYS = 100
RIVER_RUNS = 7  # at most, per case: River's Agg takes ~0.3 s per run of 100k rows
RIVER_Q = 0.9
RIVER_WINDOW = 100
RIVER_RTOL = 1e-12  # the adapters' documented tolerance (math.isclose, rel and abs)


@dataclass
class _RiverPair:
    """A pss River adapter and River's own statistic with the same definition."""

    label: str  # as a user writes the pss side
    pss: Callable[[], Any]
    river_label: str
    river: Callable[[], Any]
    exact: bool  # bit for bit (else RIVER_RTOL relative and absolute)
    first_undefined: bool = False  # pss None on a stream's first value, River 0.0


def _river_pairs() -> list[_RiverPair]:
    from polars_streamstats import river as pss_river

    q, w, a = RIVER_Q, RIVER_WINDOW, ALPHA
    return [
        _RiverPair(
            "pss_river.Mean()", pss_river.Mean, "stats.Mean()", river_stats.Mean, exact=False
        ),
        _RiverPair(
            "pss_river.Var()",
            pss_river.Var,
            "stats.Var()",
            river_stats.Var,
            exact=False,
            first_undefined=True,
        ),
        _RiverPair("pss_river.Max()", pss_river.Max, "stats.Max()", river_stats.Max, exact=True),
        _RiverPair(
            f"pss_river.EWMean({a})",
            lambda: pss_river.EWMean(a),
            f"stats.EWMean({a})",
            lambda: river_stats.EWMean(a),
            exact=False,
        ),
        _RiverPair(
            f"pss_river.Quantile({q})",
            lambda: pss_river.Quantile(q),
            f"stats.Quantile({q})",
            lambda: river_stats.Quantile(q),
            exact=True,
        ),
        _RiverPair(
            f"pss_river.RollingQuantile({q}, {w})",
            lambda: pss_river.RollingQuantile(q, w),
            f"stats.RollingQuantile({q}, {w})",
            lambda: river_stats.RollingQuantile(q, w),
            exact=True,
        ),
        _RiverPair(
            f"pss_river.RollingMean({w})",
            lambda: pss_river.RollingMean(w),
            f"utils.Rolling(stats.Mean, window_size={w})",
            lambda: river_utils.Rolling(river_stats.Mean, window_size=w),
            exact=False,
        ),
        _RiverPair(
            f"pss_river.RollingVar({w})",
            lambda: pss_river.RollingVar(w),
            f"utils.Rolling(stats.Var, window_size={w})",
            lambda: river_utils.Rolling(river_stats.Var, window_size=w),
            exact=False,
            first_undefined=True,
        ),
    ]


def _river_rows(n_rows: int) -> list[dict[str, Any]]:
    """``n_rows`` dicts ``{"k": int, "x": float}``: ``RIVER_KEYS`` keys drawn uniformly,
    N(0, 1) values (default_rng(0))."""
    rng = np.random.default_rng(0)
    keys: list[int] = rng.integers(0, RIVER_KEYS, n_rows).tolist()
    xs: list[float] = rng.standard_normal(n_rows).tolist()
    return [{"k": k, "x": x} for k, x in zip(keys, xs, strict=True)]


def _agg_loop(how: Any, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A fresh ``Agg(on="x", by="k", how=how)``: ``learn_one`` then ``transform_one`` per row,
    the features collected (what a River pipeline does with each row)."""
    from river import feature_extraction

    agg = feature_extraction.Agg(on="x", by="k", how=how)
    learn: Callable[[dict[str, Any]], None] = agg.learn_one  # River's methods are untyped
    transform: Callable[[dict[str, Any]], dict[str, Any]] = agg.transform_one
    out: list[dict[str, Any]] = [{}] * len(rows)
    for i, row in enumerate(rows):
        learn(row)
        out[i] = transform(row)
    return out


def _bare_loop(stat: Any, xs: Sequence[float]) -> list[float | None]:
    """One statistic: ``update(x)`` then ``get()`` per value, the values collected."""
    update, get = stat.update, stat.get
    out: list[float | None] = [None] * len(xs)
    for i, x in enumerate(xs):
        update(x)
        out[i] = get()
    return out


def _agg_thunk(make: Callable[[], Any], rows: Sequence[dict[str, Any]]) -> Thunk:
    return lambda: _agg_loop(make(), rows)


def _bare_thunk(make: Callable[[], Any], xs: Sequence[float]) -> Thunk:
    return lambda: _bare_loop(make(), xs)


def _river_values(out: object) -> list[float | None]:
    """The feature values of ``_agg_loop`` (one feature per dict), or ``_bare_loop``'s list."""
    assert isinstance(out, list)
    if out and isinstance(out[0], dict):
        return [next(iter(d.values())) for d in out]
    return out


def _river_family_agree(pair: _RiverPair, first_rows: set[int]) -> Callable[[object, object], bool]:
    """pss's outputs against River's: bit for bit (``exact``) or within ``RIVER_RTOL``
    (``math.isclose`` rel and abs); where ``first_undefined``, pss is None and River 0.0
    exactly on ``first_rows`` (each key's first row) and both defined elsewhere."""

    def agree(ours: object, theirs: object) -> bool:
        a, b = _river_values(ours), _river_values(theirs)
        if len(a) != len(b):
            return False
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            undefined = pair.first_undefined and i in first_rows
            if undefined:
                ok = x is None and y == 0.0
            elif x is None or y is None:
                ok = False
            elif pair.exact:
                ok = np.float64(x).view(np.uint64) == np.float64(y).view(np.uint64)
            else:
                ok = math.isclose(x, y, rel_tol=RIVER_RTOL, abs_tol=RIVER_RTOL)
            if not ok:
                _log(f"    {pair.label} vs River {pair.river_label}: row {i}: {x!r} vs {y!r}")
                return False
        return True

    return agree


def run_river(n_rows: int, runs: int) -> list[Result]:
    rows = _river_rows(n_rows)
    xs: list[float] = [r["x"] for r in rows]
    seen: set[int] = set()
    first_rows: set[int] = set()
    for i, r in enumerate(rows):
        if r["k"] not in seen:
            seen.add(r["k"])
            first_rows.add(i)
    _log(f"river data: {n_rows:,} rows, {len(seen)} keys")
    runs = min(runs, RIVER_RUNS)
    river_name = f"river {RIVER_VERSION}"
    results: list[Result] = []
    for pair in _river_pairs():
        agg_case = f'Agg(on="x", by="k", how={pair.label}), learn_one + transform_one'
        (agg,) = _variant_peer_cases(
            agg_case,
            [(agg_case, _agg_thunk(pair.pss, rows))],
            [
                (
                    0,
                    Peer(
                        f"{river_name} Agg(how={pair.river_label})",
                        _agg_thunk(pair.river, rows),
                        _river_family_agree(pair, first_rows),
                        runs,
                    ),
                )
            ],
            items=n_rows,
            section="river",
        )
        bare_case = f"{pair.label}: update(x) + get() loop, one object"
        (bare,) = _variant_peer_cases(
            bare_case,
            [(bare_case, _bare_thunk(pair.pss, xs))],
            [
                (
                    0,
                    Peer(
                        f"{river_name} {pair.river_label}",
                        _bare_thunk(pair.river, xs),
                        _river_family_agree(pair, {0}),
                        runs,
                    ),
                )
            ],
            items=n_rows,
            section="river",
        )
        for res in (agg, bare):
            res.style = "ns"
        results += [agg, bare]
    return results


# --------------------------------------------------------------------------- report


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


SECTIONS = ("ewm", "quantile", "moments", "by", "tracker", "river")
SECTION_TITLES = {
    "ewm": "Exponentially weighted",
    "quantile": "Quantiles",
    "moments": "Moments and extremes",
    "by": "Time windows (_by)",
    "tracker": "Keyed state across batches (pss.Tracker)",
    "river": "River adapters (polars_streamstats.river) against River's own statistics",
}
SECTION_DATA = {
    "by": 'rows: N(0, 1) Float64 values (default_rng(0)) at strictly increasing Datetime("us") '
    "times, exponential gaps of mean 1 s (about 23 days for 2M rows), a key of "
    f"{BY_KEYS} values for .over()",
    "tracker": f"rows in {TRACKER_BATCHES} equal batches: a ticker of {TRACKER_KEYS} keys "
    "(Int64 rows, and the same keys as zero-padded Strings), N(0, 1) Float64 prices with 1% "
    'nulls at random rows, strictly increasing Datetime("us") times with exponential gaps of '
    f"mean {TRACKER_MEAN_GAP_US / 1e3:g} ms (about one row per second per key); the river "
    f"sample is every {TRACKER_RIVER_EVERY}th row of the Int64 data with the null prices dropped "
    "(the same keys and time span)",
    "river": f'dicts {{"k": key, "x": value}}: {RIVER_KEYS} keys drawn uniformly, N(0, 1) '
    "values (default_rng(0)); the bare loops take the same values as one stream",
}
QUANTILE_NOTES = (
    "Rolling rows without nulls or centring: one row per peer (Polars, bottleneck, pandas), "
    f"each with its own paired ratio; the target (<= {MAX_RATIO_VS_FASTEST_PEER:g}x the fastest "
    "peer at that window) and its verdict sit on the row of the fastest peer (lowest median "
    "time). Polars outputs must be bit-identical; bottleneck and pandas must agree to "
    f"{AGREE_ATOL:g} where both have a value (they output NaN while the window fills). "
    "The P² rows are checked against river's outputs on the same values (every row for the "
    "expression, the final estimate for update_many). A competitor cell ending in "
    "'[k runs]' ran fewer times than the rest; its ratio pairs it with the pss runs of the same "
    "rounds. The headline row's competitor cell is a published figure, not run here.",
)


BY_NOTES = (
    "One row per peer, each with its own paired ratio; the target and its verdict sit on the "
    f"row of the fastest peer: <= {MAX_RATIO_VS_FASTEST_PEER:g}x everywhere, <= "
    f"{MAX_RATIO_BY_QUANTILE:g}x for medians, quantiles and the IQR at "
    f"{' and '.join(BY_TIGHT_WINDOWS)}. Peers: Polars' rolling_*_by (none for skew and "
    "kurtosis; for the IQR, the difference of its two quantiles) and pandas' "
    "Series.rolling(window) on a DatetimeIndex (same window (t - w, t], min_periods 1; pandas "
    "needs a sorted index, so it has no unsorted or .over() row). Quantiles are linear (pandas' "
    "only interpolation for this comparison), the IQR Polars' default nearest. Checks before "
    f"timing: moments to {MOMENT_RTOL:g} relative + {AGREE_ATOL:g} absolute (pandas' skew/kurt "
    f"{PANDAS_MOMENT_ATOL:g} absolute), defined on the same rows, except rows where pss is within "
    f"{MOMENT_RTOL:g} of a two-pass reference on the window's values (pandas slides sums of "
    "powers, which lose digits on windows of close values; the rows so arbitrated are logged); "
    "min, max, quantiles and IQR "
    "exactly (Polars bit for bit, nulls included); pandas' median to "
    f"{AGREE_ATOL:g} absolute (it rounds the midpoint as (a + b) / 2, Polars and pss as "
    "a + (b - a) * 0.5: they differ in the last bits on some rows). Medians, quantiles and IQR "
    "(also .over and unsorted) run "
    + ", ".join(f"{n} times at {w}" for w, n in BY_SLOW_RUNS.items())
    + f"; every other case at most {BY_RUNS} times.",
)


MOMENTS_NOTES = (
    "One row per peer, each with its own paired ratio; the target (<= "
    f"{MAX_RATIO_VS_FASTEST_PEER:g}x the fastest peer) and its verdict sit on the row of the "
    "fastest peer. Skew and kurtosis are timed twice in the same rounds: bias=True (Polars' "
    "default) against Polars, bias=False (the only one pandas has) against pandas. Checks: "
    f"Polars, bottleneck and pandas must be defined (not null/NaN) on the same rows as pss and "
    f"agree there to {MOMENT_RTOL:g} relative + {AGREE_ATOL:g} absolute (pandas' rolling "
    f"skew/kurt: {PANDAS_MOMENT_ATOL:g} absolute, as its sliding power sums drift that far at "
    "window 10); min and max exactly (Polars bit for bit). Object rows: a Python loop of "
    "update(x) on a fresh object, judged against pss.EWMean(alpha=0.1).update timed in the same "
    "rounds; each is checked against river's get() after every value (bias=False, from n >= 2 "
    "for Var, 3 for Skew, 4 for Kurtosis, 1 for PeakToPeak: before that river returns biased "
    "values or 0.0 where pss returns null). River runs at most "
    f"{MEDIUM_RUNS} times.",
)


TRACKER_NOTES = (
    'Tracker rows: a fresh pss.Tracker({name: template}, on="price", by="ticker"[, '
    'time="ts"]) whose update is called with each batch in turn (keys get ids by a join on '
    "the key table in Python, the states run in Rust), all timed together, against one "
    'df.select of the same statistics\' pss expressions .over("ticker") on the batches '
    "concatenated (pl.concat outside the timing). The expressions are pss's because a Tracker's "
    "row outputs are defined as theirs (and Polars has no cumulative variance); Polars' own "
    "ewm_mean, rolling_quantile and rolling_mean_by are compared with pss in the sections above. "
    "Checked before timing: the tracker's outputs, concatenated, equal the select's bit for bit "
    f"(nulls on the same rows, the same 64 bits elsewhere). Target: <= "
    f"{MAX_RATIO_TRACKER_VS_OVER:g}x the select. "
    "River rows: one update of a fresh Tracker with the whole sample against the per-key Python "
    "way, a dict of river objects per key, created when the key is first seen, then "
    "s.update(x) (TimeRolling: s.update(x, t=t)) and out[i] = s.get() for every row, over keys, "
    "prices and datetimes extracted as Python lists outside the timing. The tracker's templates "
    "there have river's definitions: EWMean(adjust=False) is river's EWMean recursion (checked "
    f"to {MOMENT_RTOL:g} relative + {AGREE_ATOL:g} absolute: the two round the same update "
    "differently in the last bit); RollingQuantile with linear interpolation over the values so "
    "far (min_samples=1) is river's RollingQuantile, checked bit for bit; Var() (ddof=1) to "
    f"{MOMENT_RTOL:g} + {AGREE_ATOL:g}, except on each key's first row, where pss is null and "
    "river says 0.0; river's TimeRolling(Mean, period) keeps the window (t - period, t] as pss "
    f"and is checked to {MOMENT_RTOL:g} + {AGREE_ATOL:g}. "
    f"At most {TRACKER_RUNS} runs per tracker-vs-select case and {TRACKER_RIVER_RUNS} per river "
    "case (the tracker paired with river's runs).",
)


RIVER_NOTES = (
    'Agg rows: a fresh feature_extraction.Agg(on="x", by="k", how=...) with the pss adapter '
    "(from polars_streamstats import river as pss_river) against the same Agg with River's own "
    "statistic; per row agg.learn_one(row) then agg.transform_one(row), the feature dicts "
    "collected in a list. Bare rows: one object, update(x) then get() per value, the values "
    "collected. The rows are dicts built outside the timing. Checked once before timing on the "
    "warm-up outputs, every row: Max, Quantile (P²) and RollingQuantile bit for bit; Mean, Var, "
    f"EWMean, RollingMean and RollingVar within {RIVER_RTOL:g} (math.isclose, relative and "
    "absolute), the adapters' documented tolerance; Var and RollingVar (ddof=1) are None on a "
    "key's first value where River says 0.0, checked as such. River's RollingMean/RollingVar "
    "are utils.Rolling(stats.Mean, window_size=n) / utils.Rolling(stats.Var, window_size=n) "
    "(River 0.26 deprecates passing an instance; they revert the value that leaves); "
    "pss_river.RollingMean/RollingVar recompute the window. "
    f"At most {RIVER_RUNS} interleaved runs per case.",
)


def _meta(rows: dict[str, int], runs: int, quick: bool) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "polars": pl.__version__,
        "numpy": np.__version__,
        "river": RIVER_VERSION,
        "pandas": pd.__version__,
        "bottleneck": bn.__version__,
        "polars_streamstats": pss.__version__,
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "polars_threads": pl.thread_pool_size(),
        "rows": rows,
        "runs": runs,
        "quick": quick,
    }


def _fmt_ms(seconds: float) -> str:
    ms = seconds * 1e3
    if ms >= 1000:
        return f"{seconds:.2f} s"
    return f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"


def _fmt_time(seconds: float, unit: str, items: int, style: str = "auto") -> str:
    per_item_ns = seconds / items * 1e9
    if style == "s":
        return f"{seconds:.2f} s total"
    if style == "ns":
        return f"{per_item_ns:.1f} ns/{unit} ({_fmt_ms(seconds)})"
    if unit == "call":
        return f"{per_item_ns:.1f} ns/call"
    ms_txt = _fmt_ms(seconds)
    if unit == "value":
        return f"{ms_txt} ({items / seconds / 1e6:.0f} M values/s)"
    return f"{ms_txt} ({per_item_ns:.2f} ns/row)"


def _row(res: Result, runs: int) -> list[str]:
    pss_cell = _fmt_time(res.pss_median, res.unit, res.items, res.style)
    comp_median = res.competitor_median
    if res.competitor is None:
        comp_cell = "—"
    elif comp_median is None:
        comp_cell = res.competitor  # a note, not a measurement
    else:
        comp_cell = f"{res.competitor}: {_fmt_time(comp_median, res.unit, res.items, res.style)}"
        assert res.competitor_times is not None
        if len(res.competitor_times) < runs:
            comp_cell += f" [{len(res.competitor_times)} runs]"
    ratio = res.ratio_median
    ratio_cell = "—" if ratio is None else f"{ratio:.2f}x"
    return [res.case, pss_cell, comp_cell, ratio_cell, res.target, res.verdict]


def _table(results: Sequence[Result], runs: int) -> list[str]:
    header = ["case", "pss", "competitor", "ratio", "target", "verdict"]
    rows = [header, *(_row(r, runs) for r in results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    lines = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines.extend(fmt(r) for r in rows[1:])
    return lines


def render(results: Sequence[Result], meta: dict[str, Any]) -> str:
    lines = [
        "# polars-streamstats benchmark",
        "",
        f"polars {meta['polars']} · numpy {meta['numpy']} · river {meta['river']} · "
        f"pandas {meta['pandas']} · bottleneck {meta['bottleneck']} · "
        f"polars-streamstats {meta['polars_streamstats']} · Python {meta['python']} · "
        f"CPU: {meta['cpu']} ({meta['logical_cpus']} logical CPUs, "
        f"Polars pool {meta['polars_threads']}) · {meta['date']}",
        "",
        f"Median of {meta['runs']} interleaved runs after one warm-up each (fewer where marked); "
        "ratio = median of per-pair pss/competitor times (lower is better for pss).",
    ]
    rows: dict[str, int] = meta["rows"]
    for section in SECTIONS:
        if section not in rows:
            continue
        lines += [
            "",
            f"## {SECTION_TITLES[section]}",
            "",
            f"{rows[section]:,} "
            + SECTION_DATA.get(section, "Float64 rows (default_rng(0).standard_normal)")
            + ".",
            "",
        ]
        lines += _table([r for r in results if r.section == section], meta["runs"])
        if section == "quantile":
            lines += ["", *QUANTILE_NOTES]
        if section == "moments":
            lines += ["", *MOMENTS_NOTES]
        if section == "by":
            lines += ["", *BY_NOTES]
        if section == "tracker":
            lines += ["", *TRACKER_NOTES]
        if section == "river":
            lines += ["", *RIVER_NOTES]
    mismatched = [f"{r.case} ({r.competitor})" for r in results if r.outputs_match is False]
    if mismatched:
        lines += ["", "OUTPUT MISMATCH in: " + ", ".join(mismatched)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- chart

CHART_LABEL_CHARS = 80
CHART_PEER_CHARS = 60


@dataclass
class _Bar:
    section: str
    case: str
    peer: str
    ratio: float  # median paired pss/peer ratio against the fastest peer


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _chart_bars(results: Sequence[Result]) -> list[_Bar]:
    """One bar per (family, case): its row against the fastest peer (lowest median time), in
    the order of the report; baselines and rows without a measured peer left out."""
    fastest: dict[tuple[str, str], Result] = {}
    for r in results:
        median = r.competitor_median
        if not r.chart or median is None or r.ratio_median is None:
            continue
        key = (r.section, r.case)
        best = fastest.get(key)
        best_median = None if best is None else best.competitor_median
        if best_median is None or median < best_median:
            fastest[key] = r
    bars = []
    for section in SECTIONS:
        for (sec, case), r in fastest.items():
            if sec == section:
                assert r.competitor is not None
                assert r.ratio_median is not None
                bars.append(_Bar(section, case, r.competitor, r.ratio_median))
    return bars


def write_chart(results: Sequence[Result], meta: dict[str, Any], path: Path) -> bool:
    """Draw one horizontal bar per case, pss time / fastest peer time (the median paired
    ratio, log scale, a line at 1.0), grouped and coloured by family; save a PNG at ``path``.
    Returns False (and says why) when matplotlib is missing or there is nothing to draw."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        _log(f"chart skipped: matplotlib is not installed ({err})")
        return False
    bars = _chart_bars(results)
    if not bars:
        _log("chart skipped: no case with a measured peer")
        return False
    sections = [s for s in SECTIONS if any(b.section == s for b in bars)]
    # y positions top-down: a heading slot per family, then its bars, then a gap.
    ys: list[float] = []
    heads: list[tuple[float, str]] = []
    y = 0.0
    for section in sections:
        heads.append((y, SECTION_TITLES[section]))
        y += 1
        for b in bars:
            if b.section == section:
                ys.append(y)
                y += 1
        y += 0.5
    fig = Figure(figsize=(16, 1.6 + 0.27 * y), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = {s: f"C{i}" for i, s in enumerate(sections)}
    ratios = [b.ratio for b in bars]
    ax.barh(ys, ratios, height=0.7, color=[colours[b.section] for b in bars], left=0)
    ax.set_xscale("log")
    lo, hi = min([*ratios, 1.0]), max([*ratios, 1.0])
    ax.set_xlim(lo / 3, hi * 15)  # room for the text right of the longest bar
    ax.axvline(1.0, color="black", linewidth=1)
    for yy, b in zip(ys, bars, strict=True):
        ax.text(
            b.ratio * 1.08,
            yy,
            f"{b.ratio:.2f}x vs {_shorten(b.peer, CHART_PEER_CHARS)}",
            va="center",
            fontsize=7.5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8},
        )
    ticks = [*ys, *(h for h, _ in heads)]
    labels = [*(_shorten(b.case, CHART_LABEL_CHARS) for b in bars), *(t for _, t in heads)]
    ax.set_yticks(ticks, labels, fontsize=8)
    for tick, label in zip(ax.get_yticklabels(), labels, strict=True):
        if label in {t for _, t in heads}:
            tick.set_fontweight("bold")
            tick.set_fontsize(9.5)
    ax.set_ylim(y, -1)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", which="both", alpha=0.25)
    ax.set_xlabel(
        "pss time / fastest peer time (median of paired ratios; log scale; < 1: pss is faster)"
    )
    quick = " (--quick: smoke sizes)" if meta.get("quick") else ""
    ax.set_title(
        f"polars-streamstats {meta['polars_streamstats']} against the fastest peer per case"
        f"{quick} · {meta['date']} · {meta['cpu']}",
        fontsize=10,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    _log(f"wrote chart {path}")
    return True


# --------------------------------------------------------------------------- publishing


def _machine(meta: dict[str, Any]) -> str:
    return (
        f"{meta['cpu']} ({meta['logical_cpus']} logical CPUs, Polars pool "
        f"{meta['polars_threads']}) · Python {meta['python']} · polars {meta['polars']} · "
        f"pandas {meta['pandas']} · numpy {meta['numpy']} · bottleneck {meta['bottleneck']} · "
        f"river {meta['river']} · polars-streamstats {meta['polars_streamstats']}"
    )


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def summary_table(results: Sequence[Result]) -> list[str]:
    """One line per family: its cases against the fastest peer (as in the chart), how many
    pss wins, the median, best and worst ratio, and the targets met."""
    bars = _chart_bars(results)
    lines = [
        "| family | cases | pss faster | median ratio | best | worst | targets met |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for section in SECTIONS:
        ratios = sorted(b.ratio for b in bars if b.section == section)
        if not ratios:
            continue
        verdicts = [r.verdict for r in results if r.section == section and r.verdict != "—"]
        met = f"{sum(v == 'PASS' for v in verdicts)} of {len(verdicts)}" if verdicts else "—"
        lines.append(
            f"| {SECTION_TITLES[section]} | {len(ratios)} | {sum(x < 1 for x in ratios)} | "
            f"{statistics.median(ratios):.2f}x | {ratios[0]:.2f}x | {ratios[-1]:.2f}x | {met} |"
        )
    return lines


def readme_block(results: Sequence[Result], meta: dict[str, Any], chart: str) -> str:
    """The README's benchmark summary: the chart, the machine, one line per family."""
    return "\n".join(
        [
            README_BEGIN,
            f"![pss time / fastest peer time, per case]({chart})",
            "",
            f"Measured by `make bench` on {meta['date']} (the run took "
            f"{_duration(meta['wall_seconds'])}): {_machine(meta)}. A ratio is pss's time over "
            "the fastest peer's for the same case (median of interleaved pairs, after "
            "checking both give the same numbers); below 1, pss is faster.",
            "",
            *summary_table(results),
            "",
            "Every table, with each peer, the data and the checks: "
            "[docs/benchmark.md](docs/benchmark.md).",
            README_END,
        ]
    )


def replace_block(text: str, block: str) -> str:
    """``text`` with the part from README_BEGIN to README_END (both included) replaced by
    ``block``; ValueError unless each marker occurs exactly once, in that order."""
    begin, end = text.count(README_BEGIN), text.count(README_END)
    if begin != 1 or end != 1 or text.index(README_BEGIN) > text.index(README_END):
        raise ValueError(
            f"README must hold {README_BEGIN!r} and then {README_END!r}, once each "
            f"(found {begin} and {end})"
        )
    head, rest = text.split(README_BEGIN)
    return head + block + rest.split(README_END, 1)[1]


def docs_page(results: Sequence[Result], meta: dict[str, Any], chart: str) -> str:
    """The docs' benchmark page: how it is measured, the chart and every table."""
    method = (__doc__ or "").split("Method:", 1)[1].split("Progress goes", 1)[0].strip()
    report = render(results, meta).split("\n", 1)[1].lstrip("\n")  # without its title
    return "\n".join(
        [
            "# Benchmark",
            "",
            "<!-- written by `make bench` (bench/bench.py --publish): edit that, not this -->",
            "",
            "`make bench` times pss against Polars, bottleneck, pandas and River "
            f"(`bench/bench.py`). This page is its report from {meta['date']}.",
            "",
            "Method: " + " ".join(method.split()),
            "",
            f"![pss time / fastest peer time, per case]({chart})",
            "",
            report,
            "",
        ]
    )


def publish(results: Sequence[Result], meta: dict[str, Any]) -> None:
    """Write the chart, the docs' benchmark page and the README's summary block."""
    write_chart(results, meta, DEFAULT_CHART)
    DOCS_PAGE.write_text(
        docs_page(results, meta, DEFAULT_CHART.relative_to(DOCS_PAGE.parent).as_posix()),
        encoding="utf-8",
    )
    _log(f"wrote {DOCS_PAGE}")
    block = readme_block(results, meta, DEFAULT_CHART.relative_to(ROOT).as_posix())
    README.write_text(replace_block(README.read_text(encoding="utf-8"), block), encoding="utf-8")
    _log(f"wrote the summary in {README}")


def _to_json(results: Sequence[Result], meta: dict[str, Any]) -> dict[str, Any]:
    cases = []
    for r in results:
        d = asdict(r)
        d["pss_median"] = r.pss_median
        d["competitor_median"] = r.competitor_median
        d["ratio_median"] = r.ratio_median
        cases.append(d)
    return {"meta": meta, "cases": cases}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_ROWS:,} rows ({QUANTILE_QUICK_ROWS:,} for quantiles, "
        f"{MOMENTS_QUICK_ROWS:,} for moments, {BY_QUICK_ROWS:,} for time windows, "
        f"{TRACKER_BATCHES} x {TRACKER_QUICK_BATCH_ROWS:,} for the tracker, "
        f"{RIVER_QUICK_ROWS:,} for River) and "
        f"{QUICK_RUNS} runs (smoke)",
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write raw results here")
    parser.add_argument(
        "--runs", type=int, help=f"timed runs per case (default {FULL_RUNS}; --quick {QUICK_RUNS})"
    )
    parser.add_argument(
        "--only",
        default="all",
        metavar="{all," + ",".join(SECTIONS) + "}",
        help="run these sections only, comma-separated (default: all)",
    )
    parser.add_argument(
        "--chart",
        metavar="PATH",
        type=Path,
        help="also draw the ratio to the fastest peer per case as a PNG here (needs matplotlib)",
    )
    parser.add_argument(
        "--publish",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the chart to docs/img/benchmark.png, the report to docs/benchmark.md and "
        "the summary into README.md between its markers (default: when all sections run "
        "without --quick)",
    )
    args = parser.parse_args(argv)
    runs: int = args.runs if args.runs is not None else (QUICK_RUNS if args.quick else FULL_RUNS)
    if runs < 1:
        parser.error("--runs must be at least 1")
    chosen = [s.strip() for s in str(args.only).split(",") if s.strip()]
    unknown = [s for s in chosen if s not in ("all", *SECTIONS)]
    if unknown or not chosen:
        parser.error(
            f"--only: unknown section(s) {', '.join(map(repr, unknown)) or 'none given'}; "
            f"choose from all, {', '.join(SECTIONS)}"
        )
    sections = SECTIONS if "all" in chosen else tuple(s for s in SECTIONS if s in chosen)
    chart: Path | None = args.chart
    publishing: bool = args.publish
    if publishing is None:
        publishing = sections == SECTIONS and not args.quick
    if publishing:  # fail now, not after the run
        replace_block(README.read_text(encoding="utf-8"), "")
    rows = {
        "ewm": QUICK_ROWS if args.quick else FULL_ROWS,
        "quantile": QUANTILE_QUICK_ROWS if args.quick else QUANTILE_ROWS,
        "moments": MOMENTS_QUICK_ROWS if args.quick else MOMENTS_ROWS,
        "by": BY_QUICK_ROWS if args.quick else BY_ROWS,
        "tracker": TRACKER_BATCHES
        * (TRACKER_QUICK_BATCH_ROWS if args.quick else TRACKER_BATCH_ROWS),
        "river": RIVER_QUICK_ROWS if args.quick else RIVER_ROWS,
    }
    runners: dict[str, Callable[[int, int], list[Result]]] = {
        "ewm": run_ewm,
        "quantile": run_quantile,
        "moments": run_moments,
        "by": run_by,
        "tracker": run_tracker,
        "river": run_river,
    }

    start = time.perf_counter()
    results: list[Result] = []
    for section in sections:
        results.extend(runners[section](rows[section], runs))
    # The time-window and tracker sections cap their own runs: alone, the header says so.
    caps = {"by": BY_RUNS, "tracker": TRACKER_RUNS, "river": RIVER_RUNS}
    meta_runs = min(runs, caps[sections[0]]) if len(sections) == 1 and sections[0] in caps else runs
    meta = _meta({s: rows[s] for s in sections}, meta_runs, args.quick)
    meta["wall_seconds"] = round(time.perf_counter() - start, 1)
    print(render(results, meta))
    if args.json is not None:
        args.json.write_text(json.dumps(_to_json(results, meta), indent=2) + "\n", encoding="utf-8")
        _log(f"wrote {args.json}")
    if chart is not None:
        write_chart(results, meta, chart)
    if publishing:
        publish(results, meta)
    _log(f"done in {meta['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
