"""kill -9 at named points of approving and indexing: the next start converges to the database,
on each database and backend (a tantivy directory lock, a PostgreSQL advisory lock).

The worker wraps a function of the production path and blocks after its N-th call, so the
kill lands at exactly that point, not wherever a timer happened to fall."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.services import importer, indexing, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store import outbox
from alphanode.store.engine import reading
from alphanode.store.migrate import open_database
from alphanode.store.schema import search_outbox, similar_posts
from tests.conftest import make_site
from tests.searchcases import CASES, Case, case_settings, write_pages

WORKER = """
import importlib, sys, time
from alphanode.services import indexing, review
from alphanode.services.runtime import Site
from alphanode.settings import Settings

# The crash point: after the N-th call of a named function on the production path, say so
# and wait to be killed there (inside whatever transaction or index writer is open).
module_name, _, function = sys.argv[5].rpartition(".")
module = importlib.import_module(module_name)
original = getattr(module, function)
calls = [0]

def crash_point(*args, **kwargs):
    result = original(*args, **kwargs)
    calls[0] += 1
    if calls[0] == int(sys.argv[6]):
        print("crash point", sys.argv[5], calls[0], flush=True)
        time.sleep(3600)  # SIGKILLed here
    return result

setattr(module, function, crash_point)
settings = Settings.load(
    env={}, database_url=sys.argv[1], search_index_path=sys.argv[2], search_backend=sys.argv[4]
)
site = Site(settings)
engine = site.engine
print("started", flush=True)
if sys.argv[3] == "approve":
    review.approve_all_pending(engine, "worker", "bulk")
    site.index_pending()
else:
    indexing.sync(site)
print("finished", flush=True)
"""

# 250 posts are two indexing batches (indexing.BATCH) and one approval batch (BULK_BATCH).
CRASH_POINTS = [
    # the first batch is in the index, its similar lists and outbox rows not yet committed
    ("sync", "alphanode.services.similar.refresh", 1),
    # the second batch's outbox rows are deleted in a transaction that never commits
    ("sync", "alphanode.store.outbox.remove_upto", 2),
    # halfway through one approval transaction: nothing of it is committed
    ("approve", "alphanode.store.review.apply_decisions", 1),  # inside the chunk, uncommitted
    # the approvals are committed, indexing them stops after the first batch is in the index
    ("approve", "alphanode.services.similar.refresh", 1),
]


# What changing database_url alone gives: tantivy on PostgreSQL takes the same directory lock
# as on SQLite, tested there already.
@pytest.fixture(params=CASES[:2])
def case(request: pytest.FixtureRequest) -> Case:
    value: Case = request.param
    return value


@pytest.mark.slow
@pytest.mark.parametrize(("stage", "point", "calls"), CRASH_POINTS)
def test_kill_9_then_next_start_converges(
    tmp_path: Path, case: Case, case_url: str, stage: str, point: str, calls: int
) -> None:
    url = case_url
    settings = case_settings(tmp_path, url, case)
    index = settings.search_index_path
    engine = open_database(settings)
    write_pages(tmp_path / "pages", 250)
    importer.import_sources(engine, settings, resolve([str(tmp_path / "pages")]))
    if stage == "sync":
        review.approve_all_pending(engine, "tester", "ready")  # outbox rows, no index yet
    backend = str(settings.search_backend)
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(index), stage, backend, point, str(calls)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    reached = proc.stdout.readline().strip()
    if reached != f"crash point {point} {calls}":
        proc.kill()
        proc.wait(timeout=10)
        pytest.fail(f"the worker never reached {point} call {calls}: {reached!r}")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    # The next start: whatever was committed before the kill is what the database says.
    try:
        if stage == "approve":
            review.approve_all_pending(engine, "tester", "after the crash")
        _sync_until_free(engine, settings)
        with reading(engine) as conn:
            live = set(outbox.live_ids(conn))
            left = conn.scalar(sa.select(sa.func.count()).select_from(search_outbox))
            named = set(conn.scalars(sa.select(similar_posts.c.other_id)))
            holders = set(conn.scalars(sa.select(similar_posts.c.post_id)))
        assert len(live) == 250
        assert make_site(settings, engine).backend().post_ids() == live
        assert left == 0
        assert named <= live and holders == live
    finally:
        engine.dispose()


def _sync_until_free(engine: Engine, settings: Settings) -> None:
    """What the next start's sync and the workers' periodic syncs do together. A killed
    process's PostgreSQL session keeps its advisory lock until the server notices (after the
    statement it was running), so the first sync may find the writer busy: nothing is lost,
    a later one drains the outbox."""
    deadline = time.monotonic() + 30
    site = make_site(settings, engine)
    while indexing.sync(site).busy:
        assert time.monotonic() < deadline, "the search writer stayed busy after the kill"
        time.sleep(0.2)
