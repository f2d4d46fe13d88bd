"""``polars_streamstats.dask.track`` on a real ``dask.distributed.LocalCluster``.

The cluster (two worker processes, one thread each) is started here. The big partitions are
made on the workers by ``make_part`` (``dd.from_map``), so the data does not travel in the
task graph. The expected outputs come from one ``pss.Tracker`` over the concatenation of the
same rows, built directly in Polars on this machine (not through pandas).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import polars_streamstats as pss

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from polars_streamstats.dask import track  # noqa: E402

N_KEYS = 1000
START = np.datetime64("2026-03-01T00:00:00", "us")
# 5,000,206 rows in 24 partitions: 4 empty, 6 others shorter than the row window (100), 10
# non-empty ones shorter than the time window (30 s: ~30,000 rows without keys, ~30 per key).
SIZES = [480_000, 0, 1, 37, 610_000, 99, 0, 350_000, 5_000, 720_000, 2, 20_000, 400_000, 0,
         556_655, 1_000, 300_000, 64, 430_000, 3, 12_345, 600_000, 0, 515_000]  # fmt: skip
N_ROWS = sum(SIZES)

# Every kind of state: EW (rows and time), cumulative moments, a time window, a row window,
# an exact cumulative quantile and an extreme (the last three bit for bit).
STATS: dict[str, Any] = {
    "ema": pss.EWMean(alpha=0.05),
    "ewvar": pss.EWVar(alpha=0.05),
    "ema_10s": pss.EWMean(half_life="10s"),
    "var": pss.Var(),
    "mean_30s": pss.RollingMean("30s"),
    "q90_100": pss.RollingQuantile(0.9, window_size=100, min_samples=50),
    "max_30s": pss.RollingMax("30s"),
    "median_v": ("v", pss.Quantile(0.5)),
    "max_v": ("v", pss.Max()),
}
EXACT = {"q90_100", "max_30s", "median_v", "max_v"}


def columns(i: int, sizes: list[int]) -> dict[str, np.ndarray[Any, Any]]:
    """Partition ``i``'s rows as numpy arrays (deterministic; boolean masks mark nulls)."""
    start = sum(sizes[:i])
    n = sizes[i]
    rng = np.random.default_rng(1000 + i)
    rows = np.arange(start, start + n, dtype=np.int64)
    # Strictly increasing times about 1 ms apart: no equal times across partitions.
    t = START + (rows * 1000 + rng.integers(0, 1000, n)).astype("timedelta64[us]")
    return {
        "row": rows,
        "t": t,
        "x": 100.0 + rng.normal(0.0, 1.0, n).cumsum() / 1000 + rng.normal(0.0, 0.5, n),
        "x_null": rng.random(n) < 0.01,
        "v": rng.integers(1, 10_000, n),
        "v_null": rng.random(n) >= 0.05,  # a sparse integer reading: on 5% of rows
        "k": rng.integers(0, N_KEYS, n),
    }


KEY_NAMES = np.array([f"k{j:03d}" for j in range(N_KEYS)], dtype=object)


def make_part(i: int, sizes: list[int]) -> pd.DataFrame:
    """Partition ``i`` as Dask users hold it: pandas, NaN for a missing float, nullable Int64,
    a string key, a time-zone-aware time, the global row number as index."""
    c = columns(i, sizes)
    x = c["x"].copy()
    x[c["x_null"]] = np.nan
    return pd.DataFrame(
        {
            "k": pd.array(KEY_NAMES[c["k"]], dtype="string"),
            "t": pd.DatetimeIndex(c["t"]).tz_localize("UTC").tz_convert("Europe/Paris"),
            "x": x,
            "v": pd.arrays.IntegerArray(c["v"], c["v_null"]),
        },
        index=pd.Index(c["row"], name="row"),
    )


