"""Write tests/golden/snapshots_v<FORMAT_VERSION>.json from today's build.

Run from the repository root after `make build`::

    .venv/bin/python tests/golden/make_snapshots.py

For every case of the contract suite (tests/test_contract.py: every exported class with its
option sets) it stores the class, its options, the fixed input, the hex of ``__getstate__()`` and
of ``pickle.dumps(obj, protocol=4)`` after ``update_many(input)``, and ``repr(get())``.
tests/test_contract.py then asserts that today's bytes equal these and that these restore.

Regenerate only on purpose: when a class is added, or when the snapshot layout changes, in which
case bump ``FORMAT_VERSION`` in src/core/snapshot.rs first so the file of the old version stays
(the suite checks that old versions are refused cleanly). Refuses to overwrite an existing file
whose bytes differ unless given ``--force``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.test_contract import (  # noqa: E402  (the repository root must be importable first)
    ALL_CASES,
    GOLDEN_INPUT,
    GOLDEN_PICKLE_PROTOCOL,
    format_version,
    golden_path,
    golden_record,
    source_format_version,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite differing stored bytes")
    args = parser.parse_args()
    version = format_version()
    if version != source_format_version():
        print(
            f"the build writes version {version} but src/core/snapshot.rs says "
            f"{source_format_version()}: rebuild (make build) first",
            file=sys.stderr,
        )
        return 1
    document: dict[str, Any] = {
        "format_version": version,
        "input": GOLDEN_INPUT,
        "pickle_protocol": GOLDEN_PICKLE_PROTOCOL,
        "records": [golden_record(case) for case in ALL_CASES],
    }
    path = golden_path(version)
    text = json.dumps(document, indent=1) + "\n"
    if path.exists() and path.read_text() != text and not args.force:
        print(
            f"{path} exists and differs; a layout change needs a new FORMAT_VERSION "
            "(or pass --force if only cases were added or renamed)",
            file=sys.stderr,
        )
        return 1
    path.write_text(text)
    print(f"wrote {len(document['records'])} records to {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
