"""Constructor options of the 26 classes: types, ranges, defaults, signatures (issue 8).

Every option is checked when the object is built, with a message naming it; the functions
build an object to validate their options and send its ``_options()`` as the plugin's
keyword arguments, so these checks also hold for every expression.
"""

from __future__ import annotations

import inspect
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.plugins import register_plugin_function

import polars_streamstats as pss

untyped: Any = pss  # for calls that break the typed signatures on purpose

# Each class: the arguments it needs, and the kind of each option it takes.
# Kinds: int, int? (None allowed), bool, float, float? (None allowed), str, str? (None allowed).
DECAY = {"com": "float?", "span": "float?", "half_life": "float?", "alpha": "float?"}
# EWMean/EWVar/EWStd: a half_life is a float (per row) or a duration (time-based).
EW_DECAY = {**DECAY, "half_life": "half_life?"}
ROLLING_MOMENT = {"window_size": "window", "min_samples": "int?", "closed": "closed?"}
SPECS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "EWMean": (
        {"alpha": 0.5},
        {**EW_DECAY, "adjust": "bool", "min_samples": "int", "ignore_nulls": "bool"},
    ),
    "EWVar": (
        {"alpha": 0.5},
        {
            **EW_DECAY,
            "adjust": "bool",
            "bias": "bool",
            "min_samples": "int",
            "ignore_nulls": "bool",
        },
    ),
    "EWStd": (
        {"alpha": 0.5},
        {
            **EW_DECAY,
            "adjust": "bool",
            "bias": "bool",
            "min_samples": "int",
            "ignore_nulls": "bool",
        },
    ),
    "RollingEWMean": (
        {"window_size": 3, "alpha": 0.5},
        {"window_size": "window", **DECAY, "min_samples": "int", "closed": "closed?"},
    ),
    "Quantile": (
        {"quantile": 0.5},
        {"quantile": "float", "interpolation": "str?", "method": "str", "min_samples": "int"},
    ),
    "RollingQuantile": (
        {"quantile": 0.5, "window_size": 3},
        {
            "quantile": "float",
            "interpolation": "str",
            "window_size": "window",
            "min_samples": "int?",
            "closed": "closed?",
        },
    ),
    "IQR": (
        {},
        {
            "q_inf": "float",
            "q_sup": "float",
            "interpolation": "str?",
            "method": "str",
            "min_samples": "int",
        },
    ),
    "RollingIQR": (
        {"window_size": 3},
        {
            "window_size": "window",
            "q_inf": "float",
            "q_sup": "float",
            "interpolation": "str",
            "min_samples": "int?",
            "closed": "closed?",
        },
    ),
    "Mean": ({}, {"min_samples": "int"}),
    "Var": ({}, {"ddof": "int", "min_samples": "int"}),
    "Std": ({}, {"ddof": "int", "min_samples": "int"}),
    "Skew": ({}, {"bias": "bool", "min_samples": "int"}),
    "Kurtosis": ({}, {"fisher": "bool", "bias": "bool", "min_samples": "int"}),
    "Min": ({}, {"min_samples": "int"}),
    "Max": ({}, {"min_samples": "int"}),
    "PeakToPeak": ({}, {"min_samples": "int"}),
    "AbsMax": ({}, {"min_samples": "int"}),
    "RollingMean": ({"window_size": 3}, ROLLING_MOMENT),
    "RollingVar": ({"window_size": 3}, {**ROLLING_MOMENT, "ddof": "int"}),
    "RollingStd": ({"window_size": 3}, {**ROLLING_MOMENT, "ddof": "int"}),
    "RollingSkew": (
        {"window_size": 3},
        {"window_size": "window", "bias": "bool", "min_samples": "int?", "closed": "closed?"},
    ),
    "RollingKurtosis": (
        {"window_size": 3},
        {
            "window_size": "window",
            "fisher": "bool",
            "bias": "bool",
            "min_samples": "int?",
            "closed": "closed?",
        },
    ),
    "RollingMin": ({"window_size": 3}, ROLLING_MOMENT),
    "RollingMax": ({"window_size": 3}, ROLLING_MOMENT),
    "RollingPeakToPeak": ({"window_size": 3}, ROLLING_MOMENT),
    "RollingAbsMax": ({"window_size": 3}, ROLLING_MOMENT),
}
ROLLING = [name for name in SPECS if name.startswith("Rolling")]
OPTIONS = [
    (name, option, kind) for name, (_, opts) in SPECS.items() for option, kind in opts.items()
]
OPTION_IDS = [f"{name}-{option}" for name, option, _ in OPTIONS]


