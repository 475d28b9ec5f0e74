"""A small synthesized corpus, imported and approved, with a search index beside it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.synth import generate


@dataclass
class Corpus:
    engine: Engine
    settings: Settings
    truth: dict[str, dict[str, object]]  # ref → problem, stack


def write_pages(directory: Path, count: int, seed: int = 1) -> dict[str, dict[str, object]]:
    directory.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict[str, object]] = {}
    for item in generate(count, seed):
        if item.rejected or item.hostile or item.near_duplicate_of:
            continue
        meta = item.document.meta
        truth[str(meta["reference"])] = {
            "problem": meta["ai_outline"]["problem"],
            "stack": meta["ai_outline"]["stack"],
        }
        (directory / f"{item.seed}.txt").write_text(item.to_text(), "utf-8")
    return truth


def make_corpus(tmp: Path, database_url: str, count: int) -> Corpus:
    settings = Settings.load(
        env={}, database_url=database_url, search_index_path=str(tmp / "index")
    )
    engine = open_database(settings)
    truth = write_pages(tmp / "pages", count)
    importer.import_sources(engine, settings, resolve([str(tmp / "pages")]))
    review.approve_all_pending(engine, "tester", "corpus", settings)
    return Corpus(engine, settings, truth)


@pytest.fixture
def corpus(tmp_path: Path, database_url: str) -> Iterator[Corpus]:
    c = make_corpus(tmp_path, database_url, 60)
    yield c
    c.engine.dispose()
