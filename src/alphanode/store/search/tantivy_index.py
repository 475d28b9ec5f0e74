"""The tantivy backend: an embedded BM25 index in a directory, written by one process at a time."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from alphanode.store.search import (
    ALL_WORDS_BONUS,
    EXACT_TITLE_BONUS,
    EXACT_WEIGHT,
    FACETS,
    FIELD_WEIGHTS,
    PROXIMITY_SLOP,
    PROXIMITY_WEIGHT,
    Contribution,
    Hit,
    IndexBusy,
    IndexDoc,
    Results,
)
from alphanode.store.search.query import STOP_WORDS, ParsedQuery, edits, highlight, normal

ANALYZER = "alphanode"
STEMMED = "alphanode_en"
FIELDS = tuple(FIELD_WEIGHTS)  # unstemmed: prefixes, quoted phrases, snippets, the word as typed
SCHEMA_VERSION = "3"  # an index of another version is emptied and filled again from the outbox
SNIPPET_CHARS = 220
RELOAD_SECONDS = 0.25
WRITER_HEAP = 64_000_000
_TOKEN = re.compile(r"[^\W_]+")  # the words of tantivy's simple tokenizer


def _analyzer(stem: bool = False) -> tantivy.TextAnalyzer:
    built = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        built = built.filter(tantivy.Filter.stemmer("english"))
    return built.build()


def stemmed(name: str) -> str:
    return name + "_en"


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("post_id", stored=True, indexed=True, fast=True)
    for name in FIELDS:
        b.add_text_field(name, stored=name == "body", tokenizer_name=ANALYZER)
        b.add_text_field(stemmed(name), tokenizer_name=STEMMED)
    b.add_text_field("title_exact", tokenizer_name="raw")
    b.add_text_field("problem", tokenizer_name="raw")
    for name in FACETS:
        b.add_text_field(name, fast=True, tokenizer_name="raw")
    return b.build()


def _empty_old_index(path: Path) -> None:
    """Remove the files of an index of an older schema (only tantivy's own files)."""
    managed = path / ".managed.json"
    names = json.loads(managed.read_text("utf-8")) if managed.is_file() else []
    # The follower's position goes too: an emptied index is rebuilt (services/follower.py).
    for name in [*names, "meta.json", ".managed.json", "alphanode-position.json"]:
        (path / name).unlink(missing_ok=True)


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
        self.backend.stale()  # the next search reloads (not every commit: ~10 ms each)


def _document(d: IndexDoc) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_unsigned("post_id", d.post_id)
    for name in FIELDS:
        doc.add_text(name, getattr(d, name))
        doc.add_text(stemmed(name), getattr(d, name))
    doc.add_text("title_exact", normal(d.title))
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


def _post_ids(searcher: tantivy.Searcher, addresses: Sequence[Any]) -> list[int]:
    """The hits' post ids from the fast field (no stored document read), in their order."""
    values = searcher.fast_field_values("post_id", list(addresses))
    return [
        v if isinstance(v, int) else _post_id(searcher.doc(a))
        for v, a in zip(values, addresses, strict=True)
    ]


class TantivyBackend:
    name = "tantivy"

    def __init__(self, path: Path, count_up_to: int = 0, pool: int = 200) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        # ``search``: with more than ``count_up_to`` matches, facets and "every word" are
        # those of the best ``pool`` (either 0: of every match).
        self.count_up_to = count_up_to
        self.pool = pool
        self.schema = _schema()
        version = path / "alphanode-schema"
        exists = tantivy.Index.exists(str(path))
        if exists and (not version.is_file() or version.read_text("utf-8") != SCHEMA_VERSION):
            _empty_old_index(path)
            exists = False
        version.write_text(SCHEMA_VERSION, "utf-8")
        self.index = (
            tantivy.Index.open(str(path)) if exists else tantivy.Index(self.schema, str(path))
        )
        self.analyzer = _analyzer()
        self.stemmer = _analyzer(stem=True)
        self.index.register_tokenizer(ANALYZER, _analyzer())
        self.index.register_tokenizer(STEMMED, _analyzer(stem=True))
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

    def stale(self) -> None:
        """The index changed: the next search reloads the reader first."""
        self._reloaded = 0.0

    def _searcher(self) -> tantivy.Searcher:
        if time.monotonic() - self._reloaded > RELOAD_SECONDS:
            self.refresh()
        return self.index.searcher()

    def analyze(self, text: str) -> list[str]:
        return list(self.analyzer.analyze(text))

    def stem(self, word: str) -> str:
        return "".join(self.stemmer.analyze(word)) or word

    def _clauses(
        self, word: str, prefix: bool = False, typed: bool = True
    ) -> list[tuple[str, str, tantivy.Query]]:
        """(term, field, query) of one ranked word: its stem in every field, the word as
        typed (unless ``typed`` is false: a post holding it holds its stem), and (for a
        prefix) the words it begins."""
        s, stem = self.schema, self.stem(word)
        out = []
        for name, weight in FIELD_WEIGHTS.items():
            q = tantivy.Query.term_query(s, stemmed(name), stem)
            out.append((stem, name, tantivy.Query.boost_query(q, weight)))
            if typed:
                exact = tantivy.Query.term_query(s, name, word)
                out.append(
                    (
                        word,
                        name + " (as typed)",
                        tantivy.Query.boost_query(exact, weight * EXACT_WEIGHT),
                    )
                )
            if prefix:
                starts = tantivy.Query.phrase_prefix_query(s, name, [word])
                out.append((word + "*", name, tantivy.Query.boost_query(starts, weight)))
        return out

    def _proximity(self, query: ParsedQuery) -> list[tuple[str, str, tantivy.Query]]:
        words = [w for w in query.ranked() if w not in query.prefixes]
        out = []
        for a, b in zip(words, words[1:], strict=False):
            pair: list[str | tuple[int, str]] = [self.stem(a), self.stem(b)]
            for name in ("title", "body"):
                q = tantivy.Query.phrase_query(self.schema, stemmed(name), pair, PROXIMITY_SLOP)
                weight = FIELD_WEIGHTS[name] * PROXIMITY_WEIGHT
                out.append((f"{a} {b}", "phrase in " + name, tantivy.Query.boost_query(q, weight)))
        return out

    def _phrase(self, words: tuple[str, ...]) -> tantivy.Query:
        parts = [
            (tantivy.Occur.Should, tantivy.Query.phrase_query(self.schema, name, list(words)))
            for name in FIELDS
        ]
        return tantivy.Query.boolean_query(parts)

    def _any(self, word: str, prefix: bool = False) -> tantivy.Query:
        """The word in any field, stemmed or as typed (for exclusions and all-words counts)."""
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, q) for _, _, q in self._clauses(word, prefix)]
        )

    def _scoring(
        self, query: ParsedQuery, full: bool = True
    ) -> list[tuple[str, str, tantivy.Query]]:
        """Every part of the score; ``full=False``: without the query words' proximity (a
        post holding two words near each other holds each of them: the same posts match)."""
        ranked = query.ranked()
        out = [c for w in ranked for c in self._clauses(w, w in query.prefixes)]
        if full:
            out += self._proximity(query)
        if len(ranked) > 1 and ALL_WORDS_BONUS:
            every = [(tantivy.Occur.Must, self._any(w, w in query.prefixes)) for w in ranked]
            q = tantivy.Query.const_score_query(tantivy.Query.boolean_query(every), ALL_WORDS_BONUS)
            out.append((" ".join(ranked), "all words", q))
        out += self._expansion(query)
        title = normal(" ".join(query.all_terms()))
        if title:
            exact = tantivy.Query.term_query(self.schema, "title_exact", title)
            out.append(
                (title, "whole title", tantivy.Query.const_score_query(exact, EXACT_TITLE_BONUS))
            )
        return out

    def _expansion(self, query: ParsedQuery) -> list[tuple[str, str, tantivy.Query]]:
        """Feedback stems: already stems, so looked up in the stemmed fields as they are."""
        out = []
        for stem, weight in query.expansion:
            for name, field_weight in FIELD_WEIGHTS.items():
                q = tantivy.Query.term_query(self.schema, stemmed(name), stem)
                boosted = tantivy.Query.boost_query(q, field_weight * weight)
                out.append((stem + " (feedback)", name, boosted))
        return out

    def _query(
        self, query: ParsedQuery, filters: Mapping[str, str], full: bool = True
    ) -> tantivy.Query:
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
        scoring = self._scoring(query, full)
        should = [(tantivy.Occur.Should, q) for _, _, q in scoring]
        if query.ranked():
            parts.append((tantivy.Occur.Must, tantivy.Query.boolean_query(should)))
        else:  # phrases alone: they must match, the title boost only ranks
            parts += should
        if query.require_all:  # a condition only: the scoring clauses already rank the words
            for w in query.ranked():
                every = tantivy.Query.const_score_query(self._any(w, w in query.prefixes), 0.0)
                parts.append((tantivy.Occur.Must, every))
        for p in query.phrases:
            parts.append((tantivy.Occur.Must, self._phrase(p)))
        if not parts:
            parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        for w in query.excluded:
            parts.append((tantivy.Occur.MustNot, self._any(w)))
        for p in query.excluded_phrases:
            parts.append((tantivy.Occur.MustNot, self._phrase(p)))
        for name, value in filters.items():
            term = tantivy.Query.term_query(self.schema, name, value)
            parts.append((tantivy.Occur.Must, tantivy.Query.const_score_query(term, 0.0)))
        return tantivy.Query.boolean_query(parts)

    def _all_words(self, searcher: tantivy.Searcher, query: ParsedQuery, q: tantivy.Query) -> str:
        """Whether a match of ``q`` (a search's matches, or its pool) holds every word."""
        ranked = query.ranked()
        if len(ranked) < 2:
            return ""
        if query.require_all:  # each match holds every word already: no second pass over them
            return "all"
        every = [(tantivy.Occur.Must, q)]
        for w in ranked:  # a post holding a word as typed holds its stem
            clauses = self._clauses(w, w in query.prefixes, typed=False)
            should = [(tantivy.Occur.Should, c) for _, _, c in clauses]
            every.append((tantivy.Occur.Must, tantivy.Query.boolean_query(should)))
        # Whether one match holds every word, not how many do: nothing counted.
        found = searcher.search(tantivy.Query.boolean_query(every), 1, count=False)
        return "all" if found.hits else "some"

    def search(
        self,
        query: ParsedQuery,
        filters: Mapping[str, str],
        offset: int,
        limit: int,
        facets: bool = True,
        snippets: bool = True,
        counted: bool = True,
        first_stage: bool = False,
    ) -> Results:
        """The page, the count and the facets from one pass over the matches. A question
        of common words matches nearly every post: once more than ``count_up_to`` match,
        its facets and "every word" are those of its best ``pool`` (as on PostgreSQL), so
        they cost the same however large the site. ``first_stage`` (feedback's first pass,
        not counted): ranked without the query words' proximity (phrase scorers, the
        costliest part per match; the same posts match)."""
        searcher = self._searcher()
        q = self._query(query, filters, full=not (first_stage and query.ranked()))
        if not counted:
            found = searcher.search(q, limit, count=False, offset=offset)
            hits = self._hits(searcher, query, q, found.hits, snippets)
            return Results(hits, len(hits), self._facets(searcher, q) if facets else {}, "")
        # Counting visits every match (no early stop on the best): keeping the best
        # ``pool`` of them on the way costs little more.
        bound = self.count_up_to if self.pool else 0
        size = max(self.pool, offset + limit) if bound else offset + limit
        found = searcher.search(q, size, count=True)
        hits = self._hits(searcher, query, q, found.hits[offset : offset + limit], snippets)
        total = int(getattr(found, "count", 0) or 0)
        over = q
        if bound and total > bound:
            ids = _post_ids(searcher, [a for _, a in found.hits[: self.pool]])
            over = tantivy.Query.term_set_query(self.schema, "post_id", ids)
        return Results(
            hits,
            total,
            self._facets(searcher, over) if facets else {},
            self._all_words(searcher, query, over) if total else "",
        )

    def _hits(
        self,
        searcher: tantivy.Searcher,
        query: ParsedQuery,
        q: tantivy.Query,
        found: Sequence[tuple[Any, Any]],
        snippets: bool,
    ) -> list[Hit]:
        if not (snippets and not query.empty):
            ids = _post_ids(searcher, [a for _, a in found])
            return [Hit(i, float(score), "") for (score, _), i in zip(found, ids, strict=True)]
        maker = tantivy.SnippetGenerator.create(searcher, q, self.schema, "body")
        maker.set_max_num_chars(SNIPPET_CHARS)
        hits = []
        for score, address in found:
            doc = searcher.doc(address)
            hits.append(Hit(_post_id(doc), float(score), self._snippet(maker, doc, query.prefixes)))
        return hits

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
        if not fragment:  # found by a stem or the title alone: the body's opening
            body = str(doc.get_first("body") or "")
            cut = body.find(" ", SNIPPET_CHARS)
            fragment = body[: cut if cut >= 0 else len(body)].strip()
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

    def suggest(self, words: Sequence[str]) -> dict[str, str]:
        searcher = self._searcher()

        def freq(term: str) -> int:
            return sum(int(searcher.doc_freq(name, term)) for name in ("title", "body"))

        out: dict[str, str] = {}
        for word in words:
            if len(word) < 3 or freq(word):
                continue
            scored = [(freq(c), c) for c in sorted(edits(word))]
            best = max(scored, default=(0, ""))
            if best[0]:
                out[word] = best[1]
        return out

    def explain(self, query: ParsedQuery, post_ids: Sequence[int]) -> dict[int, list[Contribution]]:
        searcher = self._searcher()
        out: dict[int, list[Contribution]] = {}
        for pid in post_ids:
            only = tantivy.Query.term_query(self.schema, "post_id", pid)
            found: dict[tuple[str, str], float] = {}
            for term, name, clause in self._scoring(query):
                q = tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Must, clause),
                        (tantivy.Occur.Must, tantivy.Query.const_score_query(only, 0.0)),
                    ]
                )
                for score, _ in searcher.search(q, 1, count=False).hits:
                    key = (term, name.replace(" (as typed)", ""))
                    found[key] = found.get(key, 0.0) + float(score)
            out[pid] = sorted(
                (Contribution(t, f, round(v, 4)) for (t, f), v in found.items() if v > 0),
                key=lambda c: -c.score,
            )
        return out

    def doc_terms(self, post_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Stems of each post's body (the one stored field), stop words left out."""
        searcher = self._searcher()
        out: dict[int, dict[str, int]] = {}
        for pid in post_ids:
            only = tantivy.Query.term_query(self.schema, "post_id", pid)
            for _, address in searcher.search(only, 1, count=False).hits:
                body = str(searcher.doc(address).get_first("body") or "")
                # One tokenizer for both, so the lists line up word for word.
                words, stems = self.analyzer.analyze(body), self.stemmer.analyze(body)
                counts: dict[str, int] = {}
                for word, stem in zip(words, stems, strict=False):
                    if word not in STOP_WORDS:
                        counts[stem] = counts.get(stem, 0) + 1
                out[pid] = counts
        return out

    def doc_freqs(self, stems: Sequence[str]) -> tuple[dict[str, int], int]:
        searcher = self._searcher()
        return (
            {s: int(searcher.doc_freq(stemmed("body"), s)) for s in stems},
            int(searcher.num_docs),
        )

    def doc_count(self) -> int:
        return int(self._searcher().num_docs)

    def post_ids(self) -> set[int]:
        searcher = self._searcher()
        total = max(1, int(searcher.num_docs))
        found = searcher.search(tantivy.Query.all_query(), total, count=False)
        return {_post_id(searcher.doc(a)) for _, a in found.hits}

    def close(self) -> None:
        """Nothing to release: readers hold no locks, the writer is dropped after each use."""
