"""MkDocs hooks: an integration's page is built only where its module imports.

``polars_streamstats.dask``, ``.bytewax`` and ``.river`` need their extras (Bytewax 0.21 has
wheels for Python <= 3.12 only). Where a module does not import, its page is left out of the
nav and of the build, with a log line saying why, instead of failing the build or showing a
page without its reference.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

log = logging.getLogger("mkdocs.hooks.integrations")

INTEGRATIONS = {
    "integrations/dask.md": "polars_streamstats.dask",
    "integrations/bytewax.md": "polars_streamstats.bytewax",
    "integrations/river.md": "polars_streamstats.river",
}

_missing: dict[str, str] = {}


def _import_error(module: str) -> str | None:
    try:
        importlib.import_module(module)
    except Exception as error:  # any failure to import leaves the page out
        return f"{type(error).__name__}: {error}"
    return None


def _without(nav: Any, pages: set[str]) -> Any:
    """``nav`` without the entries naming one of ``pages`` (and sections left empty)."""
    if isinstance(nav, list):
        items = [_without(item, pages) for item in nav]
        return [item for item in items if item not in (None, [], {})]
    if isinstance(nav, dict):
        entries = {title: _without(value, pages) for title, value in nav.items()}
        return {title: value for title, value in entries.items() if value not in (None, [], {})}
    if isinstance(nav, str) and nav in pages:
        return None
    return nav


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    _missing.clear()
    for page, module in INTEGRATIONS.items():
        why = _import_error(module)
        if why is not None:
            _missing[page] = why
            log.info("%s left out: %s does not import (%s)", page, module, why)
    if _missing and config.nav is not None:
        config.nav = _without(config.nav, set(_missing))
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for page in _missing:
        file = files.get_file_from_path(page)
        if file is not None:
            files.remove(file)
    return files
