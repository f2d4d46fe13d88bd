"""Keyed state across batches: ``pss.Tracker.update`` against one ``.over("ticker")`` select
and against a dict of river objects per key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from river import stats as river_stats
from river import utils as river_utils

import polars_streamstats as pss
from pssbench.agree import AGREE_ATOL, MOMENT_RTOL, as_floats, bit_identical, same_bits
from pssbench.common import (
    ALPHA,
    NULL_EVERY,
    RIVER_VERSION,
    increasing_times,
    window_us,
)
from pssbench.harness import Agree, Family, Peer, Progress, Result, judge, log, peer_cases

BATCHES = 10
BATCH_ROWS = 1_000_000
QUICK_BATCH_ROWS = 100_000
KEYS = 1000
MEAN_GAP_US = 1e3  # exponential gaps between rows (any key), mean 1 ms: ~1 row/s per key
QUANTILE = 0.9
QUANTILE_WINDOW = 100
TIME_WINDOW = "5m"  # ~300 rows of a key
RUNS = 5  # at most, per case: one run of a case takes 1-10 s on 10M rows
RIVER_EVERY = 50  # river gets every 50th row (200k of 10M, the whole time span)
RIVER_RUNS = 3  # at most: river takes up to ~4 s per run of the sample
MAX_RATIO_VS_OVER = 1.5


def _data(n_rows: int) -> pl.DataFrame:
    """``n_rows`` rows: an Int64 ticker of ``KEYS`` values, N(0, 1) Float64 prices with
    nulls at random rows (1 in ``NULL_EVERY``), strictly increasing Datetime("us") times with
    exponential gaps (mean ``MEAN_GAP_US``, floored to the microsecond plus 1 us)."""
    rng = np.random.default_rng(0)
    ts = increasing_times(rng, n_rows, MEAN_GAP_US)
    price = pl.Series("price", rng.standard_normal(n_rows))
    nulls = np.flatnonzero(rng.random(n_rows) < 1 / NULL_EVERY)
    ticker = pl.Series("ticker", rng.integers(0, KEYS, n_rows))
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


def _stats() -> list[_TrackedStat]:
    q, w, tw = QUANTILE, QUANTILE_WINDOW, TIME_WINDOW
    period = timedelta(microseconds=window_us(tw))
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


def _tracker_case(
    case: str, run_tracker: Callable[[], object], peer: Peer, items: int, progress: Progress
) -> Result:
    """A Tracker's run against one peer; no floor (not a column sweep)."""
    (res,) = peer_cases(
        case, run_tracker, [peer], items=items, section="tracker", style="ns", progress=progress
    )
    return res


