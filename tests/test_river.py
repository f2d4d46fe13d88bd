"""polars_streamstats.river: pss statistics inside River's Agg, TargetAgg, Link, clone, pickle.

The oracle is River 0.26.1 itself (pinned in requirements-dev.txt): the same
``feature_extraction.Agg`` fed the same stream of dicts with River's own statistic.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import math
import pickle
import random
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from river import compose, feature_extraction, preprocessing, stats, utils

import polars_streamstats as pss
from polars_streamstats import river as pss_river

KEYS = ("a", "b", "c", "d")


def _stream(n: int = 1200, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        # key "d" appears late; "c" is rare, so its windows stay partly filled for long
        key = rng.choice(KEYS[:3] if i < n // 3 else KEYS) if rng.random() > 0.05 else "c"
        rows.append({"k": key, "x": rng.gauss(0.0, 1.0), "y": rng.gauss(3.0, 2.0)})
    return rows


ROWS = _stream()


def _agg(on: str, by: str | list[str] | None, how: Any) -> Any:
    """``feature_extraction.Agg`` (typed ``Any``: River's ``learn_one`` has no annotations)."""
    return feature_extraction.Agg(on=on, by=by, how=how)


def _target_agg(by: str | list[str] | None, how: Any) -> Any:
    """``feature_extraction.TargetAgg``, typed ``Any`` as ``_agg``."""
    return feature_extraction.TargetAgg(by=by, how=how)


@dataclass(frozen=True)
class Twin:
    """An adapter and River's own statistic with the same definition."""

    ours: Callable[[], Any]
    theirs: Callable[[], Any]
    exact: bool  # bit for bit; else math.isclose(rel_tol=1e-12, abs_tol=1e-12)
    defined_from: int = 1  # values of a group before pss' get() is defined
    same_name: bool = True  # Agg's feature name is River's


def _twins() -> dict[str, Twin]:
    t: dict[str, Twin] = {
        "Mean": Twin(pss_river.Mean, stats.Mean, exact=False),
        "Max": Twin(pss_river.Max, stats.Max, exact=True),
        "Min": Twin(pss_river.Min, stats.Min, exact=True),
        "AbsMax": Twin(pss_river.AbsMax, stats.AbsMax, exact=True),
        "PeakToPeak": Twin(pss_river.PeakToPeak, stats.PeakToPeak, exact=True),
        "IQR": Twin(pss_river.IQR, stats.IQR, exact=True),
        "IQR(0.1,0.6)": Twin(
            lambda: pss_river.IQR(0.1, 0.6), lambda: stats.IQR(0.1, 0.6), exact=True
        ),
        "Skew": Twin(pss_river.Skew, stats.Skew, exact=False, defined_from=3),
        "Skew(bias)": Twin(
            lambda: pss_river.Skew(bias=True),
            lambda: stats.Skew(bias=True),
            exact=False,
            defined_from=2,
        ),
        "Kurtosis": Twin(pss_river.Kurtosis, stats.Kurtosis, exact=False, defined_from=4),
        "Kurtosis(bias)": Twin(
            lambda: pss_river.Kurtosis(bias=True),
            lambda: stats.Kurtosis(bias=True),
            exact=False,
            defined_from=2,
        ),
    }
    for ddof in (0, 1, 2):
        t[f"Var({ddof})"] = Twin(
            partial(pss_river.Var, ddof=ddof),
            partial(stats.Var, ddof=ddof),
            exact=False,
            defined_from=ddof + 1,
        )
    for q in (0.01, 0.25, 0.5, 0.9):
        t[f"Quantile({q})"] = Twin(
            partial(pss_river.Quantile, q), partial(stats.Quantile, q), exact=True
        )
    for ff in (0.1, 0.5, 1.0):
        t[f"EWMean({ff})"] = Twin(
            partial(pss_river.EWMean, ff), partial(stats.EWMean, ff), exact=False
        )
        t[f"EWVar({ff})"] = Twin(
            partial(pss_river.EWVar, fading_factor=ff),
            partial(stats.EWVar, fading_factor=ff),
            exact=False,
        )
    for w in (1, 7, 50):
        for q in (0.0, 0.25, 0.5, 0.9, 1.0):
            t[f"RollingQuantile({q},{w})"] = Twin(
                partial(pss_river.RollingQuantile, q, w),
                partial(stats.RollingQuantile, q, w),
                exact=True,
            )
        t[f"RollingIQR({w})"] = Twin(
            partial(pss_river.RollingIQR, w), partial(stats.RollingIQR, w), exact=True
        )
        t[f"RollingIQR({w},0.1,0.8)"] = Twin(
            partial(pss_river.RollingIQR, w, 0.1, 0.8),
            partial(stats.RollingIQR, w, 0.1, 0.8),
            exact=True,
        )
        for name in ("RollingMax", "RollingMin", "RollingAbsMax", "RollingPeakToPeak"):
            t[f"{name}({w})"] = Twin(
                partial(getattr(pss_river, name), w),
                partial(getattr(stats, name), w),
                exact=True,
            )
        # River has no RollingMean/RollingVar class: its way is utils.Rolling (add/subtract)
        t[f"RollingMean({w})"] = Twin(
            partial(pss_river.RollingMean, w),
            partial(utils.Rolling, stats.Mean, window_size=w),
            exact=False,
            same_name=False,
        )
        if w > 1:
            t[f"RollingVar({w})"] = Twin(
                partial(pss_river.RollingVar, w),
                partial(utils.Rolling, stats.Var, window_size=w),
                exact=False,
                defined_from=2,
                same_name=False,
            )
    return t


TWINS = _twins()


def _agree(ours: float | None, theirs: float | None, exact: bool) -> bool:
    if ours is None or theirs is None:
        return ours is theirs
    if exact:
        return ours == theirs or (math.isnan(ours) and math.isnan(theirs))
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)


