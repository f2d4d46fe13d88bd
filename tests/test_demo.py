"""The demo (``make demo``): it runs end to end, and its checks catch a peer that disagrees."""

from __future__ import annotations

import importlib.util
import re
import struct
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import polars_streamstats as pss
from polars_streamstats import _plot, demo

# A compared row of the timing table: label, ns per value, peer time / pss time, max abs diff.
COMPARED = re.compile(r"^    \S.*\s[\d,.]+\s+\d+\.\dx\s+\d\.\de[+-]\d\d$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_demo_runs_and_checks_every_timed_case(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    png = tmp_path / "demo.png"
    demo.main(n_steps=2_000, plot_path=png)
    out = capsys.readouterr().out
    if importlib.util.find_spec("matplotlib") is None:
        assert "skipped: the picture needs matplotlib" in out
    else:
        assert f"picture saved to {png.resolve()}\n" in out
        assert png.read_bytes().startswith(PNG_MAGIC)
    progress = re.findall(
        r"^  \[ *(\d+)/(\d+)\] .*: checking: equal; timing (\d+) rounds", out, re.M
    )
    total = int(progress[0][1])
    assert [int(k) for k, _, _ in progress] == list(range(1, total + 1))
    assert all(demo.MIN_ROUNDS <= int(r) <= demo.MAX_ROUNDS for _, _, r in progress)
    # The table: one block per case, its title, then a row per contender; each block compares.
    table = out[out.index("peer time / pss time") :].split("\n\n")[0].splitlines()
    blocks: list[list[str]] = []
    for line in table[3:]:
        if re.match(r"^\d+\. ", line):
            blocks.append([])
        else:
            blocks[-1].append(line)
    assert len(blocks) == total
    for block in blocks:
        assert any(COMPARED.match(line) for line in block), block
    labels = {line.split()[0] for block in blocks for line in block if line.startswith("    ")}
    assert {"Polars", "pandas", "River", "pss", "pss,"} <= labels
    assert "done in" in out


def test_check_rejects_a_peer_that_disagrees() -> None:
    s = pl.Series([1.0, 2.0, None, 4.0])
    ours = demo._Contender("pss", lambda: s, demo._series_values)
    off = demo._Contender("peer", lambda: s + 1e-12, demo._series_values)
    with pytest.raises(AssertionError, match="max abs diff"):
        demo._check(ours, off)
    assert demo._check(ours, off._replace(tolerance=1e-9)) == pytest.approx(1e-12)
    filled = demo._Contender("peer", lambda: s.fill_null(3.0), demo._series_values)
    with pytest.raises(AssertionError, match="nulls differ"):
        demo._check(ours, filled)
    short = demo._Contender("peer", lambda: s.head(3), demo._series_values)
    with pytest.raises(AssertionError, match="length"):
        demo._check(ours, short)
    assert demo._check(ours, ours) == 0.0


def test_picture_draws_the_pss_statistics(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    df = demo.make_readings(n_steps=1_500)  # 4 h 10 min per sensor
    sensors = demo.PLOT_SENSORS
    span, window, min_samples, half_life = timedelta(hours=2), "20m", 60, "5m"
    path = tmp_path / "bands.png"
    frame = _plot.plot_sensors(
        df, path, sensors, span=span, window=window, min_samples=min_samples, half_life=half_life
    )
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (_plot.WIDTH_PX, _plot.HEIGHT_PX)
    # The frame drawn: the pss expressions on the whole table, per sensor, then the plotted
    # sensors in the first two hours (trailing windows: computing on the part is the same).
    x = pl.col("reading")
    expected = df.with_columns(
        **{
            name: pss.rolling_quantile_by(
                x, "t", window, quantile=q, interpolation="linear", min_samples=min_samples
            ).over("sensor")
            for name, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))
        },
        ew_mean=pss.ewm_mean_by(x, "t", half_life=half_life).over("sensor"),
    ).filter(pl.col("sensor").is_in(sensors), pl.col("t") < demo.START + span)
    assert expected.height == len(sensors) * 720
    assert_frame_equal(frame, expected, check_exact=True)
    band = frame.drop_nulls(["p10", "p50", "p90"])
    assert band.height > expected.height // 2
    assert (band["p10"] <= band["p50"]).all()
    assert (band["p50"] <= band["p90"]).all()
    assert (band["p10"] < band["p90"]).any()
    # What the panels draw is that frame: one panel per sensor, in order.
    fig = _plot.draw(frame, sensors, window=window, half_life=half_life)
    assert [ax.get_title(loc="left") for ax in fig.axes] == list(sensors)
    for ax, name in zip(fig.axes, sensors, strict=True):
        one = frame.filter(pl.col("sensor") == name)
        lines = {line.get_label(): line for line in ax.get_lines()}
        median = np.asarray(lines["rolling p50"].get_ydata(), dtype=np.float64)
        assert median.tolist() == one["p50"].drop_nulls().to_list()
        ew = np.asarray(lines[f"EW mean, half-life {half_life}"].get_ydata(), dtype=np.float64)
        assert ew.tolist() == one["ew_mean"].drop_nulls().to_list()
        assert ax.get_ylabel() == "temperature (°C)"


def test_picture_is_skipped_without_matplotlib(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    path = tmp_path / "never.png"
    assert _plot.picture(demo.make_readings(n_steps=10), path, demo.PLOT_SENSORS) is None
    assert "skipped: the picture needs matplotlib" in capsys.readouterr().out
    assert not path.exists()


def test_bands_reject_unknown_sensors() -> None:
    df = demo.make_readings(n_steps=10)
    with pytest.raises(ValueError, match=r"sensors: \['attic'\] not in the data"):
        _plot.bands(df, ["office", "attic"])
    with pytest.raises(ValueError, match="sensors: expected a non-empty sequence"):
        _plot.bands(df, "office")
