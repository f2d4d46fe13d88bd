"""The ``pss`` expression namespace: ``pl.col("x").pss.ewm_mean(alpha=0.1)``.

Importing :mod:`polars_streamstats` registers it. Every method is spelled out (no
``__getattr__``), so editors and type checkers see the same signatures as the functions.
"""

from __future__ import annotations

import polars as pl

from polars_streamstats import ewm

__all__ = ["StreamStatsNamespace"]


@pl.api.register_expr_namespace("pss")
class StreamStatsNamespace:
    """Online statistics of this expression (see the module-level functions)."""

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    def ewm_mean(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        min_samples: int = 1,
        ignore_nulls: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.ewm_mean`."""
        return ewm.ewm_mean(
            self._expr,
            com=com,
            span=span,
            half_life=half_life,
            alpha=alpha,
            adjust=adjust,
            min_samples=min_samples,
            ignore_nulls=ignore_nulls,
        )

    def ewm_var(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        bias: bool = False,
        min_samples: int = 1,
        ignore_nulls: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.ewm_var`."""
        return ewm.ewm_var(
            self._expr,
            com=com,
            span=span,
            half_life=half_life,
            alpha=alpha,
            adjust=adjust,
            bias=bias,
            min_samples=min_samples,
            ignore_nulls=ignore_nulls,
        )

    def ewm_std(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        bias: bool = False,
        min_samples: int = 1,
        ignore_nulls: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.ewm_std`."""
        return ewm.ewm_std(
            self._expr,
            com=com,
            span=span,
            half_life=half_life,
            alpha=alpha,
            adjust=adjust,
            bias=bias,
            min_samples=min_samples,
            ignore_nulls=ignore_nulls,
        )

    def rolling_ewm_mean(
        self,
        *,
        window_size: int,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        min_samples: int = 1,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_ewm_mean`."""
        return ewm.rolling_ewm_mean(
            self._expr,
            window_size=window_size,
            com=com,
            span=span,
            half_life=half_life,
            alpha=alpha,
            min_samples=min_samples,
        )
