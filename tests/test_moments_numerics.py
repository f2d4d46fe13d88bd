"""Moments far from zero, against exact rational references; rolling windows that forget."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import polars as pl
import pytest

import polars_streamstats as pss

Value = float | None


def to_integers(xs: np.ndarray) -> tuple[list[int], int]:
    """``xs`` as integers ``d`` and an exponent ``k``: ``xs = (d + c) * 2**-k``, one ``c``.

    Every float is a dyadic rational; one ``k`` makes them all integers. The shift ``c`` keeps
    the integers small (central moments do not depend on it).
    """
    _, exponents = np.frexp(xs)
    k = int(53 - exponents.min())
    scaled = xs * 2.0**k  # exact: a power of two
    assert np.all(np.floor(scaled) == scaled)
    assert np.all(np.abs(scaled) < 2.0**62)
    ints = scaled.astype(np.int64)
    c = int(np.median(ints))
    return (ints - c).tolist(), k


class ExactMoments:
    """Exact power sums of a prefix of the column, as Python integers."""

    def __init__(self, xs: np.ndarray, ends: list[int]) -> None:
        d, self.k = to_integers(xs)
        self.sums: dict[int, tuple[int, int, int, int, int]] = {}
        s1 = s2 = s3 = s4 = 0
        start = 0
        for end in sorted(ends):
            seg = d[start:end]
            s1 += sum(seg)
            sq = [v * v for v in seg]
            s2 += sum(sq)
            s3 += sum(v * q for v, q in zip(seg, sq, strict=True))
            s4 += sum(q * q for q in sq)
            self.sums[end] = (end, s1, s2, s3, s4)
            start = end

    def central(self, end: int) -> tuple[int, Fraction, Fraction, Fraction]:
        """``n`` and the central sums ``M2, M3, M4`` (in units of ``2**-k`` to the power)."""
        n, s1, s2, s3, s4 = self.sums[end]
        mean = Fraction(s1, n)
        m2 = s2 - s1 * mean
        m3 = s3 - 3 * mean * s2 + 3 * mean * mean * s1 - n * mean**3
        m4 = s4 - 4 * mean * s3 + 6 * mean**2 * s2 - 4 * mean**3 * s1 + n * mean**4
        return n, m2, m3, m4

    def var(self, end: int, ddof: int) -> float:
        n, m2, _, _ = self.central(end)
        return float(m2 / (n - ddof) / Fraction(2) ** (2 * self.k))

    def skew(self, end: int, bias: bool) -> float:
        n, m2, m3, _ = self.central(end)
        g1_squared = n * m3 * m3 / (m2**3)  # scale-free
        g1 = math.copysign(math.sqrt(float(g1_squared)), float(m3))
        return g1 if bias else g1 * math.sqrt(n * (n - 1)) / (n - 2)

    def kurtosis(self, end: int, bias: bool) -> float:
        n, m2, _, m4 = self.central(end)
        g2 = n * m4 / (m2 * m2) - 3
        return float(g2 if bias else ((n + 1) * g2 + 6) * Fraction(n - 1, (n - 2) * (n - 3)))


ROWS = 1_000_000
ENDS = [2, 3, 4, 10, 1_000, 123_457, 500_000, ROWS]


@pytest.fixture(scope="module")
def far_from_zero() -> tuple[np.ndarray, ExactMoments]:
    rng = np.random.default_rng(2024)
    xs = 1e9 + rng.standard_normal(ROWS)
    return xs, ExactMoments(xs, ENDS)


def test_exact_reference_is_exact() -> None:
    """The reference itself, on values whose moments are known in closed form."""
    xs = np.array([1e9 + 0.5, 1e9 - 0.5, 1e9 + 1.5, 1e9 - 1.5])
    ref = ExactMoments(xs, [2, 4])
    assert ref.var(2, 1) == np.var(xs[:2], ddof=1)
    assert ref.var(4, 0) == np.var(xs - 1e9, ddof=0)
    assert ref.skew(4, True) == 0.0
    d = xs - 1e9
    m2, m4 = np.mean(d**2), np.mean(d**4)
    assert ref.kurtosis(4, True) == pytest.approx(m4 / m2**2 - 3, rel=1e-15)


def test_cumulative_var_far_from_zero(far_from_zero: tuple[np.ndarray, ExactMoments]) -> None:
    xs, ref = far_from_zero
    s = pl.Series("x", xs)
    for ddof in (0, 1):
        var = pl.select(pss.cum_var(s, ddof=ddof)).to_series()
        std = pl.select(pss.cum_std(s, ddof=ddof)).to_series()
        for end in ENDS:
            exact = ref.var(end, ddof)
            assert var[end - 1] == pytest.approx(exact, rel=1e-9), (ddof, end)
            assert std[end - 1] == pytest.approx(math.sqrt(exact), rel=1e-9), (ddof, end)
        assert pss.Var(ddof=ddof).update_many(xs).get() == var[-1]  # same kernel, same bits


@pytest.mark.parametrize("bias", [True, False])
def test_cumulative_skew_and_kurtosis_far_from_zero(
    far_from_zero: tuple[np.ndarray, ExactMoments], bias: bool
) -> None:
    xs, ref = far_from_zero
    s = pl.Series("x", xs)
    skew = pl.select(pss.cum_skew(s, bias=bias)).to_series()
    kurt = pl.select(pss.cum_kurtosis(s, bias=bias)).to_series()
    kurt_pearson = pl.select(pss.cum_kurtosis(s, bias=bias, fisher=False)).to_series()
    for end in ENDS:
        if bias or end >= 3:
            assert skew[end - 1] == pytest.approx(ref.skew(end, bias), abs=1e-6), end
        else:
            assert skew[end - 1] is None
        if bias or end >= 4:
            exact = ref.kurtosis(end, bias)
            assert kurt[end - 1] == pytest.approx(exact, abs=1e-6), end
            assert kurt_pearson[end - 1] == pytest.approx(exact + 3, abs=1e-6), end
        else:
            assert kurt[end - 1] is None
    assert pss.Skew(bias=bias).update_many(xs).get() == skew[-1]
    assert pss.Kurtosis(bias=bias).update_many(xs).get() == kurt[-1]


def test_cumulative_mean_far_from_zero(far_from_zero: tuple[np.ndarray, ExactMoments]) -> None:
    xs, _ = far_from_zero
    mean = pl.select(pss.cum_mean(pl.Series("x", xs))).to_series()
    for end in ENDS:
        exact = math.fsum(xs[:end].tolist()) / end  # fsum: the correctly rounded sum
        assert mean[end - 1] == pytest.approx(exact, rel=1e-12), end


def test_merged_halves_far_from_zero(far_from_zero: tuple[np.ndarray, ExactMoments]) -> None:
    xs, ref = far_from_zero
    for cut in (1, 333_333, ROWS - 1):
        var = pss.Var().update_many(xs[:cut]) + pss.Var().update_many(xs[cut:])
        assert var.get() == pytest.approx(ref.var(ROWS, 1), rel=1e-9)
        kurt = pss.Kurtosis().update_many(xs[:cut]).merge(pss.Kurtosis().update_many(xs[cut:]))
        assert kurt.get() == pytest.approx(ref.kurtosis(ROWS, True), abs=1e-6)
        skew = pss.Skew(bias=False).update_many(xs[:cut])
        skew += pss.Skew(bias=False).update_many(xs[cut:])
        assert skew.get() == pytest.approx(ref.skew(ROWS, False), abs=1e-6)


def two_pass(window: np.ndarray) -> tuple[float, float, float]:
    """var(ddof=1), biased skew and biased excess kurtosis of ``window``, two-pass."""
    n = len(window)
    d = window - window.mean()
    d = d - d.mean()  # a second correction pass
    m2 = float(np.mean(d * d))
    m3 = float(np.mean(d**3))
    m4 = float(np.mean(d**4))
    return m2 * n / (n - 1), m3 / m2**1.5, m4 / (m2 * m2) - 3.0


BIG_ROWS = 1_000_000
TOTAL = 10_000_000
W = 1_000


@pytest.fixture(scope="module")
def big_then_small() -> np.ndarray:
    rng = np.random.default_rng(77)
    xs = rng.standard_normal(TOTAL)
    xs[:BIG_ROWS] += 1e9
    return xs


@pytest.fixture(scope="module")
def rolling_out(big_then_small: np.ndarray) -> pl.DataFrame:
    s = pl.Series("x", big_then_small)
    return pl.select(
        pss.rolling_var(s, window_size=W).alias("var"),
        pss.rolling_skew(s, window_size=W).alias("skew"),
        pss.rolling_kurtosis(s, window_size=W).alias("kurt"),
    )


def check_rolling_rows(xs: np.ndarray, out: pl.DataFrame, rows: list[int]) -> None:
    for row in rows:
        var, skew, kurt = two_pass(xs[row - W + 1 : row + 1])
        assert out["var"][row] == pytest.approx(var, rel=1e-9), row
        assert out["skew"][row] == pytest.approx(skew, abs=1e-6), row
        assert out["kurt"][row] == pytest.approx(kurt, abs=1e-6), row


def test_rolling_forgets_large_values(
    big_then_small: np.ndarray, rolling_out: pl.DataFrame
) -> None:
    """After the values near 1e9 have left the window, nothing of them remains."""
    rows = [
        BIG_ROWS + W // 2,  # straddling: half large, half small
        BIG_ROWS + W - 1,  # the first window without large values
        BIG_ROWS + W,
        BIG_ROWS + 12_345,
        5_000_000,
        TOTAL - 1,
    ]
    check_rolling_rows(big_then_small, rolling_out, rows)
    obj = pss.RollingVar(window_size=W).update_many(big_then_small)
    assert obj.get() == rolling_out["var"][-1]  # same kernel, same bits


def test_rolling_window_far_from_zero(
    big_then_small: np.ndarray, rolling_out: pl.DataFrame
) -> None:
    """Windows of values near 1e9: the same 1e-9 as the cumulative statistics."""
    check_rolling_rows(big_then_small, rolling_out, [W - 1, W, 123_456, BIG_ROWS - 1])


def test_rolling_unbiased_std_and_mean_forget_large_values(big_then_small: np.ndarray) -> None:
    xs = big_then_small[BIG_ROWS - 5 * W : BIG_ROWS + 5 * W]
    s = pl.Series("x", xs)
    out = pl.select(
        pss.rolling_std(s, window_size=W, ddof=0).alias("std"),
        pss.rolling_skew(s, window_size=W, bias=False).alias("skew"),
        pss.rolling_kurtosis(s, window_size=W, bias=False).alias("kurt"),
        pss.rolling_mean(s, window_size=W).alias("mean"),
    )
    n = W
    for row in (5 * W + W - 1, 7 * W, len(xs) - 1):  # windows after the large values
        window = xs[row - W + 1 : row + 1]
        var1, g1, g2 = two_pass(window)
        assert out["std"][row] == pytest.approx(math.sqrt(var1 * (n - 1) / n), rel=1e-9), row
        big_g1 = g1 * math.sqrt(n * (n - 1)) / (n - 2)
        big_g2 = ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
        assert out["skew"][row] == pytest.approx(big_g1, abs=1e-6), row
        assert out["kurt"][row] == pytest.approx(big_g2, abs=1e-6), row
        scale = float(np.abs(window).max())
        assert out["mean"][row] == pytest.approx(float(np.mean(window)), abs=1e-12 * scale), row