def _run_aggs(ours: Any, theirs: Any, twin: Twin, *, target: bool) -> int:
    """Feed both aggregates ROWS; check every output; return the number of outputs compared."""
    seen: dict[str, int] = {}
    window = getattr(ours.how, "window_size", None)
    compared = 0
    for row in ROWS:
        x = {"k": row["k"]}
        if target:
            # TargetAgg: the prediction-time feature comes before the target is learnt
            before_ours, before_theirs = ours.transform_one(x), theirs.transform_one(x)
            ours.learn_one(x, row["y"])
            theirs.learn_one(x, row["y"])
        else:
            before_ours = before_theirs = None
            ours.learn_one(row)
            theirs.learn_one(row)
        key = row["k"]
        seen[key] = seen.get(key, 0) + 1
        a, b = ours.transform_one(row), theirs.transform_one(row)
        if twin.same_name:
            assert a.keys() == b.keys()
        (va,), (vb,) = a.values(), b.values()
        in_window = seen[key] if window is None else min(seen[key], window)
        if in_window < twin.defined_from:
            # pss leaves the statistic undefined where River outputs a placeholder
            assert va is None or (isinstance(va, float) and math.isnan(va)), (row, va, vb)
        else:
            assert _agree(va, vb, twin.exact), (key, seen[key], va, vb)
            compared += 1
        if before_ours is not None:
            (pa,), (pb,) = before_ours.values(), before_theirs.values()
            if seen[key] - 1 >= twin.defined_from and (window is None or window > 1):
                assert _agree(pa, pb, twin.exact)
    return compared


@pytest.mark.parametrize("name", list(TWINS))
def test_agg_equals_river_agg(name: str) -> None:
    twin = TWINS[name]
    ours = _agg(on="x", by="k", how=twin.ours())
    theirs = _agg(on="x", by="k", how=twin.theirs())
    compared = _run_aggs(ours, theirs, twin, target=False)
    assert compared > len(ROWS) * 0.9
    assert set(ours.state.index) == set(KEYS)
    assert _agree(ours.state["a"], theirs.state["a"], twin.exact)


