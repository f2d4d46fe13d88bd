"""The report: the markdown tables, the chart, and what a full run publishes (the chart, the
docs' benchmark page, the README's summary between its markers)."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bottleneck as bn
import numpy as np
import pandas as pd
import polars as pl

import polars_streamstats as pss
import pssbench
from pssbench.common import RIVER_VERSION
from pssbench.families import FAMILIES, SECTIONS
from pssbench.harness import Result, log

SECTION_TITLES = {f.name: f.title for f in FAMILIES}

# What a full run publishes (--publish, the default of a full run): the chart, which the README
# and the docs show; the whole report as the docs' benchmark page; and the README's summary
# between its two markers.
ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_CHART = ROOT / "docs" / "img" / "benchmark.png"
DOCS_PAGE = ROOT / "docs" / "benchmark.md"
README = ROOT / "README.md"
README_BEGIN = "<!-- bench:begin (written by make bench: edit bench/bench.py, not this) -->"
README_END = "<!-- bench:end -->"

FLOOR_NOTE = (
    "floor = the median time of one plain read+write pass over the case's input column, "
    'df.select(pl.col("x") * 2.0) on the same frame (Float64, the dtype of every output; not '
    "* 1.0, which Polars answers with the input column itself, without a pass; a lower bound: "
    "the time and key columns are not read), timed once per round, after the case's own "
    "functions, in every round of every expression case; — where the pss side is not a "
    "column sweep (Python loops, update_many, Tracker, River adapters)."
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def run_meta(rows: dict[str, int], runs: int, quick: bool) -> dict[str, Any]:
    """The versions, the machine and the run's sizes, for the report's header."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "polars": pl.__version__,
        "numpy": np.__version__,
        "river": RIVER_VERSION,
        "pandas": pd.__version__,
        "bottleneck": bn.__version__,
        "polars_streamstats": pss.__version__,
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "polars_threads": pl.thread_pool_size(),
        "rows": rows,
        "runs": runs,
        "quick": quick,
    }


# --------------------------------------------------------------------------- markdown


def _fmt_ms(seconds: float) -> str:
    ms = seconds * 1e3
    if ms >= 1000:
        return f"{seconds:.2f} s"
    return f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"


def _fmt_time(seconds: float, unit: str, items: int, style: str = "auto") -> str:
    per_item_ns = seconds / items * 1e9
    if style == "s":
        return f"{seconds:.2f} s total"
    if style == "ns":
        return f"{per_item_ns:.1f} ns/{unit} ({_fmt_ms(seconds)})"
    if unit == "call":
        return f"{per_item_ns:.1f} ns/call"
    ms_txt = _fmt_ms(seconds)
    if unit == "value":
        return f"{ms_txt} ({items / seconds / 1e6:.0f} M values/s)"
    return f"{ms_txt} ({per_item_ns:.2f} ns/row)"


def floor_cell(res: Result) -> str:
    """The floor per item (``0.52 ns/row``), or — where the row has none."""
    floor = res.floor_median
    return "—" if floor is None else f"{floor / res.items * 1e9:.2f} ns/{res.unit}"


def _row(res: Result, runs: int) -> list[str]:
    pss_cell = _fmt_time(res.pss_median, res.unit, res.items, res.style)
    comp_median = res.competitor_median
    if res.competitor is None:
        comp_cell = "—"
    elif comp_median is None:
        comp_cell = res.competitor  # a note, not a measurement
    else:
        comp_cell = f"{res.competitor}: {_fmt_time(comp_median, res.unit, res.items, res.style)}"
        assert res.competitor_times is not None
        if len(res.competitor_times) < runs:
            comp_cell += f" [{len(res.competitor_times)} runs]"
    ratio = res.ratio_median
    ratio_cell = "—" if ratio is None else f"{ratio:.2f}x"
    return [res.case, pss_cell, floor_cell(res), comp_cell, ratio_cell, res.target, res.verdict]


