"""Every post's Similar Posts features at once (``reindex``): counts in one pass, weights as arrays.

The per-post path (``similar.vectors`` then ``similar.reweigh``) reads each post's terms,
writes them, reads them back and weighs them against the document frequencies a batch at a
time. A full rebuild knows every post: it tokenises each post once (``add``, beside the search
index), keeps the term counts as integer arrays (a term id and a count per posting), counts
the document frequencies from them and weighs every post at once (``weigh``) with the rules of
``similar._vector``, float for float: the same saturated tf, the same idf (``math.log`` of each
distinct frequency), the same order of the top terms (weight, then term), the same sum of
squares (term by term, in that order) and Python's own rounding. So the stored vectors are the
ones the per-post path stores, and each is written once (``services.similar_build.store``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sqlalchemy.engine import Engine

from alphanode.content.terms import analyzer
from alphanode.services import similar, similar_build
from alphanode.services.similar_latent import rounded
from alphanode.store import similar as store
from alphanode.store import similar_basis
from alphanode.store.engine import writing
from alphanode.store.search import IndexDoc

ROWS = 4_096  # posts weighed at once (a few arrays of their postings)
DECIMALS = 5  # a text weight's stored precision (``similar._vector``)
PAGE = 2_000  # posts whose features are written in one transaction
TERM_ROWS = 500_000  # probe-term rows written in one transaction

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class Counts:
    """Every post's term counts, in id order: row i is post ``ids[i]``."""

    ids: list[int] = field(default_factory=list)
    vocab: dict[str, int] = field(default_factory=dict)
    cols: list[npt.NDArray[np.int32]] = field(default_factory=list)
    tfs: list[npt.NDArray[np.int32]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)  # problem, stack, tools, entities

    def add(self, changed: Mapping[int, tuple[IndexDoc, list[str]]], using: Any = None) -> None:
        """Tokenise these posts (ids ascending, after every id added before)."""
        using = using or analyzer()
        vocab = self.vocab
        for pid, (doc, ents) in changed.items():
            found = similar._counts(doc, using)
            self.ids.append(pid)
            self.cols.append(
                np.array([vocab.setdefault(t, len(vocab)) for t in found], dtype=np.int32)
            )
            self.tfs.append(np.fromiter(found.values(), dtype=np.int32, count=len(found)))
            self.tags.append(
                {
                    "problem": doc.problem,
                    "stack": list(doc.stack),
                    "tools": list(doc.tools),
                    "entities": ents,
                }
            )


@dataclass(frozen=True)
class Weighed:
    """Every post's text vector and term counts, as sparse rows in the stored order."""

    ids: list[int]
    terms: list[str]  # column names
    vectors: sp.csr_matrix  # each row's terms in the vector's order (weight, then term)
    counts: sp.csr_matrix  # each row's term counts, terms in string order
    df: Ints  # posts holding each term
    tags: list[dict[str, Any]]


def _idf(df: Ints, total: int) -> Floats:
    """``similar._vector``'s idf of each term, by ``math.log`` of each distinct frequency."""
    values, where = np.unique(df, return_inverse=True)
    table = np.array(
        [math.log(1 + (total - int(d) + 0.5) / (int(d) + 0.5)) for d in values], dtype=np.float64
    )
    return table[where.ravel()]


def _row_top(rows: Ints, weight: Floats, rank: Ints, keep: int) -> tuple[Ints, Ints]:
    """Order of the entries by row, then weight (largest first), then term; and each entry's
    position in its row."""
    order = np.lexsort((rank, -weight, rows))
    r = rows[order]
    starts = np.searchsorted(r, r, side="left")
    return order, np.arange(len(r)) - starts


