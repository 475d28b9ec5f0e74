"""Canonical JSON and JSONL, both ways."""

from __future__ import annotations

import json

from alphanode.content.document import Document, Image, Paragraph, ParsedDocument
from alphanode.formats.jsonl import dumps, from_object, iter_jsonl, parse_json, parse_jsonl

DOC = Document(
    "t",
    (Paragraph("p\u2028q"), Image("a", "c", "s", "https://x.test/")),
    {"reading_time": 3, "extra": {"breadcrumb": "| x", "n": [1, 2.5, None, True]}},
)


def test_the_canonical_shape() -> None:
    assert json.loads(dumps(DOC)) == {
        "title": "t",
        "body": [
            {"type": "paragraph", "text": "p\u2028q"},
            {"type": "image", "alt": "a", "caption": "c", "source": "s", "url": "https://x.test/"},
        ],
        "meta": {"reading_time": 3, "extra": {"breadcrumb": "| x", "n": [1, 2.5, None, True]}},
    }


def test_dumps_keeps_one_document_on_one_line() -> None:
    line = dumps(DOC)
    assert "\u2028" not in line and len(line.splitlines()) == 1
    assert "\n" in dumps(DOC, indent=2)


def test_the_slug_key_both_ways() -> None:
    parsed = from_object(json.loads(dumps(DOC, extra={"slug": "my-post"})))
    assert parsed.slug == "my-post" and parsed.document == DOC
    assert from_object({"title": "t", "slug": None}).slug is None


def test_jsonl_and_json_arrays() -> None:
    text = dumps(DOC) + "\n\n" + dumps(DOC) + "\n"
    assert [(n, o.document) for n, o in parse_jsonl(text) if isinstance(o, ParsedDocument)] == [
        (1, DOC),
        (3, DOC),
    ]
    assert [n for n, _ in iter_jsonl(["\ufeff" + dumps(DOC)])] == [1]
    array = "[" + ",\n".join(dumps(DOC) for _ in range(3)) + "]"
    assert [n for n, _ in parse_json("\ufeff" + array)] == [1, 2, 3]
