"""Similar Posts against the synthesizer's ground truth, incremental refresh, the outbox's
crash convergence, reindex, the CLI and HTTP, on each database and backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from alphanode.services import indexing, review, search, similar
from alphanode.settings import Settings
from alphanode.store import outbox
from alphanode.store import similar as store
from alphanode.store.engine import reading, writing
from alphanode.store.schema import post_vectors, posts, similar_posts, site_state
from tests.conftest import Cli
from tests.searchcases import Case, Corpus, make_corpus
from tests.web.conftest import Client


def _ids(corpus: Corpus) -> tuple[set[int], set[int]]:
    with reading(corpus.engine) as conn:
        live = set(outbox.live_ids(conn))
    return corpus.site.backend().post_ids(), live


def test_similar_posts_share_problem_or_stack(tmp_path: Path, case: Case, case_url: str) -> None:
    corpus = make_corpus(tmp_path, case_url, 300, case)
    good = total = 0
    for ref, truth in list(corpus.truth.items())[:60]:
        _, found = search.similar_to(corpus.engine, ref, 5)
        for s in found:
            other = corpus.truth[s.card.ref]
            good += other["problem"] == truth["problem"] or other["stack"] == truth["stack"]
            total += 1
            assert s.why
    assert total >= 250 and good / total >= 0.9
    corpus.engine.dispose()


def test_similar_lists_follow_approval_and_retraction(corpus: Corpus) -> None:
    e, site = corpus.engine, corpus.site
    ref = next(iter(corpus.truth))
    _, before = search.similar_to(e, ref, 10)
    gone = before[0].card.ref
    review.retract(e, gone, "t", "retracted")
    site.index_pending()
    with reading(e) as conn:
        gone_id = conn.scalar(sa.select(posts.c.id).where(posts.c.ref == gone))
        named = conn.scalar(sa.select(sa.func.count()).where(similar_posts.c.other_id == gone_id))
    assert named == 0
    _, after = search.similar_to(e, ref, 10)
    assert gone not in [x.card.ref for x in after] and len(after) == len(before)
    review.approve(e, gone, "t")
    site.index_pending()
    _, again = search.similar_to(e, ref, 10)
    assert gone in [x.card.ref for x in again]


def test_outbox_rows_left_by_a_crash_converge(corpus: Corpus) -> None:
    e, site = corpus.engine, corpus.site
    refs = list(corpus.truth)[:5]
    # Decisions committed, then the process died before its sync: only outbox rows remain.
    for ref in refs[:3]:
        review.retract(e, ref, "t", "crash test")
    # A half-applied index: a retracted post indexed again, a live one missing.
    backend = site.backend()
    with reading(e) as conn:
        docs = outbox.live_documents(conn, outbox.live_ids(conn)[:1])
    with backend.writing() as w:
        w.delete(list(docs))
        w.commit()
    with writing(e) as conn:
        for pid in docs:
            outbox.enqueue(conn, pid, "index")
    indexed, live = _ids(corpus)
    assert indexed != live
    report = indexing.sync(site)
    assert not report.busy
    indexed, live = _ids(corpus)
    assert indexed == live
    with reading(e) as conn:
        assert outbox.pending(conn) == 0


def test_sync_is_busy_not_broken_while_another_writer_holds_the_index(corpus: Corpus) -> None:
    backend = corpus.site.backend()
    # Nothing waiting: no writer is even asked for.
    with backend.writing():
        assert not indexing.sync(corpus.site).busy
    ref = next(iter(corpus.truth))
    review.retract(corpus.engine, ref, "tester", "make outbox work")  # no settings: queued only
    with backend.writing():
        assert indexing.sync(corpus.site).busy
    done = indexing.sync(corpus.site)
    assert not done.busy and done.deleted == 1


def test_reindex_and_cli(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(str(corpus.settings.database_url))
    # Only what the case sets differently from the defaults: the CLI finds the rest itself.
    for name in ("search_backend", "search_index_path"):
        value, env = corpus.settings.get(name), "ALPHANODE_" + name.upper()
        if value != Settings.load(env={}).get(name):
            monkeypatch.setenv(env, str(value))
        else:
            monkeypatch.delenv(env, raising=False)
    r = cli("reindex", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["indexed"] == len(corpus.truth)
    r = cli("reindex", "--resume", "--json")  # none under way: from scratch
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"indexed": len(corpus.truth), "lists": len(corpus.truth)}
    problem = str(next(iter(corpus.truth.values()))["problem"])
    r = cli("search", problem, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["hits"]
    ref = next(iter(corpus.truth))
    r = cli("similar", ref, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["similar"]
    r = cli("similar", ref, "--explain")  # after the vectorised build: terms and parts shown
    assert r.exit_code == 0, r.output
    assert (
        "(text)" in r.stdout
        and json.loads(cli("similar", ref, "--json").stdout)["similar"][0]["ref"] in r.stdout
    )
    r = cli("search", "x" * 600)
    assert r.exit_code == 2 and "AN-SEARCH-001" in r.output
    indexed, live = _ids(corpus)
    assert indexed == live


def test_search_over_http(corpus: Corpus) -> None:
    client = Client(corpus.settings)
    try:
        problem = str(next(iter(corpus.truth.values()))["problem"])
        api = client.get("/api/v1/search", params={"q": problem})
        assert api.status_code == 200
        body = api.json()
        assert body["total"] >= 1 and body["hits"][0]["slug"] and body["facets"]["stack"]
        page = client.get("/search", params={"q": problem})
        assert page.status_code == 200 and "<mark>" in page.text and 'href="/search?' in page.text
        assert client.get("/search").status_code == 200
        bad = client.get("/api/v1/search", params={"q": "y" * 700})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "AN-SEARCH-001"
        assert client.get("/search", params={"q": 'NEAR( "*'}).status_code == 200
        assert client.get("/search", params={"q": "a", "page": 0}).status_code == 400
    finally:
        client.close()


def test_offers_read_whole_only_the_lists_they_can_change(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post going live is offered to its candidates' lists; a full list whose last entry
    outranks the offer is not read whole, and the lists come out as when every one is."""
    e = corpus.engine
    ref = list(corpus.truth)[5]
    review.retract(e, ref, "t", "retracted")
    corpus.site.index_pending()
    review.approve(e, ref, "t")  # not synced: refreshed below, in transactions rolled back
    with reading(e) as conn:
        pid = int(conn.scalar(sa.select(posts.c.id).where(posts.c.ref == ref)) or 0)
        changed = {pid: indexing.index_doc(pid, outbox.live_documents(conn, [pid])[pid])}
    asked: dict[str, list[int]] = {"last": [], "whole": []}
    last_of, lists_of = store.last_of, store.lists_of

    def spy_last(conn: sa.Connection, ids: list[int], rank: int) -> object:
        asked["last"] += list(ids)
        return last_of(conn, ids, rank)

    def spy_whole(conn: sa.Connection, ids: list[int]) -> object:
        asked["whole"] += list(ids)
        return lists_of(conn, ids)

    def refreshed() -> dict[int, list[store.Entry]]:
        with e.connect() as conn:
            tx = conn.begin()
            similar.refresh(conn, corpus.site.backend(), corpus.settings, changed, set())
            lists = lists_of(conn, outbox.live_ids(conn))
            tx.rollback()
        return lists

    monkeypatch.setattr(store, "last_of", spy_last)
    monkeypatch.setattr(store, "lists_of", spy_whole)
    fast = refreshed()
    assert 0 < len(asked["whole"]) < len(asked["last"])  # some lists were not read whole
    monkeypatch.setattr(store, "last_of", lambda conn, ids, rank: {})
    assert refreshed() == fast
    assert any(pid in [x.other_id for x in fast[q]] for q in fast if q != pid)


def test_the_count_of_posts_with_features_is_kept(corpus: Corpus) -> None:
    e, site = corpus.engine, corpus.site

    def kept() -> tuple[int, int, object]:
        with reading(e) as conn:
            rows = conn.scalar(sa.select(sa.func.count()).select_from(post_vectors))
            stored = conn.scalar(
                sa.select(site_state.c.value).where(site_state.c.key == store.POST_COUNT)
            )
            return store.post_count(conn), int(rows or 0), stored

    indexing.reindex(site)
    count, rows, stored = kept()
    assert count == rows == stored and rows > 3
    refs = list(corpus.truth)[:3]
    for ref in refs:
        review.retract(e, ref, "t", "retracted")
    site.index_pending()
    assert kept() == (rows - 3, rows - 3, rows - 3)
    review.approve(e, refs[0], "t")
    site.index_pending()
    assert kept() == (rows - 2, rows - 2, rows - 2)
    with writing(e) as conn:  # a database from before the count was kept: counted once
        conn.execute(site_state.delete().where(site_state.c.key == store.POST_COUNT))
    assert kept() == (rows - 2, rows - 2, None)
    review.approve(e, refs[1], "t")
    site.index_pending()
    assert kept() == (rows - 1, rows - 1, rows - 1)
