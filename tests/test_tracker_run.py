"""``Tracker.run`` (python/polars_streamstats/_run.py): sources, sinks, progress, memory, restarts.

Real components only: the Rust ``pss.Tracker``, Polars' streaming reader, files on disk, child
processes for the memory bound, the restart and the terminal.

Run as a script, this file measures the peak memory of the bounded-memory job both ways
(``tracker.run`` with a parquet sink, and Polars' in-memory ``.over`` on the concatenation):
``python tests/test_tracker_run.py [rows_per_file]`` (20 files; 1,000,000 rows by default).
"""

from __future__ import annotations

import json
import os
import pickle
import pty
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import polars_streamstats as pss
from polars_streamstats._run import run

REPO = Path(__file__).resolve().parent.parent
STATS = ["ema", "p90", "hl", "var"]


def make_tracker() -> pss.Tracker:
    """The keyed tracker of these tests: row-count and time-based statistics over ``price``."""
    return pss.Tracker(
        {
            "ema": pss.EWMean(alpha=0.1),
            "p90": pss.RollingQuantile(0.9, window_size="5s"),
            "hl": pss.EWMean(half_life="2s"),
            "var": ("price", pss.Var()),
        },
        on="price",
        by="key",
        time="ts",
    )


def make_frames(n: int, rows: int, seed: int = 0) -> list[pl.DataFrame]:
    """``n`` consecutive batches: 5 string keys and a null key, times that never decrease
    (some repeat), prices with nulls."""
    rng = np.random.default_rng(seed)
    frames = []
    start = 1_700_000_000_000  # ms
    for _ in range(n):
        ts = start + np.cumsum(rng.integers(0, 700, rows))
        start = int(ts[-1])
        keys = rng.choice(np.array(["a", "b", "c", "d", "e", ""], dtype=object), rows)
        price = 100 + np.cumsum(rng.standard_normal(rows))
        frames.append(
            pl.DataFrame(
                {
                    "key": pl.Series(keys, dtype=pl.String).replace("", None),
                    "ts": pl.Series(ts).cast(pl.Datetime("ms")),
                    "price": pl.Series(price).set(pl.Series(rng.random(rows) < 0.05), None),
                }
            )
        )
    return frames