@pytest.mark.parametrize(
    "name", ["Mean", "Var(1)", "Quantile(0.9)", "RollingQuantile(0.5,7)", "EWVar(0.1)", "IQR"]
)
def test_target_agg_equals_river(name: str) -> None:
    twin = TWINS[name]
    ours = _target_agg(by="k", how=twin.ours())
    theirs = _target_agg(by="k", how=twin.theirs())
    assert _run_aggs(ours, theirs, twin, target=True) > len(ROWS) * 0.9


def test_agg_without_by_and_with_two_keys() -> None:
    for by in (None, ["k", "parity"]):
        ours = _agg(on="x", by=by, how=pss_river.RollingQuantile(0.75, 20))
        theirs = _agg(on="x", by=by, how=stats.RollingQuantile(0.75, 20))
        for i, row in enumerate(ROWS):
            row = {**row, "parity": i % 2}
            ours.learn_one(row)
            theirs.learn_one(row)
            assert ours.transform_one(row) == theirs.transform_one(row)


def test_union_and_pipeline() -> None:
    def build(mod: Any) -> Any:
        union = (
            _agg(on="x", by="k", how=mod.Max())
            + _agg(on="y", by="k", how=mod.Quantile(0.5))
            + _agg(on="x", by=None, how=mod.RollingPeakToPeak(10))
        )
        # `|`: a Pipeline; the second Agg aggregates the first one's output over time
        chained = _agg(on="x", by="k", how=mod.Max()) | _agg(
            on="x_max_by_k", by=None, how=mod.RollingQuantile(0.5, 5)
        )
        return union, chained, union | preprocessing.StandardScaler()

    ours, theirs = build(pss_river), build(stats)
    assert isinstance(ours[0], compose.TransformerUnion)
    assert isinstance(ours[1], compose.Pipeline)
    for row in ROWS:
        for o, t in zip(ours, theirs, strict=True):
            o.learn_one(row)
            t.learn_one(row)
            a, b = o.transform_one(row), t.transform_one(row)
            assert a.keys() == b.keys()
            for key in a:
                assert math.isclose(a[key], b[key], rel_tol=1e-12, abs_tol=1e-12), (key, a, b)
    union: Any = ours[0]  # Max, P² quantile, window extremes: bit for bit
    assert union.transform_one(ROWS[-1]) == theirs[0].transform_one(ROWS[-1])


def test_link_of_statistics() -> None:
    """`stat | stat` (stats.Link): River pipes `get()` of the left into the right."""
    pairs = [
        (stats.Shift(2) | pss_river.Mean(), stats.Shift(2) | stats.Mean()),
        (pss_river.EWMean(0.3) | pss_river.Max(), stats.EWMean(0.3) | stats.Max()),
        (
            pss_river.RollingQuantile(0.5, 9) | pss_river.Quantile(0.9),
            stats.RollingQuantile(0.5, 9) | stats.Quantile(0.9),
        ),
    ]
    for ours, theirs in pairs:
        assert ours.name == theirs.name
        agg_o = _agg(on="x", by="k", how=ours)
        agg_t = _agg(on="x", by="k", how=theirs)
        n = 0
        for row in ROWS:
            agg_o.learn_one(row)
            agg_t.learn_one(row)
            (a,) = agg_o.transform_one(row).values()
            (b,) = agg_t.transform_one(row).values()
            if a is not None:  # Shift(2) | Mean: River's Mean says 0.0 before any value
                assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
                n += 1
        assert n > len(ROWS) * 0.9
        clone = ours.clone()
        assert clone.get() is None
        assert clone.name == ours.name


