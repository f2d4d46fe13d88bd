"""``pss.Tracker`` (issue 10, part 2) tested as a demanding user would.

What is compared with what:

- **Row outputs.** The outputs of ``tracker.update`` over a stream cut into batches (random
  sizes, empty batches, batches missing some keys), concatenated, against the matching pss
  expression ``.over(by)`` on the concatenation of the batches (no ``.over`` for ``by=None``):
  **bit for bit**, any NaN equal to any NaN and null equal to null (the Tracker runs the
  objects' sweeps, which are bit-identical to the expressions). Integer and Float32 value
  columns: the Tracker computes in Float64 and outputs Float64, so the reference is the
  expression of the column cast to Float64 (``pl.col(c).cast(pl.Float64)``), bit for bit.
- **Against Polars' own built-ins** (references nobody here wrote), on the finite column ``y``
  (nulls, repeats, no NaN/inf, where Polars' add/subtract windows differ by design):
  ``ewm_mean/var/std(...).over``, ``ewm_mean_by``, ``rolling_*(w).over``, ``rolling_*_by``,
  ``cum_max/cum_min`` (forward-filled: Polars gives null on a null row, pss carries the
  value), and the cumulative statistics as Polars ``rolling_*`` with a window longer than the
  data and ``min_samples`` as given. Exactly for the order statistics, within ``1e-12``
  relative for means, variances and EW statistics, ``1e-9`` for skew and kurtosis.
- **get()**: the last row per key of the one-shot expression output (``last``); for the EW
  statistics, the output of the key's last row with a non-null value (``update(None)`` leaves
  ``get()`` as it was, its row output is null); for ``RollingEWMean`` (a null row outputs null
  but moves the window), a fresh object fed the key's rows. One row per key, keys in order of
  first appearance (``group_by(maintain_order=True)``); ``by=None``: one row.
- **Merges** of trackers that saw consecutive parts of a stream against one tracker over the
  whole: bit for bit for the order statistics, within ``1e-12`` relative (with an absolute
  floor scaled by the data's magnitude) otherwise, for ``get()`` and for the continuation.

Times: integers ('i' durations), Datetime us/ns with and without a time zone (one crossing a
DST change), Date; per key non-decreasing with repeats and gaps longer than every window,
interleaved between keys (not globally sorted).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import math
import pickle
import random
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.exceptions import ColumnNotFoundError
from polars.testing import assert_frame_equal

import polars_streamstats as pss
from polars_streamstats.by import ClosedInterval

Expr3 = Callable[[pl.Expr, str, str], pl.Expr]  # (value, time column, duration unit) -> expr
GetRule = Literal["last", "last_valid", "object"]
Key = str | list[str]  # a key kind of KEY_POOLS, or the by columns

BIG = 1_000_000  # a Polars window longer than any test stream: a cumulative statistic
REL = 1e-12
REL_HIGHER = 1e-9
CLOSED: list[ClosedInterval] = ["right", "left", "both", "none"]
VALUE_COLUMNS = ["x", "y", "x32", "xi"]  # wild Float64, finite Float64, Float32, Int64
TAME = "y"


# ---------------------------------------------------------------------------------------------
# The catalogue: every statistic class, with option sets, its pss expression and (where Polars
# has one) Polars' built-in.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A statistic with options: how to build it, its expression, Polars' own, get() rule."""

    name: str
    make: Callable[[str], Any]  # duration unit -> a fresh statistic
    expr: Expr3
    polars: Expr3 | None = None
    rel: float = 0.0  # tolerance against Polars (0: exact)
    timed: bool = False
    get: GetRule = "last"
    order: bool = False  # an order statistic: merges are bit for bit
    power: int = 1  # scaling power of the statistic (merge tolerance floor)
    mergeable: bool = True
    # A time window that holds the row's own time ('right', 'both'): rows with equal times
    # share one window, so a row's output counts the later rows of its time in the same batch.
    ties: bool = False


def _qdiff(hi: pl.Expr, lo: pl.Expr) -> pl.Expr:
    return hi - lo


