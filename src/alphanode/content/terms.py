"""The terms Similar Posts compares texts on: words, lowercased, folded and stemmed (English).

One function, the same on every database: Similar Posts never asks the search engine how it
tokenizes, so two sites on SQLite and PostgreSQL compute the same vectors from the same text.
"""

from __future__ import annotations

import re

import tantivy

_NUMBER = re.compile(r"\d+")
# English function words (snowball's list): they say nothing about what a text is about.
STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also may one two use used using can""".split()
)


def analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.custom_stopword(sorted(STOP)))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def terms(text: str, using: tantivy.TextAnalyzer | None = None) -> list[str]:
    """The text's stems, in order, without stop words, numbers or one- and two-letter words
    (``using``: an ``analyzer()`` kept by a caller that reads many texts)."""
    found = (using or analyzer()).analyze(text)
    return [t for t in found if len(t) > 2 and not _NUMBER.fullmatch(t)]
