"""The benchmark's machinery (bench/pssbench): the harness's interleaving, pairing and floor
with a fake clock, and the report writers (the tables, the README block, the docs page, the
chart) on made-up results.

No real timing here: every duration comes from a fake clock, every result is made up.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # where bench/bench.py finds the package

from pssbench import cli, harness, report  # noqa: E402
from pssbench.families import river as river_family  # noqa: E402
from pssbench.harness import Peer, Result  # noqa: E402


class FakeClock:
    """A clock that only moves when a fake thunk says it took some time."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _thunk(
    clock: FakeClock, name: str, durations: list[float], calls: list[str]
) -> Callable[[], object]:
    """A thunk that logs its call, takes the next of ``durations`` on ``clock`` and returns
    ``name + "-out"``."""
    left = iter(durations)

    def run() -> object:
        calls.append(name)
        clock.now += next(left)
        return f"{name}-out"

    return run


# --------------------------------------------------------------------------- harness


def test_time_once_reads_the_clock_around_one_call_and_restores_the_gc() -> None:
    clock, calls = FakeClock(), list[str]()
    assert harness.time_once(_thunk(clock, "a", [2.5], calls), clock) == 2.5
    assert calls == ["a"]
    assert gc.isenabled()


def test_interleaved_is_round_robin_and_ragged() -> None:
    clock, calls = FakeClock(), list[str]()
    a = _thunk(clock, "a", [1.0, 2.0, 3.0], calls)
    b = _thunk(clock, "b", [10.0, 20.0], calls)
    c = _thunk(clock, "c", [0.5, 0.25, 0.125], calls)
    times = harness.interleaved([a, b, c], [3, 2, 3], clock=clock)
    assert times == [[1.0, 2.0, 3.0], [10.0, 20.0], [0.5, 0.25, 0.125]]
    # b takes part in the first two rounds only, so its round r stays paired with a's round r
    assert calls == ["a", "b", "c", "a", "b", "c", "a", "c"]


def test_interleaved_takes_one_count_for_all_and_refuses_a_wrong_number() -> None:
    clock, calls = FakeClock(), list[str]()
    fns = [_thunk(clock, n, [1.0, 1.0], calls) for n in "ab"]
    assert harness.interleaved(fns, 2, clock=clock) == [[1.0, 1.0], [1.0, 1.0]]
    assert calls == ["a", "b", "a", "b"]
    with pytest.raises(ValueError, match="2 counts for 1 functions"):
        harness.interleaved(fns[:1], [1, 1], clock=clock)


def test_paired_pairs_the_first_rounds_and_takes_medians() -> None:
    res = harness.paired("c", [1.0, 3.0, 2.0], "peer", [4.0, 1.0], unit="row", items=10)
    assert res.pss_times == [1.0, 3.0]  # only the rounds the peer ran
    assert res.ratios == [0.25, 3.0]
    assert res.ratio_median == statistics.median([0.25, 3.0])
    assert res.pss_median == 2.0
    assert res.competitor_median == 2.5
    assert res.floor_median is None


