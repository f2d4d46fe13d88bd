"""Ordered merge (issue 10, part 1): ``a.merge(b)``, ``a + b`` and ``a += b`` on every class.

The contract (``merge`` docstring, src/python/plumbing.rs): afterwards ``a`` is as if it had
seen its own rows and then every row ``b`` saw, where ``b`` started fresh with the same options.
So for a stream cut into parts, the merge of the parts' objects (each fed only its part) is the
object fed the whole stream: the same ``get()`` (bit for bit for quantiles, IQRs and extremes,
within 1e-12 relative for the rest) and the same continuation (``running`` on more rows).
Checked here with hypothesis on random streams (nulls, NaN, infinities, repeated times and time
gaps) cut at random points into 2..5 parts, for every class and several option sets: row-count
and time-based windows (every ``closed``, integer and datetime times), exponentially weighted
statistics by rows and by a duration ``half_life``, cumulative moments, extremes and exact
quantiles. Then: any bracketing of a chain gives the same; the empty object is the identity
on both sides; the order-free statistics commute; ``merge``/``+``/``+=`` mutate exactly what
they should; errors leave both states alone; pickled parts merge.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import operator
import pickle
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polars_streamstats as pss

Value = float | None
Times = list[int] | list[datetime]

EPOCH = datetime(2024, 3, 1, 9, 30)
CLOSED = ["right", "left", "both", "none"]
# Relative tolerance of the statistics that are sums (moments, EW): one pass and a merge of
# parts round differently.
REL = 1e-12

# ---------------------------------------------------------------------------------------------
# The catalogue: every class, with option sets that exercise each merge path
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One class with one option set, and what the merge of its parts promises."""

    id: str
    make: Callable[[], Any]
    # How the rows carry times: None (no times), "int" (ints, 'i' durations) or "datetime".
    time: str | None = None
    # get() of a merge is bit for bit that of the whole (quantiles, IQRs, extremes).
    exact: bool = False
    # Order-free: a + b == b + a (cumulative moments/extremes, exact Quantile/IQR).
    commutative: bool = False
    # The power of the data's magnitude the statistic scales with (mean 1, variance 2,
    # skew/kurtosis 0): the absolute floor of the comparison is REL * max|x| ** power.
    power: int = 1
    kind: str = field(default="")

    def __str__(self) -> str:
        return self.id


def _spec(
    id: str,
    make: Callable[[], Any],
    *,
    time: str | None = None,
    exact: bool = False,
    commutative: bool = False,
    power: int = 1,
    kind: str,
) -> Spec:
    return Spec(id, make, time, exact, commutative, power, kind)


