"""Near-duplicates and hostile documents: marked, deterministic, accepted or rejected exactly."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import pytest

from alphanode.content.document import Image, ListBlock, ParsedDocument
from alphanode.content.meta import validate_meta
from alphanode.errors import DocumentRejected, UsageError
from alphanode.formats.jsonl import iter_jsonl
from alphanode.formats.scraped import parse
from alphanode.synth import SynthItem, SynthOptions, generate, kind_of, synthesize
from alphanode.synth.hostile import KINDS, LONG_FIELD, WRONG_VALUES

MIXED = SynthOptions(near_duplicates=0.25, hostile=0.35)


def run(count: int = 1500, seed: int = 9000, options: SynthOptions = MIXED) -> list[SynthItem]:
    return list(generate(count, seed, options))


def words(item: SynthItem) -> list[str]:
    return " ".join(str(b.to_dict()) for b in item.document.body).split()


def json_outcome(item: SynthItem) -> ParsedDocument | DocumentRejected:
    ((_, outcome),) = list(iter_jsonl([item.to_json()]))
    return outcome


def test_kinds_follow_the_seed_and_the_rates() -> None:
    items = run()
    again = run()
    assert [i.to_json() for i in items] == [i.to_json() for i in again]
    near = [i for i in items if i.near_duplicate_of]
    hostile = [i for i in items if i.hostile]
    assert 0.2 * len(items) < len(near) < 0.3 * len(items)
    assert 0.3 * len(items) < len(hostile) < 0.4 * len(items)
    for i in items:
        kind = kind_of(i.seed, MIXED)
        if i.hostile:
            assert kind == "hostile"
        elif i.near_duplicate_of:
            assert kind == "near_duplicate"
        else:  # a near-duplicate with no normal document before it in the run stays normal
            assert kind == "normal" or (kind == "near_duplicate" and i.seed < 9000 + 10)
    assert all(kind_of(s, SynthOptions()) == "normal" for s in range(1000))


def test_near_duplicates_copy_an_earlier_normal_document_lightly() -> None:
    items = run()
    by_ref = {i.document.reference: i for i in items}
    near = [i for i in items if i.near_duplicate_of]
    assert near
    for dup in near:
        original = by_ref[str(dup.near_duplicate_of)]
        assert original.seed < dup.seed and not original.synthetic, "an earlier, normal document"
        a, b = original.document, dup.document
        assert b.reference != a.reference and b.meta["payload"]["seed"] == dup.seed
        assert b.meta["payload"]["source_id"] == f"alphanode-{dup.seed:06d}"
        assert b.title == a.title
        for key in ("topic", "ai_outline", "stack", "tools", "checklist", "entities"):
            assert b.meta[key] == a.meta[key], key
        assert b.meta["payload"]["scenario"] == a.meta["payload"]["scenario"]
        assert [x.type for x in b.body] == [x.type for x in a.body]
        changed = [x for x, y in zip(a.body, b.body, strict=True) if x != y]
        mark = dup.synthetic
        assert len(changed) <= int(mark["reworded_paragraphs"]) + int(mark["changed_words"])
        assert 1 <= len(changed) <= 5
        ratio = difflib.SequenceMatcher(None, words(original), words(dup)).ratio()
        assert ratio > 0.8, ratio


def test_hostile_documents_carry_what_their_mark_says() -> None:
    seen: set[str] = set()
    for item in run():
        if not item.hostile:
            continue
        doc = item.document
        text = item.to_text()
        for mark in item.hostile:
            kind, _, detail = mark.partition(":")
            assert kind in KINDS, mark
            seen.add(kind)
            if kind == "markup":
                assert "<" in doc.title + str(doc.to_dict()["body"])
            elif kind == "script":
                assert any("<script" in str(b.to_dict()) for b in doc.body)
            elif kind == "javascript_url":
                urls = [b.url for b in doc.body if isinstance(b, Image)]
                assert any(not u.startswith("https://") for u in urls)
            elif kind == "overlong":
                longest = max(
                    [len(doc.title), len(doc.meta["summary"])]
                    + [len(x) for b in doc.body for x in _texts(b)]
                )
                assert longest >= LONG_FIELD, mark
            else:
                assert any(c.field == "meta." + detail for c in item.corruptions)
        assert len(text.encode()) < 200_000 < 4 * 1024 * 1024
    assert seen == set(KINDS)


def _texts(block: object) -> Iterator[str]:
    if isinstance(block, ListBlock):
        yield from (i for i in block.items if isinstance(i, str))
    else:
        yield str(getattr(block, "text", ""))


def test_exactly_the_wrong_typed_documents_are_rejected_naming_field_and_value() -> None:
    rejected = 0
    for item in run():
        wrong = {(c.field, c.value) for c in item.corruptions}
        assert bool(wrong) == any(m.startswith("wrong_type:") for m in item.hostile)
        outcome = json_outcome(item)
        if wrong:
            rejected += 1
            with pytest.raises(DocumentRejected) as caught:
                parse(item.to_text())
            assert {(p.field, p.value) for p in caught.value.problems} == wrong
            assert isinstance(outcome, DocumentRejected)
            assert {(p.field, p.value) for p in outcome.problems} == wrong
            continue
        parsed = parse(item.to_text())  # markup, scripts, bad URLs, long fields: accepted
        assert parsed.document == item.document, item.seed
        assert not isinstance(outcome, DocumentRejected), item.seed
        assert outcome.document == item.document
        if not item.synthetic:
            assert parsed.warnings == () and outcome.warnings == ()
    assert rejected > 50


@pytest.mark.parametrize(
    ("key", "value"), [(k, v) for k, values in WRONG_VALUES.items() for v in values]
)
def test_every_wrong_value_is_one_the_meta_schema_rejects(key: str, value: str) -> None:
    meta = synthesize(1).meta
    field = {"score": "depth", "flags": "has_images", "revision": "last_reviewed"}.get(key)
    raw = {**meta, key: {**meta[key], field: value} if field else value}
    result = validate_meta(raw)
    path = f"meta.{key}" + (f".{field}" if field else "")
    assert [(p.field, p.value) for p in result.problems] == [(path, value)]


@pytest.mark.parametrize(
    "options",
    [
        {"near_duplicates": -0.1},
        {"hostile": 1.5},
        {"near_duplicates": 0.6, "hostile": 0.6},
        {"size": "huge"},
    ],
)
def test_bad_options_are_usage_errors(options: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        SynthOptions(**options)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        generate(-1)
