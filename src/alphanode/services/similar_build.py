"""The full build of every Similar Posts list (``reindex``): sparse matrices, a block at a time.

The rules are the per-post path's (``similar._lists``): a post's candidates are the
``CANDIDATES`` posts sharing most weight of its probe terms (ties by post id), counting of
each term only its ``similar.POSTINGS`` heaviest postings (ties by post id), without the
post, its family or its near-duplicates; they are ranked by ``similar.score`` (ties by post
id), the top ``K`` kept, one per family. Here a block of rows' candidate weights against every
post is one sparse product, and every candidate's score is computed from the matrices at once;
only the few that can reach a list are scored again by ``similar.score``, so the stored scores
and reasons are the per-post path's own (a float summed in another order cannot reorder them).

Before the first block, the latent topics are fitted on the posts' text vectors
(``similar_latent.fit``, at most ``similar_latent.SAMPLE`` posts), the projection stored per
term and every post's latent vector stored in its features, so the lists and later approvals
read the same vectors.

Memory is bounded by the block: ``ROW_CELLS`` product cells per block, whatever the size of the
site. Each block's lists are written with the id the next block starts at, in one transaction,
so a build that was stopped resumes where it stopped (``build(..., resume=True)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sqlalchemy.engine import Engine

from alphanode.content.fingerprint import Fingerprint
from alphanode.services import similar, similar_latent
from alphanode.settings import Settings
from alphanode.store import fingerprints, similar_basis
from alphanode.store import similar as store
from alphanode.store.engine import reading, writing

ROW_CELLS = 4_000_000  # candidate-product cells per block (rows × posts): bounds the memory
MAX_ROWS = 1_000
PAIRS = 20_000  # latent cosines computed at once (pairs × dimensions floats)
SETS = ("stack", "tools", "entities")
ROUNDING = 2e-6  # two units of the 6-decimal rounding of a score

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class _Columns:
    """Sparse rows in the making: (row, column, value) triplets and a column per key."""

    rows: list[int]
    cols: list[int]
    vals: list[float]
    vocab: dict[str, int]

    @classmethod
    def new(cls) -> _Columns:
        return cls([], [], [], {})

    def add(self, row: int, key: str, value: float) -> None:
        self.rows.append(row)
        self.cols.append(self.vocab.setdefault(key, len(self.vocab)))
        self.vals.append(value)

    def matrix(self, n: int) -> sp.csr_matrix:
        shape = (n, max(len(self.vocab), 1))
        where = (np.array(self.rows, dtype=np.int64), np.array(self.cols, dtype=np.int64))
        m = sp.coo_matrix((np.array(self.vals, dtype=np.float64), where), shape)
        return sp.csr_matrix(m)  # duplicates summed: a repeated tag counts as often as listed


@dataclass(frozen=True)
class Matrices:
    """Every post's features as sparse rows; row i is post ``ids[i]`` (ids ascending)."""

    ids: Ints
    text: sp.csr_matrix  # the normalised text vector
    terms: list[str]  # the text matrix's column names
    latent: Floats  # the latent vector (rows × dimensions; a zero row for a post without one)
    probe: sp.csr_matrix  # 1 where a probe term is held (what a post is found by)
    found_by: sp.csr_matrix  # the stored weight of each probe term (``similar_terms``)
    # of each column (term) only its ``similar.POSTINGS`` heaviest postings, ties by post id
    problem: Ints  # a code per problem, -1 for none
    counts: dict[str, sp.csr_matrix]  # each set's values, as often as listed
    held: dict[str, sp.csr_matrix]  # 1 where a set holds a value
    sizes: dict[str, Floats]  # distinct values per set
    family: Ints  # the post id of each post's original (itself when none)
    features: dict[int, dict[str, Any]]  # what ``similar.score`` reads (no term counts)


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


