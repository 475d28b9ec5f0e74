"""The seed page against its hand-checked parse, and written back as the same text."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from alphanode.formats.jsonl import dumps, from_object
from alphanode.formats.render import render
from alphanode.formats.scraped import parse
from alphanode.formats.text import decode

SHARED = Path(__file__).parents[2].parent / "shared"
SEED = SHARED / "seeds" / "000_aeb991cd76c60bdc.txt"
GOLDEN = SHARED / "golden" / "000_aeb991cd76c60bdc.json"


def _need(path: Path) -> Path:
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"required under CI=true: {path}")
        pytest.skip(f"the shared file {path} is missing (../shared beside the repository)")
    return path


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]


def test_seed_parses_to_the_golden_document() -> None:
    golden = json.loads(_need(GOLDEN).read_text("utf-8"))
    parsed = parse(decode(_need(SEED).read_bytes()))
    got = parsed.document.to_dict()
    assert got["title"] == golden["title"]
    assert got["body"] == golden["body"]
    assert got["meta"] == golden["meta"]
    assert list(got["meta"]) == list(golden["meta"]), "meta keeps the page's order"
    assert parsed.warnings == ()
    assert parsed.line == 3


def test_rendering_the_parsed_seed_gives_back_its_text() -> None:
    text = decode(_need(SEED).read_bytes())
    assert _lines(render(parse(text).document)) == _lines(text)


def test_golden_json_reads_as_the_same_document() -> None:
    golden = json.loads(_need(GOLDEN).read_text("utf-8"))
    from_json = from_object(golden)
    assert from_json.warnings == ()
    assert from_json.document == parse(decode(_need(SEED).read_bytes())).document
    assert json.loads(dumps(from_json.document)) == golden