def row_specs() -> list[Spec]:
    S = Spec  # noqa: N806
    out: list[Spec] = [
        # Exponentially weighted, by rows.
        S(
            "EWMean-alpha",
            lambda u: pss.EWMean(alpha=0.3),
            lambda x, t, u: pss.ewm_mean(x, alpha=0.3),
            lambda x, t, u: x.ewm_mean(alpha=0.3),
            REL,
            get="last_valid",
        ),
        S(
            "EWMean-com-noadjust-ignore-min3",
            lambda u: pss.EWMean(com=2.0, adjust=False, ignore_nulls=True, min_samples=3),
            lambda x, t, u: pss.ewm_mean(
                x, com=2.0, adjust=False, ignore_nulls=True, min_samples=3
            ),
            lambda x, t, u: x.ewm_mean(com=2.0, adjust=False, ignore_nulls=True, min_samples=3),
            REL,
            get="last_valid",
        ),
        S(
            "EWMean-halflife-rows-min2",
            lambda u: pss.EWMean(half_life=2.5, min_samples=2),
            lambda x, t, u: pss.ewm_mean(x, half_life=2.5, min_samples=2),
            lambda x, t, u: x.ewm_mean(half_life=2.5, min_samples=2),
            REL,
            get="last_valid",
        ),
        S(
            "EWVar-span",
            lambda u: pss.EWVar(span=4.0),
            lambda x, t, u: pss.ewm_var(x, span=4.0),
            lambda x, t, u: x.ewm_var(span=4.0),
            REL,
            get="last_valid",
            power=2,
        ),
        S(
            "EWVar-noadjust-bias-ignore",
            lambda u: pss.EWVar(alpha=0.5, adjust=False, bias=True, ignore_nulls=True),
            lambda x, t, u: pss.ewm_var(x, alpha=0.5, adjust=False, bias=True, ignore_nulls=True),
            lambda x, t, u: x.ewm_var(alpha=0.5, adjust=False, bias=True, ignore_nulls=True),
            REL,
            get="last_valid",
            power=2,
        ),
        S(
            "EWStd-halflife-min2",
            lambda u: pss.EWStd(half_life=3.0, min_samples=2),
            lambda x, t, u: pss.ewm_std(x, half_life=3.0, min_samples=2),
            lambda x, t, u: x.ewm_std(half_life=3.0, min_samples=2),
            REL,
            get="last_valid",
        ),
        S(
            "EWStd-com-bias-noadjust",
            lambda u: pss.EWStd(com=1.0, bias=True, adjust=False),
            lambda x, t, u: pss.ewm_std(x, com=1.0, bias=True, adjust=False),
            lambda x, t, u: x.ewm_std(com=1.0, bias=True, adjust=False),
            REL,
            get="last_valid",
        ),
        # Exponentially weighted over a window of rows (no Polars built-in).
        S(
            "RollingEWMean-5-min2",
            lambda u: pss.RollingEWMean(5, alpha=0.3, min_samples=2),
            lambda x, t, u: pss.rolling_ewm_mean(x, 5, alpha=0.3, min_samples=2),
            get="object",
        ),
        S(
            "RollingEWMean-1",
            lambda u: pss.RollingEWMean(1, span=3.0),
            lambda x, t, u: pss.rolling_ewm_mean(x, 1, span=3.0),
            get="object",
        ),
        # Exact cumulative quantiles: Polars' rolling_quantile over a window that never drops.
        S(
            "Quantile-linear",
            lambda u: pss.Quantile(0.3, "linear"),
            lambda x, t, u: pss.cum_quantile(x, 0.3, "linear"),
            lambda x, t, u: x.rolling_quantile(0.3, "linear", window_size=BIG, min_samples=1),
            order=True,
        ),
        S(
            "Quantile-median-min3",
            lambda u: pss.Quantile(0.5, min_samples=3),
            lambda x, t, u: pss.cum_quantile(x, 0.5, min_samples=3),
            lambda x, t, u: x.rolling_quantile(0.5, "nearest", window_size=BIG, min_samples=3),
            order=True,
        ),
        S(
            "Quantile-equiprobable",
            lambda u: pss.Quantile(0.9, "equiprobable"),
            lambda x, t, u: pss.cum_quantile(x, 0.9, "equiprobable"),
            lambda x, t, u: x.rolling_quantile(0.9, "equiprobable", window_size=BIG, min_samples=1),
            order=True,
        ),
        S(
            "Quantile-p2",
            lambda u: pss.Quantile(0.5, method="p2"),
            lambda x, t, u: pss.cum_quantile(x, 0.5, method="p2"),
            mergeable=False,
        ),
        S(
            "IQR",
            lambda u: pss.IQR(),
            lambda x, t, u: pss.cum_iqr(x),
            lambda x, t, u: _qdiff(
                x.rolling_quantile(0.75, "nearest", window_size=BIG, min_samples=1),
                x.rolling_quantile(0.25, "nearest", window_size=BIG, min_samples=1),
            ),
            order=True,
        ),
        S(
            "IQR-midpoint-min2",
            lambda u: pss.IQR(q_inf=0.1, q_sup=0.8, interpolation="midpoint", min_samples=2),
            lambda x, t, u: pss.cum_iqr(
                x, q_inf=0.1, q_sup=0.8, interpolation="midpoint", min_samples=2
            ),
            lambda x, t, u: _qdiff(
                x.rolling_quantile(0.8, "midpoint", window_size=BIG, min_samples=2),
                x.rolling_quantile(0.1, "midpoint", window_size=BIG, min_samples=2),
            ),
            order=True,
        ),
        S(
            "IQR-p2",
            lambda u: pss.IQR(method="p2"),
            lambda x, t, u: pss.cum_iqr(x, method="p2"),
            mergeable=False,
        ),
        # Rolling quantiles by rows.
        S(
            "RollingQuantile-higher-4-min2",
            lambda u: pss.RollingQuantile(0.7, "higher", 4, min_samples=2),
            lambda x, t, u: pss.rolling_quantile(x, 0.7, "higher", 4, min_samples=2),
            lambda x, t, u: x.rolling_quantile(0.7, "higher", window_size=4, min_samples=2),
            order=True,
        ),
        S(
            "RollingQuantile-linear-6",
            lambda u: pss.RollingQuantile(0.5, "linear", 6),
            lambda x, t, u: pss.rolling_quantile(x, 0.5, "linear", 6),
            lambda x, t, u: x.rolling_quantile(0.5, "linear", window_size=6),
            order=True,
        ),
        S(
            "RollingIQR-5",
            lambda u: pss.RollingIQR(5),
            lambda x, t, u: pss.rolling_iqr(x, 5),
            lambda x, t, u: _qdiff(
                x.rolling_quantile(0.75, "nearest", window_size=5),
                x.rolling_quantile(0.25, "nearest", window_size=5),
            ),
            order=True,
        ),
        S(
            "RollingIQR-lower-4-min1",
            lambda u: pss.RollingIQR(4, q_inf=0.2, q_sup=0.9, interpolation="lower", min_samples=1),
            lambda x, t, u: pss.rolling_iqr(
                x, 4, q_inf=0.2, q_sup=0.9, interpolation="lower", min_samples=1
            ),
            lambda x, t, u: _qdiff(
                x.rolling_quantile(0.9, "lower", window_size=4, min_samples=1),
                x.rolling_quantile(0.2, "lower", window_size=4, min_samples=1),
            ),
            order=True,
        ),
        # The 9 cumulative moments and extremes.
        S(
            "Mean",
            lambda u: pss.Mean(),
            lambda x, t, u: pss.cum_mean(x),
            lambda x, t, u: x.rolling_mean(BIG, min_samples=1),
            REL,
        ),
        S(
            "Mean-min3",
            lambda u: pss.Mean(min_samples=3),
            lambda x, t, u: pss.cum_mean(x, min_samples=3),
            lambda x, t, u: x.rolling_mean(BIG, min_samples=3),
            REL,
        ),
        S(
            "Var",
            lambda u: pss.Var(),
            lambda x, t, u: pss.cum_var(x),
            lambda x, t, u: x.rolling_var(BIG, min_samples=1),
            REL,
            power=2,
        ),
        S(
            "Var-ddof0-min2",
            lambda u: pss.Var(ddof=0, min_samples=2),
            lambda x, t, u: pss.cum_var(x, ddof=0, min_samples=2),
            lambda x, t, u: x.rolling_var(BIG, min_samples=2, ddof=0),
            REL,
            power=2,
        ),
        S(
            "Std-ddof2",
            lambda u: pss.Std(ddof=2),
            lambda x, t, u: pss.cum_std(x, ddof=2),
            lambda x, t, u: x.rolling_std(BIG, min_samples=1, ddof=2),
            REL,
        ),
        S(
            "Skew",
            lambda u: pss.Skew(),
            lambda x, t, u: pss.cum_skew(x),
            lambda x, t, u: x.rolling_skew(BIG, bias=True, min_samples=1),
            REL_HIGHER,
            power=0,
        ),
        S(
            "Skew-unbiased-min3",
            lambda u: pss.Skew(bias=False, min_samples=3),
            lambda x, t, u: pss.cum_skew(x, bias=False, min_samples=3),
            lambda x, t, u: x.rolling_skew(BIG, bias=False, min_samples=3),
            REL_HIGHER,
            power=0,
        ),
        S(
            "Kurtosis",
            lambda u: pss.Kurtosis(),
            lambda x, t, u: pss.cum_kurtosis(x),
            lambda x, t, u: x.rolling_kurtosis(BIG, fisher=True, bias=True, min_samples=1),
            REL_HIGHER,
            power=0,
        ),
        S(
            "Kurtosis-pearson-unbiased",
            lambda u: pss.Kurtosis(fisher=False, bias=False),
            lambda x, t, u: pss.cum_kurtosis(x, fisher=False, bias=False),
            lambda x, t, u: x.rolling_kurtosis(BIG, fisher=False, bias=False, min_samples=1),
            REL_HIGHER,
            power=0,
        ),
        S(
            "Min",
            lambda u: pss.Min(),
            lambda x, t, u: pss.cum_min(x),
            lambda x, t, u: x.cum_min().forward_fill(),
            order=True,
        ),
        S(
            "Max-min2",
            lambda u: pss.Max(min_samples=2),
            lambda x, t, u: pss.cum_max(x, min_samples=2),
            lambda x, t, u: x.rolling_max(BIG, min_samples=2),
            order=True,
        ),
        S(
            "PeakToPeak",
            lambda u: pss.PeakToPeak(),
            lambda x, t, u: pss.cum_peak_to_peak(x),
            lambda x, t, u: x.cum_max().forward_fill() - x.cum_min().forward_fill(),
            order=True,
        ),
        S(
            "AbsMax",
            lambda u: pss.AbsMax(),
            lambda x, t, u: pss.cum_abs_max(x),
            lambda x, t, u: x.abs().cum_max().forward_fill(),
            order=True,
        ),
        # The 9 rolling moments and extremes by rows (closed must stay 'right').
        S(
            "RollingMean-3",
            lambda u: pss.RollingMean(3),
            lambda x, t, u: pss.rolling_mean(x, 3),
            lambda x, t, u: x.rolling_mean(3),
            REL,
        ),
        S(
            "RollingVar-4-ddof0-min2",
            lambda u: pss.RollingVar(4, ddof=0, min_samples=2),
            lambda x, t, u: pss.rolling_var(x, 4, ddof=0, min_samples=2),
            lambda x, t, u: x.rolling_var(4, ddof=0, min_samples=2),
            REL,
            power=2,
        ),
        S(
            "RollingStd-5-min1",
            lambda u: pss.RollingStd(5, min_samples=1),
            lambda x, t, u: pss.rolling_std(x, 5, min_samples=1),
            lambda x, t, u: x.rolling_std(5, min_samples=1),
            REL,
        ),
        S(
            "RollingSkew-6-unbiased",
            lambda u: pss.RollingSkew(6, bias=False),
            lambda x, t, u: pss.rolling_skew(x, 6, bias=False),
            lambda x, t, u: x.rolling_skew(6, bias=False),
            REL_HIGHER,
            power=0,
        ),
        S(
            "RollingKurtosis-7-pearson-min4",
            lambda u: pss.RollingKurtosis(7, fisher=False, min_samples=4),
            lambda x, t, u: pss.rolling_kurtosis(x, 7, fisher=False, min_samples=4),
            lambda x, t, u: x.rolling_kurtosis(7, fisher=False, min_samples=4),
            REL_HIGHER,
            power=0,
        ),
        S(
            "RollingMin-3",
            lambda u: pss.RollingMin(3),
            lambda x, t, u: pss.rolling_min(x, 3),
            lambda x, t, u: x.rolling_min(3),
            order=True,
        ),
        S(
            "RollingMax-2-min1",
            lambda u: pss.RollingMax(2, min_samples=1),
            lambda x, t, u: pss.rolling_max(x, 2, min_samples=1),
            lambda x, t, u: x.rolling_max(2, min_samples=1),
            order=True,
        ),
        S(
            "RollingMax-0",
            lambda u: pss.RollingMax(0),
            lambda x, t, u: pss.rolling_max(x, 0),
            order=True,
        ),
        S(
            "RollingPeakToPeak-4-min2",
            lambda u: pss.RollingPeakToPeak(4, min_samples=2),
            lambda x, t, u: pss.rolling_peak_to_peak(x, 4, min_samples=2),
            lambda x, t, u: x.rolling_max(4, min_samples=2) - x.rolling_min(4, min_samples=2),
            order=True,
        ),
        S(
            "RollingAbsMax-5-min3",
            lambda u: pss.RollingAbsMax(5, min_samples=3),
            lambda x, t, u: pss.rolling_abs_max(x, 5, min_samples=3),
            lambda x, t, u: x.abs().rolling_max(5, min_samples=3),
            order=True,
        ),
    ]
    return out


def time_specs() -> list[Spec]:
    out: list[Spec] = [
        # Exponentially weighted with a duration half_life.
        Spec(
            "EWMean-by",
            lambda u: pss.EWMean(half_life=f"3{u}"),
            lambda x, t, u: pss.ewm_mean_by(x, t, half_life=f"3{u}"),
            lambda x, t, u: x.ewm_mean_by(t, half_life=f"3{u}"),
            REL,
            timed=True,
            get="last_valid",
        ),
        Spec(
            "EWVar-by",
            lambda u: pss.EWVar(half_life=f"2{u}"),
            lambda x, t, u: pss.ewm_var_by(x, t, half_life=f"2{u}"),
            timed=True,
            get="last_valid",
            power=2,
        ),
        Spec(
            "EWStd-by-bias",
            lambda u: pss.EWStd(half_life=f"5{u}", bias=True),
            lambda x, t, u: pss.ewm_std_by(x, t, half_life=f"5{u}", bias=True),
            timed=True,
            get="last_valid",
        ),
    ]
    for i, c in enumerate(CLOSED):
        out += time_window_specs(c, [2, 3, 4, 5, 6, 7, 8][i:] + [2, 3, 4, 5, 6, 7, 8][:i])
    return out


