"""Property tests: expression == object == a plain-Python reference of the definitions."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_series_equal

import polars_streamstats as pss
from tests.helpers import chunked

Value = float | None
# Marks a reference row whose value is decided by rounding (either null or any number is right).
ANY = -1.2345e300

values_st = st.lists(
    st.one_of(st.floats(-1e3, 1e3), st.none(), st.just(math.nan)),
    max_size=60,
)
finite_values_st = st.lists(st.one_of(st.floats(-1e3, 1e3), st.none()), max_size=60)


def ew_reference(
    xs: list[Value],
    alpha: float,
    adjust: bool,
    ignore_nulls: bool,
    min_samples: int,
    bias: bool,
    what: str,
) -> list[Value]:
    """The EW statistics from their definition: explicit weights, recomputed each row."""
    beta = 1.0 - alpha
    values: list[float] = []
    weights: list[float] = []
    out: list[Value] = []
    for x in xs:
        if x is None:
            if values and not ignore_nulls:
                weights = [w * beta for w in weights]
            out.append(None)
            continue
        weights = [w * beta for w in weights]
        values.append(x)
        weights.append(1.0 if adjust or len(values) == 1 else alpha)
        if not adjust:
            total = sum(weights)
            weights = [w / total for w in weights]
        if len(values) < max(min_samples, 1):
            out.append(None)
            continue
        s = sum(weights)
        mean = sum(w * v for w, v in zip(weights, values, strict=True)) / s
        if what == "mean":
            out.append(mean)
            continue
        var = sum(w * (v - mean) ** 2 for w, v in zip(weights, values, strict=True)) / s
        if len(values) == 1:
            var = 0.0  # Polars: the first observation has variance 0, even NaN or inf
        if not bias:
            q = sum(w * w for w in weights)
            den = s * s - q
            if den <= 0.0:  # a single effective observation: undefined
                out.append(None)
                continue
            if den <= 1e-9 * s * s:  # ill-conditioned (alpha ~ 1): rounding decides
                out.append(ANY)
                continue
            var *= s * s / den
        out.append(var if what == "var" else math.sqrt(var))
    return out


def rolling_reference(xs: list[Value], window: int, alpha: float, min_samples: int) -> list[Value]:
    out: list[Value] = []
    for t, x in enumerate(xs):
        if x is None:
            out.append(None)
            continue
        pairs = [
            ((1.0 - alpha) ** k, v)
            for k, v in enumerate(reversed(xs[max(0, t - window + 1) : t + 1]))
            if v is not None
        ]
        if len(pairs) < max(min_samples, 1):
            out.append(None)
            continue
        out.append(sum(w * v for w, v in pairs) / sum(w for w, _ in pairs))
    return out


def assert_close(got: list[Value], expected: list[Value], scale: float) -> None:
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if e is ANY:
            continue
        if e is None or g is None:
            assert g is None, f"row {i}: {g} vs {e}"
            assert e is None, f"row {i}: {g} vs {e}"
        elif math.isnan(e):
            assert math.isnan(g), f"row {i}: {g} vs NaN"
        else:
            assert math.isclose(g, e, rel_tol=1e-8, abs_tol=1e-9 * scale), f"row {i}: {g} vs {e}"


def split(xs: list[Value], pieces: int) -> pl.Series:
    return chunked(xs, min(pieces, max(len(xs), 1)))


@settings(max_examples=300, deadline=None)
@given(
    xs=values_st,
    alpha=st.floats(0.01, 1.0),
    adjust=st.booleans(),
    ignore_nulls=st.booleans(),
    min_samples=st.integers(0, 4),
    bias=st.booleans(),
    what=st.sampled_from(["mean", "var", "std"]),
    pieces=st.integers(1, 4),
)
def test_ewm_expression_object_reference(
    xs: list[Value],
    alpha: float,
    adjust: bool,
    ignore_nulls: bool,
    min_samples: int,
    bias: bool,
    what: str,
    pieces: int,
) -> None:
    s = split(xs, pieces)
    expr: pl.Expr
    obj: pss.EWMean | pss.EWVar | pss.EWStd
    opts: dict[str, Any] = {
        "alpha": alpha,
        "adjust": adjust,
        "ignore_nulls": ignore_nulls,
        "min_samples": min_samples,
    }
    if what == "mean":
        expr, obj = pss.ewm_mean(s, **opts), pss.EWMean(**opts)
    elif what == "var":
        expr, obj = pss.ewm_var(s, bias=bias, **opts), pss.EWVar(bias=bias, **opts)
    else:
        expr, obj = pss.ewm_std(s, bias=bias, **opts), pss.EWStd(bias=bias, **opts)
    from_expr = pl.select(expr).to_series()
    assert_series_equal(obj.running(s), from_expr, check_exact=True)
    scale = max((abs(v) for v in xs if v is not None and not math.isnan(v)), default=1.0)
    scale = scale if what != "var" else scale * scale
    expected = ew_reference(xs, alpha, adjust, ignore_nulls, min_samples, bias, what)
    assert_close(from_expr.to_list(), expected, scale)


@settings(max_examples=200, deadline=None)
@given(
    xs=finite_values_st,
    window=st.integers(1, 70),
    alpha=st.floats(0.01, 1.0),
    min_samples=st.integers(0, 5),
    pieces=st.integers(1, 4),
)
def test_rolling_ewm_expression_object_reference(
    xs: list[Value], window: int, alpha: float, min_samples: int, pieces: int
) -> None:
    s = split(xs, pieces)
    min_samples = min(min_samples, window)  # more raises ValueError (tested elsewhere)
    opts: dict[str, Any] = {"window_size": window, "alpha": alpha, "min_samples": min_samples}
    from_expr = pl.select(pss.rolling_ewm_mean(s, **opts)).to_series()
    obj = pss.RollingEWMean(**opts)
    # Row outputs from single updates: get() after each non-null row (null rows output null).
    one_by_one = [obj.update(x).get() if x is not None else obj.update(x) and None for x in xs]
    assert_series_equal(pss.RollingEWMean(**opts).running(s), from_expr, check_exact=True)
    got = from_expr.to_list()
    assert [g for g in got if g is not None] == [v for v in one_by_one if v is not None]
    scale = max((abs(v) for v in xs if v is not None), default=1.0)
    assert_close(got, rolling_reference(xs, window, alpha, min_samples), scale)
