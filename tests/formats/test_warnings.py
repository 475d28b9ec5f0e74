"""Odd input is accepted with warnings, and every value seen is kept: nothing is lost silently."""

from __future__ import annotations

import json
from pathlib import Path

from alphanode.content.document import Image
from alphanode.errors import DocumentWarning
from alphanode.formats.jsonl import dumps, from_object
from alphanode.formats.render import render
from alphanode.formats.scraped import parse
from alphanode.formats.text import decode

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"


def read(name: str) -> tuple[dict[str, object], list[DocumentWarning]]:
    parsed = parse(decode((PAGES / name).read_bytes()))
    return parsed.document.meta, list(parsed.warnings)


def codes(warnings: list[DocumentWarning]) -> list[tuple[str, str, int | None]]:
    return [(w.code, w.field, w.line) for w in warnings]


def test_unknown_keys_are_kept_in_extra_with_a_warning_each() -> None:
    meta, warnings = read("unknown_keys.txt")
    assert meta["extra"] == {
        "author": "jane doe",
        "hashtags": ["python", "ops"],
        "license": {"name": "cc-by", "url": "https://creativecommons.org/licenses/by/4.0/"},
        "contributors": [{"name": "ana", "role": "author"}, {"name": "bo", "role": "editor"}],
    }
    assert meta["revision"] == {"status": "draft", "build": "7"}
    assert codes(warnings) == [
        ("AN-WARN-001", "meta.author", 10),
        ("AN-WARN-001", "meta.hashtags", 11),
        ("AN-WARN-001", "meta.license", 14),
        ("AN-WARN-001", "meta.contributors", 17),
        ("AN-WARN-001", "meta.revision.build", 24),
    ]
    assert warnings[0].value == "jane doe" and warnings[-1].value == "7"


def test_a_label_that_starts_like_a_known_one_is_not_taken_for_it() -> None:
    text = "|\n\nt\n\nalphanode post meta\n\nhashtags: a b\ntopics: x\n"
    meta = parse(text).document.meta
    assert meta == {"extra": {"hashtags": "a b", "topics": "x"}}


def test_odd_lines_are_kept_in_unparsed_lines_with_a_warning_each() -> None:
    meta, warnings = read("odd_lines.txt")
    assert meta["topic"] == "first topic" and meta["score"] == {"quality": 90}
    assert meta["summary"] == "" and meta["stack"] == ["python, fastapi"]
    assert meta["extra"] == {
        "unparsed_lines": [
            "• an item before any label",
            "topicsecond topic",
            "authorjane",
            "• not a pair at all",
            "• a summary has no items",
        ]
    }
    assert codes(warnings) == [
        ("AN-WARN-002", "meta.extra.unparsed_lines", 9),
        ("AN-WARN-002", "meta.extra.unparsed_lines", 11),
        ("AN-WARN-002", "meta.extra.unparsed_lines", 12),
        ("AN-WARN-002", "meta.extra.unparsed_lines", 15),
        ("AN-WARN-002", "meta.extra.unparsed_lines", 17),
        ("AN-WARN-002", "meta.stack", 18),
    ]


def test_unparsed_lines_survive_writing_and_reading_again() -> None:
    first = parse(decode((PAGES / "odd_lines.txt").read_bytes()))
    again = parse(render(first.document))
    assert again.document == first.document
    assert [
        w.value for w in again.warnings if w.field == "meta.extra.unparsed_lines"
    ] == first.document.meta["extra"]["unparsed_lines"]


def test_a_non_http_url_is_kept_as_inert_text_with_a_warning() -> None:
    parsed = parse(decode((PAGES / "unsafe_urls.txt").read_bytes()))
    (image,) = parsed.document.body
    assert isinstance(image, Image) and image.url == "javascript:alert(document.cookie)"
    assert codes(list(parsed.warnings)) == [("AN-WARN-003", "meta.image_sources[0].url", 12)]
    assert parsed.warnings[0].value == "javascript:alert(document.cookie)"


def test_url_checks() -> None:
    from alphanode.content.meta import is_safe_url

    assert is_safe_url("https://placehold.co/1200x630/png?text=a+b")
    assert is_safe_url("HTTP://example.com")
    for bad in (
        "javascript:alert(1)",
        "//evil.example/x",
        "https://",
        "https:// x",
        "data:text/html,x",
        " https://a.b",
    ):
        assert not is_safe_url(bad), bad


def test_an_image_without_a_record_keeps_its_caption_and_warns() -> None:
    parsed = parse(decode((PAGES / "variant.txt").read_bytes()))
    orphan = [w for w in parsed.warnings if w.code == "AN-WARN-004"]
    assert [(w.field, w.value, w.line) for w in orphan] == [("body[4].url", "no record here", 15)]


def test_json_unknown_keys_warn_and_their_values_are_kept_or_shown() -> None:
    obj = {
        "title": "t",
        "body": [
            {"type": "paragraph", "text": "x", "style": "bold"},
            {"type": "image", "url": "ftp://x"},
        ],
        "meta": {"author": "jane", "extra": {"kept": 1}},
        "version": 2,
    }
    parsed = from_object(obj)
    assert parsed.document.meta == {"extra": {"kept": 1, "author": "jane"}}
    assert [(w.code, w.field, w.value) for w in parsed.warnings] == [
        ("AN-WARN-001", "body[0].style", "bold"),
        ("AN-WARN-003", "body[1].url", "ftp://x"),
        ("AN-WARN-001", "meta.author", "jane"),
        ("AN-WARN-001", "version", "2"),
    ]
    assert json.loads(dumps(parsed.document))["meta"]["extra"]["author"] == "jane"


def test_a_label_with_a_value_and_items_keeps_the_line() -> None:
    text = "|\n\nt\n\nalphanode post meta\n\nfoo: bar\n  • x\nstack: y\n  • z\n"
    parsed = parse(text)
    assert parsed.document.meta == {
        "stack": ["z"],
        "extra": {"foo": ["x"], "unparsed_lines": ["foo: bar", "stack: y"]},
    }
    assert [(w.code, w.line) for w in parsed.warnings] == [
        ("AN-WARN-002", 7),
        ("AN-WARN-001", 7),
        ("AN-WARN-002", 9),
    ]
