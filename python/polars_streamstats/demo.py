"""A tour of polars-streamstats on a built-in synthetic data set.

Run it with ``python -m polars_streamstats.demo`` (or ``make demo``). It

1. makes a deterministic table of temperature readings from a few sensors, interleaved in
   time, with about 1% of the readings missing;
2. computes exponentially weighted statistics per sensor with expressions and ``.over``;
3. streams the same readings, in batches, through the incremental objects, saves their state
   with :mod:`pickle` half way and restores it, and checks that the objects end with exactly
   the numbers of the expressions;
4. checks the expressions against Polars' own ``ewm_mean`` / ``ewm_var``;
5. computes rolling quantiles, moments and extremes per sensor, checks them against Polars'
   ``rolling_*``, and merges per-half ``Var``/``Kurtosis`` objects into whole-stream ones;
   5b. computes statistics over the last 5 minutes (``rolling_*_by``, ``ewm_std_by``) on
   readings with gaps, checks them against Polars' ``rolling_*_by``, and feeds a time-based
   ``RollingQuantile`` object the same readings in batches;
   5c. runs the readings, written as one parquet file per day, through a keyed
   ``pss.Tracker`` (a state per sensor, carried across files), stops half way, pickles the
   tracker, restores it and finishes: the outputs equal the ``.over("sensor")`` expressions
   on the whole table;
6. times pss against its peers in the run, after asserting that both give the same numbers:
   rolling quantiles with nulls or ``center=True`` against Polars (which falls back to a slow
   path there; two cases where it does not are shown for contrast), cumulative moments
   against pandas' ``expanding()``, an expanding median against Polars and pandas, and a
   rolling median object against River's ``RollingQuantile``;
7. saves a picture (``pss-demo.png`` in the current directory, or ``--plot PATH``, or the
   ``PSS_DEMO_PLOT`` environment variable): three sensors over two days, the raw readings, the
   rolling p10-p90 band and median and the EW mean, and prints where it is.

Parts 1-5 need nothing beyond Polars and the standard library; part 6 also needs pandas and
River, part 7 matplotlib (``make demo`` installs them), and each is skipped, saying so,
without them. Importing this module does nothing; everything happens in :func:`main`.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

import polars_streamstats as pss
from polars_streamstats import _plot

__all__ = ["SENSORS", "Sensor", "main", "make_readings"]

SEED = 20_240_601
N_STEPS = 200_000  # readings per sensor
START = datetime(2024, 1, 1)
STEP = timedelta(seconds=10)
NULL_RATE = 0.01

ALPHA = 0.05
WINDOW = 500
N_BATCHES = 10

# Part 6: each case runs as many interleaved rounds as fit in ROUND_BUDGET_S seconds (judged
# from its untimed check run), within [MIN_ROUNDS, MAX_ROUNDS].
ROUND_BUDGET_S = 2.5
MIN_ROUNDS = 3
MAX_ROUNDS = 9

# Part 7: where the picture goes (relative to the current directory) and whom it shows.
PLOT_PATH = "pss-demo.png"
PLOT_SENSORS = ("roof", "office", "cold-store")


class Sensor(NamedTuple):
    """How one synthetic sensor behaves (temperatures in degrees Celsius)."""

    name: str
    level: float  # long-run mean
    daily_amplitude: float  # amplitude of the day/night cycle
    noise: float  # standard deviation of the measurement noise


SENSORS: tuple[Sensor, ...] = (
    Sensor("boiler-room", 31.0, 1.5, 0.8),
    Sensor("cold-store", -18.0, 0.4, 0.3),
    Sensor("office", 21.0, 2.0, 0.2),
    Sensor("roof", 12.0, 7.0, 1.2),
    Sensor("server-hall", 24.5, 0.8, 0.5),
)


def _sensor_readings(sensor: Sensor, n_steps: int, rng: random.Random) -> list[float | None]:
    """One sensor's readings: level + daily cycle + slow drift + noise, some missing."""
    steps_per_day = timedelta(days=1) / STEP
    phase = rng.uniform(0.0, 2.0 * math.pi)
    drift = 0.0
    out: list[float | None] = []
    for i in range(n_steps):
        drift = 0.999 * drift + rng.gauss(0.0, 0.02)  # a slow, bounded random walk
        value = (
            sensor.level
            + sensor.daily_amplitude * math.sin(2.0 * math.pi * i / steps_per_day + phase)
            + drift
            + rng.gauss(0.0, sensor.noise)
        )
        out.append(None if rng.random() < NULL_RATE else round(value, 3))
    return out


