"""Shared by the search and similar benchmarks: a synthesized, imported, approved corpus."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.engine import Engine

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.synth import generate


def build(
    tmp: Path, count: int, url: str = ""
) -> tuple[Engine, Settings, dict[str, dict[str, str]]]:
    """Import ``count`` normal documents and approve them all (the index is not built yet),
    into ``url`` (default: a SQLite file in ``tmp``)."""
    pages = tmp / "pages"
    pages.mkdir()
    truth: dict[str, dict[str, str]] = {}
    for item in generate(count, 1):
        if item.rejected or item.hostile or item.near_duplicate_of:
            continue
        meta = item.document.meta
        truth[str(meta["reference"])] = {
            "problem": str(meta["ai_outline"]["problem"]),
            "stack": str(meta["ai_outline"]["stack"]),
            "title": item.document.title,
        }
        (pages / f"{item.seed}.txt").write_text(item.to_text(), "utf-8")
    settings = Settings.load(
        env={}, database_url=url or f"sqlite:///{tmp / 'b.db'}", search_sync_seconds=0
    )
    engine = open_database(settings)
    started = time.perf_counter()
    importer.import_sources(engine, settings, resolve([str(pages)]))
    review.approve_all_pending(engine, "bench", "bench")
    print(
        f"corpus: {len(truth)} docs imported and approved in {time.perf_counter() - started:.1f} s"
    )
    return engine, settings, truth


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
