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
    """The SQL of one parsed query and filters: conditions, rank and headline, all bound.

    Every tsquery is a constant: ``english`` ones are stemmed once per search
    (``PostgresBackend._resolve``) and every ``simple`` one is our own lowercased tokens, so
    no row pays for parsing or stemming a query (``to_tsquery`` is only STABLE, so written
    inline it runs again for every row it is tested on)."""

    where: list[str] = field(default_factory=lambda: ["TRUE"])
    params: dict[str, Any] = field(default_factory=dict)
    english: dict[str, str] = field(default_factory=dict)  # param → text to stem
    rank: str = "0"
    # Stage one: the sum of each word's (feedback stem's) BM25 impact in a row times its idf
    # (weight), read from search_postings; the rows it puts first are the pool that ``rank``
    # orders (PostgresBackend.rerank). Lexeme → weight.
    postings: dict[str, float] = field(default_factory=dict)
    # Stage one for the words postings do not hold (prefixes, words english drops): their
    # idf-weighted presence in the row.
    cheap: list[str] = field(default_factory=list)
    # The conditions beyond "holds some term": phrases, exclusions, all words, filters.
    narrow: list[str] = field(default_factory=list)
    # (term, what, SQL, the tsquery a word part splits by field on) of each part of the
    # rank, in order: explain shows each one's value
    parts: list[tuple[str, str, str, str]] = field(default_factory=list)
    every: str = "FALSE"  # the row holds every ranked word
    headline: str = "''"
    # The condition on the query's rarest words that bounds the candidates (see ``match``).
    selective: str = ""
    newest: int = 0  # every word is common: only the newest this many matching rows rank

    def en(self, name: str, source: str) -> str:
        self.english[name] = source
        return f"CAST(:{name} AS tsquery)"

    def simple(self, name: str, source: str) -> str:
        self.params[name] = source
        return f"CAST(:{name} AS tsquery)"

    def either(self, name: str, stemmed: str, unstemmed: str) -> str:
        """Found in either vector. The stemmed one finds other forms of a word; the
        unstemmed one finds prefixes ("pinn*": pinning) and words that english drops as stop
        words ("the", "to be"), which tantivy matches too."""
        return (
            f"(document @@ {self.en(name + '_s', stemmed)} "
            f"OR unstemmed @@ {self.simple(name + '_u', unstemmed)})"
        )


# ts_rank's weights, in its order {D, C, B, A} = body, tags, topic, title, divided by the
# largest. FIELD_WEIGHTS with the title at 2 rather than 1.5: ts_rank is not BM25 per field
# (no field has its own length normalization, and a word's repeats decay the same wherever
# they are), and on the judged collection the title needed more weight here to have the
# effect it has in tantivy (nDCG@10 0.3955 at 2 against 0.3878 at 1.5 and 0.3457 at 1;
# docs/benchmarks.md).
RANK_WEIGHTS = {**FIELD_WEIGHTS, "title": 2.0}
_TOP = max(RANK_WEIGHTS.values())
CLASSES = {"body": "D", "tags": "C", "topic": "B", "title": "A"}
WEIGHTS = "{" + ",".join(f"{RANK_WEIGHTS[n] / _TOP:g}" for n in CLASSES) + "}"


# ts_rank's normalization: 1 divides by 1 + log(the document's length), as BM25 favours
# short documents that hold a word over long ones.
NORMALIZATION = 1