def build(name: str, **changes: Any) -> Any:
    """The class ``name`` built from its needed arguments, with ``changes`` on top."""
    needed, _ = SPECS[name]
    kwargs = {**needed, **changes}
    if set(changes) & set(DECAY):  # one decay at a time: the one changed
        kwargs = {k: v for k, v in kwargs.items() if k not in DECAY or k in changes}
    return getattr(pss, name)(**kwargs)


# The statistic classes of the extension (its private names are the Tracker's engine).
STATISTICS = [n for n in pss._internal.__all__ if not n.startswith("_")]


def test_every_class_is_covered() -> None:
    assert set(STATISTICS) == set(SPECS)
    assert all(getattr(pss, name) is getattr(pss._internal, name) for name in SPECS)
    for name, (_, opts) in SPECS.items():
        assert list(inspect.signature(getattr(pss, name)).parameters) == list(opts), name


# --- types ---------------------------------------------------------------------------------

WRONG: dict[str, list[tuple[Any, str]]] = {
    "int": [(2.0, "float"), ("5m", "str"), (True, "bool"), (None, "NoneType"), ([3], "list")],
    "int?": [(2.0, "float"), ("5m", "str"), (False, "bool")],
    "bool": [("no", "str"), (1, "int"), (None, "NoneType"), (np.float64(1.0), "numpy.float64")],
    "float": [("0.5", "str"), (True, "bool"), (None, "NoneType"), (b"1", "bytes")],
    "float?": [("0.5", "str"), (False, "bool")],
    "str": [(3, "int"), (None, "NoneType"), (True, "bool")],
    "str?": [(3, "int"), (b"linear", "bytes")],
    "window": [(2.0, "float"), (True, "bool"), (None, "NoneType"), ([3], "list")],
    "closed?": [(3, "int"), (True, "bool"), (b"left", "bytes")],
    "half_life?": [(False, "bool"), (b"1h", "bytes"), ([1.0], "list")],
}
EXPECTED_TYPE = {
    "int": "an int",
    "bool": "a bool",
    "float": "a float",
    "str": "a str",
    "window": (
        "an int (a number of rows) or a duration (a str such as '5m', or a datetime.timedelta)"
    ),
    "closed": "one of 'right', 'left', 'both', 'none'",
    "half_life": (
        "a float (a decay per row) or a duration (a str such as '1h', or a datetime.timedelta)"
    ),
}


@pytest.mark.parametrize(("name", "option", "kind"), OPTIONS, ids=OPTION_IDS)
def test_wrong_type_names_the_option(name: str, option: str, kind: str) -> None:
    for value, type_name in WRONG[kind]:
        message = f"`{option}` must be {EXPECTED_TYPE[kind.rstrip('?')]}, got {type_name}"
        with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
            build(name, **{option: value})


NULLABLE = [o for o in OPTIONS if o[2].endswith("?") and o[1] not in DECAY]


@pytest.mark.parametrize(
    ("name", "option", "kind"), NULLABLE, ids=[f"{n}-{o}" for n, o, _ in NULLABLE]
)
def test_none_where_allowed(name: str, option: str, kind: str) -> None:
    """``min_samples=None`` (rolling: the window size) and ``interpolation=None`` (cumulative
    quantiles: 'nearest', or none for P²) are defaults a caller may pass explicitly."""
    default = build(name)._options()
    assert build(name, **{option: None})._options() == default


