"""Shared parameter descriptions for the functions' numpydoc docstrings.

A docstring line holding only ``$name`` (indented like the other entries) is replaced by the
block ``name`` below, indented the same way: each shared parameter is described once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

BLOCKS = {
    "expr": """expr
    The input: a column name, an expression (one that names several columns, a selector
    or ``pl.all()`` gives the statistic of each column), a list of column names, or one
    column of values (a Series, a 1-D numpy or pyarrow array, a pandas Series or a list of
    numbers).""",
    "window_size": """window_size
    Rows in each window, nulls included. ``0`` gives nulls only, as in Polars.""",
    "weights": """weights
    Not supported: only ``None``. Kept so that the parameters stand where Polars' do.""",
    "min_samples_rolling": """min_samples
    Non-null values a window needs for a result; ``None`` (the default) means
    ``window_size``, as in Polars. Must not exceed ``window_size``.""",
    "center": """center
    Centre the window on the row (Polars' placement) instead of ending it there.""",
    "min_samples_cum": """min_samples
    Non-null values needed for a result (``0`` acts as ``1``).""",
    "reverse": """reverse
    Run from the last row to the first (as Polars' ``cum_*(reverse=True)``).""",
    "ddof": """ddof
    Delta degrees of freedom: the variance is ``m2 / (n - ddof)``, null while
    ``n <= ddof``.""",
    "bias": """bias
    ``True`` (Polars' default) gives the biased estimator; ``False`` pandas' adjusted one,
    which needs 3 values for the skewness and 4 for the kurtosis.""",
    "fisher": """fisher
    ``True`` gives the excess kurtosis (0 for a normal distribution), ``False`` Pearson's
    (3 for a normal distribution).""",
    "interpolation": """interpolation
    How a quantile between two values is chosen, with ``n`` values in the window and
    ``h = (n - 1) * quantile``: ``'nearest'`` (Polars' default; rounds half away from zero),
    ``'lower'``, ``'higher'``, ``'midpoint'``, ``'linear'`` (River's and numpy's default) or
    ``'equiprobable'``.""",
    "interpolation_cum": """interpolation
    As in :func:`rolling_quantile`; ``None`` means ``'nearest'`` (Polars' default).""",
    "quantile_bounds": """q_inf, q_sup
    The lower and upper quantiles, ``0 <= q_inf <= q_sup <= 1``.""",
    "method": """method
    ``'exact'`` keeps every value in an order-statistic set (O(log n) per row);
    ``'p2'`` is the bounded-memory P² estimator, identical to River's. With ``'p2'`` an
    ``interpolation`` must not be given (ValueError).""",
    "decay": """com, span, half_life, alpha
    The decay, given exactly one way: :math:`\\alpha = 1/(1+com)`, :math:`2/(span+1)`,
    :math:`1-\\exp(-\\ln 2/half\\_life)`, or directly with :math:`0 < \\alpha \\le 1`.""",
    "by": """by
    The time of each row: a column name or an expression (read like ``expr``; on a Series
    namespace, a Series), of dtype Date, Datetime (any unit, with or without a time zone),
    Int32, Int64, UInt32 or UInt64. It need not be sorted and may repeat times.""",
    "window_size_by": """window_size
    The length of the window: a Polars duration string (``'5m'``, ``'1h30m'``, ``'250ms'``,
    ``'3d'``; ``'5i'`` for an integer ``by``) or a ``datetime.timedelta`` (used exactly, in
    microseconds). Must be positive. ``'d'`` and ``'w'`` are 24 and 168 hours (on a
    time-zone-aware ``by`` they depend on daylight saving time, and the expression raises
    an error when run: use ``'24h'``). Calendar units (``'mo'``, ``'q'``, ``'y'``) and an
    invalid string raise ``ValueError`` when the expression is built.""",
    "closed": """closed
    Which ends of the window belong to it: ``'right'`` (the default) ``(t - w, t]``,
    ``'left'`` ``[t - w, t)``, ``'both'`` ``[t - w, t]``, ``'none'`` ``(t - w, t)``, with
    ``w = window_size``, as in Polars.""",
    "min_samples_by": """min_samples
    Non-null values the window needs for a result (the output is null with fewer).""",
    "half_life_by": """half_life
    The time in which a weight halves: a Polars duration string (``'1h'``; ``'5i'`` for an
    integer ``by``) or a positive ``datetime.timedelta``, as ``window_size`` of
    :func:`rolling_mean_by`.""",
    "time_window": """The window of the row at time ``t`` holds the rows whose ``by`` lies in
``(t - window_size, t]`` (for ``closed='right'``; see ``closed``). Rows with equal times
share one window: each of them sees all of them, the later rows included. The statistic
uses the non-null values of the window; a null value row outputs the statistic of its
window (not null), and ``min_samples`` counts non-null values. A null ``by`` gives a null
output and its row joins no window. ``by`` need not be sorted: the rows are taken in time
order and the results written back in row order.""",
    "ewm_var_by": r"""The weights are those of :func:`ewm_mean_by`: the value ``i`` (of the
non-null values so far, in time order) has weight
:math:`w_i = \alpha_i \prod_{j > i} (1 - \alpha_j)`, with
:math:`\alpha_i = 1 - 0.5^{dt_i / half\_life}` (:math:`\alpha = 1` for the first value),
so that :math:`\sum w_i = 1` and the mean is :math:`\bar x = \sum w_i x_i`. The biased
variance is :math:`\sum w_i (x_i - \bar x)^2`; the unbiased one (``bias=False``, the
default) divides it by :math:`1 - \sum w_i^2` (Polars' and pandas' ``adjust=False``
correction) and is null at the first value. On a regular time grid this is
``ewm_var(half_life=h, adjust=False)`` with ``h`` the half-life in grid steps. Computed by
updating the weighted moments (no :math:`E[x^2] - E[x]^2`). Null values, null times, equal
times and an unsorted ``by`` as in :func:`ewm_mean_by`.""",
    "returns": """Returns
-------
polars.Expr
    One output row per input row (per column of a multi-column input).""",
}

_PLACEHOLDER = re.compile(r"^( *)\$(\w+)$", re.MULTILINE)


def fill(function: F) -> F:
    """Expand the ``$name`` lines of ``function``'s docstring (see the module docstring)."""
    doc = function.__doc__ or ""

    def expand(m: re.Match[str]) -> str:
        indent, name = m.group(1), m.group(2)
        return "\n".join(indent + line if line else line for line in BLOCKS[name].splitlines())

    function.__doc__ = _PLACEHOLDER.sub(expand, doc)
    return function
