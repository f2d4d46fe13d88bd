"""Shared fixtures for the test suite."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
# A copy of what `river_vectors` computes, kept beside the repository for other tools; when it is
# present, tests/test_contract.py checks that it equals the live values.
RIVER_VECTORS = REPO.parent / "shared" / "reference" / "river_vectors.json"

RIVER_VERSION = "0.26.1"  # pinned in requirements-dev.txt
RIVER_INPUT = [1.0, 3.0, 2.0, 8.0, 5.0, 4.0, 7.0, 6.0, 10.0, 9.0, -2.0, 0.5]
RIVER_NOTE = (
    "value of get() after each update(); River 0.26.1; EWMean/EWVar param is named fading_factor "
    "in River (alpha in Rust), weight of the NEW value"
)
# River `stats` classes and their constructor keywords, written as River's own call would be.
RIVER_SPECS = (
    "EWMean(fading_factor=0.3)",
    "EWVar(fading_factor=0.3)",
    "Quantile(q=0.5)",
    "Quantile(q=0.9)",
    "IQR(q_inf=0.25,q_sup=0.75)",
    "RollingQuantile(q=0.5,window_size=4)",
    "RollingIQR(window_size=4,q_inf=0.25,q_sup=0.75)",
    "Kurtosis(bias=False)",
    "Skew(bias=False)",
    "PeakToPeak()",
    "Var(ddof=1)",
)
_SPEC = re.compile(r"(?P<name>[A-Za-z]+)\((?P<args>[^()]*)\)")


def _literal(text: str) -> float | int | bool:
    if text in ("True", "False"):
        return text == "True"
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def river_stat(spec: str) -> Any:
    """The River statistic that ``spec`` (``"Name(k=v,...)"``) names.

    Raises when River has no such class or the class has no such parameter, so the names used
    in ``RIVER_SPECS`` (and in the JSON copy) are River's own.
    """
    import river.stats  # a pinned test dependency: an error, not a skip, when missing

    match = _SPEC.fullmatch(spec)
    assert match is not None, spec
    cls = getattr(river.stats, match["name"])
    kwargs = {}
    for item in filter(None, match["args"].split(",")):
        key, _, value = item.partition("=")
        kwargs[key] = _literal(value)
    inspect.signature(cls).bind(**kwargs)  # TypeError for a parameter River does not have
    return cls(**kwargs)


def compute_river_vectors() -> dict[str, Any]:
    """River's ``get()`` after each ``update()`` of ``RIVER_INPUT``, for every ``RIVER_SPECS``."""
    installed = version("river")
    assert installed == RIVER_VERSION, installed
    outputs: dict[str, list[float]] = {}
    for spec in RIVER_SPECS:
        stat = river_stat(spec)
        values = []
        for x in RIVER_INPUT:
            stat.update(x)
            values.append(stat.get())
        outputs[spec] = values
    return {
        "river_version": installed,
        "input": list(RIVER_INPUT),
        "note": RIVER_NOTE,
        "outputs": outputs,
    }


@pytest.fixture(scope="session")
def river_vectors() -> dict[str, Any]:
    """River 0.26.1's outputs on a fixed input, computed live from River."""
    return compute_river_vectors()