def catalogue() -> list[Spec]:
    out: list[Spec] = []

    # Cumulative moments (order-free, summed).
    cumulative_moments: list[tuple[str, Callable[[], Any], int]] = [
        ("Mean", lambda: pss.Mean(), 1),
        ("Mean-min3", lambda: pss.Mean(min_samples=3), 1),
        ("Var", lambda: pss.Var(), 2),
        ("Var-ddof0", lambda: pss.Var(ddof=0, min_samples=2), 2),
        ("Std", lambda: pss.Std(), 1),
        ("Std-ddof2", lambda: pss.Std(ddof=2, min_samples=4), 1),
        ("Skew", lambda: pss.Skew(), 0),
        ("Skew-unbiased", lambda: pss.Skew(bias=False, min_samples=2), 0),
        ("Kurtosis", lambda: pss.Kurtosis(), 0),
        ("Kurtosis-pearson-unbiased", lambda: pss.Kurtosis(fisher=False, bias=False), 0),
    ]
    for id_, make, power in cumulative_moments:
        out.append(_spec(id_, make, commutative=True, power=power, kind="cumulative"))

    # Cumulative extremes and exact quantiles (order-free, bit for bit).
    cumulative_exact: list[tuple[str, Callable[[], Any]]] = [
        ("Min", lambda: pss.Min()),
        ("Max", lambda: pss.Max(min_samples=2)),
        ("PeakToPeak", lambda: pss.PeakToPeak()),
        ("AbsMax", lambda: pss.AbsMax()),
        ("Quantile-0.3", lambda: pss.Quantile(0.3)),
        ("Quantile-0.5-linear", lambda: pss.Quantile(0.5, "linear", min_samples=2)),
        ("Quantile-0.9-lower", lambda: pss.Quantile(0.9, "lower")),
        ("Quantile-0.1-higher", lambda: pss.Quantile(0.1, "higher")),
        ("Quantile-0.7-midpoint", lambda: pss.Quantile(0.7, "midpoint")),
        ("Quantile-0-nearest", lambda: pss.Quantile(0.0, "nearest")),
        ("Quantile-1-linear", lambda: pss.Quantile(1.0, "linear")),
        ("IQR", lambda: pss.IQR()),
        ("IQR-0.1-0.8-midpoint", lambda: pss.IQR(q_inf=0.1, q_sup=0.8, interpolation="midpoint")),
        ("IQR-linear-min3", lambda: pss.IQR(interpolation="linear", min_samples=3)),
    ]
    for id_, make in cumulative_exact:
        out.append(_spec(id_, make, exact=True, commutative=True, kind="cumulative"))

    # Exponentially weighted, by rows.
    ew_rows: list[tuple[str, Callable[[], Any], int]] = [
        ("EWMean-alpha0.3", lambda: pss.EWMean(alpha=0.3), 1),
        (
            "EWMean-com2-unadjusted-ignore-min3",
            lambda: pss.EWMean(com=2.0, adjust=False, min_samples=3, ignore_nulls=True),
            1,
        ),
        ("EWMean-alpha0.5-unadjusted", lambda: pss.EWMean(alpha=0.5, adjust=False), 1),
        ("EWMean-halflife2-ignore", lambda: pss.EWMean(half_life=2.0, ignore_nulls=True), 1),
        ("EWMean-alpha1", lambda: pss.EWMean(alpha=1.0), 1),
        ("EWVar-span5", lambda: pss.EWVar(span=5.0), 2),
        (
            "EWVar-halflife3-unadjusted-biased-ignore",
            lambda: pss.EWVar(
                half_life=3.0, adjust=False, bias=True, min_samples=2, ignore_nulls=True
            ),
            2,
        ),
        ("EWVar-alpha0.2-min2", lambda: pss.EWVar(alpha=0.2, min_samples=2), 2),
        ("EWVar-alpha0.4-unadjusted", lambda: pss.EWVar(alpha=0.4, adjust=False), 2),
        ("EWStd-alpha0.25", lambda: pss.EWStd(alpha=0.25), 1),
        ("EWStd-com1.5-biased-ignore", lambda: pss.EWStd(com=1.5, bias=True, ignore_nulls=True), 1),
    ]
    for id_, make, power in ew_rows:
        out.append(_spec(id_, make, power=power, kind="ew"))

    # Exponentially weighted, by a duration half_life.
    ew_time: list[tuple[str, Callable[[], Any], str, int]] = [
        ("EWMean-3i", lambda: pss.EWMean(half_life="3i"), "int", 1),
        ("EWVar-3i", lambda: pss.EWVar(half_life="3i"), "int", 2),
        ("EWVar-3i-biased", lambda: pss.EWVar(half_life="3i", bias=True), "int", 2),
        ("EWStd-3i", lambda: pss.EWStd(half_life="3i"), "int", 1),
        ("EWMean-3s", lambda: pss.EWMean(half_life="3s"), "datetime", 1),
        ("EWVar-1s", lambda: pss.EWVar(half_life="1s"), "datetime", 2),
        ("EWStd-2500ms-biased", lambda: pss.EWStd(half_life="2500ms", bias=True), "datetime", 1),
    ]
    for id_, make, time, power in ew_time:
        out.append(_spec(id_, make, time=time, power=power, kind="ew"))

    # Windows: every Rolling class, by rows and by time with each `closed`.
    rolling: list[tuple[str, Callable[..., Any], bool, int]] = [
        ("RollingMean", lambda w, **k: pss.RollingMean(w, **k), False, 1),
        ("RollingVar", lambda w, **k: pss.RollingVar(w, **k), False, 2),
        ("RollingStd", lambda w, **k: pss.RollingStd(w, ddof=0, **k), False, 1),
        ("RollingSkew", lambda w, **k: pss.RollingSkew(w, bias=False, **k), False, 0),
        ("RollingKurtosis", lambda w, **k: pss.RollingKurtosis(w, fisher=False, **k), False, 0),
        ("RollingMin", lambda w, **k: pss.RollingMin(w, **k), True, 1),
        ("RollingMax", lambda w, **k: pss.RollingMax(w, **k), True, 1),
        ("RollingPeakToPeak", lambda w, **k: pss.RollingPeakToPeak(w, **k), True, 1),
        ("RollingAbsMax", lambda w, **k: pss.RollingAbsMax(w, **k), True, 1),
        ("RollingQuantile", lambda w, **k: pss.RollingQuantile(0.3, "linear", w, **k), True, 1),
        ("RollingMedian", lambda w, **k: pss.RollingQuantile(0.5, window_size=w, **k), True, 1),
        ("RollingIQR", lambda w, **k: pss.RollingIQR(w, interpolation="midpoint", **k), True, 1),
        ("RollingEWMean", lambda w, **k: pss.RollingEWMean(w, alpha=0.4, **k), False, 1),
    ]

    def bind(make: Callable[..., Any], *args: Any, **kw: Any) -> Callable[[], Any]:
        return lambda: make(*args, **kw)

    for name, make, exact, power in rolling:
        for w, kw in [(4, {}), (6, {"min_samples": 2}), (1, {})]:
            id_ = f"{name}-{w}" + ("-min2" if kw else "")
            out.append(_spec(id_, bind(make, w, **kw), exact=exact, power=power, kind="rows"))
        for closed in CLOSED:
            out.append(
                _spec(
                    f"{name}-5i-{closed}",
                    bind(make, "5i", closed=closed),
                    time="int",
                    exact=exact,
                    power=power,
                    kind="time",
                )
            )
        out.append(
            _spec(
                f"{name}-4s-both-min2",
                bind(make, "4s", closed="both", min_samples=2),
                time="datetime",
                exact=exact,
                power=power,
                kind="time",
            )
        )
    return out


SPECS = catalogue()
SPEC_BY_ID = {s.id: s for s in SPECS}
assert len(SPEC_BY_ID) == len(SPECS)
spec_params = pytest.mark.parametrize("spec", SPECS, ids=str)


def test_catalogue_covers_every_class() -> None:
    """Every exported statistic class is in the catalogue (a new class cannot escape)."""
    exported = {
        name
        for name in pss.__all__
        if isinstance(getattr(pss, name), type) and hasattr(getattr(pss, name), "_options")
    }  # the statistic classes (not the Tracker, which holds them)
    covered = {type(s.make()).__name__ for s in SPECS}
    assert exported == covered
    assert len(exported) >= 26
    for name in exported:
        cls = getattr(pss, name)
        assert callable(cls.merge), name
        assert callable(cls.__add__), name
        assert callable(cls.__iadd__), name
    # Every Rolling class by rows, by integer times with each closed, and by datetimes.
    for name in (n for n in exported if n.startswith("Rolling")):
        kinds = {(s.kind, s.time) for s in SPECS if type(s.make()).__name__ == name}
        assert kinds == {("rows", None), ("time", "int"), ("time", "datetime")}, name
    # The EW classes by rows and by a duration half_life.
    for name in ("EWMean", "EWVar", "EWStd"):
        times = {s.time for s in SPECS if type(s.make()).__name__ == name}
        assert times == {None, "int", "datetime"}, name


# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------


def bits(x: Value) -> bytes | None:
    return None if x is None else struct.pack("<d", x)


def same(a: Value, b: Value) -> bool:
    """Bit for bit (so -0.0 differs from 0.0), any NaN equal to any NaN."""
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return bits(a) == bits(b)


def close(a: Value, b: Value, floor: float) -> bool:
    """Within ``REL`` relative or ``floor`` absolute; NaN equals NaN; infinities exactly."""
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return a == b or abs(a - b) <= max(REL * max(abs(a), abs(b)), floor)


def floor_of(spec: Spec, values: list[Value]) -> float:
    """The absolute floor: ``REL`` times the data's magnitude to the statistic's power."""
    finite = [abs(x) for x in values if x is not None and math.isfinite(x)]
    scale = max(finite, default=1.0)
    return REL * max(scale, 1.0) ** spec.power


def agree(spec: Spec, a: Value, b: Value, values: list[Value]) -> bool:
    return same(a, b) if spec.exact else close(a, b, floor_of(spec, values))


def assert_agree(spec: Spec, got: Value, expected: Value, values: list[Value], what: str) -> None:
    assert agree(spec, got, expected, values), f"{spec.id} {what}: {got!r} != {expected!r}"


def assert_series_agree(
    spec: Spec, got: pl.Series, expected: pl.Series, values: list[Value], what: str
) -> None:
    g, e = got.to_list(), expected.to_list()
    assert len(g) == len(e), what
    for i, (x, y) in enumerate(zip(g, e, strict=True)):
        assert agree(spec, x, y, values), f"{spec.id} {what}[{i}]: {x!r} != {y!r}"


def state(obj: Any) -> bytes:
    out = obj.__getstate__()
    assert isinstance(out, bytes)
    return out


# ---------------------------------------------------------------------------------------------
# Streams
# ---------------------------------------------------------------------------------------------


@dataclass
class Stream:
    """Rows (values and, for time-based objects, times), cut into parts, and more rows."""

    values: list[Value]
    times: Times | None
    cuts: list[int]  # k - 1 sorted cut points in [0, n] (equal cuts: empty parts)
    more: list[Value]
    more_times: Times | None
    feeds: list[str]  # how each part is fed (see `feed`)

    def bounds(self) -> list[tuple[int, int]]:
        points = [0, *self.cuts, len(self.values)]
        return list(itertools.pairwise(points))

    def all_values(self) -> list[Value]:
        return [*self.values, *self.more]


def to_times(kind: str | None, ints: list[int]) -> Times | None:
    if kind is None:
        return None
    if kind == "int":
        return ints
    return [EPOCH + timedelta(seconds=t) for t in ints]


FEEDS = ("update_many", "running", "update")


def feed(spec: Spec, values: list[Value], times: Times | None, how: str = "update_many") -> Any:
    """A fresh object fed ``values`` (at ``times`` for a time-based one) by ``update_many``, by
    ``running`` (the sweep) or by ``update`` row by row."""
    obj = spec.make()
    timed = times is not None
    if how == "update_many":
        obj.update_many(values, times) if timed else obj.update_many(values)
    elif how == "running":
        obj.running(values, times) if timed else obj.running(values)
    else:
        assert how == "update", how
        for i, x in enumerate(values):
            obj.update(x, times[i]) if times is not None else obj.update(x)
    return obj


def run(obj: Any, values: list[Value], times: Times | None) -> pl.Series:
    out = obj.running(values) if times is None else obj.running(values, times)
    assert isinstance(out, pl.Series)
    return out


def parts(spec: Spec, s: Stream) -> list[Any]:
    """One fresh object per part, each fed only its part (each in the stream's way)."""
    return [
        feed(spec, s.values[a:b], None if s.times is None else s.times[a:b], how)
        for (a, b), how in zip(s.bounds(), s.feeds, strict=True)
    ]


SPECIALS = (math.nan, math.inf, -math.inf, 0.0, -0.0)
STEPS = (0, 0, 1, 1, 2, 3, 6, 40)  # time steps between rows: repeats, small steps, gaps
ROW_BYTES = 5


