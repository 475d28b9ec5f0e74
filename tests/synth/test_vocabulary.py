"""Vocabulary and templates: enough variety, and text the page format reads back as written."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator

from alphanode.formats.scraped import BULLET, META_MARKER, SIMILAR_MARKER, is_heading
from alphanode.synth import generate
from alphanode.synth import paragraphs as P
from alphanode.synth import templates as T
from alphanode.synth import vocabulary as V
from alphanode.synth.hostile import SCRIPTS

# Plain: JSON writes it unescaped (the JSONL fast path relies on it) and it is one line.
PLAIN_RE = re.compile(r"[a-z0-9 .,:;_/-]*")
PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
CTX_KEYS = {"problem", "stack", "scenario", "area", "language", "tool", "tool2", "focus", "suffix"}


def vocabulary() -> Iterator[str]:
    yield from V.PROBLEMS + V.SCENARIOS + V.COMMON_TOOLS + V.FOCUSES + V.DIFFICULTIES
    yield from V.STATUSES + V.EMPHASES + V.RECOMMENDED_ACTIONS + V.NOTES + (V.LAST_NOTE,)
    for s in V.STACKS:
        yield from (s.name, s.area, s.language, s.code_language, *s.tools)


def templates() -> Iterator[str]:
    yield from T.TITLES + T.TITLE_SUFFIXES + T.INTROS + T.PROSE_HEADINGS + T.CHECK_HEADINGS
    yield from T.FINAL_HEADINGS + T.CHECKLIST_ITEMS + T.CAPTIONS + T.SUMMARIES + T.BRIEFS
    yield from P.SECTION + P.TAILS + P.FINAL


def test_enough_problems_stacks_scenarios_and_templates() -> None:
    assert len(set(V.PROBLEMS)) == len(V.PROBLEMS) >= 60
    assert len({s.name for s in V.STACKS}) == len(V.STACKS) >= 20
    assert len(set(V.SCENARIOS)) == len(V.SCENARIOS) >= 12
    assert all(len(s.tools) >= 4 for s in V.STACKS)
    for pool in (T.TITLES, T.INTROS, T.PROSE_HEADINGS, T.CHECK_HEADINGS, T.FINAL_HEADINGS):
        assert len(set(pool)) == len(pool) >= 6
    for pool in (T.SUMMARIES, T.BRIEFS, P.FINAL, T.CAPTIONS):
        assert len(set(pool)) == len(pool) >= 5
    assert len(set(P.SECTION)) == len(P.SECTION) >= 40
    assert len(set(T.CHECKLIST_ITEMS)) >= 20


def test_all_text_is_plain_lower_case_and_no_page_marker() -> None:
    for text in (*vocabulary(), *templates()):
        filled = PLACEHOLDER_RE.sub("x", text)
        assert PLAIN_RE.fullmatch(filled), text
        assert text == text.strip() and "  " not in text, text
        assert not text.startswith(BULLET)
        assert text.lower() not in (META_MARKER, SIMILAR_MARKER.lower())
        assert set(PLACEHOLDER_RE.findall(text)) <= CTX_KEYS | {"n", "e1", "e2", "e3", "e4"}


def test_headings_read_as_headings_and_paragraphs_as_paragraphs() -> None:
    longest = {
        "problem": max(V.PROBLEMS, key=len),
        "stack": max((s.name for s in V.STACKS), key=len),
        "tool": max((t for s in V.STACKS for t in s.tools), key=len),
    }
    for heading in T.PROSE_HEADINGS + T.CHECK_HEADINGS + T.FINAL_HEADINGS:
        assert is_heading(heading.format_map(longest)), heading
    for paragraph in P.SECTION + P.TAILS + P.FINAL + T.INTROS:
        assert paragraph.endswith(".") and not is_heading(paragraph), paragraph
    for script in SCRIPTS:
        assert len(script) > 100 and not is_heading(script), "a hostile script stays a paragraph"


def test_no_two_bodies_alike_in_20000_and_every_word_list_is_used() -> None:
    bodies: set[bytes] = set()
    problems: Counter[str] = Counter()
    stacks: Counter[str] = Counter()
    scenarios: Counter[str] = Counter()
    for item in generate(20_000, 0):
        doc = item.document
        bodies.add(hashlib.sha256(repr(doc.body).encode()).digest())
        problems[doc.meta["ai_outline"]["problem"]] += 1
        stacks[doc.meta["ai_outline"]["stack"]] += 1
        scenarios[doc.meta["payload"]["scenario"]] += 1
    assert len(bodies) == 20_000
    assert set(problems) == set(V.PROBLEMS)
    assert set(stacks) == {s.name for s in V.STACKS}
    assert set(scenarios) == set(V.SCENARIOS)
    # Roughly uniform: no value drawn under half its share.
    assert min(problems.values()) > 20_000 / len(V.PROBLEMS) / 2
    assert min(stacks.values()) > 20_000 / len(V.STACKS) / 2
