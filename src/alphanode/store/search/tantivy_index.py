"""The tantivy backend: an embedded BM25 index in a directory, written by one process at a time."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from alphanode.store.search import FACETS, Hit, IndexBusy, IndexDoc, Results
from alphanode.store.search.query import ParsedQuery, highlight

ANALYZER = "alphanode"
# Field weights for BM25: title > topic/summary > stack/tools/entities > body.
BOOSTS = {"title": 4.0, "topic": 2.0, "tags": 1.5, "body": 1.0}
SNIPPET_CHARS = 220
RELOAD_SECONDS = 0.25
WRITER_HEAP = 64_000_000
_TOKEN = re.compile(r"[^\W_]+")  # the words of tantivy's simple tokenizer


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("post_id", stored=True, indexed=True, fast=True)
    for name in BOOSTS:
        b.add_text_field(name, stored=name == "body", tokenizer_name=ANALYZER)
    b.add_text_field("problem", tokenizer_name="raw")
    for name in FACETS:
        b.add_text_field(name, fast=True, tokenizer_name="raw")
    return b.build()


class _Writer:
    def __init__(self, backend: TantivyBackend, writer: Any) -> None:
        self.backend = backend
        self.writer = writer
        self.committed = False

    def delete(self, post_ids: Sequence[int]) -> None:
        schema = self.backend.schema
        for pid in post_ids:
            # By query: delete_documents_by_term takes a Python int as i64, never matching u64.
            self.writer.delete_documents_by_query(tantivy.Query.term_query(schema, "post_id", pid))

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        self.delete([d.post_id for d in docs])
        for d in docs:
            self.writer.add_document(_document(d))

    def clear(self) -> None:
        self.writer.delete_all_documents()

    def commit(self) -> None:
        self.writer.commit()
        self.committed = True
        self.backend.refresh()


def _document(d: IndexDoc) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_unsigned("post_id", d.post_id)
    for name in BOOSTS:
        doc.add_text(name, getattr(d, name))
    if d.problem:
        doc.add_text("problem", d.problem)
    for value in d.stack:
        doc.add_text("stack", value)
    for value in d.tools:
        doc.add_text("tools", value)
    if d.difficulty:
        doc.add_text("difficulty", d.difficulty)
    if d.code_language:
        doc.add_text("code_language", d.code_language)
    return doc


def _post_id(doc: tantivy.Document) -> int:
    value: Any = doc.get_first("post_id")
    return int(value)


class TantivyBackend:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.schema = _schema()
        exists = tantivy.Index.exists(str(path))
        self.index = (
            tantivy.Index.open(str(path)) if exists else tantivy.Index(self.schema, str(path))
        )
        self.analyzer = _analyzer()
        self.index.register_tokenizer(ANALYZER, _analyzer())
        self._lock = threading.Lock()
        self._reloaded = 0.0

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[_Writer]:
        if not self._lock.acquire(blocking=False):
            raise IndexBusy("another thread of this process is writing the index", "")
        try:
            try:
                raw = self.index.writer(WRITER_HEAP, 1)
            except ValueError as exc:
                if "LockBusy" in str(exc):
                    raise IndexBusy("another process holds the index writer", "") from None
                raise
            writer = _Writer(self, raw)
            try:
                yield writer
            finally:
                if not writer.committed:
                    raw.rollback()
                # Consumes the writer: the directory lock is free for other processes now,
                # whoever still holds a reference to this object.
                raw.wait_merging_threads()
        finally:
            self._lock.release()

    # -- reading -------------------------------------------------------------------------

    def refresh(self) -> None:
        self.index.reload()
        self._reloaded = time.monotonic()

    def _searcher(self) -> tantivy.Searcher:
        if time.monotonic() - self._reloaded > RELOAD_SECONDS:
            self.refresh()
        return self.index.searcher()

    def analyze(self, text: str) -> list[str]:
        return list(self.analyzer.analyze(text))

    def _word(self, word: str, prefix: bool = False) -> tantivy.Query:
        s = self.schema
        parts = []
        for name, boost in BOOSTS.items():
            q = (
                tantivy.Query.phrase_prefix_query(s, name, [word])
                if prefix
                else tantivy.Query.term_query(s, name, word)
            )
            parts.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, boost)))
        return tantivy.Query.boolean_query(parts)

    def _phrase(self, words: tuple[str, ...]) -> tantivy.Query:
        parts = [
            (
                tantivy.Occur.Should,
                tantivy.Query.boost_query(
                    tantivy.Query.phrase_query(self.schema, name, list(words)), boost
                ),
            )
            for name, boost in BOOSTS.items()
        ]
        return tantivy.Query.boolean_query(parts)

    def _query(self, query: ParsedQuery, filters: Mapping[str, str]) -> tantivy.Query:
        must: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for w in query.words:
            must.append((tantivy.Occur.Must, self._word(w)))
        for p in query.phrases:
            must.append((tantivy.Occur.Must, self._phrase(p)))
        for w in query.prefixes:
            # An exact match of the word scores by BM25; the prefix only widens what matches.
            either = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, self._word(w)), (tantivy.Occur.Should, self._word(w, True))]
            )
            must.append((tantivy.Occur.Must, either))
        for name, value in filters.items():
            term = tantivy.Query.term_query(self.schema, name, value)
            must.append((tantivy.Occur.Must, tantivy.Query.const_score_query(term, 0.0)))
        if not must:
            return tantivy.Query.all_query()
        return tantivy.Query.boolean_query(must)

    def search(
        self,
        query: ParsedQuery,
        filters: Mapping[str, str],
        offset: int,
        limit: int,
        facets: bool = True,
    ) -> Results:
        searcher = self._searcher()
        q = self._query(query, filters)
        found = searcher.search(q, limit, count=True, offset=offset)
        snippets = None
        if not query.empty:
            snippets = tantivy.SnippetGenerator.create(searcher, q, self.schema, "body")
            snippets.set_max_num_chars(SNIPPET_CHARS)
        hits = []
        for score, address in found.hits:
            doc = searcher.doc(address)
            text = self._snippet(snippets, doc, query.prefixes) if snippets is not None else ""
            hits.append(Hit(_post_id(doc), float(score), text))
        return Results(
            hits, int(getattr(found, "count", 0) or 0), self._facets(searcher, q) if facets else {}
        )

    def _snippet(
        self, snippets: tantivy.SnippetGenerator, doc: tantivy.Document, prefixes: Sequence[str]
    ) -> str:
        """tantivy's best fragment for the words and phrases; it marks no prefix matches, so
        those are marked here, and a post found by prefixes alone gets the body around the
        first one."""
        snip = snippets.snippet_from_doc(doc)
        fragment, ranges = snip.fragment(), [(r.start, r.end) for r in snip.highlighted()]
        if prefixes:
            if not ranges:
                fragment = self._window(str(doc.get_first("body") or ""), prefixes)
            ranges += self._prefix_ranges(fragment, prefixes)
        return highlight(fragment, ranges)

    def _matches(self, text: str, prefixes: Sequence[str]) -> Iterator[re.Match[str]]:
        starts = tuple(prefixes)
        for m in _TOKEN.finditer(text):
            word = m.group()
            # ASCII words only need lowercasing (the analyzer's one change to them): a long
            # body is scanned without calling into tantivy for every word.
            folded = word.lower() if word.isascii() else "".join(self.analyzer.analyze(word))
            if folded.startswith(starts):
                yield m

    def _window(self, body: str, prefixes: Sequence[str]) -> str:
        first = next(self._matches(body, prefixes), None)
        if first is None:
            return ""
        start = body.rfind(" ", 0, max(0, first.start() - SNIPPET_CHARS // 4)) + 1
        end = body.find(" ", start + SNIPPET_CHARS)
        return body[start : end if end >= 0 else len(body)].strip()

    def _prefix_ranges(self, fragment: str, prefixes: Sequence[str]) -> list[tuple[int, int]]:
        """UTF-8 byte ranges of the fragment's words that start with a prefix."""
        return [
            (len(fragment[: m.start()].encode()), len(fragment[: m.end()].encode()))
            for m in self._matches(fragment, prefixes)
        ]

    def _facets(
        self, searcher: tantivy.Searcher, q: tantivy.Query
    ) -> dict[str, list[tuple[str, int]]]:
        spec = {name: {"terms": {"field": name, "size": 30}} for name in FACETS}
        raw = searcher.aggregate(q, spec)
        return {
            name: [
                (str(b["key"]), int(b["doc_count"])) for b in raw.get(name, {}).get("buckets", [])
            ]
            for name in FACETS
        }

    def candidates(
        self, post_id: int, terms: Mapping[str, float], doc: IndexDoc, limit: int
    ) -> list[int]:
        s = self.schema
        parts = [
            (
                tantivy.Occur.Should,
                tantivy.Query.boost_query(tantivy.Query.term_query(s, "body", t), w),
            )
            for t, w in terms.items()
        ]
        tags = [("problem", doc.problem, 3.0)] + [("stack", v, 1.0) for v in doc.stack]
        tags += [("tools", v, 0.5) for v in doc.tools]
        for name, value, boost in tags:
            if value:
                q = tantivy.Query.const_score_query(tantivy.Query.term_query(s, name, value), boost)
                parts.append((tantivy.Occur.Should, q))
        if not parts:
            return []
        exclude = tantivy.Query.term_query(s, "post_id", post_id)
        parts.append((tantivy.Occur.MustNot, exclude))
        searcher = self._searcher()
        found = searcher.search(tantivy.Query.boolean_query(parts), limit, count=False)
        return [_post_id(searcher.doc(a)) for _, a in found.hits]

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        searcher = self._searcher()
        return {t: int(searcher.doc_freq("body", t)) for t in terms}

    def doc_count(self) -> int:
        return int(self._searcher().num_docs)

    def post_ids(self) -> set[int]:
        searcher = self._searcher()
        total = max(1, int(searcher.num_docs))
        found = searcher.search(tantivy.Query.all_query(), total, count=False)
        return {_post_id(searcher.doc(a)) for _, a in found.hits}

    def close(self) -> None:
        """Nothing to release: readers hold no locks, the writer is dropped after each use."""