# Search postings (``search_postings``, migration 0018): each post's stemmed lexemes with
# their BM25 term weight in it, k1 and b as tantivy's. The term frequency is weighed by field
# as ts_rank weighs positions (RANK_WEIGHTS); the length is the post's count of positions,
# against the average length of the indexed posts when the row was written (search_terms
# keeps their total under LENGTH). A query's first stage reads each word's best postings
# through the (lexeme, impact DESC) index: no tsvector is read for it.
K1, B = 1.2, 0.75
LENGTH = " length"  # no lexeme holds a space
TOTAL_LENGTH = (
    "(SELECT coalesce(sum(coalesce(cardinality(v.positions), 1)), 0) FROM unnest(document) v)"
)
_FIELD_TF = " ".join(f"WHEN '{c}' THEN {RANK_WEIGHTS[n]:g}" for n, c in CLASSES.items())
POSTINGS = (
    "INSERT INTO search_postings (post_id, lexeme, impact) "  # noqa: S608 - fixed SQL
    f"SELECT s.post_id, s.lexeme, s.tf * {K1 + 1:g} / (s.tf + {K1:g} * "
    f"({1 - B:g} + {B:g} * s.dl / a.avg)) FROM (SELECT d.post_id, v.lexeme, "
    f"coalesce((SELECT sum(CASE x {_FIELD_TF} ELSE 1 END) FROM unnest(v.weights) x), 1) AS tf, "
    "sum(coalesce(cardinality(v.positions), 1)) OVER (PARTITION BY d.post_id) AS dl "
    "FROM search_documents d, unnest(d.document) v WHERE {rows}) s, "
    f"(SELECT greatest(1.0, coalesce(max(df) FILTER (WHERE lexeme = '{LENGTH}'), 0) / "
    "greatest(1.0, coalesce(max(df) FILTER (WHERE lexeme = ''), 1))) AS avg "
    f"FROM search_terms WHERE lexeme IN ('', '{LENGTH}')) a"
)


def _one_hot(name: str) -> str:
    return "{" + ",".join("1" if n == name else "0" for n in CLASSES) + "}"


def idf(df: int, total: int) -> float:
    """BM25's idf, as tantivy computes it."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5)) if total else 1.0


@dataclass(frozen=True)
class Stats:
    """Document frequencies of a query's words and feedback stems, and the row count."""

    words: Mapping[str, int] = field(default_factory=dict)  # -1: english drops the word
    stems: Mapping[str, int] = field(default_factory=dict)
    total: int = 0
    lexemes: Mapping[str, str] = field(default_factory=dict)  # word → its stemmed lexeme

    def idf(self, word: str) -> float:
        df = self.words.get(word, 0)
        # A word english drops (a stop word) still ranks a little by its unstemmed matches.
        return idf(df, self.total) if df >= 0 else 0.1


def rarest(dfs: Sequence[tuple[str, int]], cap: int) -> list[str]:
    """The terms whose documents bound the candidates: the rarest first while together they
    are held by at most ``cap`` rows (at least one term). A row holding none of them holds
    only the query's commonest words, which rank it below the rows that hold a rare one
    (Lucene's and Elasticsearch's "common terms" cut-off)."""
    out: list[str] = []
    held = 0
    for term, df in sorted(dfs, key=lambda t: (t[1], t[0])):
        if out and held + df > cap:
            break
        out.append(term)
        held += df
    return out


def match(
    query: ParsedQuery,
    filters: Mapping[str, str],
    stats: Stats | None = None,
    candidates: int = 0,
) -> Match:
    """Any ranked word or feedback stem matches (stemmed or as typed); phrases must;
    exclusions must not. Rank: each word's ts_rank (positions weighed by field) times its
    idf, the word as typed a little above its other forms, pairs of query words near each
    other, feedback stems by their weight, the whole title. With ``candidates`` > 0, a row
    must also hold one of the query's rarest terms (``rarest``), so a natural-language
    question ranks a bounded set of rows rather than most of the table."""
    m = Match()
    st = stats or Stats()
    ranked = query.ranked()
    stems = [_quote(w) for w in ranked]
    typed = [_quote(w) + (":*" if w in query.prefixes else "") for w in ranked]
    lexemes = [_quote(t) for t, _ in query.expansion]
    held = ""
    if ranked or lexemes:
        found = []
        if ranked:
            found.append(m.either("any", " | ".join(stems), " | ".join(typed)))
        if lexemes:
            found.append(f"document @@ {m.simple('any_e', ' | '.join(lexemes))}")
        held = "(" + " OR ".join(found) + ")"
    _selective(m, query, st, candidates)
    # The rarest terms are some of the terms: a row holding one holds some term, and the
    # planner need not read its vectors again to check.
    if held and not m.selective:
        m.where.append(held)
    for n, p in enumerate(query.phrases):
        m.narrow.append(m.either(f"ph{n}", _phrase(p), _phrase(p)))
    for n, term in enumerate([*map(_quote, query.excluded), *map(_phrase, query.excluded_phrases)]):
        # As an anti-join on the rows the GIN indexes find, not a NOT tested on each row
        # (which reads every candidate's vectors).
        held_x = m.either(f"x{n}", term, term)
        m.narrow.append(f"post_id NOT IN (SELECT post_id FROM search_documents WHERE {held_x})")  # noqa: S608 - bound values
    _rank(m, query, st)
    if not query.empty:
        _headline(m, query)
    _filters(m, filters)
    m.where += m.narrow
    return m


