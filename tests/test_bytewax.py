"""``polars_streamstats.bytewax``: pss statistics and Trackers as Bytewax operator state.

Real Bytewax 0.21 only: dataflows run with ``bytewax.testing.run_main`` in this process, and the
recovery test runs ``python -m bytewax.run`` in child processes against a SQLite recovery store
made by ``python -m bytewax.recovery``. The references are the pss expressions ``.over(key)``
and the objects' ``running`` on each key's values (not this module's code).
"""

from __future__ import annotations

import json
import math
import os
import pickle
import random
import sqlite3
import subprocess
import sys
import textwrap
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import polars as pl
import pytest

import polars_streamstats as pss

pytest.importorskip(
    "bytewax",
    reason="Bytewax 0.21 ships wheels for Python 3.9-3.12 only (pip install "
    "'polars-streamstats[bytewax]')",
)

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.operators.windowing import (
    EventClock,
    SessionWindower,
    TumblingWindower,
)
from bytewax.testing import TestingSink, TestingSource, run_main

import polars_streamstats.bytewax as pss_bytewax

REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def run(flow: Dataflow) -> None:
    """Run a dataflow to completion in this process (one worker)."""
    run_main(flow)  # type: ignore[no-untyped-call, unused-ignore]


def x_of(row: dict[str, Any]) -> float | None:
    """The value of a record."""
    x: float | None = row["x"]
    return x


def t_of(row: dict[str, Any]) -> datetime:
    """The time of a record."""
    t: datetime = row["t"]
    return t


def second(item: tuple[datetime, float | None]) -> float | None:
    """The value of a (time, value) item."""
    return item[1]


def fresh(template: Any) -> Any:
    """A new statistic with ``template``'s options."""
    return type(template)(**template._options())


def same(a: float | None, b: float | None) -> bool:
    """Bit-for-bit equality of two outputs (None for null; NaN equals NaN)."""
    if a is None or b is None:
        return a is None and b is None
    return a == b or (math.isnan(a) and math.isnan(b))


