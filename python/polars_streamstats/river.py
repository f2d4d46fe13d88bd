"""River adapters: pss statistics as ``river.stats`` statistics.

Each class here is a ``river.stats.base.Univariate`` (``RollingUnivariate`` for the row
windows) that keeps a pss object and forwards ``update``/``get`` to it, so it goes wherever
River takes a statistic: ``feature_extraction.Agg(on, by, how=...)``, ``TargetAgg``,
``stats.Link`` (``stat_a | stat_b``), ``utils.Rolling``, ``clone()``, ``pickle``.
Install with ``pip install 'polars-streamstats[river]'``; importing this module without River
raises ``ImportError`` saying so.

Where River has the statistic, the class has River's name, River's parameters (names,
positions, defaults) and River's ``name`` (so ``Agg`` names its feature as River does), and
the pss options are chosen so that the numbers agree with River's:

- ``Mean()``, ``Var(ddof=1)``: ``pss.Mean()``, ``pss.Var(ddof=ddof)``; within 1e-12.
- ``Max()``, ``Min()``, ``AbsMax()``, ``PeakToPeak()``: the same pss class; bit for bit.
- ``Quantile(q=0.5)``, ``IQR(q_inf=0.25, q_sup=0.75)``: ``pss.Quantile(q, method="p2")``,
  ``pss.IQR(q_inf=q_inf, q_sup=q_sup, method="p2")`` (River's P² estimator); bit for bit.
  ``method="exact"`` gives the exact quantile instead.
- ``Skew(bias=False)``, ``Kurtosis(bias=False)``: ``pss.Skew(bias=bias)``,
  ``pss.Kurtosis(fisher=True, bias=bias)``; within 1e-12.
- ``EWMean(fading_factor=0.5)``: ``pss.EWMean(alpha=fading_factor, adjust=False)``;
  ``EWVar(fading_factor=0.5)``: ``pss.EWVar(alpha=fading_factor, adjust=False, bias=True)``;
  within 1e-12 (River's ``EWVar`` is ``E[x²] - E[x]²``, which loses digits when the mean is
  large against the spread; pss' is not).
- ``RollingQuantile(q, window_size)``, ``RollingIQR(window_size, q_inf=0.25, q_sup=0.75)``:
  ``pss.RollingQuantile(q, "linear", window_size, min_samples=1)``,
  ``pss.RollingIQR(window_size, ..., interpolation="linear", min_samples=1)``; bit for bit.
- ``RollingMax``, ``RollingMin``, ``RollingAbsMax``, ``RollingPeakToPeak(window_size)``:
  the same pss class with ``min_samples=1``; bit for bit.

Within 1e-12 means ``math.isclose(rel_tol=1e-12, abs_tol=1e-12)`` on standard normal data,
checked in ``tests/test_river.py``. The pss options River does not have (``min_samples``,
``method``, ``interpolation``, ``adjust``, ``fisher``, ``closed``, ...) are keyword-only
parameters after River's, with defaults that give River's numbers.

River's ``fading_factor`` is the weight of the newest value, i.e. pss' ``alpha``, and River's
exponentially weighted statistics are the recursive ones (``adjust=False``) with the biased
variance (``bias=True``); ``fading_factor`` must lie in ``(0, 1]`` (River also takes ``0``,
which keeps the first value forever). pss classes River does not have keep their pss name:
``Std(ddof=1)``, ``EWStd(fading_factor=0.5, ...)`` (the square root of ``EWVar``),
``RollingMean``, ``RollingVar``/``RollingStd(window_size, ddof=1)``,
``RollingSkew``/``RollingKurtosis(window_size, bias=False)`` (River's ``bias`` default, as
``Skew`` here) and ``RollingEWMean(window_size, fading_factor=0.5)``. ``RollingMean`` and
``RollingVar`` equal River's ``utils.Rolling(stats.Mean, window_size=n)`` /
``utils.Rolling(stats.Var, window_size=n)`` to 1e-12 (River subtracts the values that leave;
pss recomputes the window exactly). The rolling adapters output while the window fills, as
River's do (``min_samples=1`` by default); a duration ``window_size`` (``"5m"``) makes a time
window, fed by ``Agg.learn_one(x, t=...)``.

What differs from River's own classes, where the definitions differ:

- Before enough values ``get()`` is ``None`` (pss' definition), where River returns a
  placeholder: ``0.0`` for ``Mean``, ``Var``, ``Skew``, ``AbsMax``, ``PeakToPeak``,
  ``EWMean``, ``EWVar``, ``-inf``/``inf`` for ``Max``/``Min``, ``-3.0`` for ``Kurtosis``;
  River's ``Var`` gives ``0.0`` while ``n <= ddof`` and its ``Skew``/``Kurtosis`` give the
  biased numbers below 3/4 values, which pss leaves undefined (``None``, or NaN for one value
  with ``bias=True``, as Polars). From there on the numbers agree (see the list above).
- ``update(None)`` is a missing value, as for every pss object (ignored by the cumulative
  statistics; a window slot in the rolling ones); River's own statistics raise ``TypeError``.
- NaN is a value and propagates (the NaN rules of the pss object); River's ``Max``/``Min``
  skip a NaN (its comparisons are false), and its P² ``Quantile`` keeps giving numbers.
- There are no weights (``update(x, w)``).

Every adapter also has ``revert(x)`` where the pss object has it (``Mean``, ``Var``, ``Std``,
``Skew``, ``Kurtosis``, and ``Quantile``/``IQR`` with ``method="exact"``), so it works inside
``utils.Rolling``; ``a + b`` and ``a += b`` merge two adapters of the same class and
parameters through pss' ordered merge (``b`` holds the later part of the stream; P² cannot
merge); ``.pss`` is the wrapped object (feed it batches with ``update_many``).

Examples
--------
>>> from river import feature_extraction
>>> from polars_streamstats import river as pss_river
>>> agg = feature_extraction.Agg(on="price", by="shop", how=pss_river.Quantile(0.5))
>>> for x in [{"shop": "a", "price": 3.0}, {"shop": "b", "price": 10.0},
...           {"shop": "a", "price": 1.0}, {"shop": "a", "price": 2.0}]:
...     agg.learn_one(x)
>>> agg.transform_one({"shop": "a"})
{'price_quantile_by_shop': 2.0}
>>> agg.clone().transform_one({"shop": "a"})  # fresh state, same parameters
{'price_quantile_by_shop': None}
"""

