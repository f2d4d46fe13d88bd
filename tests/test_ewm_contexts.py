"""The plugins in every Polars context: select, with_columns, lazy, over, group_by, streaming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

import polars_streamstats as pss
from tests.helpers import first_value_null


@pytest.fixture
def df() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    n = 3_000
    values = rng.normal(0.0, 1.0, n)
    frame = pl.DataFrame({"g": rng.integers(0, 7, n), "x": values, "i": np.arange(n)}).with_columns(
        x=pl.when(pl.col("i") % 11 == 0).then(None).otherwise(pl.col("x"))
    )
    # Three chunks, so every context also sees chunk boundaries.
    return pl.concat([frame[:1000], frame[1000:1700], frame[1700:]], rechunk=False)


def ours_and_polars(alpha: float = 0.2) -> list[tuple[pl.Expr, pl.Expr]]:
    x = pl.col("x")
    return [
        (pss.ewm_mean("x", alpha=alpha), x.ewm_mean(alpha=alpha)),
        (pss.ewm_var("x", alpha=alpha), first_value_null(x.ewm_var(alpha=alpha), x, False)),
        (
            pss.ewm_std("x", alpha=alpha, adjust=False),
            first_value_null(x.ewm_std(alpha=alpha, adjust=False), x, False),
        ),
        (pss.ewm_mean(x * 2, alpha=alpha), (x * 2).ewm_mean(alpha=alpha)),
        (pl.col("x").pss.ewm_var(alpha=alpha, bias=True), x.ewm_var(alpha=alpha, bias=True)),  # type: ignore[attr-defined]  # runtime-registered namespace
    ]


def test_multi_chunk_fixture(df: pl.DataFrame) -> None:
    assert df["x"].n_chunks() == 3


@pytest.mark.parametrize("k", range(5))
def test_select_and_with_columns(df: pl.DataFrame, k: int) -> None:
    ours, theirs = ours_and_polars()[k]
    assert_series_equal(df.select(ours).to_series(), df.select(theirs).to_series(), rel_tol=1e-10)
    a = df.with_columns(ours.alias("y"))
    b = df.with_columns(theirs.alias("y"))
    assert_frame_equal(a, b, rel_tol=1e-10)


@pytest.mark.parametrize("k", range(5))
def test_lazy_and_streaming(df: pl.DataFrame, k: int) -> None:
    ours, theirs = ours_and_polars()[k]
    expected = df.select(theirs)
    assert_frame_equal(df.lazy().select(ours).collect(), expected, rel_tol=1e-10)
    got = df.lazy().select(ours).collect(engine="streaming")
    assert_frame_equal(got, expected, rel_tol=1e-10)


def test_streaming_from_parquet_in_row_order(df: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    df.write_parquet(path, row_group_size=256)
    q = pl.scan_parquet(path).select(
        pss.ewm_mean("x", alpha=0.05).alias("ours"), pl.col("x").ewm_mean(alpha=0.05)
    )
    out = q.collect(engine="streaming")
    assert_series_equal(out["ours"], out["x"], check_names=False, rel_tol=1e-12)
    sink = tmp_path / "out.parquet"
    q.sink_parquet(sink)
    assert_frame_equal(pl.read_parquet(sink), out)


@pytest.mark.parametrize("k", range(5))
def test_over_groups(df: pl.DataFrame, k: int) -> None:
    ours, theirs = ours_and_polars()[k]
    a = df.select(ours.over("g"))
    b = df.select(theirs.over("g"))
    assert_frame_equal(a, b, rel_tol=1e-10)
    # and lazily, with the streaming engine
    c = df.lazy().select(ours.over("g")).collect(engine="streaming")
    assert_frame_equal(c, b, rel_tol=1e-10)


def test_over_equals_per_group_filter(df: pl.DataFrame) -> None:
    out = df.with_columns(y=pss.ewm_var("x", alpha=0.1).over("g"))
    for g in range(7):
        part = df.filter(pl.col("g") == g)
        expected = part.select(pss.ewm_var("x", alpha=0.1)).to_series()
        got = out.filter(pl.col("g") == g)["y"]
        assert_series_equal(got, expected, check_names=False, check_exact=True)


@pytest.mark.parametrize("k", range(5))
def test_group_by_agg(df: pl.DataFrame, k: int) -> None:
    ours, theirs = ours_and_polars()[k]
    a = df.group_by("g", maintain_order=True).agg(ours.alias("y")).sort("g")
    b = df.group_by("g", maintain_order=True).agg(theirs.alias("y")).sort("g")
    assert a["y"].dtype == pl.List(pl.Float64)
    for u, v in zip(a["y"], b["y"], strict=True):
        assert_series_equal(u, v, rel_tol=1e-10)


def test_rolling_ewm_mean_over_groups(df: pl.DataFrame) -> None:
    out = df.with_columns(y=pss.rolling_ewm_mean("x", window_size=20, alpha=0.1).over("g"))
    for g in range(7):
        part = df.filter(pl.col("g") == g)
        expected = pss.RollingEWMean(window_size=20, alpha=0.1).running(part["x"])
        assert_series_equal(
            out.filter(pl.col("g") == g)["y"], expected, check_names=False, check_exact=True
        )


def test_namespace_matches_functions(df: pl.DataFrame) -> None:
    x = pl.col("x")
    pairs = [
        (x.pss.ewm_mean(span=5), pss.ewm_mean("x", span=5)),  # type: ignore[attr-defined]  # runtime-registered namespace
        (x.pss.ewm_var(com=2, bias=True), pss.ewm_var("x", com=2, bias=True)),  # type: ignore[attr-defined]  # runtime-registered namespace
        (x.pss.ewm_std(half_life=3), pss.ewm_std("x", half_life=3)),  # type: ignore[attr-defined]  # runtime-registered namespace
        (
            x.pss.rolling_ewm_mean(window_size=4, alpha=0.5),  # type: ignore[attr-defined]  # runtime-registered namespace
            pss.rolling_ewm_mean("x", window_size=4, alpha=0.5),
        ),
    ]
    for a, b in pairs:
        assert_frame_equal(df.select(a), df.select(b), check_exact=True)


def test_output_keeps_input_name_and_expression_input() -> None:
    s = pl.Series("price", [1.0, 2.0, 4.0])
    assert pl.select(pss.ewm_mean(s, alpha=0.5)).columns == ["price"]
    out = pl.DataFrame({"a": [1.0, 2.0], "b": [3.0, 5.0]}).select(
        pss.ewm_mean(pl.col("a") + pl.col("b"), alpha=0.5)
    )
    # adjust=True: (0.5 * 4 + 1 * 7) / 1.5
    assert out.to_series().to_list() == [4.0, 6.0]
