"""Arbitrary bytes into every registered reader: documents or rejections, never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alphanode.content.document import ParsedDocument
from alphanode.errors import DocumentRejected
from alphanode.formats import registry

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PREFIXES = [b"", b"{", b"[", b'{"title": ', b"<?xml ", b"<html>", b"\xef\xbb\xbf", b"title\n\n"]
TAILS = [b"", b"\nalphanode post meta\n", b"\nSimilar Posts\n", b"}", b"]", b"\n"]


def check_all(data: bytes) -> None:
    for fmt in (registry.AUTO, *registry.names()):
        for name in ("-", "in.txt", "in.json", "in.jsonl", "in.md"):
            kind = registry.choose(name, data[: registry.SNIFF_BYTES], fmt)
            for line, outcome in registry.read_all(kind, data):
                assert isinstance(outcome, ParsedDocument | DocumentRejected)
                assert line >= 1


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    check_all(data)


@FUZZ
@given(st.sampled_from(PREFIXES), st.text(max_size=400), st.sampled_from(TAILS))
def test_text_with_format_like_starts(prefix: bytes, body: str, tail: bytes) -> None:
    check_all(prefix + body.encode("utf-8", "surrogatepass") + tail)


@FUZZ
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=30,
    ),
    st.integers(min_value=0, max_value=300),
)
def test_json_values_and_deep_nesting(value: object, depth: int) -> None:
    import json

    text = "[" * depth + json.dumps(value) + "]" * depth
    check_all(text.encode())
    check_all(('{"a":' * depth + json.dumps(value) + "}" * depth).encode())
