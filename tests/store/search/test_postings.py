"""PostgreSQL search postings (migration 0018): kept with the documents, BM25 impacts, the
first stage of a search read from them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.services import importer, review, search
from alphanode.services.sources import resolve
from alphanode.store import migrate
from alphanode.store.search import postgres
from alphanode.store.search import query as parser
from tests.conftest import SEED
from tests.helpers import variant
from tests.searchcases import POSTGRES, Corpus, make_corpus

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not SEED.is_file(), reason="the shared seed page is missing"),
]

_FIELD = {c: postgres.RANK_WEIGHTS[n] for n, c in postgres.CLASSES.items()}


def _postings(e: Engine) -> dict[tuple[int, str], float]:
    with e.connect() as conn:
        rows = conn.execute(sa.text("SELECT post_id, lexeme, impact FROM search_postings"))
        return {(int(p), str(lx)): float(i) for p, lx, i in rows}


def _expected(e: Engine) -> dict[tuple[int, str], float]:
    """Each document's lexemes with BM25's term weight, computed here from the vectors."""
    with e.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT post_id, v.lexeme, v.positions, v.weights "
                "FROM search_documents, unnest(document) AS v"
            )
        ).all()
        terms: dict[str, int] = dict(
            conn.execute(
                sa.text("SELECT lexeme, df FROM search_terms WHERE lexeme IN ('', :n)"),
                {"n": postgres.LENGTH},
            ).all()
        )
    lengths: dict[int, int] = {}
    for pid, _, positions, _ in rows:
        lengths[pid] = lengths.get(pid, 0) + len(positions)
    assert terms[postgres.LENGTH] == sum(lengths.values())
    assert terms[""] == len(lengths)
    avg = sum(lengths.values()) / len(lengths)
    k1, b = postgres.K1, postgres.B
    out = {}
    for pid, lexeme, _, weights in rows:
        tf = sum(_FIELD[w] for w in weights)
        out[(int(pid), str(lexeme))] = tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[pid] / avg))
    return out


def _same_rows(e: Engine) -> dict[tuple[int, str], float]:
    """The postings hold exactly the documents' (post, lexeme) pairs; their impacts."""
    kept, wanted = _postings(e), _expected(e)
    assert set(kept) == set(wanted)
    return kept


def _post_id(e: Engine, ref: str) -> int:
    with e.connect() as conn:
        return int(conn.scalar(sa.text("SELECT id FROM posts WHERE ref = :r"), {"r": ref}) or 0)


@pytest.fixture
def corpus(tmp_path: Path, postgres_url: str) -> Corpus:
    return make_corpus(tmp_path, postgres_url, 20, POSTGRES)


def _publish(corpus: Corpus, tmp: Path, text: str) -> None:
    pages = tmp / "edit"
    pages.mkdir(exist_ok=True)
    (pages / "a.txt").write_text(text, "utf-8")
    importer.import_sources(corpus.engine, corpus.settings, resolve([str(pages)]))
    review.approve_all_pending(corpus.engine, "t", "")
    corpus.site.index_pending()


def test_postings_follow_approval_edit_and_retraction(corpus: Corpus, tmp_path: Path) -> None:
    e, site = corpus.engine, corpus.site
    try:
        _same_rows(e)
        ref = "anp-ref-000951-0000"
        _publish(corpus, tmp_path, variant(951))
        pid = _post_id(e, ref)
        kept = _same_rows(e)
        assert any(p == pid for p, _ in kept)
        # The last post written weighs its words against the average length it joined.
        wanted = _expected(e)
        for key in (k for k in kept if k[0] == pid):
            assert math.isclose(kept[key], wanted[key], rel_tol=1e-5)
        assert (pid, "zorbquux") not in kept
        # An edit: the new revision's words replace the old ones' at its approval.
        _publish(corpus, tmp_path, variant(951, extra_paragraph="zorbquux it."))
        kept = _same_rows(e)
        assert (pid, "zorbquux") in kept
        assert [h.card.ref for h in search.search(site, "zorbquux").hits] == [ref]
        # A retraction takes its postings away, and its length from the average.
        review.retract(e, ref, "t", "retracted")
        site.index_pending()
        kept = _same_rows(e)
        assert not any(p == pid for p, _ in kept)
        assert search.search(site, "zorbquux").total == 0
    finally:
        e.dispose()


