"""Whether two outputs agree: the checks run on the warm-up outputs before any timing, so a
speed-up can never come from computing something else.

An output is a Polars DataFrame of one column, a Polars or pandas Series or a numpy array;
``as_floats`` reads any of them as float64 with null as NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl

from pssbench.harness import Agree, log

AGREE_ATOL = 1e-12
MOMENT_RTOL = 1e-9
# pandas' rolling skew/kurt slide sums of powers: at window 10 they are up to ~2e-9 off
# (measured against a two-pass numpy reference on this data), so they are checked to this.
# (Its expanding() skew/kurt are within AGREE_ATOL.)
PANDAS_MOMENT_ATOL = 1e-8
MAX_REFERENCE_ROWS = 20_000  # pandas' rows off by more than the tolerance, arbitrated


def as_floats(out: object) -> npt.NDArray[np.float64]:
    """Any single-column output (Polars, pandas, numpy) as float64, null as NaN."""
    if isinstance(out, pl.DataFrame):
        out = out.to_series()
    if isinstance(out, pl.Series):
        return np.asarray(out.cast(pl.Float64).to_numpy(), dtype=np.float64)
    if isinstance(out, pd.Series):
        return np.asarray(out.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    return np.asarray(out, dtype=np.float64)


def same_bits(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> bool:
    """Whether two float64 arrays hold the same 64 bits everywhere (NaN and -0.0 included)."""
    return x.shape == y.shape and bool(np.array_equal(x.view(np.uint64), y.view(np.uint64)))


def agree_where_defined(ours: object, theirs: object) -> bool:
    """Whether two outputs agree to ``AGREE_ATOL`` on the rows where both have a value."""
    x, y = as_floats(ours), as_floats(theirs)
    if x.shape != y.shape:
        return False
    both = ~np.isnan(x) & ~np.isnan(y)
    return bool(np.all(np.abs(x[both] - y[both]) <= AGREE_ATOL))


def _null_mask(out: object) -> pl.Series:
    assert isinstance(out, pl.DataFrame)
    return out.to_series().is_null()


def agree_defined(ours: object, theirs: object, *, rtol: float, atol: float) -> bool:
    """Whether two outputs are defined (not null, not NaN) on the same rows and agree there to
    ``rtol`` (relative) plus ``atol`` (absolute); exact with ``rtol = atol = 0``. Two Polars
    outputs must also have their nulls on the same rows (null and NaN are not interchangeable)."""
    x, y = as_floats(ours), as_floats(theirs)
    if x.shape != y.shape:
        return False
    both_polars = isinstance(ours, pl.DataFrame) and isinstance(theirs, pl.DataFrame)
    if both_polars and not _null_mask(ours).equals(_null_mask(theirs)):
        return False
    defined = ~np.isnan(x)
    if not np.array_equal(defined, ~np.isnan(y)):
        return False
    if rtol == 0 and atol == 0:
        return bool(np.array_equal(x[defined], y[defined]))
    return bool(np.all(np.isclose(x[defined], y[defined], rtol=rtol, atol=atol)))


def close(atol: float = AGREE_ATOL) -> Agree:
    """``agree_defined`` to ``MOMENT_RTOL`` relative plus ``atol`` absolute."""

    def agree(ours: object, theirs: object) -> bool:
        return agree_defined(ours, theirs, rtol=MOMENT_RTOL, atol=atol)

    return agree


def equal(ours: object, theirs: object) -> bool:
    """``agree_defined`` exactly."""
    return agree_defined(ours, theirs, rtol=0.0, atol=0.0)


def exact_vs_polars(ours: object, theirs: object) -> bool:
    """Two Polars outputs exactly equal: the same dtype, the same nulls, the same values."""
    assert isinstance(ours, pl.DataFrame)
    assert isinstance(theirs, pl.DataFrame)
    return ours.to_series().dtype == theirs.to_series().dtype and equal(ours, theirs)


def median_vs_pandas(ours: object, theirs: object) -> bool:
    """Whether two medians are defined on the same rows and agree there to ``AGREE_ATOL``
    (absolute, as the quantile section's pandas check). They are not bit-identical: pandas
    averages the two middle values as ``(a + b) / 2``, Polars and pss as ``a + (b - a) * 0.5``,
    which rounds differently (by 1 ulp of ``a`` or ``b``, so more than 1 ulp of the median when
    the two have opposite signs). Logs how many rows differ and by how much at most."""
    x, y = as_floats(ours), as_floats(theirs)
    if x.shape == y.shape:
        diff = np.abs(x - y)[~np.isnan(x) & ~np.isnan(y)]
        differ = int(np.count_nonzero(diff))
        if differ:
            log(
                f"    pandas median: {differ:,} of {diff.size:,} rows differ in the last bits "
                f"(at most {diff.max():.2g})"
            )
    return agree_defined(ours, theirs, rtol=0.0, atol=AGREE_ATOL)


def bit_identical(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Whether two frames of float columns are equal bit for bit: the same columns and dtypes,
    nulls on the same rows and the same 64 bits on the others (NaN and -0.0 included)."""
    if a.columns != b.columns or a.dtypes != b.dtypes or a.height != b.height:
        return False
    for name in a.columns:
        x, y = a[name], b[name]
        if not x.is_null().equals(y.is_null()):
            return False
        xb = x.cast(pl.Float64).fill_null(0.0).to_numpy()
        yb = y.cast(pl.Float64).fill_null(0.0).to_numpy()
        if not same_bits(xb, yb):
            return False
    return True


def two_pass(stat: str, v: npt.NDArray[np.float64]) -> float:
    """The textbook estimator on one window's values, from deviations about the two-pass mean:
    the sample variance/std (ddof=1), the adjusted Fisher-Pearson skewness G1 and the unbiased
    excess kurtosis G2 (pandas' skew() and kurt(); NaN below 3 and 4 values)."""
    n = v.size
    mean = float(np.mean(v))
    if stat == "mean":
        return mean
    d = v - mean
    m2 = float(np.mean(d * d))
    if stat in ("var", "std"):
        if n < 2:
            return float("nan")
        var = m2 * n / (n - 1)
        return var if stat == "var" else math.sqrt(var)
    if stat == "skew":
        if n < 3:
            return float("nan")
        g1 = float(np.mean(d**3)) / (m2 * math.sqrt(m2))
        return g1 * math.sqrt(n * (n - 1)) / (n - 2)
    if stat == "kurtosis":
        if n < 4:
            return float("nan")
        g2 = float(np.mean(d**4)) / (m2 * m2) - 3.0
        return ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    raise ValueError(stat)


def pandas_moment_check(
    stat: str, atol: float, x: npt.NDArray[np.float64], start: npt.NDArray[np.intp]
) -> Callable[[object, object], bool]:
    """pss against pandas for one rolling moment: defined on the same rows and within
    ``MOMENT_RTOL`` relative + ``atol`` absolute, except on rows where pss is within that of a
    two-pass reference on the window's values (``x[start[i] : i + 1]``): pandas slides sums of
    powers, which lose digits when a window's spread is small against its values (a 2-value
    window of close values: std 8e-12 off). At most ``MAX_REFERENCE_ROWS`` such rows."""

    def agree(ours: object, theirs: object) -> bool:
        a, c = as_floats(ours), as_floats(theirs)
        if a.shape != c.shape or not np.array_equal(np.isnan(a), np.isnan(c)):
            return False
        off = np.flatnonzero(~np.isclose(a, c, rtol=MOMENT_RTOL, atol=atol, equal_nan=True))
        if off.size == 0:
            return True
        if off.size > MAX_REFERENCE_ROWS:
            log(f"    pandas {stat}: {off.size:,} rows differ (too many to arbitrate)")
            return False
        ref = np.array([two_pass(stat, x[start[i] : i + 1]) for i in off])
        pss_ok = np.isclose(a[off], ref, rtol=MOMENT_RTOL, atol=AGREE_ATOL)
        pandas_ok = np.isclose(c[off], ref, rtol=MOMENT_RTOL, atol=AGREE_ATOL)
        log(
            f"    pandas {stat}: {off.size:,} rows differ from pss by more than {MOMENT_RTOL:g} "
            f"rel + {atol:g} abs (at most {np.max(np.abs(a[off] - c[off])):.2g}); a two-pass "
            f"reference agrees with pss on {int(pss_ok.sum())}, with pandas on "
            f"{int(pandas_ok.sum())}"
        )
        return bool(pss_ok.all())

    return agree
