"""Time-based objects (issue 9): every ``Rolling*`` class with a duration ``window_size``.

The objects are checked against the ``pss.rolling_*_by`` expressions (bit for bit: the same
core sweep), against Polars' own ``rolling_*_by`` where Polars has the statistic, and against
themselves: ``update`` row by row, ``update_many``, ``running``, batches and pickles all give
the same numbers. Then every kind of time input, and the errors.
"""

from __future__ import annotations

import copy
import itertools
import math
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

import polars_streamstats as pss

untyped: Any = pss

CLOSED = ["right", "left", "both", "none"]
EPOCH = datetime(2024, 3, 1, 9, 30)


@dataclass(frozen=True)
class TCase:
    """A time-based class: how to build it, its ``_by`` expression and Polars' twin."""

    id: str
    make: Callable[..., Any]  # (window, closed=..., min_samples=...) -> object
    expr: Callable[..., pl.Expr]  # (x, t, window, closed=..., min_samples=...) -> expr
    polars: Callable[..., pl.Expr] | None = None  # (x: Expr, t, window, closed, min_samples)
    exact: bool = True  # bit for bit with Polars (else 1e-12 relative)


def _pl(method: str, **kw: Any) -> Callable[..., pl.Expr]:
    def build(x: pl.Expr, t: str, w: Any, closed: str, min_samples: int) -> pl.Expr:
        fn = getattr(x, method)
        return fn(t, w, closed=closed, min_samples=min_samples, **kw)  # type: ignore[no-any-return]

    return build


CASES = [
    TCase(
        "mean",
        lambda w, **k: pss.RollingMean(w, **k),
        lambda x, t, w, **k: pss.rolling_mean_by(x, t, w, **k),
        _pl("rolling_mean_by"),
        exact=False,
    ),
    TCase(
        "var",
        lambda w, **k: pss.RollingVar(w, **k),
        lambda x, t, w, **k: pss.rolling_var_by(x, t, w, **k),
        _pl("rolling_var_by"),
        exact=False,
    ),
    TCase(
        "std-ddof0",
        lambda w, **k: pss.RollingStd(w, ddof=0, **k),
        lambda x, t, w, **k: pss.rolling_std_by(x, t, w, ddof=0, **k),
        _pl("rolling_std_by", ddof=0),
        exact=False,
    ),
    TCase(
        "skew",
        lambda w, **k: pss.RollingSkew(w, bias=False, **k),
        lambda x, t, w, **k: pss.rolling_skew_by(x, t, w, bias=False, **k),
    ),
    TCase(
        "kurtosis",
        lambda w, **k: pss.RollingKurtosis(w, fisher=False, **k),
        lambda x, t, w, **k: pss.rolling_kurtosis_by(x, t, w, fisher=False, **k),
    ),
    TCase(
        "min",
        lambda w, **k: pss.RollingMin(w, **k),
        lambda x, t, w, **k: pss.rolling_min_by(x, t, w, **k),
        _pl("rolling_min_by"),
    ),
    TCase(
        "max",
        lambda w, **k: pss.RollingMax(w, **k),
        lambda x, t, w, **k: pss.rolling_max_by(x, t, w, **k),
        _pl("rolling_max_by"),
    ),
    TCase(
        "peak_to_peak",
        lambda w, **k: pss.RollingPeakToPeak(w, **k),
        lambda x, t, w, **k: pss.rolling_peak_to_peak_by(x, t, w, **k),
        lambda x, t, w, closed, min_samples: (
            x.rolling_max_by(t, w, closed=closed, min_samples=min_samples)
            - x.rolling_min_by(t, w, closed=closed, min_samples=min_samples)
        ),
    ),
    TCase(
        "abs_max",
        lambda w, **k: pss.RollingAbsMax(w, **k),
        lambda x, t, w, **k: pss.rolling_abs_max_by(x, t, w, **k),
        lambda x, t, w, closed, min_samples: x.abs().rolling_max_by(
            t, w, closed=closed, min_samples=min_samples
        ),
    ),
    TCase(
        "quantile-linear",
        lambda w, **k: pss.RollingQuantile(0.3, "linear", w, **k),
        lambda x, t, w, **k: pss.rolling_quantile_by(
            x, t, w, quantile=0.3, interpolation="linear", **k
        ),
        _pl("rolling_quantile_by", quantile=0.3, interpolation="linear"),
    ),
    TCase(
        "median",
        lambda w, **k: pss.RollingQuantile(0.5, "linear", w, **k),
        lambda x, t, w, **k: pss.rolling_median_by(x, t, w, **k),
        _pl("rolling_median_by"),
    ),
    TCase(
        "quantile-nearest",
        lambda w, **k: pss.RollingQuantile(0.9, window_size=w, **k),
        lambda x, t, w, **k: pss.rolling_quantile_by(x, t, w, quantile=0.9, **k),
        _pl("rolling_quantile_by", quantile=0.9),
    ),
    TCase(
        "iqr",
        lambda w, **k: pss.RollingIQR(w, **k),
        lambda x, t, w, **k: pss.rolling_iqr_by(x, t, w, **k),
        lambda x, t, w, closed, min_samples: (
            x.rolling_quantile_by(t, w, quantile=0.75, closed=closed, min_samples=min_samples)
            - x.rolling_quantile_by(t, w, quantile=0.25, closed=closed, min_samples=min_samples)
        ),
    ),
    TCase(
        "ewm_mean",
        lambda w, **k: pss.RollingEWMean(w, alpha=0.3, **k),
        lambda x, t, w, **k: pss.rolling_ewm_mean_by(x, t, w, alpha=0.3, **k),
    ),
]
CASE_IDS = [c.id for c in CASES]
SUMMED = {"mean", "var", "std-ddof0", "skew", "kurtosis", "ewm_mean"}


