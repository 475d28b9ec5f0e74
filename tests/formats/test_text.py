"""Decoding bytes: UTF-8 with or without a BOM, any line ending; binary junk is rejected."""

from __future__ import annotations

import pytest

from alphanode.errors import DocumentRejected
from alphanode.formats.text import check_text, decode, line_of, split_lines


def test_utf8_with_and_without_bom() -> None:
    assert decode("é\n".encode()) == "é\n"
    assert decode(b"\xef\xbb\xbfa") == "a"


def test_line_endings_and_trailing_white_space() -> None:
    assert split_lines("a  \r\nb\t\rc\n\ufeff") == ["a", "b", "c", "\ufeff"]
    assert split_lines("\ufeffa\r\n") == ["a", ""]


@pytest.mark.parametrize(
    ("data", "line", "seen"),
    [
        (b"ok\nok\n\x00junk", 3, "U+0000 at column 1"),
        (b"a\r\nb\rc\x01", 3, "U+0001 at column 2"),
        (b"\x1b[31mred", 1, "U+001B at column 1"),
        (b"text\x7f", 1, "U+007F at column 5"),
        (b"line one\nline \xff two", 2, "bytes ff 20 74 77"),
        (b"a\rb\r\xc3", 3, "bytes c3"),
        (b"\xff\xfeh\x00i\x00", 1, "bytes ff fe"),
    ],
)
def test_binary_junk_and_bad_utf8_are_rejected_with_their_line(
    data: bytes, line: int, seen: str
) -> None:
    with pytest.raises(DocumentRejected) as caught:
        decode(data)
    (problem,) = caught.value.problems
    assert (problem.code, problem.line, problem.value) == ("AN-IMPORT-002", line, seen)
    assert "UTF-8" in problem.expected


def test_white_space_controls_are_text() -> None:
    check_text("tab\there\x0bvertical\x0cform feed\x85next line\u2028")


def test_a_lone_surrogate_is_not_text() -> None:
    with pytest.raises(DocumentRejected) as caught:
        check_text("a\n\ud800")
    assert caught.value.problems[0].line == 2


def test_line_of_counts_every_line_ending() -> None:
    text = "a\r\nb\rc\nd"
    assert [line_of(text, text.index(c)) for c in "abcd"] == [1, 2, 3, 4]
