"""Helpers shared by the tests."""

from __future__ import annotations

import itertools

import polars as pl


def chunked(values: list[float | None], pieces: int, dtype: pl.DataType | None = None) -> pl.Series:
    """A Series of ``values`` made of ``pieces`` chunks (not rechunked)."""
    dtype = dtype or pl.Float64()
    n = len(values)
    bounds = [round(i * n / pieces) for i in range(pieces + 1)]
    parts = [pl.Series("x", values[a:b], dtype=dtype) for a, b in itertools.pairwise(bounds)]
    s = pl.concat(parts, rechunk=False)
    assert s.n_chunks() == pieces or n < pieces
    return s
