"""Keyed streaming statistics over a Dask DataFrame: ``polars_streamstats.dask.track``.

Install with the ``dask`` extra (``pip install polars-streamstats[dask]``) and import it as::

    import polars_streamstats.dask as pss_dask

    out = pss_dask.track(ddf, {"ema": pss.EWMean(alpha=0.1)}, on="price", by="ticker")
"""

from __future__ import annotations

import copy as _copy
import pickle
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import dask.base
import dask.dataframe as dd
import numpy as np
import pandas as pd
import polars as pl
from dask.delayed import delayed as _dask_delayed

from polars_streamstats.tracker import Tracker

# Dask's functions are untyped: Any-typed aliases keep mypy strict on this module.
_compute: Any = dask.base.compute
_delayed: Any = _dask_delayed
_get_scheduler: Any = dask.base.get_scheduler
_tokenize: Any = dask.base.tokenize

if TYPE_CHECKING:
    from polars_streamstats._internal import _Statistic

__all__ = ["track"]


def track(
    ddf: dd.DataFrame,
    stats: Mapping[str, _Statistic | tuple[str, _Statistic]],
    *,
    on: str | None = None,
    by: str | Sequence[str] | None = None,
    time: str | None = None,
) -> dd.DataFrame:
    """Run a :class:`~polars_streamstats.Tracker` over a Dask DataFrame, partition by partition.

    The result is ``ddf`` with one float64 column per statistic, in the original partitioning,
    index and row order. Each row's output is the one a single :class:`pss.Tracker
    <polars_streamstats.Tracker>` gives on the concatenation of all partitions, in partition
    order. There is no shuffle; the data is read twice:

    1. **Pass 1** (computed when ``track`` is called, in parallel): each partition runs
       through a fresh tracker, and only the trackers' states are kept.
    2. **Prefix scan** (on the client): the states merge in partition order. The state before
       partition ``i`` is the merge of the states of partitions ``0 .. i-1`` (an exclusive
       prefix scan; every statistic merges in stream order, key by key).
    3. **Pass 2** (lazy: the returned DataFrame): each partition continues from its prefix
       state, in parallel, and gives the row outputs.

    Cumulative, exponentially weighted, row-window and time-window statistics, with or
    without keys, all work this way; a partition may be empty or shorter than a window.
    Moments and EW statistics agree with one pass within about 1e-12 relative (their states
    merge with floating-point formulas); quantiles and extremes agree bit for bit.

    Partitions are pandas DataFrames. Only the ``on``/statistic, ``by`` and ``time`` columns
    are converted to Polars (``pl.from_pandas``: nullable integers, strings, categoricals
    and datetimes with or without a time zone keep their meaning). A NaN in a float column
    is read as missing, as pandas does. The other columns and the index are passed through
    untouched. The output columns are numpy float64, with NaN where the tracker gives null
    (before ``min_samples`` values, for instance).

    Memory: pass 1 brings every partition's state to the client, which merges them one by
    one, dropping each once merged. Each prefix is pickled once for pass 2: scattered to the
    workers under a ``distributed`` client, otherwise kept in the task graph. A state holds
    one state per key and statistic.
    Cumulative moments, extremes and EW statistics take a few hundred bytes per key. A row
    window holds its last ``window_size`` values (about 1.3 kB per key for 100 values). A
    time window holds the values inside it, about 16 bytes each. Exact cumulative quantiles
    (``Quantile``, ``IQR`` with ``method='exact'``) keep every value seen, 8 bytes each. The
    prefix of partition ``i`` then holds every value before it, so the client builds, and
    the cluster moves, about ``n_rows * n_partitions / 2`` values. For huge data use a
    window (``RollingQuantile``, ``RollingIQR``), or P² (``method='p2'``) on one machine:
    P² states cannot merge, so ``track`` refuses them.

    One case differs from one pass over the concatenation (as for ``Tracker.update`` over
    batches): a time window closed at its end (``closed='right'``/``'both'``) where rows of a
    key with equal times fall in two partitions. The earlier partition's rows do not see
    the later ones that share their window.

    Parameters
    ----------
    ddf
        A ``dask.dataframe.DataFrame`` in stream order: partition by partition, and row by
        row inside a partition.
    stats
        ``{name: statistic}`` or ``{name: (column, statistic)}``, as for ``pss.Tracker``:
        fresh statistic objects used as templates. Every statistic must merge
        (``TypeError`` for P² quantiles).
    on
        The value column of the statistics given without one.
    by
        The key column(s) (a name or a list of names), or ``None`` for one stream.
    time
        The column of each row's time, required by time-based statistics and only allowed
        with them. Each key's times must not decrease, across partitions too.

    Returns
    -------
    dask.dataframe.DataFrame
        ``ddf`` with one float64 column per statistic, named as in ``stats``, after the
        existing columns. It is lazy: computing it runs pass 2.

    Raises
    ------
    TypeError
        ``ddf`` is not a Dask DataFrame, a statistic cannot merge (P²), or a column has the
        wrong dtype (checked on ``ddf``'s meta before anything is computed).
    polars.exceptions.ColumnNotFoundError
        A column is missing (before anything is computed).
    ValueError
        Bad ``stats``/``on``/``by``/``time`` (as ``pss.Tracker``), an output name that is
        already a column, or, from pass 1, a key's time going backwards or a null time.

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> import polars_streamstats as pss
    >>> from polars_streamstats.dask import track
    >>> pdf = pd.DataFrame(
    ...     {"k": ["a", "b", "a", "b", "a", "a"], "x": [1.0, 10.0, 3.0, 20.0, 5.0, 7.0]}
    ... )
    >>> ddf = dd.from_pandas(pdf, npartitions=3)
    >>> with dask.config.set(scheduler="synchronous"):  # or a distributed Client
    ...     out = track(ddf, {"mean": pss.Mean(), "last2": pss.RollingMax(2)}, on="x", by="k")
    ...     result = out.compute()
    >>> out.npartitions
    3
    >>> result
       k     x  mean  last2
    0  a   1.0   1.0    NaN
    1  b  10.0  10.0    NaN
    2  a   3.0   2.0    3.0
    3  b  20.0  15.0   20.0
    4  a   5.0   3.0    5.0
    5  a   7.0   4.0    7.0
    """
    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(f"`ddf` must be a dask DataFrame, got {type(ddf).__name__}")
    template = Tracker(stats, on=on, by=by, time=time)  # validates the arguments
    _check_mergeable(template)
    meta = ddf._meta
    _check_columns(template, meta)

    fresh = pickle.dumps(template)
    token = _tokenize(ddf, fresh)
    parts: list[Any] = cast(Any, ddf).to_delayed()
    state_task = _delayed(_partition_state, pure=True)
    states: list[Tracker | None] = list(
        _compute(
            *[
                state_task(part, fresh, dask_key_name=f"pss-track-state-{token}-{i}")
                for i, part in enumerate(parts)
            ]
        )
    )

    # With a distributed client, each prefix goes straight to the workers (scatter) instead
    # of travelling inside the task graph through the scheduler.
    client = _distributed_client(parts)
    output_task = _delayed(_partition_output, pure=True)
    outputs = []
    prefix = _copy.copy(template)
    for i, part in enumerate(parts):
        data: Any = pickle.dumps(prefix)
        if client is not None:
            data = client.scatter(data, hash=False)
        key = f"pss-track-output-{_tokenize(token, data)}-{i}"
        outputs.append(output_task(part, data, dask_key_name=key))
        # The last merge is not needed for the outputs; it checks the last partition (a
        # key's time going backwards raises here rather than when the result is computed).
        state, states[i] = states[i], None
        try:
            prefix.merge(cast(Tracker, state))  # in place: its bytes for partition i are taken
        except ValueError as e:
            raise ValueError(f"track: partition {i} does not continue the ones before: {e}") from e
    out_meta = meta.assign(**{name: np.array([], dtype=np.float64) for name in template._names})
    result: dd.DataFrame = dd.from_delayed(
        outputs, meta=out_meta, divisions=ddf.divisions, verify_meta=False
    )
    return result


