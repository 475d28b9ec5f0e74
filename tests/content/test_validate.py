"""Validating a document in the canonical JSON shape."""

from __future__ import annotations

from typing import Any

import pytest

from alphanode.content.document import Document, Heading, Image, ListBlock, Paragraph
from alphanode.content.validate import document_from_dict, json_problem
from alphanode.errors import DocumentRejected


def test_a_full_document() -> None:
    parsed = document_from_dict(
        {
            "title": "t",
            "slug": "t-1",
            "body": [
                {"type": "paragraph", "text": "p"},
                {"type": "heading", "text": "h"},
                {"type": "list", "items": ["a"]},
                {
                    "type": "image",
                    "alt": "a",
                    "caption": "c",
                    "source": "s",
                    "url": "https://x.test/",
                },
            ],
            "meta": {"reading_time": 4},
        },
        line=7,
    )
    assert parsed.document == Document(
        "t",
        (Paragraph("p"), Heading("h"), ListBlock(("a",)), Image("a", "c", "s", "https://x.test/")),
        {"reading_time": 4},
    )
    assert (parsed.slug, parsed.line, parsed.warnings) == ("t-1", 7, ())


def test_every_problem_is_listed_at_the_documents_line() -> None:
    with pytest.raises(DocumentRejected) as caught:
        document_from_dict(
            {"title": 1, "body": [{"type": "x"}], "meta": {"view_count": "x"}}, line=3
        )
    problems = caught.value.problems
    assert [(p.field, p.line) for p in problems] == [
        ("title", 3),
        ("body[0].type", 3),
        ("meta.view_count", 3),
    ]
    assert problems[0].value == "1" and problems[1].value == "x"


def test_an_image_without_a_url_warns() -> None:
    parsed = document_from_dict({"title": "t", "body": [{"type": "image", "caption": "c"}]})
    assert parsed.document.body == (Image("", "c", "", ""),)
    assert [(w.code, w.field, w.value) for w in parsed.warnings] == [
        ("AN-WARN-004", "body[0].url", "c")
    ]


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"a": "ok", "b": [1, 2.5, None, True, {"c": "d"}]}, None),
        ({"a": "x\x00"}, ("AN-IMPORT-002", "a", "U+0000 at column 2")),
        ({"a": ["\ud83d"]}, ("AN-IMPORT-002", "a[0]", "U+D83D at column 1")),
        ({"a\x01": 1}, ("AN-IMPORT-002", "a\x01 (the key)", "U+0001 at column 2")),
        ({"a": float("inf")}, ("AN-IMPORT-004", "a", "inf")),
        ({"a": -(2**63)}, ("AN-IMPORT-004", "a", "-9223372036854775808")),
        ({1: "x"}, ("AN-IMPORT-005", "document", "1")),
        ({"a": object()}, ("AN-IMPORT-005", "a", "<class 'object'>")),
    ],
)
def test_json_problem_finds_what_json_loads_lets_through(value: Any, found: Any) -> None:
    got = json_problem(value)
    assert (got[:3] if got else None) == found


def test_warnings_name_the_documents_line() -> None:
    parsed = document_from_dict({"title": "t", "meta": {"author": "jane"}}, line=12)
    assert [(w.code, w.field, w.line) for w in parsed.warnings] == [
        ("AN-WARN-001", "meta.author", 12)
    ]