def test_variant_peer_cases_warm_up_check_pair_and_time_the_floor() -> None:
    clock, calls = FakeClock(), list[str]()
    checked: list[tuple[object, object]] = []

    def agree(same: bool) -> harness.Agree:
        def check(ours: object, theirs: object) -> bool:
            checked.append((ours, theirs))
            return same

        return check

    ours = _thunk(clock, "ours", [99.0, 1.0, 2.0, 4.0], calls)  # the first is the warm-up
    fast = _thunk(clock, "fast", [99.0, 2.0, 2.0, 2.0], calls)
    slow = _thunk(clock, "slow", [99.0, 8.0], calls)
    floor = _thunk(clock, "floor", [99.0, 0.5, 0.25, 1.0], calls)
    rows = harness.variant_peer_cases(
        "label",
        [("case", ours)],
        [
            (0, Peer("fast peer", fast, agree(True), 3)),
            (0, Peer("slow peer", slow, agree(False), 1)),
        ],
        items=1000,
        section="ewm",
        floor=floor,
        clock=clock,
    )
    assert calls == [
        *("ours", "fast", "slow", "floor"),  # warm-ups, untimed
        *("ours", "fast", "slow", "floor"),
        *("ours", "fast", "floor"),
        *("ours", "fast", "floor"),
    ]
    assert checked == [("ours-out", "fast-out"), ("ours-out", "slow-out")]
    fast_row, slow_row = rows
    assert [r.case for r in rows] == ["case", "case"]
    assert fast_row.competitor == "fast peer"
    assert fast_row.pss_times == [1.0, 2.0, 4.0]
    assert fast_row.ratios == [0.5, 1.0, 2.0]
    assert fast_row.ratio_median == 1.0
    assert fast_row.outputs_match is True
    assert fast_row.verdict == "—"
    assert slow_row.pss_times == [1.0]  # paired with the round it ran in
    assert slow_row.ratios == [0.125]
    assert slow_row.outputs_match is False
    assert slow_row.verdict == "MISMATCH"
    for r in rows:
        assert r.floor_times == [0.5, 0.25, 1.0]
        assert r.floor_median == 0.5
        assert r.section == "ewm"


def test_a_peer_without_a_check_is_not_a_mismatch() -> None:
    clock, calls = FakeClock(), list[str]()
    (row,) = harness.peer_cases(
        "c",
        _thunk(clock, "ours", [1.0, 1.0], calls),
        [Peer("reference", _thunk(clock, "ref", [1.0, 2.0], calls), None, 1)],
        items=1,
        section="ewm",
        clock=clock,
    )
    assert row.outputs_match is None
    assert row.verdict == "—"
    assert row.floor_times is None
    assert row.ratios == [0.5]


def test_judge_fastest_judges_the_fastest_peer_only() -> None:
    rows = [
        harness.paired("c", [1.0], "slow", [4.0], unit="row", items=1),
        harness.paired("c", [1.0], "fast", [1.5], unit="row", items=1),
    ]
    harness.judge_fastest(rows, 0.5)
    assert [(r.target, r.verdict) for r in rows] == [
        ("—", "—"),
        ("<= 0.5x fastest peer", "MISS"),  # 1 / 1.5 > 0.5
    ]
    rows[1].outputs_match = False
    harness.judge(rows[1], 0.9)
    assert rows[1].verdict == "MISMATCH"


def test_judge_per_item_divides_the_median_by_the_items() -> None:
    res = Result("c", "call", 1000, [2e-6, 5e-6, 3e-6])  # median 3e-6 s: 3 ns per call
    harness.judge_per_item(res, 3.0)
    assert (res.target, res.verdict) == ("<= 3 ns/call", "PASS")
    harness.judge_per_item(res, 2.9)
    assert res.verdict == "MISS"
    res.outputs_match = False
    harness.judge_per_item(res, 3.0)
    assert res.verdict == "MISMATCH"


def test_column_floor_computes_a_new_column_of_the_output_dtype() -> None:
    import polars as pl

    df = pl.DataFrame({"x": [1.5, None, -2.0], "g": [1, 2, 3]})
    out = harness.column_floor(df)()
    assert isinstance(out, pl.DataFrame)
    assert out.schema == pl.Schema({"x": pl.Float64})
    # new values, so a real pass (Polars returns the input itself for * 1.0 and + 0.0)
    assert out["x"].to_list() == [3.0, None, -4.0]
    ints = harness.column_floor(df, "g", pl.Float32)()
    assert isinstance(ints, pl.DataFrame)
    assert ints.schema == pl.Schema({"g": pl.Float32})
    assert ints["g"].to_list() == [2.0, 4.0, 6.0]


# --------------------------------------------------------------------------- report


