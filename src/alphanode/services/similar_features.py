"""Every post's Similar Posts features at once (``reindex``): counts in one pass, weights as arrays.

The per-post path (``similar.vectors`` then ``similar.reweigh``) reads each post's terms,
writes them, reads them back and weighs them against the document frequencies a batch at a
time. A full rebuild knows every post: it tokenises each post once (``add``, beside the search
index), spills the term counts to a temporary file as integer arrays (a term id and a count
per posting, a block of posts at a time), counts the document frequencies as it goes and then
weighs every post a block at a time (``weigh``) with the rules of
``similar._vector``, float for float: the same saturated tf, the same idf (``math.log`` of each
distinct frequency), the same order of the top terms (weight, then term), the same sum of
squares (term by term, in that order) and Python's own rounding. So the stored vectors are the
ones the per-post path stores, and each is written once (``services.similar_build.store``).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sqlalchemy.engine import Engine

from alphanode.content.terms import analyzer
from alphanode.services import similar, similar_build
from alphanode.services.similar_latent import rounded
from alphanode.store import similar as store
from alphanode.store import similar_basis
from alphanode.store.engine import unchecked, writing
from alphanode.store.search import IndexDoc

ROWS = 4_096  # posts weighed at once, and a block of the spilled counts
DECIMALS = 5  # a text weight's stored precision (``similar._vector``)
TERM_ROWS = 500_000  # probe-term rows written in one transaction

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Block = tuple[int, Ints, npt.NDArray[np.int32], npt.NDArray[np.int32]]  # lo, sizes, cols, tfs


class Counts:
    """Every post's term counts, in id order (row i is post ``ids[i]``), spilled to a
    temporary file a block of ``block`` posts (default ``ROWS``) at a time: a site's postings
    (~300 a synthesized post, 8 bytes each) are its largest arrays, so only the vocabulary, the
    document frequencies and the block being filled are held in memory. The file (in
    ``TMPDIR``) goes when closed."""

    def __init__(self, block: int | None = None) -> None:
        self.ids: list[int] = []
        self.vocab: dict[str, int] = {}
        self.tags: list[dict[str, Any]] = []  # problem, stack, tools, entities
        self.df: Ints = np.zeros(0, dtype=np.int64)  # posts holding each term (so far)
        self._block = block or ROWS
        self._cols: list[npt.NDArray[np.int32]] = []
        self._tfs: list[npt.NDArray[np.int32]] = []
        self._spill: IO[bytes] | None = None
        self._blocks = 0

    def __enter__(self) -> Counts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def add(self, changed: Mapping[int, tuple[IndexDoc, list[str]]], using: Any = None) -> None:
        """Tokenise these posts (ids ascending, after every id added before)."""
        using = using or analyzer()
        vocab = self.vocab
        for pid, (doc, ents) in changed.items():
            found = similar._counts(doc, using)
            self.ids.append(pid)
            self._cols.append(
                np.array([vocab.setdefault(t, len(vocab)) for t in found], dtype=np.int32)
            )
            self._tfs.append(np.fromiter(found.values(), dtype=np.int32, count=len(found)))
            self.tags.append(
                {
                    "problem": doc.problem,
                    "stack": list(doc.stack),
                    "tools": list(doc.tools),
                    "entities": ents,
                }
            )
            if len(self._cols) == self._block:
                self.finish()

    def finish(self) -> None:
        """Write the block being filled: the document frequencies then count every post."""
        if not self._cols:
            return
        sizes = np.array([len(c) for c in self._cols], dtype=np.int64)
        cols, tfs = np.concatenate(self._cols), np.concatenate(self._tfs)
        self._cols, self._tfs = [], []
        held = np.bincount(cols, minlength=len(self.vocab))
        if len(self.df) < len(held):
            self.df = np.concatenate([self.df, np.zeros(len(held) - len(self.df), np.int64)])
        self.df[: len(held)] += held
        if self._spill is None:
            self._spill = tempfile.TemporaryFile(prefix="alphanode-counts-")
        self._spill.seek(0, os.SEEK_END)  # after every block, even if some were read back
        for part in (sizes, cols, tfs):
            np.save(self._spill, part, allow_pickle=False)
        self._blocks += 1

    def blocks(self) -> Iterator[Block]:
        """Every post's counts again, a block at a time, in row order: (first row, each row's
        number of terms, the term ids, the counts)."""
        self.finish()
        if self._spill is None:
            return
        self._spill.seek(0)
        lo = 0
        for _ in range(self._blocks):
            sizes, cols, tfs = (np.load(self._spill, allow_pickle=False) for _ in range(3))
            yield lo, sizes, cols, tfs
            lo += len(sizes)


@dataclass(frozen=True)
class Weighed:
    """Every post's text vector, as sparse rows in the stored order."""

    ids: list[int]
    terms: list[str]  # column names
    rank: Ints  # each term's place in string order (the order term counts are stored in)
    vectors: sp.csr_matrix  # each row's terms in the vector's order (weight, then term)
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


