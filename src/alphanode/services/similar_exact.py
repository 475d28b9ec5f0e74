"""``similar.score`` of many pairs of posts at once, float for float, from sparse matrices.

``similar.score`` adds the products of a post's text vector with the other's in the order of
the first post's vector (largest weight first), one after another, and the latent products
in their order; a float sum in another order may differ in its last bit, and a stored score
is rounded to 6 decimals, so a last bit can change a list. Here the products are laid out
one column per position in the first post's vector and added column by column, which is
the same additions in the same order, for every pair at once; the parts are then weighted
and added in ``similar.score``'s order and rounded as Python rounds. So the scores are the
per-post path's own (``tests/services/test_similar_build.py`` compares them on every pair).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from alphanode.services import similar
from alphanode.services.similar_latent import rounded

if TYPE_CHECKING:
    from alphanode.services.similar_build import Matrices

SETS = ("stack", "tools", "entities")
SCORE_DECIMALS = 6
SUB = 32  # rows whose text cosines are one sparse product

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def _in_order(total: Floats, columns: Floats) -> Floats:
    """Each row of ``columns`` (positions × pairs) added position by position into ``total``."""
    for k in range(columns.shape[0]):
        total += columns[k]
    return total


def text_cosines(m: Matrices, rows: Ints, i: Ints, j: Ints, local: Ints) -> Floats:
    """The text cosine of each pair (i[k], j[k]), i ascending within the contiguous ``rows``,
    summed in the order of i's vector. ``local``: -1 for every column (scratch, left as found).
    ``SUB`` rows at a time, so that the tables of one part stay in the processor's cache."""
    out = np.zeros(len(i))
    for lo in range(0, len(rows), SUB):
        part = rows[lo : lo + SUB]
        a, b = np.searchsorted(i, [part[0], part[-1] + 1])
        if b > a:
            out[a:b] = _cosines(m, part, i[a:b], j[a:b], local)
    return out


def _cosines(m: Matrices, rows: Ints, i: Ints, j: Ints, local: Ints) -> Floats:
    """One part's cosines as one sparse product: scipy's ``csr_matmat`` adds, for each output
    cell, the products of the left row's entries in their stored order, from 0, so the left
    rows in their vectors' order give ``similar.score``'s sum exactly (the test compares)."""
    o = m.ordered
    lo, hi = int(o.indptr[rows[0]]), int(o.indptr[rows[-1] + 1])
    mine = o.indices[lo:hi].astype(np.int64)
    held = np.unique(mine)
    if len(held) == 0:
        return np.zeros(len(i))
    local[held] = np.arange(len(held))
    try:
        indptr = o.indptr[rows[0] : rows[-1] + 2] - lo
        left = sp.csr_matrix((o.data[lo:hi], local[mine], indptr), (len(rows), len(held)))
        cands = np.unique(j)
        theirs = m.text[cands]
        u = local[theirs.indices]
        shared = u >= 0
        owner = np.repeat(np.arange(len(cands), dtype=np.int64), np.diff(theirs.indptr))
        right = sp.csr_matrix(
            (theirs.data[shared], (u[shared], owner[shared])), (len(held), len(cands))
        )
    finally:
        local[held] = -1
    product = (left @ right).toarray()
    return np.asarray(product[i - rows[0], np.searchsorted(cands, j)], dtype=np.float64)


def latent_cosines(m: Matrices, i: Ints, j: Ints) -> Floats:
    """``similar.latent_cosine`` of each pair (0 where either post has no latent vector)."""
    z = m.latent
    out = np.zeros(len(i))
    if z.shape[1] == 0 or len(i) == 0:
        return out
    return _in_order(out, (z[i] * z[j]).T.copy())


def _jaccard(m: Matrices, name: str, i: Ints, j: Ints) -> Floats:
    counts, held, sizes = m.counts[name], m.held[name], m.sizes[name]
    shared = np.asarray(counts[i].multiply(held[j]).sum(axis=1), dtype=np.float64).ravel()
    both = np.asarray(held[i].multiply(held[j]).sum(axis=1), dtype=np.float64).ravel()
    union = sizes[i] + sizes[j] - both
    ok = (sizes[i] > 0) & (sizes[j] > 0) & (union > 0)
    return np.where(ok, shared / np.where(union > 0, union, 1.0), 0.0)


def scores(
    m: Matrices, rows: Ints, i: Ints, j: Ints, w: similar.Weights, local: Ints
) -> tuple[Floats, Floats]:
    """Each pair's ``similar.score`` (rounded as stored) and its text cosine."""
    cos = text_cosines(m, rows, i, j, local)
    same = ((m.problem[i] >= 0) & (m.problem[i] == m.problem[j])).astype(np.float64)
    parts = [
        w.text * cos,
        w.latent * latent_cosines(m, i, j),
        w.problem * same,
        w.stack * _jaccard(m, "stack", i, j),
        w.tools * _jaccard(m, "tools", i, j),
        w.entities * _jaccard(m, "entities", i, j),
    ]
    total = parts[0]
    for part in parts[1:]:  # added left to right, as ``similar.score`` adds them
        total = total + part
    return rounded(total, SCORE_DECIMALS), cos