ALL = [
    pss_river.Mean(min_samples=2),
    pss_river.Var(0),
    pss_river.Std(2),
    pss_river.Skew(bias=True),
    pss_river.Kurtosis(fisher=False),
    pss_river.Max(),
    pss_river.Min(),
    pss_river.AbsMax(),
    pss_river.PeakToPeak(),
    pss_river.Quantile(0.3),
    pss_river.Quantile(0.3, method="exact", interpolation="linear"),
    pss_river.IQR(0.2, 0.9),
    pss_river.EWMean(0.2, adjust=True),
    pss_river.EWVar(0.2, bias=False),
    pss_river.EWStd(0.7),
    pss_river.RollingMean(5),
    pss_river.RollingVar(5, ddof=0),
    pss_river.RollingStd(5),
    pss_river.RollingSkew(6, bias=True),
    pss_river.RollingKurtosis(6, fisher=False),
    pss_river.RollingEWMean(8, 0.3),
    pss_river.RollingQuantile(0.9, 12, interpolation="nearest"),
    pss_river.RollingIQR(12, 0.1, 0.9),
    pss_river.RollingMax(4),
    pss_river.RollingMin(4),
    pss_river.RollingAbsMax(4),
    pss_river.RollingPeakToPeak(4),
]


def test_every_pss_class_has_an_adapter() -> None:
    wrapped = {type(a.pss).__name__ for a in ALL}
    assert wrapped == set(pss._internal.__all__) - {"_Template", "_TrackerCore"}
    assert sorted(pss_river.__all__) == sorted(type(a).__name__ for a in ALL if a is not ALL[10])
    for a in ALL:
        assert type(a).__name__ == type(a.pss).__name__
        base = stats.base.RollingUnivariate if "Rolling" in type(a).__name__ else None
        assert isinstance(a, base or stats.base.Univariate)


def _feed(stat: Any, values: list[float]) -> Any:
    for v in values:
        stat.update(v)
    return stat.get()


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: type(a).__name__)
def test_clone_is_fresh_with_the_same_parameters(adapter: Any) -> None:
    xs = [r["x"] for r in ROWS[:40]]
    fed = copy.deepcopy(adapter)
    value = _feed(fed, xs)
    assert value is not None
    clone = fed.clone()
    assert type(clone) is type(fed)
    assert clone._get_params() == fed._get_params() == adapter._get_params()
    assert clone.get() is None  # fresh
    assert clone.pss._options() == fed.pss._options()
    assert _agree(_feed(clone, xs), value, exact=True)
    # the pss object behind the adapter is what runs: the same numbers as pss alone
    alone = type(adapter.pss)(**adapter.pss._options())
    assert _agree(alone.update_many(xs).get(), value, exact=True)


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: type(a).__name__)
def test_pickle_and_deepcopy_continue(adapter: Any) -> None:
    xs = [r["x"] for r in ROWS[:60]]
    whole = copy.deepcopy(adapter)
    _feed(whole, xs)
    half = copy.deepcopy(adapter)
    _feed(half, xs[:25])
    for restored in (pickle.loads(pickle.dumps(half)), copy.deepcopy(half)):
        assert _agree(_feed(restored, xs[25:]), whole.get(), exact=True)
    assert half.get() is not None or adapter.pss._options().get("min_samples", 1) > 25


def test_pickle_agg_and_union_mid_stream() -> None:
    def build() -> Any:
        return _agg(on="x", by="k", how=pss_river.RollingQuantile(0.9, 30)) + _target_agg(
            by="k", how=pss_river.EWVar(0.2)
        )

    whole, half = build(), build()
    outs_whole = []
    for row in ROWS:
        whole.learn_one(row, row["y"])
        outs_whole.append(whole.transform_one(row))
    outs = []
    for i, row in enumerate(ROWS):
        if i == len(ROWS) // 2:
            half = pickle.loads(pickle.dumps(half))
        half.learn_one(row, row["y"])
        outs.append(half.transform_one(row))
    assert outs == outs_whole
    assert set(outs[-1]) == {"x_rollingquantile_30_by_k", "y_ewv_0.2_by_k"}


def test_agg_clone_is_fresh() -> None:
    agg = _agg(on="x", by="k", how=pss_river.Quantile(0.9))
    for row in ROWS[:50]:
        agg.learn_one(row)
    clone = agg.clone()
    assert clone.transform_one({"k": "a"}) == {"x_quantile_by_k": None}
    assert agg.transform_one({"k": "a"})["x_quantile_by_k"] is not None
    assert clone.how.q == 0.9
    assert clone.how.method == "p2"


