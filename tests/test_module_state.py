"""No module in src/alphanode holds mutable state: the runtime lives on the ``Site``.

Every name a module binds at its top level (assignments and decorated functions) is imported
and its value judged: constants (numbers, strings, tuples and frozensets of constants,
frozen dataclasses of constants, read-only mappings), compiled regexes, loggers, classes,
plain functions and SQLAlchemy declarations (tables, columns, SQL expressions) pass; dicts,
lists, sets, caches, locks, handles and instances of mutable classes fail, unless
``ALLOWED`` names them with the reason they are declarations.

One convention is accepted for constant tables: an UPPER_CASE name bound to a non-empty
dict, list or set written out in the source (a literal or comprehension) whose items are
constants, e.g. ``TITLES = {404: "Not found"}``. An empty or lower-case container
(``_cache = {}``) is state, whatever its name.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import enum
import importlib
import json
import logging
import pkgutil
import re
import struct
import sys
import types
import typing
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

import alphanode

# (module, name) → why this mutable-looking object is not state.
_ROUTER = "a FastAPI APIRouter: a declaration filled by decorators at import, never at run time"
_TYPER = "a Typer command group: a declaration filled by decorators at import, never at run time"
_MEMO = (
    "a bounded functools.lru_cache on a pure function of a string: the answer never depends "
    "on the cache, and no database, setting or request reaches it"
)
_TABLE = (
    "a lookup table computed once at import from constants and only read (a candidate for "
    "MappingProxyType when its owner next touches it)"
)
ALLOWED: dict[tuple[str, str], str] = {
    **{
        (f"alphanode.web.routes.{m}", "router"): _ROUTER
        for m in (
            "api",
            "desk_edit",
            "desk_home",
            "desk_queue",
            "feeds",
            "ops",
            "pages",
            "review",
            "search",
        )
    },
    ("alphanode.web.routes.api", "bearer"): "the API's security scheme (FastAPI's HTTPBearer): "
    "a declaration that routes depend on and OpenAPI documents; it holds only its settings",
    ("alphanode.web.routes.api", "Token"): "the routes' dependency list on that scheme, read "
    "by the route decorators at import",
    ("alphanode.web.routes.api", "IMPORT_BODY"): "the OpenAPI request-body declaration of "
    "POST /import, read by its route decorator at import",
    ("alphanode.cli.review", "review_app"): _TYPER,
    ("alphanode.cli.accounts", "users_app"): _TYPER,
    ("alphanode.cli.accounts", "tokens_app"): _TYPER,
    ("alphanode.cli.db", "db_app"): _TYPER,
    ("alphanode.web.agents", "classify"): _MEMO,
    ("alphanode.content.meta", "snake"): _MEMO,
    ("alphanode.formats.metabox", "_label_key"): _MEMO,
    ("alphanode.formats.metabox", "_classify_label"): _MEMO,
    ("alphanode.content.meta", "SCHEMA"): _TABLE + " (Shape.fields holds a dict)",
    ("alphanode.formats.metabox", "_KNOWN"): _TABLE,
    ("alphanode.services.health", "_head"): "the installed code's newest migration: it cannot "
    "change while the process runs, and it is the same for every database",
}

_ATOMS = (
    str,
    bytes,
    int,
    float,
    complex,
    bool,
    type(None),
    type(Ellipsis),
    re.Pattern,
    logging.Logger,
    struct.Struct,
    PurePath,
    dt.date,
    dt.time,
    dt.timedelta,
    dt.tzinfo,
    np.generic,
    json.JSONDecoder,  # decoding keeps no state between calls
    sa.MetaData,  # the schema: tables declared once at import
    sa.sql.ClauseElement,  # tables, columns and SQL expressions are immutable constructs
    np.dtype,
    enum.Enum,
    typing.TypeVar,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.ModuleType,
    property,
    staticmethod,
    classmethod,
)


def _immutable(value: Any, depth: int = 0) -> bool:
    if depth > 20:
        return False
    if isinstance(value, type) or isinstance(value, _ATOMS):
        return True
    if type(value).__module__ == "typing" or isinstance(
        value, types.GenericAlias | types.UnionType
    ):
        return True  # type aliases: Annotated[...], list[str] | None
    if isinstance(value, tuple | frozenset):
        return all(_immutable(v, depth + 1) for v in value)
    if isinstance(value, types.MappingProxyType):
        return all(_immutable(k, depth + 1) and _immutable(v, depth + 1) for k, v in value.items())
    if dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen:  # type: ignore[union-attr]
        return all(_immutable(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return False


_DISPLAYS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
_UPPER = re.compile(r"_?[A-Z][A-Z0-9_]*")


def _top_level_names(tree: ast.Module) -> dict[str, bool]:
    """Names bound by top-level assignments and decorated top-level functions, each with
    whether every binding is a container written out in the source (a constant table)."""
    names: dict[str, bool] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
            names[node.name] = False
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    written = isinstance(value, _DISPLAYS) and isinstance(target, ast.Name)
                    names[sub.id] = names.get(sub.id, True) and written
    return names


def _constant_table(name: str, written_out: bool, value: Any) -> bool:
    if not (written_out and _UPPER.fullmatch(name) and isinstance(value, dict | list | set)):
        return False
    items = list(value.items()) if isinstance(value, dict) else list(value)
    return bool(items) and all(_immutable(i) for i in items)


def mutable_globals(module: str, source: str, namespace: dict[str, Any]) -> list[str]:
    """``module.name`` for each top-level name of ``source`` whose value in ``namespace``
    (the executed module) is mutable state and not in ``ALLOWED``."""
    found = []
    for name, written_out in _top_level_names(ast.parse(source)).items():
        if name == "__all__" or name not in namespace or (module, name) in ALLOWED:
            continue
        value = namespace[name]
        if not _immutable(value) and not _constant_table(name, written_out, value):
            found.append(f"{module}.{name} ({type(value).__name__})")
    return found


def _modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(alphanode.__path__, "alphanode.")
        if ".migrations.versions." not in m.name and not m.name.endswith(".__main__")
    )


def test_no_module_in_src_holds_mutable_state() -> None:
    found = []
    modules = _modules()
    assert "alphanode.services.runtime" in modules and len(modules) > 80
    for name in modules:
        module = importlib.import_module(name)
        assert module.__file__ is not None
        source = Path(module.__file__).read_text(encoding="utf-8")
        found += mutable_globals(name, source, vars(module))
    assert found == [], "mutable module-level state (put it on the Site): " + ", ".join(found)


def test_every_allowance_names_something_that_exists() -> None:
    for module, name in ALLOWED:
        assert hasattr(importlib.import_module(module), name), (module, name)


SYNTHETIC = """
import functools, re, threading
from collections import OrderedDict
from dataclasses import dataclass

