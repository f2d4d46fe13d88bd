"""A tracker over a source larger than memory, batch by batch: the body of ``Tracker.run``.

Only the tracker's public ``update(batch) -> DataFrame`` and ``len(tracker)`` are used, so the
memory held is one batch (plus its output) and the tracker's states, whatever the source's size.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path
from typing import IO, Any, Protocol, TypeAlias, overload

import polars as pl

__all__ = ["run"]

PathLike: TypeAlias = str | os.PathLike[str]
Source: TypeAlias = pl.LazyFrame | Iterable[pl.DataFrame] | PathLike | Sequence[PathLike]

# File suffixes (lower-cased) read by path, and how.
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv",)
PART_NAME = "part-{:05d}.parquet"
_PART = re.compile(r"part-(\d+)\.parquet")


class SupportsUpdate(Protocol):
    """What :func:`run` needs of a tracker: ``update(batch) -> DataFrame`` and ``len``."""

    def update(self, batch: pl.DataFrame, /) -> pl.DataFrame: ...

    def __len__(self) -> int: ...


@overload
def run(
    tracker: SupportsUpdate,
    source: Source,
    *,
    sink: None = None,
    progress: bool = True,
) -> Generator[pl.DataFrame, None, None]: ...


@overload
def run(
    tracker: SupportsUpdate,
    source: Source,
    *,
    sink: PathLike,
    progress: bool = True,
) -> None: ...


def run(
    tracker: SupportsUpdate,
    source: Source,
    *,
    sink: PathLike | None = None,
    progress: bool = True,
) -> Generator[pl.DataFrame, None, None] | None:
    """Feed a source, batch by batch, through the tracker; write or yield each output batch.

    Memory stays bounded by one batch (and its output) plus the tracker's states: the source
    is never read whole. Each batch goes through ``tracker.update``, so the outputs are
    exactly those of updating the tracker with the batches in order.

    Parameters
    ----------
    tracker
        The tracker to update (``Tracker.run`` passes itself).
    source
        The rows, in order, one of:

        - a ``pl.LazyFrame``, read in batches by Polars' streaming engine
          (``collect_batches(maintain_order=True)``); use one for any reading option, e.g.
          ``pl.scan_csv(paths, schema_overrides=...)``;
        - an iterable of ``pl.DataFrame`` batches (a list, a generator, ...);
        - a path (``str`` or ``os.PathLike``) or a list or tuple of paths of parquet
          (``.parquet``, ``.pq``) or CSV (``.csv``) files, read in the order given, each one
          scanned lazily and read in batches. CSV files are read with ``pl.scan_csv``'s
          defaults and ``try_parse_dates=True`` (so a time column written to CSV is a time
          again).
    sink
        Where the output batches go; ``None`` (the default) yields them instead:

        - a directory (an existing one, or a ``str`` ending in ``/``, created if needed): one
          file ``part-00000.parquet``, ``part-00001.parquet``, ... per batch, each written
          under a temporary name and then renamed (a part file is always complete). Parts
          already in the directory are kept and the numbering continues after the highest
          one, so a restarted run can write into the same directory. Read them back in order
          with ``pl.scan_parquet(directory)`` (names sort in batch order up to part 99999);
        - a ``.parquet`` (or ``.pq``) file, replaced if it exists, written batch by batch
          (one row group or more per batch) with ``pyarrow.parquet.ParquetWriter``, which
          needs pyarrow. A source without any batch gives a file with no columns and no rows.
    progress
        Show a progress line on stderr (rows, rows/s, keys, batches), updated as batches are
        processed, with the totals at the end. Only on a terminal: nothing is written when
        stderr is not a TTY.

    Returns
    -------
    Generator[pl.DataFrame, None, None] or None
        With ``sink=None``, a generator of the output batches (each the batch plus one column
        per statistic): nothing is read before it is iterated, and the tracker has seen the
        batches yielded so far. With a sink, ``None`` once every batch is written.

    Raises
    ------
    TypeError
        When ``source`` or ``sink`` is of none of the kinds above (or an iterable source
        yields something other than a DataFrame).
    ValueError
        When a source path has an unknown suffix, the sink is neither a directory nor a
        ``.parquet`` path, or a batch's output columns differ from the first batch's (a
        parquet file sink holds one schema).
    FileNotFoundError
        When a source path does not exist.
    ImportError
        When the sink is a parquet file and pyarrow is not installed.

    Notes
    -----
    An error in a batch (a missing column, a time going backwards, ...) propagates, with a
    note naming the batch (and file). The tracker keeps the state it had after the previous
    batch, and a file sink is closed, so the batches before it are readable. To restart
    later from the next file, pickle the tracker after a completed run and give the rest of
    the files to the unpickled tracker's ``run``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_streamstats as pss
    >>> tracker = pss.Tracker({"mean": pss.Mean()}, on="x", by="key")
    >>> batches = [
    ...     pl.DataFrame({"key": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]}),
    ...     pl.DataFrame({"key": ["b", "a"], "x": [4.0, 5.0]}),
    ... ]
    >>> for out in tracker.run(batches, progress=False):
    ...     print(out["mean"].to_list())
    [1.0, 2.0, 2.0]
    [3.0, 3.0]
    >>> len(tracker)
    2

    With a sink, the outputs go to parquet files (here one per batch in a directory):

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     tracker.run([pl.DataFrame({"key": ["c"], "x": [6.0]})], sink=tmp, progress=False)
    ...     pl.read_parquet(f"{tmp}/part-00000.parquet")
    shape: (1, 3)
    ┌─────┬─────┬──────┐
    │ key ┆ x   ┆ mean │
    │ --- ┆ --- ┆ ---  │
    │ str ┆ f64 ┆ f64  │
    ╞═════╪═════╪══════╡
    │ c   ┆ 6.0 ┆ 6.0  │
    └─────┴─────┴──────┘
    """
    if not isinstance(progress, bool):
        msg = f"progress must be True or False, got {progress!r}"
        raise TypeError(msg)
    batches = _batches(source)  # checks the source now, reads nothing yet
    if sink is None:
        return _processed(tracker, batches, progress)
    out = _open_sink(sink)
    processed = _processed(tracker, batches, progress)
    try:
        for batch in processed:
            out.write(batch)
    finally:
        processed.close()  # the final progress line now, even when a write failed
        out.close()
    return None


# --- sources --------------------------------------------------------------------------------


class _Batch:
    """A batch and where it came from (for the note added to an error)."""

    __slots__ = ("frame", "origin")

    def __init__(self, frame: pl.DataFrame, origin: str) -> None:
        self.frame = frame
        self.origin = origin


def _fspath(obj: object) -> str | None:
    """The path ``obj`` names (a str, or an os.PathLike of str), else None."""
    if isinstance(obj, str | os.PathLike):
        text = os.fspath(obj)
        if isinstance(text, str):
            return text
    return None


def _batches(source: object) -> Generator[_Batch, None, None]:
    """The source's batches, checked now and read lazily (see :func:`run`)."""
    if isinstance(source, pl.LazyFrame):
        return _lazy_batches(source, "")
    if (text := _fspath(source)) is not None:
        return _file_batches([_checked_path(text)])
    if isinstance(source, list | tuple) and any(_fspath(p) is not None for p in source):
        texts = [_fspath(p) for p in source]
        if None in texts:
            msg = "source: a list or tuple of paths must hold only paths (str or os.PathLike)"
            raise TypeError(msg)
        return _file_batches([_checked_path(t) for t in texts if t is not None])
    if isinstance(source, pl.DataFrame | pl.Series):
        name = type(source).__name__
        msg = (
            f"source must be a LazyFrame, an iterable of DataFrames or parquet/CSV paths, "
            f"got a {name}; for a single DataFrame pass [df] or df.lazy()"
        )
        raise TypeError(msg)
    if isinstance(source, Iterable) and not isinstance(source, bytes | dict):
        return _frames(source)
    msg = (
        "source must be a LazyFrame, an iterable of DataFrames, or a path or list of paths "
        f"of parquet/CSV files, got {type(source).__name__}"
    )
    raise TypeError(msg)