def expected_input(sizes: list[int]) -> pl.DataFrame:
    """The same rows, concatenated, built directly in Polars."""
    parts = [columns(i, sizes) for i in range(len(sizes))]
    cat = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    return pl.DataFrame(
        {
            "k": cat["k"],
            "t": cat["t"],
            "x": cat["x"],
            "x_null": cat["x_null"],
            "v": cat["v"],
            "v_null": cat["v_null"],
        }
    ).select(
        pl.format("k{}", pl.col("k").cast(pl.String).str.zfill(3)).alias("k"),
        pl.col("t").dt.replace_time_zone("UTC").dt.convert_time_zone("Europe/Paris"),
        pl.when(~pl.col("x_null")).then(pl.col("x")).alias("x"),
        pl.when(~pl.col("v_null")).then(pl.col("v")).alias("v"),
    )


def big_ddf(sizes: list[int]) -> Any:
    return dd.from_map(make_part, range(len(sizes)), sizes=sizes, meta=make_part(0, [0]))


def assert_matches(
    got: pd.DataFrame, want: pl.DataFrame, names: list[str], exact: set[str]
) -> None:
    """``got``'s float64 columns against the tracker's Float64 columns (null read as NaN):
    bit for bit for ``exact``, else within 1e-12 relative. The inputs here are at least 1 in
    size where not 0: an output that cancels to below 1 (an EW mean of integers around 0) is
    held to 1e-12 absolute, since the rounding of its terms, not the merge, sets its error."""
    assert len(got) == want.height
    for name in names:
        a = got[name].to_numpy()
        b = want[name].to_numpy()
        assert a.dtype == np.float64, name
        nan = np.isnan(b)
        assert np.array_equal(np.isnan(a), nan), name
        assert (~nan).sum() > 0.5 * len(b), f"{name}: the check would compare too little"
        if name in exact:
            assert np.array_equal(a[~nan].view(np.uint64), b[~nan].view(np.uint64)), name
        else:
            scale = np.maximum(np.abs(b[~nan]), 1.0)
            rel = np.abs(a[~nan] - b[~nan]) / scale
            assert rel.max() <= 1e-12, f"{name}: max relative difference {rel.max():.3g}"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_port=0,
        silence_logs=50,
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.mark.parametrize("by", [None, "k"])
def test_five_million_rows_equal_one_tracker(client: Any, by: str | None) -> None:
    ddf = big_ddf(SIZES)
    assert ddf.npartitions == 24 >= 16
    assert N_ROWS >= 5_000_000

    t0 = time.perf_counter()
    out = track(ddf, STATS, on="x", by=by, time="t")
    t1 = time.perf_counter()
    # Only the new columns (and the index) travel back, partition by partition.
    parts = dask.compute(*out[list(STATS)].to_delayed())
    t2 = time.perf_counter()
    frame = expected_input(SIZES)
    t3 = time.perf_counter()
    want = pss.Tracker(STATS, on="x", by=by, time="t").update(frame)
    t4 = time.perf_counter()
    print(
        f"\n[dask track, by={by!r}] {N_ROWS:,} rows, {ddf.npartitions} partitions, "
        f"LocalCluster 2 processes x 1 thread: pass 1 + prefix scan {t1 - t0:.1f} s, pass 2 + "
        f"gathering the outputs {t2 - t1:.1f} s, total {t2 - t0:.1f} s | one pss.Tracker: "
        f"{t4 - t3:.1f} s (+ {t3 - t2:.1f} s making the frame)"
    )

    # Same partitioning and row order; meta right; the outputs equal one tracker's.
    assert out.npartitions == ddf.npartitions
    assert [len(p) for p in parts] == SIZES
    result = pd.concat(parts)
    assert result.index.equals(pd.Index(np.arange(N_ROWS), name="row"))
    assert list(out.columns) == ["k", "t", "x", "v", *STATS]
    assert out._meta.dtypes[list(STATS)].equals(result.dtypes)
    assert_matches(result, want, list(STATS), EXACT)


