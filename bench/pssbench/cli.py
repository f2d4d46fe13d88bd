"""The command line: ``python bench/bench.py [options]`` (``make bench``)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import pssbench
from pssbench import report
from pssbench.families import FAMILIES, SECTIONS, family
from pssbench.harness import Result, log

FULL_RUNS = 21
QUICK_RUNS = 3


def _parser() -> argparse.ArgumentParser:
    doc = pssbench.__doc__
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    sizes = ", ".join(f"{f.quick_rows:,} for {f.name}" for f in FAMILIES)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"fewer rows ({sizes}) and {QUICK_RUNS} runs (smoke)",
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write raw results here")
    parser.add_argument(
        "--runs", type=int, help=f"timed runs per case (default {FULL_RUNS}; --quick {QUICK_RUNS})"
    )
    parser.add_argument(
        "--only",
        default="all",
        metavar="{all," + ",".join(SECTIONS) + "}",
        help="run these sections only, comma-separated (default: all)",
    )
    parser.add_argument(
        "--chart",
        metavar="PATH",
        type=Path,
        help="also draw the ratio to the fastest peer per case as a PNG here (needs matplotlib)",
    )
    parser.add_argument(
        "--publish",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the chart to docs/img/benchmark.png, the report to docs/benchmark.md and "
        "the summary into README.md between its markers (default: when all sections run "
        "without --quick)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    runs: int = args.runs if args.runs is not None else (QUICK_RUNS if args.quick else FULL_RUNS)
    if runs < 1:
        parser.error("--runs must be at least 1")
    chosen = [s.strip() for s in str(args.only).split(",") if s.strip()]
    unknown = [s for s in chosen if s not in ("all", *SECTIONS)]
    if unknown or not chosen:
        parser.error(
            f"--only: unknown section(s) {', '.join(map(repr, unknown)) or 'none given'}; "
            f"choose from all, {', '.join(SECTIONS)}"
        )
    sections = SECTIONS if "all" in chosen else tuple(s for s in SECTIONS if s in chosen)
    chart: Path | None = args.chart
    publishing: bool = args.publish
    if publishing is None:
        publishing = sections == SECTIONS and not args.quick
    if publishing:  # fail now, not after the run
        report.replace_block(report.README.read_text(encoding="utf-8"), "")
    families = [family(s) for s in sections]
    rows = {f.name: f.quick_rows if args.quick else f.rows for f in families}

    start = time.perf_counter()
    results: list[Result] = []
    for f in families:
        results.extend(f.run(rows[f.name], runs))
    # The families that cap their own runs: alone, the header says so.
    cap = families[0].runs_cap if len(families) == 1 else None
    meta = report.run_meta(rows, runs if cap is None else min(runs, cap), args.quick)
    meta["wall_seconds"] = round(time.perf_counter() - start, 1)
    print(report.render(results, meta))
    if args.json is not None:
        text = json.dumps(report.to_json(results, meta), indent=2) + "\n"
        args.json.write_text(text, encoding="utf-8")
        log(f"wrote {args.json}")
    if chart is not None:
        report.write_chart(results, meta, chart)
    if publishing:
        report.publish(results, meta)
    log(f"done in {meta['wall_seconds']} s")
    return 0