def weigh(counts: Counts) -> Weighed:  # noqa: C901 - one pass of array steps
    """Every post's text vector by ``similar._vector``'s rules against the document frequencies
    of all ``counts`` (whose per-post arrays are emptied as they are read)."""
    n, vocab = len(counts.ids), counts.vocab
    terms = list(vocab)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[np.array(sorted(range(len(terms)), key=terms.__getitem__), dtype=np.int64)] = np.arange(
        len(terms)
    )
    sizes = np.array([len(c) for c in counts.cols], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    # 32-bit postings, and the per-post arrays let go as they are joined (a site's postings
    # are its largest arrays: ~400 a post)
    cols = np.concatenate(counts.cols) if n else np.zeros(0, dtype=np.int32)
    counts.cols.clear()
    tf = np.concatenate(counts.tfs) if n else np.zeros(0, dtype=np.int32)
    counts.tfs.clear()
    df = np.bincount(cols, minlength=len(terms)).astype(np.int64)
    stored_cols, stored_tf = np.empty_like(cols), np.empty_like(tf)  # by term, as stored
    cap = similar.DF_CAP * n if n >= similar.MIN_POSTS_FOR_CAP else float("inf")
    idf = _idf(df, n)
    bigram = np.array([similar.BIGRAM_WEIGHT if " " in t else 1.0 for t in terms])
    k1 = similar.K1
    v_rows: list[Ints] = []
    v_cols: list[Ints] = []
    v_vals: list[Floats] = []
    for lo in range(0, n, ROWS):
        hi = min(n, lo + ROWS)
        a, b = int(indptr[lo]), int(indptr[hi])
        rows = np.repeat(np.arange(lo, hi, dtype=np.int64), sizes[lo:hi])
        c, t = cols[a:b].astype(np.int64), tf[a:b].astype(np.float64)
        by_term = np.lexsort((rank[c], rows))
        stored_cols[a:b], stored_tf[a:b] = cols[a:b][by_term], tf[a:b][by_term]
        kept = df[c] <= cap
        rows, c, t = rows[kept], c[kept], t[kept]
        w = (t * (k1 + 1) / (t + k1)) * idf[c] * bigram[c]
        order, pos = _row_top(rows, w, rank[c], similar.TEXT_TERMS)
        top = order[pos < similar.TEXT_TERMS]
        rows, c, w, pos = rows[top], c[top], w[top], pos[pos < similar.TEXT_TERMS]
        square = np.zeros((hi - lo, similar.TEXT_TERMS))
        square[rows - lo, pos] = w * w
        norm2 = np.zeros(hi - lo)
        for k in range(similar.TEXT_TERMS):  # term by term, as ``sum`` adds them
            norm2 += square[:, k]
        norm = np.sqrt(norm2)
        norm[norm == 0] = 1.0
        positive = w > 0
        rows, c = rows[positive], c[positive]
        v_rows.append(rows)
        v_cols.append(c)
        v_vals.append(rounded(w[positive] / norm[rows - lo], DECIMALS))
    shape = (n, max(len(terms), 1))
    vr = np.concatenate(v_rows) if v_rows else np.zeros(0, dtype=np.int64)
    vectors = sp.csr_matrix(
        (
            np.concatenate(v_vals) if v_vals else np.zeros(0),
            np.concatenate(v_cols) if v_cols else np.zeros(0, dtype=np.int64),
            np.concatenate([[0], np.cumsum(np.bincount(vr, minlength=n))]).astype(np.int64),
        ),
        shape=shape,
    )  # rows in order, each row's terms in the vector's order (not sorted: kept as built)
    del cols, tf
    counted = sp.csr_matrix((stored_tf, stored_cols, indptr), shape=shape)
    return Weighed(list(counts.ids), terms, vectors, counted, df, counts.tags)


def lean(w: Weighed, row: int, names: list[str] | None = None) -> dict[str, Any]:
    """What ``similar.score`` reads of one post (its vector in the stored order; no ``z``);
    ``names``: the vectors' column names when not ``w.terms``."""
    lo, hi = w.vectors.indptr[row], w.vectors.indptr[row + 1]
    names = w.terms if names is None else names
    v = dict(
        zip(
            [names[c] for c in w.vectors.indices[lo:hi].tolist()],
            w.vectors.data[lo:hi].tolist(),
            strict=True,
        )
    )
    return {"v": v, "z": [], **w.tags[row]}


def term_counts(w: Weighed, row: int) -> dict[str, int]:
    lo, hi = w.counts.indptr[row], w.counts.indptr[row + 1]
    names = w.terms
    return dict(
        zip(
            [names[c] for c in w.counts.indices[lo:hi].tolist()],
            w.counts.data[lo:hi].tolist(),
            strict=True,
        )
    )


def _text(w: Weighed) -> tuple[sp.csr_matrix, sp.csr_matrix, list[str]]:
    """The text matrix as ``similar_build`` builds it from stored vectors (a column per term
    in the order terms are first met, post by post, each vector in its order): sorted, in the
    vectors' order, and the column names."""
    indices = w.vectors.indices.astype(np.int64)
    seen, first = np.unique(indices, return_index=True)
    order = seen[np.argsort(first, kind="stable")]
    column = np.zeros(len(w.terms), dtype=np.int64)
    column[order] = np.arange(len(order))
    n = len(w.ids)
    shape = (n, max(len(order), 1))
    ordered = sp.csr_matrix((w.vectors.data, column[indices], w.vectors.indptr), shape)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(w.vectors.indptr))
    coo = sp.coo_matrix((w.vectors.data, (rows, column[indices])), shape)
    return sp.csr_matrix(coo), ordered, [w.terms[c] for c in order.tolist()]


