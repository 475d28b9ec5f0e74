"""A host's own search index following the change log: rebuild, position, gaps, pruning,
idempotence (services/follower.py), on SQLite and PostgreSQL, beside the site's own index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from alphanode.services import follower, review
from alphanode.services.runtime import Site
from alphanode.settings import Settings
from alphanode.store import changes, outbox
from alphanode.store.engine import reading, writing
from alphanode.store.schema import posts, search_changes
from tests.conftest import make_site
from tests.searchcases import POSTGRES_TANTIVY, SQLITE, Case, Corpus, case_database, make_corpus

LOG_CASES = [
    pytest.param(SQLITE, id="sqlite"),
    pytest.param(POSTGRES_TANTIVY, id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=LOG_CASES)
def corpus(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: sa.Engine | None
) -> Iterator[Corpus]:
    case: Case = request.param
    with case_database(case, tmp_path, postgres_admin) as url:
        made = make_corpus(tmp_path, url, 30, case)
        yield made
        made.site.close()
        made.engine.dispose()


def _host(corpus: Corpus, tmp_path: Path, name: str) -> Site:
    """Another host on the same database: its own index directory, following the log."""
    settings = Settings.load(
        env={},
        database_url=corpus.settings.database_url,
        search_backend="tantivy",
        search_index_path=str(tmp_path / name),
    )
    return make_site(settings, corpus.engine)


def _live(corpus: Corpus) -> set[int]:
    with reading(corpus.engine) as conn:
        return set(outbox.live_ids(conn))


def _end(corpus: Corpus) -> int:
    with reading(corpus.engine) as conn:
        return changes.end(conn)


def test_a_new_host_builds_from_the_live_posts_then_follows(corpus: Corpus, tmp_path: Path) -> None:
    host = _host(corpus, tmp_path, "h2")
    assert not follower.status(host).caught_up
    first = follower.follow(host)
    assert first.rebuilt and not first.busy
    assert host.backend().post_ids() == _live(corpus)
    position = follower.load(follower.position_path(host.settings))
    assert position is not None and position.upto == _end(corpus)
    status = follower.status(host)
    assert status.caught_up and status.behind == 0 and status.lag_seconds == 0
    # Nothing new: nothing applied, no rebuild.
    again = follower.follow(host)
    assert (again.applied, again.rebuilt) == (0, False)
    # A retraction and an approval elsewhere reach this host's index on its next poll.
    refs = list(corpus.truth)
    review.retract(corpus.engine, refs[0], "t", "gone")
    assert follower.status(host).behind == 1 and not follower.status(host).caught_up
    followed = follower.follow(host)
    assert (followed.applied, followed.deleted, followed.rebuilt) == (1, 1, False)
    assert host.backend().post_ids() == _live(corpus)
    review.approve(corpus.engine, refs[0], "t")
    assert follower.follow(host).indexed == 1
    assert host.backend().post_ids() == _live(corpus)
    host.close()


def test_applying_the_log_again_gives_the_same_index(corpus: Corpus, tmp_path: Path) -> None:
    host = _host(corpus, tmp_path, "h2")
    follower.follow(host)
    for ref in list(corpus.truth)[:3]:
        review.retract(corpus.engine, ref, "t", "gone")
    follower.follow(host)
    before = host.backend().doc_count(), host.backend().post_ids()
    # A crash after the index commit, before the position was written: the rows come again.
    follower.save(follower.position_path(host.settings), follower.Position(0))
    replay = follower.follow(host)
    assert replay.applied == _end(corpus) and not replay.rebuilt
    assert (host.backend().doc_count(), host.backend().post_ids()) == before
    assert host.backend().post_ids() == _live(corpus)
    host.close()


def test_a_host_behind_what_was_pruned_rebuilds(corpus: Corpus, tmp_path: Path) -> None:
    current, behind = _host(corpus, tmp_path, "h2"), _host(corpus, tmp_path, "h3")
    follower.follow(current)
    follower.follow(behind)
    ref = next(iter(corpus.truth))
    review.retract(corpus.engine, ref, "t", "gone")
    follower.follow(current)  # caught up; ``behind`` was down
    end = _end(corpus)
    with writing(corpus.engine) as conn:
        pruned = changes.prune(conn, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert pruned == end
    with reading(corpus.engine) as conn:
        assert changes.pruned_upto(conn) == end and changes.after(conn, 0, 10) == []
    assert follower.follow(current).rebuilt is False  # its position is the pruned end
    came_back = follower.follow(behind)
    assert came_back.rebuilt
    assert behind.backend().post_ids() == _live(corpus) == current.backend().post_ids()
    # Pruning never lowers the mark, whoever prunes.
    with writing(corpus.engine) as conn:
        changes.prune(conn, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    with reading(corpus.engine) as conn:
        assert changes.pruned_upto(conn) == end
    # Ids are never reused after pruning: the next decision is after every position.
    review.approve(corpus.engine, ref, "t")
    assert _end(corpus) == end + 1
    assert follower.follow(current).indexed == 1
    current.close()
    behind.close()


@pytest.mark.parametrize("meanwhile", [False, True], ids=["following", "built-meanwhile"])
def test_an_id_committed_late_is_still_applied(
    corpus: Corpus, tmp_path: Path, meanwhile: bool
) -> None:
    """Whether the host was following already or builds its index while the id is missing."""
    host = _host(corpus, tmp_path, "h2")
    if not meanwhile:
        follower.follow(host)
    refs = list(corpus.truth)
    with reading(corpus.engine) as conn:
        ids = dict(conn.execute(sa.select(posts.c.ref, posts.c.id)).all())
    end = _end(corpus)
    stamp = dt.datetime.now(dt.UTC)
    # Transaction B took id end+2 and committed; A took end+1 and has not committed yet.
    review.retract(corpus.engine, refs[1], "t", "gone")
    with writing(corpus.engine) as conn:
        conn.execute(
            search_changes.update().where(search_changes.c.id == end + 1).values(id=end + 2)
        )
    assert follower.follow(host).rebuilt == meanwhile
    position = follower.load(follower.position_path(host.settings))
    assert position is not None and position.upto == end + 2 and list(position.gaps) == [end + 1]
    assert ids[refs[1]] not in host.backend().post_ids()
    assert ids[refs[2]] in host.backend().post_ids()
    # A commits: its post is taken down, and the host applies it from the gap.
    with writing(corpus.engine) as conn:
        conn.execute(posts.update().where(posts.c.id == ids[refs[2]]).values(live_revision=None))
        conn.execute(
            search_changes.insert().values(id=end + 1, post_id=ids[refs[2]], created_at=stamp)
        )
    assert follower.follow(host).applied == 1
    position = follower.load(follower.position_path(host.settings))
    assert position is not None and position.gaps == {}
    assert ids[refs[2]] not in host.backend().post_ids()
    assert host.backend().post_ids() == _live(corpus)
    host.close()


def test_a_host_built_after_recent_decisions_does_not_apply_them_again(
    corpus: Corpus, tmp_path: Path
) -> None:
    """The corpus's approvals are seconds old: the rows in the log when a host builds are in
    the posts it reads, so it follows from the log's end and applies none of them again."""
    host = _host(corpus, tmp_path, "h2")
    first = follower.follow(host)
    assert first.rebuilt and first.applied == 0
    assert first.indexed == len(_live(corpus))
    position = follower.load(follower.position_path(host.settings))
    assert position is not None and position.upto == _end(corpus) and position.gaps == {}
    host.close()