def _checked_path(text: str) -> Path:
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix not in PARQUET_SUFFIXES + CSV_SUFFIXES:
        known = ", ".join(PARQUET_SUFFIXES + CSV_SUFFIXES)
        msg = (
            f"source: cannot tell how to read {str(path)!r} from its suffix {suffix!r} "
            f"(known: {known}); for another format pass a LazyFrame (e.g. pl.scan_ipc(...))"
        )
        raise ValueError(msg)
    if not path.is_file():
        msg = f"source: no such file: {str(path)!r}"
        if any(c in str(path) for c in "*?["):
            msg += " (a glob pattern is not expanded: pass sorted(Path(dir).glob(pattern)))"
        raise FileNotFoundError(msg)
    return path


def _scan(path: Path) -> pl.LazyFrame:
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return pl.scan_parquet(path, glob=False)
    return pl.scan_csv(path, glob=False, try_parse_dates=True)


def _lazy_batches(frame: pl.LazyFrame, origin: str) -> Generator[_Batch, None, None]:
    # lazy=True: the query starts at the first batch requested, so a file's scan starts
    # only when the previous file is done.
    batches = frame.collect_batches(maintain_order=True, lazy=True)
    for index, batch in enumerate(batches):
        where = f"batch {index} of the LazyFrame" if not origin else f"batch {index} of {origin}"
        yield _Batch(batch, where)