def _distributed_client(collections: Any) -> Any:
    """The ``distributed.Client`` that computes ``collections`` by default, if any."""
    get = _get_scheduler(collections=collections)
    owner = getattr(get, "__self__", None)
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is part of the extra
        return None
    return owner if isinstance(owner, Client) else None


def _check_mergeable(template: Tracker) -> None:
    """TypeError naming the first statistic that cannot merge (P²)."""
    for name, stat in zip(template._names, template._stats, strict=True):
        try:
            _copy.copy(stat).merge(_copy.copy(stat))
        except TypeError as e:
            raise TypeError(
                f"track: `stats[{name!r}]` ({stat!r}) cannot be used: partitions are combined "
                f"by merging states, and {e}"
            ) from e


def _needed(template: Tracker) -> list[str]:
    needed = [*template._by, *dict.fromkeys(template._columns)]
    if template._time is not None:
        needed.append(template._time)
    return list(dict.fromkeys(needed))


def _check_columns(template: Tracker, meta: pd.DataFrame) -> None:
    """Missing columns, clashing names and wrong dtypes, from the meta (nothing computed)."""
    columns = list(meta.columns)
    for column in _needed(template):
        if column not in columns:
            raise pl.exceptions.ColumnNotFoundError(
                f"track: `ddf` has no column {column!r} (columns: {columns})"
            )
    clash = [name for name in template._names if name in columns]
    if clash:
        raise ValueError(f"track: `ddf` already has columns named like statistics: {clash}")
    # An empty batch with the meta's dtypes runs through a copy of the tracker, which checks
    # the dtypes. Object columns (whose values the meta does not show) are left to the data.
    probe = _to_polars(meta, _needed(template))
    probe = probe.with_columns(
        pl.Series(name, dtype=pl.Null)
        for name in probe.columns
        if meta[name].dtype == np.dtype(object)
    )
    _copy.copy(template).update(probe)


def _to_polars(pdf: pd.DataFrame, columns: list[str]) -> pl.DataFrame:
    return pl.from_pandas(pdf[columns], include_index=False)


def _partition_state(pdf: pd.DataFrame, fresh: bytes) -> Tracker:
    """Pass 1: a fresh tracker's state after this partition."""
    tracker: Tracker = pickle.loads(fresh)
    tracker.update(_to_polars(pdf, _needed(tracker)))
    return tracker


def _partition_output(pdf: pd.DataFrame, prefix: bytes) -> pd.DataFrame:
    """Pass 2: the partition with the row outputs, continuing from the earlier partitions."""
    tracker: Tracker = pickle.loads(prefix)
    out = tracker.update(_to_polars(pdf, _needed(tracker)))
    values: dict[str, Any] = {
        name: out[name].to_numpy(allow_copy=True).astype(np.float64, copy=False)
        for name in tracker._names
    }
    return pdf.assign(**values)
