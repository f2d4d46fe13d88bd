"""Griffe extensions for the API pages: Sphinx roles as Markdown, the stubs' signatures.

The numpydoc docstrings use reStructuredText roles (``:func:`ewm_mean```, ``:math:`1-\\alpha```),
which Markdown would show as they are written. ``SphinxRoles`` rewrites them once the object
tree is loaded:

- ``:func:``/``:meth:``/``:class:`` naming a public object of ``polars_streamstats`` (or
  ``polars_streamstats._run.run``), or a public object defined in the docstring's own
  module, become a cross-reference to its entry in the reference;
- any other role (Polars' own methods, ``pickle``) becomes inline code, so that the build
  needs no object inventory from the internet;
- ``:math:`` becomes inline code with the LaTeX commands written as Unicode
  (``\\alpha`` as the Greek letter, ``\\sum`` as a capital sigma, ``x_{t-1}`` as
  ``x_(t-1)``).

It also gives the compiled classes their signatures. Griffe reads ``_internal`` from the
built extension (it has no source), where a class's constructor is ``__new__(*args,
**kwargs)`` and the methods have no types; the typed signatures are in ``_internal.pyi``
(which has no docstrings). Each class gets an ``__init__`` with the parameters of the stub's
``__new__``, and each method the stub's parameters and return type (from the class or its
typing-only bases in the stub), with the stub's private type aliases written out, so that
the numpydoc ``Parameters`` sections match a signature. ``PublicOnly`` keeps each module's
``__all__``; ``OwnTypes`` gives each name of a shared parameter entry its own type.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import griffe

import polars_streamstats

_ROLE = re.compile(r":(func|meth|class|mod|attr|obj|data|math):`([^`]+)`")
_PUBLIC = set(polars_streamstats.__all__)
_EXTRA = {"polars_streamstats._run.run": "polars_streamstats._run.run"}
_LATEX = [
    ("\\\\", "\\"),
    ("\\alpha", "\N{GREEK SMALL LETTER ALPHA}"),
    ("\\Delta", "Δ"),
    ("\\sum", "Σ"),
    ("\\prod", "∏"),
    ("\\le", "≤"),
    ("\\ge", "≥"),
    ("\\bar x", "x̄"),
    ("\\exp", "exp"),
    ("\\ln", "ln"),
    ("\\_", "_"),
]


def _math(text: str) -> str:
    for latex, plain in _LATEX:
        text = text.replace(latex, plain)
    return "`" + text.replace("{", "(").replace("}", ")") + "`"


def _target(name: str, module: griffe.Module | None) -> str | None:
    name = name.lstrip("~")
    if name in _EXTRA:
        return _EXTRA[name]
    if name == "run":
        return "polars_streamstats._run.run"
    short = name.removeprefix("polars_streamstats.")
    if short in _PUBLIC:
        return f"polars_streamstats.{short}"
    # A public object defined in the docstring's own module (the integrations' functions).
    if module is not None and not short.startswith("_") and short in module.members:
        member = module.members[short]
        if not member.is_alias:
            return member.path
    return None


def _role(m: re.Match[str], module: griffe.Module | None = None) -> str:
    kind, text = m.group(1), m.group(2)
    if kind == "math":
        return _math(text)
    target = _target(text, module)
    shown = text.lstrip("~")
    if target is None:
        return f"`{shown}`"
    return f"[`{shown}`][{target}]"


def convert(text: str, module: griffe.Module | None = None) -> str:
    """``text`` with its Sphinx roles rewritten as Markdown (see the module docstring)."""
    return _ROLE.sub(lambda m: _role(m, module), text)


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of every loaded docstring."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            module = obj if isinstance(obj, griffe.Module) else obj.module
            obj.docstring.value = convert(obj.docstring.value, module)


_STUB = Path(polars_streamstats.__file__).with_name("_internal.pyi")


def _stub_member(stub: griffe.Module, cls: str, name: str) -> griffe.Function | None:
    """``cls.name`` in the stub, looked up through the stub's own base classes."""
    todo = [cls]
    while todo:
        current = todo.pop(0)
        if current not in stub.members:
            continue
        klass = stub.members[current]
        if not isinstance(klass, griffe.Class):
            continue
        member = klass.members.get(name)
        if isinstance(member, griffe.Function):
            return member
        todo.extend(str(base) for base in klass.bases)
    return None


