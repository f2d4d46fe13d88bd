"""Every public function and class has a numpydoc docstring with a doctested example.

The functions' examples run under ``pytest --doctest-modules``; the classes are written in
Rust (their docstrings live in the extension module, which pytest does not collect), so their
examples run here.
"""

from __future__ import annotations

import doctest
import inspect
import re

import pytest

import polars_streamstats as pss

PUBLIC = [getattr(pss, name) for name in pss.__all__ if name != "__version__"]
FUNCTIONS = [obj for obj in PUBLIC if inspect.isfunction(obj)]
CLASSES = [obj for obj in PUBLIC if inspect.isclass(obj)]


def _sections(doc: str) -> set[str]:
    return set(re.findall(r"^\s*(\w[\w ]*)\n\s*-{3,}\s*$", doc, re.MULTILINE))


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_function_docstring(function: object) -> None:
    doc = inspect.getdoc(function) or ""
    assert {"Parameters", "Returns", "Examples"} <= _sections(doc), doc
    assert ">>> " in doc
    # Every parameter is described (a shared entry such as ``q_inf, q_sup`` covers both).
    described = set(re.findall(r"^(\w+(?:, \w+)*)$", doc, re.MULTILINE))
    names = {n for entry in described for n in entry.split(", ")}
    missing = set(inspect.signature(function).parameters) - names  # type: ignore[arg-type]
    assert not missing, f"undocumented parameters: {missing}"
    assert "$" not in doc.replace("$$", ""), "an unexpanded $placeholder"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_class_docstring_and_example(cls: type) -> None:
    doc = inspect.getdoc(cls) or ""
    assert {"Parameters", "Examples"} <= _sections(doc), doc
    tests = [t for t in doctest.DocTestFinder(recurse=False).find(cls) if t.examples]
    assert tests, f"{cls.__name__} has no doctest example"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        test.globs = {"pss": pss}
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{cls.__name__}: {result.failed} example(s) failed"
