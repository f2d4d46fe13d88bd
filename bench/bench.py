"""Benchmarks of polars-streamstats against Polars, river, bottleneck and pandas.

The entry script of ``make bench``: ``python bench/bench.py [--quick] [--json PATH] [--runs N]
[--only SECTIONS] [--chart PATH] [--(no-)publish]``; ``--help`` for details. The code is the
``pssbench`` package next to this file (Python puts this script's folder on ``sys.path``).
"""

from __future__ import annotations

from pssbench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