def matrices(engine: Engine) -> Matrices:
    """Read every post's features once, a page at a time, into sparse matrices."""
    ids: list[int] = []
    feats: dict[int, dict[str, Any]] = {}
    text, probe = _Columns.new(), _Columns.new()
    found_by = _Columns([], [], [], probe.vocab)  # one column per probe term, as stored
    sets = {name: _Columns.new() for name in SETS}
    problems: dict[str, int] = {}
    problem: list[int] = []
    after = 0
    with reading(engine) as conn:
        while page := store.all_features(conn, after):
            for pid, full in page:
                row, lean = len(ids), _lean(full)
                ids.append(pid)
                feats[pid] = lean
                for t, x in lean["v"].items():
                    text.add(row, t, x)
                terms = similar.probe_terms(lean)
                for t in terms:
                    probe.add(row, t, 1.0)
                for t, x in {k[:120]: v for k, v in terms.items()}.items():  # as stored
                    found_by.add(row, t, x)
                for name in SETS:
                    for value in lean[name]:
                        sets[name].add(row, value, 1.0)
                topic = lean["problem"]
                problem.append(problems.setdefault(topic, len(problems)) if topic else -1)
            after = page[-1][0]
        original = fingerprints.originals(conn, ids)
    n = len(ids)
    counts = {name: cols.matrix(n) for name, cols in sets.items()}
    held = {name: (m > 0).astype(np.float64) for name, m in counts.items()}
    return Matrices(
        ids=np.array(ids, dtype=np.int64),
        text=text.matrix(n),
        terms=list(text.vocab),
        latent=_latent([feats[pid]["z"] for pid in ids]),
        probe=probe.matrix(n),
        found_by=heaviest(found_by.matrix(n), similar.POSTINGS),
        problem=np.array(problem, dtype=np.int64),
        counts=counts,
        held=held,
        sizes={
            name: np.asarray(m.sum(axis=1), dtype=np.float64).ravel() for name, m in held.items()
        },
        family=np.array([original.get(pid, pid) for pid in ids], dtype=np.int64),
        features=feats,
    )


def heaviest(m: sp.csr_matrix, per_column: int) -> sp.csr_matrix:
    """``m`` with only the ``per_column`` largest values of each column (ties by row, that
    is by post id): the postings ``store.similar.sharing`` reads of each term."""
    coo = m.tocoo()
    rows, cols, vals = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    order = np.lexsort((rows, -vals, cols))  # by column, heaviest first, then by row
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.searchsorted(cols, cols, side="left")  # where each entry's column begins
    keep = np.arange(len(cols)) - starts < per_column
    kept = sp.coo_matrix((vals[keep], (rows[keep], cols[keep])), m.shape)
    return sp.csr_matrix(kept)


def _top(cols: Ints, vals: Floats, k: int) -> Ints:
    """The ``k`` columns of largest value, ties by column (that is, by post id)."""
    if len(cols) > k:
        kth = np.partition(vals, len(vals) - k)[len(vals) - k]
        keep = vals >= kth
        cols, vals = cols[keep], vals[keep]
    return cols[np.lexsort((cols, -vals))[:k]]


def _rowdot(a: sp.csr_matrix, b: sp.csr_matrix, i: Ints, j: Ints) -> Floats:
    return np.asarray(a[i].multiply(b[j]).sum(axis=1), dtype=np.float64).ravel()


def _latent_dot(z: Floats, i: Ints, j: Ints) -> Floats:
    out = np.zeros(len(i))
    if z.shape[1]:
        for lo in range(0, len(i), PAIRS):
            a, b = z[i[lo : lo + PAIRS]], z[j[lo : lo + PAIRS]]
            out[lo : lo + PAIRS] = np.einsum("ij,ij->i", a, b)
    return out


def approximate(m: Matrices, i: Ints, j: Ints, w: similar.Weights) -> Floats:
    """``similar.score`` of the pairs (i[k], j[k]) from the matrices, all at once."""
    total = w.text * _rowdot(m.text, m.text, i, j)
    total += w.latent * _latent_dot(m.latent, i, j)
    total += w.problem * ((m.problem[i] >= 0) & (m.problem[i] == m.problem[j]))
    for name, weight in zip(SETS, (w.stack, w.tools, w.entities), strict=True):
        shared = _rowdot(m.counts[name], m.held[name], i, j)
        union = m.sizes[name][i] + m.sizes[name][j] - _rowdot(m.held[name], m.held[name], i, j)
        ok = (m.sizes[name][i] > 0) & (m.sizes[name][j] > 0) & (union > 0)
        total += weight * np.where(ok, shared / np.where(union > 0, union, 1.0), 0.0)
    return total


