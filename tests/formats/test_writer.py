"""Writing the page format: what render produces for each part of a document."""

from __future__ import annotations

from alphanode.content.document import Document, Heading, Image, ListBlock, Paragraph
from alphanode.formats.render import render
from alphanode.formats.scraped import parse


def test_a_full_document() -> None:
    doc = Document(
        "a title",
        (
            Paragraph("a sentence."),
            Heading("a heading"),
            ListBlock(("one", "two")),
            Image("alt", "cap", "src", "https://x.test/1.png"),
            Image("", "", "", ""),
        ),
        {
            "topic": "t",
            "reading_time": 9,
            "stack": ["python"],
            "flags": {"has_images": True, "image_heavy": False},
            "image_sources": [{"source": "src", "url": "https://x.test/1.png", "caption": "cap"}],
            "extra": {
                "breadcrumb": "home | x |",
                "author": "jane",
                "tags": ["a", "b"],
                "license": {"name": "cc"},
                "people": [{"name": "a"}, {"name": "b"}],
                "similar_posts": ["other post"],
                "unparsed_lines": ["• stray"],
            },
        },
    )
    text = render(doc)
    assert text == (
        "home | x |\n\na title\n\na sentence.\n\na heading\n\n  • one\n  • two\n\nalt\n"
        "cap. image source: src\n\nimage source:\n\nalphanode post meta\n\ntopict\nreading time9\n"
        "stack\n  • python\nflags\n  • has images: 1\n  • image heavy: 0\nimage sources\n"
        "    • source: src\n    • url: https://x.test/1.png\n    • caption: cap\nauthor: jane\n"
        "tags\n  • a\n  • b\nlicense\n  • name: cc\npeople\n    • name: a\n    • name: b\n"
        "unparsed lines\n  • • stray\n\nSimilar Posts\nother post\n"
    )
    assert parse(text).document == doc


def test_no_meta_box_when_there_is_no_meta() -> None:
    assert render(Document("t", (), {})) == "|\n\nt\n\nSimilar Posts\n"


def test_values_the_page_cannot_type_are_written_as_json() -> None:
    text = render(Document("t", (), {"extra": {"n": 5, "flags": [True, None], "rec": {"a": 1.5}}}))
    assert "n: 5\nflags\n  • true\n  • null\nrec\n  • a: 1.5\n" in text
