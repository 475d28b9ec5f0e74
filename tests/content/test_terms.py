"""Taxonomy slugs: distinct names get distinct pages, nameless ones get none."""

from __future__ import annotations

import pytest

from alphanode.content.card import terms
from alphanode.content.document import Document, Paragraph
from alphanode.content.slug import term_slug


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("c", "c"),
        ("c#", "c-sharp"),
        ("c++", "c-plus-plus"),
        ("F#", "f-sharp"),
        ("Node.js", "node-js"),
        ("python services", "python-services"),
        ("post", "post"),
        ("..", ""),
        ("", ""),
        ("#", "sharp"),
    ],
)
def test_term_slugs(label: str, slug: str) -> None:
    assert term_slug(label) == slug


def test_terms_skip_nameless_items_and_keep_symbol_languages_apart() -> None:
    doc = Document(
        "t",
        (Paragraph("p"),),
        {"stack": ["c", "c#", "c++", "..", " "], "tools": ["", "pytest"], "difficulty": "hard"},
    )
    found = {(kind, slug) for kind, slug, _ in terms(doc)}
    assert found >= {("stack", "c"), ("stack", "c-sharp"), ("stack", "c-plus-plus")}
    assert ("tools", "pytest") in found and ("difficulty", "hard") in found
    assert all(slug for _, slug in found)
    assert not any(slug == "post" for _, slug in found)