def records(n: int, keys: int, seed: int) -> list[dict[str, Any]]:
    """``n`` records over ``keys`` keys: index, key, value (about 10% null), seconds."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        x = None if rng.random() < 0.1 else round(rng.gauss(10.0, 3.0), 6)
        out.append({"i": i, "k": f"k{rng.randrange(keys)}", "x": x, "s": i + rng.randrange(3)})
    return out


def by_key(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["k"]].append(r)
    return groups


TEMPLATES = [
    pss.EWMean(alpha=0.2),
    pss.EWVar(alpha=0.2, adjust=False),
    pss.EWStd(alpha=0.2, ignore_nulls=True),
    pss.Mean(),
    pss.Var(min_samples=3),
    pss.Skew(),
    pss.Kurtosis(min_samples=4),
    pss.Min(),
    pss.Max(),
    pss.Quantile(0.9),
    pss.IQR(),
    pss.RollingMean(window_size=5, min_samples=2),
    pss.RollingStd(window_size=6),
    pss.RollingQuantile(0.9, window_size=7, min_samples=1),
    pss.RollingMax(window_size=4, min_samples=1),
    pss.RollingEWMean(alpha=0.3, window_size=5),
]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: repr(t).split(",")[0])
@pytest.mark.parametrize("batched", [False, True], ids=["stateful_map", "stateful_batch"])
def test_outputs_equal_running_per_key(template: Any, batched: bool) -> None:
    rows = records(300, 4, seed=1)
    flow = Dataflow("per_key")
    inp = op.input("in", flow, TestingSource(rows, batch_size=13))
    keyed = op.key_on("key", inp, lambda r: r["k"])
    stat = pss_bytewax.stateful_stat_batch if batched else pss_bytewax.stateful_stat
    out: list[tuple[str, tuple[dict[str, Any], float | None]]] = []
    op.output("out", stat("stat", keyed, template, value=x_of), TestingSink(out))
    run(flow)

    assert len(out) == len(rows)
    got: dict[str, list[tuple[int, float | None]]] = defaultdict(list)
    for key, (row, value) in out:
        assert row["k"] == key
        got[key].append((row["i"], value))
    assert len(got) == 4
    assert template.__getstate__() == fresh(template).__getstate__()  # the template is untouched
    for key, group in by_key(rows).items():
        expected = fresh(template).running([r["x"] for r in group])
        assert [i for i, _ in got[key]] == [r["i"] for r in group]
        assert all(same(v, e) for (_, v), e in zip(got[key], expected, strict=True)), key


def test_outputs_equal_the_expression_over_key() -> None:
    rows = records(400, 5, seed=2)
    out: list[Any] = []
    flow = Dataflow("over")
    keyed = op.key_on("key", op.input("in", flow, TestingSource(rows)), lambda r: r["k"])
    ewvar = pss_bytewax.stateful_stat("ewvar", keyed, pss.EWVar(alpha=0.1), value=x_of)
    op.output("out", ewvar, TestingSink(out))
    run(flow)
    ours = {row["i"]: value for _, (row, value) in out}
    df = pl.DataFrame(rows)
    expected = df.select(pss.ewm_var("x", alpha=0.1).over("k"))["x"].to_list()
    assert len(ours) == len(rows)
    assert all(same(ours[i], e) for i, e in enumerate(expected))


@pytest.mark.parametrize("batched", [False, True], ids=["stateful_map", "stateful_batch"])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct_times", "equal_times"])
def test_time_based_statistic(batched: bool, ties: bool) -> None:
    rows = records(200, 3, seed=3)
    for r in rows:
        # Each key's times must not decrease. Equal times of a key arrive in separate batches
        # here: a window closed at its end would answer the first before the second arrived
        # (documented), so equal times are tested with closed="left".
        r["t"] = T0 + timedelta(seconds=r["i"] // 2 if ties else r["i"])
    closed: Literal["left", "right"] = "left" if ties else "right"
    out: list[Any] = []
    flow = Dataflow("timed")
    keyed = op.key_on("key", op.input("in", flow, TestingSource(rows)), lambda r: r["k"])
    stat = pss_bytewax.stateful_stat_batch if batched else pss_bytewax.stateful_stat
    mean = stat(
        "mean",
        keyed,
        pss.RollingMean(window_size="4s", closed=closed),
        value=x_of,
        time=t_of,
    )
    op.output("out", mean, TestingSink(out))
    run(flow)
    ours = {row["i"]: value for _, (row, value) in out}
    df = pl.DataFrame(rows)
    expr = pss.rolling_mean_by("x", "t", "4s", closed=closed).over("k")
    expected = df.select(expr)["x"].to_list()
    assert len(ours) == len(rows)
    assert sum(e is not None for e in expected) > 100
    assert all(same(ours[r["i"]], e) for r, e in zip(rows, expected, strict=True))


def test_tracker_per_key() -> None:
    rows = records(300, 3, seed=4)
    for r in rows:
        r["y"] = None if r["x"] is None else r["x"] * 2 - 1
        r["sub"] = r["i"] % 2
    # A batch where a value column is null in every row (dtype Null) must still work.
    rows[0]["x"] = rows[0]["y"] = None
    out: list[Any] = []
    flow = Dataflow("trackers")
    keyed = op.key_on(
        "key", op.input("in", flow, TestingSource(rows, batch_size=1)), lambda r: r["k"]
    )
    template = pss.Tracker(
        {
            "ema": pss.EWMean(alpha=0.3),
            "p90": pss.RollingQuantile(0.9, window_size=5),
            "v": ("y", pss.Var()),
        },
        on="x",
        by="sub",
    )
    op.output("out", pss_bytewax.stateful_tracker("t", keyed, template), TestingSink(out))
    run(flow)
    assert len(template) == 0  # the template was copied, never fed
    ours = {rec["i"]: rec for _, rec in out}
    assert len(ours) == len(rows)
    df = pl.DataFrame(rows)
    expected = df.select(
        "i",
        pss.ewm_mean("x", alpha=0.3).over("k", "sub").alias("ema"),
        pss.rolling_quantile("x", 0.9, window_size=5).over("k", "sub").alias("p90"),
        pss.cum_var("y").over("k", "sub").alias("v"),
    ).to_dicts()
    for e in expected:
        rec = ours[e["i"]]
        assert {f: rec[f] for f in rows[e["i"]]} == rows[e["i"]]
        for name in ("ema", "p90", "v"):
            assert same(rec[name], e[name]), (e, rec)


def test_fold_window_per_window() -> None:
    rows = records(300, 3, seed=5)
    items = [(r["k"], (T0 + timedelta(seconds=r["s"]), r["x"])) for r in rows]
    templates = {"var": pss.Var(), "q90": pss.Quantile(0.9), "ema": pss.EWMean(alpha=0.2)}
    flow = Dataflow("windows")
    inp = op.input("in", flow, TestingSource(items, batch_size=17))
    # Items come up to 2 s out of order: wait for them, and fold each window in time order.
    clock: EventClock[Any] = EventClock(
        lambda it: it[0], wait_for_system_duration=timedelta(seconds=5)
    )
    windower = TumblingWindower(length=timedelta(seconds=10), align_to=T0)
    outs: dict[str, list[Any]] = {}
    for name, template in templates.items():
        win = pss_bytewax.fold_stat_window(name, inp, clock, windower, template, value=second)
        outs[name] = []
        op.output(f"out_{name}", win.down, TestingSink(outs[name]))
    run(flow)

    windows: dict[tuple[str, int], list[tuple[datetime, float | None]]] = defaultdict(list)
    for key, (t, x) in items:
        windows[(key, (t - T0) // timedelta(seconds=10))].append((t, x))
    for name, template in templates.items():
        got = {(key, wid): stat.get() for key, (wid, stat) in outs[name]}
        assert got.keys() == windows.keys()
        for kw, values in windows.items():
            # ordered=True: Bytewax sorts by time (a stable sort: ties keep arrival order).
            xs = [x for _, x in sorted(values, key=lambda tx: tx[0])]
            expected = fresh(template).update_many(xs).get()
            assert same(got[kw], expected), (name, kw)


def test_session_windows_merge_with_the_pss_merger() -> None:
    # ordered=False: items join sessions as they arrive; the item at 2 s bridges the sessions
    # opened at 0 s and 4 s, so Bytewax merges them with `merger`.
    data = [(0, 1.0), (4, 8.0), (5, 3.0), (2, 5.0), (30, 7.0)]
    items = [("k", (T0 + timedelta(seconds=s), x)) for s, x in data]
    flow = Dataflow("sessions")
    inp = op.input("in", flow, TestingSource(items))
    clock: EventClock[Any] = EventClock(
        lambda it: it[0], wait_for_system_duration=timedelta(hours=1)
    )
    win = pss_bytewax.fold_stat_window(
        "q",
        inp,
        clock,
        SessionWindower(gap=timedelta(seconds=3)),
        pss.Quantile(0.5),
        value=second,
        ordered=False,
    )
    out: list[Any] = []
    meta: list[Any] = []
    op.output("out", win.down, TestingSink(out))
    op.output("meta", win.meta, TestingSink(meta))
    run(flow)
    merged = [m for _, (_, m) in meta if m.merged_ids]
    assert len(merged) == 1  # the merge really happened
    stats = sorted((stat.get(), stat) for _, (_, stat) in out)
    assert [v for v, _ in stats] == [
        pss.Quantile(0.5).update_many([1.0, 8.0, 3.0, 5.0]).get(),
        7.0,
    ]


def test_merger_is_the_ordered_merge() -> None:
    xs = [float(i % 7) - 2.5 for i in range(40)]
    for template in (pss.EWMean(alpha=0.1), pss.RollingMean(window_size=9), pss.Var()):
        new = pss_bytewax.builder(template)
        a = pss_bytewax.folder(new(), xs[0])
        for x in xs[1:25]:
            a = pss_bytewax.folder(a, x)
        b = new().update_many(xs[25:])
        one = fresh(template).update_many(xs).get()
        merged = pss_bytewax.merger(a, b).get()
        assert merged is not None
        assert one is not None
        assert math.isclose(merged, one, rel_tol=1e-12)
    with pytest.raises(TypeError):
        pss_bytewax.merger(pss.Quantile(0.5, method="p2"), pss.Quantile(0.5, method="p2"))


def test_bad_arguments_name_the_parameter() -> None:
    flow = Dataflow("bad")
    keyed = op.input("in", flow, TestingSource([("a", 1.0)]))
    with pytest.raises(TypeError, match="`template`"):
        pss_bytewax.stateful_stat("s", keyed, 3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"`template`.*already seen data"):
        pss_bytewax.stateful_stat("s", keyed, pss.Mean().update(1.0))
    with pytest.raises(ValueError, match="`time` is required"):
        pss_bytewax.stateful_stat("s", keyed, pss.RollingMean(window_size="1m"))
    with pytest.raises(ValueError, match="`time` is only for"):
        pss_bytewax.stateful_stat_batch("s", keyed, pss.Mean(), time=lambda v: v)
    with pytest.raises(TypeError, match="`value`"):
        pss_bytewax.stateful_stat("s", keyed, pss.Mean(), value=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`tracker`"):
        pss_bytewax.stateful_tracker("s", keyed, pss.Mean())  # type: ignore[arg-type]
    used = pss.Tracker({"m": pss.Mean()}, on="x")
    used.update(pl.DataFrame({"x": [1.0]}))
    with pytest.raises(ValueError, match="`tracker` has already seen data"):
        pss_bytewax.stateful_tracker("s", keyed, used)  # type: ignore[arg-type, unused-ignore]
    with pytest.raises(ValueError, match="time-based"):
        pss_bytewax.fold_stat_window(
            "w",
            keyed,
            EventClock(lambda v: T0, timedelta(0)),
            TumblingWindower(timedelta(seconds=1), T0),
            pss.RollingMean(window_size="1s"),
        )


@pytest.mark.parametrize("batched", [False, True], ids=["stateful_map", "stateful_batch"])
def test_a_value_that_is_not_a_number_raises(batched: bool) -> None:
    flow = Dataflow("bad_value")
    keyed = op.input("in", flow, TestingSource([("a", 1.0), ("a", "2.0")]))
    stat = pss_bytewax.stateful_stat_batch if batched else pss_bytewax.stateful_stat
    op.output("out", stat("s", keyed, pss.Mean()), TestingSink([]))
    with pytest.raises(Exception, match="error calling") as info:
        run(flow)
    # Bytewax wraps the operator's exception; ours is in the chain, with the item.
    causes = []
    err: BaseException | None = info.value
    while err is not None:
        causes.append(err)
        err = err.__cause__
    assert any(
        isinstance(c, TypeError) and "must be a real number or None, got str" in str(c)
        for c in causes
    ), causes


# ---- recovery: a real SQLite store, two processes ----------------------------------------

FLOW = """
import json
import os
import sys
from datetime import datetime, timedelta, timezone