from __future__ import annotations

import copy
import datetime as _dt
from typing import Any, ClassVar, Literal

import polars_streamstats as _pss

try:
    from river.stats.base import RollingUnivariate, Univariate
except ImportError as _err:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "polars_streamstats.river needs River: install it with "
        "`pip install 'polars-streamstats[river]'`"
    ) from _err

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
]

_Window = int | str | _dt.timedelta
_Closed = Literal["right", "left", "both", "none"]
_Interpolation = Literal["nearest", "higher", "lower", "midpoint", "linear", "equiprobable"]
_Method = Literal["exact", "p2"]
_PSS_NAME = {"q": "quantile"}  # River's parameter names pss spells differently


def _fading(fading_factor: float) -> float:
    """Check River's ``fading_factor`` (pss' ``alpha``) and return it."""
    if isinstance(fading_factor, bool) or not isinstance(fading_factor, int | float):
        raise TypeError(f"`fading_factor` must be a float, got {type(fading_factor).__name__}")
    if not 0.0 < fading_factor <= 1.0:
        raise ValueError(f"`fading_factor` must be in (0, 1] (found {fading_factor!r})")
    return float(fading_factor)


def _renamed(make: Any, *args: Any, **kwargs: Any) -> Any:
    """Build a pss object; an error about ``quantile`` names River's ``q``."""
    try:
        return make(*args, **kwargs)
    except (TypeError, ValueError) as err:
        raise type(err)(str(err).replace("`quantile`", "`q`")) from None


