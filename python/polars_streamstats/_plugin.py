"""Registration of the compiled Polars plugin functions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from polars.plugins import register_plugin_function

if TYPE_CHECKING:
    import polars as pl
    from polars._typing import IntoExpr

PLUGIN_PATH = Path(__file__).parent


def call(function_name: str, expr: IntoExpr, kwargs: dict[str, Any]) -> pl.Expr:
    """Apply the plugin function ``function_name`` to ``expr``.

    Every statistic carries state from row to row, so it is registered as not elementwise:
    Polars then hands the plugin whole columns (or whole groups) in row order.
    """
    return register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name=function_name,
        args=expr,
        kwargs=kwargs,
        is_elementwise=False,
    )