# --- integer ranges -----------------------------------------------------------------------

INT_OPTIONS = [o for o in OPTIONS if o[2].startswith("int") or o[2] == "window"]
INT_IDS = [f"{n}-{o}" for n, o, _ in INT_OPTIONS]


@pytest.mark.parametrize(("name", "option", "kind"), INT_OPTIONS, ids=INT_IDS)
@pytest.mark.parametrize("value", [2**63, 2**63 + 1, 2**64 - 1, 2**64, 10**30])
def test_counts_of_2_63_or_more_name_the_option(
    name: str, option: str, kind: str, value: int
) -> None:
    message = f"`{option}` must be < 2**63 (found {value})"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build(name, **{option: value})


@pytest.mark.parametrize(("name", "option", "kind"), INT_OPTIONS, ids=INT_IDS)
@pytest.mark.parametrize("value", [-1, -(2**63), -(2**70)])
def test_negative_counts_name_the_option(name: str, option: str, kind: str, value: int) -> None:
    message = f"`{option}` must be >= 0 (found {value})"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build(name, **{option: value})


@pytest.mark.parametrize(("name", "option", "kind"), INT_OPTIONS, ids=INT_IDS)
def test_largest_count_is_accepted(name: str, option: str, kind: str) -> None:
    big = 2**63 - 1
    extra = (
        {"window_size": big} if option == "min_samples" and "window_size" in SPECS[name][1] else {}
    )
    obj = build(name, **{option: big}, **extra)
    assert obj._options()[option] == big
    # It runs (a huge window allocates nothing up front): too few values for a result,
    # except where min_samples keeps its small default.
    out = obj.running([1.0, 2.0]).to_list()
    assert out == [None, None] or (option == "window_size" and out[1] is not None)


def test_integer_like_values_are_ints() -> None:
    """numpy integers are ints (``numbers.Integral``); numpy floats are floats; no bools."""
    assert untyped.RollingMean(np.int64(3))._options()["window_size"] == 3
    assert type(untyped.RollingMean(np.uint8(3))._options()["window_size"]) is int
    assert untyped.Quantile(np.float32(0.5))._options()["quantile"] == 0.5
    assert pss.Quantile(1)._options()["quantile"] == 1.0  # an int is a float option's value
    with pytest.raises(TypeError, match=r"`window_size` must be an int .*, got numpy\.bool$"):
        untyped.RollingMean(np.bool_(True))
    with pytest.raises(TypeError, match=r"`quantile` must be a float, got numpy\.bool"):
        untyped.Quantile(np.bool_(True))
    with pytest.raises(ValueError, match="`quantile` is out of the float range"):
        pss.Quantile(10**400)