def test_migration_0018_fills_the_postings_of_an_indexed_site(corpus: Corpus) -> None:
    e = corpus.engine
    try:
        before = _same_rows(e)
        migrate.downgrade(e, "0017")
        with e.connect() as conn:
            assert not sa.inspect(conn).has_table("search_postings")
        migrate.upgrade(e)
        # Every row weighed against today's average, as a full rebuild weighs them.
        after, wanted = _same_rows(e), _expected(e)
        assert set(after) == set(before)
        for key, impact in after.items():
            assert math.isclose(impact, wanted[key], rel_tol=1e-5)
    finally:
        e.dispose()


def test_first_stage_reads_each_words_best_postings(corpus: Corpus) -> None:
    """When every word is common, the posts ranked are those with the best BM25 weights of
    some word: with one posting read per word, only each word's best posts."""
    e = corpus.engine
    try:
        with e.connect() as conn:
            common = list(
                conn.scalars(
                    sa.text(
                        "SELECT lexeme FROM search_terms WHERE lexeme ~ '^[a-z]{4,}$' AND "
                        "tsvector_to_array(to_tsvector('english', lexeme)) = ARRAY[lexeme] "
                        "ORDER BY df DESC, lexeme LIMIT 4"
                    )
                )
            )
        kept = _postings(e)
        best = {lx: max(i for (_, x), i in kept.items() if x == lx) for lx in common}
        tops = {p for (p, lx), i in kept.items() if lx in best and i == best[lx]}
        few = postgres.PostgresBackend(e, candidates=1, rerank=1, per_term=1)
        found = few.search(parser.parse(" ".join(common), few.analyze, 500), {}, 0, 10)
        assert 0 < len(found.hits) <= len(tops)
        assert {h.post_id for h in found.hits} <= tops
        # every match is still counted
        everything = postgres.PostgresBackend(e).search(
            parser.parse(" ".join(common), few.analyze, 500), {}, 0, 10
        )
        assert found.total == everything.total >= len(tops)
    finally:
        e.dispose()


def test_counting_stops_past_the_bound_and_is_exact_below_it(corpus: Corpus) -> None:
    """Every word common (one candidate): the matches are counted from the postings, or
    through the GIN indexes with a filter, up to the bound; exact up to it."""
    e = corpus.engine
    try:
        stack = search.search(corpus.site, "the").facets["stack"][0][0]
        with e.connect() as conn:
            common = conn.scalars(
                sa.text(
                    "SELECT lexeme FROM search_terms WHERE lexeme ~ '^[a-z]{4,}$' AND "
                    "tsvector_to_array(to_tsvector('english', lexeme)) = ARRAY[lexeme] "
                    "ORDER BY df DESC, lexeme LIMIT 3"
                )
            )
            q = parser.parse(" ".join(common), postgres.PostgresBackend(e).analyze, 500)
        for filters in ({}, {"stack": stack}):
            exact = postgres.PostgresBackend(e, candidates=1).search(q, filters, 0, 10).total
            assert exact > 3
            for bound in (2, exact - 1):
                got = postgres.PostgresBackend(e, candidates=1, count_up_to=bound)
                assert bound < got.search(q, filters, 0, 10).total <= exact
            for bound in (exact, exact + 5):
                got = postgres.PostgresBackend(e, candidates=1, count_up_to=bound)
                assert got.search(q, filters, 0, 10).total == exact
            # Not every match is visited: through the GIN indexes (a filter) one past the
            # bound; from the postings at most one past it of each word's.
            total = (
                postgres.PostgresBackend(e, candidates=1, count_up_to=2)
                .search(q, filters, 0, 10)
                .total
            )
            assert total == 3 if filters else 3 <= total <= 3 * len(q.ranked()) < exact
    finally:
        e.dispose()


def test_a_first_stage_search_orders_by_the_postings_alone(corpus: Corpus) -> None:
    """Feedback's first pass (``first_stage``): the best rows by stage one's BM25 sum, no
    vector read; each one a match, best first, as many as asked for."""
    e = corpus.engine
    try:
        backend = postgres.PostgresBackend(e, candidates=1000, rerank=200, per_term=1000)
        q = parser.parse("the system data cache", backend.analyze, 500)
        every = {h.post_id for h in backend.search(q, {}, 0, 1000).hits}
        rough = backend.search(q, {}, 0, 5, False, False, counted=False, first_stage=True)
        assert len(rough.hits) == min(5, len(every)) > 0
        assert {h.post_id for h in rough.hits} <= every
        scores = [h.score for h in rough.hits]
        assert scores == sorted(scores, reverse=True) and scores[0] > 0
        # stage one's scores (BM25 sums), not the full rank's
        full = backend.search(q, {}, 0, 5, False, False, counted=False)
        assert [h.score for h in full.hits] != scores
    finally:
        e.dispose()