def time_window_specs(c: ClosedInterval, w: list[int]) -> list[Spec]:
    """Every time window class with ``closed=c``; the windows (in ticks) vary with ``c``."""
    return [
        Spec(
            f"RollingEWMean-by-{c}",
            lambda u: pss.RollingEWMean(
                f"{w[0]}{u}", alpha=0.4, closed=c, min_samples=1 + (c == "both")
            ),
            lambda x, t, u: pss.rolling_ewm_mean_by(
                x, t, f"{w[0]}{u}", alpha=0.4, closed=c, min_samples=1 + (c == "both")
            ),
            timed=True,
            get="object",
        ),
        Spec(
            f"RollingQuantile-by-{c}",
            lambda u: pss.RollingQuantile(0.25, "equiprobable", f"{w[1]}{u}", closed=c),
            lambda x, t, u: pss.rolling_quantile_by(
                x, t, f"{w[1]}{u}", quantile=0.25, interpolation="equiprobable", closed=c
            ),
            lambda x, t, u: x.rolling_quantile_by(
                t, f"{w[1]}{u}", quantile=0.25, interpolation="equiprobable", closed=c
            ),
            timed=True,
            order=True,
        ),
        Spec(
            f"RollingIQR-by-{c}",
            lambda u: pss.RollingIQR(f"{w[2]}{u}", closed=c, min_samples=2),
            lambda x, t, u: pss.rolling_iqr_by(x, t, f"{w[2]}{u}", closed=c, min_samples=2),
            lambda x, t, u: _qdiff(
                x.rolling_quantile_by(t, f"{w[2]}{u}", quantile=0.75, closed=c, min_samples=2),
                x.rolling_quantile_by(t, f"{w[2]}{u}", quantile=0.25, closed=c, min_samples=2),
            ),
            timed=True,
            order=True,
        ),
        Spec(
            f"RollingMean-by-{c}",
            lambda u: pss.RollingMean(f"{w[3]}{u}", closed=c),
            lambda x, t, u: pss.rolling_mean_by(x, t, f"{w[3]}{u}", closed=c),
            lambda x, t, u: x.rolling_mean_by(t, f"{w[3]}{u}", closed=c),
            REL,
            timed=True,
        ),
        Spec(
            f"RollingVar-by-{c}",
            lambda u: pss.RollingVar(f"{w[4]}{u}", closed=c, ddof=0),
            lambda x, t, u: pss.rolling_var_by(x, t, f"{w[4]}{u}", closed=c, ddof=0),
            lambda x, t, u: x.rolling_var_by(t, f"{w[4]}{u}", closed=c, ddof=0),
            REL,
            timed=True,
            power=2,
        ),
        Spec(
            f"RollingStd-by-{c}",
            lambda u: pss.RollingStd(f"{w[5]}{u}", closed=c, min_samples=2),
            lambda x, t, u: pss.rolling_std_by(x, t, f"{w[5]}{u}", closed=c, min_samples=2),
            lambda x, t, u: x.rolling_std_by(t, f"{w[5]}{u}", closed=c, min_samples=2),
            REL,
            timed=True,
        ),
        Spec(
            f"RollingSkew-by-{c}",
            lambda u: pss.RollingSkew(f"{w[6]}{u}", closed=c, bias=False),
            lambda x, t, u: pss.rolling_skew_by(x, t, f"{w[6]}{u}", closed=c, bias=False),
            timed=True,
            power=0,
        ),
        Spec(
            f"RollingKurtosis-by-{c}",
            lambda u: pss.RollingKurtosis(f"{w[0] + 3}{u}", closed=c, fisher=False, min_samples=3),
            lambda x, t, u: pss.rolling_kurtosis_by(
                x, t, f"{w[0] + 3}{u}", closed=c, fisher=False, min_samples=3
            ),
            timed=True,
            power=0,
        ),
        Spec(
            f"RollingMin-by-{c}",
            lambda u: pss.RollingMin(f"{w[1]}{u}", closed=c),
            lambda x, t, u: pss.rolling_min_by(x, t, f"{w[1]}{u}", closed=c),
            lambda x, t, u: x.rolling_min_by(t, f"{w[1]}{u}", closed=c),
            timed=True,
            order=True,
        ),
        Spec(
            f"RollingMax-by-{c}",
            lambda u: pss.RollingMax(f"{w[2]}{u}", closed=c, min_samples=2),
            lambda x, t, u: pss.rolling_max_by(x, t, f"{w[2]}{u}", closed=c, min_samples=2),
            lambda x, t, u: x.rolling_max_by(t, f"{w[2]}{u}", closed=c, min_samples=2),
            timed=True,
            order=True,
        ),
        Spec(
            f"RollingPeakToPeak-by-{c}",
            lambda u: pss.RollingPeakToPeak(f"{w[3]}{u}", closed=c),
            lambda x, t, u: pss.rolling_peak_to_peak_by(x, t, f"{w[3]}{u}", closed=c),
            lambda x, t, u: (
                x.rolling_max_by(t, f"{w[3]}{u}", closed=c)
                - x.rolling_min_by(t, f"{w[3]}{u}", closed=c)
            ),
            timed=True,
            order=True,
        ),
        Spec(
            f"RollingAbsMax-by-{c}",
            lambda u: pss.RollingAbsMax(f"{w[4]}{u}", closed=c),
            lambda x, t, u: pss.rolling_abs_max_by(x, t, f"{w[4]}{u}", closed=c),
            lambda x, t, u: x.abs().rolling_max_by(t, f"{w[4]}{u}", closed=c),
            timed=True,
            order=True,
        ),
    ]


ROW_SPECS = row_specs()
TIME_SPECS = [
    dataclasses.replace(s, ties=s.name.endswith(("-right", "-both"))) for s in time_specs()
]
ALL_SPECS = ROW_SPECS + TIME_SPECS
SPEC_BY_NAME = {s.name: s for s in ALL_SPECS}


def test_the_catalogue_covers_every_statistic_class() -> None:
    classes = {n for n in pss.__all__ if isinstance(getattr(pss, n), type) and n[0].isupper()} - {
        "Tracker",
        "ExprNamespace",
        "SeriesNamespace",
    }
    assert len(classes) == 26
    covered = {type(s.make("i")).__name__ for s in ALL_SPECS}
    assert covered == classes
    # Time-based forms of every class that has one, and every `closed` for the windows.
    timed = {type(s.make("i")).__name__ for s in TIME_SPECS}
    assert timed == {c for c in classes if c.startswith("Rolling")} | {
        "EWMean",
        "EWVar",
        "EWStd",
    }
    for cls in timed - {"EWMean", "EWVar", "EWStd"}:
        assert {
            s.name.rsplit("-", 1)[1] for s in TIME_SPECS if type(s.make("i")).__name__ == cls
        } == set(CLOSED), cls


# ---------------------------------------------------------------------------------------------
# Test streams
# ---------------------------------------------------------------------------------------------

KEY_POOLS: dict[str, list[tuple[Any, ...]]] = {
    "int": [(3,), (-1,), (None,), (7,), (10**12,), (0,)],
    "str": [("a",), ("β",), ("",), (None,), ("a ",), ("zz",)],
    "two": [(1, "x"), (1, "y"), (None, "x"), (2, None), (None, None), (2, "x")],
    "none": [()],
}
KEY_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "int": {"k": pl.Int64()},
    "str": {"k": pl.String()},
    "two": {"k1": pl.Int32(), "k2": pl.String()},
    "none": {},
}
BASE_US = 1_711_846_680 * 10**6  # 2024-03-31 00:58:00 UTC, before the DST change of 01:00 UTC
DATE0 = 19_723  # 2024-01-01
# Time column kinds: the dtype and the unit of the durations (the ticks count that unit).
TIME_KINDS: dict[str, str] = {
    "int": "i",
    "int32": "i",
    "us": "s",
    "ns": "s",
    "ns-amsterdam-dst": "s",
    "us-kathmandu": "s",
    "date": "d",
}


def by_of(key_kind: Key) -> list[str]:
    """The ``by`` columns of a key kind (or the columns themselves)."""
    return key_kind if isinstance(key_kind, list) else list(KEY_SCHEMAS[key_kind])


def times_column(ticks: list[int], kind: str) -> pl.Series:
    if kind == "int":
        return pl.Series("t", ticks, pl.Int64)
    if kind == "int32":
        return pl.Series("t", [t - 1_000 for t in ticks], pl.Int32)
    if kind == "date":
        return pl.Series("t", [DATE0 + t for t in ticks], pl.Int32).cast(pl.Date)
    us = pl.Series("t", [BASE_US + t * 10**6 for t in ticks], pl.Int64)
    if kind == "us":
        return us.cast(pl.Datetime("us"))
    if kind == "ns":
        return (us * 1_000 + 7).cast(pl.Datetime("ns"))
    if kind == "ns-amsterdam-dst":
        utc = (us * 1_000).cast(pl.Datetime("ns", "UTC"))
        return utc.dt.convert_time_zone("Europe/Amsterdam")
    if kind == "us-kathmandu":
        return us.cast(pl.Datetime("us", "UTC")).dt.convert_time_zone("Asia/Kathmandu")
    raise AssertionError(kind)