def make_readings(n_steps: int = N_STEPS, seed: int = SEED) -> pl.DataFrame:
    """The demo data: one row per (time step, sensor), sorted by time.

    Columns ``t`` (Datetime, every 10 seconds from 2024-01-01), ``sensor`` (Enum) and
    ``reading`` (Float64, about 1% null). The same ``seed`` always gives the same table.

    >>> make_readings(n_steps=3).shape
    (15, 3)
    """
    names = [s.name for s in SENSORS]
    per_sensor = [
        _sensor_readings(sensor, n_steps, random.Random(seed + k))
        for k, sensor in enumerate(SENSORS)
    ]
    # Interleave: all sensors at step 0, then all at step 1, ...
    readings = [value for row in zip(*per_sensor, strict=True) for value in row]
    step = pl.int_range(pl.len()) // len(names)
    return pl.DataFrame(
        {
            "sensor": pl.Series(names * n_steps, dtype=pl.Enum(names)),
            "reading": pl.Series(readings, dtype=pl.Float64),
        }
    ).select(
        t=pl.lit(START) + pl.duration(seconds=step * int(STEP.total_seconds())),
        sensor=pl.col("sensor"),
        reading=pl.col("reading"),
    )


def _max_abs(s: pl.Series) -> float:
    """The largest absolute value in ``s`` (0.0 if it has none), ignoring nulls."""
    value = s.abs().max()
    return float(value) if isinstance(value, int | float) else 0.0


def _heading(text: str) -> None:
    print(f"\n{text}\n{'=' * len(text)}")


def describe(df: pl.DataFrame) -> None:
    """(a) What the data look like."""
    _heading("1. The data")
    t_min, t_max = df.select(pl.col("t").min()).item(), df.select(pl.col("t").max()).item()
    print(
        f"{df.height:,} temperature readings from {len(SENSORS)} sensors, one every "
        f"{STEP.total_seconds():.0f} s per sensor from {t_min} to {t_max},\n"
        f"interleaved in time; {df['reading'].null_count():,} readings are missing (null)."
    )
    print(df.head(7))
    summary = (
        df.group_by("sensor", maintain_order=True)
        .agg(
            rows=pl.len(),
            nulls=pl.col("reading").null_count(),
            mean=pl.col("reading").mean(),
            std=pl.col("reading").std(),
            min=pl.col("reading").min(),
            max=pl.col("reading").max(),
        )
        .sort("sensor")
    )
    print(summary)


def expression_stats(df: pl.DataFrame) -> pl.DataFrame:
    """(b) Exponentially weighted statistics per sensor, as expressions with ``.over``."""
    _heading("2. Expressions, per sensor with .over('sensor')")
    code = (
        "df.with_columns(\n"
        f'    ew_mean=pss.ewm_mean("reading", alpha={ALPHA}).over("sensor"),\n'
        f'    ew_std=pss.ewm_std("reading", alpha={ALPHA}).over("sensor"),\n'
        f'    rolling_ew_mean=pss.rolling_ewm_mean("reading", window_size={WINDOW}, '
        f'alpha={ALPHA}).over("sensor"),\n'
        ")"
    )
    print(code)
    start = time.perf_counter()
    out = df.with_columns(
        ew_mean=pss.ewm_mean("reading", alpha=ALPHA).over("sensor"),
        ew_std=pss.ewm_std("reading", alpha=ALPHA).over("sensor"),
        rolling_ew_mean=pss.rolling_ewm_mean("reading", window_size=WINDOW, alpha=ALPHA).over(
            "sensor"
        ),
    )
    elapsed = 1000.0 * (time.perf_counter() - start)
    print(
        f"took {elapsed:.1f} ms for {df.height:,} rows. With alpha={ALPHA} a reading "
        f"{WINDOW} rows back has weight {(1 - ALPHA) ** WINDOW:.0e},\nso the rolling mean is "
        "close to the plain one here. The last row of each sensor:"
    )
    print(out.group_by("sensor", maintain_order=True).last().sort("sensor"))
    return out