import bytewax.operators as op
from bytewax.connectors.stdio import StdOutSink
from bytewax.dataflow import Dataflow
from bytewax.testing import TestingSource

import polars_streamstats as pss
import polars_streamstats.bytewax as pss_bytewax

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
with open(os.environ["PSS_ROWS"]) as f:
    rows = json.load(f)
stop = int(os.environ.get("PSS_EOF_AT", "-1"))
items = list(rows)
if stop >= 0:
    items.insert(stop, TestingSource.EOF())

flow = Dataflow("recovery")
inp = op.input("in", flow, TestingSource(items, batch_size=5))
keyed = op.key_on("key", inp, lambda r: r["k"])
x = lambda r: r["x"]
ewvar = pss_bytewax.stateful_stat("ewvar", keyed, pss.EWVar(alpha=0.1), value=x)
p90 = pss_bytewax.stateful_stat_batch(
    "p90", keyed, pss.RollingQuantile(0.9, window_size=6, min_samples=1), value=x
)
hl = pss_bytewax.stateful_stat(
    "hl", keyed, pss.EWMean(half_life="3s"), value=x,
    time=lambda r: T0 + timedelta(seconds=r["s"]),
)
tracker = pss_bytewax.stateful_tracker(
    "tracker", keyed, pss.Tracker({"mean": pss.Mean(), "ema": pss.EWMean(alpha=0.3)}, on="x")
)


