"""The canonical document: a title, body blocks and typed meta, and its JSON shape."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import orjson

from alphanode.errors import DocumentWarning

JSONValue: TypeAlias = Any


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    type: Literal["paragraph"] = "paragraph"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "paragraph", "text": self.text}


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    type: Literal["heading"] = "heading"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "heading", "text": self.text}


@dataclass(frozen=True, slots=True)
class ListBlock:
    items: tuple[str, ...]
    type: Literal["list"] = "list"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "list", "items": list(self.items)}


@dataclass(frozen=True, slots=True)
class Image:
    """A figure. ``url`` is kept as given; only the web layer decides if it may become a link."""

    alt: str
    caption: str
    source: str
    url: str
    type: Literal["image"] = "image"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "image",
            "alt": self.alt,
            "caption": self.caption,
            "source": self.source,
            "url": self.url,
        }


Block: TypeAlias = Paragraph | Heading | ListBlock | Image


@dataclass(frozen=True, slots=True)
class Document:
    """One article. ``meta`` holds canonical JSON values, already typed by ``content.meta``."""

    title: str
    body: tuple[Block, ...]
    meta: dict[str, JSONValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "body": [b.to_dict() for b in self.body],
            "meta": self.meta,
        }

    @property
    def reference(self) -> str | None:
        ref = self.meta.get("reference")
        return ref if isinstance(ref, str) and ref.strip() else None

    def content_hash(self) -> str:
        """sha256 of the exact content (key order aside): any edit makes a new revision."""
        return _sha256(self.to_dict())

    def normalised_hash(self) -> str:
        """sha256 of the normalised content: NFC text, folded white space, sorted keys."""
        return _sha256(_normalise(self.to_dict()))

    def identity(self) -> str:
        """The post's identity: ``meta.reference`` when present, else the normalised hash.

        Content without a reference is recognised again when only white space or Unicode
        normal form differs (the edit is then stored as a new revision of the same post).
        """
        return self.reference or "sha256-" + self.normalised_hash()[:32]

    def paragraph_count(self) -> int:
        return sum(1 for b in self.body if isinstance(b, Paragraph))

    def word_count(self) -> int:
        words = len(self.title.split())
        for b in self.body:
            if isinstance(b, Paragraph | Heading):
                words += len(b.text.split())
            elif isinstance(b, ListBlock):
                words += sum(len(i.split()) for i in b.items)
            else:
                words += len(b.caption.split())
        return words


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A document that passed validation, with the warnings found on the way."""

    document: Document
    warnings: tuple[DocumentWarning, ...] = ()
    line: int | None = None
    slug: str | None = None  # a slug the input asks for (our own JSON export carries it)


def _sha256(value: JSONValue) -> str:
    # Sorted keys: equal documents hash equal whatever their key order.
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _normalise(value: JSONValue) -> JSONValue:
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).split())
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value