def decode_row(row: bytes, wide: bool, special: bool) -> tuple[Value, int]:
    """One row (a value and the time step before it) from ``ROW_BYTES`` bytes.

    Rows are decoded from one ``st.binary`` draw (much cheaper to generate than a list of
    ``one_of`` draws, and it still shrinks: zero bytes are the value 0.0 after a step of 0).
    Byte 0: the kind (3/4 numbers, then nulls, then NaN/infinities/signed zeros when
    ``special``) and the time step; bytes 1-4: the number, on a quarter grid in [-100, 100]
    (ties for the quantiles) or, when ``wide``, with a full mantissa in [-1e6, 1e6].
    """
    kind, step = row[0] % 16, STEPS[row[0] // 16 % len(STEPS)]
    u = int.from_bytes(row[1:], "little")
    if kind >= 14 and special:
        return SPECIALS[u % len(SPECIALS)], step
    if kind >= 12:
        return None, step
    if wide:
        return (u / 2**32 * 2.0 - 1.0) * 1e6 * (-1.0 if u % 2 else 1.0), step
    return ((u + 400) % 801 - 400) / 4.0, step


@st.composite
def streams(draw: st.DrawFn, time: str | None, max_size: int = 40) -> Stream:
    """A stream of values (nulls; NaN, infinities and signed zeros in some examples; a quarter
    grid or full-mantissa floats), times with repeats and gaps when ``time`` is set, k = 2..5
    parts (cut anywhere, empty parts included), each fed its own way, and more rows."""
    special = draw(st.booleans())
    wide = draw(st.booleans())
    raw = draw(st.binary(max_size=max_size * ROW_BYTES))
    raw_more = draw(st.binary(min_size=ROW_BYTES, max_size=12 * ROW_BYTES))
    rows = [
        decode_row(chunk[i : i + ROW_BYTES], wide, special)
        for chunk in (raw, raw_more)
        for i in range(0, len(chunk) - ROW_BYTES + 1, ROW_BYTES)
    ]
    n = len(raw) // ROW_BYTES
    values = [v for v, _ in rows[:n]]
    more = [v for v, _ in rows[n:]]
    k = draw(st.integers(2, 5))
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=k - 1, max_size=k - 1)))
    start = draw(st.integers(-50, 50))
    ints = list(itertools.accumulate((step for _, step in rows), initial=start))[1:]
    times = to_times(time, ints[:n])
    more_times = to_times(time, ints[n:])
    feeds = draw(st.lists(st.sampled_from(FEEDS), min_size=k, max_size=k))
    return Stream(values, times, cuts, more, more_times, feeds)


def merge_left(objs: list[Any]) -> Any:
    """((p0 + p1) + p2) + ...: the parts merged in order into a copy of the first."""
    acc = copy.deepcopy(objs[0])
    for o in objs[1:]:
        acc.merge(o)
    return acc


MERGE_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ---------------------------------------------------------------------------------------------
# 1. The merge of the parts is the whole, and continues like it
# ---------------------------------------------------------------------------------------------


@spec_params
def test_merge_of_parts_is_the_whole(spec: Spec) -> None:
    @MERGE_SETTINGS
    @given(streams(spec.time))
    def check(s: Stream) -> None:
        whole = feed(spec, s.values, s.times)
        merged = merge_left(parts(spec, s))
        data = s.all_values()
        assert type(merged) is type(whole)
        assert merged._options() == whole._options()
        assert_agree(spec, merged.get(), whole.get(), data, "get()")
        expected = run(whole, s.more, s.more_times)
        got = run(merged, s.more, s.more_times)
        assert_series_agree(spec, got, expected, data, "running(more)")
        assert_agree(spec, merged.get(), whole.get(), data, "get() after more")

    check()


# ---------------------------------------------------------------------------------------------
# 2. Any bracketing of a chain gives the same
# ---------------------------------------------------------------------------------------------


@functools.cache
def bracketings(k: int) -> list[Any]:
    """Every full binary bracketing of the parts 0..k-1, as nested (left, right) pairs."""

    def build(lo: int, hi: int) -> list[Any]:
        if hi - lo == 1:
            return [lo]
        return [
            (left, right)
            for mid in range(lo + 1, hi)
            for left in build(lo, mid)
            for right in build(mid, hi)
        ]

    return build(0, k)


def evaluate(tree: Any, objs: list[Any]) -> Any:
    """The merge that ``tree`` brackets, with ``+`` (the parts are not touched)."""
    if isinstance(tree, int):
        return objs[tree]
    left, right = tree
    return evaluate(left, objs) + evaluate(right, objs)


def test_bracketings_are_catalan() -> None:
    assert [len(bracketings(k)) for k in range(1, 6)] == [1, 1, 2, 5, 14]


@spec_params
def test_every_bracketing_gives_the_same(spec: Spec) -> None:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(streams(spec.time, max_size=30))
    def check(s: Stream) -> None:
        objs = parts(spec, s)
        before = [state(o) for o in objs]
        data = s.all_values()
        results = [evaluate(tree, objs) for tree in bracketings(len(objs))]
        assert [state(o) for o in objs] == before  # `+` left every part alone
        first = results[0].get()
        expected = run(copy.deepcopy(results[0]), s.more, s.more_times)
        for tree, r in zip(bracketings(len(objs)), results, strict=True):
            assert_agree(spec, r.get(), first, data, f"get() of {tree}")
            got = run(r, s.more, s.more_times)
            assert_series_agree(spec, got, expected, data, f"running(more) of {tree}")

    check()


# ---------------------------------------------------------------------------------------------
# 3. The empty object is the identity; the order-free statistics commute
# ---------------------------------------------------------------------------------------------


@spec_params
def test_empty_is_the_identity_on_both_sides(spec: Spec) -> None:
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(streams(spec.time, max_size=30))
    def check(s: Stream) -> None:
        obj = feed(spec, s.values, s.times)
        data = s.all_values()
        expected = run(copy.deepcopy(obj), s.more, s.more_times)
        for merged in (obj + spec.make(), spec.make() + obj, copy.deepcopy(obj).merge(spec.make())):
            assert_agree(spec, merged.get(), obj.get(), data, "get()")
            assert_series_agree(
                spec, run(merged, s.more, s.more_times), expected, data, "running(more)"
            )
        empty = spec.make() + spec.make()
        assert empty.get() is None
        assert state(empty) == state(spec.make())

    check()


COMMUTATIVE = [s for s in SPECS if s.commutative]


