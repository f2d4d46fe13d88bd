"""The benchmark's report writer (bench/bench.py): the README block, the docs page, the chart.

No timing here: the results are made up, the writers are what is tested.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pss_bench", ROOT / "bench" / "bench.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pss_bench"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _result(bench: ModuleType, section: str, case: str, peer_s: float, **kw: Any) -> Any:
    pss_times = [1.0, 1.1, 0.9]
    peer = [peer_s, peer_s * 1.1, peer_s * 0.9]
    return bench.Result(
        case=case,
        unit="row",
        items=1000,
        pss_times=pss_times,
        competitor=f"peer {peer_s}",
        competitor_times=peer,
        ratios=[a / b for a, b in zip(pss_times, peer, strict=True)],
        section=section,
        **kw,
    )


@pytest.fixture
def results(bench: ModuleType) -> list[Any]:
    return [
        # two peers for one case: the chart and the summary take the faster one (0.5 s)
        _result(bench, "ewm", "a", 2.0, verdict="PASS", target="<= 0.5x"),
        _result(bench, "ewm", "a", 0.5),
        _result(bench, "ewm", "b", 4.0, verdict="MISS", target="<= 0.1x"),
        _result(bench, "ewm", "baseline", 0.1, chart=False),
        _result(bench, "river", "c", 0.8),
    ]


@pytest.fixture
def meta(bench: ModuleType) -> dict[str, Any]:
    m: dict[str, Any] = bench._meta({"ewm": 1000, "river": 10}, 3, False)
    m["wall_seconds"] = 754.0
    return m


def test_summary_takes_the_fastest_peer_per_case(bench: ModuleType, results: list[Any]) -> None:
    lines = bench.summary_table(results)
    ewm = next(line for line in lines if line.startswith(f"| {bench.SECTION_TITLES['ewm']} |"))
    cells = [c.strip() for c in ewm.strip("|").split("|")]
    # cases a (vs 0.5 s: ratio 2) and b (vs 4 s: 0.25); the baseline is not a peer
    expected = sorted([statistics.median([1 / 0.5, 1.1 / 0.55, 0.9 / 0.45]), 0.25])
    assert cells[1:] == [
        "2",
        "1",
        f"{statistics.median(expected):.2f}x",
        f"{expected[0]:.2f}x",
        f"{expected[1]:.2f}x",
        "1 of 2",
    ]
    river = next(line for line in lines if "River" in line)
    assert river.rstrip().endswith("| — |")  # no targets in that family


def test_replace_block_is_idempotent_and_keeps_the_rest(bench: ModuleType) -> None:
    text = f"# Title\n\nbefore\n{bench.README_BEGIN}\nold\n{bench.README_END}\nafter\n"
    block = f"{bench.README_BEGIN}\nnew\n{bench.README_END}"
    once = bench.replace_block(text, block)
    assert once == f"# Title\n\nbefore\n{block}\nafter\n"
    assert bench.replace_block(once, block) == once


@pytest.mark.parametrize(
    "text",
    ["no markers", "{end}\n{begin}", "{begin}\n{end}\n{begin}\n{end}", "{begin} only"],
)
def test_replace_block_refuses_bad_markers(bench: ModuleType, text: str) -> None:
    text = text.format(begin=bench.README_BEGIN, end=bench.README_END)
    with pytest.raises(ValueError, match="README must hold"):
        bench.replace_block(text, "x")


def test_the_readme_has_the_markers(bench: ModuleType) -> None:
    bench.replace_block((ROOT / "README.md").read_text(encoding="utf-8"), "")


def test_publish_writes_chart_page_and_readme(
    bench: ModuleType,
    results: list[Any],
    meta: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("matplotlib")
    (tmp_path / "docs" / "img").mkdir(parents=True)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{bench.README_BEGIN}\n{bench.README_END}\ntail\n", encoding="utf-8")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    monkeypatch.setattr(bench, "README", readme)
    monkeypatch.setattr(bench, "DOCS_PAGE", tmp_path / "docs" / "benchmark.md")
    monkeypatch.setattr(bench, "DEFAULT_CHART", tmp_path / "docs" / "img" / "benchmark.png")
    bench.publish(results, meta)

    png = (tmp_path / "docs" / "img" / "benchmark.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    page = (tmp_path / "docs" / "benchmark.md").read_text(encoding="utf-8")
    assert page.startswith("# Benchmark\n")
    assert "![pss time / fastest peer time, per case](img/benchmark.png)" in page
    for r in results:  # every row, the baseline too, is in the page's tables
        assert f"| {r.case} " in page
    assert "interleaved" in page  # the method, from the module docstring
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# x\n")
    assert text.endswith("\ntail\n")
    assert "(docs/img/benchmark.png)" in text
    assert "the run took 13 min" in text
    assert text.count(bench.README_BEGIN) == 1


def test_publish_refuses_before_running_without_markers(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    monkeypatch.setattr(bench, "README", readme)
    ran: list[int] = []

    def run_river(n: int, runs: int) -> list[Any]:
        ran.append(n)
        return []

    monkeypatch.setattr(bench, "run_river", run_river)
    with pytest.raises(ValueError, match="README must hold"):
        bench.main(["--only", "river", "--quick", "--publish"])
    assert ran == []
