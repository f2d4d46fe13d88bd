"""``pss.Tracker``: keyed statistics carried across batches, files and restarts."""

from __future__ import annotations

import copy as _copy
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any

import polars as pl

from polars_streamstats._internal import _TrackerCore

if TYPE_CHECKING:
    from polars_streamstats._internal import _Statistic

__all__ = ["Tracker"]

_ID = "__pss_key_id"
_STATE_VERSION = 1

Source = pl.LazyFrame | Iterable[pl.DataFrame] | str | PathLike[str] | Sequence[str | PathLike[str]]


def _is_statistic(obj: object) -> bool:
    return hasattr(obj, "_template") and hasattr(obj, "_options")


class Tracker:
    """Keyed statistics carried across batches: one state per key, in Rust.

    Each statistic given is a template: every new key gets a fresh copy of it. ``update``
    takes a batch (a DataFrame), runs every key's rows through that key's states and returns
    the batch with one Float64 column per statistic: the row outputs, exactly what the
    matching expression gives with ``.over(by)`` on the concatenation of all batches so far
    (the objects' ``running`` numbers; integer and Float32 columns are computed in Float64).
    One case differs from a single pass over every batch: a time window closed at its end
    (``closed='right'``/``'both'``), where a key's rows with equal times are split across two
    batches: the earlier rows were answered before the later ones, which share their
    window, arrived.
    ``get`` gives one row per key with each statistic's current estimate. The states live
    in Rust: a batch is grouped once, each key's rows are swept through its state in one
    call, and the outputs are scattered back to row order.

    A batch is atomic: a missing column, a wrong dtype, or a key's time going backwards
    raises before any state changes, and the next good batch continues. Trackers merge
    (``a.merge(b)``, ``a + b``, ``a += b``: ``b`` holds the next part of the stream, key by
    key; keys in only one side are kept), pickle, copy, and forget keys (``reset``).

    Memory: each key holds its states. Windows of rows or time and the exponentially
    weighted and cumulative moments are bounded; exact cumulative quantiles (``Quantile``,
    ``IQR``) keep every value (use a window, or ``method='p2'``, for unbounded streams; P²
    cannot merge).

    Parameters
    ----------
    stats
        ``{name: statistic}`` or ``{name: (column, statistic)}``: the output column name and
        a fresh statistic object (``pss.EWMean(alpha=0.1)``, ``pss.RollingQuantile(0.9,
        window_size="5m")``, ...), over ``column`` or else over ``on``. A statistic that has
        already seen data raises ``ValueError``.
    on
        The value column of the statistics given without one.
    by
        The key column(s) (a name or a list of names), or ``None`` for one stream. A null
        key is a key, as in ``.over``.
    time
        The column of each row's time (Datetime, Date or integers), required by time-based
        statistics (a duration ``window_size`` or ``half_life``) and only allowed with them.
        Each key's times must not decrease, within a batch and across batches.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> tracker = pss.Tracker(
    ...     {"ema": pss.EWMean(alpha=0.5), "peak": ("volume", pss.Max())},
    ...     on="price",
    ...     by="ticker",
    ... )
    >>> batch = pl.DataFrame(
    ...     {"ticker": ["A", "B", "A"], "price": [1.0, 10.0, 3.0], "volume": [5, 7, 2]}
    ... )
    >>> tracker.update(batch)
    shape: (3, 5)
    ┌────────┬───────┬────────┬──────────┬──────┐
    │ ticker ┆ price ┆ volume ┆ ema      ┆ peak │
    │ ---    ┆ ---   ┆ ---    ┆ ---      ┆ ---  │
    │ str    ┆ f64   ┆ i64    ┆ f64      ┆ f64  │
    ╞════════╪═══════╪════════╪══════════╪══════╡
    │ A      ┆ 1.0   ┆ 5      ┆ 1.0      ┆ 5.0  │
    │ B      ┆ 10.0  ┆ 7      ┆ 10.0     ┆ 7.0  │
    │ A      ┆ 3.0   ┆ 2      ┆ 2.333333 ┆ 5.0  │
    └────────┴───────┴────────┴──────────┴──────┘
    >>> out = tracker.update(pl.DataFrame({"ticker": ["B"], "price": [12.0], "volume": [9]}))
    >>> tracker.get()
    shape: (2, 3)
    ┌────────┬───────────┬──────┐
    │ ticker ┆ ema       ┆ peak │
    │ ---    ┆ ---       ┆ ---  │
    │ str    ┆ f64       ┆ f64  │
    ╞════════╪═══════════╪══════╡
    │ A      ┆ 2.333333  ┆ 5.0  │
    │ B      ┆ 11.333333 ┆ 9.0  │
    └────────┴───────────┴──────┘
    >>> len(tracker)
    2
    """

    def __init__(
        self,
        stats: Mapping[str, _Statistic | tuple[str, _Statistic]],
        *,
        on: str | None = None,
        by: str | Sequence[str] | None = None,
        time: str | None = None,
    ) -> None:
        if not isinstance(stats, Mapping):
            raise TypeError(
                "`stats` must be a mapping of output names to statistics, got "
                f"{type(stats).__name__}"
            )
        if not stats:
            raise ValueError("`stats` is empty: give at least one statistic")
        for param, value in (("on", on), ("time", time)):
            if value is not None and not isinstance(value, str):
                raise TypeError(
                    f"`{param}` must be a column name (str), got {type(value).__name__}"
                )
        self._names: list[str] = []
        self._columns: list[str] = []
        self._stats: list[Any] = []
        for name, spec in stats.items():
            if not isinstance(name, str):
                raise TypeError(f"`stats`: output names must be str, got {type(name).__name__}")
            if isinstance(spec, tuple):
                if len(spec) != 2 or not isinstance(spec[0], str):
                    raise TypeError(
                        f"`stats[{name!r}]` must be a statistic or a (column, statistic) pair"
                    )
                column: str | None = spec[0]
                stat: Any = spec[1]
            else:
                column, stat = on, spec
            if column is None:
                raise ValueError(
                    f"`stats[{name!r}]` has no column: give `on=` or a (column, statistic) pair"
                )
            if not _is_statistic(stat):
                raise TypeError(
                    f"`stats[{name!r}]` must be a polars_streamstats statistic object, "
                    f"got {type(stat).__name__}"
                )
            fresh = type(stat)(**stat._options())
            if fresh.__getstate__() != stat.__getstate__():
                raise ValueError(
                    f"`stats[{name!r}]` ({stat!r}) has already seen data: a template must be "
                    "fresh (every key starts from a copy of it)"
                )
            self._names.append(name)
            self._columns.append(column)
            self._stats.append(fresh)
        if by is None:
            self._by: list[str] = []
        elif isinstance(by, str):
            self._by = [by]
        elif isinstance(by, Sequence) and all(isinstance(b, str) for b in by) and by:
            self._by = list(by)
        else:
            raise TypeError("`by` must be a column name, a non-empty list of names, or None")
        clash = set(self._names) & (set(self._by) | ({time} if time else set()))
        if clash:
            raise ValueError(f"`stats` names {sorted(clash)} clash with the `by`/`time` columns")
        self._on = on
        self._time = time
        templates = [s._template() for s in self._stats]
        self._core = _TrackerCore(templates)
        timed = [s for s, t in zip(self._stats, templates, strict=True) if t.time_based()]
        if timed and time is None:
            raise ValueError(
                f"`time` is required: {timed[0]!r} is time-based (give the column of each "
                "row's time)"
            )
        if time is not None and not timed:
            raise ValueError(
                "`time` is only for time-based statistics (a duration window_size or "
                "half_life); none of these statistics takes time"
            )
        self._keys: pl.DataFrame | None = None  # key columns, one row per key id

    # ---- batches -------------------------------------------------------------------------

    def _aligned(self, keys: pl.DataFrame, k: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The key table and a frame of keys with the same dtypes (a key column that was all
        null so far, dtype Null, takes the other side's dtype); TypeError if they differ."""
        for name in self._by:
            mine, theirs = keys.schema[name], k.schema[name]
            if mine == theirs:
                continue
            if mine == pl.Null:
                keys = keys.with_columns(pl.col(name).cast(theirs))
            elif theirs == pl.Null:
                k = k.with_columns(pl.col(name).cast(mine))
            else:
                raise TypeError(
                    f"`by` column {name!r} has dtype {theirs} here but {mine} in the earlier "
                    "batches"
                )
        return keys, k

    def _lookup(self, k: pl.DataFrame, keys: pl.DataFrame) -> pl.Series:
        """The id (row in ``keys``) of each row of ``k``, null for a key not in the table."""
        return k.join(
            keys.with_row_index(_ID),
            on=self._by,
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )[_ID]

    def _key_ids(self, batch: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame | None]:
        """Each row's key id, and the key table with this batch's new keys appended."""
        if not self._by:
            return pl.repeat(0, batch.height, dtype=pl.UInt32, eager=True), None
        k = batch.select(self._by)
        keys, k = self._aligned(self._keys if self._keys is not None else k.clear(), k)
        ids = self._lookup(k, keys)
        if ids.null_count() == 0:
            return ids, keys
        new = k.filter(ids.is_null()).unique(maintain_order=True)
        keys = pl.concat([keys, new])
        return self._lookup(k, keys), keys

    def update(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Run a batch through every key's states; return it with the row outputs.

        Parameters
        ----------
        batch
            A DataFrame with the value columns, the ``by`` columns and the ``time``
            column. Its rows are in stream order; each key's rows continue that key's
            states from earlier batches.

        Returns
        -------
        pl.DataFrame
            ``batch`` with one Float64 column per statistic, named as in ``stats``.

        Raises
        ------
        polars.exceptions.ColumnNotFoundError
            A column is missing.
        TypeError
            A value column does not hold numbers, or a key column changed dtype.
        ValueError
            A key's time goes backwards (within the batch or after its last time), a null
            time, or an output name that is already a column. Nothing changes.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_streamstats as pss
        >>> t = pss.Tracker({"m": pss.RollingMean(2)}, on="x", by="k")
        >>> t.update(pl.DataFrame({"k": [1, 1, 2, 1], "x": [1.0, 3.0, 5.0, 7.0]}))["m"].to_list()
        [None, 2.0, None, 5.0]
        >>> t.update(pl.DataFrame({"k": [2, 1], "x": [7.0, 9.0]}))["m"].to_list()
        [6.0, 8.0]
        """
        if not isinstance(batch, pl.DataFrame):
            raise TypeError(f"`batch` must be a polars DataFrame, got {type(batch).__name__}")
        needed = [*self._by, *dict.fromkeys(self._columns)]
        if self._time is not None:
            needed.append(self._time)
        for column in needed:
            if column not in batch.columns:
                raise pl.exceptions.ColumnNotFoundError(
                    f"Tracker.update: the batch has no column {column!r} (columns: {batch.columns})"
                )
        clash = [name for name in self._names if name in batch.columns]
        if clash:
            raise ValueError(
                f"Tracker.update: the batch already has columns named like statistics: {clash}"
            )
        ids, keys = self._key_ids(batch)
        n_keys = keys.height if keys is not None else max(len(self), int(batch.height > 0))

        def describe(key_id: int) -> str:
            return repr(keys.row(key_id)) if keys is not None else "()"

        outputs = self._core.update(
            ids,
            n_keys,
            [batch[c] for c in self._columns],
            self._names,
            batch[self._time] if self._time is not None else None,
            self._time or "",
            describe,
        )
        if keys is not None:
            self._keys = keys
        return batch.with_columns(outputs)

    def run(
        self,
        source: Source,
        *,
        sink: str | PathLike[str] | None = None,
        progress: bool = True,
    ) -> Iterator[pl.DataFrame] | None:
        """Run a source larger than memory through the tracker, batch by batch.

        See :func:`polars_streamstats._run.run` for the sources, sinks and progress line.

        Parameters
        ----------
        source
            A ``pl.LazyFrame`` (read in batches by the streaming engine), an iterable of
            DataFrames, or parquet/CSV path(s).
        sink
            A parquet file (written batch by batch) or a directory (one file per batch); with
            ``None`` the output batches are yielded instead.
        progress
            Show a progress line (rows, rows/s, keys) on a terminal.

        Returns
        -------
        Iterator[pl.DataFrame] or None
            The output batches when ``sink`` is None.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_streamstats as pss
        >>> t = pss.Tracker({"mean": pss.Mean()}, on="x", by="k")
        >>> batches = [pl.DataFrame({"k": [1, 2], "x": [1.0, 2.0]})] * 3
        >>> [b["mean"].to_list() for b in t.run(batches, progress=False)]
        [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]
        """
        from polars_streamstats._run import run

        return run(self, source, sink=sink, progress=progress)

    # ---- state ---------------------------------------------------------------------------

    def get(self) -> pl.DataFrame:
        """One row per key: the key columns and each statistic's current estimate.

        Returns
        -------
        pl.DataFrame
            Keys in order of first appearance; one Float64 column per statistic (null
            before enough data).

        Examples
        --------
        >>> import polars as pl
        >>> import polars_streamstats as pss
        >>> t = pss.Tracker({"n_max": pss.Max()}, on="x", by="k")
        >>> _ = t.update(pl.DataFrame({"k": ["a", "b", "a"], "x": [1, 5, 3]}))
        >>> t.get().rows()
        [('a', 3.0), ('b', 5.0)]
        """
        values = [self._core.get(i, name) for i, name in enumerate(self._names)]
        if not self._by:
            return pl.DataFrame(values)
        return self.keys().with_columns(values)

    def keys(self) -> pl.DataFrame:
        """The keys seen (and not reset), one row each, in order of first appearance.

        Returns
        -------
        pl.DataFrame
            The ``by`` columns (no columns when ``by`` is None).

        Examples
        --------
        >>> import polars as pl
        >>> import polars_streamstats as pss
        >>> t = pss.Tracker({"m": pss.Mean()}, on="x", by=["a", "b"])
        >>> _ = t.update(pl.DataFrame({"a": [1, 1, 2], "b": ["x", "y", "x"], "x": [1, 2, 3]}))
        >>> t.keys().rows()
        [(1, 'x'), (1, 'y'), (2, 'x')]
        """
        if self._keys is None:
            return pl.DataFrame(schema=dict.fromkeys(self._by, pl.Null))
        return self._keys.clone()

    def __len__(self) -> int:
        return self._core.n_keys()

    def reset(self, key: Any = None) -> None:
        """Forget one key's states (it starts fresh if it shows up again), or all keys.

        Parameters
        ----------
        key
            The key: a value for one ``by`` column, a tuple for several; ``None`` forgets
            every key (a null key is ``(None,)``). ``KeyError`` if the key was never seen.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_streamstats as pss
        >>> t = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
        >>> _ = t.update(pl.DataFrame({"k": ["a", "b"], "x": [1.0, 2.0]}))
        >>> t.reset("a")
        >>> t.keys()["k"].to_list()
        ['b']
        """
        n = len(self)
        if key is None:
            self._core.retain([False] * n)
            if self._keys is not None:
                self._keys = self._keys.clear()
            return
        if not self._by or self._keys is None:
            raise KeyError(key)
        values = key if isinstance(key, tuple) else (key,)
        if len(values) != len(self._by):
            raise KeyError(f"{key!r}: a key has {len(self._by)} value(s) ({self._by})")
        match = [row == values for row in self._keys.iter_rows()]
        if not any(match):
            raise KeyError(key)
        keep = [not m for m in match]
        self._core.retain(keep)
        self._keys = self._keys.filter(pl.Series(keep))

    # ---- merge -----------------------------------------------------------------------------

    def _spec(self) -> list[tuple[str, str, str, Any]]:
        return [
            (name, column, type(stat).__name__, stat._options())
            for name, column, stat in zip(self._names, self._columns, self._stats, strict=True)
        ]

    def merge(self, other: Tracker) -> Tracker:
        """Absorb ``other``, the next part of the stream, key by key; return ``self``.

        Each key's states merge in stream order (``self``'s rows, then ``other``'s: see the
        statistics' ``merge``); keys seen by only one side are kept. Both trackers must have
        the same statistics, columns, ``by`` and ``time``. All or nothing: an error (e.g. a
        key whose times in ``other`` start before its last time here) changes nothing.

        Parameters
        ----------
        other
            A tracker with the same layout that processed the stream's next part.

        Returns
        -------
        Tracker
            ``self``.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_streamstats as pss
        >>> df = pl.DataFrame({"k": [1, 2, 1, 2], "x": [1.0, 2.0, 3.0, 6.0]})
        >>> a = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
        >>> b = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
        >>> _ = a.update(df[:2]), b.update(df[2:])
        >>> (a + b).get().rows()
        [(1, 2.0), (2, 4.0)]
        """
        if not isinstance(other, Tracker):
            raise TypeError(f"can only merge a Tracker, got {type(other).__name__}")
        other = _copy.copy(other) if other is self else other  # a.merge(a): a's rows twice
        if (self._spec(), self._by, self._time) != (other._spec(), other._by, other._time):
            raise ValueError(
                f"cannot merge trackers of different statistics or columns: {self!r} and {other!r}"
            )
        n = len(self)
        if not self._by:
            targets = [0] * len(other)
            self._core.merge(other._core, targets, max(n, len(other)))
            return self
        if other._keys is None:  # `other` saw no batch: no keys, no dtypes to join on
            return self
        theirs = other.keys()
        mine, theirs = self._aligned(
            self._keys if self._keys is not None else theirs.clear(), theirs
        )
        joined = self._lookup(theirs, mine)
        is_new = joined.is_null()
        new_ids = iter(range(n, n + int(is_new.sum())))  # keys new here, in their order
        targets = [t if t is not None else next(new_ids) for t in joined.to_list()]
        keys = pl.concat([mine, theirs.filter(is_new)]) if len(other) else mine
        self._core.merge(other._core, targets, keys.height)
        self._keys = keys
        return self

    def __add__(self, other: Tracker) -> Tracker:
        return _copy.copy(self).merge(other)

    def __iadd__(self, other: Tracker) -> Tracker:
        return self.merge(other)

    # ---- copy, pickle, repr ------------------------------------------------------------------

    def __copy__(self) -> Tracker:
        new = Tracker.__new__(Tracker)
        new.__dict__.update(self.__dict__)
        new._stats = [_copy.copy(s) for s in self._stats]
        new._core = self._core.copy()
        new._keys = self._keys.clone() if self._keys is not None else None
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Tracker:
        return self.__copy__()

    def __getstate__(self) -> dict[str, Any]:
        keys = None
        if self._keys is not None:
            buf = io.BytesIO()
            self._keys.write_ipc(buf)
            keys = buf.getvalue()
        return {
            "version": _STATE_VERSION,
            "names": self._names,
            "columns": self._columns,
            "stats": self._stats,
            "on": self._on,
            "by": self._by,
            "time": self._time,
            "keys": keys,
            "states": self._core.save(),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        version = state.get("version") if isinstance(state, dict) else None
        if version != _STATE_VERSION:
            raise ValueError(
                f"cannot restore Tracker: state version {version!r} is not supported (this "
                f"build reads version {_STATE_VERSION})"
            )
        self._names = list(state["names"])
        self._columns = list(state["columns"])
        self._stats = list(state["stats"])
        self._on = state["on"]
        self._by = list(state["by"])
        self._time = state["time"]
        self._core = _TrackerCore([s._template() for s in self._stats])
        self._core.load(state["states"])
        keys = state["keys"]
        self._keys = pl.read_ipc(io.BytesIO(keys)) if keys is not None else None
        if self._by and len(self) != (self._keys.height if self._keys is not None else 0):
            raise ValueError("cannot restore Tracker: the keys do not match the states")

    def __repr__(self) -> str:
        stats = ", ".join(
            f"{name!r}: " + (repr(stat) if column == self._on else f"({column!r}, {stat!r})")
            for name, column, stat in zip(self._names, self._columns, self._stats, strict=True)
        )
        by: str | list[str] | None = self._by if len(self._by) != 1 else self._by[0]
        parts = [f"{{{stats}}}"]
        for param, value in (("on", self._on), ("by", by or None), ("time", self._time)):
            if value is not None:
                parts.append(f"{param}={value!r}")
        parts.append(f"keys={len(self)}")
        return f"Tracker({', '.join(parts)})"