def test_prefix_states_reach_the_workers(client: Any) -> None:
    """With a distributed client the prefix states are scattered, not put in the graph, and
    the result still computes after the client-side references are gone."""
    sizes = [3_000, 0, 50, 2_000]
    out: Any = track(big_ddf(sizes), {"q": pss.Quantile(0.5)}, on="x", by="k")
    graph = dict(out.__dask_graph__())
    assert not any(isinstance(v, bytes) and len(v) > 10_000 for v in graph.values())
    del graph
    result = out.compute()
    want = pss.Tracker({"q": pss.Quantile(0.5)}, on="x", by="k").update(expected_input(sizes))
    assert_matches(result, want, ["q"], {"q"})
    # A second call on the same data builds its own tasks and gives the same outputs.
    again: Any = track(big_ddf(sizes), {"q": pss.Quantile(0.5)}, on="x", by="k")
    assert set(again.__dask_graph__()) != set(out.__dask_graph__())
    assert_matches(again.compute(), want, ["q"], {"q"})


def small_ddf() -> tuple[Any, pl.DataFrame]:
    """Awkward dtypes: nullable integer and categorical keys (a null key too), a naive
    nanosecond time, a nullable integer value; object, string, time-zone-aware and float
    columns with missing values passed through; a string index."""
    n = 2_000
    rng = np.random.default_rng(7)
    key_null = rng.random(n) < 0.05
    keys = rng.integers(0, 20, n)
    cats = np.array(["red", "green", "blue"])[rng.integers(0, 3, n)]
    values = rng.integers(-50, 50, n)
    value_null = rng.random(n) < 0.1
    t = np.datetime64("2026-01-01T00:00:00", "ns") + np.cumsum(rng.integers(1, 2_000, n)).astype(
        "timedelta64[ms]"
    )
    pdf = pd.DataFrame(
        {
            "key": pd.arrays.IntegerArray(keys, key_null),
            "colour": pd.Categorical(cats),
            "t": t,
            "y": pd.arrays.IntegerArray(values, value_null),
            "note": np.array([None, "a", 1.5, "b"], dtype=object)[rng.integers(0, 4, n)],
            "name": pd.array(np.array(["x", None, "zz"])[rng.integers(0, 3, n)], dtype="str"),
            "when": pd.DatetimeIndex(t).tz_localize("America/New_York", ambiguous="NaT"),
            "f": np.where(value_null, np.nan, 0.5),
        },
        index=pd.Index([f"id{j:05d}" for j in range(n)], name="id"),
    )
    frame = pl.DataFrame(
        {
            "key": pl.Series(keys).set(pl.Series(key_null), None),
            "colour": pl.Series(cats).cast(pl.Categorical),
            "t": t,
            "y": pl.Series(values).set(pl.Series(value_null), None),
        }
    )
    return dd.from_pandas(pdf, npartitions=7, sort=True), frame


SMALL_STATS: dict[str, Any] = {
    "ema": pss.EWMean(alpha=0.2),
    "std_1m": pss.RollingStd("1m"),
    "q25": pss.Quantile(0.25, "linear"),
    "iqr_5": pss.RollingIQR(5),
    "min": pss.Min(),
}


def test_dtypes_index_and_passthrough(client: Any) -> None:
    ddf, frame = small_ddf()
    out: Any = track(ddf, SMALL_STATS, on="y", by=["key", "colour"], time="t")
    assert out.divisions == ddf.divisions
    result = out.compute()
    source = ddf.compute()
    assert result.index.equals(source.index)
    pd.testing.assert_frame_equal(result[list(source.columns)], source)
    assert out._meta.dtypes.equals(result.dtypes)
    want = pss.Tracker(SMALL_STATS, on="y", by=["key", "colour"], time="t").update(frame)
    assert_matches(result, want, list(SMALL_STATS), {"q25", "iqr_5", "min"})


