"""Pseudo-relevance feedback (RM3): words the first results share, added to a long query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from alphanode.settings import Settings
from alphanode.store.search import Hit
from alphanode.store.search.query import ALL_WORDS_UP_TO, STOP_WORDS, ParsedQuery

MIN_LENGTH = 3  # shorter stems ("x", "ab") are mostly symbols, units and initials


@dataclass(frozen=True)
class Feedback:
    """How a long query is expanded: from its first ``docs`` results, the ``terms`` stems
    most probable in them (RM1), holding ``weight`` of the final query (RM3's 1 - λ); stems
    held by more than ``max_df`` of all posts say nothing about a subject and are skipped."""

    docs: int
    terms: int
    weight: float
    max_df: float

    @classmethod
    def of(cls, settings: Settings) -> Feedback:
        return cls(
            settings.search_feedback_docs,
            settings.search_feedback_terms,
            settings.search_feedback_weight,
            settings.search_feedback_max_df,
        )

    def applies(self, query: ParsedQuery) -> bool:
        """Questions, not names: a query of more words than are first tried all together
        (short queries name what they want, and expansion would only blur them); stop
        words do not count, so "to be or not to be" is searched as typed."""
        content = [w for w in query.ranked() if w not in STOP_WORDS]
        return bool(
            self.docs > 0 and self.terms > 0 and self.weight > 0 and len(content) > ALL_WORDS_UP_TO
        )


def relevance_model(
    hits: Sequence[Hit], terms: Mapping[int, Mapping[str, int]]
) -> dict[str, float]:
    """RM1: P(w|R) = sum over the first results d of P(w|d) P(d|q), with P(w|d) the stem's
    share of d's words and P(d|q) d's share of the first pass's scores."""
    scores = {h.post_id: max(h.score, 0.0) for h in hits if h.post_id in terms}
    total = sum(scores.values())
    model: dict[str, float] = {}
    if total <= 0:
        return model
    for pid, score in scores.items():
        counts = terms[pid]
        length = sum(counts.values())
        if not length:
            continue
        for stem, tf in counts.items():
            model[stem] = model.get(stem, 0.0) + (tf / length) * (score / total)
    return model


def likeliest(model: Mapping[str, float], fb: Feedback) -> list[str]:
    """The stems worth a document-frequency look-up: a few times as many as are added,
    since some will prove too common (the look-up costs one call per stem)."""
    usable = [(p, t) for t, p in model.items() if len(t) >= MIN_LENGTH and not t.isdigit()]
    return [t for _, t in sorted(usable, key=lambda x: (-x[0], x[1]))[: 8 * fb.terms]]


def expand(
    query: ParsedQuery,
    model: Mapping[str, float],
    dfs: Mapping[str, int],
    total: int,
    fb: Feedback,
) -> ParsedQuery:
    """``query`` with ``expansion`` set: the model's top stems (the query's own stems among
    them gain weight, as in RM3), each weighted against a query word's 1.0 so that the
    expansion holds ``fb.weight`` of the whole query."""
    cap = fb.max_df * total
    usable = [(model[t], t) for t in likeliest(model, fb) if 0 < dfs.get(t, 0) <= cap]
    top = sorted(usable, key=lambda t: (-t[0], t[1]))[: fb.terms]
    mass = sum(p for p, _ in top)
    if not top or mass <= 0:
        return query
    # RM3: λ/|Q| for each query word, (1 - λ) P(w|R) for each stem; scaled so a word is 1.0
    scale = fb.weight / (1 - fb.weight) * len(query.ranked()) if fb.weight < 1 else 1.0
    expansion = tuple((stem, round(scale * p / mass, 4)) for p, stem in top)
    return replace(query, expansion=expansion)