def stream_objects(df: pl.DataFrame, expected: pl.DataFrame) -> None:
    """(c) The same statistics, fed batch by batch to incremental objects."""
    _heading("3. Incremental objects, fed in batches")
    names = [s.name for s in SENSORS]
    objects: dict[str, tuple[pss.EWMean, pss.EWStd, pss.RollingEWMean]] = {
        name: (
            pss.EWMean(alpha=ALPHA),
            pss.EWStd(alpha=ALPHA),
            pss.RollingEWMean(window_size=WINDOW, alpha=ALPHA),
        )
        for name in names
    }
    means: dict[str, list[pl.Series]] = {name: [] for name in names}
    rollings: dict[str, list[pl.Series]] = {name: [] for name in names}
    batch_rows = -(-df.height // N_BATCHES)
    print(
        f"{N_BATCHES} batches of {batch_rows:,} rows (as they would arrive from a stream); per "
        "sensor an EWMean and a RollingEWMean\n(.running(batch): the statistic after each "
        "reading) and an EWStd (.update_many(batch): the state only)."
    )
    for b, batch in enumerate(df.iter_slices(batch_rows)):
        if b == N_BATCHES // 2:
            # A checkpoint, e.g. before a restart. An EW object is a few numbers; a rolling
            # one also keeps its window of readings.
            blob = pickle.dumps(objects)
            del objects
            objects = pickle.loads(blob)
            print(
                f"after batch {b}: pickled all {3 * len(names)} objects "
                f"({len(blob):,} bytes) and carried on with the restored copies, e.g.\n  "
                f"{objects[names[0]][1]!r}"
            )
        for name in names:
            values = batch.filter(pl.col("sensor") == name)["reading"]
            ew_mean, ew_std, rolling = objects[name]
            means[name].append(ew_mean.running(values))
            ew_std.update_many(values)
            rollings[name].append(rolling.running(values))

    finals = []
    # comparison -> (values compared, max |object - expression|)
    checks: dict[str, tuple[int, float]] = {}

    def record(label: str, count: int, diff: float) -> None:
        seen, worst = checks.get(label, (0, 0.0))
        checks[label] = (seen + count, max(worst, diff))

    for name in names:
        exp = expected.filter(pl.col("sensor") == name)
        ew_mean, ew_std, _ = objects[name]
        for label, parts, column in (
            ("EWMean.running(batch), every row", means[name], "ew_mean"),
            ("RollingEWMean.running(batch), every row", rollings[name], "rolling_ew_mean"),
        ):
            ours, theirs = pl.concat(parts), exp[column]
            assert ours.is_null().equals(theirs.is_null()), f"{name}: nulls differ in {label}"
            record(label, ours.len(), _max_abs(ours - theirs))
        # .get() is the state after the last reading; a null reading leaves the EW mean and
        # std unchanged, so it equals the expression's last non-null output.
        last = exp.select(pl.col("ew_mean", "ew_std").drop_nulls().last())
        final_mean, final_std = ew_mean.get(), ew_std.get()
        assert final_mean is not None
        assert final_std is not None
        record("EWMean.get() after the last batch", 1, abs(final_mean - last["ew_mean"].item()))
        record("EWStd.get() after the last batch", 1, abs(final_std - last["ew_std"].item()))
        finals.append({"sensor": name, "EWMean.get()": final_mean, "EWStd.get()": final_std})
    with pl.Config(float_precision=6, tbl_hide_column_data_types=True):
        print("The objects' final values per sensor:")
        print(pl.DataFrame(finals))
    print("Objects against the expressions of part 2 (same sensor, same rows):")
    table = pl.DataFrame(
        {
            "object output": list(checks),
            "values compared": [count for count, _ in checks.values()],
            "max |object - expression|": [repr(diff) for _, diff in checks.values()],
        }
    )
    with pl.Config(tbl_hide_column_data_types=True, fmt_str_lengths=60, tbl_width_chars=120):
        print(table)
    worst = max(diff for _, diff in checks.values())
    assert worst == 0.0, "the objects and the expressions should agree exactly"
    print("All equal: the objects and the expressions give exactly the same numbers.")


def compare_ewm_with_polars(df: pl.DataFrame) -> None:
    """(d) Agreement with Polars' built-in ewm_mean / ewm_var (not timed)."""
    _heading("4. Against Polars' own ewm_mean / ewm_var")
    print(
        f"whole column with .over('sensor'), alpha={ALPHA}, adjust=True, ignore_nulls=False "
        f"(Polars {pl.__version__}).\nrelative diff = |pss - Polars| / max(|pss|, |Polars|), "
        "per row."
    )
    x = pl.col("reading")
    cases = (
        (
            "ewm_mean",
            pss.ewm_mean(x, alpha=ALPHA, adjust=True, ignore_nulls=False),
            x.ewm_mean(alpha=ALPHA, adjust=True, ignore_nulls=False),
        ),
        (
            "ewm_var",
            pss.ewm_var(x, alpha=ALPHA, adjust=True, ignore_nulls=False),
            x.ewm_var(alpha=ALPHA, adjust=True, ignore_nulls=False),
        ),
    )
    rows = []
    for label, ours_expr, polars_expr in cases:
        ours = df.select(ours_expr.over("sensor")).to_series()
        theirs = df.select(polars_expr.over("sensor")).to_series()
        assert ours.is_null().equals(theirs.is_null()), f"{label}: nulls differ"
        max_abs = _max_abs(ours - theirs)
        max_rel = _max_abs(
            pl.select(
                (ours - theirs).abs() / pl.max_horizontal(ours.abs(), theirs.abs(), 1e-300)
            ).to_series()
        )
        assert max_rel <= 1e-9, f"{label}: differs from Polars by {max_rel:.3g} (relative)"
        rows.append(
            {
                "statistic": label,
                "rows": ours.len(),
                "null rows (both)": ours.null_count(),
                "max |pss - Polars|": f"{max_abs:.2e}",
                "max relative diff (above)": f"{max_rel:.2e}",
            }
        )
    with pl.Config(tbl_hide_column_data_types=True, tbl_width_chars=120):
        print(pl.DataFrame(rows))
    print(
        "Equal to rounding (<= 1e-9 relative, asserted). Not timed here (README.md, Performance, "
        "has the\newm benchmark); part 6 times other statistics."
    )


def quantiles_and_moments(df: pl.DataFrame) -> None:
    """(e) Rolling quantiles, moments and extremes; mergeable cumulative objects."""
    _heading("5. Rolling quantiles, moments and extremes; merging objects")
    x = pl.col("reading")
    # Nearly every 500-row window holds a missing reading: ask for 450 values, not all 500.
    w, m = WINDOW, WINDOW * 9 // 10
    ours = {
        "p90": pss.rolling_quantile(x, 0.9, interpolation="linear", window_size=w, min_samples=m),
        "std": pss.rolling_std(x, window_size=w, min_samples=m),
        "kurtosis": pss.rolling_kurtosis(x, window_size=w, min_samples=m),
        "peak_to_peak": pss.rolling_peak_to_peak(x, window_size=w, min_samples=m),
    }
    theirs = {
        "p90": x.rolling_quantile(0.9, interpolation="linear", window_size=w, min_samples=m),
        "std": x.rolling_std(w, min_samples=m),
        "kurtosis": x.rolling_kurtosis(w, min_samples=m),
        "peak_to_peak": x.rolling_max(w, min_samples=m) - x.rolling_min(w, min_samples=m),
    }
    reference_names = {
        "p90": 'rolling_quantile(0.9, interpolation="linear")',
        "std": "rolling_std",
        "kurtosis": "rolling_kurtosis",
        "peak_to_peak": "rolling_max - rolling_min",
    }
    print(
        f"window_size={w}, min_samples={m} (non-null readings) per sensor with .over('sensor'); "
        "Polars as the\nreference. The last row of each sensor:"
    )
    out = df.select(**{k: e.over("sensor") for k, e in ours.items()})
    ref = df.select(**{k: e.over("sensor") for k, e in theirs.items()})
    print(out.with_columns(df["sensor"]).group_by("sensor", maintain_order=True).last())
    rows = []
    for name in ours:
        a, b = out[name], ref[name]
        assert a.is_null().equals(b.is_null()), f"{name}: nulls differ"
        # Relative to the values' size, or absolute below 1 (a kurtosis can be ~0).
        rel = _max_abs(
            pl.select((a - b).abs() / pl.max_horizontal(a.abs(), b.abs(), pl.lit(1.0))).to_series()
        )
        assert rel <= 1e-9, f"{name}: differs from Polars by {rel:.3g}"
        rows.append(
            {
                "statistic": name,
                "Polars reference": reference_names[name],
                "non-null rows (both)": a.len() - a.null_count(),
                "max |pss - Polars|": f"{_max_abs(a - b):.2e}",
            }
        )
    with pl.Config(tbl_hide_column_data_types=True, tbl_width_chars=120, fmt_str_lengths=50):
        print(pl.DataFrame(rows))
    print("(asserted: every row within 1e-9 relative, or absolute below 1; null rows identical)")

    print("\nCumulative statistics merge: per sensor, one Var and one Kurtosis per half of the")
    print("readings, added together (+), equal one object fed every reading.")
    rows = []
    for sensor in SENSORS:
        values = df.filter(pl.col("sensor") == sensor.name)["reading"]
        half = values.len() // 2
        var = pss.Var().update_many(values[:half]) + pss.Var().update_many(values[half:])
        kurt = pss.Kurtosis().update_many(values[:half]) + pss.Kurtosis().update_many(values[half:])
        whole_var, whole_kurt = pss.Var().update_many(values), pss.Kurtosis().update_many(values)
        diffs = []
        for merged_value, whole_value in (
            (var.get(), whole_var.get()),
            (kurt.get(), whole_kurt.get()),
        ):
            assert merged_value is not None
            assert whole_value is not None
            diffs.append(abs(merged_value - whole_value) / abs(whole_value))
        diff = max(diffs)
        assert diff <= 1e-12, f"{sensor.name}: merged halves differ by {diff:.2e}"
        rows.append(
            {
                "sensor": sensor.name,
                "var (merged)": var.get(),
                "kurtosis (merged)": kurt.get(),
                "max |merged - whole| / |whole|": f"{diff:.1e}",
            }
        )
    with pl.Config(float_precision=6, tbl_hide_column_data_types=True, tbl_width_chars=120):
        print(pl.DataFrame(rows))


def time_windows(df: pl.DataFrame) -> None:
    """(f) Windows of time rather than rows, on readings with gaps."""
    _heading("5b. Time windows: the last 5 minutes, whatever the number of rows")
    # Sensors drop out: keep about 80% of the rows, so 5 minutes hold a varying row count.
    kept = df.filter(pl.int_range(pl.len()).hash(SEED) % 5 != 0)
    x, window = pl.col("reading"), "5m"
    ours = {
        "mean": pss.rolling_mean_by(x, "t", window),
        "p90": pss.rolling_quantile_by(x, "t", window, quantile=0.9, interpolation="linear"),
        "std": pss.rolling_std_by(x, "t", window),
        "skew": pss.rolling_skew_by(x, "t", window),  # Polars has no rolling_skew_by
        "ewm_std": pss.ewm_std_by(x, "t", half_life="2m"),  # nor ewm_std_by
    }
    theirs = {
        "mean": x.rolling_mean_by("t", window),
        "p90": x.rolling_quantile_by("t", window, quantile=0.9, interpolation="linear"),
        "std": x.rolling_std_by("t", window),
    }
    out = kept.select("t", "sensor", **{k: e.over("sensor") for k, e in ours.items()})
    ref = kept.select(**{k: e.over("sensor") for k, e in theirs.items()})
    print(f"{kept.height} readings (a fifth dropped at random), window '{window}' per sensor:")
    print(out.group_by("sensor", maintain_order=True).last())
    for name in theirs:
        a, b = out[name], ref[name]
        assert a.is_null().equals(b.is_null()), f"{name}: nulls differ"
        scale = pl.max_horizontal(a.abs(), b.abs(), pl.lit(1.0))
        rel = _max_abs(pl.select((a - b).abs() / scale).to_series())
        assert rel <= 1e-9, f"{name}: differs from Polars' rolling_{name}_by by {rel:.3g}"
    print("(asserted: mean, p90 and std equal Polars' rolling_*_by within 1e-9; skew and ewm_std")
    print(" are statistics Polars has no time-window version of)")
    # The same p90 from a time-based object, fed per sensor in batches of 1,000 readings.
    sensor = SENSORS[0].name
    one = kept.filter(pl.col("sensor") == sensor)
    p90 = pss.RollingQuantile(0.9, "linear", window_size=window)
    parts = [p90.running(batch["reading"], batch["t"]) for batch in one.iter_slices(n_rows=1_000)]
    streamed = pl.concat(parts)
    expected = out.filter(pl.col("sensor") == sensor)["p90"]
    assert streamed.equals(expected, check_names=False), "object and expression differ"
    print(f"The object {p90!r}")
    print(f"fed {sensor}'s readings in batches of 1,000 with their times: the expression's")
    print("numbers, bit for bit.")


def keyed_stream(df: pl.DataFrame) -> None:
    """(g) A keyed stream in files, processed in bounded memory, with a restart."""
    _heading("5c. A keyed stream: pss.Tracker across files, stopped and restarted")

    def make_tracker() -> pss.Tracker:
        return pss.Tracker(
            {
                "ema": pss.EWMean(alpha=ALPHA),
                "p90_5m": pss.RollingQuantile(0.9, "linear", window_size="5m"),
                "std_500": pss.RollingStd(WINDOW, min_samples=WINDOW // 2),
            },
            on="reading",
            by="sensor",
            time="t",
        )

    with tempfile.TemporaryDirectory(prefix="pss-demo-") as tmp:
        root = Path(tmp)
        days = df.with_columns(day=pl.col("t").dt.date()).partition_by("day", as_dict=False)
        files = []
        for k, day in enumerate(days):
            path = root / f"readings-{k:03d}.parquet"
            day.drop("day").write_parquet(path)
            files.append(path)
        half = len(files) // 2
        print(f"{df.height} readings written as {len(files)} parquet files (one per day).")
        tracker = make_tracker()
        start = time.perf_counter()
        tracker.run(files[:half], sink=root / "out-1.parquet", progress=False)
        saved = root / "tracker.pkl"
        saved.write_bytes(pickle.dumps(tracker))
        print(
            f"Files 1-{half}: {len(tracker)} sensors tracked; tracker pickled "
            f"({saved.stat().st_size:,} bytes) and dropped."
        )
        del tracker
        restored: pss.Tracker = pickle.loads(saved.read_bytes())
        restored.run(files[half:], sink=root / "out-2.parquet", progress=False)
        took = time.perf_counter() - start
        print(
            f"Restored from the pickle, files {half + 1}-{len(files)} processed: "
            f"{df.height / took:,.0f} rows/s in all."
        )
        out = pl.concat(
            [pl.read_parquet(root / "out-1.parquet"), pl.read_parquet(root / "out-2.parquet")]
        )
    x = pl.col("reading")
    expected = df.select(
        ema=pss.ewm_mean(x, alpha=ALPHA).over("sensor"),
        p90_5m=pss.rolling_quantile_by(x, "t", "5m", quantile=0.9, interpolation="linear").over(
            "sensor"
        ),
        std_500=pss.rolling_std(x, WINDOW, min_samples=WINDOW // 2).over("sensor"),
    )
    for name in expected.columns:
        assert out[name].equals(expected[name]), f"{name}: the tracker differs from .over"
    print(restored.get())
    print("(asserted: the restarted run's outputs equal the expressions with .over('sensor') on")
    print(" the whole table, bit for bit)")


# ---------------------------------------------------------------------------------------------
# 6. Timings, measured in this run.


class _Contender(NamedTuple):
    """One timed computation: its label, how to run it, and how to read its output."""

    label: str
    run: Callable[[], object]
    values: Callable[[object], pl.Series]  # the output as one Float64 Series, missing = null
    tolerance: float = 0.0  # the largest abs diff from pss that still counts as equal


class _Case(NamedTuple):
    """pss against its peers on one computation. One side has exactly one contender."""

    title: str
    n_values: int
    pss: list[_Contender]
    peers: list[_Contender]


class _Timed(NamedTuple):
    label: str
    median_s: float
    ratio: float | None  # peer time / pss time (None on the side with one contender)
    max_abs_diff: float | None  # |pss - peer| (None on the side with one contender)


def _frames_values(output: object) -> pl.Series:
    """Per-sensor one-column frames, concatenated."""
    assert isinstance(output, list)
    parts: list[pl.Series] = [frame.to_series().cast(pl.Float64) for frame in output]
    return pl.concat(parts).fill_nan(None)


def _pandas_values(output: object) -> pl.Series:
    """Per-sensor pandas Series (NaN = missing), concatenated."""
    assert isinstance(output, list)
    parts = [pl.Series(s.to_numpy(), nan_to_null=True) for s in output]
    return pl.concat(parts)


def _list_values(output: object) -> pl.Series:
    """A list of floats or None, one per value."""
    assert isinstance(output, list)
    return pl.Series(output, dtype=pl.Float64)


def _series_values(output: object) -> pl.Series:
    assert isinstance(output, pl.Series)
    return output.cast(pl.Float64).fill_nan(None)


def _select_each(frames: list[pl.DataFrame], expr: pl.Expr) -> list[pl.DataFrame]:
    return [frame.select(expr) for frame in frames]


def _expanding_each(series: list[Any], method: str) -> list[Any]:
    """pandas ``s.expanding().<method>()`` for each Series."""
    return [getattr(s.expanding(), method)() for s in series]


def _update_get_loop(make: Callable[[], Any], stream: list[float]) -> list[float | None]:
    """Feed ``stream`` to a fresh object one value at a time; its get() after every value."""
    obj = make()
    update, get = obj.update, obj.get
    out: list[float | None] = []
    append = out.append
    for value in stream:
        update(value)
        append(get())
    return out


def _check(ours: _Contender, peer: _Contender) -> float:
    """Both outputs (computed untimed, also the warm-up) must agree: the max abs diff."""
    # Raised, not asserted: the table says "equal" only if this passed, even under python -O.
    a, b = ours.values(ours.run()), peer.values(peer.run())
    if a.len() != b.len():
        raise AssertionError(f"{ours.label} and {peer.label} differ in length")
    if not a.is_null().equals(b.is_null()):
        raise AssertionError(f"{ours.label} and {peer.label}: nulls differ")
    diff = _max_abs(a - b)
    limit = max(ours.tolerance, peer.tolerance)
    if not diff <= limit:  # also catches a NaN diff
        raise AssertionError(f"{ours.label} vs {peer.label}: max abs diff {diff:.3g} > {limit}")
    return diff


def _run_case(case: _Case, number: int, total: int) -> list[_Timed]:
    """Check that the outputs agree, then time every contender in interleaved rounds."""
    short = case.title.split("\n")[0]
    print(f"  [{number:>2}/{total}] {short}: checking", end="", flush=True)
    start = time.perf_counter()
    one_pss = len(case.pss) == 1
    single, many = (case.pss[0], case.peers) if one_pss else (case.peers[0], case.pss)
    assert len(case.pss) == 1 or len(case.peers) == 1
    diffs = [_check(single, c) if one_pss else _check(c, single) for c in many]
    # As many rounds as fit in ~ROUND_BUDGET_S given the check's time, at least 3.
    rounds = min(MAX_ROUNDS, max(MIN_ROUNDS, int(ROUND_BUDGET_S / (time.perf_counter() - start))))
    print(f": equal; timing {rounds} rounds ", end="", flush=True)
    contenders = [single, *many]
    times: list[list[float]] = [[] for _ in contenders]
    for r in range(rounds):
        shift = r % len(contenders)  # who goes first changes every round
        for k in [*range(shift, len(contenders)), *range(shift)]:
            t0 = time.perf_counter()
            contenders[k].run()
            times[k].append(time.perf_counter() - t0)
        print(".", end="", flush=True)
    print(f" {time.perf_counter() - start:.1f} s", flush=True)
    single_s = statistics.median(times[0])
    rows = [_Timed(single.label, single_s, None, None)]
    for contender, t, diff in zip(many, times[1:], diffs, strict=True):
        median_s = statistics.median(t)
        ratio = median_s / single_s if one_pss else single_s / median_s
        rows.append(_Timed(contender.label, median_s, ratio, diff))
    return rows if one_pss else [*rows[1:], rows[0]]  # pss first


def _print_timings(cases: list[_Case], results: list[list[_Timed]]) -> None:
    headers = [
        ("", "median time", "peer time / pss time", "max abs diff"),
        ("", "per value, ns", "(> 1: pss faster)", "|pss - peer|"),
    ]
    table: list[tuple[str, ...]] = [*headers]
    titles: dict[int, str] = {}
    for number, (case, rows) in enumerate(zip(cases, results, strict=True), start=1):
        titles[len(table)] = f"{number}. {case.title} ({case.n_values:,} values)"
        for timed in rows:
            ns = 1e9 * timed.median_s / case.n_values
            table.append(
                (
                    f"    {timed.label}",
                    f"{ns:,.0f}" if ns >= 100 else f"{ns:.3g}",
                    "" if timed.ratio is None else f"{timed.ratio:.1f}x",
                    "" if timed.max_abs_diff is None else f"{timed.max_abs_diff:.1e}",
                )
            )
    widths = [max(len(line[k]) for line in table) for k in range(len(headers[0]))]
    for k, line in enumerate(table):
        if k in titles:
            print(titles[k])
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        print("  ".join(cells).rstrip())
        if k == len(headers) - 1:
            print("  ".join("-" * width for width in widths))


def _timing_cases(df: pl.DataFrame, pd: Any, river_stats: Any) -> list[_Case]:
    """What part 6 times: pss and its peers on the same per-sensor data."""
    x = pl.col("reading")
    names = [s.name for s in SENSORS]
    # Each sensor's readings (1% null) as its own frame, and the same with the gaps filled by
    # linear interpolation (no nulls): split once, before any timing.
    raw = [df.filter(pl.col("sensor") == name).select("reading") for name in names]
    filled = [f.select(x.interpolate().forward_fill().backward_fill()) for f in raw]
    raw_pd = [pd.Series(f.to_series().to_numpy()) for f in raw]
    filled_pd = [pd.Series(f.to_series().to_numpy()) for f in filled]
    n, per_sensor = sum(f.height for f in raw), raw[0].height
    polars, pandas = f"Polars {pl.__version__}", f"pandas {pd.__version__}"

    def on(frames: list[pl.DataFrame], label: str, expr: pl.Expr) -> _Contender:
        return _Contender(label, partial(_select_each, frames, expr), _frames_values)

    def vs_polars(title: str, frames: list[pl.DataFrame], ours: pl.Expr, theirs: pl.Expr) -> _Case:
        name = title.split("(")[0]
        peer = on(frames, f"{polars} {name}, same options", theirs)
        return _Case(title, n, [on(frames, "pss", ours)], [peer])

    def expanding(series: list[Any], method: str, tolerance: float) -> _Contender:
        label = f"{pandas} expanding().{method}()"
        return _Contender(
            label, partial(_expanding_each, series, method), _pandas_values, tolerance
        )

    # Rolling quantiles. Polars sorts and merges windows (fast) only for trailing windows
    # without nulls; with any null, or with center=True, it falls back to a tree (slow).
    w, wide = 1_000, 10_000
    cases = [
        vs_polars(
            f"rolling_median(window_size={w:_}, min_samples=1), 1% nulls",
            raw,
            pss.rolling_median(x, window_size=w, min_samples=1),
            x.rolling_median(window_size=w, min_samples=1),
        ),
        vs_polars(
            f'rolling_quantile(0.9, interpolation="nearest", window_size={wide:_}, '
            "min_samples=1), 1% nulls",
            raw,
            pss.rolling_quantile(x, 0.9, interpolation="nearest", window_size=wide, min_samples=1),
            x.rolling_quantile(0.9, interpolation="nearest", window_size=wide, min_samples=1),
        ),
        vs_polars(
            f"rolling_median(window_size={w:_}, min_samples=1, center=True), no nulls",
            filled,
            pss.rolling_median(x, window_size=w, min_samples=1, center=True),
            x.rolling_median(window_size=w, min_samples=1, center=True),
        ),
        vs_polars(
            f'rolling_quantile(0.1, interpolation="linear", window_size={wide:_}, '
            "min_samples=1, center=True), no nulls",
            filled,
            pss.rolling_quantile(
                x, 0.1, interpolation="linear", window_size=wide, min_samples=1, center=True
            ),
            x.rolling_quantile(
                0.1, interpolation="linear", window_size=wide, min_samples=1, center=True
            ),
        ),
        vs_polars(
            f"rolling_median(window_size={w:_}, min_samples=1), no nulls: Polars' fast path, "
            "for contrast",
            filled,
            pss.rolling_median(x, window_size=w, min_samples=1),
            x.rolling_median(window_size=w, min_samples=1),
        ),
    ]
    # Cumulative moments: Polars has none; pandas has expanding() (running power sums, so it
    # agrees to rounding, not bit for bit).
    for title, ours, method in (
        ("cum_var() (ddof=1)", pss.cum_var(x), "var"),
        ("cum_skew(bias=False)", pss.cum_skew(x, bias=False), "skew"),
        ("cum_kurtosis(bias=False)", pss.cum_kurtosis(x, bias=False), "kurt"),
    ):
        for data, frames, columns in (("no nulls", filled, filled_pd), ("1% nulls", raw, raw_pd)):
            cases.append(
                _Case(
                    f"{title}, {data}",
                    n,
                    [on(frames, "pss", ours)],
                    [expanding(columns, method, 1e-9)],
                )
            )
    # The expanding median: Polars through a window as long as each sensor's column.
    polars_expanding = f"{polars} rolling_median(window_size={per_sensor:_}, min_samples=1)"
    expanding_median = x.rolling_median(window_size=per_sensor, min_samples=1)
    cases += [
        _Case(
            "cum_median(), 1% nulls",
            n,
            [on(raw, "pss", pss.cum_median(x))],
            [
                on(raw, polars_expanding, expanding_median),
                # pandas takes (lo + hi) / 2, Polars and pss lo + (hi - lo) / 2: the last bit
                expanding(raw_pd, "median", 1e-12),
            ],
        ),
        _Case(
            "cum_median(), no nulls: Polars' fast path, for contrast",
            n,
            [on(filled, "pss", pss.cum_median(x))],
            [on(filled, polars_expanding, expanding_median)],
        ),
    ]
    # A rolling median object fed one value at a time against River's RollingQuantile (Rust
    # inside, Θ(window_size) per update): one sensor, gaps filled (River takes no nulls).
    rw = 50_000
    series = filled[0].to_series()
    stream = series.to_list()

    def pss_object() -> pss.RollingQuantile:
        return pss.RollingQuantile(0.5, interpolation="linear", window_size=rw, min_samples=1)

    def river_object() -> Any:
        return river_stats.RollingQuantile(q=0.5, window_size=rw)

    cases.append(
        _Case(
            f"an object's rolling median, window_size={rw:_}, after each of {names[0]}'s "
            'readings (gaps filled)\n   pss: RollingQuantile(0.5, interpolation="linear", '
            f"window_size={rw:_}, min_samples=1); River: RollingQuantile(q=0.5, "
            f"window_size={rw:_})",
            len(stream),
            [
                _Contender(
                    "pss, Python loop: update(x); get()",
                    partial(_update_get_loop, pss_object, stream),
                    _list_values,
                ),
                _Contender(
                    "pss, .running(series): one call",
                    lambda: pss_object().running(series),
                    _series_values,
                ),
            ],
            [
                _Contender(
                    f"River {version('river')}, Python loop: update(x); get()",
                    partial(_update_get_loop, river_object, stream),
                    _list_values,
                )
            ],
        )
    )
    return cases


def timings(df: pl.DataFrame) -> None:
    """(f) pss against Polars, pandas and River, timed in this run after checking the numbers."""
    _heading("6. Timed in this run: pss against Polars, pandas and River")
    try:
        import pandas as pd  # the library itself needs neither
        from river import stats as river_stats
    except ImportError as err:
        print(f"skipped: the timings compare with pandas and River ({err}); `make demo` has both")
        return
    per_sensor = df.height // len(SENSORS)
    print(
        f"Per sensor ({len(SENSORS)} x {per_sensor:,} readings) unless said otherwise, on the "
        "demo's readings (1% null)\nor the same readings with the gaps filled by linear "
        "interpolation (no nulls). Each case first runs\npss and every peer once, untimed, "
        "and asserts that they give the same numbers (null in the same\nrows; max abs diff "
        "shown: 0.0 is bit for bit); then all run in interleaved rounds, in the same\n"
        "process on the same data, and the table shows medians over the rounds. Polars runs "
        "with the\nsame options as pss."
    )
    cases = _timing_cases(df, pd, river_stats)
    start = time.perf_counter()
    results = [_run_case(case, k, len(cases)) for k, case in enumerate(cases, start=1)]
    print(f"all checked and timed in {time.perf_counter() - start:.0f} s\n")
    _print_timings(cases, results)
    vs_polars = [
        (k, "fast path" in case.title)
        for k, case in enumerate(cases, start=1)
        if any(peer.label.startswith("Polars") for peer in case.peers)
    ]
    fast = ", ".join(str(k) for k, is_fast in vs_polars if is_fast)
    slow = ", ".join(str(k) for k, is_fast in vs_polars if not is_fast)
    print(
        "\nPolars uses its fast sort-merge filter only for trailing windows without nulls "
        f"(cases {fast});\nwith any null or with center=True it falls back to an "
        f"order-statistic tree (cases {slow}).\nREADME.md (Performance) has the full "
        "benchmark, including where pss is not ahead."
    )


def picture(df: pl.DataFrame, plot_path: str | os.PathLike[str] | None) -> None:
    """(h) A picture of a few sensors' rolling quantiles and EW mean, saved as a PNG."""
    _heading("7. A picture")
    if plot_path is None:
        print("skipped: no path for it (plot_path=None)")
        return
    _plot.picture(df, plot_path, PLOT_SENSORS)


def main(n_steps: int = N_STEPS, plot_path: str | os.PathLike[str] | None = PLOT_PATH) -> None:
    """Run the whole demo (under a minute on two cores) on ``n_steps`` readings per sensor.

    Part 7 saves its picture at ``plot_path`` (relative paths from the current directory;
    ``None``: no picture).
    """
    start = time.perf_counter()
    print("making the data ...", flush=True)
    df = make_readings(n_steps)
    made_s = time.perf_counter() - start
    with pl.Config(tbl_hide_dataframe_shape=True, float_precision=3, tbl_rows=12):
        describe(df)
        print(f"(made in {made_s:.1f} s with the standard library's random.Random({SEED}))")
        expected = expression_stats(df)
        stream_objects(df, expected)
        compare_ewm_with_polars(df)
        quantiles_and_moments(df)
        time_windows(df)
        keyed_stream(df)
        timings(df)
        picture(df, plot_path)
    print(f"\ndone in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m polars_streamstats.demo")
    parser.add_argument(
        "--plot",
        metavar="PATH",
        default=os.environ.get("PSS_DEMO_PLOT", PLOT_PATH),
        help=f"where part 7 saves its PNG (default: $PSS_DEMO_PLOT, else {PLOT_PATH})",
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the picture")
    args = parser.parse_args()
    main(plot_path=None if args.no_plot else args.plot)