PATTERN = re.compile("x")
LIMITS = (1, 2.5, "three", frozenset({"a"}))

@dataclass(frozen=True)
class Point:
    x: int

ORIGIN = Point(0)
"""


def _run(source: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``source`` run as a module named ``synthetic``, then judged like the real ones."""
    module = types.ModuleType("synthetic")
    monkeypatch.setitem(sys.modules, "synthetic", module)  # dataclasses look their module up
    exec(compile(source, "synthetic.py", "exec"), vars(module))  # noqa: S102 - our own text
    return mutable_globals("synthetic", source, vars(module))


def test_constants_pass_the_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(SYNTHETIC, monkeypatch) == []


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("_cache = {}", "dict"),
        ("_CACHE: dict[str, int] = {}", "dict"),  # an empty table is a cache, whatever its name
        ("_cache = {'a': 1}", "dict"),  # lower case: state
        ("TABLE = {'a': []}", "dict"),  # holds a list: state
        ("_seen: list[str] = []", "list"),
        ("_names = set()", "set"),
        ("_lru = OrderedDict()", "OrderedDict"),
        ("_lock = threading.Lock()", "lock"),
        ("@functools.lru_cache(maxsize=8)\ndef _memo(x: str) -> str:\n    return x", "_lru_cache"),
        ("class Box:\n    pass\n_box = Box()", "Box"),
        ("@dataclass(frozen=True)\nclass Holder:\n    items: list\n_h = Holder([])", "Holder"),
    ],
)
def test_mutable_module_state_fails_the_checker(
    line: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = _run(SYNTHETIC + line + "\n", monkeypatch)
    assert len(found) == 1, found
    assert found[0].startswith("synthetic.") and kind.lower() in found[0].lower()
