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

from alphanode.services import similar
from alphanode.services.similar_features import rounded

if TYPE_CHECKING:
    from alphanode.services.similar_build import Matrices

SETS = ("stack", "tools", "entities")
SCORE_DECIMALS = 6

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def _in_order(total: Floats, columns: Floats) -> Floats:
    """Each row of ``columns`` (positions × pairs) added position by position into ``total``."""
    for k in range(columns.shape[0]):
        total += columns[k]
    return total


def text_cosines(m: Matrices, rows: Ints, i: Ints, j: Ints, local: Ints) -> Floats:
    """The text cosine of each pair (i[k], j[k]), i within the contiguous ``rows``, summed in
    the order of i's vector. ``local``: -1 for every column (a scratch map, left as found)."""
    o = m.ordered
    lo, hi = int(o.indptr[rows[0]]), int(o.indptr[rows[-1] + 1])
    mine = o.indices[lo:hi].astype(np.int64)
    lengths = np.diff(o.indptr[rows[0] : rows[-1] + 2])
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    position = np.arange(hi - lo, dtype=np.int64) - np.repeat(o.indptr[rows] - lo, lengths)
    width = int(lengths.max()) if len(lengths) else 0
    if width == 0 or len(i) == 0:
        return np.zeros(len(i))
    held = np.unique(mine)
    local[held] = np.arange(len(held))
    try:
        at = np.full((len(rows), len(held)), -1, dtype=np.int64)  # a column's place in a row
        at[owner, local[mine]] = position
        values = np.zeros((len(rows), width))
        values[owner, position] = o.data[lo:hi]
        theirs = m.text[j]
        pair = np.repeat(np.arange(len(j), dtype=np.int64), np.diff(theirs.indptr))
        u = local[theirs.indices]
        pair, u, y = pair[u >= 0], u[u >= 0], theirs.data[u >= 0]
        row = i[pair] - rows[0]
        k = at[row, u]
        pair, row, k, y = pair[k >= 0], row[k >= 0], k[k >= 0], y[k >= 0]
        products = np.zeros((width, len(j)))
        products[k, pair] = values[row, k] * y
    finally:
        local[held] = -1
    return _in_order(np.zeros(len(j)), products)


def latent_cosines(m: Matrices, i: Ints, j: Ints) -> Floats:
    """``similar_latent.cosine`` of each pair (0 where either post has no latent vector)."""
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
