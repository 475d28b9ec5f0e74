"""The vectorised full build of Similar Posts equals the per-post reference scoring, exactly,
and a build stopped midway resumes where it stopped, on each database and backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import sqlalchemy as sa

from alphanode.services import (
    indexing,
    similar,
    similar_build,
    similar_features,
    similar_latent,
)
from alphanode.store import outbox, schema
from alphanode.store import similar as store
from alphanode.store.engine import reading, unchecked, writing
from alphanode.store.search import IndexDoc
from tests.searchcases import Case, Corpus, make_corpus


def _stored(corpus: Corpus) -> dict[int, list[store.Entry]]:
    with reading(corpus.engine) as conn:
        return store.lists_of(conn, outbox.live_ids(conn))


def _reference(corpus: Corpus) -> dict[int, list[store.Entry]]:
    """Each post's list by the per-post path (one candidate query and Python scoring)."""
    w = similar.Weights.of(corpus.settings)
    with reading(corpus.engine) as conn:
        mine = store.features(conn, outbox.live_ids(conn))
        lists = similar._lists(conn, corpus.site.backend(), mine, w)
        return similar.one_per_family(conn, {p: s[: similar.K] for p, s in lists.items()})


def test_vectorised_build_equals_the_reference_scoring(
    tmp_path: Path, case: Case, case_url: str
) -> None:
    corpus = make_corpus(tmp_path, case_url, 160, case)  # more posts than CANDIDATES
    report = indexing.reindex(corpus.site)
    built, reference = _stored(corpus), _reference(corpus)
    assert report.lists == len(built) == 160
    assert sum(len(x) for x in built.values()) >= 160 * (similar.K - 1)
    assert built == reference  # same posts, same order, same scores and reasons
    corpus.engine.dispose()


