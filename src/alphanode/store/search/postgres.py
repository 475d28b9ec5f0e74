"""The PostgreSQL backend: a weighted tsvector (A title, B topic/summary, C stack/tools/
entities, D body) in ``search_documents`` with a GIN index; queries built from our tokens."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alphanode.store.search import FACETS, Hit, IndexBusy, IndexDoc, Results
from alphanode.store.search.query import ParsedQuery

_LOCK_KEY = 7_220_514_001  # pg_advisory_lock key of the one search writer
_TOKEN = re.compile(r"[^\W_]+")
_START, _STOP = "\x1a<<", ">>\x1a"
_UPSERT = sa.text(
    "INSERT INTO search_documents (post_id, title, body, stack, tools, difficulty, "
    "code_language, document) VALUES (:pid, :title, :body, :stack, :tools, :diff, :lang, "
    "setweight(to_tsvector('english', :title), 'A') || "
    "setweight(to_tsvector('english', :topic), 'B') || "
    "setweight(to_tsvector('english', :tags), 'C') || "
    "setweight(to_tsvector('english', :body), 'D')) "
    "ON CONFLICT (post_id) DO UPDATE SET title = excluded.title, body = excluded.body, "
    "stack = excluded.stack, tools = excluded.tools, difficulty = excluded.difficulty, "
    "code_language = excluded.code_language, document = excluded.document"
)


def _quote(token: str) -> str:
    return "'" + token.replace("'", "''").replace("\\", "") + "'"


def tsquery(query: ParsedQuery) -> str:
    """A to_tsquery string from our own tokens (letters and digits only, each quoted)."""
    parts = [_quote(w) for w in query.words]
    parts += ["(" + " <-> ".join(_quote(t) for t in p) + ")" for p in query.phrases]
    parts += [_quote(w) + ":*" for w in query.prefixes]
    return " & ".join(parts)


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
        folded = unicodedata.normalize("NFKD", text).lower()
        return [t for t in _TOKEN.findall(folded) if len(t) <= 40]

    def _where(self, query: ParsedQuery, filters: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        clauses, params = ["TRUE"], {}
        if not query.empty:
            clauses.append("document @@ to_tsquery('english', :q)")
            params["q"] = tsquery(query)
        for name, value in filters.items():
            if name in ("stack", "tools"):
                clauses.append(f":f_{name} = ANY({name})")
            else:
                clauses.append(f"{name} = :f_{name}")
            params[f"f_{name}"] = value
        return " AND ".join(clauses), params

    def search(
        self,
        query: ParsedQuery,
        filters: Mapping[str, str],
        offset: int,
        limit: int,
        facets: bool = True,
    ) -> Results:
        where, params = self._where(query, filters)
        rank = "ts_rank(document, to_tsquery('english', :q))" if not query.empty else "0"
        headline = (
            f"ts_headline('english', body, to_tsquery('english', :q), "
            f"'StartSel={_START},StopSel={_STOP},MaxWords=35,MinWords=15')"
            if not query.empty
            else "''"
        )
        sql = (
            f"SELECT post_id, {rank} AS score, {headline} AS snippet FROM search_documents "  # noqa: S608 - fixed SQL, values bound
            f"WHERE {where} ORDER BY score DESC, post_id DESC LIMIT :limit OFFSET :offset"
        )
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(sql), {**params, "limit": limit, "offset": offset}).all()
            total = conn.scalar(
                sa.text(f"SELECT count(*) FROM search_documents WHERE {where}"),  # noqa: S608
                params,
            )
            counts = self._facets(conn, where, params) if facets else {}
        hits = [Hit(r.post_id, float(r.score), _highlight(r.snippet)) for r in rows]
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