class _Adapter(Univariate):
    """The shared half of every adapter: a pss object behind River's protocol."""

    _stat: Any
    _pss_class: ClassVar[Any]  # the pss class each concrete adapter wraps
    min_samples: int

    def _setup(self, params: dict[str, Any]) -> None:
        """Keep each parameter as an attribute and build the pss object from them.

        ``params`` is the ``__init__``'s ``locals()``, taken first thing so that it holds
        only the parameters (River's ``clone`` reads them back by name). Each is passed to
        ``_pss_class`` by keyword, under pss' name (``fading_factor`` is ``alpha``, checked;
        ``q`` is ``quantile``).
        """
        kwargs: dict[str, Any] = {}
        for key, value in params.items():
            if key == "self":
                continue
            setattr(self, "_window_size" if key == "window_size" else key, value)
            if key == "fading_factor":
                kwargs["alpha"] = _fading(value)
            else:
                kwargs[_PSS_NAME.get(key, key)] = value
        self._stat = _renamed(self._pss_class, **kwargs)
        self._bind()

    # River calls ``update`` and ``get`` once per value: the object's own methods, bound as
    # instance attributes, save a Python frame each (about 70 ns of 130). The bound methods
    # stay out of pickles and copies (they would point at the original's state).
    _BOUND = ("update", "get")

    def _bind(self) -> None:
        self.__dict__["update"] = self._stat._push
        self.__dict__["get"] = self._stat.get

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._BOUND}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._bind()

    def update(self, x: float | None, t: Any = None) -> None:
        """Add one value (``None`` is a missing value); ``t`` is its time (time windows)."""
        if t is None:
            self._stat.update(x)
        else:
            self._stat.update(x, t)

    def get(self) -> float | None:
        """The current value of the statistic (``None`` before enough values)."""
        value: float | None = self._stat.get()
        return value

    @property
    def pss(self) -> Any:
        """The wrapped pss object (its state is this adapter's state)."""
        return self._stat

    def _check_other(self, other: object) -> _Adapter:
        if type(other) is not type(self):
            raise TypeError(
                f"cannot merge {type(self).__name__} with {type(other).__name__}: "
                "both must be the same adapter class"
            )
        assert isinstance(other, _Adapter)
        return other

    def __iadd__(self, other: object) -> Any:
        """Merge ``other`` (the later part of the stream) into this adapter."""
        self._stat.merge(self._check_other(other)._stat)
        return self

    def __add__(self, other: object) -> Any:
        """The merge of this adapter's stream and then ``other``'s, as a new adapter."""
        other_adapter = self._check_other(other)
        result = copy.deepcopy(self)
        result._stat.merge(other_adapter._stat)
        return result


class _Revertible(_Adapter):
    def revert(self, x: float) -> None:
        """Take out a value added earlier (``utils.Rolling`` calls this)."""
        self._stat.revert(x)


class _Rolling(_Adapter, RollingUnivariate):
    """A window of the last ``window_size`` rows, or of a duration (time window)."""

    closed: _Closed

    _window_size: _Window

    @property
    def window_size(self) -> _Window:  # type: ignore[override]  # River: int; a duration too
        """The size of the window: rows, or a duration for a time window."""
        return self._window_size

    def __init__(
        self, window_size: _Window, *, min_samples: int = 1, closed: _Closed = "right"
    ) -> None:
        self._setup(locals())


class _RollingDdof(_Rolling):
    """A window statistic with ``ddof`` (``RollingVar``, ``RollingStd``)."""

    ddof: int

    def __init__(
        self,
        window_size: _Window,
        ddof: int = 1,
        *,
        min_samples: int = 1,
        closed: _Closed = "right",
    ) -> None:
        self._setup(locals())


class _Cumulative(_Adapter):
    """A statistic of the whole stream whose only option is ``min_samples``."""

    def __init__(self, *, min_samples: int = 1) -> None:
        self._setup(locals())