def test_repr() -> None:
    for ours, theirs in [
        (pss_river.Mean(), stats.Mean()),
        (pss_river.Quantile(0.9), stats.Quantile(0.9)),
        (pss_river.RollingMax(3), stats.RollingMax(3)),
        (pss_river.EWMean(0.5), stats.EWMean(0.5)),
    ]:
        # River's format, "Name: value" with six decimals
        for x in (1.5, 2.25, 10.0, 4.0, 8.0, 3.0):
            ours.update(x)
            theirs.update(x)
        assert repr(ours) == str(ours) == repr(theirs)
    assert repr(pss_river.Mean()) == "Mean: None"
    assert repr(pss_river.RollingQuantile(0.5, 4)) == "RollingQuantile: None"
    agg = _agg(on="x", by="k", how=pss_river.RollingQuantile(0.5, 4))
    assert repr(agg) == (
        "Agg (\n  on=\"x\"\n  by=['k']\n  how=RollingQuantile (\n    q=0.5\n    window_size=4\n"
        '    interpolation="linear"\n    min_samples=1\n    closed="right"\n  )\n)'
    )
    assert str(agg) == "x_rollingquantile_4_by_k"


def test_names_follow_river() -> None:
    for ours, theirs in [
        (pss_river.EWMean(0.25), stats.EWMean(0.25)),
        (pss_river.EWVar(0.25), stats.EWVar(0.25)),
        (pss_river.IQR(0.1, 0.6), stats.IQR(0.1, 0.6)),
        (pss_river.PeakToPeak(), stats.PeakToPeak()),
        (pss_river.AbsMax(), stats.AbsMax()),
        (pss_river.Skew(), stats.Skew()),
        (pss_river.RollingIQR(9), stats.RollingIQR(9)),
        (pss_river.RollingPeakToPeak(9), stats.RollingPeakToPeak(9)),
    ]:
        assert ours.name == theirs.name
    assert pss_river.RollingMean(9).name == "rollingmean_9"
    assert pss_river.EWStd(0.25).name == "ewstd_0.25"


def test_revert_and_utils_rolling() -> None:
    """`revert` lets River's own utils.Rolling wrap an adapter."""
    ours: Any = utils.Rolling(pss_river.Var, window_size=20)
    theirs: Any = utils.Rolling(stats.Var, window_size=20)
    exact: Any = pss_river.RollingVar(20)
    for i, row in enumerate(ROWS):
        for s in (ours, theirs, exact):
            s.update(row["x"])
        if i == 0:
            assert ours.get() is None
            assert exact.get() is None
            assert theirs.get() == 0.0
            continue
        # both wrappers add and subtract: their residues match River's to ~1e-13
        assert math.isclose(ours.get(), theirs.get(), rel_tol=1e-10)
        assert math.isclose(ours.get(), exact.get(), rel_tol=1e-10)
    q = pss_river.Quantile(0.5, method="exact", interpolation="linear")
    for x in (1.0, 2.0, 10.0):
        q.update(x)
    q.revert(10.0)
    assert q.get() == 1.5
    with pytest.raises(ValueError, match="method='exact'"):
        pss_river.Quantile(0.5).revert(1.0)


def test_merge() -> None:
    xs = [r["x"] for r in ROWS[:100]]
    for make in (
        pss_river.Var,
        lambda: pss_river.EWVar(0.3),
        lambda: pss_river.RollingQuantile(0.9, 30),
        lambda: pss_river.Quantile(0.7, method="exact"),
    ):
        whole, a, b = make(), make(), make()
        _feed(whole, xs)
        _feed(a, xs[:37])
        _feed(b, xs[37:])
        merged = a + b
        assert type(merged) is type(a)
        assert _agree(merged.get(), whole.get(), exact=False)
        assert a.get() != merged.get()  # `+` leaves its operands alone
        a += b
        assert a.get() == merged.get()
    with pytest.raises(TypeError, match="same adapter class"):
        pss_river.Mean() + pss_river.Var()
    with pytest.raises(ValueError, match="different options"):
        pss_river.Var(0) + pss_river.Var(1)
    with pytest.raises(TypeError):
        pss_river.Quantile(0.5) + pss_river.Quantile(0.5)  # P² cannot merge