def weigh(counts: Counts) -> Weighed:
    """Every post's text vector by ``similar._vector``'s rules against the document frequencies
    of all ``counts``, a block of posts at a time."""
    n, vocab = len(counts.ids), counts.vocab
    counts.finish()  # the last block's frequencies too
    terms = list(vocab)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[np.array(sorted(range(len(terms)), key=terms.__getitem__), dtype=np.int64)] = np.arange(
        len(terms)
    )
    df = counts.df  # one per term: the last block was counted against the whole vocabulary
    cap = similar.DF_CAP * n if n >= similar.MIN_POSTS_FOR_CAP else float("inf")
    idf = _idf(df, n)
    bigram = np.array([similar.BIGRAM_WEIGHT if " " in t else 1.0 for t in terms])
    k1 = similar.K1
    # Room for every post's whole vector: pages never written are never held, so memory is
    # the entries kept (and no second copy is made joining blocks).
    lens = np.zeros(n, dtype=np.int64)  # each row's number of terms kept
    data = np.empty(n * similar.TEXT_TERMS, dtype=np.float64)
    indices = np.empty(n * similar.TEXT_TERMS, dtype=np.int32)
    nnz = 0
    for lo, sizes, cols, tf in counts.blocks():
        hi = lo + len(sizes)
        rows = np.repeat(np.arange(lo, hi, dtype=np.int64), sizes)
        c, t = cols.astype(np.int64), tf.astype(np.float64)
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
        lens[lo:hi] = np.bincount(rows - lo, minlength=hi - lo)
        end = nnz + len(c)
        indices[nnz:end] = c
        data[nnz:end] = rounded(w[positive] / norm[rows - lo], DECIMALS)
        nnz = end
    shape = (n, max(len(terms), 1))
    indptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    data.resize(nnz, refcheck=False)  # in place: the room never written is given back
    indices.resize(nnz, refcheck=False)
    # rows in order, each row's terms in the vector's order (not sorted: kept as built)
    vectors = sp.csr_matrix((data, indices, indptr), shape=shape)
    return Weighed(list(counts.ids), terms, rank, vectors, df, counts.tags)


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


def term_counts(w: Weighed, block: Block) -> list[dict[str, int]]:
    """Each row's term counts of a block of ``Counts.blocks``, terms in string order."""
    _, sizes, cols, tf = block
    rows = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    by_term = np.lexsort((w.rank[cols], rows))
    names, values = w.terms, tf[by_term].tolist()
    ordered = [names[c] for c in cols[by_term].tolist()]
    out: list[dict[str, int]] = []
    at = 0
    for size in sizes.tolist():
        out.append(dict(zip(ordered[at : at + size], values[at : at + size], strict=True)))
        at += size
    return out


def _first_met(indices: npt.NDArray[np.integer[Any]], size: int) -> Ints:
    """The distinct values of ``indices`` in the order they are first met (a block at a time:
    no sort of the whole array)."""
    seen = np.zeros(size, dtype=bool)
    order: list[Ints] = []
    step = 1 << 22
    for lo in range(0, len(indices), step):
        part = indices[lo : lo + step]
        values, first = np.unique(part, return_index=True)
        new = ~seen[values]
        values, first = values[new], first[new]
        order.append(values[np.argsort(first, kind="stable")].astype(np.int64))
        seen[values] = True
    return np.concatenate(order) if order else np.zeros(0, dtype=np.int64)


