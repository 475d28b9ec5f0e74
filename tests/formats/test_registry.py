"""The reader registry: one choice of reader for parse, import, the API and stdin."""

from __future__ import annotations

import json

import pytest

from alphanode.content.document import Document, ParsedDocument
from alphanode.errors import DocumentRejected, UsageError
from alphanode.formats import jsonl, registry
from alphanode.formats.jsonl import dumps, parse_json
from alphanode.formats.text import line_of
from tests.helpers import seed_text

DOC = '{"title": "a json document", "body": [{"type": "paragraph", "text": "hello"}]}'
WXR = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n'
    b' xmlns:wp="http://wordpress.org/export/1.2/">\n<channel><title>blog</title>'
)


def outcomes(data: bytes, name: str = "-", fmt: str = "auto") -> list[tuple[int, object]]:
    return list(registry.read_all(registry.choose(name, data[: registry.SNIFF_BYTES], fmt), data))


def codes(data: bytes, name: str = "-") -> list[tuple[int | None, str]]:
    found = []
    for _, o in outcomes(data, name):
        assert isinstance(o, DocumentRejected), o
        found.append((o.problems[0].line, o.problems[0].code))
    return found


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (DOC.encode(), "json"),
        (b"[" + DOC.encode() + b"]", "json"),
        (b'{\n  "title": "pretty",\n  "body": []\n}\n', "json"),
        ((DOC + "\n" + DOC + "\n").encode(), "jsonl"),
        ((DOC + "\n{broken\n" + DOC + "\n").encode(), "jsonl"),
        (seed_text().encode(), "scraped"),
        (b"hello world\n", "scraped"),
        (b"", "scraped"),
        (b"[" * 100_000, "json"),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, "json"),
        (b'{"title": ' + b"9" * 5000 + b"}", "json"),
        (b"<script> in templates: a guide\n\nbody text.\n", "scraped"),
    ],
)
def test_sniffing_picks_the_reader(data: bytes, kind: str) -> None:
    assert registry.choose("-", data) == kind


def test_a_page_whose_title_starts_with_a_brace_is_a_page() -> None:
    page = (
        seed_text()
        .removeprefix("|\n\n")
        .replace("production checklist for documenting", "{fast} checklist for documenting", 1)
    )
    assert page.startswith("{fast}")
    ((_, outcome),) = outcomes(page.encode())
    assert isinstance(outcome, ParsedDocument)
    assert outcome.document.title.startswith("{fast} checklist")
    bracket = page.replace("{fast}", "[draft]", 1)
    ((_, outcome),) = outcomes(bracket.encode())
    assert isinstance(outcome, ParsedDocument)


MARKUP = [
    (WXR, "a WordPress export (WXR)", "wordpress"),
    (
        b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        "an RSS or Atom feed",
        "feed",
    ),
    (b'<?xml version="1.0"?>\n<note>hi</note>', "XML", None),
    (b"<!DOCTYPE html>\n<html><head><title>x</title>", "HTML", "html"),
    (b"\n  <html lang=en><body>x</body></html>", "HTML", "html"),
]


@pytest.mark.parametrize(("data", "kind", "reader"), MARKUP)
@pytest.mark.parametrize("name", ["-", "page.txt", "api:bot"])
def test_markup_is_never_read_as_a_page(
    data: bytes, kind: str, reader: str | None, name: str
) -> None:
    chosen = registry.choose(name, data)
    if reader is not None:  # a reader for this markup exists: auto picks it
        assert chosen == reader
    else:
        ((line, outcome),) = outcomes(data, name)
        assert isinstance(outcome, DocumentRejected)
        problem = outcome.problems[0]
        assert (problem.code, problem.value, problem.retry_safe) == ("AN-IMPORT-007", kind, False)
        assert f"no reader handles {kind} yet" in problem.expected
    # Not even when asked for: the scraped reader never takes markup.
    forced = list(registry.read_all(registry.choose(name, data, "scraped"), data))
    assert isinstance(forced[0][1], DocumentRejected)
    assert forced[0][1].problems[0].code == "AN-IMPORT-007"


