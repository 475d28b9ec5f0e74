"""Hypothesis strategies: documents the page format can express, canonical ones, hostile text.

``expressible_documents`` follows docs/formats.md, "What the text format cannot express":
every filter below names one of those limits.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

from alphanode.content.document import Block, Document, Heading, Image, ListBlock, Paragraph
from alphanode.content.meta import (
    EXTRA,
    EXTRA_BREADCRUMB,
    EXTRA_SIMILAR,
    EXTRA_UNPARSED,
    MAX_COUNT,
    REFERENCE_RE,
    SCHEMA,
    SPECIAL_EXTRA,
    label,
)
from alphanode.formats.scraped import caption_match, is_heading
from tests.formats.rich_strategies import json_only_blocks, rich_blocks

# Pieces of the format's own syntax, so that generated text runs into its corners.
TOKENS = (
    "•",
    "|",
    ":",
    ": ",
    ".",
    "?",
    "image source:",
    ". image source: x",
    "alphanode post meta",
    "Similar Posts",
    "reading time",
    "score",
    "quality: 95",
    "https://x.test/a.png",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "é",
    "日本",
    "—",
    "\t",
    "\x0b",
    "\x85",
    "\u2028",
    "10:30",
    "_",
    "-",
)
# Text a page can hold: no line ends, no control characters other than these white spaces.
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
_WORD = st.one_of(st.text(_CHARS, min_size=1, max_size=8), st.sampled_from(TOKENS))
_MARKERS = {"alphanode post meta", "similar posts"}
# What the reader takes for "name: value" (docs/formats.md, "Labels").
_LABELLED = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,39}:(\s|$)")
_CREDIT = re.compile(r"image\s+source", re.I)


def marker_like(text: str) -> bool:
    return " ".join(text.lower().rstrip(":").split()) in _MARKERS


def _joined(words: list[str], sep: str) -> str:
    return sep.join(words).strip()


def lines(min_words: int = 0, max_words: int = 8) -> st.SearchStrategy[str]:
    """One line of text, stripped (the page cannot keep white space at either end)."""
    return st.builds(
        _joined, st.lists(_WORD, min_size=min_words, max_size=max_words), st.sampled_from(["", " "])
    )


LINE = lines()
TEXT_LINE = lines(min_words=1).filter(bool)


def _body_line(text: str) -> bool:
    """A line that stays what it is in the body: no list item, caption line or meta marker."""
    return not text.startswith("•") and caption_match(text) is None and not marker_like(text)


paragraphs = TEXT_LINE.map(lambda s: s + ".").filter(_body_line).map(Paragraph)
headings = lines(1, 4).filter(lambda s: bool(s) and is_heading(s) and _body_line(s)).map(Heading)
lists = st.lists(LINE, min_size=1, max_size=4).map(lambda items: ListBlock(tuple(items)))
_alts = st.one_of(st.just(""), TEXT_LINE.filter(_body_line))
_sources = LINE.filter(lambda s: not _CREDIT.search(s))
# Without an alt line, the caption line comes first and must not read as a list item.
images = st.builds(Image, _alts, LINE, _sources, st.just("")).filter(
    lambda i: bool(i.alt) or not i.caption.startswith("•")
)
blocks: st.SearchStrategy[Block] = st.one_of(paragraphs, headings, lists, images)

SNAKE = st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,4}){0,2}", fullmatch=True)
_UNKNOWN_KEY = SNAKE.filter(lambda k: k not in SCHEMA and k not in SPECIAL_EXTRA and k != EXTRA)
_DATES = st.dates().map(lambda d: d.isoformat())
_COUNTS = st.integers(0, MAX_COUNT)


def _glued(key: str) -> st.SearchStrategy[str]:
    """A text value written right after its label, that still reads back as that label's."""
    name = label(key)
    return LINE.filter(lambda v: not v.startswith(":") and not _LABELLED.match(name + v))