@pytest.mark.parametrize("spec", COMMUTATIVE, ids=str)
def test_order_free_statistics_commute(spec: Spec) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(streams(spec.time))
    def check(s: Stream) -> None:
        objs = parts(spec, s)
        data = s.all_values()
        forward = merge_left(objs)
        backward = merge_left(objs[::-1])
        a, b = objs[0], objs[-1]
        pairs = [(forward.get(), backward.get()), ((a + b).get(), (b + a).get())]
        for x, y in pairs:
            if spec.exact:
                # == (as the contract says): -0.0 and 0.0 are one value here.
                assert x == y or same(x, y), (spec.id, x, y)
            else:
                assert close(x, y, floor_of(spec, data)), (spec.id, x, y)

    check()


def test_the_catalogue_marks_exactly_the_order_free_statistics_commutative() -> None:
    order_free = {
        "Mean",
        "Var",
        "Std",
        "Skew",
        "Kurtosis",
        "Min",
        "Max",
        "PeakToPeak",
        "AbsMax",
        "Quantile",
        "IQR",
    }
    for spec in SPECS:
        assert spec.commutative == (type(spec.make()).__name__ in order_free), spec.id


@pytest.mark.parametrize(
    ("make", "first", "second"),
    [
        (lambda: pss.EWMean(alpha=0.5), [1.0], [3.0]),
        (lambda: pss.EWMean(alpha=0.5, adjust=False), [1.0, 2.0], [3.0]),
        (lambda: pss.EWVar(alpha=0.3), [1.0, 5.0], [2.0, 2.0, 9.0]),
        (lambda: pss.EWStd(span=3.0, bias=True), [0.0, 4.0], [1.0]),
        (lambda: pss.RollingMean(2), [1.0, 2.0], [3.0]),
        (lambda: pss.RollingMax(2), [9.0], [1.0, 2.0]),
        (lambda: pss.RollingQuantile(0.5, window_size=3), [1.0, 2.0, 3.0], [10.0]),
        (lambda: pss.RollingEWMean(3, alpha=0.5), [1.0], [5.0]),
    ],
)
def test_windows_and_ew_are_not_commutative(
    make: Callable[[], Any], first: list[float], second: list[float]
) -> None:
    """Order matters: a + b is a's rows then b's, and b + a the other order (each equal to the
    object fed its rows in that order), which differ here."""
    a, b = make().update_many(first), make().update_many(second)
    ab, ba = (a + b).get(), (b + a).get()
    assert close(ab, make().update_many(first + second).get(), REL)
    assert close(ba, make().update_many(second + first).get(), REL)
    assert ab is not None
    assert ba is not None
    assert abs(ab - ba) > 1e-3


# ---------------------------------------------------------------------------------------------
# 4. What merge, + and += mutate
# ---------------------------------------------------------------------------------------------


def demo_stream(spec: Spec) -> tuple[list[Value], Times | None, int]:
    """A fixed stream (nulls, repeats, a gap) and a cut where the time does not go back."""
    values: list[Value] = [1.5, None, -2.25, 3.0, 3.0, 7.5, 0.5, None, 4.0, -1.0, 2.0, 6.25]
    ints = [0, 1, 1, 2, 4, 4, 5, 9, 9, 30, 31, 33]
    return values, to_times(spec.time, ints), 5


@spec_params
def test_merge_returns_self_and_mutates_plus_leaves_operands_iadd_mutates_left(
    spec: Spec,
) -> None:
    values, times, cut = demo_stream(spec)
    head = (values[:cut], None if times is None else times[:cut])
    tail = (values[cut:], None if times is None else times[cut:])
    whole = feed(spec, values, times)
    a, b = feed(spec, *head), feed(spec, *tail)
    a_state, b_state = state(a), state(b)
    a_value = a.get()

    added = a + b
    assert type(added) is type(a)
    assert added is not a
    assert added is not b
    assert state(a) == a_state  # + leaves both operands unchanged
    assert state(b) == b_state
    assert same(a.get(), a_value)
    assert_agree(spec, added.get(), whole.get(), values, "a + b")

    result = a.merge(b)
    assert result is a  # merge returns self ...
    assert state(a) == state(added)  # ... mutated into the merge (the same state as +)
    assert state(a) != a_state  # b's rows are in it
    assert state(b) == b_state  # the merged-in object is untouched

    c = feed(spec, *head)
    alias = c
    c += b
    assert c is alias  # += mutates the left in place
    assert state(c) == state(added)
    assert state(b) == b_state


@pytest.mark.parametrize(
    "make",
    [
        lambda: pss.Mean(),
        lambda: pss.Quantile(0.4, "linear"),
        lambda: pss.PeakToPeak(),
        lambda: pss.EWVar(alpha=0.3),
        lambda: pss.RollingMean(3),
        lambda: pss.RollingIQR(5),
        lambda: pss.RollingEWMean(4, alpha=0.5),
    ],
    ids=["Mean", "Quantile", "PeakToPeak", "EWVar", "RollingMean", "RollingIQR", "RollingEWMean"],
)
def test_merge_with_itself_is_the_stream_twice(make: Callable[[], Any]) -> None:
    """``a.merge(a)``, ``a + a`` and ``a += a``: a's rows, then the same rows again."""
    rows: list[Value] = [2.0, None, -1.5, 4.0, 0.25, 3.0]
    twice = make().update_many(rows + rows).get()
    a = make().update_many(rows)
    assert close((a + a).get(), twice, REL)
    assert a.merge(a) is a
    assert close(a.get(), twice, REL)
    b = make().update_many(rows)
    b += b
    assert close(b.get(), twice, REL)


REVERT_SPECS = [s for s in SPECS if hasattr(s.make(), "revert") and s.time is None]


