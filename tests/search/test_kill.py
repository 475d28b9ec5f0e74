"""kill -9 at any point of approving and indexing: the next start converges to the database."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from alphanode.services import importer, indexing, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store import outbox
from alphanode.store.engine import reading
from alphanode.store.migrate import open_database
from alphanode.store.schema import search_outbox, similar_posts
from tests.search.conftest import write_pages

WORKER = """
import sys
from alphanode.services import indexing, review
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
settings = Settings.load(env={}, database_url=sys.argv[1], search_index_path=sys.argv[2])
engine = open_database(settings)
print("started", flush=True)
if sys.argv[3] == "approve":
    review.approve_all_pending(engine, "worker", "bulk", settings)
else:
    indexing.sync(engine, settings)
print("finished", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize(("stage", "delay"), [("sync", 0.3), ("sync", 1.0), ("approve", 0.5)])
def test_kill_9_then_next_start_converges(tmp_path: Path, stage: str, delay: float) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    index = tmp_path / "index"
    settings = Settings.load(env={}, database_url=url, search_index_path=str(index))
    engine = open_database(settings)
    write_pages(tmp_path / "pages", 250)
    importer.import_sources(engine, settings, resolve([str(tmp_path / "pages")]))
    if stage == "sync":
        review.approve_all_pending(engine, "tester", "ready")  # outbox rows, no index yet
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(index), stage],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    # The next start: whatever was committed before the kill is what the database says.
    if stage == "approve":
        review.approve_all_pending(engine, "tester", "after the crash")
    indexing.sync(engine, settings)
    with reading(engine) as conn:
        live = set(outbox.live_ids(conn))
        left = conn.scalar(sa.select(sa.func.count()).select_from(search_outbox))
        named = set(conn.scalars(sa.select(similar_posts.c.other_id)))
        holders = set(conn.scalars(sa.select(similar_posts.c.post_id)))
    assert len(live) == 250
    assert indexing.backend_for(engine, settings).post_ids() == live
    assert left == 0
    assert named <= live and holders == live
    engine.dispose()