def _text(w: Weighed) -> tuple[sp.csr_matrix, list[str]]:
    """The text matrix as ``similar_build`` builds it from stored vectors (a column per term
    in the order terms are first met, post by post), each row's terms in its vector's order,
    and the column names."""
    order = _first_met(w.vectors.indices, len(w.terms))
    column = np.zeros(len(w.terms), dtype=w.vectors.indices.dtype)
    column[order] = np.arange(len(order), dtype=column.dtype)
    shape = (len(w.ids), max(len(order), 1))
    ordered = sp.csr_matrix((w.vectors.data, column[w.vectors.indices], w.vectors.indptr), shape)
    return ordered, [w.terms[c] for c in order.tolist()]


def prepare(engine: Engine, counts: Counts, dims: int) -> similar_build.Matrices:
    """Weigh every post, fit the latent topics and store what the per-post path stores (the
    projection, the document frequencies, each post's features and probe terms, a block of
    posts per transaction); the matrices the lists are built from
    (``similar_build.build(..., prepared=...)``). ``counts`` is read twice, block by block."""
    w = weigh(counts)
    ordered, names = _text(w)
    basis, latent = similar_build.fit(ordered, names, dims)  # sorts what it reads, a block at once
    w = replace(w, vectors=ordered)  # one copy of the vectors: ``ordered``, columns ``names``
    df: Counter[str] = Counter()
    for c in np.flatnonzero(w.df).tolist():
        df[w.terms[c][:120]] += int(w.df[c])
    with writing(engine) as conn:
        similar_basis.replace(conn, basis)
        store.add_doc_freqs(conn, df)
    rows = similar_build.Rows()
    for block in counts.blocks():  # the counts read again, a block per transaction
        lo = block[0]
        feats: dict[int, dict[str, Any]] = {}
        for row, held in enumerate(term_counts(w, block), start=lo):
            pid = w.ids[row]
            mine = {**lean(w, row, names), "z": similar_build.stored(latent[row])}
            rows.add(pid, {**mine, "z": []}, text=False)  # z: the array below
            feats[pid] = {"v": mine["v"], "z": mine["z"], "t": held, **w.tags[row]}
        with writing(engine) as conn:
            store.put_features_many(conn, feats)
    del w
    _terms(engine, rows)
    return rows.matrices(engine, (ordered, ordered, names), latent)


def _terms(engine: Engine, rows: similar_build.Rows) -> None:
    """Every post's probe terms, written in the order of the table's term indexes (term, then
    post), ``TERM_ROWS`` a transaction: the table and its primary key grow at their end. The
    indexes by post and by weight, which this order would scatter, are dropped for the load
    and made again after it; SQLite does not look each row's post up (``unchecked``): the
    terms of a post deleted meanwhile are removed once the load is done. At 100,000 posts
    (6.95 million rows) the load took 179 s with the indexes and the checks, 46 s without
    (docs/benchmarks.md)."""
    vals, at, cols = rows.found_by.arrays()
    names = list(rows.found_by.vocab)
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)] = np.arange(
        len(names)
    )
    order = np.lexsort((at, rank[cols]))  # rows ascending are post ids ascending
    ids = np.array(rows.ids, dtype=np.int64)
    with writing(engine) as conn:
        store.drop_term_indexes(conn)
    for lo in range(0, len(order), TERM_ROWS):
        part = order[lo : lo + TERM_ROWS]
        batch = zip(
            [names[c] for c in cols[part].tolist()],
            ids[at[part]].tolist(),
            vals[part].tolist(),
            strict=True,
        )
        with unchecked(engine) as conn:
            store.add_terms(conn, list(batch))
    with writing(engine) as conn:
        store.restore_term_indexes(conn, ids.tolist())