def line(name):
    return lambda kv: json.dumps([name, kv[0], kv[1][0]["i"], kv[1][1]])


def tracker_line(kv):
    key, rec = kv
    return json.dumps(["tracker", key, rec["i"], [rec["mean"], rec["ema"]]])


lines = [op.map("fmt_" + n, s, line(n)) for n, s in (("ewvar", ewvar), ("p90", p90), ("hl", hl))]
lines.append(op.map("fmt_tracker", tracker, tracker_line))
op.output("out", op.merge("all", *lines), StdOutSink())
"""


def _run(tmp: Path, *args: str, eof_at: int | None = None) -> list[list[Any]]:
    env = dict(os.environ, PSS_ROWS=str(tmp / "rows.json"), PYTHONPATH=str(tmp))
    if eof_at is not None:
        env["PSS_EOF_AT"] = str(eof_at)
    proc = subprocess.run(
        [sys.executable, "-m", "bytewax.run", "flow_mod:flow", *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("[")]


def _per_stream(lines: list[list[Any]]) -> dict[tuple[str, str], list[tuple[int, Any]]]:
    out: dict[tuple[str, str], list[tuple[int, Any]]] = defaultdict(list)
    for name, key, i, value in lines:
        out[(name, key)].append((i, value))
    return out


def test_recovery_resumes_from_the_sqlite_snapshots(tmp_path: Path) -> None:
    rows = records(240, 4, seed=6)
    rows.sort(key=lambda r: r["s"])
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    (tmp_path / "flow_mod.py").write_text(textwrap.dedent(FLOW))
    db = tmp_path / "db"
    db.mkdir()
    subprocess.run([sys.executable, "-m", "bytewax.recovery", str(db), "1"], check=True, timeout=60)
    recover = ("-r", str(db), "-s", "0", "-b", "0")

    stop = 97
    first = _run(tmp_path, *recover, eof_at=stop)
    # The store holds, per stateful step and key, the pss object itself (a pickle) as of the
    # EOF: the state after exactly that key's rows of the first run.
    ewvar_step = "recovery.ewvar.stateful_flat_map.stateful.stateful_batch"
    steps = {ewvar_step, "recovery.hl.stateful_flat_map.stateful.stateful_batch"}
    steps |= {"recovery.p90", "recovery.tracker"}
    keys = {r["k"] for r in rows}
    with sqlite3.connect(db / "part-0.sqlite3") as conn:
        for step in steps:
            latest = conn.execute(
                "SELECT state_key, ser_change FROM snaps WHERE step_id = ? AND snap_epoch = "
                "(SELECT MAX(snap_epoch) FROM snaps WHERE step_id = ?)",
                (step, step),
            ).fetchall()
            assert {k for k, _ in latest} == keys, step
            if step == ewvar_step:
                for key, blob in latest:
                    state = pickle.loads(blob)
                    assert isinstance(state, pss.EWVar)
                    seen = [r["x"] for r in rows[:stop] if r["k"] == key]
                    fed = pss.EWVar(alpha=0.1).update_many(seen)
                    assert state.__getstate__() == fed.__getstate__(), key
    second = _run(tmp_path, *recover, eof_at=stop)
    whole = _run(tmp_path)  # one uninterrupted run, no recovery store

    assert {i for _, _, i, _ in first} == {r["i"] for r in rows[:stop]}
    assert {i for _, _, i, _ in second} == {r["i"] for r in rows[stop:]}
    assert len(first) + len(second) == len(whole) == 4 * len(rows)
    together, one = _per_stream(first + second), _per_stream(whole)
    # Control: the second run's outputs are not what fresh states give on its rows.
    restarted = _per_stream(
        [
            ["ewvar", k, r["i"], v]
            for k, group in by_key(rows[stop:]).items()
            for r, v in zip(
                group, pss.EWVar(alpha=0.1).running([r["x"] for r in group]), strict=True
            )
        ]
    )
    assert all(
        [v for _, v in restarted[("ewvar", k)]] != [v for _, v in _per_stream(second)[("ewvar", k)]]
        for k in keys
    )
    assert together.keys() == one.keys()
    for stream, values in one.items():
        assert together[stream] == values, stream

    # The uninterrupted run is the statistics' own answer on each key's rows.
    df = pl.DataFrame(rows).with_columns(t=pl.lit(T0) + pl.duration(seconds="s"))
    expected = df.select(
        "i",
        "k",
        ewvar=pss.ewm_var("x", alpha=0.1).over("k"),
        p90=pss.rolling_quantile("x", 0.9, window_size=6, min_samples=1).over("k"),
        hl=pss.ewm_mean_by("x", "t", half_life="3s").over("k"),
        mean=pss.cum_mean("x").over("k"),
        ema=pss.ewm_mean("x", alpha=0.3).over("k"),
    ).to_dicts()
    answers = {(name, i): v for (name, _), values in one.items() for i, v in values}
    for e in expected:
        for name in ("ewvar", "p90", "hl"):
            assert same(answers[(name, e["i"])], e[name]), (name, e)
        mean, ema = answers[("tracker", e["i"])]
        assert same(mean, e["mean"]), e
        assert same(ema, e["ema"]), e
