"""Validation at the boundary: a wrong value rejects its document, naming where and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphanode.errors import DocumentRejected, Problem
from alphanode.formats.jsonl import from_object, iter_jsonl, parse_json
from alphanode.formats.scraped import parse
from alphanode.formats.text import decode

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
HEAD = "|\n\na title\n\nbody.\n\nalphanode post meta\n\n"  # the box starts on line 9


def rejected(text: str) -> Problem:
    with pytest.raises(DocumentRejected) as caught:
        parse(text)
    return caught.value.problems[0]


@pytest.mark.parametrize(
    ("box", "field", "value", "expected", "line"),
    [
        ("reading timenine", "meta.reading_time", "nine", "a whole number of minutes", 9),
        ("reading time-3", "meta.reading_time", "-3", "a whole number of minutes", 9),
        ("reading time9.5", "meta.reading_time", "9.5", "a whole number of minutes", 9),
        ("reading time٣", "meta.reading_time", "٣", "a whole number of minutes", 9),
        ("reading time" + "9" * 20, "meta.reading_time", "9" * 20, "a whole number of minutes", 9),
        ("view countmany", "meta.view_count", "many", "a whole number", 9),
        (
            "score\n  • quality: 101",
            "meta.score.quality",
            "101",
            "a whole number from 0 to 100",
            10,
        ),
        ("score\n  • depth: high", "meta.score.depth", "high", "a whole number from 0 to 100", 10),
        (
            "flags\n  • has images: maybe",
            "meta.flags.has_images",
            "maybe",
            "1 or 0 (true or false)",
            10,
        ),
        (
            "revision\n  • status: ok\n  • last reviewed: 16/03/2026",
            "meta.revision.last_reviewed",
            "16/03/2026",
            "an ISO date such as 2026-03-16",
            11,
        ),
        (
            "revision\n  • last reviewed: 2026-02-30",
            "meta.revision.last_reviewed",
            "2026-02-30",
            "an ISO date such as 2026-03-16",
            10,
        ),
        ("payload\n  • seed: abc", "meta.payload.seed", "abc", "a whole number", 10),
        (
            "payload\n  • generator: g\n  • paragraphs: six",
            "meta.payload.paragraphs",
            "six",
            "a whole number",
            11,
        ),
        ("score: 95", "meta.score", "95", "a record of 'name: value' entries", 9),
    ],
)
def test_wrong_values_name_field_value_expected_and_line(
    box: str, field: str, value: str, expected: str, line: int
) -> None:
    problem = rejected(HEAD + box + "\n\nSimilar Posts\n")
    assert problem.code in ("AN-IMPORT-004", "AN-IMPORT-005")
    assert (problem.field, problem.value, problem.expected, problem.line) == (
        field,
        value,
        expected,
        line,
    )
    assert problem.retry_safe is False


def test_every_wrong_value_is_listed_and_the_message_says_what_to_do() -> None:
    with pytest.raises(DocumentRejected) as caught:
        parse(HEAD + "reading timenine\nview countmany\n")
    exc = caught.value
    assert [p.field for p in exc.problems] == ["meta.reading_time", "meta.view_count"]
    located = exc.located("seed.txt").problems[0]
    assert located.message() == (
        "AN-IMPORT-004 seed.txt:9 meta.reading_time: got 'nine', expected a whole number of "
        "minutes; the document was not imported; retry after fixing the input."
    )
    assert located.to_dict()["file"] == "seed.txt" and exc.code == "AN-IMPORT-004"


def test_the_wrong_types_fixture() -> None:
    with pytest.raises(DocumentRejected) as caught:
        parse(decode((PAGES / "wrong_types.txt").read_bytes()))
    (problem,) = caught.value.problems
    assert (problem.code, problem.field, problem.value, problem.line) == (
        "AN-IMPORT-004",
        "meta.reading_time",
        "nine",
        10,
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),
        ("   \n\t\n", 1),
        ("|\n\n", 2),
        ("|\n\nalphanode post meta\n\nhash1\n", 3),
        ("Similar Posts\n", 1),
    ],
)
def test_a_page_without_a_title_is_rejected(text: str, line: int) -> None:
    problem = rejected(text)
    assert (problem.code, problem.field, problem.line) == ("AN-IMPORT-001", "title", line)


@pytest.mark.parametrize("name", ["empty.txt", "blank.txt"])
def test_empty_fixtures(name: str) -> None:
    with pytest.raises(DocumentRejected) as caught:
        parse(decode((PAGES / name).read_bytes()))
    assert caught.value.code == "AN-IMPORT-001"


def test_binary_junk_is_rejected_with_its_line() -> None:
    with pytest.raises(DocumentRejected) as caught:
        parse(decode((PAGES / "binary.bin").read_bytes()))
    assert (caught.value.code, caught.value.problems[0].line) == ("AN-IMPORT-002", 1)
    problem = rejected("|\n\ntitle\n\nbody\x00 with a nul.\n")
    assert (problem.code, problem.value, problem.line) == ("AN-IMPORT-002", "U+0000 at column 5", 5)


# JSON: wrong shapes, each naming its field.
@pytest.mark.parametrize(
    ("obj", "code", "field"),
    [
        ("just text", "AN-IMPORT-005", "document"),
        ({"body": []}, "AN-IMPORT-005", "title"),
        ({"title": "  "}, "AN-IMPORT-005", "title"),
        ({"title": "t", "body": {}}, "AN-IMPORT-005", "body"),
        ({"title": "t", "body": [{"type": "video"}]}, "AN-IMPORT-005", "body[0].type"),
        ({"title": "t", "body": [{"type": "paragraph"}]}, "AN-IMPORT-005", "body[0].text"),
        (
            {"title": "t", "body": [{"type": "list", "items": [1]}]},
            "AN-IMPORT-005",
            "body[0].items",
        ),
        ({"title": "t", "body": [{"type": "image", "url": 5}]}, "AN-IMPORT-005", "body[0].url"),
        ({"title": "t", "meta": []}, "AN-IMPORT-005", "meta"),
        ({"title": "t", "meta": {"reading_time": "nine"}}, "AN-IMPORT-004", "meta.reading_time"),
        ({"title": "t", "meta": {"reading_time": True}}, "AN-IMPORT-004", "meta.reading_time"),
        ({"title": "t", "meta": {"view_count": 9.0}}, "AN-IMPORT-004", "meta.view_count"),
        ({"title": "t", "meta": {"stack": "python"}}, "AN-IMPORT-005", "meta.stack"),
        ({"title": "t", "meta": {"stack": ["a", 2]}}, "AN-IMPORT-004", "meta.stack[1]"),
        ({"title": "t", "meta": {"score": [95]}}, "AN-IMPORT-005", "meta.score"),
        ({"title": "t", "meta": {"flags": {"x": 2}}}, "AN-IMPORT-004", "meta.flags.x"),
        ({"title": "t", "meta": {"entities": {"name": "x"}}}, "AN-IMPORT-005", "meta.entities"),
        ({"title": "t", "meta": {"entities": ["x"]}}, "AN-IMPORT-005", "meta.entities[0]"),
        ({"title": "t", "meta": {"payload": {"seed": -1}}}, "AN-IMPORT-004", "meta.payload.seed"),
        ({"title": "t", "meta": {"extra": []}}, "AN-IMPORT-005", "meta.extra"),
        (
            {"title": "t", "meta": {"extra": {"breadcrumb": 1}}},
            "AN-IMPORT-005",
            "meta.extra.breadcrumb",
        ),
        (
            {"title": "t", "meta": {"extra": {"similar_posts": "x"}}},
            "AN-IMPORT-005",
            "meta.extra.similar_posts",
        ),
        ({"title": "t", "meta": {"a": 1, "extra": {"a": 2}}}, "AN-IMPORT-005", "meta.extra.a"),
        ({"title": "t", "slug": "Not A Slug"}, "AN-IMPORT-004", "slug"),
        ({"title": "t", "slug": 7}, "AN-IMPORT-004", "slug"),
        ({"title": "t\ud800"}, "AN-IMPORT-002", "title"),
        ({"title": "t", "meta": {"extra": {"x": float("nan")}}}, "AN-IMPORT-004", "meta.extra.x"),
        ({"title": "t", "meta": {"extra": {"x": 2**64}}}, "AN-IMPORT-004", "meta.extra.x"),
    ],
)
def test_json_wrong_shapes(obj: object, code: str, field: str) -> None:
    text = json.dumps(obj)
    ((line, outcome),) = parse_json(text)
    assert isinstance(outcome, DocumentRejected)
    problem = outcome.problems[0]
    assert (problem.code, problem.field, problem.line, line) == (code, field, 1, 1)


def test_json_nesting_too_deep() -> None:
    deep: object = "x"
    for _ in range(40):
        deep = [deep]
    with pytest.raises(DocumentRejected) as caught:
        from_object({"title": "t", "meta": {"extra": {"x": deep}}})
    assert caught.value.code == "AN-IMPORT-005"


def test_bad_json_lines_are_rejected_and_the_rest_goes_on() -> None:
    lines = [
        '{"title": "one"}',
        "{not json",
        "",
        '{"title": "three", "meta": {"reading_time": "x"}}',
        "[" * 50_000,
        '{"title": "' + "9" * 5000 + '"}',
        "9" * 5000,
        '{"title": "six"}',
    ]
    outcomes = list(iter_jsonl(lines))
    assert [n for n, _ in outcomes] == [1, 2, 4, 5, 6, 7, 8]
    kinds = [o.code if isinstance(o, DocumentRejected) else o.document.title for _, o in outcomes]
    assert kinds == [
        "one",
        "AN-IMPORT-003",
        "AN-IMPORT-004",
        "AN-IMPORT-003",
        "9" * 5000,
        "AN-IMPORT-003",
        "six",
    ]
    bad = outcomes[1][1]
    assert isinstance(bad, DocumentRejected) and bad.problems[0].line == 2


def test_a_json_array_names_the_line_of_each_document() -> None:
    text = '[\n  {"title": "a"},\n  {"title": 5},\n\n  {"title": "c"}\n]\n'
    outcomes = parse_json(text)
    assert [n for n, _ in outcomes] == [2, 3, 5]
    assert isinstance(outcomes[1][1], DocumentRejected) and outcomes[1][1].problems[0].line == 3


@pytest.mark.parametrize(
    ("text", "lines", "codes"),
    [
        ("", [1], ["AN-IMPORT-001"]),
        ("[]", [], []),
        ('[{"title": "a"}, {broken', [1, 1], [None, "AN-IMPORT-003"]),
        ('[{"title": "a"}] trailing', [1, 1], [None, "AN-IMPORT-003"]),
        ('{"title": "a"}\n{"title": "b"}', [2], ["AN-IMPORT-003"]),
        ("[" * 50_000, [1], ["AN-IMPORT-003"]),
    ],
)
def test_broken_json_files(text: str, lines: list[int], codes: list[str | None]) -> None:
    outcomes = parse_json(text)
    assert [n for n, _ in outcomes] == lines
    assert [o.code if isinstance(o, DocumentRejected) else None for _, o in outcomes] == codes