class _CumulativeDdof(_Adapter):
    """A moment of the whole stream with ``ddof`` (``Var``, ``Std``)."""

    ddof: int

    def __init__(self, ddof: int = 1, *, min_samples: int = 1) -> None:
        self._setup(locals())


class _EW(_Adapter):
    """An exponentially weighted statistic: River's name is ``<prefix>_<fading_factor>``."""

    _name_prefix: ClassVar[str]
    fading_factor: float
    adjust: bool
    ignore_nulls: bool

    @property
    def name(self) -> str:
        """River's name of the statistic (``Agg`` uses it in the feature's name)."""
        return f"{self._name_prefix}_{self.fading_factor}"


class _EWBiased(_EW):
    """An exponentially weighted moment with ``bias`` (``EWVar``, ``EWStd``)."""

    bias: bool

    def __init__(
        self,
        fading_factor: float = 0.5,
        *,
        adjust: bool = False,
        bias: bool = True,
        ignore_nulls: bool = False,
        min_samples: int = 1,
    ) -> None:
        self._setup(locals())


# ----------------------------------------------------------------------------- cumulative


class Mean(_Revertible, _Cumulative):
    """Running mean (River's ``stats.Mean``), computed by ``pss.Mean``.

    Parameters
    ----------
    min_samples
        Values needed for a result (pss option; River has none).

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.Mean()
    >>> for x in [1.0, 3.0, 8.0]:
    ...     m.update(x)
    >>> m.get(), m.name
    (4.0, 'mean')
    """

    _pss_class = _pss.Mean


class Var(_Revertible, _CumulativeDdof):
    """Running variance (River's ``stats.Var``), computed by ``pss.Var`` (Welford/Chan).

    Parameters
    ----------
    ddof
        Delta degrees of freedom: the divisor is ``n - ddof`` (``None`` while ``n <= ddof``;
        River gives ``0.0`` there).
    min_samples
        Values needed for a result (pss option).

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> v = pss_river.Var()
    >>> for x in [2.0, 4.0, 9.0]:
    ...     v.update(x)
    >>> v.get()
    13.0
    """

    _pss_class = _pss.Var


class Std(_Revertible, _CumulativeDdof):
    """Running standard deviation, computed by ``pss.Std`` (River has no ``stats.Std``).

    Parameters
    ----------
    ddof
        Delta degrees of freedom, as ``Var``.
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> s = pss_river.Std(ddof=0)
    >>> for x in [2.0, 4.0]:
    ...     s.update(x)
    >>> s.get(), s.name
    (1.0, 'std')
    """

    _pss_class = _pss.Std


class Skew(_Revertible):
    """Running skewness (River's ``stats.Skew``), computed by ``pss.Skew``.

    Parameters
    ----------
    bias
        ``False`` (River's default) corrects for statistical bias (``None`` below 3 values);
        ``True`` is the biased (population) skewness.
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> s = pss_river.Skew(bias=True)
    >>> for x in [0.0, 0.0, 3.0]:
    ...     s.update(x)
    >>> round(s.get(), 12)
    0.707106781187
    """

    _pss_class = _pss.Skew
    bias: bool

    def __init__(self, bias: bool = False, *, min_samples: int = 1) -> None:
        self._setup(locals())


class Kurtosis(_Revertible):
    """Running kurtosis (River's ``stats.Kurtosis``), computed by ``pss.Kurtosis``.

    Parameters
    ----------
    bias
        ``False`` (River's default) corrects for statistical bias (``None`` below 4 values).
    fisher
        ``True`` (River's only form) gives the excess kurtosis; ``False`` adds 3.
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> k = pss_river.Kurtosis(bias=True)
    >>> for x in [1.0, 2.0, 3.0, 4.0]:
    ...     k.update(x)
    >>> round(k.get(), 12)
    -1.36
    """

    _pss_class = _pss.Kurtosis
    bias: bool
    fisher: bool

    def __init__(self, bias: bool = False, *, fisher: bool = True, min_samples: int = 1) -> None:
        self._setup(locals())


