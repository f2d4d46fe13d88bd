"""The object contract, run on every statistic class that ``polars_streamstats`` exports.

Model: River's ``river/stats/test_stats.py``, which discovers every statistic and runs the same
tests on each. Here the classes are discovered from ``pss.__all__`` (every class with ``update``
and ``get``) and each one must have an entry in ``CASES`` (its expression function and option
sets), so a new class cannot escape the suite. Every case runs: pickle and copy round trips,
repr, ``update_many`` == repeated ``update`` for every kind of batch, ``running`` == the
expression bit for bit (also continuing from a state), rejection of bad state bytes, ``_options()``
rebuilding the object, and, where the class has them, ``merge`` and ``revert``. The golden
snapshot bytes in ``tests/golden/`` (written by ``tests/golden/make_snapshots.py`` from the same
cases) pin the pickled layout per class and snapshot format version. At the end: River's stored
reference vectors equal the live ones computed in ``conftest.py``.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
import math
import pickle
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_series_equal

import polars_streamstats as pss
from tests.conftest import RIVER_VECTORS, compute_river_vectors
from tests.helpers import chunked

Value = float | None
Options = dict[str, Any]
ExprFn = Callable[..., pl.Expr]

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


def discover() -> dict[str, Any]:
    """Every statistic class exported by ``polars_streamstats``: ``update``, ``get`` and a
    Tracker template (``pss.Tracker`` itself, which keeps statistics, is tested apart)."""
    found = {}
    for name in pss.__all__:
        obj = getattr(pss, name)
        if inspect.isclass(obj) and hasattr(obj, "update") and hasattr(obj, "_template"):
            found[name] = obj
    return found


CLASSES = discover()

# class name -> (the expression function that computes the same statistic, option sets).
# Options are keywords of both the class and the function (the class takes the function's
# options minus expr/weights/center/reverse); the first set gives only the required options,
# so the defaults of the class and the function are compared too.
CASES: dict[str, tuple[ExprFn, list[Options]]] = {
    "Mean": (pss.cum_mean, [{}, {"min_samples": 3}]),
    "Var": (pss.cum_var, [{}, {"ddof": 0, "min_samples": 2}]),
    "Std": (pss.cum_std, [{}, {"ddof": 2, "min_samples": 4}]),
    "Skew": (pss.cum_skew, [{}, {"bias": False, "min_samples": 2}]),
    "Kurtosis": (pss.cum_kurtosis, [{}, {"fisher": False, "bias": False, "min_samples": 5}]),
    "Min": (pss.cum_min, [{}, {"min_samples": 2}]),
    "Max": (pss.cum_max, [{}, {"min_samples": 2}]),
    "PeakToPeak": (pss.cum_peak_to_peak, [{}, {"min_samples": 3}]),
    "AbsMax": (pss.cum_abs_max, [{}, {"min_samples": 2}]),
    "Quantile": (
        pss.cum_quantile,
        [
            {"quantile": 0.3},
            {"quantile": 0.7, "interpolation": "linear", "min_samples": 3},
            {"quantile": 0.9, "method": "p2", "min_samples": 2},
        ],
    ),
    "IQR": (
        pss.cum_iqr,
        [
            {},
            {"q_inf": 0.1, "q_sup": 0.8, "interpolation": "midpoint", "min_samples": 2},
            {"q_inf": 0.2, "q_sup": 0.6, "method": "p2"},
        ],
    ),
    "EWMean": (
        pss.ewm_mean,
        [
            {"alpha": 0.3},
            {"com": 2.0, "adjust": False, "min_samples": 3, "ignore_nulls": True},
        ],
    ),
    "EWVar": (
        pss.ewm_var,
        [
            {"span": 5.0},
            {
                "half_life": 3.0,
                "adjust": False,
                "bias": True,
                "min_samples": 2,
                "ignore_nulls": True,
            },
        ],
    ),
    "EWStd": (
        pss.ewm_std,
        [
            {"alpha": 0.25},
            {"com": 1.5, "bias": True, "ignore_nulls": True},
        ],
    ),
    "RollingEWMean": (
        pss.rolling_ewm_mean,
        [{"window_size": 4, "alpha": 0.5}, {"window_size": 6, "span": 3.0, "min_samples": 2}],
    ),
    "RollingMean": (pss.rolling_mean, [{"window_size": 4}, {"window_size": 7, "min_samples": 2}]),
    "RollingVar": (
        pss.rolling_var,
        [{"window_size": 4}, {"window_size": 6, "ddof": 0, "min_samples": 1}],
    ),
    "RollingStd": (
        pss.rolling_std,
        [{"window_size": 5}, {"window_size": 3, "ddof": 2, "min_samples": 3}],
    ),
    "RollingSkew": (
        pss.rolling_skew,
        [{"window_size": 5}, {"window_size": 8, "bias": False, "min_samples": 3}],
    ),
    "RollingKurtosis": (
        pss.rolling_kurtosis,
        [{"window_size": 6}, {"window_size": 9, "fisher": False, "bias": False, "min_samples": 4}],
    ),
    "RollingMin": (pss.rolling_min, [{"window_size": 3}, {"window_size": 5, "min_samples": 1}]),
    "RollingMax": (pss.rolling_max, [{"window_size": 3}, {"window_size": 5, "min_samples": 1}]),
    "RollingPeakToPeak": (
        pss.rolling_peak_to_peak,
        [{"window_size": 4}, {"window_size": 6, "min_samples": 2}],
    ),
    "RollingAbsMax": (
        pss.rolling_abs_max,
        [{"window_size": 4}, {"window_size": 2, "min_samples": 1}],
    ),
    "RollingQuantile": (
        pss.rolling_quantile,
        [
            {"quantile": 0.3, "window_size": 5},
            {"quantile": 0.75, "interpolation": "linear", "window_size": 8, "min_samples": 2},
        ],
    ),
    "RollingIQR": (
        pss.rolling_iqr,
        [
            {"window_size": 5},
            {
                "window_size": 7,
                "q_inf": 0.2,
                "q_sup": 0.95,
                "interpolation": "higher",
                "min_samples": 1,
            },
        ],
    ),
}
# The ways to give the decay of the exponentially weighted statistics (one at a time).
DECAY = {"com", "span", "half_life", "alpha"}
# Function parameters that have no counterpart on an object.
FUNCTION_ONLY = {"expr", "weights", "center", "reverse"}


@dataclass(frozen=True)
class Case:
    """One class with one option set."""

    cls_name: str
    options: Options

    @property
    def cls(self) -> Any:
        return CLASSES[self.cls_name]

    def make(self) -> Any:
        return self.cls(**self.options)

    def expr(self, s: pl.Series) -> pl.Series:
        """The expression function on ``s`` (a literal column), with the same options."""
        function = CASES[self.cls_name][0]
        return pl.select(function(s, **self.options)).to_series()

    def __str__(self) -> str:
        opts = ",".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.cls_name}({opts})"


def all_cases() -> list[Case]:
    return [
        Case(name, options)
        for name, (_, option_sets) in CASES.items()
        if name in CLASSES
        for options in option_sets
    ]


ALL_CASES = all_cases()
case_params = pytest.mark.parametrize("case", ALL_CASES, ids=str)


def values(n: int, seed: int, nulls: bool = True) -> list[Value]:
    """Values on a quarter grid (so quantiles meet ties), nulls at a few places (a run of 3)."""
    rng = np.random.default_rng(seed)
    out: list[Value] = [round(float(v) * 4.0) / 4.0 for v in rng.normal(5.0, 4.0, n)]
    if nulls:
        for i in (0, 5, 11, 12, 13, 30):
            if i < n - 1:
                out[i] = None
    return out


DATA = values(48, 1)  # ends with a number
MORE = values(20, 2)
NAN_DATA = [*DATA[:20], math.nan, *DATA[20:]]


def same(a: Value, b: Value) -> bool:
    """Equal bit for bit (NaN equals NaN of the same bits; -0.0 differs from 0.0)."""
    if a is None or b is None:
        return a is b
    return struct.pack("<d", a) == struct.pack("<d", b)


def close(a: Value, b: Value, rel: float = 1e-12) -> bool:
    """Equal within ``rel`` (``rel=0``: exactly), any NaN equal to any NaN."""
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or a == pytest.approx(b, rel=rel, abs=rel)


def state(obj: Any) -> bytes:
    out = obj.__getstate__()
    assert isinstance(out, bytes)
    return out


def non_null(xs: list[Value]) -> list[float]:
    return [x for x in xs if x is not None]


# ---------------------------------------------------------------------------------------------
# Discovery: every class has cases, every case names a class
# ---------------------------------------------------------------------------------------------


def test_every_exported_class_is_covered() -> None:
    assert len(CLASSES) >= 26
    missing = sorted(set(CLASSES) - set(CASES))
    assert not missing, f"classes without an entry in CASES: {missing}"
    stale = sorted(set(CASES) - set(CLASSES))
    assert not stale, f"CASES entries for classes that are not exported: {stale}"
    for name, (function, option_sets) in CASES.items():
        assert option_sets, name
        assert getattr(pss, function.__name__) is function, name
        assert function.__name__ in pss.__all__, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_options_are_the_function_options(name: str) -> None:
    """The constructor takes the function's options (minus expr/weights/center/reverse), with
    the same defaults, and ``_options()`` names only those."""
    cls = CLASSES[name]
    function = CASES[name][0]
    ours = inspect.signature(cls).parameters
    theirs = {k: p for k, p in inspect.signature(function).parameters.items()}
    # A rolling class also takes a duration window_size and then `closed`, an option of the
    # function's `_by` twin only.
    time_only = {"closed"} if name.startswith("Rolling") else set()
    assert set(ours) == (set(theirs) - FUNCTION_ONLY) | time_only, name
    for key, param in ours.items():
        if key in time_only:
            assert param.default == "right", (name, key)
            continue
        assert param.default == theirs[key].default, (name, key)
    for options in CASES[name][1]:
        assert set(cls(**options)._options()) <= set(ours), (name, options)


# ---------------------------------------------------------------------------------------------
# Protocol: update/update_many return the object; pickle; copy; repr; _options
# ---------------------------------------------------------------------------------------------


@case_params
def test_update_returns_self_and_get_is_a_float_or_none(case: Case) -> None:
    obj = case.make()
    assert obj.get() is None
    assert obj.update(1.5) is obj
    assert obj.update(None) is obj
    assert obj.update_many([2.0, None, 3.5]) is obj
    got = obj.get()
    assert got is None or type(got) is float


@case_params
@pytest.mark.parametrize("fed", [0, 1, len(DATA)], ids=["fresh", "one", "all"])
def test_pickle_round_trip(case: Case, fed: int) -> None:
    obj = case.make().update_many(DATA[:fed])
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(obj, protocol=protocol))
        assert type(back) is case.cls
        assert same(back.get(), obj.get())
        assert back._options() == obj._options()
        assert state(back) == state(obj)
        # the restored object continues exactly as the original
        assert_series_equal(back.running(MORE), case.make().update_many(DATA[:fed]).running(MORE))
    assert state(obj) == state(case.make().update_many(DATA[:fed]))  # pickling left it alone


@case_params
def test_copy_and_deepcopy_are_independent(case: Case) -> None:
    obj = case.make().update_many(DATA[:20])
    before, value = state(obj), obj.get()
    for dup in (copy.copy(obj), copy.deepcopy(obj)):
        assert type(dup) is case.cls
        assert dup is not obj
        assert state(dup) == before
        assert same(dup.get(), value)
        dup.update_many(DATA[20:])
        assert state(obj) == before  # the original did not move
        assert same(obj.get(), value)
    obj.update_many(DATA[20:])
    dup = copy.deepcopy(case.make().update_many(DATA[:20]))
    assert state(dup.update_many(DATA[20:])) == state(obj)  # the copy did not move either


REPR = re.compile(r"(?P<name>\w+)\((?P<body>.*)\)")


def parse_repr(text: str) -> tuple[str, list[tuple[str, Any]]]:
    """``Name(k=v, ..., value=x)`` into its name and (key, Python value) pairs."""
    match = REPR.fullmatch(text)
    assert match is not None, text
    pairs = []
    for item in match["body"].split(", "):
        key, sep, raw = item.partition("=")
        assert sep, text
        parsed: Any = float(raw) if raw in ("nan", "inf", "-inf") else ast.literal_eval(raw)
        pairs.append((key, parsed))
    return match["name"], pairs


@case_params
def test_repr_shows_options_and_value(case: Case) -> None:
    obj = case.make()
    for feed in ([], DATA[:2], DATA, NAN_DATA):
        obj = case.make().update_many(feed)
        name, pairs = parse_repr(repr(obj))
        assert name == case.cls_name
        assert pairs[:-1] == list(obj._options().items()), repr(obj)
        key, value = pairs[-1]
        assert key == "value"
        got = obj.get()
        assert close(None if value is None else float(value), got, rel=0.0), (repr(obj), got)
    for key, value in case.options.items():
        if key not in DECAY - {"alpha"}:  # com/span/half_life are shown as alpha
            assert f"{key}={value!r}" in repr(obj), (key, repr(obj))


@case_params
def test_options_rebuild_an_equal_object(case: Case) -> None:
    obj = case.make()
    options = obj._options()
    assert all(isinstance(v, float | int | bool | str) for v in options.values()), options
    for key, value in case.options.items():  # the options given come back as given
        if key in DECAY:
            assert "alpha" in options, options  # com/span/half_life are reported as alpha
            assert not set(options) & (DECAY - {"alpha"}), options
            continue
        assert options[key] == value, (key, options)
        assert type(options[key]) is type(value), (key, options)
    rebuilt = case.cls(**options)
    assert rebuilt._options() == options
    assert state(rebuilt) == state(obj)
    obj.update_many(DATA)
    assert case.cls(**obj._options())._options() == options  # updates do not change options
    assert state(rebuilt.update_many(DATA)) == state(obj)


# ---------------------------------------------------------------------------------------------
# update_many == update, for every kind of batch
# ---------------------------------------------------------------------------------------------


def batches() -> Iterator[tuple[str, Any, list[Value]]]:
    """(id, batch, the same values one by one) for each kind of input update_many accepts."""
    dense = non_null(DATA)
    yield "list", list(DATA), DATA
    yield "list-nan", list(NAN_DATA), NAN_DATA
    yield "tuple", tuple(DATA), DATA
    yield "numpy", np.array(dense), list(dense)
    yield "numpy-strided", np.array(dense)[::2], list(dense[::2])
    yield "numpy-float32", np.array(dense, dtype=np.float32), [float(np.float32(x)) for x in dense]
    yield (
        "numpy-int",
        np.array([int(x) for x in dense], dtype=np.int64),
        [float(int(x)) for x in dense],
    )
    yield "series-nulls", pl.Series("x", DATA), DATA
    yield "series-chunked", chunked(DATA, 4), DATA
    yield (
        "series-float32",
        pl.Series("x", DATA, dtype=pl.Float32),
        [None if x is None else float(np.float32(x)) for x in DATA],
    )
    yield (
        "series-int",
        pl.Series("x", [None if x is None else int(x) for x in DATA]),
        [None if x is None else float(int(x)) for x in DATA],
    )
    yield "pyarrow", pa.array(DATA), DATA
    yield "empty", [], []


BATCHES = list(batches())


@case_params
@pytest.mark.parametrize(
    ("batch", "one_by_one"), [b[1:] for b in BATCHES], ids=[b[0] for b in BATCHES]
)
def test_update_many_is_repeated_update(case: Case, batch: Any, one_by_one: list[Value]) -> None:
    head = DATA[:7]  # the batch arrives on top of an existing state
    bulk = case.make().update_many(head).update_many(batch)
    single = case.make().update_many(head)
    for x in one_by_one:
        single.update(x)
    assert same(bulk.get(), single.get())
    assert state(bulk) == state(single)
    assert_series_equal(bulk.running(MORE), single.running(MORE), check_exact=True)


# ---------------------------------------------------------------------------------------------
# running == the expression, and update == the expression row by row
# ---------------------------------------------------------------------------------------------


# Classes whose expression keeps an integer input's dtype (the object's running() gives Float64).
KEEP_INTEGER_DTYPE = {
    f"{prefix}{name}"
    for prefix in ("", "Rolling")
    for name in ("Min", "Max", "PeakToPeak", "AbsMax")
}


@case_params
@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (DATA, pl.Float64()),
        (NAN_DATA, pl.Float64()),
        (values(300, 3), pl.Float64()),
        (DATA, pl.Float32()),
        ([None if x is None else round(x) for x in DATA], pl.Int64()),
    ],
    ids=["nulls", "nan", "long", "float32", "int64"],
)
def test_running_is_the_expression(case: Case, data: list[Value], dtype: pl.DataType) -> None:
    s = pl.Series("x", data, dtype=dtype)
    expected = case.expr(s)
    multi = chunked(data, 5, dtype)
    assert_series_equal(case.expr(multi), expected, check_exact=True)
    if expected.dtype == dtype and dtype.is_integer():
        # Documented (README, dtypes): the extremes' expressions keep an integer dtype, exactly;
        # the objects compute in f64. Below 2**53 the values agree.
        assert case.cls_name in KEEP_INTEGER_DTYPE, case.cls_name
        expected = expected.cast(pl.Float64)
    else:
        assert case.cls_name not in KEEP_INTEGER_DTYPE or not dtype.is_integer(), case.cls_name
    assert_series_equal(case.make().running(s), expected, check_exact=True)
    assert_series_equal(case.make().running(multi), expected, check_exact=True)
    if dtype == pl.Float64:  # a list of Python floats is a Float64 column
        from_list = case.make().running(list(data))
        assert_series_equal(from_list, expected, check_exact=True, check_names=False)
    if dtype != pl.Float64:
        return
    # objects fed one value at a time give the expression's value at every non-null row
    obj = case.make()
    for i, x in enumerate(data):
        got = obj.update(x).get()
        if x is not None:
            assert same(got, expected[i]), (i, got, expected[i])


@case_params
@pytest.mark.parametrize("split", [1, 6, 13, 31, 47])
def test_running_continues_from_a_state(case: Case, split: int) -> None:
    whole = [*DATA, *MORE]
    expected = case.expr(pl.Series("x", whole))
    obj = case.make().update_many(DATA[:split])
    first = obj.running(pl.Series("x", DATA[split:]))
    second = obj.running(pl.Series("x", MORE))
    assert_series_equal(first, expected[split : len(DATA)], check_exact=True)
    assert_series_equal(second, expected[len(DATA) :], check_exact=True)
    assert same(obj.get(), expected[-1])  # MORE ends with a number
    # running moved the state exactly as update_many does
    assert state(obj) == state(case.make().update_many(whole))


@case_params
def test_running_numpy_is_the_expression(case: Case) -> None:
    dense = np.array(non_null(DATA))
    expected = case.expr(pl.Series("x", dense))
    assert_series_equal(case.make().running(dense), expected, check_exact=True, check_names=False)


# ---------------------------------------------------------------------------------------------
# Bad state bytes
# ---------------------------------------------------------------------------------------------


def other_states(case: Case) -> list[bytes]:
    """One state of every other class."""
    return [
        state(Case(name, CASES[name][1][0]).make().update_many(DATA[:9]))
        for name in sorted(CASES)
        if name != case.cls_name and name in CLASSES
    ]


@case_params
def test_bad_state_bytes_raise_value_error(case: Case) -> None:
    obj = case.make().update_many(DATA[:9])
    good = state(obj)
    value = obj.get()
    version = good[3]
    bad: list[bytes] = [good[:k] for k in range(len(good))]  # every truncation
    bad += [
        good + b"\x00",  # trailing byte
        b"XSS" + good[3:],  # wrong magic
        b"pss" + good[3:],
        b"hello world",
    ]
    for other in other_states(case):
        with pytest.raises(ValueError, match="holds a"):
            obj.__setstate__(other)
    for wrong in {0, version + 1, 255} - {version}:
        with pytest.raises(ValueError, match="version"):
            obj.__setstate__(good[:3] + bytes([wrong]) + good[4:])
    for b in bad:
        with pytest.raises(ValueError, match=f"cannot restore {case.cls_name} state"):
            obj.__setstate__(b)
    with pytest.raises(TypeError):
        obj.__setstate__(good.hex())
    with pytest.raises(TypeError):
        obj.__setstate__(bytearray(good))
    # a rejected state leaves the object as it was
    assert state(obj) == good
    assert same(obj.get(), value)
    fresh = case.make()
    fresh.__setstate__(good)  # and the good bytes restore
    assert state(fresh) == good


@case_params
def test_corrupt_state_never_crashes(case: Case) -> None:
    """Flipped bytes give ValueError or an object that works; never a panic or a hang."""
    good = state(case.make().update_many(DATA))
    rng = np.random.default_rng(len(good))
    for _ in range(300):
        b = bytearray(good)
        for _ in range(int(rng.integers(1, 3))):
            b[int(rng.integers(4, len(b)))] ^= int(rng.integers(1, 256))
        obj = case.make()
        try:
            obj.__setstate__(bytes(b))
        except ValueError:
            continue
        # accepted: the object must be usable
        obj.update_many(MORE)
        obj.running(MORE)
        repr(obj)
        pickle.loads(pickle.dumps(obj))


# ---------------------------------------------------------------------------------------------
# merge (every class; P² refuses) and revert
# ---------------------------------------------------------------------------------------------

MERGE_CASES = [c for c in ALL_CASES if c.options.get("method") != "p2"]
P2_CASES = [c for c in ALL_CASES if c.options.get("method") == "p2"]
REVERT_CASES = [c for c in ALL_CASES if hasattr(c.cls, "revert")]


@pytest.mark.parametrize("case", MERGE_CASES, ids=str)
@pytest.mark.parametrize("split", [0, 1, 17, len(DATA)])
def test_merge_is_the_whole(case: Case, split: int) -> None:
    whole = case.make().update_many(DATA)
    a = case.make().update_many(DATA[:split])
    b = case.make().update_many(DATA[split:])
    b_state = state(b)
    added = a + b
    assert type(added) is case.cls
    assert close(added.get(), whole.get()), (added.get(), whole.get())
    assert a.merge(b) is a
    assert state(a) == state(added)  # merge and + agree exactly
    assert state(b) == b_state  # the merged-in object is untouched
    c = case.make().update_many(DATA[:split])
    c += b
    assert state(c) == state(a)
    # the merged object goes on like the whole
    for x, y in zip(a.running(MORE).to_list(), whole.running(MORE).to_list(), strict=True):
        assert close(x, y), (x, y)


@pytest.mark.parametrize("case", MERGE_CASES, ids=str)
def test_merge_rejects_other_options_and_classes(case: Case) -> None:
    obj = case.make().update_many(DATA[:5])
    before = state(obj)
    for other_options in CASES[case.cls_name][1]:
        other = case.cls(**other_options)
        if other._options() != obj._options():
            with pytest.raises(ValueError, match="different options"):
                obj.merge(other)
    other_cls = next(c for c in MERGE_CASES if c.cls_name != case.cls_name)
    with pytest.raises(TypeError):
        obj.merge(other_cls.make())
    assert state(obj) == before


@pytest.mark.parametrize("case", P2_CASES, ids=str)
def test_p2_refuses_to_merge(case: Case) -> None:
    a, b = case.make().update_many(DATA), case.make().update_many(MORE)
    before = state(a)
    with pytest.raises(TypeError, match="method='exact'"):
        a.merge(b)
    with pytest.raises(TypeError, match="cannot merge"):
        a + b
    assert state(a) == before


@pytest.mark.parametrize("case", REVERT_CASES, ids=str)
def test_revert_undoes_update(case: Case) -> None:
    dense = non_null(DATA)
    if case.options.get("method") == "p2":
        with pytest.raises(ValueError, match="method='exact'"):
            case.make().update_many(dense).revert(dense[-1])
        return
    obj = case.make().update_many(dense)
    for k in range(1, 6):
        assert obj.revert(dense[-k]) is obj
        assert close(obj.get(), case.make().update_many(dense[:-k]).get()), k


# ---------------------------------------------------------------------------------------------
# Golden snapshot bytes (tests/golden/snapshots_v<FORMAT_VERSION>.json)
# ---------------------------------------------------------------------------------------------

GOLDEN_INPUT: list[Value] = [1.5, None, -2.25, 3.0, 3.0, 7.5, 0.5, None, 4.0, -1.0, 2.0]
GOLDEN_PICKLE_PROTOCOL = 4


def format_version() -> int:
    """The snapshot format version this build writes (byte 3 of every class's state)."""
    versions = {state(c.make())[3] for c in ALL_CASES}
    assert len(versions) == 1, versions
    return versions.pop()


def source_format_version() -> int:
    """``FORMAT_VERSION`` as written in src/core/snapshot.rs."""
    text = (REPO / "src" / "core" / "snapshot.rs").read_text()
    match = re.search(r"pub const FORMAT_VERSION: u8 = (\d+);", text)
    assert match is not None
    return int(match[1])


def golden_record(case: Case) -> dict[str, Any]:
    """What the golden file stores for one case (tests/golden/make_snapshots.py writes these)."""
    obj = case.make().update_many(GOLDEN_INPUT)
    value = obj.get()
    return {
        "class": case.cls_name,
        "options": obj._options(),
        "input": GOLDEN_INPUT,
        "state": state(obj).hex(),
        "pickle": pickle.dumps(obj, protocol=GOLDEN_PICKLE_PROTOCOL).hex(),
        "value": None if value is None else repr(value),
    }


def golden_path(version: int) -> Path:
    return GOLDEN / f"snapshots_v{version}.json"


def load_golden(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(path.read_text())["records"]
    return records


def golden_value(record: dict[str, Any]) -> Value:
    raw = record["value"]
    return None if raw is None else float(raw)


def test_format_version_is_the_source_constant() -> None:
    assert format_version() == source_format_version()


def test_golden_file_covers_every_class_and_case() -> None:
    path = golden_path(format_version())
    assert path.exists(), f"{path} is missing: run python tests/golden/make_snapshots.py"
    records = load_golden(path)
    assert {r["class"] for r in records} == set(CLASSES)
    assert len(records) == len(ALL_CASES)


def golden_cases() -> list[tuple[str, dict[str, Any]]]:
    path = golden_path(source_format_version())  # no object is built while collecting
    if not path.exists():
        return []
    return [(f"{r['class']}-{i}", r) for i, r in enumerate(load_golden(path))]


@pytest.mark.parametrize(
    "record", [r for _, r in golden_cases()], ids=[i for i, _ in golden_cases()]
)
def test_golden_snapshot_bytes(record: dict[str, Any]) -> None:
    """Today's bytes equal the stored ones, and the stored ones restore the stored value."""
    cls = CLASSES[record["class"]]
    stored_state = bytes.fromhex(record["state"])
    stored_pickle = bytes.fromhex(record["pickle"])
    value = golden_value(record)
    # the layout has not changed (else bump FORMAT_VERSION and regenerate)
    obj = cls(**record["options"]).update_many(record["input"])
    assert state(obj) == stored_state, "snapshot layout changed"
    assert same(obj.get(), value)
    assert pickle.dumps(obj, protocol=GOLDEN_PICKLE_PROTOCOL) == stored_pickle
    # stored bytes restore
    restored = cls(**record["options"])
    restored.__setstate__(stored_state)
    assert same(restored.get(), value)
    assert restored._options() == record["options"]
    unpickled = pickle.loads(stored_pickle)
    assert type(unpickled) is cls
    assert same(unpickled.get(), value)
    assert state(unpickled) == stored_state


def test_older_golden_snapshots_are_refused_cleanly() -> None:
    """Snapshots of an older format version give ValueError naming the version."""
    current = format_version()
    for path in sorted(GOLDEN.glob("snapshots_v*.json")):
        version = int(path.stem.removeprefix("snapshots_v"))
        if version == current:
            continue
        for record in load_golden(path):
            cls = CLASSES.get(record["class"])
            if cls is None:
                continue
            obj = cls(**record["options"])
            with pytest.raises(ValueError, match="version"):
                obj.__setstate__(bytes.fromhex(record["state"]))


# ---------------------------------------------------------------------------------------------
# River's reference vectors: the stored JSON copy equals River's live values
# ---------------------------------------------------------------------------------------------


def test_river_vectors_json_equals_live_river(river_vectors: dict[str, Any]) -> None:
    assert river_vectors == compute_river_vectors()  # deterministic
    assert len(river_vectors["outputs"]) == 11
    ewm = river_vectors["outputs"]["EWMean(fading_factor=0.3)"]
    # fading_factor is the weight of the new value (the note says so): 0.3 * 3 + 0.7 * 1
    assert ewm[1] == pytest.approx(1.6, rel=1e-15)
    if RIVER_VECTORS.exists():  # the copy beside the repository, for other tools
        stored = json.loads(RIVER_VECTORS.read_text())
        assert stored == river_vectors
