"""The timing harness: interleaved repeats, medians, paired ratios and the floor.

Every timed function is a thunk (no arguments; its output is freed outside the timing). The
clock is a parameter so that the pairing logic can be tested with a fake one.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

Thunk = Callable[[], object]
Clock = Callable[[], float]
Agree = Callable[[object, object], bool]  # (pss output, peer output) -> the same?


def _median(times: Sequence[float] | None) -> float | None:
    return None if times is None else statistics.median(times)


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
    # One plain read+write pass over the case's input column, timed in the same rounds as the
    # case (expression rows only; None elsewhere).
    floor_times: list[float] | None = None

    @property
    def pss_median(self) -> float:
        return statistics.median(self.pss_times)

    @property
    def competitor_median(self) -> float | None:
        return _median(self.competitor_times)

    @property
    def ratio_median(self) -> float | None:
        return _median(self.ratios)

    @property
    def floor_median(self) -> float | None:
        return _median(self.floor_times)


@dataclass
class Family:
    """One section of the report: how to run it, on how many rows, and what the report says
    about it."""

    name: str  # as given to --only
    title: str
    run: Callable[[int, int], list[Result]]  # (rows, runs) -> the section's rows
    rows: int
    quick_rows: int
    notes: tuple[str, ...] = ()  # paragraphs after the section's table
    data: str = "Float64 rows (default_rng(0).standard_normal)"  # after the row count
    runs_cap: int | None = None  # the most runs any case of the family takes


def log(msg: str) -> None:
    """Progress, to stderr (the report goes to stdout)."""
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- timing


def time_once(fn: Thunk, clock: Clock = time.perf_counter) -> float:
    """Seconds taken by one call of ``fn``; GC off while timing, output freed afterwards."""
    gc.collect()
    gc.disable()
    try:
        start = clock()
        out = fn()
        elapsed = clock() - start
    finally:
        gc.enable()
    del out
    return elapsed


def interleaved(
    fns: Sequence[Thunk], runs: int | Sequence[int], *, clock: Clock = time.perf_counter
) -> list[list[float]]:
    """Time ``fns`` round-robin (callers do the warm-up): round ``r`` times, in order, each
    ``fns[i]`` with ``r < runs[i]`` (an int: the same for all). A slow function that runs
    fewer times so takes part in the first rounds only, and its round ``r`` stays paired with
    round ``r`` of the others."""
    counts = [runs] * len(fns) if isinstance(runs, int) else list(runs)
    if len(counts) != len(fns):
        raise ValueError(f"runs: {len(counts)} counts for {len(fns)} functions")
    times: list[list[float]] = [[] for _ in fns]
    for r in range(max(counts, default=0)):
        for i, fn in enumerate(fns):
            if r < counts[i]:
                times[i].append(time_once(fn, clock))
    return times


def warmed_interleaved(
    fns: Sequence[Thunk], runs: int | Sequence[int], *, clock: Clock = time.perf_counter
) -> list[list[float]]:
    """One untimed warm-up call of each of ``fns``, then ``interleaved``."""
    for fn in fns:
        fn()
    return interleaved(fns, runs, clock=clock)


def ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """The per-round ratios ``a[r] / b[r]`` (the same number of rounds)."""
    return [x / y for x, y in zip(a, b, strict=True)]


def paired(
    case: str,
    mine: Sequence[float],
    competitor: str,
    theirs: Sequence[float],
    *,
    unit: str,
    items: int,
    **fields: Any,
) -> Result:
    """A row of ``mine`` against ``theirs``, round by round: a competitor that ran fewer
    rounds is paired with the first ``len(theirs)`` of ``mine``. ``fields``: the rest of the
    Result; the verdict is MISMATCH where ``outputs_match`` is False, unless given."""
    mine = list(mine[: len(theirs)])
    fields.setdefault("verdict", "MISMATCH" if fields.get("outputs_match") is False else "—")
    return Result(
        case=case,
        unit=unit,
        items=items,
        pss_times=mine,
        competitor=competitor,
        competitor_times=list(theirs),
        ratios=ratios(mine, theirs),
        **fields,
    )


def column_floor(
    df: pl.DataFrame, column: str = "x", dtype: pl.DataType | type[pl.DataType] = pl.Float64
) -> Thunk:
    """The floor of a column sweep over ``df``: one plain pass that reads ``column`` and writes
    a new column of ``dtype``, ``pl.col(column) * 2.0``. Not ``* 1.0`` (nor ``+ 0.0``): Polars
    2.1 hands the input column back for those, without a pass (~0 ns/row at 10M rows)."""
    expr = pl.col(column).cast(dtype) * pl.lit(2, dtype=dtype)
    return lambda: df.select(expr)


# --------------------------------------------------------------------------- cases


@dataclass
class Peer:
    """One competitor of a pss case: how to run it, how to check it, how often to time it."""

    name: str
    fn: Thunk
    agree: Agree | None  # None: not checked (a point of reference, not the same statistic)
    runs: int


def polars_peer(df: pl.DataFrame, name: str, expr: pl.Expr, agree: Agree | None, runs: int) -> Peer:
    """``df.select(expr)`` as a peer."""
    return Peer(name, lambda: df.select(expr), agree, runs)


class Progress:
    """Prefixes each logged case with its number and the seconds since the section began."""

    def __init__(self, total: int, clock: Clock = time.perf_counter) -> None:
        self.total, self.done, self.clock = total, 0, clock
        self.start = clock()

    def __call__(self, case: str) -> str:
        self.done += 1
        elapsed = self.clock() - self.start
        return f"[{self.done}/{self.total}, {elapsed:.0f} s] {case}"


def variant_peer_cases(
    label: str,
    variants: Sequence[tuple[str, Thunk]],
    peers: Sequence[tuple[int, Peer]],
    *,
    items: int,
    section: str,
    unit: str = "row",
    style: str = "auto",
    floor: Thunk | None = None,
    clock: Clock = time.perf_counter,
) -> list[Result]:
    """pss ``variants`` (case name, thunk) against peers, all interleaved after one warm-up of
    each; each peer is paired with one variant (its index: e.g. ``bias=True`` for Polars,
    ``bias=False`` for pandas) and checked against that variant's warm-up output. A variant
    takes part in as many rounds as the most-run peer paired with it; the ``floor`` (if any)
    in as many as the most-run variant, last in each round. One row per peer, with its paired
    ratio and the floor's times; ``label`` is only logged."""
    log(f"  {label}")
    warm = [fn() for _, fn in variants]
    matches: list[bool | None] = []
    for v, peer in peers:
        warm_theirs = peer.fn()
        matches.append(None if peer.agree is None else peer.agree(warm[v], warm_theirs))
        del warm_theirs
    del warm
    variant_runs = [max(p.runs for v, p in peers if v == i) for i in range(len(variants))]
    fns = [*(fn for _, fn in variants), *(p.fn for _, p in peers)]
    counts = [*variant_runs, *(p.runs for _, p in peers)]
    if floor is not None:
        floor()
        fns.append(floor)
        counts.append(max(variant_runs))
    times = interleaved(fns, counts, clock=clock)
    t_floor = times[-1] if floor is not None else None
    out = []
    t_peers = times[len(variants) : len(variants) + len(peers)]
    for (v, peer), theirs, match in zip(peers, t_peers, matches, strict=True):
        out.append(
            paired(
                variants[v][0],
                times[v],
                peer.name,
                theirs,
                unit=unit,
                items=items,
                outputs_match=match,
                section=section,
                style=style,
                floor_times=t_floor,
            )
        )
    return out


