"""Helpers shared by the tests."""

from __future__ import annotations

import itertools

import polars as pl
import pytest


def chunked(values: list[float | None], pieces: int, dtype: pl.DataType | None = None) -> pl.Series:
    """A Series of ``values`` made of ``pieces`` chunks (not rechunked)."""
    dtype = dtype or pl.Float64()
    n = len(values)
    bounds = [round(i * n / pieces) for i in range(pieces + 1)]
    parts = [pl.Series("x", values[a:b], dtype=dtype) for a, b in itertools.pairwise(bounds)]
    s = pl.concat(parts, rechunk=False)
    assert s.n_chunks() == pieces or n < pieces
    return s


# Polars < 2 gave the unbiased EW variance 0.0 at a series' first value; Polars 2 gives null
# (and so do we). When the installed Polars is older, the oracle is corrected to the new rule.
POLARS_FIRST_UNBIASED_VAR_IS_ZERO = pl.Series([1.0, 2.0]).ewm_var(alpha=0.5)[0] == 0.0


def first_value_null(expected: pl.Expr, source: pl.Expr, bias: bool) -> pl.Expr:
    """``expected`` (a Polars ewm_var/ewm_std) with the Polars 2 first-value rule applied."""
    if bias or not POLARS_FIRST_UNBIASED_VAR_IS_ZERO:
        return expected
    return pl.when(source.is_not_null().cum_sum() != 1).then(expected).otherwise(None)


# Polars < 2 computed rolling var/std/skew/kurtosis by adding and subtracting power sums: a
# constant window of integers after varied ones gives std 7.5e-7 instead of 0 (and so skew and
# kurtosis of garbage instead of NaN), and rolling_skew of an empty column panics. Polars 2's
# rolling moments are exact there; they are the oracle, so those comparisons need Polars >= 2.
POLARS_2 = int(pl.__version__.split(".")[0]) >= 2
needs_polars_2_moments = pytest.mark.skipif(
    not POLARS_2, reason="Polars < 2's rolling moments drift (the oracle is Polars 2)"
)
