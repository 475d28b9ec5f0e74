"""Normal documents: the seed page's structure and conventions, and an exact round trip."""

from __future__ import annotations

import re

import pytest

from alphanode.content.document import Document, Heading, Image, ListBlock, Paragraph
from alphanode.content.meta import SCHEMA
from alphanode.errors import DocumentRejected
from alphanode.formats.jsonl import dumps, iter_jsonl
from alphanode.formats.render import render
from alphanode.formats.scraped import parse
from alphanode.synth import GENERATOR, SIZES, Size, SynthItem, generate, synthesize
from alphanode.synth import vocabulary as V

REF_RE = re.compile(r"anp-ref-(\d{6,})-\d{4}")
HEX24_RE = re.compile(r"[0-9a-f]{24}")


def test_every_normal_document_of_10000_seeds_parses_cleanly_and_round_trips() -> None:
    for item in generate(10_000, 0):
        parsed = parse(item.to_text())
        assert parsed.warnings == (), (item.seed, parsed.warnings)
        assert parsed.document == item.document, item.seed


@pytest.mark.parametrize("size", SIZES)
def test_other_sizes_round_trip_too(size: Size) -> None:
    for seed in range(300):
        doc = synthesize(seed, size)
        parsed = parse(render(doc))
        assert parsed.warnings == () and parsed.document == doc, (size, seed)


def check_conventions(doc: Document, seed: int) -> None:
    meta = doc.meta
    assert list(meta) == list(SCHEMA), "every key of the seed, in the seed's order"
    assert doc.title == doc.title.lower() and doc.title.strip() == doc.title
    outline, payload, flags = meta["ai_outline"], meta["payload"], meta["flags"]
    assert outline["problem"] in V.PROBLEMS and outline["context"] == payload["scenario"]
    assert outline["stack"] in {s.name for s in V.STACKS}
    assert payload["scenario"] in V.SCENARIOS
    assert meta["topic"] == f"{outline['problem']} / {outline['stack']}"
    assert meta["stack"][0] == outline["stack"]
    m = REF_RE.fullmatch(meta["reference"])
    assert m is not None and int(m.group(1)) == seed
    assert HEX24_RE.fullmatch(meta["hash"])
    assert payload == {
        "source_id": f"alphanode-{seed:06d}",
        "generator": GENERATOR,
        "paragraphs": doc.paragraph_count() - 1,  # the seed's convention: not the intro
        "scenario": payload["scenario"],
        "seed": seed,
    }
    assert meta["reading_time"] == max(1, round(doc.word_count() / 200 + 1e-9))
    assert all(0 <= v <= 100 for v in meta["score"].values())
    assert list(meta["score"]) == ["quality", "freshness", "depth", "clarity"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["revision"]["last_reviewed"])
    images = [b for b in doc.body if isinstance(b, Image)]
    assert flags["has_images"] is bool(images)
    assert flags["image_heavy"] is (len(images) >= 3)
    assert len(images) <= 3
    assert meta["image_sources"] == [
        {"source": i.source, "url": i.url, "caption": i.caption} for i in images
    ]
    for i in images:
        text = i.caption[:42].replace(" ", "+")
        assert re.fullmatch(rf"https://placehold\.co/\d+x\d+/png\?text={re.escape(text)}", i.url)
        assert i.alt == i.caption and i.source == "placehold.co"
    assert meta["notes"][-1] == V.LAST_NOTE
    assert isinstance(doc.body[0], Paragraph), "an intro paragraph first"


@pytest.mark.parametrize("size", SIZES)
def test_structure_and_meta_follow_the_seed_page(size: Size) -> None:
    for seed in range(500):
        doc = synthesize(seed, size)
        check_conventions(doc, seed)
        headings = sum(isinstance(b, Heading) for b in doc.body)
        assert (2 if size == "small" else 4) <= headings <= 5
        for b in doc.body:
            if isinstance(b, Paragraph):
                assert b.text.endswith("."), b.text
            if isinstance(b, ListBlock):
                assert 3 <= len(b.items) <= 6 and b.items == tuple(doc.meta["checklist"])


def test_sizes_in_bytes() -> None:
    def mean(size: Size) -> float:
        return sum(len(render(synthesize(s, size)).encode()) for s in range(200)) / 200

    small, normal, large = mean("small"), mean("normal"), mean("large")
    # The meta box alone is about 2 KB, so a small page cannot go much below it.
    assert 2_000 < small < 3_000
    assert 4_000 < normal < 5_000
    assert 15_000 < large < 30_000


def test_seed_k_of_a_run_is_made_from_seed_s_plus_k() -> None:
    items = list(generate(5, 40))
    assert [i.seed for i in items] == [40, 41, 42, 43, 44]
    assert [i.document for i in items] == [synthesize(s) for s in range(40, 45)]
    assert list(generate(3, 42)) == items[2:]


def test_jsonl_fast_path_is_exactly_formats_jsonl_dumps() -> None:
    for size in SIZES:
        for seed in range(0, 6000, 3):
            doc = synthesize(seed, size)
            assert SynthItem(seed, doc, plain=True).to_json() == dumps(doc), (size, seed)
            assert SynthItem(seed, doc).to_json() == dumps(doc)


def test_jsonl_and_text_describe_the_same_documents() -> None:
    for item in generate(2000, 50_000):
        from_text = parse(item.to_text()).document
        ((_, from_json),) = list(iter_jsonl([item.to_json()]))
        assert not isinstance(from_json, DocumentRejected)
        assert from_text == from_json.document == item.document
