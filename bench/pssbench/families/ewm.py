"""Exponentially weighted: the expressions against Polars, the objects' update loops against
river, ``update_many``."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
from river import stats as river_stats

import polars_streamstats as pss
from pssbench.agree import close
from pssbench.common import (
    ALPHA,
    LOOP_CALLS,
    N_GROUPS,
    RIVER_VERSION,
    WINDOW,
    call_loop,
    normal_data,
)
from pssbench.harness import (
    Family,
    Result,
    expr_vs_polars,
    judge,
    judge_per_item,
    log,
    paired,
    warmed_interleaved,
)

ROWS = 10_000_000
QUICK_ROWS = 1_000_000
MAX_RATIO_VS_POLARS = 0.35
MAX_RATIO_OVER = 0.5  # .over() with 1000 groups
MAX_NS_PER_UPDATE = 70.0
MIN_MVALUES_PER_S = 300.0


class _NoOp:
    """The cheapest possible Python-level ``update``: measures the interpreter's overhead."""

    def update(self, x: float) -> None:
        pass


def _object_cases(xs: list[float], runs: int) -> list[Result]:
    """A Python loop of ``u(x)`` calls: pss.EWMean vs river's EWMean vs a no-op method."""
    log(f"  EWMean.update x{len(xs):,}")

    def run_pss() -> None:
        call_loop(pss.EWMean(alpha=ALPHA).update, xs)

    def run_river() -> None:
        call_loop(river_stats.EWMean(fading_factor=ALPHA).update, xs)

    def run_noop() -> None:
        call_loop(_NoOp().update, xs)

    t_pss, t_river, t_noop = warmed_interleaved([run_pss, run_river, run_noop], runs)
    n = len(xs)
    vs_river = paired(
        f"EWMean.update, Python loop of {n / 1e6:g}M calls",
        t_pss,
        f"river {RIVER_VERSION} EWMean",
        t_river,
        unit="call",
        items=n,
        section="ewm",
    )
    judge_per_item(vs_river, MAX_NS_PER_UPDATE)
    vs_noop = paired(
        "same loop vs a no-op Python method (interpreter overhead)",
        t_pss,
        "no-op method (baseline)",
        t_noop,
        unit="call",
        items=n,
        section="ewm",
        chart=False,
    )
    return [vs_river, vs_noop]


def _update_many_cases(x: npt.NDArray[np.float64], runs: int) -> list[Result]:
    """``EWMean.update_many`` from a numpy array and from a Polars Series, interleaved."""
    log("  EWMean.update_many")
    series = pl.Series("x", x)

    def from_numpy() -> pss.EWMean:
        return pss.EWMean(alpha=ALPHA).update_many(x)

    def from_series() -> pss.EWMean:
        return pss.EWMean(alpha=ALPHA).update_many(series)

    t_np, t_series = warmed_interleaved([from_numpy, from_series], runs)
    n = len(x)
    out = []
    for label, times in (("numpy float64 array", t_np), ("pl.Series", t_series)):
        res = Result(
            case=f"EWMean.update_many, {n / 1e6:g}M values from a {label}",
            unit="value",
            items=n,
            pss_times=times,
            target=f">= {MIN_MVALUES_PER_S:g} M values/s",
            section="ewm",
        )
        mvalues = n / res.pss_median / 1e6
        res.verdict = "PASS" if mvalues >= MIN_MVALUES_PER_S else "MISS"
        out.append(res)
    return out


def run(n_rows: int, runs: int) -> list[Result]:
    log(f"exponentially weighted data: {n_rows:,} rows")
    x, g = normal_data(n_rows)
    df = pl.DataFrame({"x": x, "g": g})
    xs: list[float] = x[: min(LOOP_CALLS, n_rows)].tolist()
    col = pl.col("x")

    def vs_polars(
        case: str, ours: pl.Expr, theirs: pl.Expr, name: str, max_ratio: float | None
    ) -> Result:
        res = expr_vs_polars(df, case, ours, name, theirs, close(), runs, section="ewm")
        if max_ratio is not None:
            judge(res, max_ratio)
        return res

    results = [
        vs_polars(
            f"ewm_mean(alpha={ALPHA}, adjust={adjust})",
            pss.ewm_mean("x", alpha=ALPHA, adjust=adjust),
            col.ewm_mean(alpha=ALPHA, adjust=adjust),
            "Polars ewm_mean",
            MAX_RATIO_VS_POLARS,
        )
        for adjust in (True, False)
    ]
    for stat, max_ratio in (("var", MAX_RATIO_VS_POLARS), ("std", None)):
        results.append(
            vs_polars(
                f"ewm_{stat}(alpha={ALPHA}, adjust=True, bias=False)",
                getattr(pss, f"ewm_{stat}")("x", alpha=ALPHA, adjust=True, bias=False),
                getattr(col, f"ewm_{stat}")(alpha=ALPHA, adjust=True, bias=False),
                f"Polars ewm_{stat}",
                max_ratio,
            )
        )
    results.append(
        vs_polars(
            f'ewm_mean(alpha={ALPHA}).over("g"), {N_GROUPS} groups',
            pss.ewm_mean("x", alpha=ALPHA).over("g"),
            col.ewm_mean(alpha=ALPHA).over("g"),
            'Polars ewm_mean().over("g")',
            MAX_RATIO_OVER,
        )
    )
    results.extend(_object_cases(xs, runs))
    results.extend(_update_many_cases(x, runs))
    reference = expr_vs_polars(
        df,
        f"rolling_ewm_mean(window_size={WINDOW}, alpha={ALPHA})",
        pss.rolling_ewm_mean("x", window_size=WINDOW, alpha=ALPHA),
        f"reference (not equivalent): Polars rolling_mean({WINDOW})",
        col.rolling_mean(WINDOW),
        None,  # another statistic: not checked
        runs,
        section="ewm",
    )
    reference.chart = False  # another statistic: a point of reference, not a peer
    results.append(reference)
    return results


FAMILY = Family("ewm", "Exponentially weighted", run, ROWS, QUICK_ROWS)
