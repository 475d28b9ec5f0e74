"""Near-duplicates: light edits of an earlier document, with their own identity."""

from __future__ import annotations

from typing import Any

from alphanode.content.document import Block, Document, Paragraph
from alphanode.content.meta import EXTRA
from alphanode.synth import generator as G
from alphanode.synth.draw import Uniform, between, sample
from alphanode.synth.item import SYNTHETIC
from alphanode.synth.vocabulary import SYNONYMS


def near_duplicate(original: Document, u: Uniform, seed: int) -> Document:
    """``original`` with one paragraph reworded and a few words changed, as document ``seed``.

    Title, topic and every ground-truth field stay; reference, hash, view count and payload
    seed are the new document's own. ``meta.extra.synthetic`` names the original and the edits.
    """
    body = list(original.body)
    paragraphs = [i for i, b in enumerate(body) if isinstance(b, Paragraph)]
    reworded = _reword(body, paragraphs, u)
    others = [i for i in paragraphs if i != reworded]
    words = _change_words(body, others, u, between(u, 2, 4))
    mark = {
        "near_duplicate_of": str(original.reference),
        "reworded_paragraphs": "1" if reworded is not None else "0",
        "changed_words": str(words),
    }
    old = original.meta
    meta: dict[str, Any] = {
        **old,
        "view_count": between(u, 50, 999_999),
        "reference": G.reference(u, seed),
        "hash": G.content_tag(u),
        "payload": {**old["payload"], "source_id": G.source_id(seed), "seed": seed},
        EXTRA: {**old.get(EXTRA, {}), SYNTHETIC: mark},
    }
    blocks = tuple(body)
    return Document(original.title, blocks, G.derive(original.title, blocks, meta))


def _reword(body: list[Block], paragraphs: list[int], u: Uniform) -> int | None:
    """Reorder the sentences of one paragraph that has several; return its index."""
    for i in sample(u, paragraphs, len(paragraphs)):
        block = body[i]
        assert isinstance(block, Paragraph)  # noqa: S101 - indices of paragraphs
        sentences = block.text.removesuffix(".").split(". ")
        if len(sentences) > 1:
            turn = between(u, 1, len(sentences) - 1)
            body[i] = Paragraph(". ".join(sentences[turn:] + sentences[:turn]) + ".")
            return i
    return None


def _change_words(body: list[Block], paragraphs: list[int], u: Uniform, wanted: int) -> int:
    """Swap up to ``wanted`` words for synonyms, at most one per paragraph; return how many."""
    changed = 0
    for i in sample(u, paragraphs, len(paragraphs)):
        block = body[i]
        assert isinstance(block, Paragraph)  # noqa: S101 - indices of paragraphs
        for word, other in sample(u, SYNONYMS, len(SYNONYMS)):
            text = block.text.replace(f" {word} ", f" {other} ", 1)
            if text != block.text:
                body[i] = Paragraph(text)
                changed += 1
                break
        if changed == wanted:
            break
    return changed
