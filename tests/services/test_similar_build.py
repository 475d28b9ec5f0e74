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
from alphanode.store.engine import reading, writing
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
