"""The ``pss`` expression namespace: ``pl.col("x").pss.ewm_mean(alpha=0.1)``.

Importing :mod:`polars_streamstats` registers it. Every method is spelled out (no
``__getattr__``), so editors and type checkers see the same signatures as the functions.
"""

from __future__ import annotations

import polars as pl

from polars_streamstats import ewm
from polars_streamstats import moments as m
from polars_streamstats import quantile as quantile_mod
from polars_streamstats.quantile import Interpolation, Method

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

    def rolling_quantile(
        self,
        quantile: float,
        *,
        window_size: int,
        interpolation: Interpolation = "linear",
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_quantile`."""
        return quantile_mod.rolling_quantile(
            self._expr,
            quantile,
            window_size=window_size,
            interpolation=interpolation,
            min_samples=min_samples,
            center=center,
        )

    def rolling_median(
        self, *, window_size: int, min_samples: int | None = None, center: bool = False
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_median`."""
        return quantile_mod.rolling_median(
            self._expr, window_size=window_size, min_samples=min_samples, center=center
        )

    def cum_quantile(
        self,
        quantile: float,
        *,
        interpolation: Interpolation = "linear",
        method: Method = "exact",
        min_samples: int = 1,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.cum_quantile`."""
        return quantile_mod.cum_quantile(
            self._expr,
            quantile,
            interpolation=interpolation,
            method=method,
            min_samples=min_samples,
        )

    def cum_median(
        self,
        *,
        interpolation: Interpolation = "linear",
        method: Method = "exact",
        min_samples: int = 1,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.cum_median`."""
        return quantile_mod.cum_median(
            self._expr, interpolation=interpolation, method=method, min_samples=min_samples
        )

    def cum_iqr(
        self,
        *,
        q_inf: float = 0.25,
        q_sup: float = 0.75,
        interpolation: Interpolation = "linear",
        method: Method = "exact",
        min_samples: int = 1,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.cum_iqr`."""
        return quantile_mod.cum_iqr(
            self._expr,
            q_inf=q_inf,
            q_sup=q_sup,
            interpolation=interpolation,
            method=method,
            min_samples=min_samples,
        )

    def rolling_iqr(
        self,
        *,
        window_size: int,
        q_inf: float = 0.25,
        q_sup: float = 0.75,
        interpolation: Interpolation = "linear",
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_iqr`."""
        return quantile_mod.rolling_iqr(
            self._expr,
            window_size=window_size,
            q_inf=q_inf,
            q_sup=q_sup,
            interpolation=interpolation,
            min_samples=min_samples,
            center=center,
        )

    def cum_mean(self, *, min_samples: int = 1) -> pl.Expr:
        """See :func:`polars_streamstats.cum_mean`."""
        return m.cum_mean(self._expr, min_samples=min_samples)

    def cum_var(self, *, ddof: int = 1, min_samples: int = 1) -> pl.Expr:
        """See :func:`polars_streamstats.cum_var`."""
        return m.cum_var(self._expr, ddof=ddof, min_samples=min_samples)

    def cum_std(self, *, ddof: int = 1, min_samples: int = 1) -> pl.Expr:
        """See :func:`polars_streamstats.cum_std`."""
        return m.cum_std(self._expr, ddof=ddof, min_samples=min_samples)

    def cum_skew(self, *, bias: bool = True, min_samples: int = 1) -> pl.Expr:
        """See :func:`polars_streamstats.cum_skew`."""
        return m.cum_skew(self._expr, bias=bias, min_samples=min_samples)

    def cum_kurtosis(
        self, *, fisher: bool = True, bias: bool = True, min_samples: int = 1
    ) -> pl.Expr:
        """See :func:`polars_streamstats.cum_kurtosis`."""
        return m.cum_kurtosis(self._expr, fisher=fisher, bias=bias, min_samples=min_samples)

    def cum_min(self, *, min_samples: int = 1) -> pl.Expr:
        """See :func:`polars_streamstats.cum_min`."""
        return m.cum_min(self._expr, min_samples=min_samples)

    def cum_max(self, *, min_samples: int = 1) -> pl.Expr:
        """See :func:`polars_streamstats.cum_max`."""
        return m.cum_max(self._expr, min_samples=min_samples)

    def cum_peak_to_peak(self, *, min_samples: int = 1) -> pl.Expr:
        """See :func:`polars_streamstats.cum_peak_to_peak`."""
        return m.cum_peak_to_peak(self._expr, min_samples=min_samples)

    def cum_abs_max(self, *, min_samples: int = 1) -> pl.Expr:
        """See :func:`polars_streamstats.cum_abs_max`."""
        return m.cum_abs_max(self._expr, min_samples=min_samples)

    def rolling_mean(
        self,
        *,
        window_size: int,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_mean`."""
        return m.rolling_mean(
            self._expr, window_size=window_size, min_samples=min_samples, center=center
        )

    def rolling_var(
        self,
        *,
        window_size: int,
        ddof: int = 1,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_var`."""
        return m.rolling_var(
            self._expr, window_size=window_size, ddof=ddof, min_samples=min_samples, center=center
        )

    def rolling_std(
        self,
        *,
        window_size: int,
        ddof: int = 1,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_std`."""
        return m.rolling_std(
            self._expr, window_size=window_size, ddof=ddof, min_samples=min_samples, center=center
        )

    def rolling_skew(
        self,
        *,
        window_size: int,
        bias: bool = True,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_skew`."""
        return m.rolling_skew(
            self._expr, window_size=window_size, bias=bias, min_samples=min_samples, center=center
        )

    def rolling_kurtosis(
        self,
        *,
        window_size: int,
        fisher: bool = True,
        bias: bool = True,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_kurtosis`."""
        return m.rolling_kurtosis(
            self._expr,
            window_size=window_size,
            fisher=fisher,
            bias=bias,
            min_samples=min_samples,
            center=center,
        )

    def rolling_min(
        self,
        *,
        window_size: int,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_min`."""
        return m.rolling_min(
            self._expr, window_size=window_size, min_samples=min_samples, center=center
        )

    def rolling_max(
        self,
        *,
        window_size: int,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_max`."""
        return m.rolling_max(
            self._expr, window_size=window_size, min_samples=min_samples, center=center
        )

    def rolling_peak_to_peak(
        self,
        *,
        window_size: int,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_peak_to_peak`."""
        return m.rolling_peak_to_peak(
            self._expr, window_size=window_size, min_samples=min_samples, center=center
        )

    def rolling_abs_max(
        self,
        *,
        window_size: int,
        min_samples: int | None = None,
        center: bool = False,
    ) -> pl.Expr:
        """See :func:`polars_streamstats.rolling_abs_max`."""
        return m.rolling_abs_max(
            self._expr, window_size=window_size, min_samples=min_samples, center=center
        )
