"""Quantiles: rolling medians and quantiles against Polars, bottleneck and pandas; the exact
cumulative median; P² against river."""

from __future__ import annotations

import bottleneck as bn
import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl
from river import stats as river_stats

import polars_streamstats as pss
from pssbench.agree import AGREE_ATOL, agree_where_defined, as_floats, exact_vs_polars
from pssbench.common import (
    MAX_RATIO_VS_FASTEST_PEER,
    MEDIUM_RUNS,
    N_GROUPS,
    NULL_EVERY,
    RIVER_VERSION,
    WINDOW,
    call_loop,
    normal_data,
    running,
)
from pssbench.harness import (
    Family,
    Peer,
    Result,
    column_floor,
    expr_cases,
    expr_vs_polars,
    interleaved,
    judge,
    judge_fastest,
    judge_per_item,
    log,
    paired,
    polars_peer,
)

ROWS = 2_000_000
QUICK_ROWS = 200_000
WINDOWS = (10, 1_000, 100_000, 1_000_000)
SIDE_WINDOWS = (1_000, 100_000)  # nulls and center=True
OVER_WINDOW = 100
P2_VALUES = 1_000_000
SLOW_WINDOW = 100_000  # pandas at or above this window: at most SLOW_RUNS runs
SLOW_RUNS = 3
RIVER_ROLLING_NOTE = "River (Rust, its authors' benchmark): 77 s"
MAX_RATIO_NULLS_CENTER = 0.2
MAX_RATIO_OVER = 0.5  # issue 12: .over() with 1000 groups at most 0.5x Polars
MAX_RATIO_CUM_MEDIAN = 0.4
MAX_NS_PER_P2_VALUE = 15.0


def _rolling_window_cases(
    df: pl.DataFrame, x: npt.NDArray[np.float64], w: int, runs: int
) -> list[Result]:
    """rolling_median at one window vs Polars, bottleneck and pandas; verdict vs the fastest."""
    slow_runs = min(runs, SLOW_RUNS) if w >= SLOW_WINDOW else runs
    theirs = pl.col("x").rolling_median(window_size=w)

    def run_bottleneck() -> npt.NDArray[np.float64]:
        return np.asarray(bn.move_median(x, w), dtype=np.float64)

    def run_pandas() -> object:
        return pd.Series(x).rolling(w).median()

    rows = expr_cases(
        df,
        f"rolling_median(window_size={w:_})",
        pss.rolling_median("x", window_size=w),
        [
            polars_peer(df, "Polars rolling_median", theirs, exact_vs_polars, runs),
            Peer(
                f"bottleneck {bn.__version__} move_median",
                run_bottleneck,
                agree_where_defined,
                runs,
            ),
            Peer(
                f"pandas {pd.__version__} rolling().median()",
                run_pandas,
                agree_where_defined,
                slow_runs,
            ),
        ],
        section="quantile",
    )
    judge_fastest(rows, MAX_RATIO_VS_FASTEST_PEER)
    return rows


def _cum_median_cases(df: pl.DataFrame, x: npt.NDArray[np.float64], runs: int) -> list[Result]:
    """Exact cumulative median vs Polars (a window of the whole column) and pandas expanding."""
    n = df.height
    theirs = pl.col("x").rolling_median(window_size=n, min_samples=1)

    def run_pandas() -> object:
        return pd.Series(x).expanding().median()

    vs_polars, vs_pandas = expr_cases(
        df,
        "cum_median() (exact)",
        pss.cum_median("x"),
        [
            polars_peer(
                df,
                "Polars rolling_median(window_size=n, min_samples=1)",
                theirs,
                exact_vs_polars,
                runs,
            ),
            Peer(
                f"pandas {pd.__version__} expanding().median()",
                run_pandas,
                agree_where_defined,
                min(runs, SLOW_RUNS),
            ),
        ],
        section="quantile",
    )
    judge(vs_polars, MAX_RATIO_CUM_MEDIAN)
    return [vs_polars, vs_pandas]


