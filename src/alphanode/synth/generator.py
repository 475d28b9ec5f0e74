"""Building one normal document from a seed: title, body blocks and the full meta box."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any, Literal

from alphanode.content.document import Block, Document, Heading, Image, ListBlock, Paragraph
from alphanode.synth import paragraphs as P
from alphanode.synth import templates as T
from alphanode.synth import vocabulary as V
from alphanode.synth.draw import Uniform, between, pick, sample

Size = Literal["small", "normal", "large"]
SIZES: tuple[Size, ...] = ("small", "normal", "large")
GENERATOR = "anp content synthesizer"
WORDS_PER_MINUTE = 200

_FIRST_REVIEW = dt.date(2024, 1, 1).toordinal()
_REVIEW_DAYS = 900
SCORE_KEYS = ("quality", "freshness", "depth", "clarity")
FLAG_KEYS = ("ai_generated_style", "has_images", "image_heavy", "needs_human_review")
_IMAGE_COUNTS: dict[Size, tuple[int, ...]] = {
    "small": (0, 0, 0, 1),
    "normal": (0, 1, 1, 1, 2, 2, 3),
    "large": (1, 2, 2, 3),
}
# Prose sections, and paragraphs in each, per size; a checklist and a closing section follow.
_PROSE: dict[Size, tuple[int, int]] = {"small": (1, 1), "normal": (2, 3), "large": (3, 3)}
_PARAGRAPHS: dict[Size, tuple[int, int]] = {"small": (1, 1), "normal": (1, 4), "large": (20, 38)}
_TAIL_CHANCE = 0.35
IMAGE_HEAVY = 3  # images from which a page is "image heavy"
# Templates and whether they need formatting (most section paragraphs do not).
_SECTION = tuple((t, "{" in t) for t in P.SECTION)
_N_SECTION = len(_SECTION)
_TAILS = tuple((t, "{" in t) for t in P.TAILS)
_N_TAILS = len(_TAILS)
# Headings are fixed text or depend on the document; fixed ones are built once and shared.
_HEADINGS = {text: Heading(text) for text in T.PROSE_HEADINGS + T.CHECK_HEADINGS + T.FINAL_HEADINGS}


def synthesize(seed: int, size: Size = "normal") -> Document:
    """The normal document for ``seed``: the same on every machine and Python version."""
    return compose(random.Random(seed).random, seed, size)


def compose(u: Uniform, seed: int, size: Size) -> Document:
    """Draw a document from ``u`` (a bound ``Random.random``); see ``synthesize``."""
    problem = pick(u, V.PROBLEMS)
    stack = pick(u, V.STACKS)
    scenario = pick(u, V.SCENARIOS)
    tools = stack.tools
    tool_a, tool_b = sample(u, tools, 2)
    ctx = {
        "problem": problem,
        "stack": stack.name,
        "scenario": scenario,
        "area": stack.area,
        "language": stack.language,
        "tool": tool_a,
        "tool2": tool_b,
        "focus": pick(u, V.FOCUSES),
        "suffix": pick(u, T.TITLE_SUFFIXES),
    }
    title = pick(u, T.TITLES).format_map(ctx)
    checklist = sample(u, T.CHECKLIST_ITEMS, between(u, 3, 6))
    body, images, words, paragraphs = _body(u, ctx, size, checklist)
    status = pick(u, V.STATUSES)
    e1, e2, e3, e4 = sample(u, V.EMPHASES, 4)
    meta: dict[str, Any] = {
        "topic": f"{problem} / {stack.name}",
        "summary": pick(u, T.SUMMARIES).format(
            problem=problem, stack=stack.name, scenario=scenario, e1=e1, e2=e2, e3=e3, e4=e4
        ),
        "ai_outline": {
            "context": scenario,
            "problem": problem,
            "stack": stack.name,
            "recommended_action": pick(u, V.RECOMMENDED_ACTIONS),
        },
        "ai_brief": pick(u, T.BRIEFS),
        "stack": [stack.name, stack.area, stack.language],
        "tools": [t for t in tools if u() < 0.8] + sample(u, V.COMMON_TOOLS, between(u, 1, 2)),
        "code_language": stack.code_language,
        "difficulty": pick(u, V.DIFFICULTIES),
        "reading_time": minutes(words + title.count(" ") + 1),
        "view_count": between(u, 50, 999_999),
        "score": {
            "quality": between(u, 30, 100),
            "freshness": between(u, 30, 100),
            "depth": between(u, 30, 100),
            "clarity": between(u, 30, 100),
        },
        "revision": {
            "status": status,
            "version": f"{between(u, 1, 3)}.{between(u, 0, 9)}.{between(u, 0, 9)}",
            "last_reviewed": review_date(u),
        },
        "reference": reference(u, seed),
        "hash": content_tag(u),
        "flags": {
            "ai_generated_style": True,
            "has_images": bool(images),
            "image_heavy": len(images) >= IMAGE_HEAVY,
            "needs_human_review": status not in V.REVIEWED_STATUSES,
        },
        "checklist": checklist,
        "entities": [
            {"name": stack.name, "type": "stack"},
            {"name": stack.area, "type": "area"},
            {"name": problem, "type": "problem"},
        ],
        "image_sources": image_sources(images),
        "payload": {
            "source_id": source_id(seed),
            "generator": GENERATOR,
            "paragraphs": paragraphs - 1,  # the seed page's convention: not the intro
            "scenario": scenario,
            "seed": seed,
        },
        "notes": [*sample(u, V.NOTES, between(u, 1, 3)), V.LAST_NOTE],
    }
    return Document(title, body, meta)


def _body(
    u: Uniform, ctx: dict[str, str], size: Size, checklist: list[str]
) -> tuple[tuple[Block, ...], list[Image], int, int]:
    """The blocks, the images among them, their words (as ``word_count``), the paragraphs.

    The hot loop of the synthesizer: words are counted as spaces + 1 (all template text is
    single-spaced), and templates without placeholders are not formatted.
    """
    wanted = pick(u, _IMAGE_COUNTS[size])
    images: list[Image] = []
    intro = pick(u, T.INTROS).format_map(ctx)
    blocks: list[Block] = [Paragraph(intro)]
    words = intro.count(" ") + 1
    paragraphs = 1
    if wanted:
        images.append(_image(u, ctx, 1))
        blocks.append(images[-1])
    deck = list(_SECTION)  # drawn without repeats: one Fisher-Yates step per draw
    dealt = 0
    lo, hi = _PARAGRAPHS[size]
    for heading in sample(u, T.PROSE_HEADINGS, between(u, *_PROSE[size])):
        if "{" in heading:
            heading = heading.format_map(ctx)
        blocks.append(_HEADINGS.get(heading) or Heading(heading))
        words += heading.count(" ") + 1
        for n in range(lo + int(u() * (hi - lo + 1))):
            j = dealt + int(u() * (_N_SECTION - dealt))
            deck[dealt], deck[j] = deck[j], deck[dealt]
            text, fill = deck[dealt]
            dealt = dealt + 1 if dealt + 1 < _N_SECTION else 0
            if fill:
                text = text.format_map(ctx)
            if u() < _TAIL_CHANCE:
                tail, fill = _TAILS[int(u() * _N_TAILS)]
                text += " " + (tail.format_map(ctx) if fill else tail)
            blocks.append(Paragraph(text))
            words += text.count(" ") + 1
            paragraphs += 1
            if n == 0 and len(images) < wanted:
                images.append(_image(u, ctx, len(images) + 1))
                blocks.append(images[-1])
    while len(images) < wanted:
        images.append(_image(u, ctx, len(images) + 1))
        blocks.append(images[-1])
    for image in images:
        words += image.caption.count(" ") + 1
    # Small pages close with one of the two closing sections, the others with both.
    with_list = size != "small" or u() < 0.5
    if with_list:
        heading = pick(u, T.CHECK_HEADINGS)
        blocks += (_HEADINGS[heading], ListBlock(tuple(checklist)))
        words += heading.count(" ") + 1 + sum(item.count(" ") + 1 for item in checklist)
    if size != "small" or not with_list:
        heading = pick(u, T.FINAL_HEADINGS)
        text = pick(u, P.FINAL).format_map(ctx)
        blocks += (_HEADINGS[heading], Paragraph(text))
        words += heading.count(" ") + text.count(" ") + 2
        paragraphs += 1
    return tuple(blocks), images, words, paragraphs


def _image(u: Uniform, ctx: dict[str, str], n: int) -> Image:
    caption = pick(u, T.CAPTIONS).format(problem=ctx["problem"], stack=ctx["stack"], n=n)
    text = caption[: V.IMAGE_TEXT_CHARS].replace(" ", "+")
    url = f"https://{V.IMAGE_SOURCE}/{pick(u, V.IMAGE_SIZES)}/png?text={text}"
    return Image(caption, caption, V.IMAGE_SOURCE, url)


def minutes(words: int) -> int:
    """Reading time: ``words`` at ``WORDS_PER_MINUTE``, rounded, at least 1 minute."""
    return max(1, (words + WORDS_PER_MINUTE // 2) // WORDS_PER_MINUTE)


def payload_paragraphs(body: Sequence[Block]) -> int:
    """The seed page's convention: paragraph blocks, not counting the intro (the first)."""
    return max(0, sum(1 for b in body if isinstance(b, Paragraph)) - 1)


