"""Similar Posts' latent topics: fitted at the full build, folded in at approval, shown by
``--explain``, and absent before any build or when turned off, on each database and backend."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from alphanode.services import indexing, review, search, similar
from alphanode.store import outbox
from alphanode.store import similar as store
from alphanode.store.engine import reading
from alphanode.store.schema import posts, similar_basis
from tests.conftest import make_site
from tests.searchcases import Corpus


def _features(corpus: Corpus) -> dict[int, dict[str, Any]]:
    with reading(corpus.engine) as conn:
        return store.features(conn, outbox.live_ids(conn))


def _basis_rows(corpus: Corpus) -> int:
    with reading(corpus.engine) as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(similar_basis)) or 0)


def test_reindex_fits_topics_an_approval_folds_in_alike(corpus: Corpus) -> None:
    assert all(f["z"] == [] for f in _features(corpus).values())  # no build yet: no topics
    assert _basis_rows(corpus) == 0
    indexing.reindex(corpus.site)
    built = _features(corpus)
    dims = {len(f["z"]) for f in built.values()}
    assert len(dims) == 1 and 2 <= min(dims) <= 100 and _basis_rows(corpus) > 0
    assert all(abs(sum(x * x for x in f["z"]) - 1.0) < 1e-3 for f in built.values())
    ref = next(iter(corpus.truth))
    with reading(corpus.engine) as conn:
        pid = int(conn.scalar(sa.select(posts.c.id).where(posts.c.ref == ref)) or 0)
    review.retract(corpus.engine, ref, "t", "and back")
    corpus.site.index_pending()
    assert pid not in _features(corpus)
    review.approve(corpus.engine, ref, "t")
    corpus.site.index_pending()  # the per-post path: folded into the stored projection
    again = _features(corpus)[pid]
    assert again["v"] == built[pid]["v"]
    assert max(abs(a - b) for a, b in zip(again["z"], built[pid]["z"], strict=True)) <= 2e-3


def test_explain_shows_the_latent_part_and_adds_up_to_the_score(corpus: Corpus) -> None:
    indexing.reindex(corpus.site)
    latent_parts = 0
    for ref in list(corpus.truth)[:10]:
        _, explained = search.similar_explained(corpus.site, ref, 5)
        assert explained
        for found, parts in explained:
            assert abs(sum(share for _, _, share in parts) - found.score) <= 0.01
            latent = [share for term, part, share in parts if part == "latent"]
            assert all(term == "latent topics" for term, part, _ in parts if part == "latent")
            latent_parts += bool(latent)
    assert latent_parts >= 10


def test_no_topics_when_turned_off(corpus: Corpus) -> None:
    settings = dataclasses.replace(corpus.settings, similar_latent_dims=0)
    indexing.reindex(make_site(settings, corpus.engine))
    assert _basis_rows(corpus) == 0
    assert all(f["z"] == [] for f in _features(corpus).values())
    _, explained = search.similar_explained(corpus.site, next(iter(corpus.truth)), 5)
    assert explained and not any(p == "latent" for _, parts in explained for _, p, _ in parts)


def test_phrases_weigh_in_and_only_the_top_terms_find_candidates() -> None:
    vec = similar.vector(None, "Shock waves over a swept wing; the shock wave moves aft.", 1000)
    assert "shock wave" in vec and vec["shock wave"] < vec["shock"]
    many = {f"term{i:03d}": 1.0 - i / 1000 for i in range(300)}
    probe = similar.probe_terms({"v": many, "problem": "p", "stack": ["s"], "tools": []})
    assert len(probe) == similar.PROBE_TERMS + 2
    assert "term000" in probe and "term299" not in probe and "problem:p" in probe
