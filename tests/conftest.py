"""Shared helpers for the test suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
RIVER_VECTORS = REPO.parent / "shared" / "reference" / "river_vectors.json"


@pytest.fixture(scope="session")
def river_vectors() -> dict[str, Any]:
    """River 0.26.1's outputs on a fixed input (shared/ sits beside the repository)."""
    if not RIVER_VECTORS.exists():
        pytest.skip(f"{RIVER_VECTORS} not present")
    data: dict[str, Any] = json.loads(RIVER_VECTORS.read_text())
    return data