class PublicOnly(griffe.Extension):
    """Keep in each module only what its ``__all__`` exports (and its submodules).

    Inspection sees every name a module holds at run time, imports included
    (``TYPE_CHECKING``, ``Tracker`` imported into an integration module, type variables);
    the reference documents the module's own public API.
    """

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        self._prune(pkg)

    def _prune(self, module: griffe.Module) -> None:
        try:
            exported = importlib.import_module(module.path).__dict__.get("__all__")
        except Exception:  # a module that does not import is not in the reference either
            exported = None
        for name, member in list(module.members.items()):
            if isinstance(member, griffe.Module) and not member.is_alias:
                self._prune(member)
            elif exported is not None and name not in exported and not name.startswith("_"):
                module.del_member(name)


class StubSignatures(griffe.Extension):
    """Give the classes of the compiled ``_internal`` the signatures of its stub."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "polars_streamstats" or "_internal" not in pkg.members:
            return
        stub = griffe.visit("_internal", filepath=_STUB, code=_STUB.read_text())
        compiled = pkg.members["_internal"]
        if not isinstance(compiled, griffe.Module):
            return
        for name, cls in compiled.members.items():
            if not isinstance(cls, griffe.Class) or cls.is_alias:
                continue
            new = _stub_member(stub, name, "__new__")
            if new is not None:
                params = list(new.parameters)[1:]  # without cls
                init = griffe.Function("__init__", parameters=griffe.Parameters(*params))
                cls.set_member("__init__", init)
            for member in cls.members.values():
                if not isinstance(member, griffe.Function) or member.is_alias:
                    continue
                typed = _stub_member(stub, name, member.name)
                if typed is not None and member.name != "__new__":
                    member.parameters = typed.parameters
                    member.returns = typed.returns
        _expand_aliases(stub, compiled)


def _expand_aliases(stub: griffe.Module, compiled: griffe.Module) -> None:
    """Write the stub's private type aliases (``_Window``, ``_Values``, ...) out in the
    signatures: the reader cannot look them up."""
    aliases = {
        name: str(attr.value)
        for name, attr in stub.members.items()
        if name.startswith("_") and isinstance(attr, griffe.Attribute) and attr.value is not None
    }
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, aliases)) + r")\b")

    def expand(annotation: str | griffe.Expr | None) -> str | griffe.Expr | None:
        if annotation is None or not pattern.search(str(annotation)):
            return annotation
        return pattern.sub(lambda m: aliases[m.group(1)], str(annotation))

    for cls in compiled.members.values():
        if not isinstance(cls, griffe.Class) or cls.is_alias:
            continue
        for member in cls.members.values():
            if isinstance(member, griffe.Function) and not member.is_alias:
                for param in member.parameters:
                    param.annotation = expand(param.annotation)
                member.returns = expand(member.returns)


class OwnTypes(griffe.Extension):
    """Give each parameter of a shared docstring entry its own type.

    The numpydoc parser gives every name of an entry such as ``com, span, half_life, alpha``
    the type of the first one (``EWMean``'s ``half_life`` would show ``float | None``, not
    ``float | str | timedelta | None``). After the signatures are complete, each compiled
    class's docstring is parsed once (the renderer reuses the parse) and each parameter takes
    the annotation of its own name in the signature.
    """

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "polars_streamstats" or "_internal" not in pkg.members:
            return
        # The compiled classes only: the ones whose shared entries have differing types
        # (parsing every docstring would also report on objects the reference never shows).
        for cls in pkg.members["_internal"].members.values():
            if isinstance(cls, griffe.Class) and not cls.is_alias:
                self._fix(cls)

    def _fix(self, obj: griffe.Class) -> None:
        if obj.docstring is None or obj.docstring.parser is None:
            return
        params = obj.parameters
        for section in obj.docstring.parsed:
            if isinstance(section, griffe.DocstringSectionParameters):
                for item in section.value:
                    if item.name in params and params[item.name].annotation is not None:
                        item.annotation = params[item.name].annotation