def test_an_unreadable_position_rebuilds(corpus: Corpus, tmp_path: Path) -> None:
    host = _host(corpus, tmp_path, "h2")
    follower.follow(host)
    follower.position_path(host.settings).write_text("{not json", "utf-8")
    assert follower.load(follower.position_path(host.settings)) is None
    assert follower.follow(host).rebuilt
    assert host.backend().post_ids() == _live(corpus)
    host.close()


def test_every_decision_writes_the_log_with_the_outbox(corpus: Corpus) -> None:
    with reading(corpus.engine) as conn:
        logged = [c.post_id for c in changes.after(conn, 0, 10_000)]
    assert set(logged) == _live(corpus)  # the corpus's approvals (drained from the outbox)
    ref = next(iter(corpus.truth))
    review.retract(corpus.engine, ref, "t", "gone")
    with reading(corpus.engine) as conn:
        last = changes.after(conn, _end(corpus) - 1, 1)[0]
        assert outbox.pending(conn) == 1
        assert conn.scalar(sa.select(posts.c.id).where(posts.c.ref == ref)) == last.post_id


def test_pruning_follows_the_retention_setting(corpus: Corpus) -> None:
    with writing(corpus.engine) as conn:
        conn.execute(
            search_changes.update().values(
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=200)
            )
        )
    site = corpus.site
    review.retract(corpus.engine, next(iter(corpus.truth)), "t", "gone")
    assert follower.prune(site) == _end(corpus) - 1  # older than 168 h: all but the last
    with reading(corpus.engine) as conn:
        assert len(changes.after(conn, 0, 100)) == 1
