"""Benchmarks of polars-streamstats against Polars and river.

Run as ``python bench/bench.py`` (``make bench``). Options: ``--quick`` (1M rows, 3 runs, a
smoke test), ``--json PATH`` (write the raw timings), ``--runs N``.

Method: every case is timed in this one process on the same data. Competitors are run
interleaved (A, B, A, B, ...) after one untimed warm-up of each; the table shows the median
time of each and the median of the per-pair ratios A/B, which cancels most of the slow drift
of a shared VM. The garbage collector is off inside each timed region, and outputs are freed
outside it. The warm-up outputs of the expression cases are checked against Polars, so a
speed-up can never come from computing something else.

Progress goes to stderr; the markdown table goes to stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from river import stats as river_stats

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

# Targets.
MAX_RATIO_VS_POLARS = 0.5
MAX_NS_PER_UPDATE = 70.0
MIN_MVALUES_PER_S = 300.0

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


def run_all(n_rows: int, runs: int) -> list[Result]:
    _log(f"data: {n_rows:,} rows")
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
    results.append(
        _expr_case(
            df,
            f"rolling_ewm_mean(window_size={WINDOW}, alpha={ALPHA})",
            pss.rolling_ewm_mean("x", window_size=WINDOW, alpha=ALPHA),
            col.rolling_mean(WINDOW),
            f"reference (not equivalent): Polars rolling_mean({WINDOW})",
            runs,
            max_ratio=None,
            check=False,
        )
    )
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


def _meta(n_rows: int, runs: int, quick: bool) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "polars": pl.__version__,
        "numpy": np.__version__,
        "river": RIVER_VERSION,
        "polars_streamstats": pss.__version__,
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "polars_threads": pl.thread_pool_size(),
        "rows": n_rows,
        "runs": runs,
        "quick": quick,
    }


def _fmt_time(seconds: float, unit: str, items: int) -> str:
    per_item_ns = seconds / items * 1e9
    if unit == "call":
        return f"{per_item_ns:.1f} ns/call"
    ms = seconds * 1e3
    ms_txt = f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"
    if unit == "value":
        return f"{ms_txt} ({items / seconds / 1e6:.0f} M values/s)"
    return f"{ms_txt} ({per_item_ns:.2f} ns/row)"


def _row(res: Result) -> list[str]:
    pss_cell = _fmt_time(res.pss_median, res.unit, res.items)
    comp_median = res.competitor_median
    if res.competitor is None or comp_median is None:
        comp_cell = "—"
    else:
        comp_cell = f"{res.competitor}: {_fmt_time(comp_median, res.unit, res.items)}"
    ratio = res.ratio_median
    ratio_cell = "—" if ratio is None else f"{ratio:.2f}x"
    return [res.case, pss_cell, comp_cell, ratio_cell, res.target, res.verdict]


def render(results: Sequence[Result], meta: dict[str, Any]) -> str:
    lines = [
        "# polars-streamstats benchmark",
        "",
        f"polars {meta['polars']} · numpy {meta['numpy']} · river {meta['river']} · "
        f"polars-streamstats {meta['polars_streamstats']} · Python {meta['python']} · "
        f"CPU: {meta['cpu']} ({meta['logical_cpus']} logical CPUs, "
        f"Polars pool {meta['polars_threads']}) · {meta['date']}",
        "",
        f"{meta['rows']:,} Float64 rows (default_rng(0).standard_normal); "
        f"median of {meta['runs']} interleaved runs after one warm-up each; "
        "ratio = median of per-pair pss/competitor times (lower is better for pss).",
        "",
    ]
    header = ["case", "pss", "competitor", "ratio", "target", "verdict"]
    rows = [header, *(_row(r) for r in results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    lines.append(fmt(header))
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.extend(fmt(r) for r in rows[1:])
    mismatched = [r.case for r in results if r.outputs_match is False]
    if mismatched:
        lines += ["", "OUTPUT MISMATCH against Polars in: " + ", ".join(mismatched)]
    return "\n".join(lines)


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
        "--quick", action="store_true", help=f"{QUICK_ROWS:,} rows and {QUICK_RUNS} runs (smoke)"
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write raw results here")
    parser.add_argument(
        "--runs", type=int, help=f"timed runs per case (default {FULL_RUNS}; --quick {QUICK_RUNS})"
    )
    args = parser.parse_args(argv)
    n_rows = QUICK_ROWS if args.quick else FULL_ROWS
    runs: int = args.runs if args.runs is not None else (QUICK_RUNS if args.quick else FULL_RUNS)
    if runs < 1:
        parser.error("--runs must be at least 1")

    start = time.perf_counter()
    results = run_all(n_rows, runs)
    meta = _meta(n_rows, runs, args.quick)
    meta["wall_seconds"] = round(time.perf_counter() - start, 1)
    print(render(results, meta))
    if args.json is not None:
        args.json.write_text(json.dumps(_to_json(results, meta), indent=2) + "\n", encoding="utf-8")
        _log(f"wrote {args.json}")
    _log(f"done in {meta['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
