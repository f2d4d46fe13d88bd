"""A tour of polars-streamstats on a built-in synthetic data set.

Run it with ``python -m polars_streamstats.demo`` (or ``make demo``). It

1. makes a deterministic table of temperature readings from a few sensors, interleaved in
   time, with about 1% of the readings missing;
2. computes exponentially weighted statistics per sensor with expressions and ``.over``;
3. streams the same readings, in batches, through the incremental objects, saves their state
   with :mod:`pickle` half way and restores it, and checks that the objects end with exactly
   the numbers of the expressions;
4. times the expressions against Polars' own ``ewm_mean`` / ``ewm_var`` and checks that the
   values agree;
5. computes rolling quantiles, moments and extremes per sensor, checks them against Polars'
   ``rolling_*``, and merges per-half ``Var``/``Kurtosis`` objects into whole-stream ones.

The data set needs nothing beyond Polars and the standard library. Importing this module
does nothing; everything happens in :func:`main`.
"""

from __future__ import annotations

import math
import pickle
import random
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

import polars as pl

import polars_streamstats as pss

__all__ = ["SENSORS", "Sensor", "main", "make_readings"]

SEED = 20_240_601
N_STEPS = 200_000  # readings per sensor
START = datetime(2024, 1, 1)
STEP = timedelta(seconds=10)
NULL_RATE = 0.01

ALPHA = 0.05
WINDOW = 500
N_BATCHES = 10
N_RUNS = 5


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


def _median_ms(fn: Callable[[], object], runs: int = N_RUNS) -> float:
    """Median wall time of ``fn()`` over ``runs`` runs, in milliseconds (after a warm-up)."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


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

    rows = []
    worst = 0.0
    for name in names:
        exp = expected.filter(pl.col("sensor") == name)
        ew_mean, ew_std, _ = objects[name]
        # .get() is the state after the last reading; a null reading leaves the EW mean and
        # std unchanged, so it equals the expression's last non-null output.
        last = exp.select(pl.col("ew_mean", "ew_std").drop_nulls().last())
        final_mean, final_std = ew_mean.get(), ew_std.get()
        assert final_mean is not None
        assert final_std is not None
        diffs = {
            "final EWMean": abs(final_mean - last["ew_mean"].item()),
            "final EWStd": abs(final_std - last["ew_std"].item()),
        }
        for label, parts, column in (
            ("running EWMean", means[name], "ew_mean"),
            ("running RollingEWMean", rollings[name], "rolling_ew_mean"),
        ):
            ours, theirs = pl.concat(parts), exp[column]
            assert ours.is_null().equals(theirs.is_null()), f"{name}: nulls differ in {label}"
            diffs[label] = _max_abs(ours - theirs)
        worst = max(worst, *diffs.values())
        rows.append(
            {
                "sensor": name,
                "EWMean.get()": final_mean,
                "EWStd.get()": final_std,
                **{label: repr(diff) for label, diff in diffs.items()},
            }
        )
    with pl.Config(float_precision=6, tbl_width_chars=140, tbl_hide_column_data_types=True):
        print("Final object values, and max |object - expression| per sensor:")
        print(pl.DataFrame(rows))
    print(f"max abs difference, objects vs expressions (all rows, all sensors): {worst}")
    assert worst == 0.0, "the objects and the expressions should agree exactly"


def compare_with_polars(df: pl.DataFrame) -> None:
    """(d) Speed and agreement against Polars' built-in ewm_mean / ewm_var."""
    _heading("4. Against Polars' own ewm_mean / ewm_var")
    print(
        f"whole column with .over('sensor'), alpha={ALPHA}, adjust=True, ignore_nulls=False;\n"
        f"median of {N_RUNS} runs "
        f"(Polars {pl.__version__}, polars-streamstats {pss.__version__}); speed-up = Polars "
        "time / pss time."
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
    worst = 0.0
    for label, ours_expr, polars_expr in cases:
        ours = df.select(ours_expr.over("sensor")).to_series()
        theirs = df.select(polars_expr.over("sensor")).to_series()
        assert ours.is_null().equals(theirs.is_null()), f"{label}: nulls differ"
        max_rel = _max_abs(
            pl.select(
                (ours - theirs).abs() / pl.max_horizontal(ours.abs(), theirs.abs(), 1e-300)
            ).to_series()
        )
        worst = max(worst, max_rel)
        pss_ms = _median_ms(partial(df.select, ours_expr.over("sensor")))
        polars_ms = _median_ms(partial(df.select, polars_expr.over("sensor")))
        rows.append(
            {
                "statistic": label,
                "polars ms": polars_ms,
                "pss ms": pss_ms,
                "speed-up": polars_ms / pss_ms,
                "max rel diff": f"{max_rel:.2e}",
            }
        )
        assert max_rel <= 1e-9, f"{label}: differs from Polars by {max_rel:.3g} (relative)"
    with pl.Config(float_precision=2, tbl_hide_column_data_types=True):
        print(pl.DataFrame(rows))
    print(f"max relative difference from Polars: {worst:.2e} (<= 1e-9: the values agree)")


def quantiles_and_moments(df: pl.DataFrame) -> None:
    """(e) Rolling quantiles, moments and extremes; mergeable cumulative objects."""
    _heading("5. Rolling quantiles, moments and extremes; merging objects")
    x = pl.col("reading")
    # Nearly every 500-row window holds a missing reading: ask for 450 values, not all 500.
    w, m = WINDOW, WINDOW * 9 // 10
    ours = {
        "p90": pss.rolling_quantile(x, 0.9, window_size=w, min_samples=m),
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
    print(
        f"window_size={w}, min_samples={m} (non-null readings) per sensor "
        "with .over('sensor'); Polars as the reference. The last row of each sensor:"
    )
    out = df.select(**{k: e.over("sensor") for k, e in ours.items()})
    ref = df.select(**{k: e.over("sensor") for k, e in theirs.items()})
    worst = 0.0
    for name in ours:
        a, b = out[name], ref[name]
        assert a.is_null().equals(b.is_null()), f"{name}: nulls differ"
        # Relative to the values' size, or absolute below 1 (a kurtosis can be ~0).
        rel = (a - b).abs() / pl.max_horizontal(a.abs(), b.abs(), pl.lit(1.0))
        worst = max(worst, _max_abs(pl.select(rel).to_series()))
    print(out.with_columns(df["sensor"]).group_by("sensor", maintain_order=True).last())
    print(f"max difference from Polars (relative, absolute below 1): {worst:.2e}")
    assert worst <= 1e-9, "the rolling statistics should agree with Polars"

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
                "var": var.get(),
                "kurtosis": kurt.get(),
                "max rel diff": f"{diff:.1e}",
            }
        )
    with pl.Config(float_precision=6, tbl_hide_column_data_types=True):
        print(pl.DataFrame(rows))


def main() -> None:
    """Run the whole demo (about 10 seconds)."""
    start = time.perf_counter()
    df = make_readings()
    made_s = time.perf_counter() - start
    with pl.Config(tbl_hide_dataframe_shape=True, float_precision=3, tbl_rows=12):
        describe(df)
        print(f"(made in {made_s:.1f} s with the standard library's random.Random({SEED}))")
        expected = expression_stats(df)
        stream_objects(df, expected)
        compare_with_polars(df)
        quantiles_and_moments(df)
    print(f"\ndone in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