def peer_cases(
    case: str,
    ours: Thunk,
    peers: Sequence[Peer],
    *,
    items: int,
    section: str,
    unit: str = "row",
    style: str = "auto",
    floor: Thunk | None = None,
    progress: Progress | None = None,
    clock: Clock = time.perf_counter,
) -> list[Result]:
    """``ours`` against each peer, all interleaved; one row per peer with its paired ratio."""
    return variant_peer_cases(
        case if progress is None else progress(case),
        [(case, ours)],
        [(0, peer) for peer in peers],
        items=items,
        section=section,
        unit=unit,
        style=style,
        floor=floor,
        clock=clock,
    )


def expr_cases(
    df: pl.DataFrame,
    case: str,
    ours: pl.Expr,
    peers: Sequence[Peer],
    *,
    section: str,
    style: str = "auto",
    progress: Progress | None = None,
) -> list[Result]:
    """``df.select(ours)`` against each peer, interleaved with the floor of ``df``."""
    return peer_cases(
        case,
        lambda: df.select(ours),
        peers,
        items=df.height,
        section=section,
        style=style,
        floor=column_floor(df),
        progress=progress,
    )


def expr_vs_polars(
    df: pl.DataFrame,
    case: str,
    ours: pl.Expr,
    name: str,
    theirs: pl.Expr,
    agree: Agree | None,
    runs: int,
    *,
    section: str,
    style: str = "auto",
    progress: Progress | None = None,
) -> Result:
    """``df.select(ours)`` against one Polars expression ``theirs`` (the peer ``name``)."""
    (res,) = expr_cases(
        df,
        case,
        ours,
        [polars_peer(df, name, theirs, agree, runs)],
        section=section,
        style=style,
        progress=progress,
    )
    return res


def _verdict(res: Result, target: str, met: Callable[[], bool]) -> None:
    """Set the target, and the verdict: MISMATCH stays, else PASS where ``met()``."""
    res.target = target
    if res.outputs_match is False:
        res.verdict = "MISMATCH"
    else:
        res.verdict = "PASS" if met() else "MISS"


def judge(res: Result, max_ratio: float, target: str | None = None) -> None:
    """Set the target and verdict of a paired row (a mismatch stays a mismatch)."""

    def met() -> bool:
        ratio = res.ratio_median
        assert ratio is not None
        return ratio <= max_ratio

    _verdict(res, target or f"<= {max_ratio:g}x", met)


def judge_fastest(rows: Sequence[Result], max_ratio: float) -> None:
    """Judge the row of the fastest peer (lowest median time) of one case's rows."""
    fastest = min(rows, key=lambda r: r.competitor_median or float("inf"))
    judge(fastest, max_ratio, f"<= {max_ratio:g}x fastest peer")


def judge_per_item(res: Result, max_ns: float) -> None:
    """Target: at most ``max_ns`` ns per item (a mismatch stays a mismatch)."""
    _verdict(
        res, f"<= {max_ns:g} ns/{res.unit}", lambda: res.pss_median / res.items * 1e9 <= max_ns
    )