def _rank(m: Match, query: ParsedQuery, st: Stats) -> None:
    """The parts of the rank, each with what it is of (``explain`` shows them)."""
    ranked = query.ranked()
    stems = [_quote(w) for w in ranked]
    typed = [_quote(w) + (":*" if w in query.prefixes else "") for w in ranked]
    parts = m.parts
    for n, (w, stem, as_typed) in enumerate(zip(ranked, stems, typed, strict=True)):
        m.params[f"i{n}"] = st.idf(w)
        r, t = m.en(f"r{n}", stem), m.simple(f"t{n}", as_typed)
        rank = (
            f"CAST(:i{n} AS float8) * (ts_rank('{WEIGHTS}', document, {r}, {NORMALIZATION}) + "
            f"{EXACT_WEIGHT} * ts_rank('{WEIGHTS}', unstemmed, {t}, {NORMALIZATION}))"
        )
        parts.append((w, "word", rank, r))
        lexeme = st.lexemes.get(w, "")
        if w in query.prefixes or not lexeme:  # postings hold whole stemmed words only
            m.cheap.append(f"CASE WHEN unstemmed @@ {t} THEN :i{n} ELSE 0 END")
        else:
            m.postings[lexeme] = m.postings.get(lexeme, 0.0) + st.idf(w)
    near = [w for w in ranked if w not in query.prefixes]
    for n, (a, b) in enumerate(zip(near, near[1:], strict=False)):
        pairs = " | ".join(f"{_quote(a)} <{d}> {_quote(b)}" for d in range(1, PROXIMITY_SLOP + 2))
        m.params[f"pi{n}"] = (st.idf(a) + st.idf(b)) * PROXIMITY_WEIGHT
        near_q = m.en(f"p{n}", pairs)
        rank = f"CAST(:pi{n} AS float8) * ts_rank('{WEIGHTS}', document, {near_q}, {NORMALIZATION})"
        parts.append((f"{a} {b}", "phrase", rank, ""))
    for n, (lexeme, weight) in enumerate(query.expansion):
        m.params[f"ei{n}"] = weight * idf(st.stems.get(lexeme, 0), st.total)
        e = m.simple(f"e{n}", _quote(lexeme))
        rank = f"CAST(:ei{n} AS float8) * ts_rank('{WEIGHTS}', document, {e}, {NORMALIZATION})"
        parts.append((lexeme + " (feedback)", "word", rank, e))
        m.postings[lexeme] = m.postings.get(lexeme, 0.0) + m.params[f"ei{n}"]
    if len(ranked) > 1:
        m.every = " AND ".join(
            f"(document @@ CAST(:r{n} AS tsquery) OR unstemmed @@ CAST(:t{n} AS tsquery))"
            for n in range(len(ranked))
        )
        parts.append(
            (
                " ".join(ranked),
                "all words",
                f"CASE WHEN {m.every} THEN {ALL_WORDS_BONUS} ELSE 0 END",
                "",
            )
        )
        if query.require_all:
            m.narrow.append(f"({m.every})")
    title = normal(" ".join(query.all_terms()))
    if title:
        m.params["whole"] = title
        parts.append(
            (
                title,
                "whole title",
                "CASE WHEN btrim(regexp_replace(lower(title), '[^[:alnum:]]+', ' ', 'g')) = :whole "
                f"THEN {EXACT_TITLE_BONUS} ELSE 0 END",
                "",
            )
        )
    if parts:
        m.rank = " + ".join(sql for _, _, sql, _ in parts)