# --- values of the other options --------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: pss.Quantile(1.5), ValueError, "`quantile` must be in [0, 1] (found 1.5)"),
        (lambda: pss.Quantile(float("nan")), ValueError, "`quantile` must be in [0, 1]"),
        (lambda: pss.RollingQuantile(-0.1), ValueError, "`quantile` must be in [0, 1]"),
        (lambda: pss.RollingIQR(3, q_sup=1.2), ValueError, "`q_sup` must be in [0, 1]"),
        (lambda: pss.IQR(q_inf=0.8, q_sup=0.2), ValueError, "`q_inf` must be <= `q_sup`"),
        (lambda: untyped.Quantile(0.5, "cubic"), ValueError, "`interpolation` must be one of"),
        (lambda: untyped.RollingIQR(3, interpolation="Linear"), ValueError, "`interpolation` must"),
        (lambda: untyped.Quantile(0.5, method="tdigest"), ValueError, "`method` must be 'exact'"),
        (lambda: pss.EWMean(alpha=0.0), ValueError, "`alpha` must be in (0, 1]"),
        (lambda: pss.EWVar(span=0.5), ValueError, "`span` must be >= 1"),
        (lambda: pss.EWMean(alpha=0.5, com=1.0), ValueError, "exactly one of"),
        (lambda: pss.RollingEWMean(3), ValueError, "exactly one of"),
    ],
)
def test_bad_values_name_the_option(make: Callable[[], object], error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        make()


# --- window_size=0 and min_samples > window_size ----------------------------------------------


@pytest.mark.parametrize("name", ROLLING)
def test_window_size_zero_is_always_null(name: str) -> None:
    """As Polars (polars#23434): an empty window, every output null."""
    min_samples = {} if name == "RollingEWMean" else {"min_samples": 0}
    obj = build(name, window_size=0, **min_samples)
    assert obj.running([1.0, None, 3.0, float("nan"), -1.0]).to_list() == [None] * 5
    assert obj.update(2.0).get() is None
    assert obj.update_many(np.arange(10.0)).get() is None
    assert pickle.loads(pickle.dumps(obj)).update(1.0).get() is None
    assert build(name, window_size=0, min_samples=None if name != "RollingEWMean" else 1)


@pytest.mark.parametrize("name", ROLLING)
def test_min_samples_above_window_size(name: str) -> None:
    message = "`min_samples` must be <= `window_size` (found 4 > 3)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build(name, window_size=3, min_samples=4)
    assert build(name, window_size=3, min_samples=3)._options()["min_samples"] == 3


def test_min_samples_defaults_of_rolling_classes() -> None:
    for name in ROLLING:
        expected = 1 if name == "RollingEWMean" else 7
        assert build(name, window_size=7)._options()["min_samples"] == expected, name
    # RollingEWMean's default 1 stands with an empty window (1 and 0 mean the same there).
    assert pss.RollingEWMean(0, alpha=0.5)._options()["min_samples"] == 1
    with pytest.raises(ValueError, match="`min_samples` must be <= `window_size`"):
        pss.RollingEWMean(0, alpha=0.5, min_samples=2)
    with pytest.raises(ValueError, match="`min_samples` must be <= `window_size`"):
        pss.RollingMean(0, min_samples=1)  # as Polars: 1 > 0


# --- quantile options -----------------------------------------------------------------------


def test_quantile_defaults_are_polars() -> None:
    assert pss.RollingQuantile(0.3)._options() == {
        "quantile": 0.3,
        "interpolation": "nearest",
        "window_size": 2,
        "min_samples": 2,
    }
    assert pss.RollingIQR(4)._options()["interpolation"] == "nearest"
    assert pss.Quantile(0.3)._options()["interpolation"] == "nearest"
    assert pss.IQR()._options()["interpolation"] == "nearest"
    assert pss.RollingQuantile(0.25, "linear", 4)._options()["window_size"] == 4
    s = pl.Series("x", [float(v) for v in np.random.default_rng(5).normal(size=120)])
    ours = pss.RollingQuantile(0.3, window_size=9).running(s)
    assert ours.to_list() == s.rolling_quantile(0.3, window_size=9).to_list()
    whole = pss.Quantile(0.3).running(s)
    assert whole.to_list() == s.rolling_quantile(0.3, window_size=len(s), min_samples=1).to_list()


@pytest.mark.parametrize(
    "how", ["nearest", "linear", "lower", "higher", "midpoint", "equiprobable"]
)
def test_interpolation_with_p2_raises(how: str) -> None:
    with pytest.raises(ValueError, match=r"^`interpolation` cannot be used with method='p2'"):
        pss.Quantile(0.5, how, method="p2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^`interpolation` cannot be used with method='p2'"):
        pss.IQR(interpolation=how, method="p2")  # type: ignore[arg-type]


def test_p2_has_no_interpolation() -> None:
    assert pss.Quantile(0.5, None, method="p2")._options() == {
        "quantile": 0.5,
        "method": "p2",
        "min_samples": 1,
    }
    assert "interpolation" not in pss.IQR(method="p2")._options()
    assert "interpolation" not in repr(pss.IQR(method="p2"))
    restored = pickle.loads(pickle.dumps(pss.Quantile(0.2, method="p2").update(3.0)))
    assert restored.get() == 3.0
    assert restored._options()["method"] == "p2"


# --- signatures and _options ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SPECS))
def test_signature_defaults_are_the_defaults(name: str) -> None:
    """``__text_signature__`` spells the defaults out: they must be the ones applied."""
    cls = getattr(pss, name)
    params = inspect.signature(cls).parameters
    needed, _ = SPECS[name]
    required = {k: v for k, v in needed.items() if params[k].default is params[k].empty}
    obj = cls(**required, **{k: v for k, v in needed.items() if k in DECAY})
    options = obj._options()
    for param in params.values():
        if param.default is inspect.Parameter.empty or param.name not in options:
            continue
        if param.default is None:  # min_samples=None (rolling), interpolation=None (exact)
            continue
        assert options[param.name] == param.default, (name, param.name)


@pytest.mark.parametrize("name", list(SPECS))
def test_options_rebuild_the_object(name: str) -> None:
    """``_options()`` are constructor keywords (the functions send them as plugin kwargs)."""
    obj = build(name).update_many([1.0, 4.0, 2.0])
    options = obj._options()
    assert "q" not in options
    same = getattr(pss, name)(**options)
    assert same._options() == options
    assert repr(same.update_many([1.0, 4.0, 2.0])) == repr(obj)


PLUGIN_PATH = Path(pss.__file__).parent


def plugin(function: str, kwargs: dict[str, Any], s: pl.Series) -> list[float | None]:
    expr = register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name=function,
        args=pl.lit(s),
        kwargs=kwargs,
        is_elementwise=False,
    )
    return pl.select(expr).to_series().to_list()