def _file_batches(paths: list[Path]) -> Generator[_Batch, None, None]:
    for path in paths:
        origin = f"file {str(path)!r}"
        try:
            yield from _lazy_batches(_scan(path), origin)
        except Exception as exc:  # a read error (an update error is raised by the consumer)
            exc.add_note(f"tracker.run: while reading {origin}")
            raise


def _frames(source: Iterable[Any]) -> Generator[_Batch, None, None]:
    for index, item in enumerate(source):
        if not isinstance(item, pl.DataFrame):
            msg = (
                f"source: item {index} of the iterable is a {type(item).__name__}, "
                "expected a polars DataFrame"
            )
            raise TypeError(msg)
        yield _Batch(item, f"item {index} of the iterable")


# --- processing -----------------------------------------------------------------------------


def _processed(
    tracker: SupportsUpdate, batches: Generator[_Batch, None, None], progress: bool
) -> Generator[pl.DataFrame, None, None]:
    bar = _Progress(sys.stderr) if progress and _is_tty(sys.stderr) else None
    try:
        for batch in batches:
            try:
                out = tracker.update(batch.frame)
            except Exception as exc:
                exc.add_note(
                    f"tracker.run: while updating with {batch.origin} ({batch.frame.height} "
                    "rows); the tracker holds the state after the previous batch"
                )
                raise
            if bar is not None:
                bar.advance(batch.frame.height, len(tracker))
            yield out
    finally:
        batches.close()  # releases the streaming query of a source not read to its end
        if bar is not None:
            bar.close()