def _selective(m: Match, query: ParsedQuery, st: Stats, candidates: int) -> None:
    """With more than ``candidates`` rows holding some term, only rows holding one of the
    rarest terms are candidates (words as typed are matched as well as stemmed)."""
    ranked = [w for w in query.ranked() if w not in query.prefixes and st.words.get(w, -1) >= 0]
    terms = [(w, st.words[w]) for w in ranked]
    terms += [("\x00" + t, st.stems.get(t, 0)) for t, _ in query.expansion]
    if candidates <= 0 or query.require_all or not terms:
        return
    if sum(df for _, df in terms) <= candidates:
        return
    chosen = rarest(terms, candidates)
    held = dict(terms)
    if sum(held[t] for t in chosen) > candidates:
        # Every term is common ("one", "system"): no rare word can bound the rows, so the
        # first stage's best rows are ranked (``PostgresBackend._search``; the newest
        # ``candidates`` matches when no term is in search_postings), all counted.
        m.newest = candidates
        return
    words = [w for w in chosen if not w.startswith("\x00")]
    lexemes = [_quote(w[1:]) for w in chosen if w.startswith("\x00")]
    found = []
    if words:
        found.append(
            m.either("sel", " | ".join(map(_quote, words)), " | ".join(map(_quote, words)))
        )
    if lexemes:
        found.append(f"document @@ {m.simple('sel_e', ' | '.join(lexemes))}")
    m.selective = "(" + " OR ".join(found) + ")"
    m.where.append(m.selective)


def _filters(m: Match, filters: Mapping[str, str]) -> None:
    for name, value in filters.items():
        if name not in FACETS:
            raise ValueError(f"unknown search filter {name!r}")
        listed = name in ("stack", "tools")
        m.narrow.append(f":f_{name} = ANY({name})" if listed else f"{name} = :f_{name}")
        m.params[f"f_{name}"] = value


def _headline(m: Match, query: ParsedQuery) -> None:
    # Headlines read the body unstemmed ('simple'): each word as typed, each prefix, and
    # each word's stem as a prefix (to_tsquery('english', 'pinning:*') is 'pin':*, which
    # marks "pinned" and "pins" too).
    tokens = list(dict.fromkeys(query.all_terms()))
    starts = [_quote(w) + ":*" for w in query.prefixes]
    stemmed = m.en("hl_s", " | ".join(_quote(t) + ":*" for t in tokens))
    unstemmed = m.simple("hl_u", " | ".join([_quote(t) for t in tokens] + starts))
    m.headline = f"ts_headline('simple', body, {stemmed} || {unstemmed}, '{_HEADLINE}')"


