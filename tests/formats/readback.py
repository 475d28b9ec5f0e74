"""Reading a fixture file the way ``alphanode import`` does, for the conformance tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphanode.errors import DocumentRejected, Problem
from alphanode.formats import registry

SKIP = "AN-IMPORT-SKIP"


@dataclass
class Read:
    """What one file gives: documents (as canonical JSON dicts), rejections, skips."""

    kind: str
    docs: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def titles(self) -> list[str]:
        return [d["title"] for d in self.docs]

    def doc(self, title: str) -> dict[str, Any]:
        return next(d for d in self.docs if d["title"] == title)


def read_file(path: Path, name: str) -> Read:
    data = path.read_bytes()
    kind = registry.choose(str(path), data[: registry.SNIFF_BYTES])
    out = Read(kind)
    for _, outcome in registry.read_all(kind, data, name):
        if isinstance(outcome, DocumentRejected):
            if outcome.problems[0].code == SKIP:
                out.skipped.append(outcome.problems[0].value)
            else:
                out.rejected.extend(outcome.problems)
        else:
            out.docs.append(outcome.document.to_dict())
    return out


def source(doc: dict[str, Any]) -> dict[str, Any]:
    found = doc["meta"].get("source", {})
    assert isinstance(found, dict)
    return found


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every block and inline node of a body, depth first."""
    if isinstance(value, list):
        for item in value:
            yield from nodes(item)
    elif isinstance(value, dict):
        if "type" in value:
            yield value
        for key in ("children", "items", "body", "rows"):
            if key in value:
                yield from nodes(value[key])


def of_type(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [n for n in nodes(doc["body"]) if n["type"] == kind]


def hrefs(doc: dict[str, Any]) -> list[str]:
    return [str(n["url"]) for n in of_type(doc, "link")]
