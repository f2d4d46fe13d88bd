"""Type stubs of the compiled extension (classes written in Rust with PyO3)."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Literal, Self, final

import polars as pl

__all__ = [
    "IQR",
    "AbsMax",
    "EWMean",
    "EWStd",
    "EWVar",
    "Kurtosis",
    "Max",
    "Mean",
    "Min",
    "PeakToPeak",
    "Quantile",
    "RollingAbsMax",
    "RollingEWMean",
    "RollingIQR",
    "RollingKurtosis",
    "RollingMax",
    "RollingMean",
    "RollingMin",
    "RollingPeakToPeak",
    "RollingQuantile",
    "RollingSkew",
    "RollingStd",
    "RollingVar",
    "Skew",
    "Std",
    "Var",
    "_Template",
    "_TrackerCore",
]

_Interpolation = Literal["nearest", "higher", "lower", "midpoint", "linear", "equiprobable"]
_Method = Literal["exact", "p2"]
_Values = pl.Series | Sequence[float | int | None] | Any  # numpy / pyarrow arrays too
_Closed = Literal["right", "left", "both", "none"]
_Window = int | str | timedelta  # rows, or a duration (time-based object)
_Time = int | date | Any  # datetime.datetime / date, numpy.datetime64, int ('i' durations)
_Times = pl.Series | Sequence[_Time] | Any  # numpy / pyarrow arrays too

class _Statistic:
    """The object protocol shared by every statistic (a typing aid: no runtime base class)."""

    def update(self, x: float | None, /) -> Self: ...
    def get(self) -> float | None: ...
    def update_many(self, values: _Values, /) -> Self: ...
    def running(self, values: _Values, /) -> pl.Series: ...
    def _options(self) -> dict[str, float | int | bool | str]: ...
    def __getstate__(self) -> bytes: ...
    def __setstate__(self, state: bytes) -> None: ...
    def __getnewargs_ex__(self) -> tuple[tuple[()], dict[str, float | int | bool | str]]: ...
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, memo: Any) -> Self: ...
    def merge(self, other: Self, /) -> Self: ...
    def __add__(self, other: Self, /) -> Self: ...
    def __iadd__(self, other: Self, /) -> Self: ...
    def _template(self) -> _Template: ...

class _Timed(_Statistic):
    """A statistic that is time-based when built with a duration (a typing aid)."""

    def update(self, x: float | None, t: _Time | None = None, /) -> Self: ...
    def update_many(self, values: _Values, times: _Times | None = None, /) -> Self: ...
    def running(self, values: _Values, times: _Times | None = None, /) -> pl.Series: ...

@final
class EWMean(_Timed):
    def __new__(
        cls,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | str | timedelta | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        min_samples: int = 1,
        ignore_nulls: bool = False,
    ) -> Self: ...

@final
class EWVar(_Timed):
    def __new__(
        cls,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | str | timedelta | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        bias: bool = False,
        min_samples: int = 1,
        ignore_nulls: bool = False,
    ) -> Self: ...

@final
class EWStd(_Timed):
    def __new__(
        cls,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | str | timedelta | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        bias: bool = False,
        min_samples: int = 1,
        ignore_nulls: bool = False,
    ) -> Self: ...

@final
class RollingEWMean(_Timed):
    def __new__(
        cls,
        window_size: _Window,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        min_samples: int = 1,
        closed: _Closed = "right",
    ) -> Self: ...

@final
class Quantile(_Statistic):
    def __new__(
        cls,
        quantile: float,
        interpolation: _Interpolation | None = None,
        *,
        method: _Method = "exact",
        min_samples: int = 1,
    ) -> Self: ...
    def revert(self, x: float, /) -> Self: ...

@final
class RollingQuantile(_Timed):
    def __new__(
        cls,
        quantile: float,
        interpolation: _Interpolation = "nearest",
        window_size: _Window = 2,
        *,
        min_samples: int | None = None,
        closed: _Closed = "right",
    ) -> Self: ...

@final
class IQR(_Statistic):
    def __new__(
        cls,
        *,
        q_inf: float = 0.25,
        q_sup: float = 0.75,
        interpolation: _Interpolation | None = None,
        method: _Method = "exact",
        min_samples: int = 1,
    ) -> Self: ...
    def revert(self, x: float, /) -> Self: ...

@final
class RollingIQR(_Timed):
    def __new__(
        cls,
        window_size: _Window,
        *,
        q_inf: float = 0.25,
        q_sup: float = 0.75,
        interpolation: _Interpolation = "nearest",
        min_samples: int | None = None,
        closed: _Closed = "right",
    ) -> Self: ...

class _Mergeable(_Statistic):
    """A cumulative statistic (a typing aid: no runtime base class)."""

class _Revertible(_Mergeable):
    def revert(self, x: float, /) -> Self: ...

@final
class Mean(_Revertible):
    def __new__(cls, *, min_samples: int = 1) -> Self: ...

@final
class Var(_Revertible):
    def __new__(cls, *, ddof: int = 1, min_samples: int = 1) -> Self: ...

@final
class Std(_Revertible):
    def __new__(cls, *, ddof: int = 1, min_samples: int = 1) -> Self: ...

@final
class Skew(_Revertible):
    def __new__(cls, *, bias: bool = True, min_samples: int = 1) -> Self: ...

@final
class Kurtosis(_Revertible):
    def __new__(cls, *, fisher: bool = True, bias: bool = True, min_samples: int = 1) -> Self: ...

@final
class Min(_Mergeable):
    def __new__(cls, *, min_samples: int = 1) -> Self: ...

@final
class Max(_Mergeable):
    def __new__(cls, *, min_samples: int = 1) -> Self: ...

@final
class PeakToPeak(_Mergeable):
    def __new__(cls, *, min_samples: int = 1) -> Self: ...

@final
class AbsMax(_Mergeable):
    def __new__(cls, *, min_samples: int = 1) -> Self: ...

@final
class RollingMean(_Timed):
    def __new__(
        cls, window_size: _Window, *, min_samples: int | None = None, closed: _Closed = "right"
    ) -> Self: ...

@final
class RollingVar(_Timed):
    def __new__(
        cls,
        window_size: _Window,
        *,
        min_samples: int | None = None,
        closed: _Closed = "right",
        ddof: int = 1,
    ) -> Self: ...

@final
class RollingStd(_Timed):
    def __new__(
        cls,
        window_size: _Window,
        *,
        min_samples: int | None = None,
        closed: _Closed = "right",
        ddof: int = 1,
    ) -> Self: ...

@final
class RollingSkew(_Timed):
    def __new__(
        cls,
        window_size: _Window,
        *,
        bias: bool = True,
        min_samples: int | None = None,
        closed: _Closed = "right",
    ) -> Self: ...

@final
class RollingKurtosis(_Timed):
    def __new__(
        cls,
        window_size: _Window,
        *,
        fisher: bool = True,
        bias: bool = True,
        min_samples: int | None = None,
        closed: _Closed = "right",
    ) -> Self: ...

@final
class RollingMin(_Timed):
    def __new__(
        cls, window_size: _Window, *, min_samples: int | None = None, closed: _Closed = "right"
    ) -> Self: ...

@final
class RollingMax(_Timed):
    def __new__(
        cls, window_size: _Window, *, min_samples: int | None = None, closed: _Closed = "right"
    ) -> Self: ...

@final
class RollingPeakToPeak(_Timed):
    def __new__(
        cls, window_size: _Window, *, min_samples: int | None = None, closed: _Closed = "right"
    ) -> Self: ...

@final
class RollingAbsMax(_Timed):
    def __new__(
        cls, window_size: _Window, *, min_samples: int | None = None, closed: _Closed = "right"
    ) -> Self: ...

@final
class _Template:
    """A statistic's state as a Tracker template (``obj._template()``)."""

    def describe(self) -> tuple[str, str]: ...
    def time_based(self) -> str | None: ...

@final
class _TrackerCore:
    """The Rust half of ``pss.Tracker``: one state per key and statistic."""

    def __new__(cls, templates: Sequence[_Template]) -> Self: ...
    def n_keys(self) -> int: ...
    def timed(self) -> bool: ...
    def update(
        self,
        ids: pl.Series,
        n_keys: int,
        columns: Sequence[pl.Series],
        names: Sequence[str],
        times: pl.Series | None,
        time_name: str,
        describe: Any,
    ) -> list[pl.Series]: ...
    def get(self, s: int, name: str) -> pl.Series: ...
    def retain(self, keep: Sequence[bool]) -> None: ...
    def merge(self, other: _TrackerCore, targets: Sequence[int], n_keys: int) -> None: ...
    def copy(self) -> _TrackerCore: ...
    def save(self) -> bytes: ...
    def load(self, bytes: bytes) -> None: ...
