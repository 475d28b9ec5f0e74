"""The PostgreSQL backend: ``search_documents`` rows with two weighted tsvectors (A title,
B topic/summary, C stack/tools/entities, D body) and GIN indexes: ``document`` stemmed
(english) for words and phrases, ``unstemmed`` (simple) for prefixes; queries built from
our own tokens."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

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
from alphanode.store.search.query import ParsedQuery, edits, normal

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
    f":lang, {_vector('english')}, {_vector('simple')} || "
    "setweight(to_tsvector('simple', :code), 'D')) "
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


# ts_rank's weights, in its order {D, C, B, A} = body, tags, topic, title: FIELD_WEIGHTS
# divided by the largest, so both backends weigh the fields alike.
_TOP = max(FIELD_WEIGHTS.values())
CLASSES = {"body": "D", "tags": "C", "topic": "B", "title": "A"}
WEIGHTS = "{" + ",".join(f"{FIELD_WEIGHTS[n] / _TOP:g}" for n in CLASSES) + "}"


def _one_hot(name: str) -> str:
    return "{" + ",".join("1" if n == name else "0" for n in CLASSES) + "}"


def idf(df: int, total: int) -> float:
    """BM25's idf, as tantivy computes it."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5)) if total else 1.0


def match(
    query: ParsedQuery, filters: Mapping[str, str], idfs: Mapping[str, float] | None = None
) -> Match:
    """Any ranked word matches (stemmed or as typed); phrases must; exclusions must not.
    Rank: each word's ts_rank (positions weighed by field) times its idf, the word as typed
    a little above its other forms, pairs of query words near each other, the whole title."""
    m = Match()
    ranked = query.ranked()
    weights = idfs or {}
    stems = [_quote(w) for w in ranked]
    typed = [_quote(w) + (":*" if w in query.prefixes else "") for w in ranked]
    if ranked:
        m.params["any_s"], m.params["any_u"] = " | ".join(stems), " | ".join(typed)
        m.where.append(
            "(document @@ to_tsquery('english', :any_s) "
            "OR unstemmed @@ to_tsquery('simple', :any_u))"
        )
    for p in query.phrases:
        m.term(_phrase(p), _phrase(p))
    for n, term in enumerate([*map(_quote, query.excluded), *map(_phrase, query.excluded_phrases)]):
        m.params[f"x{n}"] = term
        m.where.append(
            f"NOT (document @@ to_tsquery('english', :x{n}) "
            f"OR unstemmed @@ to_tsquery('simple', :x{n}))"
        )
    parts = []
    for n, (w, stem, as_typed) in enumerate(zip(ranked, stems, typed, strict=True)):
        m.params[f"r{n}"], m.params[f"t{n}"] = stem, as_typed
        m.params[f"i{n}"] = weights.get(w, 1.0)
        parts.append(
            f"CAST(:i{n} AS float8) * ("
            f"ts_rank('{WEIGHTS}', document, to_tsquery('english', :r{n}), 1) + "
            f"{EXACT_WEIGHT} * ts_rank('{WEIGHTS}', unstemmed, to_tsquery('simple', :t{n}), 1))"
        )
    near = [w for w in ranked if w not in query.prefixes]
    for n, (a, b) in enumerate(zip(near, near[1:], strict=False)):
        m.params[f"p{n}"] = " | ".join(
            f"{_quote(a)} <{d}> {_quote(b)}" for d in range(1, PROXIMITY_SLOP + 2)
        )
        m.params[f"pi{n}"] = (weights.get(a, 1.0) + weights.get(b, 1.0)) * PROXIMITY_WEIGHT
        parts.append(
            f"CAST(:pi{n} AS float8) * "
            f"ts_rank('{WEIGHTS}', document, to_tsquery('english', :p{n}), 1)"
        )
    if len(ranked) > 1:
        every = " AND ".join(
            f"(document @@ to_tsquery('english', :r{n}) "
            f"OR unstemmed @@ to_tsquery('simple', :t{n}))"
            for n in range(len(ranked))
        )
        parts.append(f"CASE WHEN {every} THEN {ALL_WORDS_BONUS} ELSE 0 END")
        if query.require_all:
            m.where.append(f"({every})")
    title = normal(" ".join(query.all_terms()))
    if title:
        m.params["whole"] = title
        parts.append(
            "CASE WHEN btrim(regexp_replace(lower(title), '[^[:alnum:]]+', ' ', 'g')) = :whole "
            f"THEN {EXACT_TITLE_BONUS} ELSE 0 END"
        )
    if parts:
        m.rank = " + ".join(parts)
    if not query.empty:
        _headline(m, query)
    _filters(m, filters)
    return m