_DF = sa.text(
    "SELECT t AS word, coalesce((SELECT max(df) FROM search_terms WHERE lexeme = "
    "ANY(tsvector_to_array(to_tsvector('english', t)))), -1) AS df, "
    "(SELECT min(l) FROM unnest(tsvector_to_array(to_tsvector('english', t))) AS l) AS lexeme, "
    "(SELECT df FROM search_terms WHERE lexeme = '') AS total "
    "FROM unnest(CAST(:terms AS text[])) AS t"
)
_SUGGEST = sa.text(
    "SELECT e AS word, max(t.df) AS df FROM unnest(CAST(:edits AS text[])) AS e "
    "JOIN search_terms t ON t.lexeme = ANY(tsvector_to_array(to_tsvector('english', e))) "
    "WHERE t.lexeme <> '' AND t.df > 0 GROUP BY e ORDER BY df DESC, e LIMIT 1"
)
_STEM_DF = sa.text("SELECT lexeme, df FROM search_terms WHERE lexeme = ANY(:stems)")
# Document frequencies follow the rows: each write takes away the lexemes of the rows it
# replaces or deletes and adds those of the rows it writes ('' counts the rows).
# LENGTH sums the rows' lengths the same way, for the postings' average length.
_COUNT = (
    "INSERT INTO search_terms (lexeme, df) SELECT l, {sign} sum(n) FROM ("  # noqa: S608
    "SELECT unnest(tsvector_to_array(document)) AS l, 1 AS n FROM search_documents "
    "WHERE post_id = ANY(:ids) UNION ALL SELECT '', 1 FROM search_documents "
    f"WHERE post_id = ANY(:ids) UNION ALL SELECT '{LENGTH}', {TOTAL_LENGTH} "
    "FROM search_documents WHERE post_id = ANY(:ids)) s GROUP BY l "
    "ON CONFLICT (lexeme) DO UPDATE SET df = search_terms.df + excluded.df"
)
# The matches counted up to the bound: the GIN indexes find them, and the count stops at
# ``bound`` rows rather than visiting every match of a question of common words.
_COUNTED = (
    "(SELECT count(*) FROM (SELECT 1 FROM search_documents WHERE {where} "  # noqa: S608
    "LIMIT :bound) n)"
)
_LESS, _MORE = sa.text(_COUNT.format(sign="-")), sa.text(_COUNT.format(sign=""))
_UNPOST = sa.text("DELETE FROM search_postings WHERE post_id = ANY(:ids)")
_POST = sa.text(POSTINGS.format(rows="d.post_id = ANY(:ids)"))


class _Writer:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.tx = conn.begin()
        self.committed = False
        self.cleared = False

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        ids = {"ids": [d.post_id for d in docs]}
        self.conn.execute(_LESS, ids)
        self.conn.execute(_UNPOST, ids)
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
        self.conn.execute(_POST, ids)

    def delete(self, post_ids: Sequence[int]) -> None:
        if post_ids:
            self.conn.execute(_LESS, {"ids": list(post_ids)})
            self.conn.execute(_UNPOST, {"ids": list(post_ids)})
            self.conn.execute(
                sa.text("DELETE FROM search_documents WHERE post_id = ANY(:ids)"),
                {"ids": list(post_ids)},
            )

    def clear(self) -> None:
        self.conn.execute(sa.text("DELETE FROM search_documents"))
        self.conn.execute(sa.text("DELETE FROM search_terms"))
        self.conn.execute(sa.text("DELETE FROM search_postings"))
        self.cleared = True

    def commit(self) -> None:
        if self.cleared:
            # A rebuilt index: the planner's statistics of the old rows would mislead it.
            self.conn.execute(sa.text("ANALYZE search_documents, search_postings, search_terms"))
            self.cleared = False
        self.tx.commit()
        self.committed = True
        self.tx = self.conn.begin()


