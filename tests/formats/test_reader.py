"""Reading the scraped-page format: every rule of docs/formats.md, with small pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphanode.content.document import Heading, Image, ListBlock, Paragraph, ParsedDocument
from alphanode.formats.scraped import is_heading, parse
from alphanode.formats.text import decode

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"


def page(*body: str, meta: tuple[str, ...] | None = None, similar: tuple[str, ...] = ()) -> str:
    """A small page: breadcrumb, title, body lines, an optional meta box, Similar Posts."""
    lines = ["|", "", "a title", "", *body, ""]
    if meta is not None:
        lines += ["alphanode post meta", "", *meta, ""]
    return "\n".join([*lines, "Similar Posts", *similar]) + "\n"


def read(name: str) -> ParsedDocument:
    return parse(decode((PAGES / name).read_bytes()))


def test_breadcrumb_title_and_blocks() -> None:
    doc = parse(page("intro sentence.", "", "a heading", "", "  • one", "  • two")).document
    assert doc.title == "a title"
    assert doc.body == (
        Paragraph("intro sentence."),
        Heading("a heading"),
        ListBlock(("one", "two")),
    )
    assert doc.meta == {}


@pytest.mark.parametrize(
    ("first", "kept"),
    [
        ("|", None),
        ("home | python services |", "home | python services |"),
        ("| guides", "| guides"),
    ],
)
def test_the_breadcrumb_line_is_kept_unless_bare(first: str, kept: str | None) -> None:
    doc = parse(f"{first}\n\ntitle\n").document
    assert doc.title == "title"
    assert doc.meta.get("extra", {}).get("breadcrumb") == kept


def test_a_page_may_start_with_its_title() -> None:
    assert parse("just a title\n\na sentence.\n").document.title == "just a title"


def test_a_title_after_a_breadcrumb_may_hold_bars() -> None:
    assert parse("|\n\n| bars | in the title\n").document.title == "| bars | in the title"


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("production checks", True),
        ("what is a production default?", True),
        ("why would anyone write a default down when the code already has one in it?", False),
        ("a short sentence.", False),
        ("steps:", False),
        ("x" * 101, False),
        ("one two three four five six seven eight nine ten eleven twelve", True),
        ("one two three four five six seven eight nine ten eleven twelve thirteen", False),
    ],
)
def test_headings_are_short_lines_that_do_not_end_like_a_sentence(text: str, heading: bool) -> None:
    assert is_heading(text) is heading
    block = parse(page(text)).document.body[0]
    assert isinstance(block, Heading if heading else Paragraph) and block.text == text


def test_lists_end_at_a_blank_line_and_tolerate_indentation() -> None:
    body = parse(page("• a", "\t•b", "      •   c", "", "  • d")).document.body
    assert body == (ListBlock(("a", "b", "c")), ListBlock(("d",)))


def test_an_image_is_its_alt_line_and_caption_line_joined_with_its_record() -> None:
    doc = parse(
        page(
            "an alt line",
            "the caption. image source: placehold.co",
            meta=(
                "image sources",
                "    • source: placehold.co",
                "    • url: https://placehold.co/1.png",
                "    • caption: the caption",
            ),
        )
    ).document
    assert doc.body == (
        Image("an alt line", "the caption", "placehold.co", "https://placehold.co/1.png"),
    )


@pytest.mark.parametrize(
    ("line", "caption", "source"),
    [
        ("image source: placehold.co", "", "placehold.co"),
        ("fig. 1.. image source: a.b", "fig. 1.", "a.b"),
        ("a caption. Image Source: Upper", "a caption", "Upper"),
        ("quoting image source: inside. image source: s", "quoting image source: inside", "s"),
        ("no source given. image source:", "no source given", ""),
    ],
)
def test_caption_lines(line: str, caption: str, source: str) -> None:
    (block,) = parse(page(line)).document.body
    assert block == Image("", caption, source, "")


def test_a_sentence_mentioning_an_image_source_stays_a_paragraph() -> None:
    (block,) = parse(page("we credit the image source: unsplash.")).document.body
    assert block == Paragraph("we credit the image source: unsplash.")


def test_several_images_join_by_caption_then_by_place() -> None:
    parsed = read("several_images.txt")
    images = [b for b in parsed.document.body if isinstance(b, Image)]
    assert [(i.alt, i.caption, i.url) for i in images] == [
        ("first alt text", "first figure", "https://placehold.co/1.png"),
        (
            "second alt text",
            "second figure",
            "https://example.com/2.png",
        ),  # the caption-less record
        ("", "third figure", "https://placehold.co/3.png"),
    ]
    assert parsed.warnings == ()


def test_images_sharing_a_caption_take_their_records_in_order() -> None:
    doc = read("variant.txt").document
    urls = [b.url for b in doc.body if isinstance(b, Image)]
    assert urls == ["https://placehold.co/a.png", "https://placehold.co/b.png", ""]


def test_meta_labels_glued_to_values_grouped_items_and_records() -> None:
    meta = parse(
        page(
            "body.",
            meta=(
                "topicdefaults / python",
                "reading time9",
                "view count624,820",
                "stack",
                "  • python",
                "score",
                "  • quality: 95",
                "flags",
                "  • has images: 1",
                "  • image heavy: 0",
                "revision",
                "  • last reviewed: 2026-03-16",
                "entities",
                "    • name: a",
                "    • type: stack",
                "    • name: b",
                "    • type: area",
            ),
        )
    ).document.meta
    assert meta == {
        "topic": "defaults / python",
        "reading_time": 9,
        "view_count": 624820,
        "stack": ["python"],
        "score": {"quality": 95},
        "flags": {"has_images": True, "image_heavy": False},
        "revision": {"last_reviewed": "2026-03-16"},
        "entities": [{"name": "a", "type": "stack"}, {"name": "b", "type": "area"}],
    }


@pytest.mark.parametrize(
    "line",
    [
        "reading time9",
        "reading time: 9",
        "reading time 9",
        "Reading Time: 9",
        "reading_time:9",
        "reading time:\t9",
    ],
)
def test_label_spellings(line: str) -> None:
    assert parse(page("body.", meta=(line,))).document.meta == {"reading_time": 9}


def test_a_long_text_value_may_hold_a_colon() -> None:
    line = (
        "ai briefthe article is written like a careful ai generated engineering draft: it explains"
    )
    meta = parse(page("body.", meta=(line,))).document.meta
    assert meta == {"ai_brief": line.removeprefix("ai brief")}


def test_a_record_ends_where_a_key_repeats() -> None:
    meta = parse(
        page(
            "body.",
            meta=("entities", "    • name: a", "    • name: b", "    • type: x", "    • type: y"),
        )
    ).document.meta
    assert meta["entities"] == [{"name": "a"}, {"name": "b", "type": "x"}, {"type": "y"}]


def test_meta_keys_in_any_order_and_any_missing() -> None:
    meta = parse(page("body.", meta=("reading time3", "topicfirst", "hash"))).document.meta
    assert meta == {"reading_time": 3, "topic": "first", "hash": ""}


def test_blank_lines_and_tabs_inside_the_meta_box() -> None:
    meta = parse(
        page(
            "body.", meta=("score", "\t• quality: 1", "", "\t\t• depth: 2", "", "tools", "\t• ruff")
        )
    ).document.meta
    assert meta == {"score": {"quality": 1, "depth": 2}, "tools": ["ruff"]}


def test_similar_posts_and_what_follows() -> None:
    parsed = read("no_meta.txt")
    assert parsed.document.meta["extra"]["similar_posts"] == [
        "a related post",
        "• another related post",
    ]
    assert parsed.document.body[-1] == ListBlock(("one", "two"))


def test_a_similar_posts_heading_in_the_body_is_a_heading() -> None:
    doc = parse(page("Similar Posts", "", "more body.", meta=("hash",), similar=("x",))).document
    assert doc.body == (Heading("Similar Posts"), Paragraph("more body."))
    assert doc.meta == {"hash": "", "extra": {"similar_posts": ["x"]}}
    without_meta = parse(page("Similar Posts", "", "more body.", similar=("x",))).document
    assert without_meta.body == (Heading("Similar Posts"), Paragraph("more body."))


def test_markers_ignore_case_and_a_colon() -> None:
    text = "|\n\nt\n\nbody.\n\nAlphanode Post Meta:\n\nhash1\n\nsimilar posts:\nother\n"
    doc = parse(text).document
    assert doc.body == (Paragraph("body."),) and doc.meta == {
        "hash": "1",
        "extra": {"similar_posts": ["other"]},
    }


def test_a_page_with_no_meta_box_and_no_similar_posts() -> None:
    doc = parse("|\n\ntitle\n\nonly a paragraph, nothing else.").document
    assert doc.body == (Paragraph("only a paragraph, nothing else."),) and doc.meta == {}


def test_crlf_bom_tabs_and_trailing_spaces() -> None:
    parsed = read("crlf_bom.txt")
    assert parsed.document.title == "crlf title"
    assert parsed.document.body == (Paragraph("a paragraph that ends with a full stop."),)
    assert parsed.document.meta == {"reading_time": 7, "stack": ["python", "ops"]}
    assert parsed.warnings == ()


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_line_endings_do_not_change_the_document(end: str) -> None:
    text = page("a sentence.", "  • x  ", meta=("reading time2",))
    assert parse("\ufeff" + text.replace("\n", end)).document == parse(text).document


def test_markup_stays_plain_text() -> None:
    parsed = read("variant.txt")
    first = parsed.document.body[0]
    assert first == Paragraph(
        'Short intro paragraph with <script>alert("x")</script> kept as plain text.'
    )


def test_the_variant_page() -> None:
    doc = read("variant.txt").document
    assert doc.title == "How do I document production defaults?"
    assert [type(b).__name__ for b in doc.body] == [
        "Paragraph",
        "Heading",
        "Image",
        "Image",
        "Image",
        "Paragraph",
        "ListBlock",
    ]
    assert doc.body[5] == Paragraph("ünïcödé — naïve café, 日本語 text stays as it is.")
    assert doc.meta["reading_time"] == 12 and doc.meta["score"] == {"quality": 80, "depth": 70}
    assert doc.meta["difficulty"] == "advanced" and doc.meta["topic"] == "a different order"
    assert doc.meta["entities"] == [{"name": "python", "type": "stack", "weight": "3"}]
    assert doc.meta["image_sources"][1]["license"] == "cc-by"
    assert doc.meta["extra"] == {
        "author": "jane doe",
        "hashtags": ["python", "ops"],
        "breadcrumb": "home | python services |",
        "similar_posts": ["another post about defaults", "yet another post"],
    }


def test_very_long_lines() -> None:
    long = "word " * 40_000 + "end."
    doc = parse(page(long, meta=("summary" + "s" * 100_000,))).document
    assert doc.body == (Paragraph(long.strip()),) and len(doc.meta["summary"]) == 100_000