def one_shot(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The reference: a fresh tracker updated once with the concatenation of the batches."""
    return make_tracker().update(pl.concat(frames))


def write_files(frames: list[pl.DataFrame], directory: Path, suffix: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, frame in enumerate(frames):
        path = directory / f"in-{i:03d}{suffix}"
        if suffix == ".csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
        paths.append(path)
    return paths


def read_parts(directory: Path) -> pl.DataFrame:
    parts = sorted(directory.glob("part-*.parquet"))
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(len(parts))]
    return pl.concat([pl.read_parquet(p) for p in parts])


# --- 1. every kind of source -------------------------------------------------------------


@pytest.fixture(scope="module")
def frames() -> list[pl.DataFrame]:
    return make_frames(4, 3000, seed=1)


@pytest.fixture(scope="module")
def expected(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return one_shot(frames)


SourceMaker = Callable[[list[pl.DataFrame], Path], Any]


def _single_file(frames: list[pl.DataFrame], tmp: Path) -> str:
    path = tmp / "all.parquet"
    pl.concat(frames).write_parquet(path, row_group_size=2000)  # read back in several batches
    return str(path)


def _generator(frames: list[pl.DataFrame], tmp: Path) -> Iterator[pl.DataFrame]:
    return (f for f in frames)


SOURCES: dict[str, SourceMaker] = {
    "lazyframe-memory": lambda frames, tmp: pl.concat(frames).lazy(),
    "lazyframe-scan": lambda frames, tmp: pl.scan_parquet(write_files(frames, tmp, ".parquet")),
    "list": lambda frames, tmp: list(frames),
    "generator": _generator,
    "parquet-paths": lambda frames, tmp: write_files(frames, tmp, ".parquet"),
    "parquet-str-tuple": lambda frames, tmp: tuple(
        str(p) for p in write_files(frames, tmp, ".parquet")
    ),
    "single-path": _single_file,
}


@pytest.mark.parametrize("kind", list(SOURCES))
def test_source_equals_one_batch(
    kind: str, frames: list[pl.DataFrame], expected: pl.DataFrame, tmp_path: Path
) -> None:
    source = SOURCES[kind](frames, tmp_path)
    tracker = make_tracker()
    outputs = list(run(tracker, source, progress=False))
    assert_frame_equal(pl.concat(outputs), expected, check_exact=True)
    assert len(tracker) == 6  # 5 keys and the null key
    if kind not in ("lazyframe-memory",):  # an in-memory LazyFrame comes back in one batch
        assert len(outputs) >= len(frames), len(outputs)


def test_csv_paths(frames: list[pl.DataFrame], expected: pl.DataFrame, tmp_path: Path) -> None:
    paths = write_files(frames, tmp_path, ".csv")
    outputs = list(run(make_tracker(), paths, progress=False))
    assert len(outputs) >= len(paths)
    # The files as CSV gives them back (times parsed again, at their own precision) ...
    reread = [pl.read_csv(p, try_parse_dates=True) for p in paths]
    assert reread[0].schema["ts"].is_temporal()
    assert_frame_equal(pl.concat(outputs), one_shot(reread), check_exact=True)
    # ... and the statistics are those of the original frames.
    assert_frame_equal(pl.concat(outputs).select(STATS), expected.select(STATS), check_exact=True)


def test_single_csv_path_and_mixed_suffixes(
    frames: list[pl.DataFrame], expected: pl.DataFrame, tmp_path: Path
) -> None:
    csv = write_files(frames[:1], tmp_path / "csv", ".csv")
    parquet = write_files(frames[1:], tmp_path / "parquet", ".parquet")
    tracker = make_tracker()
    first = list(run(tracker, csv[0], progress=False))
    rest = list(run(tracker, parquet, progress=False))
    got = pl.concat([out.select(STATS) for out in [*first, *rest]])  # ts: us from CSV, ms here
    assert_frame_equal(got, expected.select(STATS), check_exact=True)


def test_generator_output_is_lazy(frames: list[pl.DataFrame]) -> None:
    pulled: list[int] = []

    def source() -> Iterator[pl.DataFrame]:
        for i, frame in enumerate(frames):
            pulled.append(i)
            yield frame

    tracker = make_tracker()
    outputs = run(tracker, source(), progress=False)
    assert pulled == []
    assert len(tracker) == 0
    first = next(outputs)
    assert pulled == [0]
    assert_frame_equal(first, one_shot(frames[:1]), check_exact=True)
    outputs.close()  # stopping early leaves the tracker after the batches yielded
    assert pulled == [0]
    rest = list(run(tracker, frames[1:], progress=False))
    assert_frame_equal(pl.concat([first, *rest]), one_shot(frames), check_exact=True)


# --- 2. sinks ------------------------------------------------------------------------------


@pytest.mark.parametrize("as_path", [False, True])
def test_sink_parquet_file(frames: list[pl.DataFrame], tmp_path: Path, as_path: bool) -> None:
    yielded = pl.concat(list(run(make_tracker(), frames, progress=False)))
    target = tmp_path / "out.parquet"
    target.write_bytes(b"stale")  # replaced
    result = run(make_tracker(), frames, sink=target if as_path else str(target), progress=False)
    assert result is None
    assert_frame_equal(pl.read_parquet(target), yielded, check_exact=True)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(target).metadata.num_row_groups == len(frames)  # batch by batch


def test_sink_directory(frames: list[pl.DataFrame], tmp_path: Path) -> None:
    yielded = list(run(make_tracker(), frames, progress=False))
    new = tmp_path / "new" / "parts"
    assert run(make_tracker(), frames, sink=f"{new}/", progress=False) is None
    assert_frame_equal(read_parts(new), pl.concat(yielded), check_exact=True)
    assert len(list(new.iterdir())) == len(frames)  # one part per batch, no temporary left
    # An existing directory (given without a slash): numbering continues after its parts.
    tracker = make_tracker()
    run(tracker, frames[:2], sink=new.parent / "parts", progress=False)
    assert sorted(p.name for p in new.iterdir())[-2:] == [
        "part-00004.parquet",
        "part-00005.parquet",
    ]
    assert_frame_equal(pl.read_parquet(new / "part-00005.parquet"), yielded[1], check_exact=True)


def test_sink_without_batches(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    pl.DataFrame({"old": [1]}).write_parquet(target)
    run(make_tracker(), [], sink=target, progress=False)
    assert pl.read_parquet(target).shape == (0, 0)  # no stale rows from before
    run(make_tracker(), [], sink=f"{tmp_path / 'd'}/", progress=False)
    assert list((tmp_path / "d").iterdir()) == []


@pytest.mark.parametrize("sink", ["out.parquet", "parts/", None])
def test_batch_error_propagates_and_sink_is_readable(
    frames: list[pl.DataFrame], tmp_path: Path, sink: str | None
) -> None:
    bad = frames[2].drop("price")
    source = [frames[0], frames[1], bad, frames[3]]
    tracker = make_tracker()
    written: list[pl.DataFrame] = []

    def consume() -> None:
        if sink is None:
            written.extend(run(tracker, source, progress=False))
        else:
            run(tracker, source, sink=f"{tmp_path}/{sink}", progress=False)

    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="price") as info:
        consume()
    assert any("item 2 of the iterable" in note for note in info.value.__notes__)
    if sink == "out.parquet":
        got = pl.read_parquet(tmp_path / sink)
    elif sink == "parts/":
        got = read_parts(tmp_path / sink)
    else:
        got = pl.concat(written)
    assert_frame_equal(got, one_shot(frames[:2]), check_exact=True)
    # The tracker kept the state after batch 1: the next good batch continues the stream.
    after = list(run(tracker, [frames[2], frames[3]], progress=False))
    assert_frame_equal(pl.concat([got, *after]), one_shot(frames), check_exact=True)


def test_read_error_names_the_file(frames: list[pl.DataFrame], tmp_path: Path) -> None:
    paths = write_files(frames[:2], tmp_path, ".parquet")
    paths[1].write_bytes(b"not a parquet file")
    with pytest.raises(Exception) as info:  # noqa: PT011 (Polars' own error type)
        list(run(make_tracker(), paths, progress=False))
    assert any(str(paths[1]) in note for note in getattr(info.value, "__notes__", [])), info.value


def test_parquet_file_sink_refuses_a_schema_change(
    frames: list[pl.DataFrame], tmp_path: Path
) -> None:
    source = [frames[0], frames[1].with_columns(extra=pl.lit(1))]
    target = tmp_path / "out.parquet"
    with pytest.raises(ValueError, match="batch 1 has the schema"):
        run(make_tracker(), source, sink=target, progress=False)
    assert_frame_equal(pl.read_parquet(target), one_shot(frames[:1]), check_exact=True)
    run(make_tracker(), source, sink=f"{tmp_path}/parts/", progress=False)  # one file each: fine
    assert pl.read_parquet(tmp_path / "parts" / "part-00001.parquet").columns[-1] == "var"


def test_parquet_file_sink_without_pyarrow(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["pyarrow"] = None  # as if pyarrow were not installed
        sys.modules["pyarrow.parquet"] = None
        import polars as pl
        import polars_streamstats as pss
        from polars_streamstats._run import run
        tracker = pss.Tracker({{"m": pss.Mean()}}, on="x")
        batch = pl.DataFrame({{"x": [1.0, 2.0]}})
        try:
            run(tracker, [batch], sink={str(tmp_path / "out.parquet")!r}, progress=False)
        except ImportError as exc:
            print("ImportError:", exc)
        run(tracker, [batch], sink={str(tmp_path / "parts")!r} + "/", progress=False)
        print("directory ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert "ImportError:" in done.stdout, done.stdout
    assert "pip install pyarrow" in done.stdout
    assert "polars-streamstats[parquet]" in done.stdout
    assert "directory ok" in done.stdout
    assert not (tmp_path / "out.parquet").exists()
    assert pl.read_parquet(tmp_path / "parts" / "part-00000.parquet")["m"].to_list() == [1.0, 1.5]


# --- 3. bounded memory ---------------------------------------------------------------------

MEMORY_FILES, MEMORY_ROWS, MEMORY_KEYS = 20, 1_000_000, 100
MEMORY_LIMIT_MIB = 600

# Run by a child process: ``tracker`` runs the files through tracker.run with a parquet sink;
# ``over`` is Polars' in-memory equivalent (concatenate, then the expressions with .over).
MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    import polars as pl
    import polars_streamstats as pss

    def peak_kib():
        # This process's own peak RSS: VmHWM of its memory map. (ru_maxrss is not: after a
        # vfork + exec it keeps the parent's peak, and the parent is a long pytest run.)
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    mode, data, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    files = sorted(data.glob("in-*.parquet"))
    start = time.perf_counter()
    if mode == "tracker":
        tracker = pss.Tracker(
            {
                "ema": pss.EWMean(alpha=0.01),
                "p90": pss.RollingQuantile(0.9, window_size=1000),
                "var": pss.Var(),
            },
            on="price",
            by="key",
        )
        tracker.run(files, sink=out, progress=False)
        keys = len(tracker)
    else:
        frame = pl.concat([pl.read_parquet(f) for f in files])
        frame.with_columns(
            pss.ewm_mean("price", alpha=0.01).over("key").alias("ema"),
            pss.rolling_quantile("price", 0.9, window_size=1000).over("key").alias("p90"),
            pss.cum_var("price").over("key").alias("var"),
        ).write_parquet(out)
        keys = frame["key"].n_unique()
    print(json.dumps({
        "mode": mode,
        "peak_kib": peak_kib(),
        "seconds": time.perf_counter() - start,
        "keys": keys,
    }))
    """
)