class PostgresBackend:
    name = "postgres"

    def __init__(
        self,
        engine: Engine,
        candidates: int = 0,
        rerank: int = 0,
        per_term: int = 0,
        count_up_to: int = 0,
    ) -> None:
        self.engine = engine
        self.candidates = candidates  # 0: every matching row is a candidate
        self.rerank = rerank  # 0: every candidate is ranked in full
        self.per_term = per_term  # 0: every posting of each term is read in stage one
        # 0: every match is counted; else counting stops one past it ("more than")
        self.count_up_to = count_up_to

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
        snippets: bool = True,
        counted: bool = True,
        first_stage: bool = False,
    ) -> Results:
        with self.engine.connect() as conn:
            # The planner costs `@@` as a cheap operator, but each row's vectors are read
            # (detoasted) to test it: a sequential scan, or a primary-key scan filtered by
            # `@@`, reads thousands of them where the GIN indexes read none. No JIT: its
            # compilation (tens of milliseconds) is dearer than any one search.
            conn.execute(sa.text("SET LOCAL enable_seqscan = off; SET LOCAL jit = off"))
            m = match(query, filters, self._stats(conn, query), self.candidates)
            self._resolve(conn, m)
            rough = first_stage and not counted
            return self._search(conn, m, offset, limit, facets, snippets, counted, rough)

    def _stats(self, conn: Connection, query: ParsedQuery) -> Stats:
        words = query.ranked()
        stems = [t for t, _ in query.expansion]
        if not words and not stems:
            return Stats()
        rows = conn.execute(_DF, {"terms": words}).all() if words else []
        by_stem = {
            str(r.lexeme): int(r.df) for r in conn.execute(_STEM_DF, {"stems": [*stems, ""]})
        }
        return Stats(
            {r.word: int(r.df) for r in rows},
            {t: int(by_stem.get(t, 0)) for t in stems},
            int(by_stem.get("", 0)),
            {r.word: str(r.lexeme) for r in rows if r.lexeme},
        )

    def _resolve(self, conn: Connection, m: Match) -> None:
        """Stem every english tsquery once, in one round trip."""
        if not m.english:
            return
        names = list(m.english)
        cols = ", ".join(
            f"CAST(to_tsquery('english', :{n}) AS text) AS c{k}" for k, n in enumerate(names)
        )
        row = conn.execute(sa.text(f"SELECT {cols}"), m.english).one()  # noqa: S608 - fixed SQL
        m.params.update({n: str(v or "") for n, v in zip(names, row, strict=True)})

    def _search(
        self,
        conn: Connection,
        m: Match,
        offset: int,
        limit: int,
        facets: bool,
        snippets: bool,
        counted: bool = True,
        rough: bool = False,
    ) -> Results:
        """One pass over the candidates: the page, how many there are, whether one holds
        every word and the facet counts; headlines for the page's rows only."""
        where = " AND ".join(m.where)
        pool = max(self.rerank, offset + limit) if self.rerank else 1 << 31
        pool = offset + limit if rough else pool
        per_term = self.per_term or 1 << 31
        cheap = " + ".join(m.cheap) or "0"
        columns = "post_id, stack, tools, difficulty, code_language"
        # Stage one: each term's best postings (all of them up to ``per_term``), summed per
        # post. No tsvector is read.
        ctes = [
            "q AS (SELECT * FROM unnest(CAST(:pl AS text[]), CAST(:pw AS float8[])) "
            "AS q(lexeme, w))",
            "top AS MATERIALIZED (SELECT p.post_id, sum(q.w * p.impact) AS score FROM q "
            "CROSS JOIN LATERAL (SELECT post_id, impact FROM search_postings s "
            "WHERE s.lexeme = q.lexeme ORDER BY impact DESC LIMIT :per_term) p "
            "GROUP BY p.post_id)",
        ]
        if m.newest and m.postings:
            # Every term is common: the best of stage one's rows that match are ranked, the
            # facets are theirs, and every match is counted (through the GIN indexes).
            ctes.append(self._pool(m, where))
            ctes.append(
                f"c AS MATERIALIZED (SELECT {columns} FROM search_documents "  # noqa: S608 - fixed SQL
                "JOIN pool USING (post_id))"
            )
            counted_rows = _COUNTED.format(where=where)
            if not m.narrow:
                # The posts holding some term are those with a posting of one: counted from
                # the postings index alone (a word found only as typed, in code or as a
                # stop word, is not counted here, as it is not ranked). Each term's
                # postings are distinct posts, so at most ``bound`` of each are read: the
                # union is exact below the bound and at least the bound above it.
                counted_rows = (
                    "(SELECT count(*) FROM (SELECT DISTINCT p.post_id FROM q CROSS JOIN "
                    "LATERAL (SELECT post_id FROM search_postings s WHERE s.lexeme = q.lexeme "
                    "LIMIT :bound) p) n)"
                )
        else:
            # The candidates (all the matches, or those holding the rarest terms, or the
            # newest matches when no term can be read from postings), counted, their
            # facets counted, ordered by stage one.
            newest = f" ORDER BY post_id DESC LIMIT {int(m.newest)}" if m.newest else ""
            ctes.append(
                f"c AS MATERIALIZED (SELECT {columns}, {cheap} AS cheap "  # noqa: S608 - fixed SQL
                f"FROM search_documents WHERE {where}{newest})"
            )
            ctes.append(
                "pool AS (SELECT post_id, c.cheap + coalesce(top.score, 0) AS score FROM c "
                "LEFT JOIN top USING (post_id) ORDER BY 2 DESC, post_id DESC LIMIT :pool)"
            )
            counted_rows = _COUNTED.format(where=where) if m.newest else "(SELECT count(*) FROM c)"
        # Nobody reads the total of feedback's first pass: not counted there.
        counted_sql = counted_rows if counted else "0"
        # Stage two: the pool ranked in full. Each row's vectors are read (detoasted) once,
        # not once per ts_rank and @@.
        ctes.append(
            f"r AS (SELECT post_id, {m.rank} AS score, {m.every} AS every FROM (SELECT "  # noqa: S608 - fixed SQL
            "post_id, title, document || CAST('' AS tsvector) AS document, unstemmed || "
            "CAST('' AS tsvector) AS unstemmed FROM search_documents JOIN pool USING (post_id) "
            "OFFSET 0) d)"
            if not rough
            # feedback's first pass: stage one's order, no vector read
            else "r AS (SELECT post_id, score, FALSE AS every FROM pool)"
        )
        ctes.append(
            "page AS (SELECT post_id, score, row_number() OVER (ORDER BY score DESC, "
            "post_id DESC) AS n FROM r ORDER BY score DESC, post_id DESC "
            "LIMIT :limit OFFSET :offset)"
        )
        sql = [
            "WITH " + ", ".join(ctes) + " "  # noqa: S608 - fixed SQL, values bound
            "SELECT 'hit' AS kind, CAST(post_id AS text) AS v, score AS n, n AS at FROM page "
            # whether a row holds every word: asked of the pool, where such rows come first
            "UNION ALL SELECT 'total', (SELECT CAST(bool_or(every) AS text) FROM r), "
            f"{counted_sql}, 0",
        ]
        if facets:
            for name in FACETS:
                value = f"unnest({name})" if name in ("stack", "tools") else name
                sql.append(
                    f"UNION ALL (SELECT '{name}', v, count(*), 0 FROM (SELECT {value} AS v "  # noqa: S608
                    f"FROM c) s WHERE v <> '' GROUP BY v ORDER BY count(*) DESC, v LIMIT 30)"
                )
        values = {
            **m.params,
            "limit": limit,
            "offset": offset,
            "pool": pool,
            "per_term": per_term,
            "bound": self.count_up_to + 1 if self.count_up_to else 1 << 31,
            "pl": list(m.postings),
            "pw": list(m.postings.values()),
        }
        rows = conn.execute(sa.text(" ".join(sql)), values).all()
        hits = sorted((r for r in rows if r.kind == "hit"), key=lambda r: r.at)
        total, every = 0, False
        counts: dict[str, list[tuple[str, int]]] = {n: [] for n in FACETS} if facets else {}
        for r in rows:
            if r.kind == "total":
                total, every = int(r.n), r.v == "true"
            elif r.kind in counts:
                counts[r.kind].append((str(r.v), int(r.n)))
        for name in counts:
            counts[name].sort(key=lambda t: (-t[1], t[0]))
        ids = [int(r.v) for r in hits]
        marked = self._headlines(conn, m, ids) if snippets and m.headline != "''" else {}
        found = [
            Hit(pid, float(r.n), marked.get(pid, "")) for pid, r in zip(ids, hits, strict=True)
        ]
        if not counted:
            return Results(found, len(found), counts, "")
        matched = ("all" if every else "some") if total and m.every != "FALSE" else ""
        return Results(found, total, counts, matched)

    @staticmethod
    def _pool(m: Match, where: str) -> str:
        """Stage one's best rows that match, taken in order: each holds some term, so only
        the narrower conditions are checked, row by row, until the pool is full."""
        if not m.narrow:
            return (
                "pool AS (SELECT post_id, score FROM top ORDER BY score DESC, post_id DESC "
                "LIMIT :pool)"
            )
        return (
            "pool AS (SELECT t.post_id, t.score FROM (SELECT post_id, score FROM top "  # noqa: S608 - fixed SQL
            "ORDER BY score DESC, post_id DESC) t CROSS JOIN LATERAL (SELECT 1 FROM "
            f"search_documents d WHERE d.post_id = t.post_id AND {where} OFFSET 0) x "
            "LIMIT :pool)"
        )

    def _headlines(self, conn: Connection, m: Match, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        sql = sa.text(
            f"SELECT post_id, {m.headline} AS snippet FROM search_documents "  # noqa: S608
            "WHERE post_id = ANY(:ids)"
        )
        rows = conn.execute(sql, {**m.params, "ids": list(ids)})
        return {int(r.post_id): _highlight(r.snippet) for r in rows}

    def doc_terms(self, post_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Each post's stemmed lexemes (english drops stop words) with their positions."""
        if not post_ids:
            return {}
        sql = sa.text(
            "SELECT post_id, v.lexeme, coalesce(array_length(v.positions, 1), 1) AS tf "
            "FROM search_documents, unnest(document) AS v WHERE post_id = ANY(:ids)"
        )
        out: dict[int, dict[str, int]] = {int(p): {} for p in post_ids}
        with self.engine.connect() as conn:
            for pid, lexeme, tf in conn.execute(sql, {"ids": list(post_ids)}):
                out[int(pid)][str(lexeme)] = int(tf)
        return out

    def doc_freqs(self, stems: Sequence[str]) -> tuple[dict[str, int], int]:
        with self.engine.connect() as conn:
            found = {
                str(r.lexeme): int(r.df) for r in conn.execute(_STEM_DF, {"stems": [*stems, ""]})
            }
        return {t: int(found.get(t, 0)) for t in stems}, int(found.get("", 0))

    def suggest(self, words: Sequence[str]) -> dict[str, str]:
        """For each word whose stem no post holds, the edit one letter away whose stem the
        most posts hold (search_terms: an index lookup per candidate). No scan of the
        posts: ts_stat over every post holding an edit, and even EXISTS on the unstemmed
        vector (planned as a sequential scan), took seconds per word at 20,000 posts."""
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for word in words:
                if len(word) < 3 or conn.execute(_SUGGEST, {"edits": [word]}).first():
                    continue
                best = conn.execute(_SUGGEST, {"edits": sorted(edits(word))}).first()
                if best is not None:
                    out[word] = str(best.word)
        return out

    def explain(self, query: ParsedQuery, post_ids: Sequence[int]) -> dict[int, list[Contribution]]:
        """Each part of the rank as the search computed it; a word's part is shared among
        the fields in proportion to what it scores in each alone."""
        if query.empty or not post_ids:
            return {}
        with self.engine.connect() as conn:
            m = match(query, {}, self._stats(conn, query))
            self._resolve(conn, m)
            cols, layout = [], []
            for term, what, sql, by_field in m.parts:
                cols.append(sql)
                if by_field:
                    cols += [
                        f"ts_rank('{_one_hot(n)}', document, {by_field}, {NORMALIZATION})"
                        for n in CLASSES
                    ]
                layout.append((term, what, bool(by_field)))
            sql_text = (
                f"SELECT post_id, {', '.join(cols)} FROM search_documents "  # noqa: S608
                "WHERE post_id = ANY(:ids)"
            )
            rows = conn.execute(sa.text(sql_text), {**m.params, "ids": list(post_ids)}).all()
        out: dict[int, list[Contribution]] = {}
        for r in rows:
            values = [float(v or 0) for v in r[1:]]
            parts: list[Contribution] = []
            for term, what, split in layout:
                value = values.pop(0)
                if split:
                    shares = [values.pop(0) * RANK_WEIGHTS[name] for name in CLASSES]
                    whole = sum(shares)
                    if value and whole:
                        parts += [
                            Contribution(term, name, round(value * share / whole, 4))
                            for name, share in zip(CLASSES, shares, strict=True)
                            if share
                        ]
                    elif value:
                        parts.append(Contribution(term, "as typed", round(value, 4)))
                elif value:
                    parts.append(Contribution(term, what, round(value, 4)))
            out[int(r[0])] = sorted((c for c in parts if c.score > 0), key=lambda c: -c.score)
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
