"""The seed page against its hand-checked parse, and written back as the same text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphanode.formats.jsonl import dumps, from_object
from alphanode.formats.render import render
from alphanode.formats.scraped import parse
from alphanode.formats.text import decode
from tests.conftest import GOLDEN, SEED, need_shared


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]


def test_seed_parses_to_the_golden_document() -> None:
    golden = json.loads(GOLDEN.read_text("utf-8"))
    parsed = parse(decode(SEED.read_bytes()))
    got = parsed.document.to_dict()
    assert got["title"] == golden["title"]
    assert got["body"] == golden["body"]
    assert got["meta"] == golden["meta"]
    assert list(got["meta"]) == list(golden["meta"]), "meta keeps the page's order"
    assert parsed.warnings == ()
    assert parsed.line == 3


def test_rendering_the_parsed_seed_gives_back_its_text() -> None:
    text = decode(SEED.read_bytes())
    assert _lines(render(parse(text).document)) == _lines(text)


def test_golden_json_reads_as_the_same_document() -> None:
    golden = json.loads(GOLDEN.read_text("utf-8"))
    from_json = from_object(golden)
    assert from_json.warnings == ()
    assert from_json.document == parse(decode(SEED.read_bytes())).document
    assert json.loads(dumps(from_json.document)) == golden


@pytest.mark.parametrize(
    ("copy", "shared"),
    [(SEED, "seeds/000_aeb991cd76c60bdc.txt"), (GOLDEN, "golden/000_aeb991cd76c60bdc.json")],
    ids=["seed", "golden"],
)
def test_the_projects_copies_equal_the_shared_originals(copy: Path, shared: str) -> None:
    """Conformance: the copies in tests/fixtures/seed are the reference files, byte for byte."""
    assert copy.read_bytes() == need_shared(shared).read_bytes()
