"""Type stubs of the compiled extension (classes written in Rust with PyO3)."""

from collections.abc import Sequence
from typing import Any, Literal, Self

import polars as pl

_Interpolation = Literal["nearest", "higher", "lower", "midpoint", "linear", "equiprobable"]
_Method = Literal["exact", "p2"]
_Values = pl.Series | Sequence[float | int | None] | Any  # numpy / pyarrow arrays too

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

class EWMean(_Statistic):
    def __init__(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        min_samples: int = 1,
        ignore_nulls: bool = False,
    ) -> None: ...

class EWVar(_Statistic):
    def __init__(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        min_samples: int = 1,
        ignore_nulls: bool = False,
        bias: bool = False,
    ) -> None: ...

class EWStd(_Statistic):
    def __init__(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        min_samples: int = 1,
        ignore_nulls: bool = False,
        bias: bool = False,
    ) -> None: ...

class RollingEWMean(_Statistic):
    def __init__(
        self,
        *,
        window_size: int,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        min_samples: int = 1,
    ) -> None: ...

class Quantile(_Statistic):
    def __init__(
        self,
        q: float,
        *,
        interpolation: _Interpolation = "linear",
        method: _Method = "exact",
        min_samples: int = 1,
    ) -> None: ...
    def revert(self, x: float, /) -> Self: ...

class RollingQuantile(_Statistic):
    def __init__(
        self,
        q: float,
        *,
        window_size: int,
        interpolation: _Interpolation = "linear",
        min_samples: int | None = None,
    ) -> None: ...

class IQR(_Statistic):
    def __init__(
        self,
        *,
        q_inf: float = 0.25,
        q_sup: float = 0.75,
        interpolation: _Interpolation = "linear",
        method: _Method = "exact",
        min_samples: int = 1,
    ) -> None: ...
    def revert(self, x: float, /) -> Self: ...

class RollingIQR(_Statistic):
    def __init__(
        self,
        *,
        window_size: int,
        q_inf: float = 0.25,
        q_sup: float = 0.75,
        interpolation: _Interpolation = "linear",
        min_samples: int | None = None,
    ) -> None: ...

class _Mergeable(_Statistic):
    """A cumulative statistic whose state merges with another's of the same options."""

    def merge(self, other: Self, /) -> Self: ...
    def __add__(self, other: Self) -> Self: ...
    def __iadd__(self, other: Self) -> Self: ...

class _Revertible(_Mergeable):
    def revert(self, x: float, /) -> Self: ...

class Mean(_Revertible):
    def __init__(self, *, min_samples: int = 1) -> None: ...

class Var(_Revertible):
    def __init__(self, *, ddof: int = 1, min_samples: int = 1) -> None: ...

class Std(_Revertible):
    def __init__(self, *, ddof: int = 1, min_samples: int = 1) -> None: ...

class Skew(_Revertible):
    def __init__(self, *, bias: bool = True, min_samples: int = 1) -> None: ...

class Kurtosis(_Revertible):
    def __init__(self, *, fisher: bool = True, bias: bool = True, min_samples: int = 1) -> None: ...

class Min(_Mergeable):
    def __init__(self, *, min_samples: int = 1) -> None: ...

class Max(_Mergeable):
    def __init__(self, *, min_samples: int = 1) -> None: ...

class PeakToPeak(_Mergeable):
    def __init__(self, *, min_samples: int = 1) -> None: ...

class AbsMax(_Mergeable):
    def __init__(self, *, min_samples: int = 1) -> None: ...

class RollingMean(_Statistic):
    def __init__(self, *, window_size: int, min_samples: int | None = None) -> None: ...

class RollingVar(_Statistic):
    def __init__(
        self, *, window_size: int, ddof: int = 1, min_samples: int | None = None
    ) -> None: ...

class RollingStd(_Statistic):
    def __init__(
        self, *, window_size: int, ddof: int = 1, min_samples: int | None = None
    ) -> None: ...

class RollingSkew(_Statistic):
    def __init__(
        self, *, window_size: int, bias: bool = True, min_samples: int | None = None
    ) -> None: ...

class RollingKurtosis(_Statistic):
    def __init__(
        self,
        *,
        window_size: int,
        fisher: bool = True,
        bias: bool = True,
        min_samples: int | None = None,
    ) -> None: ...

class RollingMin(_Statistic):
    def __init__(self, *, window_size: int, min_samples: int | None = None) -> None: ...

class RollingMax(_Statistic):
    def __init__(self, *, window_size: int, min_samples: int | None = None) -> None: ...

class RollingPeakToPeak(_Statistic):
    def __init__(self, *, window_size: int, min_samples: int | None = None) -> None: ...

class RollingAbsMax(_Statistic):
    def __init__(self, *, window_size: int, min_samples: int | None = None) -> None: ...