def _p2_cases(x: npt.NDArray[np.float64], runs: int) -> list[Result]:
    """P² median: the expression and ``Quantile.update_many`` vs river fed from a Python loop."""
    n = len(x)
    log(f"  P² median x{n:,}")
    series = pl.Series("x", x)
    xs: list[float] = x.tolist()

    def run_expr() -> pl.DataFrame:
        return pl.select(pss.cum_median(series, method="p2"))

    def run_update_many() -> pss.Quantile:
        return pss.Quantile(0.5, method="p2").update_many(x)

    def run_river() -> None:
        call_loop(river_stats.Quantile(0.5).update, xs)

    floor = column_floor(series.to_frame())
    expected = running(river_stats.Quantile(0.5), xs)  # untimed: the reference
    expr_match = bool(np.array_equal(as_floats(run_expr()), expected, equal_nan=True))
    last = run_update_many().get()
    many_match = last is not None and bool(last == expected[-1])
    run_river()
    floor()
    t_expr, t_many, t_river, t_floor = interleaved(
        [run_expr, run_update_many, run_river, floor], runs
    )
    river_name = f"river {RIVER_VERSION} Quantile(0.5), Python loop"
    expr_row = paired(
        f'cum_median(method="p2"), pl.select on a {n / 1e6:g}M-row Series',
        t_expr,
        river_name,
        t_river,
        unit="row",
        items=n,
        outputs_match=expr_match,
        section="quantile",
        style="ns",
        floor_times=t_floor,
    )
    many_row = paired(
        f'Quantile(0.5, method="p2").update_many, {n / 1e6:g}M values (numpy)',
        t_many,
        river_name,
        t_river,
        unit="value",
        items=n,
        outputs_match=many_match,
        section="quantile",
        style="ns",
    )
    judge_per_item(many_row, MAX_NS_PER_P2_VALUE)
    return [expr_row, many_row]


def run(n_rows: int, runs: int) -> list[Result]:
    log(f"quantile data: {n_rows:,} rows")
    x, g = normal_data(n_rows)
    df = pl.DataFrame({"x": x, "g": g})
    with_nulls = pl.DataFrame(
        {"x": pl.Series("x", x).scatter(np.arange(0, n_rows, NULL_EVERY), None)}
    )
    col = pl.col("x")

    def vs_polars(
        data: pl.DataFrame, case: str, ours: pl.Expr, theirs: pl.Expr, name: str, n: int
    ) -> Result:
        return expr_vs_polars(
            data, case, ours, name, theirs, exact_vs_polars, n, section="quantile"
        )

    def medium(w: int) -> int:
        return min(runs, MEDIUM_RUNS) if w >= SLOW_WINDOW else runs

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
                floor_times=rows[0].floor_times,
            )
        results.extend(rows)
    results.append(
        vs_polars(
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
    side_cases = [
        (
            with_nulls,
            f"rolling_median(window_size={w:_}, min_samples=1), 1% nulls",
            pss.rolling_median("x", window_size=w, min_samples=1),
            col.rolling_median(window_size=w, min_samples=1),
            w,
        )
        for w in SIDE_WINDOWS
    ] + [
        (
            df,
            f"rolling_median(window_size={w:_}, center=True)",
            pss.rolling_median("x", window_size=w, center=True),
            col.rolling_median(window_size=w, center=True),
            w,
        )
        for w in SIDE_WINDOWS
    ]
    for data, case, ours, theirs, w in side_cases:
        if w > n_rows:
            continue
        res = vs_polars(data, case, ours, theirs, "Polars rolling_median", medium(w))
        judge(res, MAX_RATIO_NULLS_CENTER)
        results.append(res)
    res = vs_polars(
        df,
        f'rolling_median(window_size={OVER_WINDOW}).over("g"), {N_GROUPS} groups',
        pss.rolling_median("x", window_size=OVER_WINDOW).over("g"),
        col.rolling_median(window_size=OVER_WINDOW).over("g"),
        'Polars rolling_median().over("g")',
        runs,
    )
    judge(res, MAX_RATIO_OVER)
    results.append(res)
    results.extend(_cum_median_cases(df, x, runs))
    results.extend(_p2_cases(x[: min(P2_VALUES, n_rows)], runs))
    if headline is not None:
        results.insert(0, headline)
    return results


NOTES = (
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

FAMILY = Family("quantile", "Quantiles", run, ROWS, QUICK_ROWS, notes=NOTES)
