"""Property tests: the writer and the reader are inverses; nothing but DocumentRejected escapes."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alphanode.content.document import Document, ParsedDocument
from alphanode.errors import DocumentRejected
from alphanode.formats.jsonl import dumps, from_object, iter_jsonl, parse_json, parse_jsonl
from alphanode.formats.render import render
from alphanode.formats.scraped import parse
from alphanode.formats.text import decode
from tests.formats.strategies import any_text, canonical_documents, expressible_documents

SLOW = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(expressible_documents())
def test_parse_render_is_the_identity_on_expressible_documents(doc: Document) -> None:
    text = render(doc)
    assert parse(text).document == doc
    assert render(parse(text).document) == text


@SLOW
@given(canonical_documents())
def test_json_round_trip(doc: Document) -> None:
    assert from_object(json.loads(dumps(doc))).document == doc
    ((_, outcome),) = parse_json(dumps(doc, indent=2))
    assert isinstance(outcome, ParsedDocument) and outcome.document == doc


@SLOW
@given(st.lists(canonical_documents(), max_size=3))
def test_jsonl_round_trip_keeps_one_document_per_line(docs: list[Document]) -> None:
    text = "".join(dumps(d) + "\n" for d in docs)
    assert text.count("\n") == len(docs)
    outcomes = [o for _, o in parse_jsonl(text)]
    assert [o.document for o in outcomes if isinstance(o, ParsedDocument)] == docs
    # Even a reader that splits on every Unicode line break sees one document per line.
    assert [
        o.document for _, o in iter_jsonl(text.splitlines()) if isinstance(o, ParsedDocument)
    ] == docs


@SLOW
@given(any_text)
def test_any_text_is_read_or_rejected(text: str) -> None:
    try:
        parsed = parse(text)
    except DocumentRejected as exc:
        assert exc.problems and all(p.code.startswith("AN-IMPORT-") for p in exc.problems)
        return
    assert parsed.document.title.strip()
    render(parsed.document)  # whatever was read can be written out


@SLOW
@given(st.binary(max_size=300))
def test_any_bytes_are_read_or_rejected(data: bytes) -> None:
    try:
        parse(decode(data))
    except DocumentRejected:
        pass


@SLOW
@given(any_text)
def test_any_json_text_gives_outcomes_only(text: str) -> None:
    for _, outcome in parse_json(text):
        assert isinstance(outcome, ParsedDocument | DocumentRejected)
    for _, outcome in iter_jsonl(text.split("\n")):
        assert isinstance(outcome, ParsedDocument | DocumentRejected)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    ["title", "body", "meta", "slug", "type", "text", "items", "extra", "score"]
)
json_objects = st.dictionaries(_KEYS, json_values, max_size=5)


@SLOW
@given(st.one_of(json_objects, json_values))
def test_any_json_value_is_read_or_rejected(value: object) -> None:
    try:
        from_object(value)
    except DocumentRejected:
        pass
