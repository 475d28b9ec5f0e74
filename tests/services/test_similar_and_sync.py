"""Similar Posts against the synthesizer's ground truth, incremental refresh, the outbox's
crash convergence, reindex, the CLI and HTTP, on each database and backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from alphanode.services import indexing, review, search
from alphanode.settings import Settings
from alphanode.store import outbox
from alphanode.store.engine import reading, writing
from alphanode.store.schema import posts, similar_posts
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