def data(n: int = 160, seed: int = 3, nulls: bool = True) -> tuple[list[float | None], list[int]]:
    """Values (nulls, a NaN, an outlier) and integer times with repeats and long gaps."""
    rng = np.random.default_rng(seed)
    steps = rng.choice([0, 0, 1, 1, 2, 3, 7, 40], size=n)
    steps[0] = 0
    times = (100 + np.cumsum(steps)).tolist()
    values: list[float | None] = [round(float(v), 3) for v in rng.normal(10.0, 3.0, size=n)]
    if nulls:
        for i in rng.choice(n, size=n // 8, replace=False):
            values[int(i)] = None
        values[n // 3] = 1e6
    return values, times


def as_datetimes(times: list[int]) -> list[datetime]:
    return [EPOCH + timedelta(seconds=t) for t in times]


def frame(values: list[float | None], times: Any) -> pl.DataFrame:
    return pl.DataFrame({"x": pl.Series(values, dtype=pl.Float64), "t": times})


def same(a: list[float | None], b: list[float | None]) -> bool:
    """Equal bit for bit, NaN equal to NaN."""
    return len(a) == len(b) and all(
        (x is None and y is None)
        or (x is not None and y is not None and (x == y or (math.isnan(x) and math.isnan(y))))
        for x, y in zip(a, b, strict=True)
    )


def close(a: list[float | None], b: list[float | None], rel: float = 1e-12) -> bool:
    return len(a) == len(b) and all(
        (x is None and y is None)
        or (
            x is not None
            and y is not None
            and (math.isclose(x, y, rel_tol=rel, abs_tol=1e-9) or (math.isnan(x) and math.isnan(y)))
        )
        for x, y in zip(a, b, strict=True)
    )


# Integer times with an 'i' window, and the same times as datetimes with the same width.
WINDOWS: list[tuple[str, str, Callable[[list[int]], Any]]] = [
    ("int", "5i", lambda ts: ts),
    ("datetime", "5s", as_datetimes),
    ("datetime-long", "1m", as_datetimes),
]
WINDOW_IDS = [w[0] for w in WINDOWS]


# ---- objects == the _by expressions == Polars --------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize(("kind", "window", "convert"), WINDOWS, ids=WINDOW_IDS)
def test_running_is_the_by_expression_bit_for_bit(
    case: TCase, closed: str, kind: str, window: str, convert: Callable[[list[int]], Any]
) -> None:
    values, times = data()
    ts = convert(times)
    for min_samples in (1, 3):
        obj = case.make(window, closed=closed, min_samples=min_samples)
        ours = obj.running(values, ts).to_list()
        expr = case.expr("x", "t", window, closed=closed, min_samples=min_samples)
        theirs = frame(values, ts).select(expr)["x"].to_list()
        assert same(ours, theirs), (case.id, closed, min_samples)
        assert any(v is not None for v in ours)


@pytest.mark.parametrize("case", [c for c in CASES if c.polars], ids=lambda c: c.id)
@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize(("kind", "window", "convert"), WINDOWS, ids=WINDOW_IDS)
def test_running_is_polars(
    case: TCase, closed: str, kind: str, window: str, convert: Callable[[list[int]], Any]
) -> None:
    # NaN-free data: Polars' rolling_*_by and ours may place a NaN differently in moments.
    values, times = data(seed=11)
    ts = convert(times)
    assert case.polars is not None
    for min_samples in (1, 2):
        ours = case.make(window, closed=closed, min_samples=min_samples).running(values, ts)
        expected = frame(values, ts).select(
            case.polars(pl.col("x"), "t", window, closed, min_samples)
        )["x"]
        if case.exact:
            assert same(ours.to_list(), expected.to_list()), (case.id, closed)
        else:
            assert close(ours.to_list(), expected.to_list()), (case.id, closed)


# ---- update row by row == update_many == running ---------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("closed", CLOSED)
def test_update_row_by_row_is_update_many(case: TCase, closed: str) -> None:
    values, times = data()
    ts = as_datetimes(times)
    one = case.make("5s", closed=closed)
    gets = []
    for x, t in zip(values, ts, strict=True):
        assert one.update(x, t) is one
        gets.append(one.get())
    many = case.make("5s", closed=closed)
    assert many.update_many(values, ts) is many
    assert same([one.get()], [many.get()])
    assert pickle.dumps(one) == pickle.dumps(many)
    # running: each row's output is the window after the last row of its time (rows with
    # equal times share one window), which is get() after that row (a null row of the
    # windowed EW mean outputs null, as rolling_ewm_mean_by).
    run = case.make("5s", closed=closed).running(values, ts).to_list()
    last_of_time = {t: i for i, t in enumerate(times)}
    expected = [gets[last_of_time[t]] for t in times]
    if case.id == "ewm_mean":
        expected = [None if x is None else y for x, y in zip(values, expected, strict=True)]
    # The sweep (`running`, the expressions) adds a time's first row, moves the window, then
    # adds the rest, as row-by-row updates do: the same sums, bit for bit.
    assert same(run, expected), case.id


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("closed", CLOSED)
def test_update_row_by_row_is_running_on_distinct_times(case: TCase, closed: str) -> None:
    values, times = data()
    times = [t * 1000 + i for i, t in enumerate(times)]  # strictly increasing
    one = case.make("5000i", closed=closed)
    gets = [one.update(x, t).get() for x, t in zip(values, times, strict=True)]
    run = case.make("5000i", closed=closed).running(values, times).to_list()
    if case.id == "ewm_mean":
        gets = [None if x is None else y for x, y in zip(values, gets, strict=True)]
    assert same(run, gets), case.id


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("closed", CLOSED)
def test_batches_are_one_shot(case: TCase, closed: str) -> None:
    values, times = data()
    ts = as_datetimes(times)
    whole = case.make("5s", closed=closed)
    expected = whole.running(values, ts).to_list()
    # Cut where the time changes (rows of one time in one batch share their window).
    cuts = [i for i in range(1, len(times)) if times[i] != times[i - 1]][::9]
    bounds = [0, *cuts, len(times)]
    parts = case.make("5s", closed=closed)
    got: list[float | None] = []
    for a, b in itertools.pairwise(bounds):
        got += parts.running(values[a:b], ts[a:b]).to_list()
    assert same(got, expected)
    assert same([parts.get()], [whole.get()])
    fed = case.make("5s", closed=closed)
    for a, b in itertools.pairwise(bounds):
        fed.update_many(values[a:b], ts[a:b])
    assert same([fed.get()], [whole.get()])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("closed", CLOSED)
def test_pickle_and_copy_mid_stream_continue(case: TCase, closed: str) -> None:
    values, times = data()
    ts = as_datetimes(times)
    expected = case.make("5s", closed=closed).running(values, ts).to_list()
    cut = next(i for i in range(80, len(times)) if times[i] != times[i - 1])
    obj = case.make("5s", closed=closed)
    head = obj.running(values[:cut], ts[:cut]).to_list()
    for restored in (pickle.loads(pickle.dumps(obj)), copy.copy(obj), copy.deepcopy(obj)):
        tail = restored.running(values[cut:], ts[cut:]).to_list()
        assert same(head + tail, expected)
    # A restored object keeps its last time: an earlier one is still refused.
    with pytest.raises(ValueError, match="time went backwards"):
        pickle.loads(pickle.dumps(obj)).update(1.0, ts[0])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_repr_and_options_rebuild(case: TCase) -> None:
    obj = case.make(timedelta(minutes=5), closed="both", min_samples=2)
    options = obj._options()
    assert options["window_size"] == "300000000us"
    assert options["closed"] == "both"
    assert options["min_samples"] == 2
    again = type(obj)(**options)
    assert again._options() == options
    assert "window_size='300000000us'" in repr(obj)
    assert "closed='both'" in repr(obj)
    assert "window_size='5m'" in repr(case.make("5m"))
    assert case.make("5m")._options()["min_samples"] == 1  # time-based default


# ---- times that go backwards -----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_earlier_time_raises_and_changes_nothing(case: TCase) -> None:
    values, times = data(n=40)
    ts = as_datetimes(times)
    obj = case.make("5s").update_many(values, ts)
    before = (obj.get(), pickle.dumps(obj))
    earlier = ts[-1] - timedelta(microseconds=1)
    with pytest.raises(ValueError, match=r"update: time went backwards: `t` \(2024-"):
        obj.update(5.0, earlier)
    with pytest.raises(ValueError, match=r"update_many: time went backwards"):
        obj.update_many([5.0, 6.0], [earlier, ts[-1]])
    with pytest.raises(ValueError, match=re.escape("`times` must not decrease: times[2]")):
        obj.update_many([5.0, 6.0, 7.0], [ts[-1], ts[-1] + timedelta(1), ts[-1]])
    with pytest.raises(ValueError, match=r"running: `times` must not decrease"):
        obj.running([5.0, 6.0], [ts[-1] + timedelta(1), ts[-1]])
    with pytest.raises(ValueError, match=r"running: time went backwards"):
        obj.running([5.0], [earlier])
    assert same([obj.get()], [before[0]])
    assert pickle.dumps(obj) == before[1]
    # The same time as the last one is fine.
    obj.update(5.0, ts[-1])


# ---- time inputs --------------------------------------------------------------------------


def test_every_kind_of_temporal_times_gives_the_same_numbers() -> None:
    values, times = data(n=60)
    dts = as_datetimes(times)
    ns = np.array([np.datetime64(d, "ns") for d in dts])
    expected = pss.RollingMean("5s").running(values, dts).to_list()
    utc = [d.replace(tzinfo=UTC) for d in dts]
    paris = [d.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris")) for d in dts]
    kinds: dict[str, Any] = {
        "tuple": tuple(dts),
        "numpy[ns]": ns,
        "numpy[us]": ns.astype("datetime64[us]"),
        "numpy[s]": ns.astype("datetime64[s]"),
        "numpy scalars": list(ns.astype("datetime64[ms]")),
        "polars[ns]": pl.Series(dts, dtype=pl.Datetime("ns")),
        "polars[ms]": pl.Series(dts, dtype=pl.Datetime("ms")),
        "polars[us, UTC]": pl.Series(dts).dt.replace_time_zone("UTC"),
        "polars[Paris]": pl.Series(dts)
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone("Europe/Paris"),
        "pyarrow[s]": pa.array(ns.astype("datetime64[s]")),
        "pyarrow[ns, tz]": pa.array(ns, type=pa.timestamp("ns", tz="Asia/Tokyo")),
        "aware utc": utc,
        "aware Paris": paris,
        "mixed": [dts[0], *ns[1:30], *utc[30:]],
    }
    for name, ts in kinds.items():
        got = pss.RollingMean("5s").running(values, ts).to_list()
        assert same(got, expected), name
        fed = pss.RollingMean("5s").update_many(values, ts).get()
        assert same([fed], [expected[-1]]), name
    one = pss.RollingMean("5s")
    for x, t in zip(values, paris, strict=True):
        one.update(x, t)
    assert same([one.get()], [expected[-1]])


def test_dates_are_midnight() -> None:
    days = [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 5)]
    got = pss.RollingMean("2d").running([1.0, 2.0, 4.0], days).to_list()
    assert got == [1.0, 1.5, 4.0]
    as_dt = [datetime(d.year, d.month, d.day) for d in days]
    assert pss.RollingMean("48h").running([1.0, 2.0, 4.0], as_dt).to_list() == got
    assert pss.RollingMean("2d").running([1.0, 2.0, 4.0], pl.Series(days)).to_list() == got
    assert pss.RollingMean("2d").running([1.0, 2.0, 4.0], pa.array(days)).to_list() == got
    obj = pss.RollingMean("2d").update(1.0, days[0]).update(2.0, np.datetime64("2024-01-02"))
    assert obj.get() == 1.5


def test_every_kind_of_integer_times_gives_the_same_numbers() -> None:
    values, times = data(n=60)
    expected = pss.RollingMax("5i").running(values, times).to_list()
    kinds: dict[str, Any] = {
        "tuple": tuple(times),
        "numpy int64": np.array(times),
        "numpy int32": np.array(times, dtype=np.int32),
        "numpy uint32": np.array(times, dtype=np.uint32),
        "numpy scalars": [np.int16(t) for t in times],
        "polars Int32": pl.Series(times, dtype=pl.Int32),
        "polars UInt64": pl.Series(times, dtype=pl.UInt64),
        "pyarrow": pa.array(times),
    }
    for name, ts in kinds.items():
        assert same(pss.RollingMax("5i").running(values, ts).to_list(), expected), name
    big = pss.RollingMax("5i").update(1.0, -(2**63)).update(2.0, 2**63 - 1)
    assert big.get() == 2.0


def test_nanoseconds_are_kept() -> None:
    t0 = np.datetime64("2024-01-01T00:00:00.000000001", "ns")
    obj = pss.RollingMean("2ns").update(1.0, t0).update(2.0, t0 + np.timedelta64(1, "ns"))
    assert obj.get() == 1.5
    assert obj.update(4.0, t0 + np.timedelta64(3, "ns")).get() == 4.0
    s = pl.Series([0, 1, 3], dtype=pl.Datetime("ns"))
    assert pss.RollingMean("2ns").running([1.0, 2.0, 4.0], s).to_list() == [1.0, 1.5, 4.0]


def test_values_of_every_kind() -> None:
    times = [0, 1, 2, 3]
    expected = [1.0, 1.5, 2.5, 3.5]
    for values in (
        [1, 2, 3, 4],
        np.array([1.0, 2.0, 3.0, 4.0]),
        pl.Series([1, 2, 3, 4], dtype=pl.Int32),
        pa.array([1.0, 2.0, 3.0, 4.0]),
    ):
        assert pss.RollingMean("2i").running(values, times).to_list() == expected
    out = pss.RollingMean("2i").running(pl.Series("v", [1.0, 2.0], dtype=pl.Float32), [0, 1])
    assert out.dtype == pl.Float32
    assert out.name == "v"


# ---- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "error", "message"),
    [
        ("1mo", ValueError, "`window_size` '1mo' has calendar units"),
        ("1q", ValueError, "calendar durations are not supported by objects"),
        ("1y2d", ValueError, "calendar durations are not supported by objects"),
        ("0s", ValueError, "`window_size` must be a positive duration (found '0s')"),
        ("0i", ValueError, "`window_size` must be a positive duration (found '0i')"),
        ("-5m", ValueError, "`window_size` must be a positive duration (found '-5m')"),
        ("5i3s", ValueError, "`window_size` '5i3s' mixes the integer unit 'i' with time units"),
        ("5 m", ValueError, "`window_size` is not a valid duration string ('5 m')"),
        ("5x", ValueError, "`window_size` is not a valid duration string ('5x')"),
        ("", ValueError, "`window_size` must be a positive duration"),
        ("9999999999999999999999h", ValueError, "is too long"),
        (timedelta(0), ValueError, "`window_size` must be a positive duration, got"),
        (timedelta(seconds=-1), ValueError, "`window_size` must be a positive duration, got"),
        (2.5, TypeError, "`window_size` must be an int (a number of rows) or a duration"),
    ],
)
def test_bad_durations(window: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        untyped.RollingMean(window)
    with pytest.raises(error, match=re.escape(message)):
        untyped.RollingQuantile(0.5, window_size=window)


def test_day_units_are_24_hours() -> None:
    assert pss.RollingMean("1d").running(
        [1.0, 2.0], [EPOCH, EPOCH + timedelta(hours=24)]
    ).to_list() == [1.0, 2.0]
    assert pss.RollingMean("1w").running(
        [1.0, 2.0], [EPOCH, EPOCH + timedelta(days=6, hours=23)]
    ).to_list() == [1.0, 1.5]


def test_day_units_with_a_time_zone_are_refused() -> None:
    paris = datetime(2024, 3, 31, 12, tzinfo=ZoneInfo("Europe/Paris"))
    with pytest.raises(ValueError, match=r"^`window_size`='1d' has day or week units"):
        pss.RollingMean("1d").update(1.0, paris)
    s = pl.Series([datetime(2024, 3, 31)]).dt.replace_time_zone("Europe/Paris")
    with pytest.raises(ValueError, match=r"^`window_size`='2w' has day or week units"):
        pss.RollingMean("2w").running([1.0], s)
    # Hours, UTC and fixed offsets are fine.
    assert pss.RollingMean("24h").update(1.0, paris).get() == 1.0
    utc = pl.Series([datetime(2024, 3, 31)]).dt.replace_time_zone("UTC")
    assert pss.RollingMean("1d").running([1.0], utc).to_list() == [1.0]
    fixed = datetime(2024, 3, 31, tzinfo=timezone(timedelta(hours=2)))
    assert pss.RollingMean("1d").update(1.0, fixed).get() == 1.0


def test_closed_with_a_row_window() -> None:
    assert pss.RollingMean(3, closed="right")._options() == pss.RollingMean(3)._options()
    with pytest.raises(ValueError, match=r"^`closed` \(found 'left'\) applies to a time window"):
        pss.RollingMean(3, closed="left")
    with pytest.raises(ValueError, match=r"^`closed` must be one of 'right', 'left'"):
        untyped.RollingMean("5m", closed="middle")
    with pytest.raises(TypeError, match=r"^`closed` must be one of .*, got int$"):
        untyped.RollingIQR("5m", closed=1)


def test_min_samples_of_a_time_window_has_no_bound() -> None:
    obj = pss.RollingMean("1s", min_samples=10)
    assert obj._options()["min_samples"] == 10
    assert obj.running([1.0] * 3, as_datetimes([0, 0, 0])).to_list() == [None] * 3
    assert pss.RollingMean("1s", min_samples=None)._options()["min_samples"] == 1
    assert pss.RollingEWMean("1s", alpha=0.5, min_samples=5)._options()["min_samples"] == 5


def test_time_or_no_time() -> None:
    rows = pss.RollingMean(3)
    with pytest.raises(TypeError, match=r"RollingMean.update: `t` is only for a time-based"):
        untyped.RollingMean(3).update(1.0, EPOCH)
    with pytest.raises(TypeError, match=r"update_many: `times` is only for a time-based"):
        rows.update_many([1.0], [EPOCH])
    with pytest.raises(TypeError, match=r"running: `times` is only for a time-based"):
        rows.running([1.0], [EPOCH])
    assert rows.update(1.0, None).get() is None  # None: no time, as omitted
    timed = pss.RollingMean("5m")
    with pytest.raises(TypeError, match=r"^RollingMean.update: `t` is required"):
        timed.update(1.0)
    with pytest.raises(TypeError, match=r"^RollingMean.update_many: `times` is required"):
        timed.update_many([1.0])
    with pytest.raises(TypeError, match=r"^RollingMean.running: `times` is required"):
        timed.running([1.0])


@pytest.mark.parametrize(
    ("window", "t", "error", "message"),
    [
        ("5m", None, ValueError, "`t` holds a null time"),
        ("5m", np.datetime64("NaT"), ValueError, "`t` holds a null time"),
        ("5m", 5, TypeError, "`t` must be a datetime.datetime, datetime.date or numpy.datetime64"),
        ("5m", 5.0, TypeError, "got float"),
        ("5m", "2024-01-01", TypeError, "got str"),
        ("5m", np.int64(3), TypeError, "got numpy.int64"),
        ("5i", EPOCH, TypeError, "`t` must be an int for window_size='5i'"),
        ("5i", date(2024, 1, 1), TypeError, "got datetime.date"),
        ("5i", 2.0, TypeError, "got float"),
        ("5i", True, TypeError, "got bool"),
        ("5i", 2**63, ValueError, "`t` must be an int in [-2**63, 2**63)"),
        ("5m", datetime(2300, 1, 1), ValueError, "out of the range of nanosecond timestamps"),
    ],
)
def test_bad_times(window: str, t: Any, error: type, message: str) -> None:
    obj = untyped.RollingMean(window)
    with pytest.raises(error, match=re.escape(message)):
        obj.update(1.0, t)
    assert obj.get() is None
    assert pickle.dumps(obj) == pickle.dumps(untyped.RollingMean(window))


@pytest.mark.parametrize(
    ("window", "times", "error", "message"),
    [
        ("5m", [EPOCH, None], ValueError, "`times[1]` holds a null time"),
        ("5m", pl.Series([EPOCH, None]), ValueError, "`times` holds a null time"),
        ("5m", np.array(["2024-01-01", "NaT"], dtype="datetime64[s]"), ValueError, "null time"),
        ("5i", pa.array([1, None]), ValueError, "`times` holds a null time"),
        ("5m", [1, 2], TypeError, "`times[0]` must be a datetime.datetime"),
        ("5m", pl.Series([1, 2]), TypeError, "`times` must hold datetimes or dates for"),
        ("5m", np.array([1.0, 2.0]), TypeError, "`times` must hold datetimes or dates"),
        ("5i", pl.Series([EPOCH, EPOCH]), TypeError, "`times` must hold integers for"),
        ("5i", np.array([1.0, 2.0]), TypeError, "got dtype f64"),
        ("5i", pl.Series(["a", "b"]), TypeError, "got dtype str"),
        ("5i", "ab", TypeError, "`times` must be a Polars Series, numpy array"),
        ("5i", pl.Series([2**63, 2**63 + 1], dtype=pl.UInt64), ValueError, "beyond 2**63 - 1"),
        ("5i", [1], ValueError, "`values` has 2 rows but `times` has 1"),
        ("5i", [1, 2, 3], ValueError, "`values` has 2 rows but `times` has 3"),
    ],
)
def test_bad_batches_of_times(window: str, times: Any, error: type, message: str) -> None:
    obj = untyped.RollingMean(window)
    for method in (obj.update_many, obj.running):
        with pytest.raises(error, match=re.escape(message)):
            method([1.0, 2.0], times)
    assert pickle.dumps(obj) == pickle.dumps(untyped.RollingMean(window))


def test_bad_values_with_times() -> None:
    with pytest.raises(TypeError, match=r"RollingMean.running: `values` must hold numbers"):
        pss.RollingMean("2i").running(pl.Series(["a"]), [1])


# ---- EWMean / EWVar / EWStd with a duration half_life ------------------------------------------


@dataclass(frozen=True)
class EwCase:
    id: str
    make: Callable[[Any], Any]  # half_life -> object
    expr: Callable[[str, str, Any], pl.Expr]  # (x, by, half_life) -> expression


EW_CASES = [
    EwCase(
        "mean",
        lambda h: pss.EWMean(half_life=h),
        lambda x, t, h: pss.ewm_mean_by(x, t, half_life=h),
    ),
    EwCase(
        "var", lambda h: pss.EWVar(half_life=h), lambda x, t, h: pss.ewm_var_by(x, t, half_life=h)
    ),
    EwCase(
        "var-biased",
        lambda h: pss.EWVar(half_life=h, bias=True),
        lambda x, t, h: pss.ewm_var_by(x, t, half_life=h, bias=True),
    ),
    EwCase(
        "std", lambda h: pss.EWStd(half_life=h), lambda x, t, h: pss.ewm_std_by(x, t, half_life=h)
    ),
]
EW_IDS = [c.id for c in EW_CASES]
EW_TIMES: list[tuple[str, str, Callable[[list[int]], Any]]] = [
    ("int", "4i", lambda ts: ts),
    ("datetime", "4s", as_datetimes),
    ("datetime-timedelta", "4s", lambda ts: pl.Series(as_datetimes(ts), dtype=pl.Datetime("ms"))),
]


def ew_reference(
    values: list[float | None], times: list[int], half_life: float, bias: bool
) -> tuple[list[float | None], list[float | None]]:
    """Mean and variance by the definition: weight of value i = its alpha times the
    ``1 - alpha`` of every later value (alpha = 1 - 0.5 ** (dt / half_life), dt from the
    previous value; the first value's alpha is 1); biased variance = sum w (x - mean)²,
    unbiased = biased / (1 - sum w²)."""
    means: list[float | None] = []
    variances: list[float | None] = []
    xs: list[float] = []
    ws: list[float] = []
    prev: int | None = None
    for x, t in zip(values, times, strict=True):
        if x is None:
            means.append(None)
            variances.append(None)
            continue
        a = 1.0 if prev is None else 1.0 - 0.5 ** ((t - prev) / half_life)
        ws = [w * (1.0 - a) for w in ws] + [a]
        xs.append(x)
        prev = t
        mean = sum(w * v for w, v in zip(ws, xs, strict=True))
        biased = sum(w * (v - mean) ** 2 for w, v in zip(ws, xs, strict=True))
        spread = 1.0 - sum(w * w for w in ws)
        means.append(mean)
        variances.append(biased if bias else (biased / spread if spread > 0 else None))
    return means, variances


@pytest.mark.parametrize("case", EW_CASES, ids=EW_IDS)
@pytest.mark.parametrize(("kind", "half_life", "convert"), EW_TIMES, ids=[k[0] for k in EW_TIMES])
def test_ew_running_is_the_by_expression(
    case: EwCase, kind: str, half_life: str, convert: Callable[[list[int]], Any]
) -> None:
    values, times = data()
    ts = convert(times)
    h: Any = timedelta(seconds=4) if kind == "datetime-timedelta" else half_life
    ours = case.make(h).running(values, ts).to_list()
    theirs = frame(values, ts).select(case.expr("x", "t", h))["x"].to_list()
    assert same(ours, theirs)
    assert sum(v is not None for v in ours) > 100


@pytest.mark.parametrize(("kind", "half_life", "convert"), EW_TIMES, ids=[k[0] for k in EW_TIMES])
def test_ew_mean_is_polars(kind: str, half_life: str, convert: Callable[[list[int]], Any]) -> None:
    values, times = data(seed=5)
    ts = convert(times)
    ours = pss.EWMean(half_life=half_life).running(values, ts).to_list()
    expected = frame(values, ts).select(pl.col("x").ewm_mean_by("t", half_life=half_life))
    assert same(ours, expected["x"].to_list())


@pytest.mark.parametrize("bias", [False, True])
def test_ew_var_and_std_are_the_definition(bias: bool) -> None:
    values, times = data(n=90, seed=8)
    values[90 // 3] = 12.0  # no outlier (data() puts 1e6 there): a plain relative tolerance
    means, variances = ew_reference(values, times, 4.0, bias)
    mean = pss.EWMean(half_life="4i").running(values, times).to_list()
    var = pss.EWVar(half_life="4i", bias=bias).running(values, times).to_list()
    std = pss.EWStd(half_life="4i", bias=bias).running(values, times).to_list()
    assert close(mean, means, rel=1e-12)
    assert close(var, variances, rel=1e-9)
    assert close(std, [None if v is None else math.sqrt(v) for v in variances], rel=1e-9)


@pytest.mark.parametrize("case", EW_CASES, ids=EW_IDS)
def test_ew_update_update_many_running_batches_pickle(case: EwCase) -> None:
    values, times = data()
    ts = as_datetimes(times)
    expected = case.make("4s").running(values, ts).to_list()
    one = case.make("4s")
    gets = [one.update(x, t).get() for x, t in zip(values, ts, strict=True)]
    # A row's output is the statistic after it (no shared window here); a null row outputs
    # null and leaves get() as it was.
    assert same(expected, [None if x is None else g for x, g in zip(values, gets, strict=True)])
    many = case.make("4s").update_many(values, ts)
    assert pickle.dumps(many) == pickle.dumps(one)
    cut = 70
    head = case.make("4s")
    first = head.running(values[:cut], ts[:cut]).to_list()
    for restored in (pickle.loads(pickle.dumps(head)), copy.deepcopy(head), head):
        assert same(first + restored.running(values[cut:], ts[cut:]).to_list(), expected)
    # Earlier times: refused, nothing changes.
    before = pickle.dumps(one)
    with pytest.raises(ValueError, match=r"update: time went backwards"):
        one.update(1.0, ts[0])
    with pytest.raises(ValueError, match=r"update_many: time went backwards"):
        one.update_many([1.0], [ts[0]])
    with pytest.raises(ValueError, match=r"running: `times` must not decrease"):
        one.running([1.0, 2.0], [ts[-1] + timedelta(1), ts[-1]])
    assert pickle.dumps(one) == before


def test_ew_options_repr_and_rules() -> None:
    e = pss.EWVar(half_life=timedelta(minutes=90), bias=True)
    assert e._options() == {"half_life": "5400000000us", "bias": True}
    assert untyped.EWVar(**e._options())._options() == e._options()
    assert repr(pss.EWMean(half_life="1h")) == "EWMean(half_life='1h', value=None)"
    # The row form is unchanged.
    assert pss.EWMean(half_life=2.0)._options()["adjust"] is True
    assert pss.EWMean(half_life=2.0).update(1.0).get() == 1.0
    # What the time form does may be restated; anything else names the option.
    assert pss.EWMean(half_life="1h", adjust=False, min_samples=1, ignore_nulls=True)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"alpha": 0.5}, "`alpha` cannot be combined with a duration half_life"),
        ({"com": 1.0}, "`com` cannot be combined"),
        ({"span": 3.0}, "`span` cannot be combined"),
        ({"adjust": True}, "`adjust=True` does not apply to a duration half_life"),
        ({"min_samples": 2}, "`min_samples` does not apply to a duration half_life"),
        ({"ignore_nulls": False}, "`ignore_nulls=False` does not apply"),
    ]
    for kwargs, name in cases:
        with pytest.raises(ValueError, match=re.escape(name)):
            untyped.EWStd(half_life="1h", **kwargs)
    with pytest.raises(ValueError, match=r"^`half_life` '1y' has calendar units"):
        pss.EWMean(half_life="1y")
    with pytest.raises(ValueError, match=r"^`half_life` must be a positive duration"):
        pss.EWMean(half_life="0s")
    with pytest.raises(TypeError, match=r"^`half_life` must be a float \(a decay per row\) or"):
        untyped.EWMean(half_life=b"1h")
    with pytest.raises(TypeError, match=r"`t` must be an int for half_life='5i'"):
        pss.EWMean(half_life="5i").update(1.0, EPOCH)
    with pytest.raises(TypeError, match=r"^EWMean.update: `t` is required"):
        pss.EWMean(half_life="5i").update(1.0)
    with pytest.raises(TypeError, match=r"^EWVar.update: `t` is only for a time-based"):
        pss.EWVar(alpha=0.5).update(1.0, 3)
    with pytest.raises(ValueError, match=r"^`half_life`='1d' has day or week units"):
        pss.EWMean(half_life="1d").update(1.0, datetime(2024, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo")))