def _record(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


def _records(first: str, rest: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Records that all start with ``first``: a record ends where a key repeats."""
    one = st.builds(lambda a, b: {first: a, **b}, LINE, _record(rest))
    return st.lists(one, max_size=3)


_RECORD_EXTRAS = st.dictionaries(_UNKNOWN_KEY, LINE, max_size=1)


def _with_unknown(record: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A record, sometimes with a field the schema does not know (kept as text)."""
    return st.builds(
        lambda r, x: {**r, **{k: v for k, v in x.items() if k not in r}}, record, _RECORD_EXTRAS
    )


KNOWN: dict[str, st.SearchStrategy[Any]] = {
    "topic": _glued("topic"),
    "summary": _glued("summary"),
    "ai_outline": _with_unknown(_record(dict.fromkeys(("context", "problem", "stack"), LINE))),
    "ai_brief": _glued("ai_brief"),
    "stack": st.lists(LINE, max_size=3),
    "tools": st.lists(LINE, max_size=3),
    "code_language": _glued("code_language"),
    "difficulty": _glued("difficulty"),
    "reading_time": _COUNTS,
    "view_count": _COUNTS,
    "score": st.dictionaries(SNAKE, st.integers(0, 100), max_size=3),
    "revision": _record({"status": LINE, "version": LINE, "last_reviewed": _DATES}),
    # References have a documented character set (content.meta.REFERENCE_RE).
    "reference": st.from_regex(REFERENCE_RE, fullmatch=True).filter(lambda r: len(r) <= 200),
    "hash": _glued("hash"),
    "flags": st.dictionaries(SNAKE, st.booleans(), max_size=3),
    "checklist": st.lists(LINE, max_size=3),
    "entities": _records("name", {"type": LINE}),
    "payload": _record({"source_id": LINE, "paragraphs": _COUNTS, "seed": _COUNTS}),
    "notes": st.lists(LINE, max_size=3),
}


def _is_list_of_text(items: list[str]) -> bool:
    return not all(_LABELLED.match(i) for i in items)


_EXTRA_VALUES: st.SearchStrategy[Any] = st.one_of(
    LINE,
    st.lists(LINE, min_size=1, max_size=3).filter(_is_list_of_text),
    st.dictionaries(SNAKE, LINE, min_size=1, max_size=3),
    st.lists(
        st.builds(lambda a, b: {"name": a, **b}, LINE, _record({"role": LINE})),
        min_size=1,
        max_size=3,
    ),
)
_BREADCRUMBS = st.builds(
    lambda text, where: {"pre": f"| {text}", "post": f"{text} |", "both": f"| {text} |"}[
        where
    ].strip(),
    LINE,
    st.sampled_from(["pre", "post", "both"]),
).filter(lambda s: s != "|")
_SIMILAR_ITEMS = TEXT_LINE.filter(lambda s: not marker_like(s))


@st.composite
def expressible_documents(draw: st.DrawFn) -> Document:
    """A canonical document that ``render`` writes and ``parse`` reads back unchanged."""
    title = draw(TEXT_LINE.filter(lambda s: not marker_like(s)))
    body = draw(st.lists(blocks, max_size=8))
    meta: dict[str, Any] = draw(st.fixed_dictionaries({}, optional=KNOWN))
    body, sources = draw(_image_sources(body))
    keep_empty = draw(st.booleans())
    if sources or keep_empty:
        meta["image_sources"] = sources
    extra: dict[str, Any] = draw(st.dictionaries(_UNKNOWN_KEY, _EXTRA_VALUES, max_size=3))
    specials = {
        EXTRA_BREADCRUMB: _BREADCRUMBS,
        EXTRA_SIMILAR: st.lists(_SIMILAR_ITEMS, min_size=1, max_size=3),
        EXTRA_UNPARSED: st.lists(LINE, min_size=1, max_size=3),
    }
    extra.update(draw(st.fixed_dictionaries({}, optional=specials)))
    if extra:
        meta[EXTRA] = extra
    return Document(title, tuple(body), meta)


@st.composite
def _image_sources(draw: st.DrawFn, body: list[Block]) -> tuple[list[Block], list[dict[str, str]]]:
    """Images with urls from their records, in order; per caption, those with records first."""
    out: list[Block] = []
    records: list[dict[str, str]] = []
    without: set[str] = set()
    for block in body:
        if not isinstance(block, Image):
            out.append(block)
            continue
        if block.caption not in without and draw(st.booleans()):
            url = draw(st.sampled_from(["https://x.test/a.png", "", "javascript:alert(1)"]) | LINE)
            records.append({"source": block.source, "url": url, "caption": block.caption})
            out.append(Image(block.alt, block.caption, block.source, url))
        else:
            without.add(block.caption)
            out.append(block)
    return out, records


# Canonical documents in general: what JSON carries, including what the page cannot.
_ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\x7f"))
_ANY_TEXT = _ANY_TEXT.filter(lambda s: not re.search("[\x01-\x08\x0e-\x1f]", s))
_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_COUNT, MAX_COUNT)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
_any_blocks: st.SearchStrategy[Block] = st.one_of(
    st.builds(Paragraph, _ANY_TEXT),
    st.builds(Heading, _ANY_TEXT),
    st.builds(lambda items: ListBlock(tuple(items)), st.lists(_ANY_TEXT, max_size=3)),
    st.builds(Image, _ANY_TEXT, _ANY_TEXT, _ANY_TEXT, _ANY_TEXT),
    rich_blocks(_ANY_TEXT, _ANY_TEXT, _ANY_TEXT),
    json_only_blocks(_ANY_TEXT),
)
_ANY_KNOWN: dict[str, st.SearchStrategy[Any]] = {
    **dict.fromkeys(("topic", "summary", "ai_brief", "code_language", "hash"), _ANY_TEXT),
    "reading_time": _COUNTS,
    "stack": st.lists(_ANY_TEXT, max_size=3),
    "score": st.dictionaries(_ANY_TEXT, st.integers(0, 100), max_size=3),
    "flags": st.dictionaries(_ANY_TEXT, st.booleans(), max_size=3),
    "revision": st.builds(
        lambda r, x: {**r, **x},
        _record({"last_reviewed": _DATES}),
        st.dictionaries(st.just("build"), _JSON, max_size=1),
    ),
    "entities": st.lists(st.dictionaries(st.sampled_from(["name", "type"]), _ANY_TEXT), max_size=3),
}


@st.composite
def canonical_documents(draw: st.DrawFn) -> Document:
    """Any document validation can produce: what JSON and JSONL must carry without loss."""
    title = draw(_ANY_TEXT.filter(lambda s: bool(s.strip())))
    body = draw(st.lists(_any_blocks, max_size=5))
    meta: dict[str, Any] = draw(st.fixed_dictionaries({}, optional=_ANY_KNOWN))
    extra: dict[str, Any] = draw(st.dictionaries(_ANY_TEXT, _JSON, max_size=3))
    for key in SPECIAL_EXTRA:
        extra.pop(key, None)
    specials = {
        EXTRA_BREADCRUMB: _ANY_TEXT,
        EXTRA_SIMILAR: st.lists(_ANY_TEXT, max_size=2),
        EXTRA_UNPARSED: st.lists(_ANY_TEXT, max_size=2),
    }
    extra.update(draw(st.fixed_dictionaries({}, optional=specials)))
    if extra:
        meta[EXTRA] = extra
    return Document(title, tuple(body), meta)


# Hostile input: text shaped like a page but built from the format's tokens and junk.
_PAGE_LINE = st.one_of(
    st.lists(st.one_of(_WORD, st.sampled_from(["  ", "\t", "    • ", "  • "])), max_size=6).map(
        "".join
    ),
    st.sampled_from(
        ["|", "", "alphanode post meta", "Similar Posts", "score", "image sources", "entities"]
    ),
    st.text(st.characters(), max_size=20),
)
page_like_text = st.builds(
    lambda ls, end, bom: ("\ufeff" if bom else "") + end.join(ls),
    st.lists(_PAGE_LINE, max_size=30),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)
any_text = st.one_of(page_like_text, st.text(st.characters(blacklist_categories=())))