class Max(_Cumulative):
    """Running maximum (River's ``stats.Max``), computed by ``pss.Max``.

    Parameters
    ----------
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.Max()
    >>> for x in [1.0, 5.0, 2.0]:
    ...     m.update(x)
    >>> m.get()
    5.0
    """

    _pss_class = _pss.Max


class Min(_Cumulative):
    """Running minimum (River's ``stats.Min``), computed by ``pss.Min``.

    Parameters
    ----------
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.Min()
    >>> for x in [1.0, 5.0, -2.0]:
    ...     m.update(x)
    >>> m.get()
    -2.0
    """

    _pss_class = _pss.Min


class AbsMax(_Cumulative):
    """Running absolute maximum (River's ``stats.AbsMax``), computed by ``pss.AbsMax``.

    Parameters
    ----------
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.AbsMax()
    >>> for x in [1.0, -5.0, 2.0]:
    ...     m.update(x)
    >>> m.get(), m.name
    (5.0, 'absmax')
    """

    _pss_class = _pss.AbsMax


class PeakToPeak(_Cumulative):
    """Running peak to peak, ``max - min`` (River's ``stats.PeakToPeak``), by ``pss.PeakToPeak``.

    Parameters
    ----------
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> p = pss_river.PeakToPeak()
    >>> for x in [1.0, -5.0, 2.0]:
    ...     p.update(x)
    >>> p.get(), p.name
    (7.0, 'ptp')
    """

    _pss_class = _pss.PeakToPeak

    @property
    def name(self) -> str:
        """River's name of the statistic (``Agg`` uses it in the feature's name)."""
        return "ptp"


class Quantile(_Revertible):
    """Running quantile (River's ``stats.Quantile``), computed by ``pss.Quantile``.

    With the default ``method="p2"`` this is River's P² estimator, bit for bit (it keeps
    five markers, cannot merge or revert); ``method="exact"`` keeps every value and gives the
    exact quantile (it merges and reverts).

    Parameters
    ----------
    q
        The quantile, in ``[0, 1]`` (River's P² takes ``(0, 1)``).
    method
        ``"p2"`` (River's) or ``"exact"``.
    interpolation
        With ``method="exact"``: as ``pss.Quantile`` (``None`` is ``"nearest"``; ``"linear"``
        is numpy's default). Must be ``None`` with ``"p2"``.
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> q = pss_river.Quantile(0.5)
    >>> for x in [5.0, 1.0, 4.0, 2.0, 3.0]:
    ...     q.update(x)
    >>> q.get()
    3.0
    >>> exact = pss_river.Quantile(0.5, method="exact", interpolation="linear")
    >>> for x in [5.0, 1.0, 4.0, 2.0]:
    ...     exact.update(x)
    >>> exact.get()
    3.0
    """

    _pss_class = _pss.Quantile
    q: float
    method: _Method
    interpolation: _Interpolation | None

    def __init__(
        self,
        q: float = 0.5,
        *,
        method: _Method = "p2",
        interpolation: _Interpolation | None = None,
        min_samples: int = 1,
    ) -> None:
        self._setup(locals())


class IQR(_Revertible):
    """Running interquartile range (River's ``stats.IQR``), computed by ``pss.IQR``.

    ``quantile(q_sup) - quantile(q_inf)``; with the default ``method="p2"`` these are River's
    two P² estimators, bit for bit.

    Parameters
    ----------
    q_inf, q_sup
        The lower and upper quantiles.
    method
        ``"p2"`` (River's) or ``"exact"``.
    interpolation
        With ``method="exact"``, as ``Quantile``.
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> iqr = pss_river.IQR()
    >>> for x in [5.0, 1.0, 4.0, 2.0, 3.0]:
    ...     iqr.update(x)
    >>> iqr.get(), iqr.name
    (2.0, 'IQR_0.25_0.75')
    """

    _pss_class = _pss.IQR
    q_inf: float
    q_sup: float
    method: _Method
    interpolation: _Interpolation | None

    def __init__(
        self,
        q_inf: float = 0.25,
        q_sup: float = 0.75,
        *,
        method: _Method = "p2",
        interpolation: _Interpolation | None = None,
        min_samples: int = 1,
    ) -> None:
        self._setup(locals())

    @property
    def name(self) -> str:
        """River's name of the statistic (``Agg`` uses it in the feature's name)."""
        return f"{type(self).__name__}_{self.q_inf}_{self.q_sup}"


