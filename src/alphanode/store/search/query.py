"""Reading a reader's query ourselves (never a query parser) and highlighting snippets."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from alphanode.errors import UsageError

_PHRASE = re.compile(r'(?:(?<=\s)|^)(-?)"([^"]*)"?')
_WORD = re.compile(r"\S+")
_TOKEN = re.compile(r"[^\W_]+")
MAX_TERMS = 32  # more words than this add nothing but cost
# Up to this many ranked words, a query first asks for all of them ("kafka consumer lag"),
# and falls back to any of them when no post holds all; longer ones (questions) rank by match.
ALL_WORDS_UP_TO = 3
# English function words (the snowball list, as PostgreSQL's ``english`` config drops them):
# they do not rank a document, unless a query holds nothing else ("to be or not to be").
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves""".split()
)
_T = TypeVar("_T")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class QueryError(UsageError):
    code = "AN-SEARCH-001"


@dataclass(frozen=True)
class ParsedQuery:
    """What a reader asked for.

    ``words`` and ``prefixes`` rank: a result holds at least one of them, and holding more
    of them (and holding them close together, and in the title) ranks higher. ``phrases``
    ("double-quoted") must each appear; ``excluded`` words and ``excluded_phrases``
    (``-word``, ``-"a phrase"``) must not.
    """

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefixes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    excluded_phrases: tuple[tuple[str, ...], ...] = ()
    require_all: bool = False  # every ranked word must match (short queries, tried first)
    # Pseudo-relevance feedback (services.feedback): stems the index holds, each with its
    # weight relative to a query word's (1.0). They rank and may find more posts; they are
    # never required and never count as "all words".
    expansion: tuple[tuple[str, float], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.prefixes)

    def all_terms(self) -> list[str]:
        return [*self.words, *(t for p in self.phrases for t in p), *self.prefixes]

    def ranked(self) -> list[str]:
        """The words and prefixes that rank, in order, without stop words (all of them when
        the query is nothing but stop words)."""
        every = list(dict.fromkeys([*self.words, *self.prefixes]))
        content = [w for w in every if w not in STOP_WORDS]
        return content or every


def parse(text: str, analyze: Callable[[str], list[str]], max_chars: int) -> ParsedQuery:
    """Words (ranked, any may match), "double-quoted phrases" (required), ``-word`` and
    ``-"a phrase"`` (excluded), ``word*`` prefixes; the last word of the query is also a
    prefix when it has three letters or more (search as you type).

    Every character is allowed: anything that is not a letter or digit only separates words,
    so FTS syntax, ``NEAR(``, unbalanced quotes and control characters are plain text.
    """
    if len(text) > max_chars:
        raise QueryError(
            f"the query is {len(text)} characters long",
            f"at most {max_chars} characters",
        )
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    prefixes: list[str] = []
    excluded: list[str] = []
    excluded_phrases: list[tuple[str, ...]] = []

    def quoted(m: re.Match[str]) -> str:
        tokens = analyze(m.group(2))
        out_words, out_phrases = (excluded, excluded_phrases) if m.group(1) else (words, phrases)
        if len(tokens) > 1:
            out_phrases.append(tuple(tokens))
        else:
            out_words.extend(tokens)
        return " "

    rest = _PHRASE.sub(quoted, text)
    raw = _WORD.findall(rest)
    for n, chunk in enumerate(raw):
        if chunk.startswith("-") and len(chunk) > 1:
            tokens = analyze(chunk[1:])
            if len(tokens) > 1:
                excluded_phrases.append(tuple(tokens))
            else:
                excluded.extend(tokens)
            continue
        tokens = analyze(chunk)
        if not tokens:
            continue
        starred = chunk.endswith("*")
        last = n == len(raw) - 1 and not text[-1:].isspace()
        if starred or (last and len(tokens[-1]) >= 3):
            words.extend(tokens[:-1])
            prefixes.append(tokens[-1])
        else:
            words.extend(tokens)
    return ParsedQuery(
        _first(words),
        _first(phrases),
        _first(prefixes),
        _first(excluded),
        _first(excluded_phrases),
    )


def _first(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))[:MAX_TERMS]


def normal(text: str) -> str:
    """A title or query as its lowercased words, for the exact-title boost."""
    return " ".join(_TOKEN.findall(text.lower()))


def edits(word: str) -> set[str]:
    """Every word one edit away (a letter deleted, swapped, replaced or inserted): the
    candidates a "did you mean" looks up in the index's own terms."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(word)
    return {w for w in out if len(w) > 1}


def highlight(fragment: str, ranges: Sequence[tuple[int, int]]) -> str:
    """HTML for a snippet: everything escaped, the ranges (UTF-8 byte offsets) in <mark>."""
    raw = fragment.encode("utf-8")
    out: list[str] = []
    at = 0
    for start, end in sorted(ranges):
        if start < at or end > len(raw) or start >= end:
            continue
        out.append(html.escape(raw[at:start].decode("utf-8", "replace")))
        out.append("<mark>" + html.escape(raw[start:end].decode("utf-8", "replace")) + "</mark>")
        at = end
    out.append(html.escape(raw[at:].decode("utf-8", "replace")))
    return "".join(out)