def test_binary_is_rejected_as_not_text() -> None:
    assert codes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == [(1, "AN-IMPORT-002")]


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(
        UsageError, match="auto or one of wordpress, feed, html, scraped, ghost, json, jsonl"
    ):
        registry.check_format("yaml")


def test_extension_first_then_content() -> None:
    assert registry.choose("posts.json", b"hello") == "json"
    assert registry.choose("POSTS.NDJSON", b"hello") == "jsonl"
    assert registry.choose("page.txt", DOC.encode()) == "scraped"
    assert registry.choose("page.md", DOC.encode()) == "markdown"
    assert registry.choose("page.txt", DOC.encode(), "json") == "json"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"[" * 100_000, jsonl.DEEP),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, jsonl.DEEP),
        (b'{"title": ' + b"9" * 5000 + b"}", jsonl.LONG_NUMBER),
        (b'[{"title": ' + b"9" * 5000 + b"}]", jsonl.LONG_NUMBER),
    ],
)
def test_hostile_json_is_one_clear_rejection(data: bytes, expected: str) -> None:
    ((line, outcome),) = outcomes(data)
    assert isinstance(outcome, DocumentRejected)
    problem = outcome.problems[0]
    assert (problem.code, problem.expected, problem.retry_safe) == (
        "AN-IMPORT-003",
        expected,
        False,
    )
    assert line == 1


def test_float_overflow_is_rejected_not_raised() -> None:
    ((_, outcome),) = outcomes(b'{"title": "x", "meta": {"reading_time": 1e999}}')
    assert isinstance(outcome, DocumentRejected)


def test_jsonl_errors_name_their_own_line() -> None:
    good = DOC.encode()
    data = b"\n".join([good, good, good, b'{"title": "bad \xff byte"}', good]) + b"\n"
    found = [(n, type(o).__name__) for n, o in outcomes(data)]
    assert found == [
        (1, "ParsedDocument"),
        (2, "ParsedDocument"),
        (3, "ParsedDocument"),
        (4, "DocumentRejected"),
        (5, "ParsedDocument"),
    ]
    bad = next(o for _, o in outcomes(data) if isinstance(o, DocumentRejected))
    assert (bad.problems[0].code, bad.problems[0].line) == ("AN-IMPORT-002", 4)


def test_u2028_inside_a_jsonl_string_stays_in_its_document() -> None:
    one = dumps(titled("a\u2028b")).replace("\\u2028", "\u2028")
    assert "\u2028" in one
    data = (one + "\n" + one + "\n").encode()
    found = outcomes(data)
    assert [n for n, _ in found] == [1, 2]
    assert all(isinstance(o, ParsedDocument) and "\u2028" in o.document.title for _, o in found)


def titled(title: str) -> Document:
    ((_, outcome),) = parse_json(json.dumps({"title": title, "body": []}))
    assert isinstance(outcome, ParsedDocument)
    return outcome.document


def test_array_lines_are_exact_with_every_line_ending() -> None:
    for newline in ("\n", "\r\n", "\r"):
        text = "[" + newline + ("," + newline).join([DOC] * 5) + newline + "]"
        assert [n for n, _ in parse_json(text)] == [2, 3, 4, 5, 6], repr(newline)
        crowded = "[" + DOC + "," + newline * 2 + DOC + "," + newline + " " + DOC + "]"
        assert [n for n, _ in parse_json(crowded)] == [1, 3, 4], repr(newline)


def test_forward_line_counter_agrees_with_line_of() -> None:
    """The array reader counts lines as it goes (linear); it must agree with line_of."""
    text = "a\r\nb\rc\n\r\n\rd\r\n"
    counter = jsonl._Lines(text)
    for pos in range(len(text) + 1):
        assert counter.at(pos) == line_of(text, pos), pos
    counter = jsonl._Lines(text)
    for pos in range(0, len(text) + 1, 2):  # jumping over a CRLF's halves
        assert counter.at(pos) == line_of(text, pos), pos
