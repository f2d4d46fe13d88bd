"""Long columns on all cores: each expression timed as it runs by default on a column past the
parallel threshold (2^22 rows: pieces swept on Polars' thread pool) and as one pass (the
threshold raised past the column with ``PSS_PARALLEL_MIN_ROWS``), in the same rounds."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import polars as pl

import polars_streamstats as pss
from pssbench.agree import close
from pssbench.common import ALPHA, WINDOW, normal_data
from pssbench.harness import Family, Result, judge, log, paired, warmed_interleaved

ROWS = 10_000_000
QUICK_ROWS = 1 << 22  # the threshold itself: still split
MIN_SPEEDUP = 1.7
ENV = "PSS_PARALLEL_MIN_ROWS"


@contextmanager
def _one_pass(n_rows: int) -> Iterator[None]:
    """Raise the parallel threshold past ``n_rows`` (read by each call), then restore it."""
    before = os.environ.get(ENV)
    os.environ[ENV] = str(n_rows + 1)
    try:
        yield
    finally:
        if before is None:
            del os.environ[ENV]
        else:
            os.environ[ENV] = before


def run(n_rows: int, runs: int) -> list[Result]:
    """Parallel against one pass for ``cum_var``, ``ewm_mean`` and ``rolling_quantile``."""
    x, _ = normal_data(n_rows)
    df = pl.DataFrame({"x": x})
    cases: list[tuple[str, pl.Expr, Callable[[object, object], bool]]] = [
        ("cum_var()", pss.cum_var("x"), close()),
        (f"ewm_mean(alpha={ALPHA})", pss.ewm_mean("x", alpha=ALPHA), close()),
        (
            f"rolling_quantile(0.9, window_size={WINDOW:_})",
            pss.rolling_quantile("x", 0.9, window_size=WINDOW),
            lambda a, b: a.equals(b),  # type: ignore[attr-defined]
        ),
    ]
    results = []
    for case, expr, agree in cases:
        log(f"  {case}")

        def parallel(expr: pl.Expr = expr) -> pl.DataFrame:
            return df.select(expr)

        def one_pass(expr: pl.Expr = expr) -> pl.DataFrame:
            with _one_pass(n_rows):
                return df.select(expr)

        ok = bool(agree(parallel().to_series(), one_pass().to_series()))
        t_par, t_one = warmed_interleaved([parallel, one_pass], runs)
        res = paired(
            case,
            t_par,
            f"one pass ({ENV} above the column)",
            t_one,
            unit="row",
            items=n_rows,
            section="parallel",
            outputs_match=ok,
            chart=False,  # a baseline of our own, not a peer
        )
        judge(res, 1 / MIN_SPEEDUP, f">= {MIN_SPEEDUP:g}x faster (<= {1 / MIN_SPEEDUP:.2f}x)")
        results.append(res)
    return results


FAMILY = Family(
    "parallel",
    "Long columns on all cores",
    run,
    ROWS,
    QUICK_ROWS,
    notes=(
        "The ratio is the default run (pieces swept on Polars' thread pool, sized by "
        "POLARS_MAX_THREADS) over one pass on one thread, same process, same data, interleaved. "
        "Outputs checked first: the rolling quantile bit for bit, the others to 1e-9 relative.",
    ),
)
