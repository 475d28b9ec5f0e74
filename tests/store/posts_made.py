"""Posts in each review state, made through the importer and the review service, for store tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store import posts
from alphanode.store.engine import reading
from tests.helpers import variant

STATES = ("live", "pending", "rejected", "retracted")


def ref(n: int) -> str:
    return f"anp-ref-{n:06d}-0000"


def make_posts(engine: Engine, settings: Settings, tmp: Path) -> dict[str, int]:
    """One post per state in ``STATES`` (refs 1..4, titles of their own): state → post id."""
    pages = tmp / "pages"
    pages.mkdir()
    for n, name in enumerate(STATES, 1):
        text = variant(n, title=f"a {name} post about python services", own_body=True)
        (pages / f"{n}.txt").write_text(text, "utf-8")
    importer.import_sources(engine, settings, resolve([str(pages)]))
    review.approve(engine, ref(1), "tester")
    review.reject(engine, ref(3), "tester", "not for us")
    review.approve(engine, ref(4), "tester")
    review.retract(engine, ref(4), "tester", "taken down")
    with reading(engine) as conn:
        found = {name: posts.find(conn, ref(n)) for n, name in enumerate(STATES, 1)}
    return {name: row.id for name, row in found.items() if row is not None}
