"""What listings and feeds show of a post, and the taxonomy terms it is filed under."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from alphanode.content.document import Document, Paragraph
from alphanode.content.slug import term_slug

WORDS_PER_MINUTE = 200
SUMMARY_CHARS = 300
TERM_KINDS = ("stack", "tools", "difficulty", "topic")


def reading_time(doc: Document) -> int:
    """Minutes: the page's own figure when it has one, else words at 200 a minute."""
    value = doc.meta.get("reading_time")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return max(1, round(doc.word_count() / WORDS_PER_MINUTE))


def summary(doc: Document) -> str:
    text = doc.meta.get("summary")
    if not isinstance(text, str) or not text.strip():
        text = next((b.text for b in doc.body if isinstance(b, Paragraph)), "")
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def topic(doc: Document) -> str:
    """The problem a post is about: ``ai_outline.problem``, else the topic before `` / ``."""
    outline = doc.meta.get("ai_outline")
    if isinstance(outline, dict) and isinstance(outline.get("problem"), str):
        if outline["problem"].strip():
            return str(outline["problem"]).strip()
    raw = doc.meta.get("topic")
    return raw.split(" / ")[0].strip() if isinstance(raw, str) else ""


def terms(doc: Document) -> list[tuple[str, str, str]]:
    """(kind, slug, label) for stack, tools, difficulty and topic, without duplicates."""
    found: dict[tuple[str, str], str] = {}

    def add(kind: str, label: str) -> None:
        slug = term_slug(label)
        if slug and (kind, slug) not in found:
            found[(kind, slug)] = label[:500]

    for item in _strings(doc.meta.get("stack")):
        add("stack", item)
    for item in _strings(doc.meta.get("tools")):
        add("tools", item)
    difficulty = doc.meta.get("difficulty")
    if isinstance(difficulty, str):
        add("difficulty", difficulty.strip())
    add("topic", topic(doc))
    return [(kind, slug, label) for (kind, slug), label in found.items()]


@dataclass(frozen=True)
class Card:
    title: str
    summary: str
    stack: tuple[str, ...]
    reading_time: int
    difficulty: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "summary": self.summary,
            "stack": list(self.stack),
            "reading_time": self.reading_time,
            "difficulty": self.difficulty,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        return cls(
            str(data.get("title", "")),
            str(data.get("summary", "")),
            tuple(str(s) for s in data.get("stack", [])),
            int(data.get("reading_time", 1)),
            str(data.get("difficulty", "")),
        )


def card(doc: Document) -> Card:
    difficulty = doc.meta.get("difficulty")
    return Card(
        doc.title,
        summary(doc),
        tuple(_strings(doc.meta.get("stack"))),
        reading_time(doc),
        difficulty if isinstance(difficulty, str) else "",
    )


def review_facets(doc: Document) -> list[tuple[str, str]]:
    """What the review queue filters on: set flags, generator, topic, stack, and the
    source's format and status (``meta.source``).

    (``near_duplicate`` is added at import by services.near_duplicates, which needs the store.)
    """
    found: dict[tuple[str, str], None] = {}

    def add(kind: str, value: str) -> None:
        value = " ".join(value.split()).lower()[:200]
        if value:
            found[(kind, value)] = None

    flags = doc.meta.get("flags")
    if isinstance(flags, dict):
        for name, on in flags.items():
            if on is True:
                add("flag", name)
    payload = doc.meta.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("generator"), str):
        add("generator", payload["generator"])
    add("topic", topic(doc))
    for item in _strings(doc.meta.get("stack")):
        add("stack", item)
    for kind, value in source_facets(doc.meta):
        add(kind, value)
    return list(found)


def source_facets(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The queue facets ``source_format`` and ``source_status`` of ``meta.source``."""
    source = meta.get("source")
    if not isinstance(source, dict):
        return []
    found = []
    for kind in ("format", "status"):
        value = source.get(kind)
        if isinstance(value, str) and value.strip():
            found.append(("source_" + kind, " ".join(value.split()).lower()[:200]))
    return found


NO_SCORE = -1  # the queue's score of a revision whose meta has no scores (sorted last)


@dataclass(frozen=True)
class QueueKeys:
    """What the review queue shows and sorts a pending revision by, beside its post: fixed
    when the revision is stored (a revision never changes), so every sort reads an index.

    ``score``: the mean of ``meta.score``'s values (``NO_SCORE`` without any);
    ``scores``: them as text (``quality 80 · depth 70``); ``origin``: ``format / status``
    of ``meta.source`` (empty when the document has no source part).
    """

    title: str
    score: int = NO_SCORE
    scores: str = ""
    origin: str = ""


def queue_keys(title: str, meta: dict[str, Any]) -> QueueKeys:
    """The queue's keys of a revision from its title and (typed) meta."""
    record = meta.get("score")
    values: list[tuple[str, int]] = []
    if isinstance(record, dict):
        values = [
            (str(k), v) for k, v in record.items() if isinstance(v, int) and not isinstance(v, bool)
        ]
    score = round(sum(v for _, v in values) / len(values)) if values else NO_SCORE
    source = meta.get("source")
    parts: list[str] = []
    if isinstance(source, dict):
        parts = [
            " ".join(str(source.get(k) or "").split())
            for k in ("format", "status")
            if isinstance(source.get(k), str)
        ]
    return QueueKeys(
        " ".join(title.split())[:500],
        score,
        " · ".join(f"{k.replace('_', ' ')} {v}" for k, v in values)[:500],
        " / ".join(p for p in parts if p)[:200].lower(),
    )


@dataclass(frozen=True)
class Listing:
    """What a revision adds to the public listings once it goes live: its card and its terms,
    as the JSON text they are stored as. Fixed when the revision is stored (a revision never
    changes), so approving it writes them without decoding the document again."""

    card: str
    terms: str  # [[kind, slug, label], ...]

    def term_rows(self) -> list[tuple[str, str, str]]:
        return [(str(k), str(t), str(label)) for k, t, label in json.loads(self.terms)]


def listing(doc: Document) -> Listing:
    return Listing(
        json.dumps(card(doc).to_dict(), ensure_ascii=False),
        json.dumps([list(t) for t in terms(doc)], ensure_ascii=False),
    )
