"""Bulk decisions: chunked, set-based, legal by the state machine, resumable after kill -9."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.content.states import PostStatus, ReviewAction, RevisionState, allowed_from
from alphanode.services import review
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.services.test_review import load

REPO = Path(__file__).resolve().parents[2]

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from alphanode.content.states import ReviewAction
    from alphanode.services import review
    from alphanode.settings import Settings
    from alphanode.store import review as store
    from alphanode.store.migrate import open_database

    real = store.apply_decisions
    calls = 0

    def wrapped(*args, **kwargs):
        global calls
        calls += 1
        real(*args, **kwargs)
        if calls == 3:  # chunks 1 and 2 committed; chunk 3 written, not committed
            print("KILLED-IN-CHUNK-3", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    store.apply_decisions = wrapped
    settings = Settings.load(env={}, database_url=sys.argv[1])
    engine = open_database(settings)
    review.decide_matching(engine, (), ReviewAction.APPROVE, "bulk", "all", chunk=5)
    print("FINISHED", flush=True)
    """
)


def _sqlite(tmp_path: Path) -> tuple[Settings, Engine, str]:
    url = f"sqlite:///{tmp_path / 'bulk.db'}"
    settings = Settings.load(env={}, database_url=url, search_sync_seconds=0)
    return settings, open_database(settings), url


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.text(sql)) or 0)


def test_bulk_approval_killed_after_two_chunks_resumes_without_doubles(tmp_path: Path) -> None:
    settings, engine, url = _sqlite(tmp_path)
    load(engine, settings, tmp_path, count=22)  # the seed + 22 posts: 23 pending
    assert len(review.pending(engine)) == 23
    script = tmp_path / "killer.py"
    script.write_text(KILLER, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, str(script), url], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == -9, done.stderr
    assert "KILLED-IN-CHUNK-3" in done.stdout
    assert "FINISHED" not in done.stdout
    # Two chunks of 5 committed; the third, killed before its commit, left nothing.
    assert _count(engine, "SELECT count(*) FROM posts WHERE status = 'approved'") == 10
    assert _count(engine, "SELECT count(*) FROM review_log") == 10
    assert len(review.pending(engine)) == 13

    again = review.decide_matching(engine, (), ReviewAction.APPROVE, "bulk", "rerun", chunk=5)
    assert again == 13
    assert review.pending(engine) == []
    assert _count(engine, "SELECT count(*) FROM posts WHERE status = 'approved'") == 23
    per_post = "SELECT max(n) FROM (SELECT count(*) AS n FROM review_log GROUP BY post_id) t"
    assert _count(engine, per_post) == 1  # one approve per post, none twice
    assert _count(engine, "SELECT count(*) FROM review_log WHERE action = 'approve'") == 23
    assert _count(engine, "SELECT count(DISTINCT post_id) FROM search_outbox") == 23
    live = "SELECT count(*) FROM posts WHERE live_revision = 1 AND live_card IS NOT NULL"
    assert _count(engine, live) == 23
    engine.dispose()


def test_bulk_approval_writes_what_single_approval_writes(tmp_path: Path) -> None:
    """The same posts approved one by one, in bulk, and in bulk from revisions stored without
    their listing parts (as before migration 0022): the same posts, terms and states."""
    snapshots = []
    for mode in ("single", "bulk", "unkept"):
        where = tmp_path / mode
        where.mkdir()
        settings, engine, _ = _sqlite(where)
        load(engine, settings, where, count=6)
        kept = _count(engine, "SELECT count(*) FROM revisions WHERE listing_card IS NOT NULL")
        assert kept == 7  # every imported revision keeps its card and terms
        if mode == "unkept":
            with engine.begin() as conn:
                conn.execute(sa.text("UPDATE revisions SET listing_card = NULL"))
        if mode == "single":
            for ref in review.pending(engine):
                review.approve(engine, ref, "rita", "ok")
        else:
            assert review.approve_all_pending(engine, "rita", "ok") == 7
        with engine.connect() as conn:
            snapshots.append(
                (
                    conn.execute(
                        sa.text(
                            "SELECT ref, status, live_revision, live_card FROM posts ORDER BY id"
                        )
                    ).all(),
                    conn.execute(
                        sa.text(
                            "SELECT post_id, kind, term, label FROM post_terms "
                            "ORDER BY post_id, kind, term"
                        )
                    ).all(),
                    conn.execute(
                        sa.text("SELECT post_id, number, review_state FROM revisions ORDER BY 1, 2")
                    ).all(),
                    conn.execute(
                        sa.text("SELECT post_id, action FROM search_outbox ORDER BY post_id")
                    ).all(),
                    conn.execute(
                        sa.text("SELECT post_id, action, actor, note FROM review_log ORDER BY 1")
                    ).all(),
                )
            )
        engine.dispose()
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert snapshots[0][1]  # terms were written


def test_bulk_reject_with_progress(tmp_path: Path) -> None:
    settings, engine, _ = _sqlite(tmp_path)
    load(engine, settings, tmp_path, count=4)
    seen: list[tuple[int, int]] = []
    done = review.decide_matching(
        engine,
        (),
        ReviewAction.REJECT,
        "rita",
        "spam",
        progress=lambda d, t: seen.append((d, t)),
        chunk=2,
    )
    assert done == 5
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert _count(engine, "SELECT count(*) FROM posts WHERE status = 'rejected'") == 5
    assert _count(engine, "SELECT count(*) FROM revisions WHERE review_state = 'rejected'") == 5
    assert _count(engine, "SELECT count(*) FROM review_log WHERE action = 'reject'") == 5
    engine.dispose()


def test_allowed_pairs_come_from_transition() -> None:
    reject = allowed_from(ReviewAction.REJECT)
    assert (PostStatus.APPROVED, RevisionState.APPROVED) not in reject
    assert reject[(PostStatus.APPROVED, RevisionState.PENDING)].status is PostStatus.APPROVED
    assert reject[(PostStatus.PENDING_REVIEW, RevisionState.PENDING)].status is PostStatus.REJECTED
    retract = allowed_from(ReviewAction.RETRACT)
    assert {s for s, _ in retract} == {PostStatus.APPROVED}
    assert len(allowed_from(ReviewAction.APPROVE)) == len(PostStatus) * len(RevisionState)


def test_each_chunk_is_read_by_the_posts_primary_key(tmp_path: Path) -> None:
    """A bulk decision reads each chunk from the last post id on (keyset): SQLite must not
    walk every pending revision through the queue's review_state indexes and sort them for
    every chunk, which made approving a million pending posts quadratic."""
    from tests.store.plans import plans

    settings, engine, _ = _sqlite(tmp_path)
    load(engine, settings, tmp_path, count=4)
    seen = plans(
        engine, lambda: review.decide_matching(engine, (), ReviewAction.APPROVE, "a", "", chunk=2)
    )
    chunks = [plan for sql, plan in seen if "ORDER BY posts.id" in sql and "LIMIT" in sql]
    assert len(chunks) == 3  # 2 + 2 + 1 pending
    for plan in chunks:
        assert "SEARCH posts USING INTEGER PRIMARY KEY (rowid>?)" in plan, plan
        assert "TEMP B-TREE" not in plan and "ix_revisions_queue" not in plan, plan
    assert _count(engine, "SELECT count(*) FROM posts WHERE status = 'approved'") == 5
    engine.dispose()
