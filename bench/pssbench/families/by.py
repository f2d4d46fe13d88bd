"""Time windows (``_by``): the rolling statistics by a time column against Polars and pandas,
``ewm_mean_by``, ``.over()`` and unsorted times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

import polars_streamstats as pss
from pssbench.agree import (
    AGREE_ATOL,
    MOMENT_RTOL,
    PANDAS_MOMENT_ATOL,
    close,
    equal,
    exact_vs_polars,
    median_vs_pandas,
    pandas_moment_check,
)
from pssbench.common import MAX_RATIO_VS_FASTEST_PEER, increasing_times, window_us
from pssbench.harness import (
    Agree,
    Family,
    Peer,
    Progress,
    Result,
    expr_cases,
    judge_fastest,
    log,
    polars_peer,
)

ROWS = 2_000_000
QUICK_ROWS = 200_000
MEAN_GAP_US = 1e6  # exponential gaps between rows, mean 1 s
WINDOWS = ("10s", "1h", "1d")  # about 10, 3600 and 86400 rows
RUNS = 7  # at most, per case: the section must fit in a few minutes on 2 cores
# Medians, quantiles and IQR: Polars and pandas take 0.3-2.5 s per run at the larger windows.
SLOW_RUNS = {"10s": 5, "1h": 5, "1d": 3}
PANDAS_WINDOW = {"1d": "1D"}  # pandas 3 deprecates the lower-case "d"
KEYS = 1000
QUANTILE = 0.9
HALF_LIFE = "1h"
UNSORTED_WINDOW = "1h"
TIGHT_WINDOWS = ("1h", "1d")  # where medians and quantiles must be <= 0.2x
MAX_RATIO_QUANTILE = 0.2


def _data(n_rows: int) -> tuple[pl.DataFrame, pd.Series]:
    """``n_rows`` rows: strictly increasing Datetime("us") times with exponential gaps (mean
    1 s, floored to the microsecond plus 1 us, so no two rows share a time: pandas' windows
    have no lookahead for equal times, Polars' do), N(0, 1) values, a key of ``KEYS``
    values; and the same values as a pandas Series on a DatetimeIndex."""
    rng = np.random.default_rng(0)
    ts = increasing_times(rng, n_rows, MEAN_GAP_US)
    x = rng.standard_normal(n_rows)
    key = rng.integers(0, KEYS, n_rows)
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
    polars_agree: Agree
    # None: a moment, checked by ``pandas_moment_check`` (tolerance, then a two-pass reference)
    pandas_agree: Agree | None
    quantile_like: bool = False  # slow peers (fewer runs) and the tighter target at 1h and 1d
    pandas_atol: float = AGREE_ATOL


def _pss_by(stat: str, **opts: Any) -> Callable[[str], pl.Expr]:
    """``pss.rolling_<stat>_by("x", "ts", window, **opts)`` as a function of the window."""
    fn = getattr(pss, f"rolling_{stat}_by")

    def build(w: str) -> pl.Expr:
        return fn("x", "ts", w, **opts)  # type: ignore[no-any-return]

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


def _simple_stat(stat: str, polars_agree: Agree, pandas_agree: Agree | None) -> _ByStat:
    """A statistic of the same name in pss, Polars and pandas."""
    return _ByStat(
        stat,
        _pss_by(stat),
        _polars_by(stat),
        f"Polars rolling_{stat}_by",
        _pandas_method(stat),
        f"rolling().{stat}()",
        polars_agree,
        pandas_agree,
    )


def _stats() -> list[_ByStat]:
    x = pl.col("x")
    q = QUANTILE
    exact = exact_vs_polars
    out = [_simple_stat(stat, close(), None) for stat in ("mean", "var", "std")]
    out += [_simple_stat(stat, exact, equal) for stat in ("min", "max")]
    out += [
        _ByStat(
            "median",
            lambda w: pss.rolling_median_by("x", "ts", w),
            lambda w: x.rolling_median_by("ts", w),
            "Polars rolling_median_by",
            lambda r: r.median(),
            "rolling().median()",
            exact,
            median_vs_pandas,
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
            equal,
            quantile_like=True,
        ),
        # Polars has no rolling skew/kurtosis by time: pandas only, with its bias=False.
        *(
            _ByStat(
                f"{stat}(bias=False)",
                _pss_by(stat, bias=False),
                None,
                "",
                _pandas_method(method),
                f"rolling().{method}()",
                close(),
                None,
                pandas_atol=PANDAS_MOMENT_ATOL,
            )
            for stat, method in (("skew", "skew"), ("kurtosis", "kurt"))
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
            equal,
            quantile_like=True,
        ),
    ]
    return out


def _target(quantile_like: bool, window: str) -> float:
    tight = quantile_like and window in TIGHT_WINDOWS
    return MAX_RATIO_QUANTILE if tight else MAX_RATIO_VS_FASTEST_PEER


def _case(
    df: pl.DataFrame,
    progress: Progress,
    case: str,
    ours: pl.Expr,
    peers: list[Peer],
    max_ratio: float,
) -> list[Result]:
    """``df.select(ours)`` against ``peers``, interleaved; the verdict on the fastest peer."""
    rows = expr_cases(df, case, ours, peers, section="by", style="ns", progress=progress)
    judge_fastest(rows, max_ratio)
    return rows


def run(n_rows: int, runs: int) -> list[Result]:
    log(f"time-window data: {n_rows:,} rows")
    df, series = _data(n_rows)
    x = df["x"].to_numpy()
    t_us = df["ts"].cast(pl.Int64).to_numpy()
    stats = _stats()
    fast_runs = min(runs, RUNS)
    progress = Progress(len(stats) * len(WINDOWS) + 1 + 2 * len(WINDOWS) + 2)
    pd_ver = pd.__version__

    def n_runs(quantile_like: bool, w: str) -> int:
        return min(runs, SLOW_RUNS[w]) if quantile_like else fast_runs

    results: list[Result] = []
    for w in WINDOWS:
        start = np.searchsorted(t_us, t_us - window_us(w), side="right")  # (t - w, t]
        for st in stats:
            n = n_runs(st.quantile_like, w)
            peers = []
            if st.polars is not None:
                peers.append(polars_peer(df, st.polars_name, st.polars(w), st.polars_agree, n))
            if st.pandas is not None:
                pandas_fn = st.pandas
                pandas_agree = st.pandas_agree or pandas_moment_check(
                    st.name.split("(")[0], st.pandas_atol, x, start
                )

                def run_pandas(f: Callable[[Any], object] = pandas_fn, w: str = w) -> object:
                    return f(series.rolling(PANDAS_WINDOW.get(w, w)))

                peers.append(Peer(f"pandas {pd_ver} {st.pandas_name}", run_pandas, pandas_agree, n))
            results += _case(
                df,
                progress,
                f'rolling_{st.name}_by("ts", "{w}")',
                st.ours(w),
                peers,
                _target(st.quantile_like, w),
            )
    results += _case(
        df,
        progress,
        f'ewm_mean_by("ts", half_life="{HALF_LIFE}")',
        pss.ewm_mean_by("x", "ts", half_life=HALF_LIFE),
        [
            polars_peer(
                df,
                "Polars ewm_mean_by",
                pl.col("x").ewm_mean_by("ts", half_life=HALF_LIFE),
                close(),
                fast_runs,
            )
        ],
        MAX_RATIO_VS_FASTEST_PEER,
    )

    def mean_and(name: str, w: str) -> list[tuple[str, pl.Expr, pl.Expr, Agree, bool]]:
        """(name, pss, Polars, check, quantile-like): the mean and one quantile-like ``name``
        (median, or the linear quantile) by "ts" at window ``w``."""
        q = QUANTILE
        slow: dict[str, tuple[pl.Expr, pl.Expr]] = {
            "median": (pss.rolling_median_by("x", "ts", w), pl.col("x").rolling_median_by("ts", w)),
            f"quantile({q}, linear)": (
                pss.rolling_quantile_by("x", "ts", w, quantile=q, interpolation="linear"),
                pl.col("x").rolling_quantile_by("ts", w, quantile=q, interpolation="linear"),
            ),
        }
        ours, theirs = slow[name]
        return [
            (
                "mean",
                pss.rolling_mean_by("x", "ts", w),
                pl.col("x").rolling_mean_by("ts", w),
                close(),
                False,
            ),
            (name, ours, theirs, exact_vs_polars, True),
        ]

    for w in WINDOWS:
        for name, ours, theirs, agree, quantile_like in mean_and(
            f"quantile({QUANTILE}, linear)", w
        ):
            results += _case(
                df,
                progress,
                f'rolling_{name}_by("ts", "{w}").over("key"), {KEYS} keys',
                ours.over("key"),
                [
                    polars_peer(
                        df,
                        f"Polars {name.split('(')[0]} .over",
                        theirs.over("key"),
                        agree,
                        n_runs(quantile_like, w),
                    )
                ],
                _target(quantile_like, w),
            )
    shuffled = df[np.random.default_rng(1).permutation(n_rows)]
    w = UNSORTED_WINDOW
    for name, ours, theirs, agree, quantile_like in mean_and("median", w):
        results += _case(
            shuffled,
            progress,
            f'rolling_{name}_by("ts", "{w}"), rows shuffled (unsorted by)',
            ours,
            [
                polars_peer(
                    shuffled,
                    f"Polars rolling_{name}_by",
                    theirs,
                    agree,
                    n_runs(quantile_like, w),
                )
            ],
            _target(quantile_like, w),
        )
    return results


NOTES = (
    "One row per peer, each with its own paired ratio; the target and its verdict sit on the "
    f"row of the fastest peer: <= {MAX_RATIO_VS_FASTEST_PEER:g}x everywhere, <= "
    f"{MAX_RATIO_QUANTILE:g}x for medians, quantiles and the IQR at "
    f"{' and '.join(TIGHT_WINDOWS)}. Peers: Polars' rolling_*_by (none for skew and "
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
    + ", ".join(f"{n} times at {w}" for w, n in SLOW_RUNS.items())
    + f"; every other case at most {RUNS} times.",
)

FAMILY = Family(
    "by",
    "Time windows (_by)",
    run,
    ROWS,
    QUICK_ROWS,
    notes=NOTES,
    data='rows: N(0, 1) Float64 values (default_rng(0)) at strictly increasing Datetime("us") '
    "times, exponential gaps of mean 1 s (about 23 days for 2M rows), a key of "
    f"{KEYS} values for .over()",
    runs_cap=RUNS,
)
