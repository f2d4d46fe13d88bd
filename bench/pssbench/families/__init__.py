"""One module per family (a section of the report), each with its ``FAMILY``."""

from __future__ import annotations

from pssbench.families import by, ewm, moments, parallel, quantile, river, tracker
from pssbench.harness import Family

FAMILIES: tuple[Family, ...] = (
    ewm.FAMILY,
    quantile.FAMILY,
    moments.FAMILY,
    by.FAMILY,
    tracker.FAMILY,
    river.FAMILY,
    parallel.FAMILY,
)
SECTIONS = tuple(f.name for f in FAMILIES)


def family(name: str) -> Family:
    """The family called ``name`` (as given to --only)."""
    for f in FAMILIES:
        if f.name == name:
            return f
    raise KeyError(name)
