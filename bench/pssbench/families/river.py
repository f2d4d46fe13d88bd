"""River adapters (``polars_streamstats.river``) against River's own statistics, in
``feature_extraction.Agg`` and as bare ``update``/``get`` loops."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from river import stats as river_stats
from river import utils as river_utils

from pssbench.common import ALPHA, RIVER_VERSION, bare_loop
from pssbench.harness import Agree, Family, Peer, Result, Thunk, log, peer_cases

ROWS = 100_000
QUICK_ROWS = 10_000
KEYS = 100
RUNS = 7  # at most, per case: River's Agg takes ~0.3 s per run of 100k rows
Q = 0.9
WINDOW = 100
RTOL = 1e-12  # the adapters' documented tolerance (math.isclose, rel and abs)


@dataclass
class _RiverPair:
    """A pss River adapter and River's own statistic with the same definition."""

    label: str  # as a user writes the pss side
    pss: Callable[[], Any]
    river_label: str
    river: Callable[[], Any]
    exact: bool  # bit for bit (else RTOL relative and absolute)
    first_undefined: bool = False  # pss None on a stream's first value, River 0.0


def _river_pairs() -> list[_RiverPair]:
    from polars_streamstats import river as pss_river

    q, w, a = Q, WINDOW, ALPHA
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
        *(
            _RiverPair(
                f"pss_river.Rolling{name}({w})",
                partial(getattr(pss_river, f"Rolling{name}"), w),
                f"utils.Rolling(stats.{name}, window_size={w})",
                partial(river_utils.Rolling, getattr(river_stats, name), window_size=w),
                exact=False,
                first_undefined=name == "Var",  # ddof=1
            )
            for name in ("Mean", "Var")
        ),
    ]


def _rows(n_rows: int) -> list[dict[str, Any]]:
    """``n_rows`` dicts ``{"k": int, "x": float}``: ``KEYS`` keys drawn uniformly,
    N(0, 1) values (default_rng(0))."""
    rng = np.random.default_rng(0)
    keys: list[int] = rng.integers(0, KEYS, n_rows).tolist()
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


def _values(out: object) -> list[float | None]:
    """The feature values of ``_agg_loop`` (one feature per dict), or ``bare_loop``'s list."""
    assert isinstance(out, list)
    if out and isinstance(out[0], dict):
        return [next(iter(d.values())) for d in out]
    return out


def _agree(pair: _RiverPair, first_rows: set[int]) -> Agree:
    """pss's outputs against River's: bit for bit (``exact``) or within ``RTOL``
    (``math.isclose`` rel and abs); where ``first_undefined``, pss is None and River 0.0
    exactly on ``first_rows`` (each key's first row) and both defined elsewhere."""

    def agree(ours: object, theirs: object) -> bool:
        a, b = _values(ours), _values(theirs)
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
                ok = math.isclose(x, y, rel_tol=RTOL, abs_tol=RTOL)
            if not ok:
                log(f"    {pair.label} vs River {pair.river_label}: row {i}: {x!r} vs {y!r}")
                return False
        return True

    return agree


def run(n_rows: int, runs: int) -> list[Result]:
    rows = _rows(n_rows)
    xs: list[float] = [r["x"] for r in rows]
    seen: set[int] = set()
    first_rows: set[int] = set()
    for i, r in enumerate(rows):
        if r["k"] not in seen:
            seen.add(r["k"])
            first_rows.add(i)
    log(f"river data: {n_rows:,} rows, {len(seen)} keys")
    runs = min(runs, RUNS)
    river_name = f"river {RIVER_VERSION}"

    def agg(make: Callable[[], Any]) -> Thunk:
        return lambda: _agg_loop(make(), rows)

    def bare(make: Callable[[], Any]) -> Thunk:
        return lambda: bare_loop(make(), xs)

    results: list[Result] = []
    for pair in _river_pairs():
        kinds: list[tuple[str, Callable[[Callable[[], Any]], Thunk], str, set[int]]] = [
            (
                f'Agg(on="x", by="k", how={pair.label}), learn_one + transform_one',
                agg,
                f"{river_name} Agg(how={pair.river_label})",
                first_rows,
            ),
            (
                f"{pair.label}: update(x) + get() loop, one object",
                bare,
                f"{river_name} {pair.river_label}",
                {0},
            ),
        ]
        for case, thunk, peer_name, firsts in kinds:
            peer = Peer(peer_name, thunk(pair.river), _agree(pair, firsts), runs)
            results += peer_cases(
                case, thunk(pair.pss), [peer], items=n_rows, section="river", style="ns"
            )
    return results


NOTES = (
    'Agg rows: a fresh feature_extraction.Agg(on="x", by="k", how=...) with the pss adapter '
    "(from polars_streamstats import river as pss_river) against the same Agg with River's own "
    "statistic; per row agg.learn_one(row) then agg.transform_one(row), the feature dicts "
    "collected in a list. Bare rows: one object, update(x) then get() per value, the values "
    "collected. The rows are dicts built outside the timing. Checked once before timing on the "
    "warm-up outputs, every row: Max, Quantile (P²) and RollingQuantile bit for bit; Mean, Var, "
    f"EWMean, RollingMean and RollingVar within {RTOL:g} (math.isclose, relative and "
    "absolute), the adapters' documented tolerance; Var and RollingVar (ddof=1) are None on a "
    "key's first value where River says 0.0, checked as such. River's RollingMean/RollingVar "
    "are utils.Rolling(stats.Mean, window_size=n) / utils.Rolling(stats.Var, window_size=n) "
    "(River 0.26 deprecates passing an instance; they revert the value that leaves); "
    "pss_river.RollingMean/RollingVar recompute the window. "
    f"At most {RUNS} interleaved runs per case.",
)

FAMILY = Family(
    "river",
    "River adapters (polars_streamstats.river) against River's own statistics",
    run,
    ROWS,
    QUICK_ROWS,
    notes=NOTES,
    data=f'dicts {{"k": key, "x": value}}: {KEYS} keys drawn uniformly, N(0, 1) '
    "values (default_rng(0)); the bare loops take the same values as one stream",
    runs_cap=RUNS,
)
