"""The typed meta schema: kinds, shapes, unknown keys and the special extra keys."""

from __future__ import annotations

from typing import Any

import pytest

from alphanode.content.meta import (
    BOOL,
    COUNT,
    DATE,
    MINUTES,
    SCORE,
    CoercionError,
    Kind,
    label,
    shown,
    snake,
    validate_meta,
)


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (MINUTES, "9", 9),
        (MINUTES, " 12 ", 12),
        (MINUTES, 0, 0),
        (COUNT, "624,820", 624820),
        (COUNT, "1_000", 1000),
        (COUNT, "9223372036854775807", 2**63 - 1),
        (SCORE, "100", 100),
        (BOOL, "1", True),
        (BOOL, "no", False),
        (BOOL, 0, False),
        (BOOL, True, True),
        (DATE, "2026-03-16", "2026-03-16"),
        (DATE, " 2024-02-29", "2024-02-29"),
    ],
)
def test_kinds_read_text_and_json(kind: Kind, raw: Any, value: Any) -> None:
    assert kind.coerce(raw) == value


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (MINUTES, "nine"),
        (MINUTES, "-1"),
        (MINUTES, True),
        (MINUTES, 9.0),
        (MINUTES, "٣"),
        (MINUTES, "²"),
        (COUNT, "9223372036854775808"),
        (COUNT, "1" * 5000),
        (COUNT, "1,00"),
        (SCORE, "101"),
        (BOOL, "maybe"),
        (BOOL, 2),
        (DATE, "20260316"),
        (DATE, "2026-W11-1"),
        (DATE, "2026-02-30"),
        (DATE, 20260316),
    ],
)
def test_kinds_refuse_wrong_values(kind: Kind, raw: Any) -> None:
    with pytest.raises(CoercionError) as caught:
        kind.coerce(raw)
    assert caught.value.expected == kind.expected


def test_labels_and_keys() -> None:
    assert label("reading_time") == "reading time"
    assert snake(" Last-Reviewed ") == "last_reviewed"
    assert snake("ai  outline:") == "ai_outline"


def test_shown_values_are_short_and_json() -> None:
    assert shown("x") == "x"
    assert shown(None) == "null" and shown([1, "a"]) == '[1, "a"]'
    assert shown("y" * 300).endswith("…") and len(shown("y" * 300)) == 201


def test_known_keys_are_typed_and_unknown_keys_move_to_extra() -> None:
    result = validate_meta(
        {"reading_time": "9", "flags": {"has_images": "1"}, "author": "jane"},
        {"meta.author": 12},
    )
    assert result.meta == {
        "reading_time": 9,
        "flags": {"has_images": True},
        "extra": {"author": "jane"},
    }
    assert result.problems == []
    ((code, field, value, line),) = [(w.code, w.field, w.value, w.line) for w in result.warnings]
    assert (code, field, value, line) == ("AN-WARN-001", "meta.author", "jane", 12)


def test_special_extra_keys_are_not_warned_about() -> None:
    raw = {"breadcrumb": "| a", "extra": {"similar_posts": ["b"], "unparsed_lines": []}}
    result = validate_meta(raw)
    assert result.warnings == [] and result.problems == []
    assert result.meta == {
        "extra": {"similar_posts": ["b"], "unparsed_lines": [], "breadcrumb": "| a"}
    }


def test_unknown_record_fields_are_kept_as_they_came() -> None:
    result = validate_meta({"revision": {"status": "ok", "build": 7}})
    assert result.meta == {"revision": {"status": "ok", "build": 7}}
    assert [(w.code, w.field) for w in result.warnings] == [("AN-WARN-001", "meta.revision.build")]


def test_problems_name_the_line_they_came_from() -> None:
    result = validate_meta({"score": {"depth": "deep"}}, {"meta.score.depth": 40})
    ((field, value, expected, line),) = [
        (p.field, p.value, p.expected, p.line) for p in result.problems
    ]
    assert (field, value, expected, line) == (
        "meta.score.depth",
        "deep",
        "a whole number from 0 to 100",
        40,
    )


def test_unsafe_image_source_urls_are_warned_about() -> None:
    result = validate_meta(
        {"image_sources": [{"url": "javascript:x"}, {"url": "https://ok.test/"}]}
    )
    assert [(w.code, w.field, w.value) for w in result.warnings] == [
        ("AN-WARN-003", "meta.image_sources[0].url", "javascript:x")
    ]
