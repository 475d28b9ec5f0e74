"""Deterministic draws on top of ``random.Random.random``, stable across Python versions.

``Random(seed).random()`` (Mersenne Twister, 53-bit floats) has not changed since Python
2.3, but ``randrange``, ``choice``, ``shuffle`` and ``sample`` have; so every choice here is
made from ``random()`` alone: ``seq[int(u * len(seq))]`` is exact in IEEE doubles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
Uniform = Callable[[], float]  # a bound ``Random.random``

_MASK64 = (1 << 64) - 1
_TWO_53 = float(1 << 53)


def pick(u: Uniform, seq: Sequence[T]) -> T:
    """One element of ``seq``, uniformly."""
    return seq[int(u() * len(seq))]


def between(u: Uniform, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi``, both included."""
    return lo + int(u() * (hi - lo + 1))


def sample(u: Uniform, seq: Sequence[T], k: int) -> list[T]:
    """``k`` distinct elements of ``seq`` in drawn order (a partial Fisher-Yates shuffle)."""
    pool = list(seq)
    n = len(pool)
    k = min(k, n)
    for i in range(k):
        j = i + int(u() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def unit(seed: int, salt: int) -> float:
    """A float in [0, 1) from ``seed`` and ``salt`` alone (splitmix64), without a generator.

    Used to decide a document's kind (normal, near-duplicate, hostile) cheaply, so that the
    decision for any seed can be looked up without building its document.
    """
    z = (seed * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    z ^= z >> 31
    return (z >> 11) / _TWO_53
