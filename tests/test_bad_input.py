"""Bad options and bad data: clear Python exceptions naming the culprit, never a panic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

import polars_streamstats as pss

FUNCTIONS: list[Callable[..., pl.Expr]] = [pss.ewm_mean, pss.ewm_var, pss.ewm_std]
CLASSES: list[Callable[..., Any]] = [pss.EWMean, pss.EWVar, pss.EWStd]


@pytest.mark.parametrize("build", [*FUNCTIONS, *CLASSES])
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one of `com`, `span`, `half_life` or `alpha`"),
        ({"alpha": 0.5, "span": 3}, "exactly one of"),
        ({"alpha": 0.0}, "`alpha` must be in \\(0, 1\\]"),
        ({"alpha": 1.5}, "`alpha` must be in"),
        ({"alpha": -0.1}, "`alpha` must be in"),
        ({"alpha": float("nan")}, "`alpha` must be in"),
        ({"com": -1.0}, "`com` must be >= 0"),
        ({"span": 0.5}, "`span` must be >= 1"),
        ({"half_life": 0.0}, "`half_life` must be > 0"),
        ({"alpha": 0.5, "min_samples": -1}, "`min_samples` must be >= 0"),
    ],
)
def test_invalid_options_raise_value_error_at_build_time(
    build: Callable[..., Any], kwargs: dict[str, Any], match: str
) -> None:
    args = ("x",) if build in FUNCTIONS else ()
    with pytest.raises(ValueError, match=match):
        build(*args, **kwargs)


@pytest.mark.parametrize("build", [pss.rolling_ewm_mean, pss.RollingEWMean])
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window_size": -3, "alpha": 0.5}, "`window_size` must be >= 0"),
        ({"window_size": 2**63, "alpha": 0.5}, "`window_size` must be < 2\\*\\*63"),
        ({"window_size": 2, "alpha": 0.5, "min_samples": 3}, "`min_samples` must be <="),
        ({"window_size": 3}, "exactly one of"),
        ({"window_size": 3, "alpha": 2.0}, "`alpha` must be in"),
        ({"window_size": 3, "alpha": 0.5, "min_samples": -2}, "`min_samples` must be >= 0"),
    ],
)
def test_rolling_invalid_options(
    build: Callable[..., Any], kwargs: dict[str, Any], match: str
) -> None:
    args = ("x",) if build is pss.rolling_ewm_mean else ()
    with pytest.raises(ValueError, match=match):
        build(*args, **kwargs)


@pytest.mark.parametrize("build", [*FUNCTIONS, *CLASSES])
def test_wrong_option_types_raise_type_error(build: Callable[..., Any]) -> None:
    args = ("x",) if build in FUNCTIONS else ()
    with pytest.raises(TypeError, match="alpha"):
        build(*args, alpha="0.5")
    with pytest.raises(TypeError, match="adjust"):
        build(*args, alpha=0.5, adjust="yes")
    with pytest.raises(TypeError, match="min_samples"):
        build(*args, alpha=0.5, min_samples=1.5)
    with pytest.raises(TypeError):
        build(*args, 0.5)  # options are keyword-only


def test_options_are_keyword_only_in_rolling() -> None:
    with pytest.raises(TypeError):
        pss.rolling_ewm_mean("x", 10, 0.5)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (["a", "b"], pl.String),
        ([[1.0], [2.0]], pl.List(pl.Float64)),
        ([{"a": 1.0}], pl.Struct({"a": pl.Float64})),
        ([b"x"], pl.Binary),
    ],
)
def test_non_numeric_column_gives_compute_error_naming_function(
    values: list[Any], dtype: pl.DataType
) -> None:
    df = pl.DataFrame({"x": pl.Series(values, dtype=dtype)})
    with pytest.raises(pl.exceptions.ComputeError, match=r"operation not supported for dtype"):
        df.select(pss.ewm_mean("x", alpha=0.5))
    with pytest.raises(pl.exceptions.ComputeError, match=r"operation not supported for dtype"):
        df.lazy().select(pss.ewm_var("x", alpha=0.5)).collect()


@pytest.mark.parametrize(
    "series",
    [
        pl.Series("x", ["2024-01-01"]).str.to_date(),
        pl.Series("x", ["a"], dtype=pl.Categorical),
        pl.Series("x", ["a"], dtype=pl.Enum(["a"])),
        pl.Series("x", [[1.0, 2.0]], dtype=pl.Array(pl.Float64, 2)),
    ],
)
def test_odd_dtypes_never_abort(series: pl.Series) -> None:
    with pytest.raises(pl.exceptions.PolarsError):
        pl.select(pss.ewm_mean(series, alpha=0.5))


@pytest.mark.parametrize("dtype", [pl.Decimal(10, 2), pl.Int128, pl.UInt8, pl.Int16])
def test_unusual_numeric_dtypes_work(dtype: pl.DataType) -> None:
    s = pl.Series("x", [1, 2, None, 4]).cast(dtype)
    out = pl.select(pss.ewm_mean(s, alpha=0.5)).to_series()
    assert out.dtype == pl.Float64
    assert out.to_list() == pl.Series([1.0, 2.0, None, 4.0]).ewm_mean(alpha=0.5).to_list()


def test_object_bad_values() -> None:
    m = pss.EWMean(alpha=0.5)
    with pytest.raises(TypeError, match="x"):
        m.update("1.0")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must hold numbers, got dtype str"):
        m.update_many(["a", "b"])
    with pytest.raises(TypeError, match="`values` must be"):
        m.update_many(3.0)
    with pytest.raises(TypeError, match="must hold numbers"):
        m.running(pl.Series(["a"]))
    assert m.get() is None  # nothing was consumed by the failed calls