def table(results: Sequence[Result], runs: int) -> list[str]:
    """The markdown table of ``results``, padded to aligned columns."""
    header = ["case", "pss", "floor", "competitor", "ratio", "target", "verdict"]
    rows = [header, *(_row(r, runs) for r in results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    lines = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines.extend(fmt(r) for r in rows[1:])
    return lines


def render(results: Sequence[Result], meta: dict[str, Any]) -> str:
    lines = [
        "# polars-streamstats benchmark",
        "",
        f"polars {meta['polars']} · numpy {meta['numpy']} · river {meta['river']} · "
        f"pandas {meta['pandas']} · bottleneck {meta['bottleneck']} · "
        f"polars-streamstats {meta['polars_streamstats']} · Python {meta['python']} · "
        f"CPU: {meta['cpu']} ({meta['logical_cpus']} logical CPUs, "
        f"Polars pool {meta['polars_threads']}) · {meta['date']}",
        "",
        f"Median of {meta['runs']} interleaved runs after one warm-up each (fewer where marked); "
        "ratio = median of per-pair pss/competitor times (lower is better for pss). " + FLOOR_NOTE,
    ]
    rows: dict[str, int] = meta["rows"]
    for family in FAMILIES:
        if family.name not in rows:
            continue
        lines += [
            "",
            f"## {family.title}",
            "",
            f"{rows[family.name]:,} {family.data}.",
            "",
        ]
        lines += table([r for r in results if r.section == family.name], meta["runs"])
        if family.notes:
            lines += ["", *family.notes]
    mismatched = [f"{r.case} ({r.competitor})" for r in results if r.outputs_match is False]
    if mismatched:
        lines += ["", "OUTPUT MISMATCH in: " + ", ".join(mismatched)]
    return "\n".join(lines)


def to_json(results: Sequence[Result], meta: dict[str, Any]) -> dict[str, Any]:
    """The raw results (every time in seconds) and their medians, with ``meta``."""
    cases = []
    for r in results:
        d = asdict(r)
        d["pss_median"] = r.pss_median
        d["competitor_median"] = r.competitor_median
        d["ratio_median"] = r.ratio_median
        d["floor_median"] = r.floor_median
        cases.append(d)
    return {"meta": meta, "cases": cases}


# --------------------------------------------------------------------------- chart

CHART_LABEL_CHARS = 80
CHART_PEER_CHARS = 60


@dataclass
class _Bar:
    section: str
    case: str
    peer: str
    ratio: float  # median paired pss/peer ratio against the fastest peer


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _chart_bars(results: Sequence[Result]) -> list[_Bar]:
    """One bar per (family, case): its row against the fastest peer (lowest median time), in
    the order of the report; baselines and rows without a measured peer left out."""
    fastest: dict[tuple[str, str], Result] = {}
    for r in results:
        median = r.competitor_median
        if not r.chart or median is None or r.ratio_median is None:
            continue
        key = (r.section, r.case)
        best = fastest.get(key)
        best_median = None if best is None else best.competitor_median
        if best_median is None or median < best_median:
            fastest[key] = r
    bars = []
    for section in SECTIONS:
        for (sec, case), r in fastest.items():
            if sec == section:
                assert r.competitor is not None
                assert r.ratio_median is not None
                bars.append(_Bar(section, case, r.competitor, r.ratio_median))
    return bars


def write_chart(results: Sequence[Result], meta: dict[str, Any], path: Path) -> bool:
    """Draw one horizontal bar per case, pss time / fastest peer time (the median paired
    ratio, log scale, a line at 1.0), grouped and coloured by family; save a PNG at ``path``.
    Returns False (and says why) when matplotlib is missing or there is nothing to draw."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        log(f"chart skipped: matplotlib is not installed ({err})")
        return False
    bars = _chart_bars(results)
    if not bars:
        log("chart skipped: no case with a measured peer")
        return False
    sections = [s for s in SECTIONS if any(b.section == s for b in bars)]
    # y positions top-down: a heading slot per family, then its bars, then a gap.
    ys: list[float] = []
    heads: list[tuple[float, str]] = []
    y = 0.0
    for section in sections:
        heads.append((y, SECTION_TITLES[section]))
        y += 1
        for b in bars:
            if b.section == section:
                ys.append(y)
                y += 1
        y += 0.5
    fig = Figure(figsize=(16, 1.6 + 0.27 * y), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = {s: f"C{i}" for i, s in enumerate(sections)}
    ratios = [b.ratio for b in bars]
    ax.barh(ys, ratios, height=0.7, color=[colours[b.section] for b in bars], left=0)
    ax.set_xscale("log")
    lo, hi = min([*ratios, 1.0]), max([*ratios, 1.0])
    ax.set_xlim(lo / 3, hi * 15)  # room for the text right of the longest bar
    ax.axvline(1.0, color="black", linewidth=1)
    for yy, b in zip(ys, bars, strict=True):
        ax.text(
            b.ratio * 1.08,
            yy,
            f"{b.ratio:.2f}x vs {_shorten(b.peer, CHART_PEER_CHARS)}",
            va="center",
            fontsize=7.5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8},
        )
    ticks = [*ys, *(h for h, _ in heads)]
    labels = [*(_shorten(b.case, CHART_LABEL_CHARS) for b in bars), *(t for _, t in heads)]
    ax.set_yticks(ticks, labels, fontsize=8)
    for tick, label in zip(ax.get_yticklabels(), labels, strict=True):
        if label in {t for _, t in heads}:
            tick.set_fontweight("bold")
            tick.set_fontsize(9.5)
    ax.set_ylim(y, -1)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", which="both", alpha=0.25)
    ax.set_xlabel(
        "pss time / fastest peer time (median of paired ratios; log scale; < 1: pss is faster)"
    )
    quick = " (--quick: smoke sizes)" if meta.get("quick") else ""
    ax.set_title(
        f"polars-streamstats {meta['polars_streamstats']} against the fastest peer per case"
        f"{quick} · {meta['date']} · {meta['cpu']}",
        fontsize=10,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    log(f"wrote chart {path}")
    return True


# --------------------------------------------------------------------------- publishing


def _machine(meta: dict[str, Any]) -> str:
    return (
        f"{meta['cpu']} ({meta['logical_cpus']} logical CPUs, Polars pool "
        f"{meta['polars_threads']}) · Python {meta['python']} · polars {meta['polars']} · "
        f"pandas {meta['pandas']} · numpy {meta['numpy']} · bottleneck {meta['bottleneck']} · "
        f"river {meta['river']} · polars-streamstats {meta['polars_streamstats']}"
    )


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def summary_table(results: Sequence[Result]) -> list[str]:
    """One line per family: its cases against the fastest peer (as in the chart), how many
    pss wins, the median, best and worst ratio, and the targets met."""
    bars = _chart_bars(results)
    lines = [
        "| family | cases | pss faster | median ratio | best | worst | targets met |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for section in SECTIONS:
        title = SECTION_TITLES[section]
        ratios = sorted(b.ratio for b in bars if b.section == section)
        if not ratios:
            # A family of baselines of our own (not in the chart): its rows' ratios.
            ratios = sorted(
                r.ratio_median
                for r in results
                if r.section == section and not r.chart and r.ratio_median is not None
            )
            if not ratios:
                continue
            title += " (against our own baseline)"
        verdicts = [r.verdict for r in results if r.section == section and r.verdict != "—"]
        met = f"{sum(v == 'PASS' for v in verdicts)} of {len(verdicts)}" if verdicts else "—"
        lines.append(
            f"| {title} | {len(ratios)} | {sum(x < 1 for x in ratios)} | "
            f"{statistics.median(ratios):.2f}x | {ratios[0]:.2f}x | {ratios[-1]:.2f}x | {met} |"
        )
    return lines


def readme_block(results: Sequence[Result], meta: dict[str, Any], chart: str) -> str:
    """The README's benchmark summary: the chart, the machine, one line per family."""
    return "\n".join(
        [
            README_BEGIN,
            f"![pss time / fastest peer time, per case]({chart})",
            "",
            f"Measured by `make bench` on {meta['date']} (the run took "
            f"{_duration(meta['wall_seconds'])}): {_machine(meta)}. A ratio is pss's time over "
            "the fastest peer's for the same case (median of interleaved pairs, after "
            "checking both give the same numbers); below 1, pss is faster.",
            "",
            *summary_table(results),
            "",
            "Every table, with each peer, the data and the checks: "
            "[docs/benchmark.md](docs/benchmark.md).",
            README_END,
        ]
    )


def replace_block(text: str, block: str) -> str:
    """``text`` with the part from README_BEGIN to README_END (both included) replaced by
    ``block``; ValueError unless each marker occurs exactly once, in that order."""
    begin, end = text.count(README_BEGIN), text.count(README_END)
    if begin != 1 or end != 1 or text.index(README_BEGIN) > text.index(README_END):
        raise ValueError(
            f"README must hold {README_BEGIN!r} and then {README_END!r}, once each "
            f"(found {begin} and {end})"
        )
    head, rest = text.split(README_BEGIN)
    return head + block + rest.split(README_END, 1)[1]


def docs_page(results: Sequence[Result], meta: dict[str, Any], chart: str) -> str:
    """The docs' benchmark page: how it is measured, the chart and every table."""
    doc = pssbench.__doc__ or ""
    method = doc.split("Method:", 1)[1].split("Progress goes", 1)[0].strip()
    report = render(results, meta).split("\n", 1)[1].lstrip("\n")  # without its title
    return "\n".join(
        [
            "# Benchmark",
            "",
            "<!-- written by `make bench` (bench/bench.py --publish): edit that, not this -->",
            "",
            "`make bench` times pss against Polars, bottleneck, pandas and River "
            f"(`bench/bench.py`). This page is its report from {meta['date']}.",
            "",
            "Method: " + " ".join(method.split()),
            "",
            f"![pss time / fastest peer time, per case]({chart})",
            "",
            report,
            "",
        ]
    )


def publish(results: Sequence[Result], meta: dict[str, Any]) -> None:
    """Write the chart, the docs' benchmark page and the README's summary block."""
    write_chart(results, meta, DEFAULT_CHART)
    DOCS_PAGE.write_text(
        docs_page(results, meta, DEFAULT_CHART.relative_to(DOCS_PAGE.parent).as_posix()),
        encoding="utf-8",
    )
    log(f"wrote {DOCS_PAGE}")
    block = readme_block(results, meta, DEFAULT_CHART.relative_to(ROOT).as_posix())
    README.write_text(replace_block(README.read_text(encoding="utf-8"), block), encoding="utf-8")
    log(f"wrote the summary in {README}")