def _filters(m: Match, filters: Mapping[str, str]) -> None:
    for name, value in filters.items():
        if name not in FACETS:
            raise ValueError(f"unknown search filter {name!r}")
        listed = name in ("stack", "tools")
        m.where.append(f":f_{name} = ANY({name})" if listed else f"{name} = :f_{name}")
        m.params[f"f_{name}"] = value


def _headline(m: Match, query: ParsedQuery) -> None:
    # Headlines read the body unstemmed ('simple'): each word as typed, each prefix, and
    # each word's stem as a prefix (to_tsquery('english', 'pinning:*') is 'pin':*, which
    # marks "pinned" and "pins" too).
    tokens = list(dict.fromkeys(query.all_terms()))
    starts = [_quote(w) + ":*" for w in query.prefixes]
    m.params["hl_s"] = " | ".join(_quote(t) + ":*" for t in tokens)
    m.params["hl_u"] = " | ".join([_quote(t) for t in tokens] + starts)
    m.headline = (
        "ts_headline('simple', body, to_tsquery('english', :hl_s) || "
        f"to_tsquery('simple', :hl_u), '{_HEADLINE}')"
    )


_DF = sa.text(
    "SELECT t AS word, coalesce((SELECT max(df) FROM search_terms WHERE lexeme = "
    "ANY(tsvector_to_array(to_tsvector('english', t)))), -1) AS df, "
    "(SELECT df FROM search_terms WHERE lexeme = '') AS total "
    "FROM unnest(CAST(:terms AS text[])) AS t"
)
# Document frequencies follow the rows: each write takes away the lexemes of the rows it
# replaces or deletes and adds those of the rows it writes ('' counts the rows).
_COUNT = (
    "INSERT INTO search_terms (lexeme, df) SELECT l, {sign} count(*) FROM ("  # noqa: S608
    "SELECT unnest(tsvector_to_array(document)) AS l FROM search_documents "
    "WHERE post_id = ANY(:ids) UNION ALL SELECT '' FROM search_documents "
    "WHERE post_id = ANY(:ids)) s GROUP BY l "
    "ON CONFLICT (lexeme) DO UPDATE SET df = search_terms.df + excluded.df"
)
_LESS, _MORE = sa.text(_COUNT.format(sign="-")), sa.text(_COUNT.format(sign=""))


