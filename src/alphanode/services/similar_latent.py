"""Similar Posts' latent topics: LSA, a truncated SVD of the posts' text vectors.

At the full build (``reindex``) the posts' normalised text vectors (rows, the matrix A) are
factorised, A ≈ U·S·Vᵀ with ``dims`` singular values; each term keeps its row of the
projection P = V·S^(POWER−1) (``similar_basis``, float32 bytes, the ``MAX_TERMS`` most
frequent terms held by at least two posts). A post's latent vector is its text vector times
P, normalised to length 1 ("fold-in"): the same arithmetic for every post at the build and
for one post at approval (one read of its terms' rows), so a post approved after the build
is compared on the same topics. A post approved before any build has no latent vector (and
no latent part in its scores). POWER 1.5 weighs the strongest topics above their share of
the variance (on Cranfield 1.5 beat 1.0 and 2.0). The fit reads at most ``SAMPLE`` posts,
evenly spaced, so its memory and time are bounded whatever the size of the site.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import scipy.sparse as sp

POWER = 1.5
SAMPLE = 20_000  # posts the factorisation reads at most
MAX_TERMS = 100_000  # terms kept in the projection at most (the most frequent first)
MIN_POSTS = 50  # below, there are no topics to speak of: no latent vectors
DECIMALS = 4  # a latent vector's stored precision

Floats = npt.NDArray[np.float64]


def fit(text: sp.csr_matrix, dims: int) -> tuple[npt.NDArray[np.int64], Floats]:
    """The kept columns (term indices of ``text``) and their projection rows (terms × k).

    Deterministic: the solver starts from a fixed vector, so the same posts give the same
    projection. Empty when the site is too small or ``dims`` is 0.
    """
    # Only the full build fits: a serving process that folds posts in never loads SciPy.
    import scipy.sparse as sp
    from scipy.sparse.linalg import svds

    n = text.shape[0]
    none = (np.zeros(0, dtype=np.int64), np.zeros((0, 0)))
    if dims <= 0 or n < MIN_POSTS:
        return none
    rows = np.unique(np.linspace(0, n - 1, min(n, SAMPLE)).astype(np.int64))
    sample = sp.csr_matrix(text[rows], dtype=np.float64, copy=True)
    sample.sort_indices()  # each row's terms in column order, however the rows were held
    df = np.asarray((sample > 0).sum(axis=0)).ravel()
    held = np.flatnonzero(df >= 2)
    cols = held[np.lexsort((held, -df[held]))][:MAX_TERMS]
    cols.sort()
    a = sample[:, cols]
    k = min(dims, min(a.shape) - 1)
    if k < 2:
        return none
    start = np.random.default_rng(0).standard_normal(min(a.shape))
    _, s, vt = svds(a, k=k, v0=start)
    order = np.argsort(-s)
    s, vt = s[order], vt[order]
    keep = s > 1e-9
    return cols, (vt[keep].T * s[keep] ** (POWER - 1)).astype(np.float32).astype(np.float64)


def normalised(z: Floats) -> list[float]:
    """A latent vector as stored: length 1, ``DECIMALS`` decimals; [] when it is zero."""
    norm = float(np.linalg.norm(z))
    if norm <= 1e-12:
        return []
    return [round(float(x), DECIMALS) for x in z / norm]


def rounded(x: Floats, decimals: int) -> Floats:
    """Python's ``round(x, decimals)`` of each value: the nearest integer of the scaled value
    wherever it is clearly not a half (exact, then), Python's own round where it is near one."""
    flat = np.ravel(x)
    scale = 10.0**decimals
    s = flat * scale
    out = np.round(s) / scale
    near = np.flatnonzero(np.abs(s - np.floor(s) - 0.5) < 1e-3)
    out[near] = [round(float(v), decimals) for v in flat[near]]
    return out.reshape(np.shape(x))


def normalised_rows(z: Floats) -> Floats:
    """``normalised`` of each row, as rows (a zero row where ``normalised`` gives [])."""
    out = np.zeros_like(z, dtype=np.float64)
    for row, vector in enumerate(z):
        norm = float(np.linalg.norm(vector))
        if norm > 1e-12:
            out[row] = vector / norm
    return rounded(out, DECIMALS)


def fold(vec: Mapping[str, float], basis: Mapping[str, bytes]) -> list[float]:
    """A text vector's latent vector from its terms' projection rows ([] when none held)."""
    held = [(x, basis[t[:120]]) for t, x in vec.items() if t[:120] in basis]
    if not held:
        return []
    weights = np.array([x for x, _ in held])
    rows = np.frombuffer(b"".join(row for _, row in held), dtype="<f4").reshape(len(held), -1)
    return normalised(weights @ rows.astype(np.float64))


def to_bytes(row: Floats) -> bytes:
    return np.asarray(row, dtype="<f4").tobytes()