# ------------------------------------------------------------------- exponentially weighted


class EWMean(_EW):
    """Exponentially weighted mean (River's ``stats.EWMean``), computed by ``pss.EWMean``.

    River's recursion ``m = fading_factor * x + (1 - fading_factor) * m`` (from the first
    value) is ``pss.EWMean(alpha=fading_factor, adjust=False)``.

    Parameters
    ----------
    fading_factor
        The weight of the newest value (pss' ``alpha``), in ``(0, 1]``.
    adjust
        ``False`` is River's recursion; ``True`` normalises the weights (pandas/Polars'
        default).
    ignore_nulls
        As pss: whether a ``None`` ages the older values (``False``) or not.
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.EWMean(fading_factor=0.5)
    >>> for x in [1.0, 3.0, 5.0]:
    ...     m.update(x)
    >>> m.get(), m.name
    (3.5, 'ewm_0.5')
    """

    _pss_class = _pss.EWMean
    _name_prefix = "ewm"

    def __init__(
        self,
        fading_factor: float = 0.5,
        *,
        adjust: bool = False,
        ignore_nulls: bool = False,
        min_samples: int = 1,
    ) -> None:
        self._setup(locals())


class EWVar(_EWBiased):
    """Exponentially weighted variance (River's ``stats.EWVar``), computed by ``pss.EWVar``.

    River's ``EWMean(x²) - EWMean(x)²`` is, exactly in arithmetic, the biased variance of
    the recursive weights: ``pss.EWVar(alpha=fading_factor, adjust=False, bias=True)``, which
    pss computes with West's update (no cancellation).

    Parameters
    ----------
    fading_factor
        The weight of the newest value (pss' ``alpha``), in ``(0, 1]``.
    adjust, bias
        ``False``/``True`` are River's; ``bias=False`` is the unbiased form (Polars' default).
    ignore_nulls
        As pss.
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> v = pss_river.EWVar(fading_factor=0.5)
    >>> for x in [1.0, 3.0, 5.0]:
    ...     v.update(x)
    >>> v.get(), v.name
    (2.75, 'ewv_0.5')
    """

    _pss_class = _pss.EWVar
    _name_prefix = "ewv"


class EWStd(_EWBiased):
    """Exponentially weighted standard deviation: the square root of ``EWVar``.

    River has no ``EWStd``; this takes ``EWVar``'s parameters and wraps ``pss.EWStd``.

    Parameters
    ----------
    fading_factor
        The weight of the newest value (pss' ``alpha``), in ``(0, 1]``.
    adjust, bias
        As ``EWVar``.
    ignore_nulls
        As pss.
    min_samples
        Values needed for a result.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> s = pss_river.EWStd(fading_factor=0.5)
    >>> for x in [1.0, 3.0]:
    ...     s.update(x)
    >>> s.get(), s.name
    (1.0, 'ewstd_0.5')
    """

    _pss_class = _pss.EWStd
    _name_prefix = "ewstd"


# --------------------------------------------------------------------------------- windows


class RollingMean(_Rolling):
    """Mean over a window, computed by ``pss.RollingMean`` (River: ``utils.Rolling(stats.Mean)``).

    Parameters
    ----------
    window_size
        Rows, or a duration (``"5m"``, a ``timedelta``) for a time window, fed with
        ``update(x, t)`` (``Agg.learn_one(x, t=t)``).
    min_samples
        Non-null values needed for a result; ``1`` (the default) outputs while the window
        fills, as River.
    closed
        Which ends a time window includes (pss' option).

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.RollingMean(2)
    >>> for x in [1.0, 3.0, 8.0]:
    ...     m.update(x)
    >>> m.get(), m.name
    (5.5, 'rollingmean_2')
    """

    _pss_class = _pss.RollingMean