def prepare(engine: Engine, counts: Counts, dims: int) -> similar_build.Matrices:
    """Weigh every post, fit the latent topics and store what the per-post path stores (the
    projection, the document frequencies, each post's features and probe terms, a page of
    posts per transaction); the matrices the lists are built from
    (``similar_build.build(..., prepared=...)``)."""
    w = weigh(counts)
    ranked, ordered, names = _text(w)
    basis, latent = similar_build.fit(ranked, names, dims)
    del ranked  # the lists read the vectors in their order; the fit alone wanted them sorted
    w = replace(w, vectors=ordered)  # one copy of the vectors: ``ordered``, columns ``names``
    df: Counter[str] = Counter()
    for c in np.flatnonzero(w.df).tolist():
        df[w.terms[c][:120]] += int(w.df[c])
    with writing(engine) as conn:
        similar_basis.replace(conn, basis)
        store.add_doc_freqs(conn, df)
    rows = similar_build.Rows()
    for lo in range(0, len(w.ids), PAGE):
        feats: dict[int, dict[str, Any]] = {}
        probes: dict[int, dict[str, float]] = {}
        for row in range(lo, min(lo + PAGE, len(w.ids))):
            pid = w.ids[row]
            mine = {**lean(w, row, names), "z": similar_build.stored(latent[row])}
            probes[pid] = rows.add(pid, {**mine, "z": []}, text=False)  # z: the array below
            feats[pid] = {"v": mine["v"], "z": mine["z"], "t": term_counts(w, row), **w.tags[row]}
        with writing(engine) as conn:
            store.put_features_many(conn, feats)
    del w
    _terms(engine, rows)
    return rows.matrices(engine, (ordered, ordered, names), latent)


def _terms(engine: Engine, rows: similar_build.Rows) -> None:
    """Every post's probe terms, written in the order of the table's term indexes (term, then
    post), ``TERM_ROWS`` a transaction: each index grows at its end, not all over."""
    vals, at, cols = rows.found_by.arrays()
    names = list(rows.found_by.vocab)
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)] = np.arange(
        len(names)
    )
    order = np.lexsort((at, rank[cols]))  # rows ascending are post ids ascending
    ids = np.array(rows.ids, dtype=np.int64)
    for lo in range(0, len(order), TERM_ROWS):
        part = order[lo : lo + TERM_ROWS]
        batch = zip(
            [names[c] for c in cols[part].tolist()],
            ids[at[part]].tolist(),
            vals[part].tolist(),
            strict=True,
        )
        with writing(engine) as conn:
            store.add_terms(conn, list(batch))