@pytest.mark.parametrize("spec", REVERT_SPECS, ids=str)
def test_merge_and_revert_compose(spec: Spec) -> None:
    """A value reverted before the merge stays out; a value of the later part can be reverted
    after it (the merged state holds b's values, not only a summary of a's)."""
    head: list[Value] = [1.0, 2.0, 7.0, 3.0, None, -0.5]
    tail: list[Value] = [5.0, 4.0, 2.0, 11.0]
    a = spec.make().update_many(head).revert(2.0)
    merged = a + spec.make().update_many(tail)
    kept = [1.0, 7.0, 3.0, None, -0.5, *tail]
    assert_agree(spec, merged.get(), feed(spec, kept, None).get(), kept, "revert then merge")
    merged.revert(11.0)
    after: list[Value] = [1.0, 7.0, 3.0, -0.5, 5.0, 4.0, 2.0]
    assert_agree(spec, merged.get(), feed(spec, after, None).get(), after, "merge then revert")


def test_revert_specs_cover_every_class_with_revert() -> None:
    names = {type(s.make()).__name__ for s in REVERT_SPECS}
    assert names == {"Mean", "Var", "Std", "Skew", "Kurtosis", "Quantile", "IQR"}


# ---------------------------------------------------------------------------------------------
# 5. Errors
# ---------------------------------------------------------------------------------------------


def shown(options: dict[str, Any]) -> dict[str, str]:
    """Options as a message writes them (booleans in lower case, numbers compared as floats)."""
    out = {}
    for key, value in options.items():
        if isinstance(value, bool):
            out[key] = str(value).lower()
        elif isinstance(value, int | float):
            out[key] = repr(float(value))
        else:
            out[key] = str(value)
    return out


def parse_option_sets(message: str) -> list[dict[str, str]]:
    """The two option lists of a "different options (k=v, ... and k=v, ...)" message."""
    match = re.fullmatch(r".*different options \((?P<a>.*) and (?P<b>.*)\)", message)
    assert match is not None, message
    sets = []
    for text in (match["a"], match["b"]):
        items = {}
        for item in text.split(", "):
            key, sep, raw = item.partition("=")
            assert sep, message
            raw = raw.strip('"')
            items[key] = (
                raw
                if re.fullmatch(r"-?[0-9.e+-]+|NaN|inf|-inf", raw) is None
                else (repr(float(raw)))
            )
        sets.append(items)
    return sets


# (class name, option sets that differ from each other)
DIFFERENT_OPTIONS: list[tuple[str, list[Callable[[], Any]]]] = [
    ("Mean", [lambda: pss.Mean(), lambda: pss.Mean(min_samples=3)]),
    ("Var", [lambda: pss.Var(), lambda: pss.Var(ddof=0)]),
    ("Kurtosis", [lambda: pss.Kurtosis(), lambda: pss.Kurtosis(fisher=False)]),
    ("AbsMax", [lambda: pss.AbsMax(), lambda: pss.AbsMax(min_samples=2)]),
    ("Quantile", [lambda: pss.Quantile(0.3), lambda: pss.Quantile(0.4)]),
    ("Quantile", [lambda: pss.Quantile(0.3), lambda: pss.Quantile(0.3, "linear")]),
    ("Quantile", [lambda: pss.Quantile(0.3), lambda: pss.Quantile(0.3, method="p2")]),
    ("IQR", [lambda: pss.IQR(), lambda: pss.IQR(q_sup=0.9)]),
    ("EWMean", [lambda: pss.EWMean(alpha=0.3), lambda: pss.EWMean(alpha=0.4)]),
    ("EWMean", [lambda: pss.EWMean(alpha=0.3), lambda: pss.EWMean(alpha=0.3, adjust=False)]),
    ("EWMean", [lambda: pss.EWMean(half_life=3.0), lambda: pss.EWMean(half_life="3i")]),
    ("EWVar", [lambda: pss.EWVar(alpha=0.3), lambda: pss.EWVar(alpha=0.3, ignore_nulls=True)]),
    ("EWStd", [lambda: pss.EWStd(half_life="3s"), lambda: pss.EWStd(half_life="3s", bias=True)]),
    ("EWStd", [lambda: pss.EWStd(half_life="3s"), lambda: pss.EWStd(half_life="4s")]),
    ("RollingMean", [lambda: pss.RollingMean(4), lambda: pss.RollingMean(5)]),
    ("RollingMean", [lambda: pss.RollingMean(4), lambda: pss.RollingMean(4, min_samples=1)]),
    ("RollingMean", [lambda: pss.RollingMean(4), lambda: pss.RollingMean("4i")]),
    ("RollingVar", [lambda: pss.RollingVar("5i"), lambda: pss.RollingVar("5i", closed="left")]),
    ("RollingMin", [lambda: pss.RollingMin("5s"), lambda: pss.RollingMin("5i")]),
    (
        "RollingQuantile",
        [
            lambda: pss.RollingQuantile(0.5, window_size="1m"),
            lambda: pss.RollingQuantile(0.5, window_size="60s", min_samples=2),
        ],
    ),
    ("RollingIQR", [lambda: pss.RollingIQR(5), lambda: pss.RollingIQR(5, q_inf=0.1)]),
    (
        "RollingEWMean",
        [lambda: pss.RollingEWMean(4, alpha=0.5), lambda: pss.RollingEWMean(4, alpha=0.6)],
    ),
]