class _Writer:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.tx = conn.begin()
        self.committed = False

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        ids = {"ids": [d.post_id for d in docs]}
        self.conn.execute(_LESS, ids)
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
                    "code": d.code,
                },
            )
        self.conn.execute(_MORE, ids)

    def delete(self, post_ids: Sequence[int]) -> None:
        if post_ids:
            self.conn.execute(_LESS, {"ids": list(post_ids)})
            self.conn.execute(
                sa.text("DELETE FROM search_documents WHERE post_id = ANY(:ids)"),
                {"ids": list(post_ids)},
            )

    def clear(self) -> None:
        self.conn.execute(sa.text("DELETE FROM search_documents"))
        self.conn.execute(sa.text("DELETE FROM search_terms"))

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
        with self.engine.connect() as conn:
            m = match(query, filters, self._idfs(conn, query.ranked()))
            return self._search(conn, m, query, offset, limit, facets)

    def _idfs(self, conn: Connection, words: Sequence[str]) -> dict[str, float]:
        if not words:
            return {}
        rows = conn.execute(_DF, {"terms": list(words)}).all()
        # A word english drops (a stop word, df -1) still ranks by its unstemmed matches.
        return {r.word: idf(r.df, int(r.total or 0)) if r.df >= 0 else 0.1 for r in rows}

    def _search(
        self,
        conn: Connection,
        m: Match,
        query: ParsedQuery,
        offset: int,
        limit: int,
        facets: bool,
    ) -> Results:
        where = " AND ".join(m.where)
        sql = (
            f"SELECT post_id, {m.rank} AS score, {m.headline} AS snippet "  # noqa: S608 - fixed SQL, values bound
            f"FROM search_documents WHERE {where} "
            "ORDER BY score DESC, post_id DESC LIMIT :limit OFFSET :offset"
        )
        rows = conn.execute(sa.text(sql), {**m.params, "limit": limit, "offset": offset})
        hits = [Hit(r.post_id, float(r.score), _highlight(r.snippet)) for r in rows]
        total = int(
            conn.scalar(
                sa.text(f"SELECT count(*) FROM search_documents WHERE {where}"),  # noqa: S608
                m.params,
            )
            or 0
        )
        counts = self._facets(conn, where, m.params) if facets else {}
        return Results(hits, total, counts, self._all_words(conn, where, m, query) if total else "")

    def _all_words(self, conn: Connection, where: str, m: Match, query: ParsedQuery) -> str:
        ranked = query.ranked()
        if len(ranked) < 2:
            return ""
        every = [
            f"(document @@ to_tsquery('english', :r{n}) "
            f"OR unstemmed @@ to_tsquery('simple', :t{n}))"
            for n in range(len(ranked))
        ]
        sql = (
            f"SELECT EXISTS (SELECT 1 FROM search_documents WHERE {where} "  # noqa: S608
            f"AND {' AND '.join(every)})"
        )
        return "all" if conn.scalar(sa.text(sql), m.params) else "some"

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

    def suggest(self, words: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        sql = sa.text(
            "SELECT word FROM ts_stat(format('SELECT unstemmed FROM search_documents "
            "WHERE unstemmed @@ %L::tsquery', CAST(to_tsquery('simple', :q) AS text))) "
            "WHERE word = ANY(:words) ORDER BY ndoc DESC, word LIMIT 1"
        )
        exists = sa.text(
            "SELECT EXISTS (SELECT 1 FROM search_documents "
            "WHERE unstemmed @@ to_tsquery('simple', :w))"
        )
        with self.engine.connect() as conn:
            for word in words:
                if len(word) < 3 or conn.scalar(exists, {"w": _quote(word)}):
                    continue
                near = sorted(edits(word))
                best = conn.scalar(sql, {"q": " | ".join(map(_quote, near)), "words": near})
                if best:
                    out[word] = str(best)
        return out

    def explain(self, query: ParsedQuery, post_ids: Sequence[int]) -> dict[int, list[Contribution]]:
        ranked = query.ranked()
        if not ranked or not post_ids:
            return {}
        with self.engine.connect() as conn:
            idfs = self._idfs(conn, ranked)
            cols, keys, params = [], [], {}
            for n, w in enumerate(ranked):
                params[f"r{n}"] = _quote(w)
                for name, weight in FIELD_WEIGHTS.items():
                    if name not in CLASSES:  # code: in the as-typed vector only
                        continue
                    scale = idfs.get(w, 1.0) * weight / _TOP
                    cols.append(
                        f"{scale} * ts_rank('{_one_hot(name)}', document, "
                        f"to_tsquery('english', :r{n}), 1)"
                    )
                    keys.append((w, name))
            sql = (
                f"SELECT post_id, {', '.join(cols)} FROM search_documents WHERE post_id = ANY(:ids)"  # noqa: S608
            )
            rows = conn.execute(sa.text(sql), {**params, "ids": list(post_ids)}).all()
        out: dict[int, list[Contribution]] = {}
        for r in rows:
            found = [
                Contribution(t, f, round(float(v), 4))
                for (t, f), v in zip(keys, r[1:], strict=True)
                if v
            ]
            out[int(r[0])] = sorted(found, key=lambda c: -c.score)
        return out

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
