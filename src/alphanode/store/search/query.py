"""Reading a reader's query ourselves (never a query parser) and highlighting snippets."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alphanode.errors import UsageError

_PHRASE = re.compile(r'"([^"]*)"?')
_WORD = re.compile(r"\S+")
MAX_TERMS = 32  # more words than this add nothing but cost


class QueryError(UsageError):
    code = "AN-SEARCH-001"


@dataclass(frozen=True)
class ParsedQuery:
    """Tokens every result must contain: single words, phrases, and words taken as prefixes."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefixes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.prefixes)

    def all_terms(self) -> list[str]:
        return [*self.words, *(t for p in self.phrases for t in p), *self.prefixes]


def parse(text: str, analyze: Callable[[str], list[str]], max_chars: int) -> ParsedQuery:
    """Words (ANDed), "double-quoted phrases", ``word*`` prefixes; the last word of the query
    is also a prefix when it has three letters or more (search as you type).

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
    rest = _PHRASE.sub(lambda m: _phrase(m.group(1), analyze, phrases, words) or " ", text)
    raw = _WORD.findall(rest)
    for n, chunk in enumerate(raw):
        tokens = analyze(chunk)
        if not tokens:
            continue
        starred = chunk.endswith("*")
        last = n == len(raw) - 1 and not text[-1:].isspace()
        if len(tokens) > 1 and not starred:
            phrases.append(tuple(tokens))
        elif starred or (last and len(tokens[-1]) >= 3):
            words.extend(tokens[:-1])
            prefixes.append(tokens[-1])
        else:
            words.extend(tokens)
    return ParsedQuery(
        tuple(dict.fromkeys(words))[:MAX_TERMS],
        tuple(dict.fromkeys(phrases))[:MAX_TERMS],
        tuple(dict.fromkeys(prefixes))[:MAX_TERMS],
    )


def _phrase(
    text: str,
    analyze: Callable[[str], list[str]],
    phrases: list[tuple[str, ...]],
    words: list[str],
) -> str:
    tokens = analyze(text)
    if len(tokens) > 1:
        phrases.append(tuple(tokens))
    else:
        words.extend(tokens)
    return " "


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
