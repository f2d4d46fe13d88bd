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
