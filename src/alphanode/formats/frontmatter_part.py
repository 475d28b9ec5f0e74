"""Front matter of a Markdown file: YAML (safe loader only), TOML or JSON, as plain JSON values."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from alphanode.content.meta import CODE_WRONG_SHAPE
from alphanode.errors import DocumentRejected, Problem

# Bigger than any real front matter; stops a YAML alias bomb from being expanded into JSON.
MAX_VALUES = 20_000


class _Toml(BaseHandler):
    """TOML (``+++``) through the standard library's tomllib (frontmatter's needs ``toml``)."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


class _Yaml(YAMLHandler):
    """YAML (``---``) ending at ``---`` or at YAML's own document end ``...`` (Jekyll and
    pandoc files use it; frontmatter's own split only knows ``---``)."""

    _OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
    _CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)

    def split(self, text: str) -> tuple[str, str]:
        opened = self._OPEN.match(text)
        closed = self._CLOSE.search(text, opened.end()) if opened else None
        if opened is None or closed is None:
            raise ValueError("the front matter opened with --- is never closed (--- or ...)")
        return text[opened.end() : closed.start()], text[closed.end() :]


def _handlers() -> tuple[BaseHandler, ...]:
    # Made per call: handler objects are mutable, and no module keeps mutable state.
    return (_Yaml(), _Toml(), JSONHandler())


def split(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter as JSON values, the body text, the 1-based line the body starts on)."""
    handler = next((h for h in _handlers() if h.detect(text)), None)
    if handler is None:
        return {}, text, 1
    try:
        fm, body = handler.split(text)
        raw = handler.load(fm)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise DocumentRejected(
            [Problem(CODE_WRONG_SHAPE, "front matter", str(exc)[:200], "valid YAML, TOML or JSON")]
        ) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DocumentRejected(
            [Problem(CODE_WRONG_SHAPE, "front matter", repr(raw)[:80], "a mapping of keys")]
        )
    start = text.count("\n", 0, len(text) - len(body)) + 1
    return plain(raw, [MAX_VALUES]), body, start


def plain(value: Any, budget: list[int]) -> Any:
    """YAML/TOML values as JSON values: dates as ISO text, keys as text, bounded in size."""
    budget[0] -= 1
    if budget[0] < 0:
        raise DocumentRejected(
            [Problem(CODE_WRONG_SHAPE, "front matter", "…", f"at most {MAX_VALUES} values")]
        )
    if isinstance(value, dict):
        return {str(k): plain(v, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, budget) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN has no JSON form
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
