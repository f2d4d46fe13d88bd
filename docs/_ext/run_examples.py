"""Run the code examples of the documentation pages (``make docs`` runs this first).

Each page's fenced blocks run in order in one namespace, in a temporary working directory:
a ``python`` block is executed and must not raise; a ``pycon`` block is a doctest (``>>>``
lines and their expected output), checked with NORMALIZE_WHITESPACE and ELLIPSIS. Blocks of
any other language (``bash``, ``text``) are not run. Exits with status 1 naming the page and
block on the first failure of each page.
"""

from __future__ import annotations

import doctest
import os
import re
import sys
import tempfile
import traceback
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def run_page(page: Path) -> tuple[int, list[str]]:
    """Run ``page``'s blocks; the number run and the failures."""
    text = page.read_text()
    namespace: dict[str, object] = {"__name__": "__docs__"}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    failures: list[str] = []
    count = 0
    for match in FENCE.finditer(text):
        lang, code = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        where = f"{page.relative_to(DOCS)}:{line}"
        if lang == "python":
            count += 1
            try:
                exec(compile(code, where, "exec"), namespace)
            except Exception:
                failures.append(f"{where}: python block raised\n{traceback.format_exc()}")
                break
        elif lang == "pycon":
            count += 1
            test = parser.get_doctest(code, namespace, where, str(page), line)
            out: list[str] = []
            result = runner.run(test, out=out.append, clear_globs=False)
            namespace.update(test.globs)
            if result.failed:
                failures.append(f"{where}: pycon block failed\n{''.join(out)}")
                break
    return count, failures


def main() -> int:
    pages = sorted(p for p in DOCS.rglob("*.md") if "_ext" not in p.parts)
    total = 0
    failed: list[str] = []
    cwd = Path.cwd()
    for page in pages:
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                count, failures = run_page(page)
            finally:
                os.chdir(cwd)
        total += count
        failed.extend(failures)
    for failure in failed:
        print(failure, file=sys.stderr)
    print(f"docs examples: {total} blocks on {len(pages)} pages, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
