"""Benchmarks of polars-streamstats against Polars, river, bottleneck and pandas.

Run as ``python bench/bench.py`` (``make bench``). Options: ``--quick`` (1M rows for the
exponentially weighted section, 200k for the quantile and moments sections, 3 runs: a smoke
test), ``--json PATH`` (write the raw timings), ``--runs N``,
``--only {all,ewm,quantile,moments,by,tracker,river}`` (comma-separated: ``--only river,tracker``;
``by``: the time-window ``_by`` section, 2M rows,
200k with ``--quick``; it runs each case at most 11 times, the slow medians/quantiles 3-11 times;
``tracker``: ``pss.Tracker.update`` over 10 batches of 1M rows and 1000 keys against one
``.over("ticker")`` select of the same statistics' expressions on the 10M rows, then against a
dict of river objects per key updated row by row on a 1-in-50 sample; 10 x 100k rows with
``--quick``; at most 5 runs per case, 3 against river; ``river``: the River adapters of
``polars_streamstats.river`` in ``feature_extraction.Agg(on="x", by="k", how=...)`` over 100k dicts
of 100 keys, and as bare ``update``/``get`` loops, against River's own statistics; 10k rows with
``--quick``; at most 7 runs per case), ``--chart PATH`` (also draw a PNG with one bar per case:
pss time / fastest peer time, log scale, grouped by section; skipped, with a message, without
matplotlib), ``--publish`` (the default of a full run: the chart as ``docs/img/benchmark.png``,
the whole report as ``docs/benchmark.md``, a summary per family in README.md between its
markers).

Method: every case is timed in this one process on the same data. Competitors are run
interleaved (A, B, A, B, ...) after one untimed warm-up of each; the table shows the median
time of each and the median of the per-pair ratios A/B, which cancels most of the slow drift
of a shared VM. The garbage collector is off inside each timed region, and outputs are freed
outside it. The warm-up outputs of the expression cases are checked against Polars, so a
speed-up can never come from computing something else (the quantile cases: exactly, bit for
bit; bottleneck and pandas to 1e-12 where both are defined; P² against river's own outputs;
the moments to 1e-9 relative, min and max exactly, the moment objects against river's).
Each expression case also times its floor in the same rounds: one plain read and write pass,
``df.select(pl.col("x") * 2.0)``, over the value column of the same frame (Float64, the
dtype of every output), the least a column sweep can cost on this machine at that moment.

Some competitors are slow (pandas at large windows: seconds per run); they run fewer times,
in the first rounds of the same interleaving, and are paired with the pss runs of those rounds.

Progress goes to stderr; the markdown table goes to stdout.

The code: ``harness`` (timing, pairing, the floor), ``agree`` (the output checks), one module
per family in ``families``, ``report`` (the markdown, the chart, publishing) and ``cli``.
"""
