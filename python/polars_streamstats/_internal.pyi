"""Type stubs of the compiled extension (classes written in Rust with PyO3)."""

from collections.abc import Sequence
from typing import Any, Self

import polars as pl

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