@pytest.mark.parametrize(
    ("function", "make", "center"),
    [
        ("cum_quantile", lambda: pss.Quantile(0.3, method="p2"), False),
        ("cum_quantile", lambda: pss.Quantile(0.3, "linear"), False),
        ("cum_iqr", lambda: pss.IQR(method="p2"), False),
        ("cum_iqr", lambda: pss.IQR(q_inf=0.1), False),
        ("rolling_quantile", lambda: pss.RollingQuantile(0.7, "higher", 4), True),
        ("rolling_iqr", lambda: pss.RollingIQR(0), True),
        ("ewm_mean", lambda: pss.EWMean(span=3, ignore_nulls=True), False),
        ("ewm_var", lambda: pss.EWVar(alpha=0.3, bias=True), False),
        ("ewm_std", lambda: pss.EWStd(com=2.0), False),
        ("rolling_ewm_mean", lambda: pss.RollingEWMean(3, alpha=0.5, min_samples=2), False),
        ("rolling_ewm_mean", lambda: pss.RollingEWMean(2**63 - 1, alpha=0.5), False),
    ],
)
def test_options_are_the_plugin_kwargs(
    function: str, make: Callable[[], Any], center: bool
) -> None:
    """The keys of ``_options()`` are the fields the plugin decodes (``quantile``, not ``q``;
    no ``interpolation`` for P²); the plugin then gives the object's numbers."""
    s = pl.Series("x", [3.0, 1.0, None, 2.0, 5.0, 4.0, 8.0, None, 7.0])
    kwargs = make()._options() | ({"center": False} if center else {})
    assert plugin(function, kwargs, s) == make().running(s).to_list()


# --- docstrings -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SPECS))
def test_every_parameter_is_documented(name: str) -> None:
    cls = getattr(pss, name)
    doc = inspect.getdoc(cls) or ""
    params = doc.split("Parameters\n----------\n")[1].split("\n\n")[0]
    described = set(re.findall(r"^(\w+(?:, \w+)*)$", params, re.MULTILINE))
    names = {n for entry in described for n in entry.split(", ")}
    assert names == set(inspect.signature(cls).parameters), name