def test_with_few_postings_per_term_the_build_still_equals_the_reference(
    tmp_path: Path, case: Case, case_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Candidates read only each term's heaviest postings: with 6 of 160 posts per term
    (every tag is held by more) both paths drop the same postings and keep the same lists."""
    monkeypatch.setattr(similar, "POSTINGS", 6)
    corpus = make_corpus(tmp_path, case_url, 160, case)
    indexing.reindex(corpus.site)
    built, reference = _stored(corpus), _reference(corpus)
    monkeypatch.setattr(similar, "POSTINGS", 1_000)
    whole = _reference(corpus)
    assert built == reference
    assert built != whole  # the bound changed some lists: the test exercised it
    corpus.engine.dispose()


def _similar_tables(corpus: Corpus) -> dict[str, list[tuple[object, ...]]]:
    tables = (schema.post_vectors, schema.similar_terms, schema.similar_df, schema.similar_basis)
    with reading(corpus.engine) as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(sa.select(t))) for t in tables}


@pytest.mark.parametrize("block", [similar_features.ROWS, 7], ids=["one-block", "spilled-by-7"])
def test_reindex_stores_the_features_the_per_post_path_stores(
    tmp_path: Path, case: Case, case_url: str, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-pass, array-weighed features of ``reindex`` are, byte for byte, what the per-post
    path stores: every post's vector weighed by ``similar.vectors`` then ``similar.reweigh``
    against the final document frequencies, then the latent topics fitted on them; whether the
    term counts fit one block or are spilled and read back seven posts at a time."""
    monkeypatch.setattr(similar_features, "ROWS", block)
    corpus = make_corpus(tmp_path, case_url, 160, case)
    indexing.reindex(corpus.site)
    built = _similar_tables(corpus)
    with writing(corpus.engine) as conn:
        store.clear(conn)
        ids = outbox.live_ids(conn)
        docs = outbox.live_documents(conn, ids)
        similar.vectors(conn, None, {pid: indexing.index_doc(pid, docs[pid]) for pid in ids})
        similar.reweigh(conn, ids)
    m = similar_build.matrices(corpus.engine)
    similar_build.fit_latent(corpus.engine, m, corpus.settings.similar_latent_dims)
    reference = _similar_tables(corpus)
    assert len(built["similar_basis"]) > 0  # the latent topics were fitted
    assert built == reference
    corpus.engine.dispose()


def _term_indexes(corpus: Corpus) -> set[str]:
    with reading(corpus.engine) as conn:
        return {str(ix["name"]) for ix in sa.inspect(conn).get_indexes("similar_terms")}


def test_a_reindex_stopped_while_it_loads_the_terms_leaves_the_next_one_whole(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load drops two of the terms' indexes and makes them again after; stopped in
    between (the indexes gone), the next reindex makes them again and stores what a clean one
    stores, ``--resume`` too, even where an earlier build had been stopped in its lists."""
    indexing.reindex(corpus.site)
    whole, lists = _similar_tables(corpus), _stored(corpus)
    full = _term_indexes(corpus)
    assert {"ix_similar_terms_post_id", "ix_similar_terms_impact"} <= full
    monkeypatch.setattr(similar_build, "MAX_ROWS", 7)
    real_lists = similar_build.block_lists

    def dies_in_the_lists(*args: object, **kwargs: object) -> object:
        monkeypatch.setattr(similar_build, "block_lists", real_lists)  # once
        raise KeyboardInterrupt

    monkeypatch.setattr(similar_build, "block_lists", dies_in_the_lists)
    with pytest.raises(KeyboardInterrupt):
        indexing.reindex(corpus.site)
    with reading(corpus.engine) as conn:
        assert store.build_mark(conn) is not None  # a build of the lists under way
    monkeypatch.setattr(similar_features, "TERM_ROWS", 50)
    real = store.add_terms
    loads: list[int] = []

    def dies_on_the_third(*args: object, **kwargs: object) -> None:
        loads.append(1)
        if len(loads) == 3:
            raise KeyboardInterrupt
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "add_terms", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        indexing.reindex(corpus.site)
    assert not {"ix_similar_terms_post_id", "ix_similar_terms_impact"} & _term_indexes(corpus)
    monkeypatch.setattr(store, "add_terms", real)
    indexing.reindex(corpus.site, resume=True)
    assert _term_indexes(corpus) == full
    assert _similar_tables(corpus) == whole
    assert _stored(corpus) == lists


def test_terms_loaded_unchecked_lose_the_rows_of_a_post_gone_meanwhile(tmp_path: Path) -> None:
    """SQLite loads the terms without looking each row's post up; once loaded, the rows of a
    post deleted meanwhile are removed, so every foreign key holds again."""
    corpus = make_corpus(tmp_path, f"sqlite:///{tmp_path / 'a.db'}", 12)
    engine = corpus.engine
    with writing(engine) as conn:
        ids = outbox.live_ids(conn)
        store.clear(conn)
        store.drop_term_indexes(conn)
    gone = max(ids) + 1_000  # no such post: deleted while the load ran
    with unchecked(engine) as conn:
        store.add_terms(conn, [("alpha", ids[0], 1.0), ("alpha", gone, 0.5), ("beta", gone, 0.2)])
    with writing(engine) as conn:
        assert store.restore_term_indexes(conn, [*ids, gone]) == 2
    with reading(engine) as conn:
        rows = [tuple(r) for r in conn.execute(sa.select(schema.similar_terms))]
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check(similar_terms)").fetchall()
    assert rows == [("alpha", ids[0], 1.0)]
    assert broken == []
    assert {"ix_similar_terms_post_id", "ix_similar_terms_impact"} <= _term_indexes(corpus)
    engine.dispose()


def test_rounded_is_pythons_round() -> None:
    rng = np.random.default_rng(3)
    values = np.concatenate(
        [rng.random(20_000), np.arange(0, 2_000) / 1e5 + 5e-6, np.array([0.0, 1.0, 0.125])]
    )
    assert similar_latent.rounded(values, 5).tolist() == [round(float(v), 5) for v in values]


def test_heaviest_keeps_each_columns_largest_values_ties_by_row() -> None:
    m = sp.csr_matrix(np.array([[0.5, 1.0], [0.7, 1.0], [0.5, 0.0], [0.1, 1.0]]))
    kept = similar_build.heaviest(m, 2).toarray()
    assert kept.tolist() == [[0.5, 1.0], [0.7, 1.0], [0.0, 0.0], [0.0, 0.0]]


def test_a_stopped_build_resumes_where_it_stopped(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexing.reindex(corpus.site)
    whole = _stored(corpus)
    monkeypatch.setattr(similar_build, "MAX_ROWS", 7)
    real = similar_build.block_lists
    blocks: list[int] = []

    def dies_on_the_third(*args: object, **kwargs: object) -> object:
        blocks.append(1)
        if len(blocks) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(similar_build, "block_lists", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        indexing.reindex(corpus.site)
    with reading(corpus.engine) as conn:
        mark = store.build_mark(conn)
        ids = outbox.live_ids(conn)
    assert mark == sorted(ids)[13] + 1  # two blocks of 7 written
    blocks.clear()
    monkeypatch.setattr(similar_build, "block_lists", real)
    seen: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        seen.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(similar_build, "block_lists", counted)
    report = indexing.reindex(corpus.site, resume=True)
    assert len(seen) == -(-(len(ids) - 14) // 7)  # only the blocks not yet written
    assert report.lists == len(ids) - 14
    assert _stored(corpus) == whole
    with reading(corpus.engine) as conn:
        assert store.build_mark(conn) is None


def test_spilled_counts_read_back_as_added_and_the_file_goes(tmp_path: Path) -> None:
    """The counts come back block by block, in row order, as often as asked; the document
    frequencies count every block; closing removes the temporary file."""
    docs: dict[int, tuple[IndexDoc, list[str]]] = {
        pid: (
            IndexDoc(
                post_id=pid,
                title=f"post {pid}",
                topic="",
                tags="",
                body=" ".join(["alpha"] * (pid % 3 + 1) + [f"word{pid % 5}"]),
            ),
            [],
        )
        for pid in range(1, 24)
    }
    with similar_features.Counts(block=5) as counts:
        counts.add({pid: docs[pid] for pid in range(1, 12)})
        next(counts.blocks())  # read back part-way, then more added: written after every block
        counts.add({pid: docs[pid] for pid in range(12, 24)})
        first = [(lo, s.tolist(), c.tolist(), t.tolist()) for lo, s, c, t in counts.blocks()]
        again = [(lo, s.tolist(), c.tolist(), t.tolist()) for lo, s, c, t in counts.blocks()]
        spill = counts._spill
    assert first == again
    assert [lo for lo, *_ in first] == [0, 5, 10, 11, 16, 21]  # the read-back wrote post 11
    names = list(counts.vocab)
    read = []
    for _, sizes, cols, tfs in first:
        at = 0
        for size in sizes:
            terms = [names[c] for c in cols[at : at + size]]
            read.append(dict(zip(terms, tfs[at : at + size], strict=True)))
            at += size
    assert read == [dict(similar._counts(docs[pid][0])) for pid in range(1, 24)]
    assert counts.df[counts.vocab["alpha"]] == 23
    assert spill is not None and spill.closed and counts._spill is None