def test_none_and_nan() -> None:
    m = pss_river.Mean()
    m.update(1.0)
    m.update(None)  # a missing value: ignored by a cumulative statistic
    assert m.get() == 1.0
    with pytest.raises(TypeError):
        stats.Mean().update(None)  # type: ignore[arg-type]  # River's own raises (the documented difference)
    r = pss_river.RollingMax(2)
    for x in (5.0, None, 1.0):
        r.update(x)
    assert r.get() == 1.0  # the null took a window slot
    mx = pss_river.Max()
    for x in (1.0, math.nan, 2.0):
        mx.update(x)
    value = mx.get()
    assert value is not None
    assert math.isnan(value)  # NaN propagates (River's Max skips it)
    theirs = stats.Max()
    for x in (1.0, math.nan, 2.0):
        theirs.update(x)
    assert theirs.get() == 2.0
    e = pss_river.EWMean(0.5)
    for x in (1.0, None, 3.0):
        e.update(x)
    # ignore_nulls=False: the null ages 1.0 by one more step, as pss/Polars
    assert e.get() == pss.EWMean(alpha=0.5, adjust=False).update_many([1.0, None, 3.0]).get()


def test_time_window_through_agg() -> None:
    period = dt.timedelta(days=3)
    ours = _agg(on="x", by="k", how=pss_river.RollingMean(period))
    theirs = _agg(on="x", by="k", how=utils.TimeRolling(stats.Mean, period))
    t0 = dt.datetime(2024, 1, 1)
    rng = random.Random(3)
    t = t0
    for row in ROWS:
        t += dt.timedelta(hours=rng.randint(1, 30))
        ours.learn_one(row, t=t)
        theirs.learn_one(row, t=t)
        (a,) = ours.transform_one(row).values()
        (b,) = theirs.transform_one(row).values()
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    assert ours.how.window_size == period
    with pytest.raises(TypeError, match="`t` is required"):
        pss_river.RollingMean("5m").update(1.0)


def test_bad_parameters_name_river_parameters() -> None:
    with pytest.raises(ValueError, match="`fading_factor`"):
        pss_river.EWMean(0.0)
    with pytest.raises(ValueError, match="`fading_factor`"):
        pss_river.RollingEWMean(5, 1.5)
    with pytest.raises(TypeError, match="`fading_factor`"):
        pss_river.EWVar(True)
    with pytest.raises(ValueError, match="`q`"):
        pss_river.Quantile(1.5, method="exact")
    with pytest.raises(ValueError, match="`q`"):
        pss_river.RollingQuantile(-0.1, 5)
    with pytest.raises(ValueError, match="`min_samples`"):
        pss_river.RollingMean(3, min_samples=4)
    with pytest.raises(TypeError, match="`window_size`"):
        pss_river.RollingMax(2.5)  # type: ignore[arg-type]


def test_import_error_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['river'] = None\n"
        "try:\n"
        "    import polars_streamstats.river\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "pip install 'polars-streamstats[river]'" in out
    # pss itself does not need River
    code = "import sys\nsys.modules['river'] = None\nimport polars_streamstats\nprint('ok')\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "ok"


@pytest.mark.parametrize("name", pss_river.__all__)
def test_docstrings_describe_every_parameter(name: str) -> None:
    cls = getattr(pss_river, name)
    doc = inspect.getdoc(cls) or ""
    assert "Parameters\n----------" in doc
    assert "Examples\n--------\n>>> " in doc
    described = set(re.findall(r"^(\w+(?:, \w+)*)$", doc, re.MULTILINE))
    names = {n for entry in described for n in entry.split(", ")}
    missing = set(inspect.signature(cls).parameters) - names
    assert not missing, f"undocumented parameters: {missing}"
