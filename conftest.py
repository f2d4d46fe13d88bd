"""Collection rules for the whole repository (``pytest tests python/polars_streamstats``)."""

from __future__ import annotations

collect_ignore: list[str] = []

try:
    import bytewax  # noqa: F401
except ImportError:
    # Bytewax 0.21 ships wheels for Python <= 3.12 only: without it polars_streamstats.bytewax
    # cannot be imported, so its doctests are not collected (tests/test_bytewax.py skips itself).
    collect_ignore.append("python/polars_streamstats/bytewax.py")