def some_rows(obj: Any) -> Any:
    """Feed a few rows (at integer or datetime times when the object is time-based)."""
    options = obj._options()
    duration = options.get("window_size", options.get("half_life"))
    if isinstance(duration, str):
        ints = [0, 1, 1, 3]
        times: Any = (
            ints if duration.endswith("i") else [EPOCH + timedelta(seconds=t) for t in ints]
        )
        return obj.update_many([1.0, None, 2.5, 4.0], times)
    return obj.update_many([1.0, None, 2.5, 4.0])


@pytest.mark.parametrize(
    ("name", "makers"),
    DIFFERENT_OPTIONS,
    ids=[f"{n}-{i}" for i, (n, _) in enumerate(DIFFERENT_OPTIONS)],
)
def test_different_options_raise_value_error_naming_both(
    name: str, makers: list[Callable[[], Any]]
) -> None:
    a, b = (some_rows(m()) for m in makers)
    assert type(a).__name__ == name
    assert a._options() != b._options()
    before = (state(a), state(b))
    attempts: list[tuple[Any, Any, Callable[[], Any]]] = [
        (a, b, lambda: a.merge(b)),
        (b, a, lambda: b.merge(a)),
        (a, b, lambda: a + b),
    ]

    def iadd() -> None:
        c = a
        c += b

    attempts.append((a, b, iadd))
    for mine, theirs, attempt in attempts:
        with pytest.raises(
            ValueError, match=f"^cannot merge {name} objects with different options"
        ) as info:
            attempt()
        message = str(info.value)
        # Both option sets are named in full, the object merged into first.
        assert parse_option_sets(message) == [shown(mine._options()), shown(theirs._options())]
    assert (state(a), state(b)) == before


TIME_SPECS = [s for s in SPECS if s.time is not None]


@pytest.mark.parametrize("spec", TIME_SPECS, ids=str)
def test_later_stream_starting_before_the_last_time_is_refused(spec: Spec) -> None:
    ints_a, ints_b = [0, 2, 5, 10], [9, 11, 12]  # b starts at 9 < a's last time 10
    a = feed(spec, [1.0, 2.0, None, 3.0], to_times(spec.time, ints_a))
    b = feed(spec, [4.0, None, 5.0], to_times(spec.time, ints_b))
    before = (state(a), state(b), a.get(), b.get())
    # The windows' wording ("cannot merge: the later stream starts at ...") and the EW's
    # ("time went backwards: ...") differ; both say this.
    with pytest.raises(ValueError, match="before the last time"):
        a.merge(b)
    with pytest.raises(ValueError, match="before the last time"):
        a + b
    c = a
    with pytest.raises(ValueError, match="before the last time"):
        c += b
    assert state(a) == before[0]
    assert state(b) == before[1]
    assert same(a.get(), before[2])
    # b starting exactly at a's last time is fine: that time's rows continue.
    b_equal = feed(spec, [4.0, None, 5.0], to_times(spec.time, [10, 11, 12]))
    whole = feed(
        spec, [1.0, 2.0, None, 3.0, 4.0, None, 5.0], to_times(spec.time, [*ints_a, 10, 11, 12])
    )
    assert_agree(spec, (a + b_equal).get(), whole.get(), [1.0, 5.0], "equal time")
    # b's order check is on its FIRST time (not its last): a b spanning a's last time is refused.
    b_span = feed(spec, [4.0, 5.0], to_times(spec.time, [8, 20]))
    with pytest.raises(ValueError, match="before the last time"):
        a.merge(b_span)
    # Null rows have times too (one fed a then b would refuse them): a b starting with a null
    # before a's last time, and an a ending with a null after b's first time, are refused.
    b_null = feed(spec, [None, 4.0], to_times(spec.time, [9, 12]))
    with pytest.raises(ValueError, match="before the last time"):
        a.merge(b_null)
    a_null = feed(spec, [1.0, None], to_times(spec.time, [0, 10]))
    with pytest.raises(ValueError, match="before the last time"):
        a_null.merge(feed(spec, [4.0], to_times(spec.time, [9])))
    assert state(a) == before[0]
    assert state(b) == before[1]


@pytest.mark.parametrize("spec", TIME_SPECS, ids=str)
def test_the_later_stream_keeps_its_first_time_after_merging(spec: Spec) -> None:
    """After a + b, the merge knows where its stream started: merging it after an object whose
    last time is later is refused (the merged object's first time is a's, not b's)."""
    a = feed(spec, [1.0, 2.0], to_times(spec.time, [0, 3]))
    b = feed(spec, [4.0, 5.0], to_times(spec.time, [20, 30]))
    c = feed(spec, [6.0], to_times(spec.time, [10]))
    ab = a + b
    with pytest.raises(ValueError, match="before the last time"):
        copy.deepcopy(c).merge(ab)  # ab starts at 0 < 10
    with pytest.raises(ValueError, match="before the last time"):
        ab.merge(c)  # c starts at 10 < 30


def test_p2_cannot_merge() -> None:
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: pss.Quantile(0.9, method="p2"), "Quantile"),
        (lambda: pss.IQR(method="p2"), "IQR"),
    ]
    for make, name in cases:
        a = make().update_many([1.0, 5.0, 2.0, 8.0, 3.0, 9.0])
        b = make().update_many([4.0, 7.0])
        before = (state(a), state(b))
        fresh_a, fresh_b = make(), make()
        attempts: list[Callable[[], Any]] = [
            functools.partial(a.merge, b),
            functools.partial(operator.add, a, b),
            functools.partial(fresh_a.merge, fresh_b),
        ]
        for attempt in attempts:
            with pytest.raises(TypeError) as e:
                attempt()
            message = str(e.value)
            assert message.startswith(f"{name}(method='p2') cannot merge"), message
            assert "method='exact'" in message, message
            assert f"Rolling{name}" in message, message
        c = a
        with pytest.raises(TypeError, match="method='exact'"):
            c += b
        assert (state(a), state(b)) == before