class RollingVar(_RollingDdof):
    """Variance over a window, computed by ``pss.RollingVar`` (River: ``utils.Rolling(stats.Var)``).

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    ddof
        Delta degrees of freedom.
    min_samples
        Non-null values needed for a result (``1``: output while the window fills).
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> v = pss_river.RollingVar(3)
    >>> for x in [100.0, 2.0, 4.0, 9.0]:
    ...     v.update(x)
    >>> v.get()
    13.0
    """

    _pss_class = _pss.RollingVar


class RollingStd(_RollingDdof):
    """Standard deviation over a window, computed by ``pss.RollingStd``.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    ddof
        Delta degrees of freedom.
    min_samples
        Non-null values needed for a result (``1``: output while the window fills).
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> s = pss_river.RollingStd(2, ddof=0)
    >>> for x in [100.0, 2.0, 4.0]:
    ...     s.update(x)
    >>> s.get()
    1.0
    """

    _pss_class = _pss.RollingStd


class RollingSkew(_Rolling):
    """Skewness over a window, computed by ``pss.RollingSkew``.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    bias
        ``False`` (River's ``Skew`` default, as ``Skew`` here; Polars' is ``True``) corrects
        for statistical bias.
    min_samples
        Non-null values needed for a result.
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> s = pss_river.RollingSkew(3, bias=True)
    >>> for x in [100.0, 0.0, 0.0, 3.0]:
    ...     s.update(x)
    >>> round(s.get(), 12)
    0.707106781187
    """

    _pss_class = _pss.RollingSkew
    bias: bool

    def __init__(
        self,
        window_size: _Window,
        bias: bool = False,
        *,
        min_samples: int = 1,
        closed: _Closed = "right",
    ) -> None:
        self._setup(locals())


class RollingKurtosis(_Rolling):
    """Kurtosis over a window, computed by ``pss.RollingKurtosis``.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    bias
        ``False`` (River's ``Kurtosis`` default, as ``Kurtosis`` here) corrects for bias.
    fisher
        ``True`` gives the excess kurtosis.
    min_samples
        Non-null values needed for a result.
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> k = pss_river.RollingKurtosis(4, bias=True)
    >>> for x in [100.0, 1.0, 2.0, 3.0, 4.0]:
    ...     k.update(x)
    >>> round(k.get(), 12)
    -1.36
    """

    _pss_class = _pss.RollingKurtosis
    bias: bool
    fisher: bool

    def __init__(
        self,
        window_size: _Window,
        bias: bool = False,
        *,
        fisher: bool = True,
        min_samples: int = 1,
        closed: _Closed = "right",
    ) -> None:
        self._setup(locals())


class RollingEWMean(_Rolling):
    """Exponentially weighted mean of the last ``window_size`` rows (``pss.RollingEWMean``).

    The value ``k`` rows back weighs ``(1 - fading_factor)^k``, normalised over the window's
    values; River has no such statistic.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    fading_factor
        The weight decay (pss' ``alpha``), in ``(0, 1]``.
    min_samples
        Non-null values needed for a result.
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.RollingEWMean(2, fading_factor=0.5)
    >>> for x in [100.0, 1.0, 4.0]:
    ...     m.update(x)
    >>> m.get()
    3.0
    """

    _pss_class = _pss.RollingEWMean
    fading_factor: float

    def __init__(
        self,
        window_size: _Window,
        fading_factor: float = 0.5,
        *,
        min_samples: int = 1,
        closed: _Closed = "right",
    ) -> None:
        self._setup(locals())


