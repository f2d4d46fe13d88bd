"""Numerical stability against high-precision references (decimal, 60 digits)."""

from __future__ import annotations

from decimal import Decimal, getcontext

import numpy as np
import polars as pl
import pytest

import polars_streamstats as pss

getcontext().prec = 60


def exact_ew_var(xs: np.ndarray, alpha: float, adjust: bool, bias: bool) -> float:
    """EW variance of the whole of ``xs`` (null-free), from its definition, in 60 digits."""
    a = Decimal(alpha)
    beta = 1 - a
    n = len(xs)
    weights: list[Decimal] = []
    w = Decimal(1)
    for k in range(n):  # weight of the value k rows back
        if adjust or k == n - 1:
            weights.append(w)
        else:
            weights.append(w * a)
        w *= beta
    weights.reverse()
    vals = [Decimal(float(x)) for x in xs]
    zero = Decimal(0)
    s = sum(weights, zero)
    mean = sum((wi * v for wi, v in zip(weights, vals, strict=True)), zero) / s
    var = sum((wi * (v - mean) ** 2 for wi, v in zip(weights, vals, strict=True)), zero) / s
    if not bias:
        q = sum((wi * wi for wi in weights), zero)
        var *= s * s / (s * s - q)
    return float(var)


@pytest.mark.parametrize("adjust", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_ewm_var_far_from_zero(adjust: bool, bias: bool) -> None:
    rng = np.random.default_rng(2024)
    xs = 1e9 + rng.standard_normal(20_000)
    out = pl.select(pss.ewm_var(pl.Series(xs), alpha=0.01, adjust=adjust, bias=bias)).to_series()
    for end in (50, 2_000, 20_000):
        exact = exact_ew_var(xs[:end], 0.01, adjust, bias)
        got = out[end - 1]
        assert got == pytest.approx(exact, rel=1e-9), f"row {end - 1}"
    obj = pss.EWVar(alpha=0.01, adjust=adjust, bias=bias).update_many(xs)
    assert obj.get() == out[-1]


def test_ewm_std_far_from_zero() -> None:
    rng = np.random.default_rng(1)
    xs = 1e9 + rng.standard_normal(5_000)
    got = pl.select(pss.ewm_std(pl.Series(xs), alpha=0.05)).to_series()[-1]
    assert got == pytest.approx(exact_ew_var(xs, 0.05, True, False) ** 0.5, rel=1e-9)


def test_rolling_ewm_mean_forgets_large_values() -> None:
    """A window that has moved from values near 1e9 to values near 0 keeps full precision."""
    rng = np.random.default_rng(9)
    big = 1e9 + rng.standard_normal(200_000)
    small = rng.standard_normal(100_000)
    xs = np.concatenate([big, small])
    window, alpha = 1_000, 0.001
    out = pss.RollingEWMean(window_size=window, alpha=alpha).running(xs)
    tail = xs[-window:]
    weights = (1 - alpha) ** np.arange(window)[::-1]
    zero = Decimal(0)
    num = sum(
        (Decimal(float(w)) * Decimal(float(v)) for w, v in zip(weights, tail, strict=True)), zero
    )
    exact = float(num / sum((Decimal(float(w)) for w in weights), zero))
    assert out[-1] == pytest.approx(exact, rel=1e-9, abs=1e-12)