@pytest.mark.parametrize("spec", SPECS[::7], ids=str)
def test_merging_another_class_is_a_type_error(spec: Spec) -> None:
    obj = spec.make()
    before = state(obj)
    others = [pss.Mean(), pss.RollingMean(3), pss.EWMean(alpha=0.5), pss.Quantile(0.5)]
    for other in others:
        if type(other) is type(obj):
            continue
        with pytest.raises(TypeError):
            obj.merge(other)
        with pytest.raises(TypeError):
            obj + other
        c = obj
        with pytest.raises(TypeError):
            c += other
    for not_a_stat in (None, 1.0, [1.0], "Mean"):
        with pytest.raises(TypeError):
            obj.merge(not_a_stat)
        with pytest.raises(TypeError):
            obj + not_a_stat
    assert state(obj) == before


# ---------------------------------------------------------------------------------------------
# 6. Pickled parts merge
# ---------------------------------------------------------------------------------------------


@spec_params
def test_pickled_parts_merge(spec: Spec) -> None:
    values, times, cut = demo_stream(spec)
    whole = feed(spec, values, times)
    head_t = None if times is None else times[:cut]
    tail_t = None if times is None else times[cut:]
    a = feed(spec, values[:cut], head_t)
    b = feed(spec, values[cut:], tail_t)
    more: list[Value] = [5.0, None, -3.0, 2.5]
    more_times = to_times(spec.time, [33, 40, 41, 41])
    expected = run(copy.deepcopy(whole), more, more_times)
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        a2 = pickle.loads(pickle.dumps(a, protocol=protocol))
        b2 = pickle.loads(pickle.dumps(b, protocol=protocol))
        for merged in (a2 + b, a + b2, a2 + b2, copy.deepcopy(a2).merge(b2)):
            assert_agree(spec, merged.get(), whole.get(), values, f"pickled, protocol {protocol}")
            assert_series_agree(
                spec, run(merged, more, more_times), expected, values, "running after pickle"
            )
    # A merged object pickles and continues too.
    merged = pickle.loads(pickle.dumps(a + b))
    assert_series_agree(spec, run(merged, more, more_times), expected, values, "pickled merge")
    if spec.time is not None:  # and keeps its last time
        with pytest.raises(ValueError, match="time went backwards"):
            pickle.loads(pickle.dumps(a + b)).update(1.0, head_t[0] if head_t else None)


# ---------------------------------------------------------------------------------------------
# Deterministic cases the random streams might miss
# ---------------------------------------------------------------------------------------------


LONGER: list[Value] = [float(i) for i in range(12)]


def deterministic_cases() -> Iterator[tuple[str, list[Value], list[int], list[int]]]:
    """(id, values, integer times, cuts) for spots a merge can get wrong."""
    yield "leading-nulls-in-later", [1.0, 2.0, None, None, 3.0], [0, 1, 2, 3, 4], [2]
    yield "trailing-nulls-in-earlier", [1.0, None, None, 3.0, 4.0], [0, 1, 2, 3, 4], [3]
    yield "only-nulls-part", [1.0, None, None, None, 3.0], [0, 1, 2, 3, 4], [1, 4]
    yield "all-nulls", [None, None, None], [0, 1, 2], [1]
    yield "same-time-across-cut", [1.0, 2.0, 3.0, 4.0, 5.0], [0, 3, 3, 3, 4], [2]
    yield "gap-larger-than-window", [1.0, 2.0, 3.0, 9.0], [0, 1, 2, 100], [3]
    yield (
        "later-longer-than-window",
        [1.0, 2.0, *LONGER],
        list(range(14)),
        [2],
    )
    yield "nan-in-earlier", [1.0, math.nan, 2.0, 3.0, 4.0], [0, 1, 2, 3, 4], [2]
    yield "inf-in-later", [1.0, 2.0, math.inf, 3.0, -math.inf, 4.0], [0, 1, 2, 3, 4, 5], [2]
    yield "signed-zeros", [0.0, -0.0, 0.0, -0.0, 1.0], [0, 1, 1, 2, 3], [1, 3]
    yield "single-rows", [3.0, 1.0, 2.0, 5.0, 4.0], [0, 1, 2, 3, 4], [1, 2, 3, 4]
    yield "empty-edges", [3.0, 1.0, 2.0], [0, 1, 2], [0, 3]


DETERMINISTIC = list(deterministic_cases())


@spec_params
@pytest.mark.parametrize(
    ("values", "ints", "cuts"), [c[1:] for c in DETERMINISTIC], ids=[c[0] for c in DETERMINISTIC]
)
def test_merge_is_the_whole_deterministic(
    spec: Spec, values: list[Value], ints: list[int], cuts: list[int]
) -> None:
    times = to_times(spec.time, ints)
    more: list[Value] = [2.0, None, 7.0, 1.0, -4.0]
    last = ints[-1]
    s = Stream(
        values,
        times,
        cuts,
        more,
        to_times(spec.time, [last, last + 1, last + 3, last + 3, last + 9]),
        [FEEDS[i % len(FEEDS)] for i in range(len(cuts) + 1)],  # each way of feeding a part
    )
    whole = feed(spec, s.values, s.times)
    merged = merge_left(parts(spec, s))
    data = s.all_values()
    assert_agree(spec, merged.get(), whole.get(), data, "get()")
    expected = run(whole, s.more, s.more_times)
    assert_series_agree(spec, run(merged, s.more, s.more_times), expected, data, "running(more)")