def _is_tty(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _Progress:
    """One progress line on a terminal, rewritten in place (at most every ``interval`` s)."""

    def __init__(self, stream: IO[str], interval: float = 0.1) -> None:
        self.stream = stream
        self.interval = interval
        self.start = self.last = time.perf_counter()
        self.rows = self.batches = self.keys = 0

    def advance(self, rows: int, keys: int) -> None:
        self.rows += rows
        self.batches += 1
        self.keys = keys
        now = time.perf_counter()
        if self.batches == 1 or now - self.last >= self.interval:
            self.last = now
            self._draw(now, "")

    def close(self) -> None:
        self._draw(time.perf_counter(), "\n")

    def line(self, now: float) -> str:
        elapsed = now - self.start
        rate = self.rows / elapsed if elapsed > 0 else 0.0
        return (
            f"tracker.run: {self.rows:,} rows | {_human(rate)} rows/s | {self.keys:,} keys | "
            f"{self.batches:,} batches | {elapsed:.1f} s"
        )

    def _draw(self, now: float, end: str) -> None:
        try:
            # Carriage return, the line, then erase what a longer previous line left.
            self.stream.write(f"\r{self.line(now)}\x1b[K{end}")
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: progress is not worth a failure
            pass


def _human(rate: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if rate >= size:
            return f"{rate / size:.2f}{unit}"
    return f"{rate:.0f}"


# --- sinks ----------------------------------------------------------------------------------


class _Sink(Protocol):
    def write(self, batch: pl.DataFrame) -> None: ...

    def close(self) -> None: ...


def _open_sink(sink: object) -> _Sink:
    text = _fspath(sink)
    if text is None:
        msg = (
            "sink must be None, a directory or a .parquet file path (str or os.PathLike), "
            f"got {type(sink).__name__}"
        )
        raise TypeError(msg)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        return _DirectorySink(path)
    if path.suffix.lower() not in PARQUET_SUFFIXES:
        msg = (
            f"sink {text!r} is neither a directory (an existing one, or a str ending in '/'; "
            "a pathlib.Path drops the '/') nor a parquet file (.parquet or .pq)"
        )
        raise ValueError(msg)
    return _ParquetFileSink(path)


class _DirectorySink:
    """One parquet file per batch, numbered after the parts already there."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        numbers = [int(m[1]) for p in path.iterdir() if (m := _PART.fullmatch(p.name))]
        self.next = max(numbers, default=-1) + 1

    def write(self, batch: pl.DataFrame) -> None:
        final = self.path / PART_NAME.format(self.next)
        partial = self.path / f".{final.name}.tmp"
        batch.write_parquet(partial)
        os.replace(partial, final)
        self.next += 1

    def close(self) -> None:
        pass


class _ParquetFileSink:
    """One parquet file written incrementally with pyarrow's ParquetWriter."""

    def __init__(self, path: Path) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            msg = (
                f"tracker.run(sink={str(path)!r}) writes a parquet file with pyarrow, which is "
                "not installed: `pip install pyarrow` (or the extra: "
                "`pip install 'polars-streamstats[parquet]'`); a directory sink "
                "(a path ending in '/') needs no pyarrow"
            )
            raise ImportError(msg) from exc
        self.pa = pa
        self.pq = pq
        self.path = path
        self.writer: Any = None
        self.batches = 0

    def write(self, batch: pl.DataFrame) -> None:
        table = batch.to_arrow()
        if self.writer is None:
            # Dictionary encoding for the columns other than floats (keys, times, ...): on the
            # float columns (the statistics) it rarely pays and tripled the writing time.
            floating = self.pa.types.is_floating
            dictionary = [f.name for f in table.schema if not floating(f.type)]
            self.writer = self.pq.ParquetWriter(
                self.path, table.schema, compression="zstd", use_dictionary=dictionary
            )
        elif not table.schema.equals(self.writer.schema, check_metadata=False):
            msg = (
                f"sink {str(self.path)!r}: the output of batch {self.batches} has the schema\n"
                f"{table.schema}\nbut the file was started with\n{self.writer.schema}\n"
                "(a parquet file holds one schema: make the batches' columns and dtypes agree, "
                "or use a directory sink)"
            )
            raise ValueError(msg)
        self.writer.write_table(table)
        self.batches += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        else:  # no batch: an empty file, rather than none (or a stale one from before)
            self.pq.write_table(self.pa.table({}), self.path)