def test_single_partition_and_threaded_scheduler() -> None:
    ddf, frame = small_ddf()
    with dask.config.set(scheduler="threads"):
        one: Any = track(ddf.repartition(npartitions=1), SMALL_STATS, on="y", by="key", time="t")
        assert one.npartitions == 1
        result = one.compute()
    want = pss.Tracker(SMALL_STATS, on="y", by="key", time="t").update(frame)
    # One partition: no merge, so every column is bit for bit.
    assert_matches(result, want, list(SMALL_STATS), set(SMALL_STATS))


def test_empty_ddf() -> None:
    empty = pd.DataFrame({"k": pd.Series([], dtype="string"), "x": pd.Series([], dtype=float)})
    with dask.config.set(scheduler="synchronous"):
        out: Any = track(dd.from_pandas(empty, npartitions=1), {"m": pss.Mean()}, on="x", by="k")
        result = out.compute()
    assert result.empty
    assert list(result.columns) == ["k", "x", "m"]
    assert result["m"].dtype == np.float64
    assert out._meta.dtypes.equals(result.dtypes)


def exploding_ddf() -> Any:
    """A ddf whose partitions raise when computed: errors must come before that."""

    def boom() -> pd.DataFrame:
        raise RuntimeError("computed")

    meta = pd.DataFrame(
        {
            "k": pd.Series([], dtype="string"),
            "x": pd.Series([], dtype=float),
            "s": pd.Series([], dtype="string"),
        }
    )
    return dd.from_delayed([dask.delayed(boom)() for _ in range(3)], meta=meta)


def test_errors_before_anything_is_computed() -> None:
    ddf = exploding_ddf()
    with pytest.raises(TypeError, match=r"stats\['p'\].*method='p2'.*cannot merge"):
        track(ddf, {"m": pss.Mean(), "p": pss.Quantile(0.9, method="p2")}, on="x")
    with pytest.raises(TypeError, match=r"stats\['iqr'\].*p2"):
        track(ddf, {"iqr": ("x", pss.IQR(method="p2"))})
    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="'price'"):
        track(ddf, {"m": pss.Mean()}, on="price")
    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="'ticker'"):
        track(ddf, {"m": pss.Mean()}, on="x", by="ticker")
    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="'ts'"):
        track(ddf, {"m": pss.RollingMean("1h")}, on="x", time="ts")
    with pytest.raises(TypeError, match="'s' must hold numbers"):
        track(ddf, {"m": ("s", pss.Mean())})
    with pytest.raises(ValueError, match=r"already has columns.*\['x'\]"):
        track(ddf, {"x": pss.Mean()}, on="x")
    with pytest.raises(ValueError, match="`time` is required"):
        track(ddf, {"m": pss.RollingMean("1h")}, on="x")
    with pytest.raises(TypeError, match="dask DataFrame"):
        track(pd.DataFrame({"x": [1.0]}), {"m": pss.Mean()}, on="x")
    with pytest.raises(TypeError, match="dask DataFrame"):
        track(ddf["x"], {"m": pss.Mean()}, on="x")
    # The checks passed: only now does the data get read.
    with pytest.raises(RuntimeError, match="computed"):
        track(ddf, {"m": pss.Mean()}, on="x")


def test_time_going_backwards_across_partitions() -> None:
    pdf = pd.DataFrame(
        {
            "t": pd.to_datetime(
                ["2026-01-01 00:00:02", "2026-01-01 00:00:03", "2026-01-01 00:00:01"]
            ),
            "x": [1.0, 2.0, 3.0],
        }
    )
    ddf = dd.from_pandas(pdf, npartitions=2, sort=False)
    assert ddf.npartitions == 2
    with (
        dask.config.set(scheduler="synchronous"),
        pytest.raises(ValueError, match=r"partition 1 does not continue.*before"),
    ):
        track(ddf, {"m": pss.RollingMean("5s")}, on="x", time="t")
