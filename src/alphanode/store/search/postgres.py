"""The PostgreSQL backend: ``search_documents`` rows with two weighted tsvectors (A title,
B topic/summary, C stack/tools/entities, D body) and GIN indexes: ``document`` stemmed
(english) for words and phrases, ``unstemmed`` (simple) for prefixes; queries built from
our own tokens."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alphanode.store.search import FACETS, Hit, IndexBusy, IndexDoc, Results
from alphanode.store.search.query import ParsedQuery

_LOCK_KEY = 7_220_514_001  # pg_advisory_lock key of the one search writer
_TOKEN = re.compile(r"[^\W_]+")
_START, _STOP = "\x1a<<", ">>\x1a"
_HEADLINE = f"StartSel={_START},StopSel={_STOP},MaxWords=35,MinWords=15"


def _vector(config: str) -> str:
    return (
        f"setweight(to_tsvector('{config}', :title), 'A') || "
        f"setweight(to_tsvector('{config}', :topic), 'B') || "
        f"setweight(to_tsvector('{config}', :tags), 'C') || "
        f"setweight(to_tsvector('{config}', :body), 'D')"
    )


_UPSERT = sa.text(
    "INSERT INTO search_documents (post_id, title, body, stack, tools, difficulty, "  # noqa: S608 - fixed SQL
    "code_language, document, unstemmed) VALUES (:pid, :title, :body, :stack, :tools, :diff, "
    f":lang, {_vector('english')}, {_vector('simple')}) "
    "ON CONFLICT (post_id) DO UPDATE SET title = excluded.title, body = excluded.body, "
    "stack = excluded.stack, tools = excluded.tools, difficulty = excluded.difficulty, "
    "code_language = excluded.code_language, document = excluded.document, "
    "unstemmed = excluded.unstemmed"
)


def _quote(token: str) -> str:
    return "'" + token.replace("'", "''").replace("\\", "") + "'"


def _phrase(tokens: Sequence[str]) -> str:
    return "(" + " <-> ".join(map(_quote, tokens)) + ")"


# Why to_tsquery over our own tokens rather than websearch_to_tsquery over the reader's text:
# - prefixes: websearch_to_tsquery has no prefix operator, and a prefix must be matched in
#   the unstemmed vector (the stemmed one holds "pin" for "pinning", so "pinn*" can never
#   match there): per term, a choice between two vectors that no single tsquery expresses;
# - one meaning on every backend: store.search.query reads the text once, for tantivy and
#   PostgreSQL alike; websearch_to_tsquery would make "or" and "-word" operators here only,
#   so the same search would find different posts depending on the database;
# - safety: only tokens of letters and digits (``analyze``) reach to_tsquery, each quoted as
#   one lexeme and joined by operators we write, so no character a reader types is ever read
#   as tsquery syntax.
@dataclass
class Match:
    """The SQL of one parsed query and filters: conditions, rank and headline, all bound."""

    where: list[str] = field(default_factory=lambda: ["TRUE"])
    params: dict[str, Any] = field(default_factory=dict)
    rank: str = "0"
    headline: str = "''"

    def term(self, stemmed: str, unstemmed: str) -> None:
        """One word, phrase or prefix: found in either vector. The stemmed one finds other
        forms of a word; the unstemmed one finds prefixes ("pinn*": pinning) and words that
        english drops as stop words ("the", "to be"), which tantivy matches too."""
        n = len(self.where)
        self.params[f"s{n}"], self.params[f"u{n}"] = stemmed, unstemmed
        self.where.append(
            f"(document @@ to_tsquery('english', :s{n}) "
            f"OR unstemmed @@ to_tsquery('simple', :u{n}))"
        )


def match(query: ParsedQuery, filters: Mapping[str, str]) -> Match:
    m = Match()
    whole = [*map(_quote, query.words), *map(_phrase, query.phrases)]
    stems = list(map(_quote, query.prefixes))  # a prefix's own word, for its other forms
    starts = [_quote(w) + ":*" for w in query.prefixes]
    for term in whole:
        m.term(term, term)
    for stemmed, unstemmed in zip(stems, starts, strict=True):
        m.term(stemmed, unstemmed)
    if not query.empty:
        # Every term's stems (ts_rank weighs how close they are) plus the unstemmed matches,
        # so the word as typed ranks above its other forms.
        m.params["rank_s"] = " & ".join(whole + stems)
        m.params["rank_u"] = " | ".join(whole + starts)
        m.rank = (
            "ts_rank(document, to_tsquery('english', :rank_s)) + "
            "ts_rank(unstemmed, to_tsquery('simple', :rank_u))"
        )
        # Headlines read the body unstemmed ('simple'): each word as typed, each prefix, and
        # each word's stem as a prefix (to_tsquery('english', 'pinning:*') is 'pin':*, which
        # marks "pinned" and "pins" too).
        tokens = list(dict.fromkeys(query.all_terms()))
        m.params["hl_s"] = " | ".join(_quote(t) + ":*" for t in tokens)
        m.params["hl_u"] = " | ".join([_quote(t) for t in tokens] + starts)
        m.headline = (
            "ts_headline('simple', body, to_tsquery('english', :hl_s) || "
            f"to_tsquery('simple', :hl_u), '{_HEADLINE}')"
        )
    for name, value in filters.items():
        if name not in FACETS:
            raise ValueError(f"unknown search filter {name!r}")
        listed = name in ("stack", "tools")
        m.where.append(f":f_{name} = ANY({name})" if listed else f"{name} = :f_{name}")
        m.params[f"f_{name}"] = value
    return m


class _Writer:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.tx = conn.begin()
        self.committed = False

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        for d in docs:
            self.conn.execute(
                _UPSERT,
                {
                    "pid": d.post_id,
                    "title": d.title,
                    "topic": d.topic,
                    "tags": d.tags,
                    "body": d.body,
                    "stack": list(d.stack),
                    "tools": list(d.tools),
                    "diff": d.difficulty,
                    "lang": d.code_language,
                },
            )

    def delete(self, post_ids: Sequence[int]) -> None:
        if post_ids:
            self.conn.execute(
                sa.text("DELETE FROM search_documents WHERE post_id = ANY(:ids)"),
                {"ids": list(post_ids)},
            )

    def clear(self) -> None:
        self.conn.execute(sa.text("DELETE FROM search_documents"))

    def commit(self) -> None:
        self.tx.commit()
        self.committed = True
        self.tx = self.conn.begin()


class PostgresBackend:
    name = "postgres"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def writing(self) -> Iterator[_Writer]:
        with self.engine.connect() as conn:
            # A session lock: held across the index commit and the similar-lists update.
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY})
            if not got.scalar():
                conn.rollback()
                raise IndexBusy("another process is writing the search documents", "")
            conn.commit()
            writer = _Writer(conn)
            try:
                yield writer
            finally:
                writer.tx.rollback()
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()

    def analyze(self, text: str) -> list[str]:
        # NFC, not NFKD: PostgreSQL indexes "café" as one word with its accent, and NFKD
        # would split it at the combining accent into "cafe", which matches nothing there.
        folded = unicodedata.normalize("NFC", text).lower()
        return [t for t in _TOKEN.findall(folded) if len(t) <= 40]

    def search(
        self,
        query: ParsedQuery,
        filters: Mapping[str, str],
        offset: int,
        limit: int,
        facets: bool = True,
    ) -> Results:
        m = match(query, filters)
        where = " AND ".join(m.where)
        sql = (
            f"SELECT post_id, {m.rank} AS score, {m.headline} AS snippet "  # noqa: S608 - fixed SQL, values bound
            f"FROM search_documents WHERE {where} "
            "ORDER BY score DESC, post_id DESC LIMIT :limit OFFSET :offset"
        )
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(sql), {**m.params, "limit": limit, "offset": offset})
            hits = [Hit(r.post_id, float(r.score), _highlight(r.snippet)) for r in rows]
            total = conn.scalar(
                sa.text(f"SELECT count(*) FROM search_documents WHERE {where}"),  # noqa: S608
                m.params,
            )
            counts = self._facets(conn, where, m.params) if facets else {}
        return Results(hits, int(total or 0), counts)

    def _facets(
        self, conn: Connection, where: str, params: dict[str, Any]
    ) -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {}
        for name in FACETS:
            value = f"unnest({name})" if name in ("stack", "tools") else name
            sql = (
                f"SELECT v, count(*) AS n FROM (SELECT {value} AS v FROM search_documents "  # noqa: S608
                f"WHERE {where}) s WHERE v <> '' GROUP BY v ORDER BY n DESC, v LIMIT 30"
            )
            out[name] = [(r.v, int(r.n)) for r in conn.execute(sa.text(sql), params)]
        return out

    def candidates(
        self, post_id: int, terms: Mapping[str, float], doc: IndexDoc, limit: int
    ) -> list[int]:
        words = [_quote(t) for t in terms] + [
            _quote(t) for v in (doc.problem, *doc.stack) for t in self.analyze(v)
        ]
        if not words:
            return []
        sql = (
            "SELECT post_id FROM search_documents WHERE document @@ to_tsquery('english', :q) "
            "AND post_id <> :pid ORDER BY ts_rank(document, to_tsquery('english', :q)) DESC "
            "LIMIT :limit"
        )
        with self.engine.connect() as conn:
            params = {"q": " | ".join(dict.fromkeys(words)), "pid": post_id, "limit": limit}
            return list(conn.scalars(sa.text(sql), params))

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        if not terms:
            return {}
        sql = (
            "SELECT t, (SELECT count(*) FROM search_documents "
            "WHERE document @@ plainto_tsquery('english', t)) AS n "
            "FROM unnest(CAST(:terms AS text[])) AS t"
        )
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(sql), {"terms": list(terms)}).all()
            return {str(r[0]): int(r[1]) for r in rows}

    def doc_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(sa.text("SELECT count(*) FROM search_documents")) or 0)

    def post_ids(self) -> set[int]:
        with self.engine.connect() as conn:
            return set(conn.scalars(sa.text("SELECT post_id FROM search_documents")))

    def refresh(self) -> None:
        """Nothing to do: every query sees committed rows."""

    def close(self) -> None:
        """The engine belongs to the caller."""


def _highlight(snippet: str) -> str:
    return (
        html.escape(snippet)
        .replace(html.escape(_START), "<mark>")
        .replace(html.escape(_STOP), "</mark>")
    )