def _over_case(
    df: pl.DataFrame,
    batches: Sequence[pl.DataFrame],
    stats: Sequence[_TrackedStat],
    case: str,
    progress: Progress,
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
        return bit_identical(pl.concat([o.select(names) for o in ours]), theirs)

    res = _tracker_case(
        case, run_tracker, Peer(over_name, run_over, agree, runs), df.height, progress
    )
    judge(res, MAX_RATIO_VS_OVER)
    return res


RiverOutputs = list[list[float | None]]


def _river_loop(
    stats: Sequence[_TrackedStat],
    keys: Sequence[object],
    xs: Sequence[float],
    ts: Sequence[datetime],
) -> RiverOutputs:
    """The per-key Python way: one river object per key and statistic, created when the key
    is first seen, updated row by row; each row's ``get()`` recorded (the Tracker's outputs).
    One statistic has a loop of its own, without a loop over a key's objects (timed code)."""
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


def _river_agree(stats: Sequence[_TrackedStat], n_keys: int) -> Agree:
    """The Tracker's outputs (one DataFrame) against river's (one list per statistic): river
    defined on every row; pss too, except on each key's first row where ``river_first_undefined``
    (Var: null, river 0.0); equal there bit for bit (``river_exact``) or to ``MOMENT_RTOL``
    relative + ``AGREE_ATOL`` absolute."""

    def agree(ours: object, theirs: object) -> bool:
        assert isinstance(ours, pl.DataFrame)
        assert isinstance(theirs, list)
        for st, river_out in zip(stats, theirs, strict=True):
            a = as_floats(ours[st.name])
            b = np.array(river_out, dtype=np.float64)
            defined = ~np.isnan(a)
            undefined = n_keys if st.river_first_undefined else 0
            if a.shape != b.shape or np.isnan(b).any() or (~defined).sum() != undefined:
                log(f"    river {st.river_label}: defined on different rows")
                return False
            x, y = a[defined], b[defined]
            if st.river_exact:
                ok = same_bits(x, y)
            else:
                ok = bool(np.all(np.isclose(x, y, rtol=MOMENT_RTOL, atol=AGREE_ATOL)))
            if not ok:
                log(f"    river {st.river_label}: max difference {np.max(np.abs(x - y)):.2g}")
                return False
        return True

    return agree


def _river_case(
    sample: pl.DataFrame,
    stats: Sequence[_TrackedStat],
    case: str,
    progress: Progress,
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

    peer = Peer(river_name, run_river, _river_agree(stats, n_keys), runs)
    return _tracker_case(case, run_tracker, peer, sample.height, progress)


def run(n_rows: int, runs: int) -> list[Result]:
    batch_rows = n_rows // BATCHES
    log(f"tracker data: {BATCHES} batches of {batch_rows:,} rows")
    df = _data(BATCHES * batch_rows)
    by_dtype = {
        "Int64": df,
        "String": df.with_columns(pl.col("ticker").cast(pl.String).str.zfill(4)),
    }
    stats = _stats()
    sets: list[list[_TrackedStat]] = [[s] for s in stats] + [stats]
    sample = df.gather_every(RIVER_EVERY).drop_nulls("price")
    progress = Progress(len(sets) * (len(by_dtype) + 1))
    results: list[Result] = []
    for dtype, data in by_dtype.items():
        batches = [data.slice(i * batch_rows, batch_rows) for i in range(BATCHES)]
        for chosen in sets:
            label = chosen[0].label if len(chosen) == 1 else f"all {len(chosen)}"
            case = f"Tracker.update {label}, {dtype} ticker, {BATCHES} x {batch_rows:,} rows"
            results.append(_over_case(data, batches, chosen, case, progress, min(runs, RUNS)))
    for chosen in sets:
        label = chosen[0].river_template_label if len(chosen) == 1 else f"all {len(chosen)}"
        case = f"Tracker.update {label}, 1 x {sample.height:,} rows (river sample)"
        results.append(_river_case(sample, chosen, case, progress, min(runs, RIVER_RUNS)))
    return results


NOTES = (
    'Tracker rows: a fresh pss.Tracker({name: template}, on="price", by="ticker"[, '
    'time="ts"]) whose update is called with each batch in turn (keys get ids by a join on '
    "the key table in Python, the states run in Rust), all timed together, against one "
    'df.select of the same statistics\' pss expressions .over("ticker") on the batches '
    "concatenated (pl.concat outside the timing). The expressions are pss's because a Tracker's "
    "row outputs are defined as theirs (and Polars has no cumulative variance); Polars' own "
    "ewm_mean, rolling_quantile and rolling_mean_by are compared with pss in the sections above. "
    "Checked before timing: the tracker's outputs, concatenated, equal the select's bit for bit "
    f"(nulls on the same rows, the same 64 bits elsewhere). Target: <= "
    f"{MAX_RATIO_VS_OVER:g}x the select. "
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
    f"At most {RUNS} runs per tracker-vs-select case and {RIVER_RUNS} per river "
    "case (the tracker paired with river's runs).",
)

FAMILY = Family(
    "tracker",
    "Keyed state across batches (pss.Tracker)",
    run,
    BATCHES * BATCH_ROWS,
    BATCHES * QUICK_BATCH_ROWS,
    notes=NOTES,
    data=f"rows in {BATCHES} equal batches: a ticker of {KEYS} keys "
    "(Int64 rows, and the same keys as zero-padded Strings), N(0, 1) Float64 prices with 1% "
    'nulls at random rows, strictly increasing Datetime("us") times with exponential gaps of '
    f"mean {MEAN_GAP_US / 1e3:g} ms (about one row per second per key); the river "
    f"sample is every {RIVER_EVERY}th row of the Int64 data with the null prices dropped "
    "(the same keys and time span)",
    runs_cap=RUNS,
)