class RollingQuantile(_Rolling):
    """Quantile over a window (River's ``stats.RollingQuantile``), by ``pss.RollingQuantile``.

    River interpolates linearly between the two nearest order statistics and outputs while
    the window fills: ``pss.RollingQuantile(q, "linear", window_size, min_samples=1)``, bit
    for bit.

    Parameters
    ----------
    q
        The quantile, in ``[0, 1]``.
    window_size
        Rows, or a duration for a time window.
    interpolation
        ``"linear"`` (River's) or any of pss' (``"nearest"`` is Polars' default).
    min_samples
        Non-null values needed for a result (``1``: output while the window fills).
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> q = pss_river.RollingQuantile(0.5, window_size=4)
    >>> for x in [100.0, 1.0, 4.0, 2.0, 3.0]:
    ...     q.update(x)
    >>> q.get(), q.name
    (2.5, 'rollingquantile_4')
    """

    _pss_class = _pss.RollingQuantile
    q: float
    interpolation: _Interpolation

    def __init__(
        self,
        q: float,
        window_size: _Window,
        *,
        interpolation: _Interpolation = "linear",
        min_samples: int = 1,
        closed: _Closed = "right",
    ) -> None:
        self._setup(locals())


class RollingIQR(_Rolling):
    """Interquartile range over a window (River's ``stats.RollingIQR``), by ``pss.RollingIQR``.

    Both quantiles of one window, interpolated linearly as River's: bit for bit.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    q_inf, q_sup
        The lower and upper quantiles.
    interpolation
        ``"linear"`` (River's) or any of pss'.
    min_samples
        Non-null values needed for a result (``1``: output while the window fills).
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> iqr = pss_river.RollingIQR(5)
    >>> for x in [100.0, 5.0, 1.0, 4.0, 2.0, 3.0]:
    ...     iqr.update(x)
    >>> iqr.get(), iqr.name
    (2.0, 'rollingiqr_5')
    """

    _pss_class = _pss.RollingIQR
    q_inf: float
    q_sup: float
    interpolation: _Interpolation

    def __init__(
        self,
        window_size: _Window,
        q_inf: float = 0.25,
        q_sup: float = 0.75,
        *,
        interpolation: _Interpolation = "linear",
        min_samples: int = 1,
        closed: _Closed = "right",
    ) -> None:
        self._setup(locals())


class RollingMax(_Rolling):
    """Maximum over a window (River's ``stats.RollingMax``), computed by ``pss.RollingMax``.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    min_samples
        Non-null values needed for a result (``1``: output while the window fills).
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.RollingMax(2)
    >>> for x in [9.0, 1.0, 4.0]:
    ...     m.update(x)
    >>> m.get()
    4.0
    """

    _pss_class = _pss.RollingMax


class RollingMin(_Rolling):
    """Minimum over a window (River's ``stats.RollingMin``), computed by ``pss.RollingMin``.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    min_samples
        Non-null values needed for a result (``1``: output while the window fills).
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.RollingMin(2)
    >>> for x in [-9.0, 1.0, 4.0]:
    ...     m.update(x)
    >>> m.get()
    1.0
    """

    _pss_class = _pss.RollingMin


class RollingAbsMax(_Rolling):
    """Absolute maximum over a window (River's ``stats.RollingAbsMax``), by ``pss.RollingAbsMax``.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    min_samples
        Non-null values needed for a result (``1``: output while the window fills).
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> m = pss_river.RollingAbsMax(2)
    >>> for x in [-9.0, 1.0, -4.0]:
    ...     m.update(x)
    >>> m.get()
    4.0
    """

    _pss_class = _pss.RollingAbsMax


class RollingPeakToPeak(_Rolling):
    """``max - min`` over a window (River's ``stats.RollingPeakToPeak``), by pss' class.

    Parameters
    ----------
    window_size
        Rows, or a duration for a time window.
    min_samples
        Non-null values needed for a result (``1``: output while the window fills).
    closed
        Which ends a time window includes.

    Examples
    --------
    >>> from polars_streamstats import river as pss_river
    >>> p = pss_river.RollingPeakToPeak(2)
    >>> for x in [-9.0, 1.0, -4.0]:
    ...     p.update(x)
    >>> p.get()
    5.0
    """

    _pss_class = _pss.RollingPeakToPeak
