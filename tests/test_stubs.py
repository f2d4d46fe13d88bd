"""The type stubs of the compiled extension agree with the runtime (``mypy.stubtest``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Entries that stubtest reports but that are deliberate, one per line, each with a comment saying
# why. The file is optional: without it nothing is allowed.
ALLOWLIST = Path(__file__).resolve().parent / "stubtest_allowlist.txt"


def test_internal_stub_matches_runtime() -> None:
    command = [sys.executable, "-m", "mypy.stubtest", "polars_streamstats._internal"]
    if ALLOWLIST.exists():
        command += ["--allowlist", str(ALLOWLIST)]
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"stubtest failed:\n{output}"
    assert "Success" in output, output