def write_price_files(directory: Path, n_files: int, rows: int, n_keys: int) -> list[Path]:
    """``n_files`` parquet files of ``rows`` rows (key, ts, price), written one at a time."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(42)
    paths, start = [], 0
    for i in range(n_files):
        ts = start + np.cumsum(rng.integers(1, 1000, rows))
        start = int(ts[-1])
        frame = pl.DataFrame(
            {
                "key": rng.integers(0, n_keys, rows),
                "ts": pl.Series(ts).cast(pl.Datetime("ms")),
                "price": 100 + np.cumsum(rng.standard_normal(rows)) * 0.01,
            }
        )
        path = directory / f"in-{i:03d}.parquet"
        frame.write_parquet(path)
        paths.append(path)
        del frame
    return paths


def measure(mode: str, data: Path, out: Path) -> dict[str, Any]:
    """Run MEMORY_SCRIPT in a child process; its peak RSS, time and key count."""
    script = data / "memory_job.py"
    script.write_text(MEMORY_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), mode, str(data), str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_bounded_memory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    paths = write_price_files(data, MEMORY_FILES, MEMORY_ROWS, MEMORY_KEYS)
    out = tmp_path / "out.parquet"
    result = measure("tracker", data, out)
    peak_mib = result["peak_kib"] / 1024
    print(
        f"\ntracker.run, {MEMORY_FILES} x {MEMORY_ROWS:,} rows, {MEMORY_KEYS} keys, parquet sink:"
        f" peak RSS {peak_mib:.0f} MiB, {result['seconds']:.1f} s"
    )
    assert result["keys"] == MEMORY_KEYS
    assert peak_mib < MEMORY_LIMIT_MIB
    written = pl.scan_parquet(out)
    assert written.select(pl.len()).collect().item() == MEMORY_FILES * MEMORY_ROWS
    # The first file's rows are what one update with that file gives.
    reference = pss.Tracker(
        {
            "ema": pss.EWMean(alpha=0.01),
            "p90": pss.RollingQuantile(0.9, window_size=1000),
            "var": pss.Var(),
        },
        on="price",
        by="key",
    ).update(pl.read_parquet(paths[0]))
    assert_frame_equal(written.head(MEMORY_ROWS).collect(), reference, check_exact=True)


# --- 4. interrupt and restart across processes -----------------------------------------------

RESTART_SCRIPT = textwrap.dedent(
    """
    import pickle, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from tests.test_tracker_run import make_tracker

    part, state, sink = sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    files = sys.argv[5:]
    tracker = make_tracker() if part == "first" else pickle.loads(state.read_bytes())
    tracker.run(files, sink=sink, progress=False)
    state.write_bytes(pickle.dumps(tracker))
    """
)


@pytest.mark.parametrize("split", [1, 4])
def test_restart_in_a_new_process(tmp_path: Path, split: int) -> None:
    frames = make_frames(6, 50_000, seed=7)
    paths = [str(p) for p in write_files(frames, tmp_path / "in", ".parquet")]
    script = tmp_path / "restart.py"
    script.write_text(RESTART_SCRIPT)
    state, sink = tmp_path / "tracker.pickle", f"{tmp_path / 'out'}/"
    for part, files in (("first", paths[:split]), ("second", paths[split:])):
        subprocess.run(
            [sys.executable, str(script), str(REPO), part, str(state), sink, *files],
            check=True,
            timeout=300,
        )
    uninterrupted = make_tracker()
    expected = pl.concat(list(run(uninterrupted, paths, progress=False)))
    assert_frame_equal(read_parts(tmp_path / "out"), expected, check_exact=True)
    restored = pickle.loads(state.read_bytes())
    assert_frame_equal(restored.get(), uninterrupted.get(), check_exact=True)


# --- 5. progress -------------------------------------------------------------------------------

PROGRESS_SCRIPT = textwrap.dedent(
    """
    import sys
    import polars as pl
    import polars_streamstats as pss
    from polars_streamstats._run import run

    tracker = pss.Tracker({"m": pss.Mean()}, on="x", by="k")
    batch = pl.DataFrame({"k": [1, 2, 3] * 400, "x": [1.0] * 1200})
    outputs = run(tracker, [batch] * 3, progress=sys.argv[1] == "on")
    print(sum(o.height for o in outputs), "rows out")
    """
)


def _run_with_stderr_on_a_terminal(script: Path, progress: str) -> tuple[str, str]:
    main, child = pty.openpty()
    with subprocess.Popen(
        [sys.executable, str(script), progress],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=child,
    ) as proc:
        os.close(child)
        chunks = []
        while True:
            try:
                data = os.read(main, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode()
        assert proc.wait(timeout=120) == 0
    os.close(main)
    return b"".join(chunks).decode(), stdout


def test_progress_on_a_terminal(tmp_path: Path) -> None:
    script = tmp_path / "progress.py"
    script.write_text(PROGRESS_SCRIPT)
    terminal, stdout = _run_with_stderr_on_a_terminal(script, "on")
    assert stdout.strip() == "3600 rows out"
    assert terminal.endswith("\n")  # the final line is finished
    final = terminal.rstrip().rsplit("\r", 1)[-1]  # the last rewrite of the line
    assert "3,600 rows" in final, repr(terminal)
    assert "3 keys" in final, repr(terminal)
    assert "3 batches" in final, repr(terminal)
    assert "rows/s" in final, repr(terminal)
    silent, stdout = _run_with_stderr_on_a_terminal(script, "off")
    assert silent == ""
    assert stdout.strip() == "3600 rows out"


def test_no_progress_on_a_pipe(tmp_path: Path) -> None:
    script = tmp_path / "progress.py"
    script.write_text(PROGRESS_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), "on"], capture_output=True, timeout=120, check=True
    )
    assert done.stdout.decode().strip() == "3600 rows out"
    assert done.stderr == b""


# --- 6. bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [42, None, b"data.parquet", {"a": 1}, pl.DataFrame({"x": [1.0]}), pl.Series([1.0])],
    ids=["int", "None", "bytes", "dict", "DataFrame", "Series"],
)
def test_bad_source_type(source: Any) -> None:
    with pytest.raises(TypeError, match="source"):
        run(make_tracker(), source, progress=False)


def test_bad_items(frames: list[pl.DataFrame], tmp_path: Path) -> None:
    path = write_files(frames[:1], tmp_path, ".parquet")[0]
    with pytest.raises(TypeError, match=r"source.*only paths"):
        run(make_tracker(), [path, frames[0]], progress=False)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"source: item 1 of the iterable is a int"):
        list(run(make_tracker(), iter([frames[0], 3]), progress=False))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="progress"):
        run(make_tracker(), frames, progress=None)  # type: ignore[call-overload]


@pytest.mark.parametrize("name", ["data.txt", "data", "data.parquet.gz", "data.json"])
def test_unknown_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("x\n1\n")
    with pytest.raises(ValueError, match=r"source.*suffix"):
        run(make_tracker(), path, progress=False)
    with pytest.raises(ValueError, match=r"source.*suffix"):
        run(make_tracker(), [str(path)], progress=False)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        run(make_tracker(), tmp_path / "absent.parquet", progress=False)
    with pytest.raises(FileNotFoundError, match="glob"):
        run(make_tracker(), str(tmp_path / "*.parquet"), progress=False)


def test_bad_sink(frames: list[pl.DataFrame], tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="sink"):
        run(make_tracker(), frames, sink=3, progress=False)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match=r"sink.*parquet"):
        run(make_tracker(), frames, sink=tmp_path / "out.csv", progress=False)
    assert not (tmp_path / "out.csv").exists()


def main() -> None:
    """Measure the memory job both ways and print the peaks (see the module docstring)."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else MEMORY_ROWS
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        started = time.perf_counter()
        write_price_files(data, MEMORY_FILES, rows, MEMORY_KEYS)
        print(f"wrote {MEMORY_FILES} x {rows:,} rows in {time.perf_counter() - started:.1f} s")
        for mode in ("tracker", "over"):
            result = measure(mode, data, Path(tmp) / f"{mode}.parquet")
            print(
                f"{mode:8s} peak RSS {result['peak_kib'] / 1024:7.0f} MiB"
                f"  {result['seconds']:6.1f} s  {result['keys']} keys"
            )
        same = pl.read_parquet(Path(tmp) / "tracker.parquet").equals(
            pl.read_parquet(Path(tmp) / "over.parquet")
        )
        print("outputs identical:", same)


if __name__ == "__main__":
    main()
