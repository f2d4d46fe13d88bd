"""The demo's picture: per-sensor rolling quantile bands and an EW mean over the raw readings.

Used by :func:`polars_streamstats.demo.main` (``make demo``). It needs matplotlib (the
``plot`` extra); :func:`picture` says the picture was skipped, and why, when it is missing.
The drawing goes through matplotlib's Agg canvas directly (no pyplot, no display).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

import polars_streamstats as pss

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["HEIGHT_PX", "WIDTH_PX", "bands", "draw", "picture", "plot_sensors"]

WIDTH_PX, HEIGHT_PX = 1600, 900
DPI = 100

SPAN = timedelta(days=2)  # the stretch of time drawn, from the first reading
WINDOW = "1h"  # the rolling quantiles' time window
MIN_SAMPLES = 180  # non-null readings a window needs (an hour holds 360 at one per 10 s)
HALF_LIFE = "15m"  # the EW mean's half-life
QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


def bands(
    df: pl.DataFrame,
    sensors: Sequence[str],
    *,
    span: timedelta = SPAN,
    window: str = WINDOW,
    min_samples: int = MIN_SAMPLES,
    half_life: str = HALF_LIFE,
) -> pl.DataFrame:
    """What the picture shows: ``sensors``' rows in the first ``span`` of ``df``.

    ``df`` has columns ``t`` (Datetime, sorted per sensor), ``sensor`` and ``reading``
    (°C). The result keeps those columns and adds ``p10``, ``p50`` and ``p90`` (exact
    quantiles, linear interpolation, over the trailing ``window`` of time, at least
    ``min_samples`` non-null readings) and ``ew_mean`` (``half_life`` decay in time), each
    per sensor with ``.over("sensor")``. Trailing windows and EW means depend only on the
    past, so computing them on the selected rows equals computing them on the whole table
    and selecting afterwards (the tests check this).
    """
    if isinstance(sensors, str) or not sensors:
        raise ValueError(f"sensors: expected a non-empty sequence of names, got {sensors!r}")
    present = set(df["sensor"].cast(pl.String).unique().to_list())
    missing = [name for name in sensors if name not in present]
    if missing:
        raise ValueError(f"sensors: {missing} not in the data (it has {sorted(present)})")
    x, t = pl.col("reading"), pl.col("t")
    quantiles = {
        name: pss.rolling_quantile_by(
            x, "t", window, quantile=q, interpolation="linear", min_samples=min_samples
        )
        for name, q in QUANTILES.items()
    }
    return (
        df.filter(
            pl.col("sensor").cast(pl.String).is_in(list(sensors)),
            t < t.min() + span,
        )
        .select("t", "sensor", "reading")
        .with_columns(
            **{name: e.over("sensor") for name, e in quantiles.items()},
            ew_mean=pss.ewm_mean_by(x, "t", half_life=half_life).over("sensor"),
        )
    )


def draw(
    frame: pl.DataFrame,
    sensors: Sequence[str],
    *,
    window: str = WINDOW,
    half_life: str = HALF_LIFE,
) -> Figure:
    """A ``WIDTH_PX`` x ``HEIGHT_PX`` figure of ``frame`` (from :func:`bands`), a row per sensor.

    Raw readings as faint points, the p10-p90 band shaded with the median as a line, and the
    EW mean as a line; shared time axis, each panel its own temperature scale.
    """
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    # Fixed margins (constrained layout would double the time to save)
    fig.subplots_adjust(left=0.05, right=0.985, top=0.87, bottom=0.075, hspace=0.28)
    FigureCanvasAgg(fig)  # draws on Agg: no display needed
    axes = fig.subplots(len(sensors), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, sensors, strict=True):
        one = frame.filter(pl.col("sensor").cast(pl.String) == name)
        raw = one.drop_nulls("reading")
        ax.plot(
            raw["t"].to_numpy(),
            raw["reading"].to_numpy(),
            linestyle="none",
            marker=".",
            markersize=2.0,
            alpha=0.25,
            color="0.45",
            label="raw readings (every 10 s)",
        )
        # Rows with a null reading get no point; the band and the lines join their neighbours.
        band = one.drop_nulls(["p10", "p50", "p90"])
        bt = band["t"].to_numpy()
        ax.fill_between(
            bt,
            band["p10"].to_numpy(),
            band["p90"].to_numpy(),
            color="tab:blue",
            alpha=0.25,
            linewidth=0,
            label=f"rolling p10-p90, last {window}",
        )
        ax.plot(bt, band["p50"].to_numpy(), color="tab:blue", linewidth=1.6, label="rolling p50")
        ew = one.drop_nulls("ew_mean")
        ax.plot(
            ew["t"].to_numpy(),
            ew["ew_mean"].to_numpy(),
            color="tab:orange",
            linewidth=1.4,
            label=f"EW mean, half-life {half_life}",
        )
        ax.set_title(name, loc="left", fontsize=13, fontweight="bold")
        ax.set_ylabel("temperature (°C)", fontsize=11)
        ax.tick_params(labelsize=10)
        ax.grid(alpha=0.3)
        # matplotlib.dates is not annotated
        locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes[-1].set_xlabel("time", fontsize=11)
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.945),
        ncols=4,
        fontsize=11,
        markerscale=4,
        frameon=False,
    )
    fig.suptitle(
        f"polars-streamstats demo: per sensor, exact rolling quantiles over the last {window} "
        f"(pss.rolling_quantile_by) and an EW mean (pss.ewm_mean_by, half-life {half_life})",
        fontsize=14,
        y=0.985,
    )
    return fig


def plot_sensors(
    df: pl.DataFrame,
    path: str | os.PathLike[str],
    sensors: Sequence[str],
    *,
    span: timedelta = SPAN,
    window: str = WINDOW,
    min_samples: int = MIN_SAMPLES,
    half_life: str = HALF_LIFE,
) -> pl.DataFrame:
    """Compute :func:`bands`, draw them (:func:`draw`) and save a PNG at ``path``.

    Returns the frame that was drawn.
    """
    frame = bands(
        df, sensors, span=span, window=window, min_samples=min_samples, half_life=half_life
    )
    fig = draw(frame, sensors, window=window, half_life=half_life)
    fig.savefig(path, format="png", dpi=DPI)
    return frame


def picture(df: pl.DataFrame, path: str | os.PathLike[str], sensors: Sequence[str]) -> Path | None:
    """The demo's last part: save the picture at ``path`` and say where, or why it is skipped."""
    start = time.perf_counter()
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        print(
            f"skipped: the picture needs matplotlib ({err}); `make demo` installs it, or "
            "pip install 'polars-streamstats[plot]'"
        )
        return None
    out = Path(path).resolve()
    frame = plot_sensors(df, out, sensors)
    days = SPAN / timedelta(days=1)
    print(
        f"{', '.join(sensors)} over the first {days:g} days ({frame.height:,} readings): rolling "
        f"p10/p50/p90\nover the last {WINDOW} (at least {MIN_SAMPLES} readings) and an EW mean "
        f"with half-life {HALF_LIFE}, per sensor;\ncomputed and drawn in "
        f"{time.perf_counter() - start:.1f} s with matplotlib {version('matplotlib')}"
    )
    print(f"picture saved to {out}")
    return out