def candidates(m: Matrices, rows: Ints) -> list[Ints]:
    """Each row's candidate columns: most probe weight shared, ties by id, without its family."""
    shared = sp.csr_matrix(m.probe[rows] @ m.found_by.T)
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
    approx: Floats,
    w: similar.Weights,
    prints: Mapping[int, Fingerprint],
) -> list[store.Entry]:
    """The row's top ``K`` by ``similar.score``: candidates are scored exactly from the best
    approximate score down until nothing further down can still enter the list."""
    order = np.lexsort((cols, -approx))
    cols, approx = cols[order], approx[order]
    pid = int(m.ids[row])
    mine = m.features[pid]
    mark = prints.get(pid)
    exact: dict[int, tuple[float, tuple[str, ...]]] = {}
    reach = similar.K + 8
    while True:
        for c in cols[:reach]:
            if int(c) not in exact:
                exact[int(c)] = similar.score(mine, m.features[int(m.ids[c])], w)
        taken: list[store.Entry] = []
        for c in sorted(exact, key=lambda c: (-exact[c][0], c)):
            other = int(m.ids[c])
            s, why = exact[c]
            distinct = (
                mark is None
                or other not in prints
                or mark.similarity(prints[other]) < w.near_duplicate
            )
            if s > 0 and distinct:
                taken.append(store.Entry(other, s, why))
            if len(taken) == similar.K:
                break
        rest = float(approx[reach]) if reach < len(cols) else -1.0
        if rest + ROUNDING < 1e-6 or (
            len(taken) == similar.K and taken[-1].score > rest + ROUNDING
        ):
            return taken
        reach *= 2


def block_lists(
    engine: Engine, m: Matrices, rows: Ints, w: similar.Weights
) -> dict[int, list[store.Entry]]:
    """The lists of a block of rows (one per family, as ``similar.one_per_family`` keeps)."""
    cands = candidates(m, rows)
    i = np.repeat(rows, [len(c) for c in cands])
    j = np.concatenate(cands) if cands else np.zeros(0, dtype=np.int64)
    approx = approximate(m, i, j, w) if len(j) else np.zeros(0)
    with reading(engine) as conn:
        prints = fingerprints.signatures(conn, {int(x) for x in m.ids[rows]} | set(_ids(m, j)))
    lists: dict[int, list[store.Entry]] = {}
    at = 0
    for row, cols in zip(rows, cands, strict=True):
        part = approx[at : at + len(cols)]
        at += len(cols)
        lists[int(m.ids[row])] = _ranked(m, int(row), cols, part, w, prints)
    with reading(engine) as conn:
        return similar.one_per_family(conn, lists)


def _ids(m: Matrices, cols: Ints) -> list[int]:
    return [int(x) for x in m.ids[np.unique(cols)]] if len(cols) else []


def fit_latent(engine: Engine, m: Matrices, dims: int) -> Matrices:
    """Fit the latent topics on every post's text vector, store the projection and each
    post's latent vector (a page of features at a time); the matrices with those vectors."""
    cols, projection = similar_latent.fit(m.text, dims)
    if len(cols):
        folded = np.asarray(m.text[:, cols] @ projection)
    else:
        folded = np.zeros((len(m.ids), 0))
    vectors = [similar_latent.normalised(z) if len(cols) else [] for z in folded]
    by_id = {int(pid): z for pid, z in zip(m.ids, vectors, strict=True)}
    with writing(engine) as conn:
        similar_basis.replace(
            conn,
            {
                m.terms[c]: similar_latent.to_bytes(row)
                for c, row in zip(cols, projection, strict=True)
            },
        )
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
    features = {pid: {**f, "z": by_id.get(pid, [])} for pid, f in m.features.items()}
    return replace(m, latent=_latent(vectors), features=features)


def build(
    engine: Engine,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    *,
    resume: bool = False,
) -> int:
    """Compute and store every post's list from its stored features; returns how many.

    ``resume``: continue a build that was stopped, from the first post it had not written.
    """
    w = similar.Weights.of(settings)
    m = matrices(engine)
    n = len(m.ids)
    with reading(engine) as conn:
        mark = store.build_mark(conn) if resume else None
    start = int(np.searchsorted(m.ids, mark)) if mark is not None else 0
    if start == 0:  # no list written yet: (again) the latent topics every list reads
        m = fit_latent(engine, m, settings.similar_latent_dims)
    step = max(1, min(MAX_ROWS, ROW_CELLS // max(n, 1)))
    written = 0
    for lo in range(start, n, step):
        rows = np.arange(lo, min(lo + step, n), dtype=np.int64)
        lists = block_lists(engine, m, rows, w)
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
