"""What several families share: settings, data, and the Python loops they time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

RIVER_VERSION = version("river")

ALPHA = 0.1
N_GROUPS = 1000
WINDOW = 1000
NULL_EVERY = 100  # 1% nulls
LOOP_CALLS = 1_000_000
MEDIUM_RUNS = 11  # cases where Polars itself takes > 1 s per run
MAX_RATIO_VS_FASTEST_PEER = 0.5


def normal_data(n_rows: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """``n_rows`` N(0, 1) values and a group of ``N_GROUPS`` values per row (default_rng(0))."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n_rows)
    g = rng.integers(0, N_GROUPS, n_rows)
    return x, g


def increasing_times(rng: np.random.Generator, n_rows: int, mean_gap_us: float) -> pl.Series:
    """Strictly increasing Datetime("us") times "ts" with exponential gaps of ``mean_gap_us``,
    floored to the microsecond plus 1 us (no two rows share a time)."""
    gaps = rng.exponential(mean_gap_us, n_rows).astype(np.int64) + 1
    return pl.Series("ts", np.cumsum(gaps)).cast(pl.Datetime("us"))


def window_us(window: str) -> int:
    """A Polars duration string in microseconds (Polars' own parsing)."""
    zero = pl.lit(0).cast(pl.Datetime("us"))
    return int(pl.select(zero.dt.offset_by(window).cast(pl.Int64)).item())


class Stat(Protocol):
    """What the object loops use: pss's objects and river's ``stats``."""

    def update(self, x: float, /) -> object: ...

    def get(self) -> float | None: ...


def call_loop(update: Callable[[float], object], xs: Sequence[float]) -> None:
    """``update(x)`` for every value (the timed loop of the object rows)."""
    u = update
    for v in xs:
        u(v)


def bare_loop(stat: Any, xs: Sequence[float]) -> list[float | None]:
    """One statistic: ``update(x)`` then ``get()`` per value, the values collected."""
    update, get = stat.update, stat.get
    out: list[float | None] = [None] * len(xs)
    for i, x in enumerate(xs):
        update(x)
        out[i] = get()
    return out


def running(obj: Stat, xs: Sequence[float]) -> npt.NDArray[np.float64]:
    """``obj.get()`` after every ``obj.update(x)`` (untimed: the reference for a check); None
    as NaN."""
    return np.array([np.nan if v is None else v for v in bare_loop(obj, xs)], dtype=np.float64)