def stream(seed: int, n: int, key_kind: str, time_kind: str = "int") -> pl.DataFrame:
    """``n`` rows: keys (a null key; some keys appear only late), value columns, times.

    ``x``: Float64 with nulls, NaN, +-inf, repeats. ``y``: Float64 with nulls and repeats,
    finite. ``x32``: ``x`` as Float32. ``xi``: Int64 with nulls. ``t``: per key
    non-decreasing ticks (repeats, steps, gaps of 25 ticks), interleaved between keys.
    """
    rng = random.Random(seed)
    pool = KEY_POOLS[key_kind]
    keys: list[tuple[Any, ...]] = []
    xs: list[float | None] = []
    ys: list[float | None] = []
    xis: list[int | None] = []
    ticks: list[int] = []
    clock = {k: rng.randint(0, 40) for k in pool}
    for i in range(n):
        allowed = max(1, min(len(pool), 1 + (i * len(pool)) // max(1, int(n * 0.6))))
        key = pool[0] if rng.random() < 0.25 else rng.choice(pool[:allowed])
        keys.append(key)
        r = rng.random()
        step = 0 if r < 0.25 else 25 if r < 0.3 else rng.randint(1, 3)
        clock[key] += step
        ticks.append(clock[key])
        r = rng.random()
        y: float | None
        if r < 0.12:
            y = None
        elif r < 0.2 and ys:
            y = ys[-1]
        else:
            y = round(rng.uniform(-50.0, 50.0), 2)
        ys.append(y)
        r = rng.random()
        xs.append(
            math.nan
            if r < 0.03
            else math.inf
            if r < 0.05
            else -math.inf
            if r < 0.07
            else y
            if r < 0.8
            else (None if r < 0.85 else round(rng.uniform(-1e3, 1e3), 3))
        )
        xis.append(None if rng.random() < 0.1 else rng.randint(-1000, 1000))
    cols: dict[str, pl.Series] = {}
    for j, (name, dtype) in enumerate(KEY_SCHEMAS[key_kind].items()):
        cols[name] = pl.Series(name, [k[j] for k in keys], dtype)
    cols["x"] = pl.Series("x", xs, pl.Float64)
    cols["y"] = pl.Series("y", ys, pl.Float64)
    cols["x32"] = pl.Series("x32", xs, pl.Float32)
    cols["xi"] = pl.Series("xi", xis, pl.Int64)
    cols["t"] = times_column(ticks, time_kind)
    return pl.DataFrame(list(cols.values()))


def cut(df: pl.DataFrame, points: Sequence[int]) -> list[pl.DataFrame]:
    """``df`` cut at ``points`` (any order, repeats give empty batches)."""
    bounds = [0, *sorted(min(max(p, 0), df.height) for p in points), df.height]
    return [df.slice(a, b - a) for a, b in itertools.pairwise(bounds)]


def random_batches(df: pl.DataFrame, seed: int, k: int = 14) -> list[pl.DataFrame]:
    """``df`` in ``k + 1`` batches of random sizes: an empty first batch, other empty ones,
    some of one row, batches where keys are absent."""
    rng = random.Random(seed)
    points = [0, 1, 1, *(rng.randint(0, df.height) for _ in range(k - 3))]
    batches = cut(df, points)
    assert any(b.height == 0 for b in batches)
    assert batches[0].height == 0
    return batches


# ---------------------------------------------------------------------------------------------
# Trackers and references
# ---------------------------------------------------------------------------------------------


def stat_name(spec: Spec, col: str) -> str:
    return f"{spec.name}|{col}"


def build(
    specs: Sequence[Spec],
    key_kind: str,
    unit: str = "i",
    cols: Sequence[str] = VALUE_COLUMNS,
) -> pss.Tracker:
    timed = any(s.timed for s in specs)
    by = by_of(key_kind)
    return pss.Tracker(
        {stat_name(s, c): (c, s.make(unit)) for s in specs for c in cols},
        by=None if not by else by[0] if len(by) == 1 else by,
        time="t" if timed else None,
    )


def over(e: pl.Expr, by: list[str]) -> pl.Expr:
    return e.over(by) if by else e


def one_shot(
    df: pl.DataFrame,
    specs: Sequence[Spec],
    key_kind: Key,
    unit: str = "i",
    cols: Sequence[str] = VALUE_COLUMNS,
) -> pl.DataFrame:
    """``df`` with each pss expression ``.over(by)`` (value columns cast to Float64)."""
    by = by_of(key_kind)
    return df.with_columns(
        over(s.expr(pl.col(c).cast(pl.Float64), "t", unit), by).alias(stat_name(s, c))
        for s in specs
        for c in cols
    )


def bit_mismatch(actual: pl.Series, expected: pl.Series) -> str | None:
    """None when equal bit for bit (NaN == NaN, null == null), else the first difference."""
    if actual.dtype != pl.Float64 or expected.dtype != pl.Float64:
        return f"dtypes {actual.dtype} vs {expected.dtype}"
    if actual.len() != expected.len():
        return f"lengths {actual.len()} vs {expected.len()}"
    an, en = actual.is_null().to_numpy(), expected.is_null().to_numpy()
    a = actual.fill_null(0.0).to_numpy().astype(np.float64)
    e = expected.fill_null(0.0).to_numpy().astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(e)
    same = (an == en) & (an | both_nan | (a.view(np.uint64) == e.view(np.uint64)))
    if same.all():
        return None
    i = int(np.argmin(same))
    return f"row {i}: {actual[i]!r} vs {expected[i]!r}"


def close_mismatch(
    actual: pl.Series, expected: pl.Series, rel: float, floor: float = 0.0
) -> str | None:
    """None when within ``rel`` relative (or ``floor`` absolute); NaN/null/inf positions equal."""
    if actual.len() != expected.len():
        return f"lengths {actual.len()} vs {expected.len()}"
    for i, (a, e) in enumerate(zip(actual.to_list(), expected.to_list(), strict=True)):
        if a is None or e is None:
            ok = a is None and e is None
        elif math.isnan(a) or math.isnan(e):
            ok = math.isnan(a) and math.isnan(e)
        elif math.isinf(a) or math.isinf(e):
            ok = a == e
        else:
            ok = a == e or abs(a - e) <= max(rel * max(abs(a), abs(e)), floor)
        if not ok:
            return f"row {i}: {a!r} vs {e!r}"
    return None


def assert_all_same(
    actual: pl.DataFrame, expected: pl.DataFrame, names: Sequence[str], what: str
) -> None:
    """``bit_mismatch`` on every column of ``names``, checked at once (then column by column
    for the message)."""
    a, e = actual.select(names), expected.select(names)
    assert a.height == e.height, f"{what}: {a.height} rows vs {e.height}"
    assert all(dt == pl.Float64 for dt in a.dtypes), f"{what}: {a.schema}"
    assert all(dt == pl.Float64 for dt in e.dtypes), f"{what}: {e.schema}"
    nulls_a = a.select(pl.all().is_null()).to_numpy()
    nulls_e = e.select(pl.all().is_null()).to_numpy()
    va = np.ascontiguousarray(a.fill_null(0.0).to_numpy(), dtype=np.float64)
    ve = np.ascontiguousarray(e.fill_null(0.0).to_numpy(), dtype=np.float64)
    both_nan = np.isnan(va) & np.isnan(ve)
    same = (nulls_a == nulls_e) & (nulls_a | both_nan | (va.view(np.uint64) == ve.view(np.uint64)))
    if same.all():
        return
    bad = {n: bit_mismatch(a[n], e[n]) for j, n in enumerate(names) if not same[:, j].all()}
    assert not bad, f"{what}: {len(bad)} of {len(names)} statistics differ: {bad}"


def run_batches(tracker: pss.Tracker, batches: Sequence[pl.DataFrame]) -> pl.DataFrame:
    outs = []
    for b in batches:
        out = tracker.update(b)
        # The batch comes back whole, in order, with one Float64 column per statistic.
        assert out.columns[: b.width] == b.columns
        assert_frame_equal(out.select(b.columns), b)
        assert out.width == b.width + len(tracker._names)
        outs.append(out)
    return pl.concat(outs)


def names_of(specs: Sequence[Spec], cols: Sequence[str]) -> list[str]:
    return [stat_name(s, c) for s in specs for c in cols]


def ends_of(batches: Sequence[pl.DataFrame]) -> list[int]:
    return list(itertools.accumulate(b.height for b in batches))


def splits_a_tie(df: pl.DataFrame, end: int, by: list[str]) -> bool:
    """Whether a key has rows of one time on both sides of row ``end``."""
    if end <= 0 or end >= df.height:
        return False
    if not by:
        return bool(df["t"][end - 1] == df["t"][end])  # one key: its times are sorted
    last = df[:end].group_by(by).agg(pl.col("t").max())
    first = df[end:].group_by(by).agg(pl.col("t").min().alias("t2"))
    both = last.join(first, on=by, nulls_equal=True)
    return bool((both["t"] == both["t2"]).any())


def streaming_reference(
    df: pl.DataFrame,
    ends: Sequence[int],
    specs: Sequence[Spec],
    key_kind: Key,
    unit: str,
    cols: Sequence[str],
    full: pl.DataFrame,
    prefix: Callable[[int], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """What the Tracker outputs for ``df`` fed in batches ending at ``ends``: each batch's
    rows as the expressions give them on the rows seen so far (the docstring's "the
    concatenation of all batches so far").

    That is the one-shot output ``full`` on the whole stream, except for time windows that
    hold their row's own time (``closed='right'/'both'``): there, rows of equal times share
    one window, so where a batch ends inside a key's run of equal times, the rows of that
    batch cannot count the rows of their time still to come. Those batches' rows come from
    the one-shot over the prefix (``prefix(end)``, by default computed here).
    """
    ties = [s for s in specs if s.ties]
    if not ties:
        return full
    by = by_of(key_kind)
    names = names_of(ties, cols)
    parts, start = [], 0
    for end in ends:
        part = full.slice(start, end - start)
        if end > start and splits_a_tie(df, end, by):
            pre = (
                prefix(end)
                if prefix is not None
                else one_shot(df[:end], ties, key_kind, unit, cols)
            )
            part = part.with_columns(pre.slice(start, end - start).select(names).get_columns())
        parts.append(part)
        start = end
    return pl.concat(parts)


def tie_free_batches(df: pl.DataFrame, seed: int, key_kind: str, k: int = 12) -> list[pl.DataFrame]:
    """``df`` in random batches (an empty one included) that never cut a key's equal times."""
    rng = random.Random(seed)
    by = by_of(key_kind)
    ok = [e for e in range(df.height) if not splits_a_tie(df, e, by)]
    return cut(df, [0, 0, *rng.sample(ok, min(k, len(ok)))])


def expected_get(
    full: pl.DataFrame, specs: Sequence[Spec], key_kind: Key, unit: str, cols: Sequence[str]
) -> pl.DataFrame:
    """One row per key (first appearance order) from the one-shot output ``full``."""
    by = by_of(key_kind)
    aggs: list[pl.Expr] = []
    objects: list[tuple[str, Spec, str]] = []
    for s in specs:
        for c in cols:
            name = stat_name(s, c)
            if s.get == "last":
                aggs.append(pl.col(name).last())
            elif s.get == "last_valid":
                aggs.append(pl.col(name).filter(pl.col(c).is_not_null()).last())
            else:
                aggs.append(pl.lit(None, pl.Float64).alias(name))
                objects.append((name, s, c))
    got = full.group_by(by, maintain_order=True).agg(aggs) if by else full.select(aggs)
    if objects:
        groups = full.partition_by(by, maintain_order=True) if by else [full]
        assert len(groups) == got.height
        fixes = []
        for name, s, c in objects:
            values = []
            for g in groups:
                obj = s.make(unit)
                vals = g[c].cast(pl.Float64)
                obj.update_many(vals, g["t"]) if s.timed else obj.update_many(vals)
                values.append(obj.get())
            fixes.append(pl.Series(name, values, pl.Float64))
        got = got.with_columns(fixes)
    return got


def assert_get(
    tracker: pss.Tracker,
    full: pl.DataFrame,
    specs: Sequence[Spec],
    key_kind: Key,
    unit: str = "i",
    cols: Sequence[str] = VALUE_COLUMNS,
) -> None:
    got = tracker.get()
    exp = expected_get(full, specs, key_kind, unit, cols)
    by = by_of(key_kind)
    names = [stat_name(s, c) for s in specs for c in cols]
    assert got.columns == [*by, *names]
    assert got.height == (exp.height if by else 1)
    assert len(tracker) == got.height
    if by:
        assert_frame_equal(got.select(by), exp.select(by))
        assert_frame_equal(tracker.keys(), exp.select(by))
    assert_all_same(got, exp, names, "get()")


# ---------------------------------------------------------------------------------------------
# 1 and 2. Row outputs and get() against the expressions `.over(by)` and Polars' built-ins
# ---------------------------------------------------------------------------------------------

KEY_KINDS = ["int", "str", "two", "none"]


def check_against_polars(full: pl.DataFrame, specs: Sequence[Spec], by: list[str], u: str) -> None:
    """The Tracker's outputs on the finite column (``full``: fed in batches that cut no key's
    equal times) against Polars' own built-ins."""
    refs = full.select(
        over(s.polars(pl.col(TAME), "t", u), by).alias(s.name)
        for s in specs
        if s.polars is not None
    )
    bad = {}
    for s in specs:
        if s.polars is None:
            continue
        m = close_mismatch(full[stat_name(s, TAME)], refs[s.name], s.rel)
        if m is not None:
            bad[s.name] = m
    assert not bad, f"against Polars' built-ins: {bad}"
    assert refs.width >= 20


@pytest.mark.parametrize("key_kind", KEY_KINDS)
def test_row_statistics_match_the_expressions_over_by(key_kind: str) -> None:
    df = stream(1, 420, key_kind)
    tracker = build(ROW_SPECS, key_kind)
    got = run_batches(tracker, random_batches(df, 2))
    exp = one_shot(df, ROW_SPECS, key_kind)
    names = [stat_name(s, c) for s in ROW_SPECS for c in VALUE_COLUMNS]
    assert_all_same(got, exp, names, "row outputs vs the expressions .over(by)")
    assert_get(tracker, exp, ROW_SPECS, key_kind)
    check_against_polars(got, ROW_SPECS, by_of(key_kind), "i")


TIME_CASES = [
    ("int", "int"),
    ("int32", "str"),
    ("us", "two"),
    ("ns", "int"),
    ("ns-amsterdam-dst", "str"),
    ("us-kathmandu", "none"),
    ("date", "two"),
    ("date", "none"),
]


@pytest.mark.parametrize(("time_kind", "key_kind"), TIME_CASES)
def test_time_statistics_match_the_expressions_over_by(time_kind: str, key_kind: str) -> None:
    df = stream(3, 360, key_kind, time_kind)
    u = TIME_KINDS[time_kind]
    cols = VALUE_COLUMNS
    names = names_of(TIME_SPECS, cols)
    full = one_shot(df, TIME_SPECS, key_kind, u, cols)
    # Batches that never cut a key's run of equal times: the one-shot outputs, every row.
    tracker = build(TIME_SPECS, key_kind, u, cols)
    got = run_batches(tracker, tie_free_batches(df, 4, key_kind))
    assert_all_same(got, full, names, f"time outputs ({time_kind}) vs the _by expressions")
    assert_get(tracker, full, TIME_SPECS, key_kind, u, cols)
    check_against_polars(got, TIME_SPECS, by_of(key_kind), u)
    # Random batches: each batch's rows are the expressions' on the rows seen so far.
    batches = random_batches(df, 5)
    tracker = build(TIME_SPECS, key_kind, u, cols)
    got = run_batches(tracker, batches)
    ref = streaming_reference(df, ends_of(batches), TIME_SPECS, key_kind, u, cols, full)
    assert_all_same(got, ref, names, f"time outputs ({time_kind}), random batches")
    assert_get(tracker, full, TIME_SPECS, key_kind, u, cols)
    assert not ref.equals(full)  # the random batches do cut runs of equal times
    if time_kind == "ns-amsterdam-dst":  # the stream does cross the DST change
        assert df["t"].dt.dst_offset().n_unique() == 2


def test_the_streams_are_demanding() -> None:
    """The test data has what the brief asks for (so the tests above can fail on it)."""
    df = stream(1, 420, "int")
    assert df["x"].is_nan().sum() > 3
    assert df["x"].is_infinite().sum() > 6
    assert df["x"].null_count() > 20
    assert df["y"].null_count() > 20
    assert df["k"].null_count() > 10
    first = df.with_row_index().group_by("k", maintain_order=True).agg(pl.col("index").min())
    assert first["index"].to_list()[-1] > 200  # a key that shows up late
    per_key = df.group_by("k").agg(
        (pl.col("t").diff() == 0).sum().alias("repeats"),
        (pl.col("t").diff() >= 25).sum().alias("gaps"),
        pl.col("t").is_sorted().alias("sorted"),
    )
    assert per_key["sorted"].all()
    assert per_key["repeats"].sum() > 50
    assert per_key["gaps"].sum() > 5
    assert not df["t"].is_sorted()  # interleaved between keys
    batches = random_batches(df, 2)
    assert any(b.height > 0 and b["k"].n_unique() < 3 for b in batches)


@pytest.mark.parametrize(
    ("dtype", "values"),
    [
        (pl.Categorical(), ["a", "b", "a", None, "c", "b"]),
        (pl.Enum(["c", "b", "a"]), ["a", "b", "a", None, "c", "b"]),
        (pl.Boolean(), [True, False, True, None, None, False]),
        (pl.Date(), [date(2024, 1, 2), date(2024, 1, 1), date(2024, 1, 2), None, None, None]),
        (pl.Float32(), [1.5, math.nan, 1.5, None, -0.0, 0.0]),
        (pl.UInt8(), [1, 2, 1, None, 255, 2]),
    ],
    ids=["categorical", "enum", "bool", "date", "float32-nan-zeros", "uint8"],
)
def test_other_key_dtypes_group_as_over_does(dtype: pl.DataType, values: list[Any]) -> None:
    df = pl.DataFrame({"k": pl.Series(values, dtype=dtype), "x": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]})
    specs = [SPEC_BY_NAME["Mean"], SPEC_BY_NAME["RollingMax-2-min1"]]
    t = build(specs, "int", cols=["x"])  # "int": the by column is 'k'
    got = pl.concat([t.update(df[:2]), t.update(df[2:3]), t.update(df[3:])])
    exp = df.with_columns(
        pss.cum_mean("x").over("k").alias(stat_name(specs[0], "x")),
        pss.rolling_max("x", 2, min_samples=1).over("k").alias(stat_name(specs[1], "x")),
    )
    assert_all_same(got, exp, names_of(specs, ["x"]), f"keys of {dtype}")
    restored = pickle.loads(pickle.dumps(t))
    assert restored.keys().schema == pl.Schema({"k": dtype})
    assert_get(restored, exp, specs, "int", "i", ["x"])


# Hypothesis: random split points of one stream, every statistic at once (row and time based).
HYP_DF = stream(11, 150, "two", "int")
HYP_COLS = ["x", "xi"]


@functools.cache
def hyp_reference() -> pl.DataFrame:
    return one_shot(HYP_DF, ALL_SPECS, "two", "i", HYP_COLS)


@functools.cache
def hyp_prefix(end: int) -> pl.DataFrame:
    return one_shot(HYP_DF[:end], [s for s in ALL_SPECS if s.ties], "two", "i", HYP_COLS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, HYP_DF.height), max_size=10))
def test_any_batch_split_gives_the_one_shot_outputs(points: list[int]) -> None:
    tracker = build(ALL_SPECS, "two", "i", HYP_COLS)
    batches = cut(HYP_DF, points)
    got = run_batches(tracker, batches)
    ref = streaming_reference(
        HYP_DF, ends_of(batches), ALL_SPECS, "two", "i", HYP_COLS, hyp_reference(), hyp_prefix
    )
    assert_all_same(got, ref, names_of(ALL_SPECS, HYP_COLS), f"split at {sorted(points)}")
    assert_get(tracker, hyp_reference(), ALL_SPECS, "two", "i", HYP_COLS)


def test_a_batch_that_ends_inside_equal_times() -> None:
    """A row's time window counts the rows of its time seen so far: in a later batch, rows of
    the same time no longer change it (the one-shot expression gives both rows the window of
    both). Windows that exclude the row's own time ('left', 'none') and EW by time do not
    depend on later rows: there the batches give the one-shot outputs exactly."""
    df = pl.DataFrame({"k": ["a", "a", "a"], "x": [1.0, 3.0, 8.0], "t": [0, 0, 1]})
    stats = {c: pss.RollingMean("2i", closed=c) for c in CLOSED} | {
        "ew": pss.EWMean(half_life="1i")
    }
    one = df.with_columns(
        *(pss.rolling_mean_by("x", "t", "2i", closed=c).over("k").alias(c) for c in CLOSED),
        pss.ewm_mean_by("x", "t", half_life="1i").over("k").alias("ew"),
    )
    t = pss.Tracker(stats, on="x", by="k", time="t")
    got = pl.concat([t.update(df[:1]), t.update(df[1:])])
    assert one["right"].to_list() == [2.0, 2.0, 4.0]
    assert got["right"].to_list() == [1.0, 2.0, 4.0]  # row 0 could not see row 1
    assert one["both"].to_list() == [2.0, 2.0, 4.0]
    assert got["both"].to_list() == [1.0, 2.0, 4.0]
    for c in ("left", "none", "ew"):
        assert_frame_equal(got.select(c), one.select(c))


@pytest.mark.parametrize(
    "stat",
    [pss.EWVar(span=4.0), pss.EWStd(span=4.0), pss.EWVar(alpha=0.3), pss.EWMean(alpha=0.3)],
    ids=["EWVar-span4", "EWStd-span4", "EWVar-alpha0.3", "EWMean-alpha0.3"],
)
def test_ew_get_after_a_trailing_null_is_the_last_output(stat: Any) -> None:
    """``update(None)`` leaves ``get()`` unchanged (the EW classes' docstrings): after a
    trailing null row the Tracker's get() is the output of the key's last value, bit for bit
    (found: EWVar/EWStd with adjust=True, bias=False re-derive the unbiasing factor from the
    decayed weights and move by an ulp)."""
    t = pss.Tracker({"s": stat}, on="x", by="k")
    out = t.update(pl.DataFrame({"k": [1] * 4, "x": [1.0, 2.5, 7.0, None]}))
    assert out["s"][3] is None
    assert bit_mismatch(t.get()["s"], out["s"][2:3]) is None, (t.get()["s"][0], out["s"][2])


def test_empty_batches_and_one_row_batches_change_nothing_extra() -> None:
    df = stream(5, 60, "int")
    specs = [SPEC_BY_NAME[n] for n in ("EWMean-alpha", "RollingMean-3", "Quantile-linear")]
    tracker = build(specs, "int")
    got = run_batches(tracker, [df.clear(), *(df.slice(i, 1) for i in range(df.height))])
    exp = one_shot(df, specs, "int")
    assert_all_same(got, exp, [stat_name(s, c) for s in specs for c in VALUE_COLUMNS], "1-row")
    empty_out = tracker.update(df.clear())
    assert empty_out.height == 0
    assert empty_out.schema[stat_name(specs[0], "x")] == pl.Float64
    assert_get(tracker, exp, specs, "int")


def test_by_none_get_is_one_row_and_the_template_is_copied() -> None:
    tmpl = pss.RollingQuantile(0.5, window_size=3, min_samples=1)
    tracker = pss.Tracker({"q": tmpl, "m": ("y", pss.Mean())}, on="x")
    df = pl.DataFrame({"x": [1.0, 5.0, 3.0, None], "y": [1, 2, 3, 4]})
    out = tracker.update(df)
    # 'nearest' rounds half away: the median of [1, 5] is 5, of [5, 3, null] 5.
    assert out["q"].to_list() == [1.0, 5.0, 3.0, 5.0]
    tmpl.update_many([100.0, 100.0])  # the template given is not the tracker's state
    assert tracker.get().rows() == [(5.0, 2.5)]
    assert tracker.keys().width == 0
    assert len(tracker) == 1


# ---------------------------------------------------------------------------------------------
# 3. Atomic bad batches
# ---------------------------------------------------------------------------------------------

ATOMIC_SPECS = [
    SPEC_BY_NAME[n]
    for n in (
        "EWMean-alpha",
        "RollingMean-3",
        "Quantile-linear",
        "Var",
        "RollingEWMean-5-min2",
        "EWMean-by",
        "RollingQuantile-by-left",
        "RollingMean-by-none",
        "RollingEWMean-by-both",
    )
]


def snapshot(t: pss.Tracker) -> tuple[pl.DataFrame, int, pl.DataFrame, bytes]:
    return t.get(), len(t), t.keys(), pickle.dumps(t)


def assert_unchanged(t: pss.Tracker, before: tuple[pl.DataFrame, int, pl.DataFrame, bytes]) -> None:
    get, n, keys, state = before
    assert_frame_equal(t.get(), get)
    assert len(t) == n
    assert_frame_equal(t.keys(), keys)
    assert pickle.dumps(t) == state


def bad_batches(good: pl.DataFrame) -> list[tuple[str, pl.DataFrame | Any, type[Exception], str]]:
    """Bad versions of ``good`` (keys 'a', 'b', and a new key 'new'), with the error each must
    raise and a regex its message must match."""
    late = good.with_columns(pl.col("t") + 1_000)
    return [
        ("missing value column", late.drop("x"), ColumnNotFoundError, "'x'"),
        ("missing key column", late.drop("k"), ColumnNotFoundError, "'k'"),
        ("missing time column", late.drop("t"), ColumnNotFoundError, "'t'"),
        (
            "string value column",
            late.with_columns(pl.col("x").cast(pl.String)),
            TypeError,
            "'x'",
        ),
        (
            "list value column",
            late.with_columns(pl.concat_list("x")),
            TypeError,
            "'x'",
        ),
        ("key dtype change", late.with_columns(pl.col("k").cast(pl.Categorical)), TypeError, "k"),
        (
            "time backwards within the batch (a new key too)",
            late.with_columns(
                pl.when(pl.int_range(pl.len()) == pl.len() - 1)
                .then(0)
                .otherwise(pl.col("t"))
                .alias("t")
            ),
            ValueError,
            r"key \('b',\).*backwards|backwards.*key \('b',\)",
        ),
        (
            "time before the key's last time",
            good.with_columns(pl.col("t") - 1_000),  # before every key's last time
            ValueError,
            r"key \('a',\)",
        ),
        (
            "null time",
            late.with_columns(pl.when(pl.col("k") == "new").then(None).otherwise("t").alias("t")),
            ValueError,
            "null",
        ),
        (
            "float times for 'i' durations",
            late.with_columns(pl.col("t").cast(pl.Float64)),
            TypeError,
            "'t'|`t`",
        ),
        (
            "datetime times for 'i' durations",
            late.with_columns(pl.col("t").cast(pl.Datetime("us"))),
            (TypeError, ValueError),  # type: ignore[list-item]
            "t",
        ),
        (
            "output name clash",
            late.with_columns(pl.lit(1.0).alias(stat_name(ATOMIC_SPECS[0], "x"))),
            ValueError,
            "EWMean-alpha",
        ),
        ("not a DataFrame", late.lazy(), TypeError, "DataFrame"),
    ]


def atomic_stream() -> list[pl.DataFrame]:
    """Three good batches of keys 'a', 'b' (and 'new' from the second), times per key."""
    rng = random.Random(7)
    batches = []
    for j in range(3):
        keys = ["a", "b", "a", "b", "a"] + (["new", "a", "new", "b"] if j else [])
        t = {"a": 100 * j, "b": 100 * j + 5, "new": 100 * j + 2}
        rows = []
        for k in keys:
            t[k] += rng.randint(0, 2)
            x = None if rng.random() < 0.15 else round(rng.uniform(-9, 9), 1)
            rows.append((k, x, t[k]))
        batches.append(
            pl.DataFrame(
                rows, schema={"k": pl.String, "x": pl.Float64, "t": pl.Int64}, orient="row"
            )
        )
    return batches


@pytest.mark.parametrize("case", range(len(bad_batches(atomic_stream()[1]))))
def test_a_bad_batch_changes_nothing_and_the_next_good_one_continues(case: int) -> None:
    b0, b1, b2 = atomic_stream()
    what, bad, err, match = bad_batches(b1)[case]
    tracker = pss.Tracker(
        {stat_name(s, "x"): s.make("i") for s in ATOMIC_SPECS}, on="x", by="k", time="t"
    )
    out0 = tracker.update(b0)
    before = snapshot(tracker)
    with pytest.raises(err, match=match):
        tracker.update(bad)
    assert_unchanged(tracker, before)
    out1, out2 = tracker.update(b1), tracker.update(b2)
    whole = pl.concat([b0, b1, b2])
    exp = one_shot(whole, ATOMIC_SPECS, "int", "i", ["x"])  # "int": the by column is 'k'
    names = [stat_name(s, "x") for s in ATOMIC_SPECS]
    assert_all_same(pl.concat([out0, out1, out2]), exp, names, f"after a bad batch ({what})")
    assert_get(tracker, exp, ATOMIC_SPECS, "int", "i", ["x"])
    assert tracker.keys()["k"].to_list() == ["a", "b", "new"]


def test_bad_batches_cover_what_the_brief_asks() -> None:
    errors = {what: err for what, _, err, _ in bad_batches(atomic_stream()[1])}
    assert errors["missing value column"] is ColumnNotFoundError
    assert errors["key dtype change"] is TypeError
    assert errors["null time"] is ValueError
    # The backwards batch has rows of a key that is fine and of a new key before the bad row.
    b = bad_batches(atomic_stream()[1])[6][1]
    assert b["k"].to_list()[-1] == "b"
    assert "new" in b["k"].to_list()


def test_key_dtype_change_int_widths_and_the_first_batch_fixes_the_key_dtype() -> None:
    t = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
    t.update(pl.DataFrame({"k": pl.Series([1, 2], dtype=pl.Int32), "x": [1.0, 2.0]}))
    before = snapshot(t)
    with pytest.raises(TypeError, match=r"'k'.*Int64.*Int32"):
        t.update(pl.DataFrame({"k": [1], "x": [5.0]}))
    assert_unchanged(t, before)
    # Two by columns: a change in the second is named.
    t2 = pss.Tracker({"m": pss.Mean()}, on="x", by=["a", "b"])
    t2.update(pl.DataFrame({"a": [1], "b": ["u"], "x": [1.0]}))
    with pytest.raises(TypeError, match="'b'"):
        t2.update(pl.DataFrame({"a": [1], "b": [1], "x": [1.0]}))


# ---------------------------------------------------------------------------------------------
# 4. Merge
# ---------------------------------------------------------------------------------------------

MERGE_SPECS = [s for s in ALL_SPECS if s.mergeable]
MERGE_COLS = ["x", "y"]


def floor_of(spec: Spec, df: pl.DataFrame) -> float:
    finite = df.select(pl.col(MERGE_COLS).abs().filter(pl.col(MERGE_COLS).is_finite()).max())
    scale = max((v for v in finite.row(0) if v is not None), default=1.0)
    return REL * max(scale, 1.0) ** spec.power


def assert_agree(
    actual: pl.DataFrame, expected: pl.DataFrame, specs: Sequence[Spec], df: pl.DataFrame, what: str
) -> None:
    bad = {}
    for s in specs:
        for c in MERGE_COLS:
            n = stat_name(s, c)
            m = (
                bit_mismatch(actual[n], expected[n])
                if s.order
                else close_mismatch(actual[n], expected[n], REL, floor_of(s, df))
            )
            if m is not None:
                bad[n] = m
    assert not bad, f"{what}: {bad}"


def merge_build(key_kind: str = "int") -> pss.Tracker:
    return build(MERGE_SPECS, key_kind, "i", MERGE_COLS)


def feed(t: pss.Tracker, df: pl.DataFrame, seed: int) -> pss.Tracker:
    run_batches(t, random_batches(df, seed, 5) if df.height else [df])
    return t


def merge_stream() -> pl.DataFrame:
    """Keys: 3 and None in every part, -1 only in part 1, 7 only in part 2 (late), 0 only in
    the last part."""
    df = stream(21, 240, "int")
    part = pl.int_range(pl.len()) * 3 // pl.len()
    return df.with_columns(
        k=pl.when(pl.col("k").is_in([-1, 7, 0, 10**12]))
        .then(pl.when(part == 0).then(-1).when(part == 1).then(7).otherwise(0))
        .otherwise(pl.col("k"))
    ).with_columns(pl.col("t").cum_max().over("k"))  # keys were merged: times per key again


def test_merge_of_parts_is_one_tracker_over_the_whole() -> None:
    df = merge_stream()
    more = stream(22, 60, "int").with_columns(pl.col("t") + 10_000)
    a_df, b_df = df[:80], df[80:]
    whole = feed(merge_build(), df, 1)
    a, b = feed(merge_build(), a_df, 2), feed(merge_build(), b_df, 3)
    b_state = pickle.dumps(b)
    merged = a.merge(b)
    assert merged is a
    assert pickle.dumps(b) == b_state  # the other side is untouched
    # Keys: a's in a's order, then b's new ones in b's order.
    a_keys = a_df["k"].unique(maintain_order=True).to_list()
    b_new = [k for k in b_df["k"].unique(maintain_order=True).to_list() if k not in a_keys]
    assert merged.keys()["k"].to_list() == a_keys + b_new
    assert -1 in a_keys
    assert -1 not in b_df["k"]
    assert 7 in b_new
    assert 0 in b_new
    # Per key, the merged estimates are those of one tracker over the whole stream.
    assert sorted(merged.keys()["k"].to_list(), key=str) == sorted(
        whole.keys()["k"].to_list(), key=str
    )
    assert_agree(
        merged.get(),
        aligned_get(whole, merged.keys()),
        MERGE_SPECS,
        df,
        "get() of a.merge(b) vs the whole",
    )
    # The continuation: the same outputs on a next batch.
    assert_agree(
        merged.update(more), whole.update(more), MERGE_SPECS, df, "continuation after merge"
    )


def aligned_get(t: pss.Tracker, order: pl.DataFrame) -> pl.DataFrame:
    """``t.get()`` in the key order of ``order``."""
    return order.join(
        t.get(), on=order.columns, how="left", nulls_equal=True, maintain_order="left"
    )


def test_plus_and_iadd_and_associativity_over_three_parts() -> None:
    df = merge_stream()
    parts = [df[:70], df[70:160], df[160:]]
    more = stream(23, 50, "int").with_columns(pl.col("t") + 10_000)
    whole = feed(merge_build(), df, 4)
    trackers = [feed(merge_build(), p, 5 + i) for i, p in enumerate(parts)]
    a, b, c = trackers
    states = [pickle.dumps(t) for t in trackers]
    left = (a + b) + c
    right = a + (b + c)
    assert [pickle.dumps(t) for t in trackers] == states  # `+` leaves its operands alone
    order = whole.keys()
    for what, m in (("(a + b) + c", left), ("a + (b + c)", right)):
        assert sorted(m.keys()["k"].to_list(), key=str) == sorted(order["k"].to_list(), key=str)
        assert_agree(aligned_get(m, order), whole.get(), MERGE_SPECS, df, what)
    assert_frame_equal(left.keys(), right.keys())
    assert_frame_equal(left.keys(), order)  # first appearance: a's keys, then b's, then c's
    # `+=` mutates the left operand (and returns it).
    acc = copy.deepcopy(a)
    acc_id = id(acc)
    acc += b
    acc += c
    assert id(acc) == acc_id
    assert_agree(aligned_get(acc, order), whole.get(), MERGE_SPECS, df, "a += b; a += c")
    outs = [t.update(more) for t in (left, right, acc)]
    expected = whole.update(more)
    for what, out in zip(("left", "right", "+="), outs, strict=True):
        assert_agree(out, expected, MERGE_SPECS, df, f"continuation of {what}")


def test_merge_with_an_empty_tracker_is_the_identity() -> None:
    """A part of the stream with no rows: the merge changes nothing, on either side."""
    df = merge_stream()[:80]
    a = feed(merge_build(), df, 8)
    before = a.get()
    for empty in (merge_build(), feed(merge_build(), df.clear(), 9)):
        right = a + empty
        assert_frame_equal(right.get(), before)
        left = empty + a
        assert_frame_equal(left.get(), before)
    none = pss.Tracker({"m": pss.Mean()}, on="x")
    none.update(pl.DataFrame({"x": [1.0, 3.0]}))
    assert (none + pss.Tracker({"m": pss.Mean()}, on="x")).get().rows() == [(2.0,)]
    assert (pss.Tracker({"m": pss.Mean()}, on="x") + none).get().rows() == [(2.0,)]


def test_merge_by_none_and_two_by_columns() -> None:
    for key_kind in ("none", "two"):
        df = stream(31, 160, key_kind)
        specs = [s for s in ROW_SPECS if s.mergeable]
        whole = build(specs, key_kind, "i", MERGE_COLS)
        run_batches(whole, random_batches(df, 1, 4))
        a, b = build(specs, key_kind, "i", MERGE_COLS), build(specs, key_kind, "i", MERGE_COLS)
        run_batches(a, random_batches(df[:77], 2, 4))
        run_batches(b, random_batches(df[77:], 3, 4))
        a += b
        by = by_of(key_kind)
        got = aligned_get(a, whole.keys()) if by else a.get()
        assert got.height == whole.get().height
        assert_agree(got, whole.get(), specs, df, f"merge, by={by}")


def test_merge_errors() -> None:
    df = merge_stream()
    a = feed(merge_build(), df[:120], 1)
    before = pickle.dumps(a)
    other_stats = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
    other_cols = build(MERGE_SPECS[:3], "int", "i", ["y", "x"])
    mine3 = build(MERGE_SPECS[:3], "int", "i", MERGE_COLS)
    feed(mine3, df[:120], 1)
    for other, target in ((other_stats, a), (other_cols, mine3)):
        with pytest.raises(ValueError, match="different statistics or columns"):
            target.merge(other)
    other_by = pss.Tracker({"m": pss.Mean()}, on="x", by=["k", "x"])
    with pytest.raises(ValueError, match="different"):
        pss.Tracker({"m": pss.Mean()}, on="x", by="k").merge(other_by)
    other_opts = pss.Tracker({"m": pss.Var(ddof=0)}, on="x", by="k")
    with pytest.raises(ValueError, match="different"):
        pss.Tracker({"m": pss.Var()}, on="x", by="k").merge(other_opts)
    with pytest.raises(TypeError, match="Tracker"):
        a.merge(pss.Mean())  # type: ignore[arg-type]
    # A time-order violation: key 3's times in b start before its last time in a.
    b = feed(merge_build(), df[100:], 2)
    b_before = pickle.dumps(b)
    with pytest.raises(ValueError, match=r"time|before|order"):
        a.merge(b)
    assert pickle.dumps(a) == before
    assert pickle.dumps(b) == b_before
    with pytest.raises(ValueError, match=r"time|before|order"):
        a += b
    assert pickle.dumps(a) == before
    # Key dtypes differ.
    s1 = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
    s2 = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
    s1.update(pl.DataFrame({"k": [1], "x": [1.0]}))
    s2.update(pl.DataFrame({"k": ["1"], "x": [1.0]}))
    s1_before = pickle.dumps(s1)
    with pytest.raises(TypeError, match="dtype"):
        s1.merge(s2)
    assert pickle.dumps(s1) == s1_before


def test_merge_with_itself_is_the_stream_twice() -> None:
    """As for the statistic objects: ``a.merge(a)`` is ``a + a`` (a's rows, then a's rows
    again), not a RuntimeError of the Rust borrow checker."""
    a = pss.Tracker(
        {"m": pss.Mean(), "q": pss.Quantile(0.5), "r": pss.RollingMax(3)}, on="x", by="k"
    )
    a.update(pl.DataFrame({"k": [1, 2, 1, 1], "x": [1.0, 3.0, 5.0, 2.0]}))
    twice = a + a
    assert twice.get().rows() == [(1, 8 / 3, 2.0, 5.0), (2, 3.0, 3.0, None)]
    assert a.merge(a) is a
    assert_frame_equal(a.get(), twice.get())


@pytest.mark.parametrize("stat", [pss.Quantile(0.5, method="p2"), pss.IQR(method="p2")])
def test_merge_of_p2_trackers_is_a_type_error_and_changes_nothing(stat: Any) -> None:
    a = pss.Tracker({"q": stat, "m": pss.Mean()}, on="x", by="k")
    b = copy.deepcopy(a)
    a.update(pl.DataFrame({"k": [1, 2, 1], "x": [1.0, 2.0, 3.0]}))
    b.update(pl.DataFrame({"k": [1, 3], "x": [4.0, 5.0]}))
    before = pickle.dumps(a)
    with pytest.raises(TypeError, match=r"(?i)p2|p²"):
        a.merge(b)
    with pytest.raises(TypeError, match=r"(?i)p2|p²"):
        _ = a + b
    assert pickle.dumps(a) == before
    assert a.keys()["k"].to_list() == [1, 2]


# ---------------------------------------------------------------------------------------------
# 5. Pickle, copy, repr, len, keys, reset
# ---------------------------------------------------------------------------------------------

STATE_SPECS = [
    SPEC_BY_NAME[n]
    for n in (
        "EWMean-com-noadjust-ignore-min3",
        "EWVar-span",
        "RollingEWMean-5-min2",
        "Quantile-linear",
        "Quantile-p2",
        "IQR",
        "RollingQuantile-higher-4-min2",
        "Kurtosis",
        "PeakToPeak",
        "RollingSkew-6-unbiased",
        "EWStd-by-bias",
        "RollingEWMean-by-left",
        "RollingIQR-by-none",
        "RollingMean-by-both",
        "RollingMax-by-right",
    )
]


def test_pickle_mid_stream_continues_as_if_uninterrupted() -> None:
    df = stream(41, 300, "two", "us")
    batches = random_batches(df, 5, 10)
    t = build(STATE_SPECS, "two", "s")
    first = run_batches(t, batches[:6])
    restored = pickle.loads(pickle.dumps(t))
    assert repr(restored) == repr(t)
    assert_frame_equal(restored.get(), t.get())
    assert_frame_equal(restored.keys(), t.keys())
    rest = run_batches(restored, batches[6:])
    full = one_shot(df, STATE_SPECS, "two", "s")
    exp = streaming_reference(df, ends_of(batches), STATE_SPECS, "two", "s", VALUE_COLUMNS, full)
    names = names_of(STATE_SPECS, VALUE_COLUMNS)
    assert_all_same(pl.concat([first, rest]), exp, names, "after unpickling")
    assert_get(restored, full, STATE_SPECS, "two", "s")
    # The original is independent of its restored copy.
    assert_all_same(run_batches(t, batches[6:]), rest, names, "the original, continued")


def test_pickle_restart_in_a_subprocess(tmp_path: Path) -> None:
    df = stream(43, 260, "str", "ns-amsterdam-dst")
    specs = STATE_SPECS
    t = build(specs, "str", "s")
    batches = random_batches(df[:130], 6, 5)
    first = run_batches(t, batches)
    (tmp_path / "tracker.pkl").write_bytes(pickle.dumps(t))
    df[130:].write_parquet(tmp_path / "rest.parquet")
    script = textwrap.dedent(
        """
        import pickle, sys
        from pathlib import Path
        import polars as pl

        d = Path(sys.argv[1])
        tracker = pickle.loads((d / "tracker.pkl").read_bytes())
        rest = pl.read_parquet(d / "rest.parquet")
        outs = [tracker.update(rest[i : i + 17]) for i in range(0, rest.height, 17)]
        pl.concat(outs).write_parquet(d / "out.parquet")
        tracker.get().write_parquet(d / "get.parquet")
        """
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=60)
    rest = pl.read_parquet(tmp_path / "out.parquet")
    full = one_shot(df, specs, "str", "s")
    ends = [*ends_of(batches), *range(130 + 17, df.height, 17), df.height]
    exp = streaming_reference(df, ends, specs, "str", "s", VALUE_COLUMNS, full)
    names = names_of(specs, VALUE_COLUMNS)
    assert_all_same(pl.concat([first, rest]), exp, names, "restart in a subprocess")
    uninterrupted = build(specs, "str", "s")
    run_batches(uninterrupted, [df])
    got = pl.read_parquet(tmp_path / "get.parquet")
    assert_all_same(got, uninterrupted.get(), names, "get() after the restart")
    assert_frame_equal(got.select("k"), uninterrupted.keys())


def test_copy_and_deepcopy_are_independent() -> None:
    df = stream(45, 200, "int")
    b1, b2, b3 = df[:80], df[80:140], df[140:]
    specs = [s for s in STATE_SPECS if not s.timed]
    t = build(specs, "int")
    t.update(b1)
    names = [stat_name(s, c) for s in specs for c in VALUE_COLUMNS]
    for clone in (copy.copy(t), copy.deepcopy(t)):
        before = snapshot(t)
        out_clone = clone.update(b2)
        assert_unchanged(t, before)  # updating the copy leaves the original alone
        clone_state = snapshot(clone)
        out_orig = t.update(b2)
        assert_all_same(out_orig, out_clone, names, "copy vs original on the same batch")
        assert_unchanged(clone, clone_state)  # and the other way round
        clone.update(b3)
        t.reset()
        t.update(b1)  # back to the state the copies were taken from
    exp = one_shot(pl.concat([b1, b2, b3]), specs, "int")
    final = build(specs, "int")
    run_batches(final, [b1, b2, b3])
    assert_get(final, exp, specs, "int")


def test_repr_len_and_keys() -> None:
    t = pss.Tracker(
        {"ema": pss.EWMean(alpha=0.25), "p": ("v", pss.RollingQuantile(0.9, window_size="5m"))},
        on="x",
        by=["a", "b"],
        time="ts",
    )
    r = repr(t)
    assert r.startswith("Tracker(")
    assert "'ema': EWMean(" in r
    assert "alpha=0.25" in r
    assert "'p': ('v', RollingQuantile(" in r
    assert "5m" in r
    assert "on='x'" in r
    assert "by=['a', 'b']" in r
    assert "time='ts'" in r
    assert "keys=0" in r
    assert len(t) == 0
    assert t.keys().columns == ["a", "b"]
    assert t.keys().height == 0
    from datetime import datetime

    batch = pl.DataFrame(
        {
            "a": [1, 1, None, 1],
            "b": ["u", "w", "u", "u"],
            "x": [1.0, 2.0, 3.0, 4.0],
            "v": [5, 6, 7, 8],
            "ts": [datetime(2024, 1, 1, 9, m) for m in (0, 1, 2, 3)],
        }
    )
    t.update(batch)
    assert len(t) == 3
    assert t.keys().rows() == [(1, "u"), (1, "w"), (None, "u")]
    assert t.keys().schema == pl.Schema({"a": pl.Int64, "b": pl.String})
    assert "keys=3" in repr(t)
    keys = t.keys()
    keys.insert_column(0, pl.Series("z", [0, 0, 0]))  # a copy: mutating it changes nothing
    assert t.keys().columns == ["a", "b"]
    r1 = repr(pss.Tracker({"m": pss.Mean()}, on="x", by="k"))
    assert "by='k'" in r1
    assert "time" not in r1
    assert "Mean(" in r1
    assert "by" not in repr(pss.Tracker({"m": pss.Mean()}, on="x"))


def test_reset_one_key_restarts_it_fresh() -> None:
    df = stream(51, 300, "str", "int")
    specs = STATE_SPECS
    batches = random_batches(df, 8, 8)
    t = build(specs, "str", "i")
    outs = [t.update(b) for b in batches[:4]]
    cut_row = sum(b.height for b in batches[:4])
    n_before = len(t)
    assert "a" in t.keys()["k"].to_list()
    t.reset("a")
    assert len(t) == n_before - 1
    assert "a" not in t.keys()["k"].to_list()
    # A reset key may come back with an earlier time: its time history is gone too.
    rest = pl.concat(batches[4:])
    back = rest.with_columns(
        pl.when(pl.col("k") == "a").then(pl.col("t") - 10_000).otherwise("t").alias("t")
    )
    outs += [t.update(back[:40]), t.update(back[40:])]
    whole = pl.concat([df[:cut_row], back])
    epoch = (pl.col("k") == "a") & (pl.int_range(pl.len()) >= cut_row)
    with_epoch = whole.with_columns(epoch.alias("epoch"))
    # The reference: the expressions over (key, before/after the reset), on the rows so far.
    by = ["k", "epoch"]
    full = one_shot(with_epoch, specs, by, "i")
    ends = [*ends_of(batches[:4]), cut_row + 40, whole.height]
    exp = streaming_reference(with_epoch, ends, specs, by, "i", VALUE_COLUMNS, full)
    names = names_of(specs, VALUE_COLUMNS)
    assert_all_same(pl.concat(outs), exp, names, "after reset('a')")
    # 'a' left the keys and came back in the order of its new first appearance.
    order = with_epoch.filter(~(pl.col("k").eq_missing("a") & ~pl.col("epoch")))["k"]
    assert t.keys()["k"].to_list() == order.unique(maintain_order=True).to_list()


def test_reset_all_unknown_keys_and_tuples() -> None:
    t = pss.Tracker({"m": pss.Mean(), "r": pss.RollingMean(2)}, on="x", by=["a", "b"])
    t.update(pl.DataFrame({"a": [1, 1, 2, None], "b": ["u", "w", "u", "u"], "x": [1.0, 2, 3, 4]}))
    before = snapshot(t)
    for unknown in ((1, "z"), (3, "u"), 1, (1, "u", 0), "u"):
        with pytest.raises(KeyError):
            t.reset(unknown)
        assert_unchanged(t, before)
    t.reset((None, "u"))  # a null in a key is a value like any other
    assert t.keys().rows() == [(1, "u"), (1, "w"), (2, "u")]
    t.reset((1, "w"))
    assert t.keys().rows() == [(1, "u"), (2, "u")]
    assert t.get().rows() == [(1, "u", 1.0, None), (2, "u", 3.0, None)]
    t.reset()
    assert len(t) == 0
    assert t.keys().height == 0
    assert t.get().height == 0
    out = t.update(pl.DataFrame({"a": [2, 2], "b": ["u", "u"], "x": [10.0, 20.0]}))
    assert out["m"].to_list() == [10.0, 15.0]
    assert out["r"].to_list() == [None, 15.0]
    # Single by column; a tracker that saw nothing; by=None.
    s = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
    with pytest.raises(KeyError):
        s.reset("a")
    s.update(pl.DataFrame({"k": ["a", None], "x": [1.0, 2.0]}))
    s.reset(("a",))
    assert s.keys()["k"].to_list() == [None]
    n = pss.Tracker({"m": pss.Mean()}, on="x")
    n.update(pl.DataFrame({"x": [1.0, 2.0]}))
    with pytest.raises(KeyError):
        n.reset("a")
    n.reset()
    assert n.update(pl.DataFrame({"x": [5.0]}))["m"].to_list() == [5.0]


# ---------------------------------------------------------------------------------------------
# 6. Construction errors
# ---------------------------------------------------------------------------------------------


def test_construction_errors() -> None:
    seen = pss.Mean().update(1.0)
    with pytest.raises(ValueError, match="already seen data"):
        pss.Tracker({"m": seen}, on="x")
    with pytest.raises(ValueError, match="already seen data"):
        pss.Tracker({"m": ("x", pss.RollingMean("5i").update(1.0, 0))}, time="t")
    with pytest.raises(ValueError, match="already seen data"):
        pss.Tracker({"m": pss.RollingMean(3).update(None)}, on="x")
    for bad in (3, "mean", pl.col("x"), pss.cum_mean, None):
        with pytest.raises(TypeError, match="statistic"):
            pss.Tracker({"m": bad}, on="x")  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="statistic"):
        pss.Tracker({"m": ("x", "mean")}, on="x")  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        pss.Tracker({"m": ("x", pss.Mean(), 1)}, on="x")  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="on="):
        pss.Tracker({"m": pss.Mean()})
    with pytest.raises(ValueError, match="time"):
        pss.Tracker({"m": pss.RollingMean("5m")}, on="x")
    with pytest.raises(ValueError, match="time"):
        pss.Tracker({"m": pss.EWMean(half_life="5i")}, on="x", by="k")
    with pytest.raises(ValueError, match="time"):
        pss.Tracker({"m": pss.RollingMean(5)}, on="x", time="t")
    for by in (3, [], ["a", 1], ("a", None), {"a": 1}):
        with pytest.raises(TypeError, match="by"):
            pss.Tracker({"m": pss.Mean()}, on="x", by=by)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stats"):
        pss.Tracker([pss.Mean()], on="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        pss.Tracker({}, on="x")
    with pytest.raises(ValueError, match="clash"):
        pss.Tracker({"k": pss.Mean()}, on="x", by="k")
    with pytest.raises(ValueError, match="clash"):
        pss.Tracker({"t": pss.RollingMean("2i")}, on="x", time="t")
    with pytest.raises(TypeError, match="on"):
        pss.Tracker({"m": pss.Mean()}, on=1)  # type: ignore[arg-type]
    # The (column, statistic) form needs no `on`, and a column used twice is fine.
    t = pss.Tracker({"a": ("x", pss.Mean()), "b": ("x", pss.Max())})
    assert t.update(pl.DataFrame({"x": [1, 3]})).rows() == [(1, 1.0, 1.0), (3, 2.0, 3.0)]