def derive(title: str, body: tuple[Block, ...], meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` with what follows from the body computed again (after a variant's edits):
    reading time, the image flags, the image sources and ``payload.paragraphs``."""
    images = [b for b in body if isinstance(b, Image)]
    out = dict(meta)
    out["reading_time"] = minutes(Document(title, body).word_count())
    out["flags"] = {
        **meta["flags"],
        "has_images": bool(images),
        "image_heavy": len(images) >= IMAGE_HEAVY,
    }
    out["image_sources"] = image_sources(images)
    out["payload"] = {**meta["payload"], "paragraphs": payload_paragraphs(body)}
    return out


def image_sources(images: Sequence[Image]) -> list[dict[str, str]]:
    """One ``image sources`` record per image, in body order, matched by caption."""
    return [{"source": i.source, "url": i.url, "caption": i.caption} for i in images]


def review_date(u: Uniform) -> str:
    return dt.date.fromordinal(_FIRST_REVIEW + between(u, 0, _REVIEW_DAYS)).isoformat()


def reference(u: Uniform, seed: int) -> str:
    return f"anp-ref-{seed:06d}-{between(u, 0, 9999):04d}"


def source_id(seed: int) -> str:
    return f"alphanode-{seed:06d}"


def content_tag(u: Uniform) -> str:
    """The meta ``hash``: 24 hex digits (96 drawn bits; synthetic, not a digest)."""
    return f"{between(u, 0, (1 << 48) - 1):012x}{between(u, 0, (1 << 48) - 1):012x}"
