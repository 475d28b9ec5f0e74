"""The full build of every Similar Posts list (``reindex``): sparse matrices, a block at a time.

The rules are the per-post path's (``similar._lists``): a post's candidates are the
``CANDIDATES`` posts sharing most weight of its probe terms (ties by post id), counting of
each term only its ``similar.POSTINGS`` heaviest postings (ties by post id), without the
post, its family or its near-duplicates; they are ranked by ``similar.score`` (ties by post
id), the top ``K`` kept, one per family. Here a block of rows' candidate weights against every
post is one sparse product, and every candidate's score is computed from the matrices at once,
float for float ``similar.score``'s own (``similar_exact``); only the reasons of the entries
kept are written in Python.

The latent topics are fitted on the posts' text vectors (``similar_latent.fit``, at most
``similar_latent.SAMPLE`` posts) before any list: by ``reindex`` as it stores the features
(``similar_features.prepare``, which hands the matrices over), or here from the stored
features (``fit_latent``), so the lists and later approvals read the same vectors.

Memory is bounded by the block: at most ``ROW_CELLS`` entries of the candidate product (each
row's probe terms × ``similar.POSTINGS``) and ``MAX_ROWS`` rows per block, whatever the size of
the site. Each block's lists are written with the id the next block starts at, in one
transaction, so a build that was stopped resumes where it stopped (``build(..., resume=True)``).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sqlalchemy.engine import Engine

from alphanode.content.fingerprint import Fingerprint
from alphanode.services import similar, similar_exact, similar_latent
from alphanode.settings import Settings
from alphanode.store import fingerprints, similar_basis
from alphanode.store import similar as store
from alphanode.store.engine import reading, writing

ROW_CELLS = 4_000_000  # candidate-product entries per block: bounds the memory
MAX_ROWS = 256  # a block's rows at most (its pairs' products: rows × candidates × terms)
SETS = ("stack", "tools", "entities")
FOLD_ROWS = 65_536  # rows folded into the latent topics at once

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class _Columns:
    """Sparse rows in the making: (row, column, value) triplets and a column per key (kept as
    32-bit integers and floats: 16 bytes an entry, a site's every posting in memory)."""

    rows: array[int]
    cols: array[int]
    vals: array[float]
    vocab: dict[str, int]

    @classmethod
    def new(cls, vocab: dict[str, int] | None = None) -> _Columns:
        return cls(array("i"), array("i"), array("d"), {} if vocab is None else vocab)

    def add(self, row: int, key: str, value: float) -> None:
        self.rows.append(row)
        self.cols.append(self.vocab.setdefault(key, len(self.vocab)))
        self.vals.append(value)

    def arrays(self) -> tuple[Floats, npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """(values, rows, columns), as added."""
        return (
            np.frombuffer(self.vals, dtype=np.float64),
            np.frombuffer(self.rows, dtype=np.int32),
            np.frombuffer(self.cols, dtype=np.int32),
        )

    def matrix(self, n: int) -> sp.csr_matrix:
        vals, rows, cols = self.arrays()
        m = sp.coo_matrix((vals, (rows, cols)), (n, max(len(self.vocab), 1)))
        return sp.csr_matrix(m)  # duplicates summed: a repeated tag counts as often as listed

    def take(self, n: int) -> sp.csr_matrix:
        """``matrix``, and the triplets let go (a matrix built last need not wait beside them)."""
        m = self.matrix(n)
        self.rows, self.cols, self.vals = array("i"), array("i"), array("d")
        return m

    def in_order(self, n: int) -> sp.csr_matrix:
        """The rows with each row's entries in the order added (rows added in order)."""
        vals, rows, cols = self.arrays()
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        return sp.csr_matrix((vals, cols, indptr), (n, max(len(self.vocab), 1)))


@dataclass(frozen=True)
class Matrices:
    """Every post's features as sparse rows; row i is post ``ids[i]`` (ids ascending)."""

    ids: Ints
    text: sp.csr_matrix  # the normalised text vector (sorted, or as ``ordered`` after a reindex)
    ordered: sp.csr_matrix  # the same, each row's terms in its vector's order
    terms: list[str]  # the text matrix's column names
    latent: Floats  # the latent vector (rows × dimensions; a zero row for a post without one)
    probe: sp.csr_matrix  # 1 where a probe term is held (what a post is found by)
    found_by: sp.csr_matrix  # the stored weight of each probe term (``similar_terms``)
    # of each column (term) only its ``similar.POSTINGS`` heaviest postings, ties by post id
    postings: sp.csr_matrix  # ``found_by`` transposed (a row per term), made once
    problem: Ints  # a code per problem, -1 for none
    counts: dict[str, sp.csr_matrix]  # each set's values, as often as listed
    held: dict[str, sp.csr_matrix]  # 1 where a set holds a value
    sizes: dict[str, Floats]  # distinct values per set
    family: Ints  # the post id of each post's original (itself when none)
    features: dict[int, dict[str, Any]]  # each post's tags (what a list's reasons read)


def _lean(feats: Mapping[str, Any]) -> dict[str, Any]:
    return {k: feats.get(k, [] if k in (*SETS, "z") else "") for k in ("v", "z", "problem", *SETS)}


def _latent(vectors: list[list[float]]) -> Floats:
    """Stored latent vectors as rows (zeros where a post has none)."""
    dims = max((len(z) for z in vectors), default=0)
    out = np.zeros((len(vectors), dims))
    for row, z in enumerate(vectors):
        if len(z) == dims:
            out[row] = z
    return out


class Rows:
    """The matrices in the making, a post at a time (ids ascending)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.text, self.probe = _Columns.new(), _Columns.new()
        self.found_by = _Columns.new(self.probe.vocab)  # one column per probe term, as stored
        self.sets = {name: _Columns.new() for name in SETS}
        self.problems: dict[str, int] = {}
        self.problem: list[int] = []
        self.tags: dict[int, dict[str, Any]] = {}
        self.latent: list[list[float]] = []

    def add(self, pid: int, lean: Mapping[str, Any], *, text: bool = True) -> dict[str, float]:
        """One post's lean features (its text vector too unless ``text`` is False); returns
        its probe terms."""
        row = len(self.ids)
        self.ids.append(pid)
        if text:
            for t, x in lean["v"].items():
                self.text.add(row, t, x)
        terms = similar.probe_terms(lean)
        for t in terms:
            self.probe.add(row, t, 1.0)
        for t, x in {k[:120]: v for k, v in terms.items()}.items():  # as stored
            self.found_by.add(row, t, x)
        for name in SETS:
            for value in lean[name]:
                self.sets[name].add(row, value, 1.0)
        topic = lean["problem"]
        self.problem.append(self.problems.setdefault(topic, len(self.problems)) if topic else -1)
        self.tags[pid] = {k: lean[k] for k in ("problem", *SETS)}
        self.latent.append(lean["z"])
        return terms

    def matrices(
        self,
        engine: Engine,
        text: tuple[sp.csr_matrix, sp.csr_matrix, list[str]] | None = None,
        latent: Floats | None = None,
    ) -> Matrices:
        """``text``: the text matrix, in order and sorted, and its column names, when the text
        vectors were not added (as ``_Columns`` would build them); ``latent``: the latent
        vectors, when not those added. Once: the probe terms and sets are let go as read."""
        n, ids = len(self.ids), self.ids
        with reading(engine) as conn:
            original = fingerprints.originals(conn, ids)
        # each matrix made and its triplets let go in turn, the largest first
        found_by = heaviest(self.found_by.take(n), similar.POSTINGS)
        probe = self.probe.take(n)
        counts = {name: c.take(n) for name, c in self.sets.items()}
        held = {name: (m > 0).astype(np.float64) for name, m in counts.items()}
        if text is None:
            text = (self.text.matrix(n), self.text.in_order(n), list(self.text.vocab))
        return Matrices(
            ids=np.array(ids, dtype=np.int64),
            text=text[0],
            ordered=text[1],
            terms=text[2],
            latent=_latent(self.latent) if latent is None else latent,
            probe=probe,
            found_by=found_by,
            postings=sp.csr_matrix(found_by.T),
            problem=np.array(self.problem, dtype=np.int64),
            counts=counts,
            held=held,
            sizes={
                name: np.asarray(m.sum(axis=1), dtype=np.float64).ravel()
                for name, m in held.items()
            },
            family=np.array([original.get(pid, pid) for pid in ids], dtype=np.int64),
            features=self.tags,
        )


def matrices(engine: Engine) -> Matrices:
    """Read every post's features once, a page at a time, into sparse matrices."""
    rows = Rows()
    after = 0
    with reading(engine) as conn:
        while page := store.all_features(conn, after):
            for pid, full in page:
                rows.add(pid, _lean(full))
            after = page[-1][0]
    return rows.matrices(engine)


def heaviest(m: sp.csr_matrix, per_column: int) -> sp.csr_matrix:
    """``m`` with only the ``per_column`` largest values of each column (ties by row, that
    is by post id): the postings ``store.similar.sharing`` reads of each term."""
    coo = m.tocoo()
    rows, cols, vals = coo.row, coo.col, coo.data  # as held (32-bit indices on most sites)
    del coo
    order = np.lexsort((rows, -vals, cols))  # by column, heaviest first, then by row
    rows, cols, vals = rows[order], cols[order], vals[order]
    del order
    starts = np.searchsorted(cols, cols, side="left")  # where each entry's column begins
    keep = np.arange(len(cols)) - starts < per_column
    del starts
    kept = sp.coo_matrix((vals[keep], (rows[keep], cols[keep])), m.shape)
    return sp.csr_matrix(kept)


def _top(cols: Ints, vals: Floats, k: int) -> Ints:
    """The ``k`` columns of largest value, ties by column (that is, by post id)."""
    if len(cols) > k:
        kth = np.partition(vals, len(vals) - k)[len(vals) - k]
        keep = vals >= kth
        cols, vals = cols[keep], vals[keep]
    return cols[np.lexsort((cols, -vals))[:k]]


def candidates(m: Matrices, rows: Ints) -> list[Ints]:
    """Each row's candidate columns: most probe weight shared, ties by id, without its family."""
    shared = sp.csr_matrix(m.probe[rows] @ m.postings)  # CSR @ CSR: no conversion per block
    out: list[Ints] = []
    for k, row in enumerate(rows):
        lo, hi = shared.indptr[k], shared.indptr[k + 1]
        cols = shared.indices[lo:hi].astype(np.int64)
        vals = shared.data[lo:hi].astype(np.float64)
        keep = cols != row
        top = _top(cols[keep], vals[keep], similar.CANDIDATES)
        out.append(top[m.family[top] != m.family[row]])
    return out


def _ranked(
    m: Matrices,
    row: int,
    cols: Ints,
    exact: tuple[Floats, Floats],
    w: similar.Weights,
    prints: Mapping[int, Fingerprint],
) -> list[store.Entry]:
    """The row's top ``K`` by ``similar.score`` (ties by post id), near-duplicates left out."""
    score, cos = exact
    order = np.lexsort((cols, -score))
    pid = int(m.ids[row])
    mine = m.features[pid]
    mark = prints.get(pid)
    taken: list[store.Entry] = []
    for k in order.tolist():
        s = float(score[k])
        if s <= 0 or len(taken) == similar.K:
            break
        other = int(m.ids[cols[k]])
        if mark is None or other not in prints or mark.similarity(prints[other]) < w.near_duplicate:
            why = similar.reasons(mine, m.features[other], float(cos[k]))
            taken.append(store.Entry(other, s, why))
    return taken


def block_lists(
    engine: Engine, m: Matrices, rows: Ints, w: similar.Weights, local: Ints | None = None
) -> dict[int, list[store.Entry]]:
    """The lists of a block of contiguous rows (one per family, as ``similar.one_per_family``
    keeps); every candidate scored (``similar_exact``). ``local``: a scratch map of -1s, one per
    text column (made here when not given)."""
    cands = candidates(m, rows)
    i = np.repeat(rows, [len(c) for c in cands])
    j = np.concatenate(cands) if cands else np.zeros(0, dtype=np.int64)
    if local is None:
        local = np.full(m.text.shape[1], -1, dtype=np.int64)
    score, cos = similar_exact.scores(m, rows, i, j, w, local)
    with reading(engine) as conn:
        prints = fingerprints.signatures(conn, {int(x) for x in m.ids[rows]} | set(_ids(m, j)))
    lists: dict[int, list[store.Entry]] = {}
    at = 0
    for row, cols in zip(rows, cands, strict=True):
        part = slice(at, at + len(cols))
        at += len(cols)
        lists[int(m.ids[row])] = _ranked(m, int(row), cols, (score[part], cos[part]), w, prints)
    with reading(engine) as conn:
        return similar.one_per_family(conn, lists)


def _ids(m: Matrices, cols: Ints) -> list[int]:
    return [int(x) for x in m.ids[np.unique(cols)]] if len(cols) else []


def fit(text: sp.csr_matrix, terms: list[str], dims: int) -> tuple[dict[str, bytes], Floats]:
    """The latent topics fitted on every post's text vector: the projection of each term (as
    stored) and every post's latent vector as stored (rows; a zero row: none, stored []).
    ``text``'s rows are read with their terms sorted (whatever order they are held in), so the
    sums are the same float for float."""
    cols, projection = similar_latent.fit(text, dims)
    if not len(cols):
        return {}, np.zeros((text.shape[0], 0))
    latent = np.empty((text.shape[0], projection.shape[1]))
    for lo in range(0, text.shape[0], FOLD_ROWS):  # a block of rows, each row's terms sorted
        part = sp.csr_matrix(text[lo : lo + FOLD_ROWS], copy=True)
        part.sort_indices()
        folded = np.asarray(part[:, cols] @ projection)
        latent[lo : lo + FOLD_ROWS] = similar_latent.normalised_rows(folded)
    basis = {
        terms[c]: similar_latent.to_bytes(row) for c, row in zip(cols, projection, strict=True)
    }
    return basis, latent


def stored(z: Floats) -> list[float]:
    """A latent row as stored in the features ([] for a zero row)."""
    return z.tolist() if z.any() else []


def fit_latent(engine: Engine, m: Matrices, dims: int) -> Matrices:
    """Fit the latent topics on every post's text vector, store the projection and each
    post's latent vector (a page of features at a time); the matrices with those vectors."""
    basis, latent = fit(m.text, m.terms, dims)
    by_id = {pid: stored(z) for pid, z in zip(m.ids.tolist(), latent, strict=True)}
    with writing(engine) as conn:
        similar_basis.replace(conn, basis)
    after = 0
    while True:
        with writing(engine) as conn:
            page = store.all_features(conn, after)
            if not page:
                break
            for pid, feats in page:
                feats["z"] = by_id.get(pid, [])
            store.put_features_many(conn, dict(page))
        after = page[-1][0]
    return replace(m, latent=latent)


def build(
    engine: Engine,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    *,
    resume: bool = False,
    prepared: Matrices | None = None,
) -> int:
    """Compute and store every post's list from its stored features; returns how many.

    ``resume``: continue a build that was stopped, from the first post it had not written.
    ``prepared``: the matrices of the features just stored, latent topics fitted
    (``similar_features.prepare``): nothing is read back.
    """
    w = similar.Weights.of(settings)
    m = prepared if prepared is not None else matrices(engine)
    n = len(m.ids)
    with reading(engine) as conn:
        mark = store.build_mark(conn) if resume else None
    start = int(np.searchsorted(m.ids, mark)) if mark is not None else 0
    if start == 0 and prepared is None:  # no list written yet: (again) the latent topics
        m = fit_latent(engine, m, settings.similar_latent_dims)
    most = int(np.diff(m.probe.indptr).max()) if n else 0
    step = max(1, min(MAX_ROWS, ROW_CELLS // max(most * similar.POSTINGS, 1)))
    local = np.full(m.text.shape[1], -1, dtype=np.int64)
    written = 0
    for lo in range(start, n, step):
        rows = np.arange(lo, min(lo + step, n), dtype=np.int64)
        lists = block_lists(engine, m, rows, w, local)
        nxt = int(m.ids[rows[-1]]) + 1
        with writing(engine) as conn:
            store.set_lists(conn, lists)
            store.set_build_mark(conn, nxt if rows[-1] + 1 < n else None)
        written += len(lists)
        if progress:
            progress(int(rows[-1]) + 1, n)
    if start >= n:
        with writing(engine) as conn:
            store.set_build_mark(conn, None)
    return written