def _result(section: str, case: str, peer_s: float, **kw: Any) -> Result:
    pss_times = [1.0, 1.1, 0.9]
    peer = [peer_s, peer_s * 1.1, peer_s * 0.9]
    return Result(
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
def results() -> list[Result]:
    return [
        # two peers for one case: the chart and the summary take the faster one (0.5 s)
        _result("ewm", "a", 2.0, verdict="PASS", target="<= 0.5x"),
        _result("ewm", "a", 0.5),
        _result("ewm", "b", 4.0, verdict="MISS", target="<= 0.1x"),
        _result("ewm", "baseline", 0.1, chart=False),
        _result("river", "c", 0.8),
    ]


@pytest.fixture
def meta() -> dict[str, Any]:
    m = report.run_meta({"ewm": 1000, "river": 10}, 3, False)
    m["wall_seconds"] = 754.0
    return m


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_the_table_has_a_floor_column() -> None:
    with_floor = _result("ewm", "swept", 2.0, floor_times=[0.4e-6, 0.52e-6, 0.6e-6])
    loop = _result("ewm", "loop", 2.0)
    header, rule, *rows = report.table([with_floor, loop], 3)
    assert _cells(header) == ["case", "pss", "floor", "competitor", "ratio", "target", "verdict"]
    assert rule.count("|") == 8
    assert _cells(rows[0])[:3] == ["swept", "1.00 s (1000000.00 ns/row)", "0.52 ns/row"]
    assert _cells(rows[1])[:3] == ["loop", "1.00 s (1000000.00 ns/row)", "—"]
    assert len({len(line) for line in (header, rule, *rows)}) == 1  # aligned


def test_the_floor_cell_uses_the_unit_and_the_median() -> None:
    res = Result("c", "value", 2000, [1.0], floor_times=[3e-6, 1e-6, 2e-6])
    assert report.floor_cell(res) == "1.00 ns/value"


def test_render_and_json_carry_the_floor(meta: dict[str, Any]) -> None:
    res = _result("river", "swept", 2.0, floor_times=[1e-6, 2e-6, 3e-6])
    text = report.render([res], meta)
    line = next(x for x in text.splitlines() if x.startswith("| swept "))
    assert _cells(line)[2] == "2.00 ns/row"
    assert "floor = the median time" in text  # the notes say what it is
    case = report.to_json([res], meta)["cases"][0]
    assert case["floor_times"] == [1e-6, 2e-6, 3e-6]
    assert case["floor_median"] == 2e-6
    assert report.to_json([_result("ewm", "loop", 1.0)], meta)["cases"][0]["floor_median"] is None


def test_summary_takes_the_fastest_peer_per_case(results: list[Result]) -> None:
    lines = report.summary_table(results)
    ewm = next(line for line in lines if line.startswith(f"| {report.SECTION_TITLES['ewm']} |"))
    cells = _cells(ewm)
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
    assert not any(report.SECTION_TITLES["parallel"] in line for line in lines)


def test_summary_shows_a_family_of_baselines_with_its_targets(results: list[Result]) -> None:
    # The parallel family: only rows against our own one pass (not in the chart).
    results += [
        _result("parallel", "p", 2.0, chart=False, verdict="PASS", target=">= 1.7x"),
        _result("parallel", "q", 1.25, chart=False, verdict="MISS", target=">= 1.7x"),
    ]
    lines = report.summary_table(results)
    row = next(line for line in lines if report.SECTION_TITLES["parallel"] in line)
    cells = _cells(row)
    assert cells[0].endswith("(against our own baseline)")
    ratios = sorted([statistics.median([1 / 2.0, 1.1 / 2.2, 0.9 / 1.8]), 0.8])
    assert cells[1:] == [
        "2",
        "2",
        f"{statistics.median(ratios):.2f}x",
        f"{ratios[0]:.2f}x",
        f"{ratios[1]:.2f}x",
        "1 of 2",
    ]
    # The ewm baseline row stays out of its family's line (that family has peers).
    ewm = next(line for line in lines if line.startswith(f"| {report.SECTION_TITLES['ewm']} |"))
    assert _cells(ewm)[1] == "2"


def test_replace_block_is_idempotent_and_keeps_the_rest() -> None:
    text = f"# Title\n\nbefore\n{report.README_BEGIN}\nold\n{report.README_END}\nafter\n"
    block = f"{report.README_BEGIN}\nnew\n{report.README_END}"
    once = report.replace_block(text, block)
    assert once == f"# Title\n\nbefore\n{block}\nafter\n"
    assert report.replace_block(once, block) == once


@pytest.mark.parametrize(
    "text",
    ["no markers", "{end}\n{begin}", "{begin}\n{end}\n{begin}\n{end}", "{begin} only"],
)
def test_replace_block_refuses_bad_markers(text: str) -> None:
    text = text.format(begin=report.README_BEGIN, end=report.README_END)
    with pytest.raises(ValueError, match="README must hold"):
        report.replace_block(text, "x")


def test_the_readme_has_the_markers() -> None:
    report.replace_block((ROOT / "README.md").read_text(encoding="utf-8"), "")


def test_publish_writes_chart_page_and_readme(
    results: list[Result],
    meta: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("matplotlib")
    (tmp_path / "docs" / "img").mkdir(parents=True)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{report.README_BEGIN}\n{report.README_END}\ntail\n", encoding="utf-8")
    monkeypatch.setattr(report, "ROOT", tmp_path)
    monkeypatch.setattr(report, "README", readme)
    monkeypatch.setattr(report, "DOCS_PAGE", tmp_path / "docs" / "benchmark.md")
    monkeypatch.setattr(report, "DEFAULT_CHART", tmp_path / "docs" / "img" / "benchmark.png")
    report.publish(results, meta)

    png = (tmp_path / "docs" / "img" / "benchmark.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    page = (tmp_path / "docs" / "benchmark.md").read_text(encoding="utf-8")
    assert page.startswith("# Benchmark\n")
    assert "![pss time / fastest peer time, per case](img/benchmark.png)" in page
    for r in results:  # every row, the baseline too, is in the page's tables
        assert f"| {r.case} " in page
    assert "interleaved" in page  # the method, from the package docstring
    assert "its floor in the same rounds" in page
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# x\n")
    assert text.endswith("\ntail\n")
    assert "(docs/img/benchmark.png)" in text
    assert "the run took 13 min" in text
    assert text.count(report.README_BEGIN) == 1


# --------------------------------------------------------------------------- command line


def test_publish_refuses_before_running_without_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    monkeypatch.setattr(report, "README", readme)
    ran: list[int] = []

    def run_river(n: int, runs: int) -> list[Result]:
        ran.append(n)
        return []

    monkeypatch.setattr(river_family.FAMILY, "run", run_river)
    with pytest.raises(ValueError, match="README must hold"):
        cli.main(["--only", "river", "--quick", "--publish"])
    assert ran == []


def test_main_runs_the_chosen_family_and_writes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[tuple[int, int]] = []

    def run_river(n: int, runs: int) -> list[Result]:
        ran.append((n, runs))
        return [_result("river", "made up", 2.0, floor_times=[1e-6])]

    monkeypatch.setattr(river_family.FAMILY, "run", run_river)
    out = tmp_path / "bench.json"
    assert (
        cli.main(["--only", "river", "--quick", "--runs", "9", "--no-publish", "--json", str(out)])
        == 0
    )
    assert ran == [(river_family.QUICK_ROWS, 9)]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["runs"] == river_family.RUNS  # the family's cap, below --runs 9
    assert data["meta"]["rows"] == {"river": river_family.QUICK_ROWS}
    assert [c["case"] for c in data["cases"]] == ["made up"]
    assert data["cases"][0]["floor_median"] == 1e-6
    stdout = capsys.readouterr().out
    assert f"## {river_family.FAMILY.title}" in stdout
    assert "| made up " in stdout


def test_main_refuses_an_unknown_family() -> None:
    with pytest.raises(SystemExit) as err:
        cli.main(["--only", "ewm,nope", "--no-publish"])
    assert err.value.code == 2
