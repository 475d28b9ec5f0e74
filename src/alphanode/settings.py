"""Every setting: its type, default, environment variable, owner, expected result and rollback."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from alphanode.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One documented production default (see docs/production-defaults.md)."""

    name: str
    type: type
    default: Any
    help: str
    owner: str
    expected: str
    rollback: str
    secret: bool = False
    choices: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None  # inclusive, for numbers with a range

    @property
    def env(self) -> str:
        return "ALPHANODE_" + self.name.upper()

    @property
    def shown_default(self) -> Any:
        """The default as documentation shows it (a secret's is never a usable value)."""
        return "(secret: none by default, set your own)" if self.secret else self.default


def declare(
    default: Any,
    help: str,  # noqa: A002 - the documentation field's name
    owner: str,
    expected: str,
    rollback: str,
    *,
    secret: bool = False,
    choices: tuple[str, ...] = (),
    bounds: tuple[float, float] | None = None,
) -> Any:
    """One setting's field in ``Values``: its default, with its documentation as metadata."""
    doc = _Doc(help, owner, expected, rollback, secret, choices, bounds)
    return field(default=default, metadata={"setting": doc})


@dataclass(frozen=True)
class _Doc:
    help: str
    owner: str
    expected: str
    rollback: str
    secret: bool
    choices: tuple[str, ...]
    bounds: tuple[float, float] | None


@dataclass(frozen=True)
class Values:
    """Every setting, declared once: a typed field whose metadata is its documentation.

    ``SETTINGS`` (the registry that ``alphanode defaults``, docs/production-defaults.md and
    loading read) is derived from these fields, and code reads typed attributes
    (``settings.import_batch_size`` is an ``int`` to mypy), so a wrong name or type is a
    type error, not a surprise at run time.
    """

    database_url: str = declare(
        "sqlite:///alphanode.db",
        "Where posts, revisions, rejects and the review log live: a SQLAlchemy URL "
        "(sqlite:///path or postgresql://user@host/db).",
        "alphanode.store.engine",
        "The file or server is reachable; `alphanode check` reports the schema at head.",
        "Point it back at the previous URL; nothing is written to a database you do not name.",
    )
    auto_migrate: bool = declare(
        True,
        "Upgrade the schema to the newest migration when a command first opens the database.",
        "alphanode.store.migrate",
        "A fresh database is usable at once; an up-to-date one costs one version look-up.",
        "Set to false and run `alphanode db upgrade` by hand in a release step; "
        "`alphanode db downgrade` undoes the last migration.",
    )
    import_batch_size: int = declare(
        500,
        "Documents written per transaction during import.",
        "alphanode.services.importer",
        "Bulk imports commit every N documents: a crash loses at most one batch, which a "
        "re-run imports again (imports are idempotent).",
        "Lower it (e.g. 50) if a long write transaction blocks readers; any value is safe.",
    )
    import_max_document_bytes: int = declare(
        4 * 1024 * 1024,
        "The largest single document accepted; larger ones are rejected with AN-IMPORT-006.",
        "alphanode.services.importer",
        "Real articles pass; a runaway file does not exhaust memory.",
        "Raise it for unusually long pages; rejected documents stay in `alphanode rejects`.",
    )
    import_workers: int = declare(
        2,
        "Processes that parse documents while the main process writes them (0 parses in the "
        "writing process). Used for inputs over 2 MiB.",
        "alphanode.services.importer",
        "Parsing, the larger half of an import's work, runs on the other cores while the "
        "writer stores batches; see docs/benchmarks.md for the figures.",
        "Set to 0 to parse in the writing process (slower, simplest to debug); any value "
        "gives the same result.",
    )
    site_url: str = declare(
        "",
        "The public base URL (https://example.org) used in canonical links, feeds and the "
        "sitemap. Empty: taken from each request's Host header.",
        "alphanode.web.app",
        "Canonical, OpenGraph and feed links point at the public address, not at an internal "
        "host or port behind the proxy.",
        "Empty it to fall back to the request's host; links change on the next page render.",
    )
    site_name: str = declare(
        "alphanode",
        "The site's name in page titles, feeds and structured data.",
        "alphanode.web.app",
        "Shown in the header, <title>, the Atom feed and JSON-LD publisher.",
        "Set it back; cached pages show the old name until their cache rule expires.",
    )
    session_cookie_secure: bool = declare(
        True,
        "Send the reviewer session cookie only over HTTPS (Secure); it is always HttpOnly "
        "and SameSite=Lax.",
        "alphanode.web.auth",
        "Behind TLS, sign-in works and the cookie never travels in clear.",
        "Set to false only for plain-HTTP testing on a trusted network; existing sessions "
        "keep working, new sign-ins get a non-Secure cookie.",
    )
    api_max_body_bytes: int = declare(
        32 * 1024 * 1024,
        "The largest request body any API route accepts (413 above it), import included.",
        "alphanode.web.routes.api",
        "Batches of a few thousand documents go through; a runaway upload is refused early.",
        "Raise it for bigger batches, or split the upload; nothing is imported from a refused "
        "request.",
    )
    page_cache_entries: int = declare(
        2000,
        "Pages each worker keeps in its in-process cache (least recently used go first); 0 "
        "turns the cache off.",
        "alphanode.web.middleware",
        "Hot pages are served from memory (see docs/cache-rules.md); about 15 KB a page.",
        "Set to 0 to serve every request from the database; nothing else changes.",
    )
    page_fragments: bool = declare(
        True,
        "Keep each live revision's rendered page parts (body, meta box, OpenGraph tags, "
        "JSON-LD) and each post's link-preview card in the database, made on first view and "
        "written in batches off the request path; pages assemble them with the parts that "
        "change (counted views, Similar Posts).",
        "alphanode.services.pages",
        "An article is rendered once per revision and code version, then assembled from its "
        "kept parts; a new approval, rollback, retraction or release never shows stale parts.",
        "Set to false to render every part on every request; the kept rows are then unused "
        "(drop them with `DELETE FROM page_fragments; DELETE FROM og_cards`).",
    )
    page_cache_check_seconds: float = declare(
        1.0,
        "How often a worker checks whether public content changed (approval, retraction) "
        "and drops its cached pages.",
        "alphanode.web.middleware",
        "An approved or retracted post shows everywhere within this many seconds.",
        "Lower it for faster visibility (one tiny query per interval per worker); 0 checks "
        "on every request.",
    )
    views_flush_seconds: float = declare(
        10.0,
        "How often each worker writes the views it counted (one batched transaction).",
        "alphanode.web.views",
        "No database write ever happens on a request; counts appear within this interval "
        "and are flushed on shutdown.",
        "Raise it to write less often; a crash loses at most one interval of counts.",
    )
    log_format: str = declare(
        "json",
        "Request and action logs: json (one object per line) or text.",
        "alphanode.web.middleware",
        "One line per request with request id, method, route, status, duration, cache rule "
        "and user-agent class; never a cookie, password or token.",
        "Switch to text for reading on a terminal; the fields are the same.",
        choices=("json", "text"),
    )
    search_backend: str = declare(
        "auto",
        "The search engine. auto: postgres with a PostgreSQL database, tantivy with SQLite. "
        "tantivy: an embedded index in a directory (search_index_path). postgres: weighted "
        "tsvector columns (stemmed, and unstemmed for prefixes) with GIN indexes in the "
        "database itself (PostgreSQL databases only).",
        "alphanode.store.search",
        "Changing database_url alone moves search too; searches answer in milliseconds and "
        "approvals are searchable within a second, on every app server with postgres.",
        "Set the previous value and run `alphanode reindex` (it rebuilds that backend's index "
        "from the database, the source of truth). Before auto the default was tantivy: set "
        "tantivy to keep using an existing index directory with PostgreSQL.",
        choices=("auto", "tantivy", "postgres"),
    )
    search_index_path: str = declare(
        "",
        "The tantivy index directory (unused by the postgres backend). Empty: "
        "`<database file>.search/` next to the SQLite file; with PostgreSQL and "
        "search_backend=tantivy it must be set (a local directory on each web host).",
        "alphanode.store.search",
        "The directory exists and is writable by every web worker and the CLI.",
        "Point it at a new empty directory and run `alphanode reindex`; deleting the "
        "directory loses nothing (reindex rebuilds it from the database).",
    )
    search_max_query_chars: int = declare(
        500,
        "The longest search query accepted; longer ones get a clear 400 (AN-SEARCH-001).",
        "alphanode.services.search",
        "Real queries pass; a pasted page cannot make a search slow.",
        "Raise it if readers paste long error messages; any value is safe.",
    )
    search_candidates: int = declare(
        1000,
        "PostgreSQL backend: when a query's words are held by more rows than this, only the "
        "rows holding its rarest words (together at most this many) are ranked; rows holding "
        "nothing but its commonest words are not results. When every word is held by more "
        "rows than this, the rows with the best BM25 weights of its words (search_postings) "
        "are ranked and every match is counted. 0 ranks every matching row.",
        "alphanode.store.search.postgres",
        "A natural-language question ranks a bounded set of rows, so it answers in "
        "milliseconds however large the site; the posts it would have ranked first are kept.",
        "Raise it (or 0) to rank more rows at more cost per query; nothing is stored.",
        bounds=(0, 1_000_000),
    )
    search_count_up_to: int = declare(
        1000,
        "Search counts its matches up to this many: beyond it the page and the API say "
        '"more than" this number (pages stop at 100 anyway). The PostgreSQL backend stops '
        "counting one past it, so a question of common words does not visit every post "
        "holding one. 0 counts every match.",
        "alphanode.services.search",
        'Totals up to a thousand are exact; a larger one reads "more than 1,000 results" '
        "and costs no more than a thousand would.",
        "Raise it (or 0) for exact large totals at the cost of counting them; nothing is stored.",
        bounds=(0, 10_000_000),
    )
    search_rerank: int = declare(
        200,
        "PostgreSQL backend: how many candidates, first ordered by the BM25 weights of the "
        "query's words in them (search_postings, each times the word's idf), are then "
        "ranked in full (ts_rank by field, proximity, feedback stems); always at least the "
        "page asked for and those before it. 0 ranks every candidate in full. tantivy "
        "backend: a search matching more than search_count_up_to posts counts its facets "
        "over this many of its best (0: over every match; PostgreSQL counts them over its "
        "candidates).",
        "alphanode.store.search.postgres, alphanode.store.search.tantivy_index",
        "The first pages are ordered exactly as a full ranking would order the best rows; "
        "a query costs the same however many rows match.",
        "Raise it (or 0) for a full ranking of more rows at more cost per query.",
        bounds=(0, 1_000_000),
    )
    search_postings_per_term: int = declare(
        1000,
        "PostgreSQL backend: how many of each query word's (and feedback stem's) best posts, "
        "by their BM25 weight in search_postings, the first stage reads; a post outside "
        "every such list still ranks among the candidates, by its other words. 0 reads "
        "every post holding the word.",
        "alphanode.store.search.postgres",
        "A question of common words answers in milliseconds however many posts hold them, "
        "and the rows ranked in full are those BM25 puts first.",
        "Raise it (or 0) to read more postings per word at more cost per query; nothing is stored.",
        bounds=(0, 1_000_000),
    )
    search_feedback_docs: int = declare(
        10,
        "Pseudo-relevance feedback for questions (queries of four ranked words or more): "
        "how many of the first results lend their words to a second, expanded search "
        "(RM3). 0 turns expansion off.",
        "alphanode.services.feedback",
        "Natural-language questions also find posts that use other words for the same "
        "subject; short queries are never expanded. Costs one extra top-10 search.",
        "Set to 0: every query is searched as typed, nothing else changes.",
        bounds=(0, 100),
    )
    search_feedback_terms: int = declare(
        10,
        "How many stems the feedback adds (the most probable in the first results).",
        "alphanode.services.feedback",
        "Enough to name the subject; more mostly adds noise and cost.",
        "Any value from 1 to 50 is safe; search_feedback_docs=0 turns expansion off.",
        bounds=(1, 50),
    )
    search_feedback_weight: float = declare(
        0.3,
        "The share of an expanded query held by the added stems (RM3's 1 - lambda); the "
        "words typed hold the rest.",
        "alphanode.services.feedback",
        "The typed words still lead; added stems reorder and widen the results.",
        "Lower it to trust the typed words more; any value in [0, 0.9] is safe.",
        bounds=(0.0, 0.9),
    )
    search_feedback_max_df: float = declare(
        0.1,
        "Stems held by more than this share of all posts are never added by feedback.",
        "alphanode.services.feedback",
        "Common words of the site (its general vocabulary) are not added to every question.",
        "Any value in (0, 1] is safe; 1 lets any stem be added.",
        bounds=(0.0, 1.0),
    )
    search_sync_seconds: float = declare(
        0.5,
        "How often each web worker drains the search outbox into the index (0: never; "
        "approvals made by the site are still indexed at once).",
        "alphanode.services.indexing",
        "Approvals made from the CLI or another worker are searchable within a second.",
        "Raise it to poll less; nothing is lost, the outbox keeps what is not yet indexed.",
    )
    search_follow_seconds: float = declare(
        0.5,
        "How often each web worker of a host that keeps its own tantivy index beside a "
        "PostgreSQL database (search_backend=tantivy) applies the search change log to that "
        "index (0: never; the host's index then changes only when this host drains the "
        "outbox or reindexes).",
        "alphanode.services.follower",
        "An approval made on any host is searchable on every host within about this plus "
        "the time one batch takes to apply (well under 2 s with the default).",
        "Raise it to poll less; nothing is lost, each host keeps its position in the log.",
    )
    search_changes_retention_hours: float = declare(
        168.0,
        "How long the search change log keeps a row (the web workers prune older ones about "
        "once a minute). A host whose position is older than the oldest kept row, or whose "
        "index is new or empty, rebuilds its index from the live posts and then follows.",
        "alphanode.services.follower",
        "A host down for less than this catches up from the log; a longer absence costs "
        "one rebuild from the database.",
        "Any positive value is safe: a shorter one only makes long-absent hosts rebuild.",
        bounds=(0.01, 100_000.0),
    )
    schedule_check_seconds: float = declare(
        30.0,
        "How often each web worker carries out scheduled publications and unpublications "
        "that are due (0: never; nothing scheduled happens then).",
        "alphanode.services.scheduling",
        "A post scheduled for a time goes live (or comes down) within this many seconds of "
        "it, exactly once however many workers run; each action is a review-log row.",
        "Raise it to poll less (one indexed query per interval per worker); due schedules "
        "wait in the database and run on the next pass.",
    )
    similar_weight_text: float = declare(
        1.0,
        "Similar Posts: weight of body text similarity (cosine of tf-idf vectors).",
        "alphanode.services.similar",
        "Posts about the same thing in different words still find each other.",
        "Set it back and run `alphanode reindex` to recompute every list.",
    )
    similar_weight_latent: float = declare(
        0.5,
        "Similar Posts: weight of the latent-topic cosine (LSA vectors fitted at `reindex`).",
        "alphanode.services.similar",
        "Posts on one subject in different words find each other: on Cranfield text plus "
        "latent topics took precision@5 from 1.02x to 1.15x the TF-IDF cosine baseline.",
        "Set it to 0 (or back) and run `alphanode reindex` to recompute every list.",
    )
    similar_latent_dims: int = declare(
        100,
        "Similar Posts: latent topics fitted at `reindex` (truncated SVD; 0: none).",
        "alphanode.services.similar_build",
        "`reindex` keeps a 100-topic projection per term (table similar_basis) and a "
        "100-number vector per post; an approval folds its post in with one read.",
        "Set it to 0 and run `alphanode reindex`: no projection, no latent part in scores.",
        bounds=(0, 1_000),
    )
    similar_weight_problem: float = declare(
        1.0,
        "Similar Posts: weight of sharing the same problem (ai_outline.problem / topic).",
        "alphanode.services.similar",
        "Posts solving the same problem rank first.",
        "Set it back and run `alphanode reindex` to recompute every list.",
    )
    similar_weight_stack: float = declare(
        0.6,
        "Similar Posts: weight of the Jaccard overlap of stacks.",
        "alphanode.services.similar",
        "Among equally close posts, those on the same stack come first.",
        "Set it back and run `alphanode reindex` to recompute every list.",
    )
    similar_weight_tools: float = declare(
        0.3,
        "Similar Posts: weight of the Jaccard overlap of tools.",
        "alphanode.services.similar",
        "Shared tools break ties between otherwise similar posts.",
        "Set it back and run `alphanode reindex` to recompute every list.",
    )
    similar_weight_entities: float = declare(
        0.2,
        "Similar Posts: weight of the Jaccard overlap of named entities.",
        "alphanode.services.similar",
        "Shared entities add a little to the score.",
        "Set it back and run `alphanode reindex` to recompute every list.",
    )
    near_duplicate_threshold: float = declare(
        0.7,
        "Estimated Jaccard similarity of two bodies' 4-word shingles (MinHash) at or above "
        "which they are near-duplicates: at import the later post is marked for reviewers; "
        "Similar Posts never suggests one of them on the other's page.",
        "alphanode.services.near_duplicates, alphanode.services.similar",
        "Light edits of an existing post (reworded sentences, a few words changed) are marked "
        "for reviewers and never suggested as similar; distinct posts on the same problem "
        "(similarity below 0.6 on synthesized content) are not.",
        "Set it back, then `alphanode review duplicates --rescan` (marks are made at import) "
        "and `alphanode reindex` (lists are made at approval).",
        bounds=(0.5, 1.0),
    )
    review_claim_minutes: int = declare(
        30,
        "How long a reviewer's claim on a post lasts (the review desk's Claim button): while "
        "it holds, other reviewers cannot edit, approve or reject the post (they may take the "
        "claim over, which the review log records).",
        "alphanode.services.claims",
        "Two reviewers never work on one post at once; a claim someone forgot ends by itself "
        "after this many minutes.",
        "Any value is safe: claims already made keep the end time they were given; shorten "
        "it if forgotten claims keep posts waiting.",
        bounds=(1, 24 * 60),
    )
    near_duplicate_import: bool = declare(
        True,
        "Import: look for near-duplicates of every new or changed body while importing. "
        "Off, a bulk load skips that work (about 0.4 ms a document in the single writer) and "
        "`alphanode review duplicates --rescan` does it afterwards in one pass.",
        "alphanode.services.importer",
        "On: every imported copy is marked for reviewers at once. Off: imports run about "
        "twice as fast until the rescan, and copies wait unmarked in the review queue.",
        "Set it back to true; run `alphanode review duplicates --rescan` for what was "
        "imported while it was off.",
    )
    database_replica_urls: str = declare(
        "",
        "PostgreSQL streaming replicas for public reads (comma-separated URLs). Article "
        "pages, listings, feeds, the sitemap and the JSON API's GETs read from them, in turn; "
        "every write, every signed-in reviewer and every request with Authorization reads "
        "the primary (database_url), so a reviewer never sees a replica's lag.",
        "alphanode.store.replicas",
        "A replica behind the primary's content version, or unreachable, is skipped (a log "
        "line says so) until it caught up; readers get the primary meanwhile, never an error.",
        "Empty it and restart the app servers: every read goes to the primary again.",
        secret=True,
    )
    replica_check_seconds: float = declare(
        1.0,
        "How often each worker checks that each replica is reachable and caught up with the "
        "primary's content version.",
        "alphanode.store.replicas",
        "An approval is never hidden by replica lag for longer than this check takes to see it.",
        "Lower it to notice a lagging replica sooner (two tiny queries per replica per check).",
        bounds=(0.05, 3600.0),
    )
    postgres_prepared_statements: bool = declare(
        True,
        "PostgreSQL: let psycopg prepare statements that run often on the server (after 5 "
        "executions per connection). Turn off behind PgBouncer in transaction mode older than "
        "1.21 or without max_prepared_statements.",
        "alphanode.store.engine",
        "Hot queries skip planning on the server; behind a session-aware pool or PgBouncer "
        ">= 1.21 with max_prepared_statements this is safe.",
        "Set it back and restart the app servers (it applies to new connections).",
    )
    web_threads: int = declare(
        4,
        "Threads per `alphanode serve` worker that run page and API handlers (which read the "
        "database and render templates).",
        "alphanode.web.app",
        "Uncached pages: about 790 req/s with 2 workers at 1 to 4 threads, 580 at anyio's "
        "default 40, which only contend for the GIL. Raise it when the database is far away "
        "(each thread then mostly waits on the network).",
        "Set it back and restart `alphanode serve`.",
        bounds=(1, 1000),
    )
    forwarded_allow_ips: str = declare(
        "",
        "Addresses of the proxies or load balancers whose X-Forwarded-For and "
        "X-Forwarded-Proto `alphanode serve` believes (comma-separated IPs or networks, or *). "
        "Empty (the default): none, every request's address is its connecting peer; a local "
        "reverse proxy sets it to 127.0.0.1 (docs/deploy.md).",
        "alphanode.cli.serve",
        "Behind a trusted proxy each request carries the reader's own address (login limits "
        "and logs see readers, not the balancer) and scheme; a client cannot forge either.",
        "Set it back and restart; with the wrong list every reader shares the proxy's address "
        "and sign-in limits apply to all of them at once. Never list an address that "
        "untrusted clients can connect from: they could then choose their own address.",
    )
    metrics_token: str = declare(
        "",
        "A bearer token that /metrics requires (`Authorization: Bearer <token>`); empty "
        "leaves /metrics open, for a scraper on a private network or behind the proxy's "
        "access rules.",
        "alphanode.web.routes.ops",
        "Set: Prometheus scrapes with the token, anyone else gets 401 and learns nothing about "
        "traffic or the review queue. Empty: /metrics answers everyone who can reach it.",
        "Unset it (empty) and reload the scraper's configuration without the token.",
        secret=True,
    )
    environment: str = declare(
        "development",
        "development or production. In production `alphanode serve` and the app refuse to "
        "start unless site_url or allowed_hosts is set.",
        "alphanode.settings",
        "Production servers say so, and cannot start with links built from whatever Host "
        "header a client sends.",
        "Set it back to development; nothing else changes.",
        choices=("development", "production"),
    )
    allowed_hosts: str = declare(
        "localhost,127.0.0.1,[::1],testserver",
        "With site_url unset: the host names this site answers to (comma-separated; "
        "`.example.org` also matches every subdomain of example.org, `*` any host). Requests "
        "for any other Host get 400. With site_url set, links use site_url and any Host is "
        "served. The default covers local development and test clients (testserver).",
        "alphanode.web.hosts",
        "Canonical, OpenGraph, feed and sitemap links can only name a host listed here: a "
        "forged Host header gets 400 and never reaches a page or a cache.",
        "Add the missing host name and restart; `*` turns the check off (then set site_url).",
    )
    external_images: str = declare(
        "block",
        "Images in imported content that live on other sites. block: drawn as the local "
        "placeholder with the alt text and a link to the original. allow: loaded from the "
        "other site by every reader's browser (which tells that site who reads what).",
        "alphanode.web.urls",
        "Readers' browsers fetch nothing from third parties (no tracking pixels); "
        "placehold.co images are always drawn locally.",
        "Set it to allow to load images from their sites again; cached pages change within "
        "their cache rule's time.",
        choices=("block", "allow"),
    )


_TYPES = MappingProxyType({"str": str, "int": int, "float": float, "bool": bool})


def _registry() -> tuple[Setting, ...]:
    out = []
    for f in fields(Values):
        doc: _Doc = f.metadata["setting"]
        out.append(
            Setting(
                f.name,
                _TYPES[str(f.type)],
                f.default,
                doc.help,
                doc.owner,
                doc.expected,
                doc.rollback,
                doc.secret,
                doc.choices,
                doc.bounds,
            )
        )
    return tuple(out)


SETTINGS: tuple[Setting, ...] = _registry()
_BY_NAME = MappingProxyType({s.name: s for s in SETTINGS})


def _convert(setting: Setting, raw: Any, origin: str, typed: bool = False) -> Any:
    """``raw`` as the setting's type; ``typed`` sources (TOML) must already have that type."""
    try:
        if typed and setting.type is not str and isinstance(raw, str):
            raise ValueError(raw)  # "50" in a TOML file is a string: say so, do not guess
        if setting.type is bool:
            if isinstance(raw, bool):
                return raw
            low = str(raw).strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if setting.type in (int, float):
            if isinstance(raw, bool):
                raise ValueError(raw)
            number: float = setting.type(raw)
            least, most = setting.bounds or (0.0, float("inf"))
            if not least <= number <= most:
                raise ValueError(raw)
            return number
        if not isinstance(raw, str) or (setting.choices and raw not in setting.choices):
            raise ValueError(raw)
        return raw
    except ValueError:
        expected = {
            bool: "true or false",
            int: f"a whole number from {setting.bounds[0]:g} to {setting.bounds[1]:g}"
            if setting.bounds
            else "a whole number, 0 or more",
            float: f"a number from {setting.bounds[0]} to {setting.bounds[1]}"
            if setting.bounds
            else "a number, 0 or more",
            str: "one of " + ", ".join(setting.choices) if setting.choices else "text",
        }[setting.type]
        raise ConfigError(
            f"setting {setting.name} ({origin}): got {raw!r}",
            expected,
            code="AN-CONFIG-002",
        ) from None


@dataclass(frozen=True)
class Settings(Values):
    """Resolved settings: environment, then config file, then default."""

    _origins: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def origin(self, name: str) -> str:
        """Where the value came from: default, config file …, environment …, command line."""
        return self._origins.get(name, "default")

    def effective(self) -> list[dict[str, Any]]:
        """Every setting's value in force and its origin; secrets only say whether set."""
        out = []
        for s in SETTINGS:
            value = self.get(s.name)
            if s.secret:
                value = "(set)" if value else "(not set)"
            out.append({"name": s.name, "value": value, "origin": self.origin(s.name)})
        return out

    def get(self, name: str) -> Any:
        """A setting's value by name (for generic code: defaults, serve's worker env)."""
        if name not in _BY_NAME:
            raise KeyError(name)
        return getattr(self, name)

    def replace(self, **changes: Any) -> Settings:
        for name, value in changes.items():
            if name not in _BY_NAME:
                raise ConfigError(f"unknown setting {name!r}", "one of " + ", ".join(_BY_NAME))
            changes[name] = _convert(_BY_NAME[name], value, "command line")
        origins = {**self._origins, **dict.fromkeys(changes, "command line")}
        return dataclasses.replace(self, **changes, _origins=origins)

    @classmethod
    def load(
        cls,
        env: Mapping[str, str] | None = None,
        config_file: Path | None = None,
        **overrides: Any,
    ) -> Settings:
        env = os.environ if env is None else env
        file_values: dict[str, Any] = {}
        path = config_file or (Path(env["ALPHANODE_CONFIG"]) if "ALPHANODE_CONFIG" in env else None)
        if path is not None:
            try:
                file_values = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(
                    f"config file {path}: {exc}", "a readable TOML file", code="AN-CONFIG-003"
                ) from None
            unknown = sorted(set(file_values) - set(_BY_NAME))
            if unknown:
                raise ConfigError(
                    f"config file {path}: unknown setting {unknown[0]!r}",
                    "one of " + ", ".join(_BY_NAME),
                    code="AN-CONFIG-004",
                )
        values: dict[str, Any] = {}
        origins: dict[str, str] = {}
        for s in SETTINGS:
            if s.name in overrides and overrides[s.name] is not None:
                origins[s.name] = "command line"
                values[s.name] = _convert(s, overrides[s.name], origins[s.name])
            elif s.env in env:
                origins[s.name] = f"environment {s.env}"
                values[s.name] = _convert(s, env[s.env], origins[s.name])
            elif s.name in file_values:
                origins[s.name] = f"config file {path}"
                values[s.name] = _convert(s, file_values[s.name], origins[s.name], typed=True)
            else:
                values[s.name] = s.default
        return cls(**values, _origins=origins)


def settings_markdown() -> str:
    """docs/production-defaults.md, generated from ``SETTINGS`` (a test keeps it in step)."""
    lines = [
        "# Production defaults",
        "",
        "Generated by `alphanode defaults --markdown > docs/production-defaults.md`; a test",
        "fails when this file and `src/alphanode/settings.py` disagree.",
        "",
        "Every setting is read from the environment first, then from the TOML file named by",
        "`--config` or `ALPHANODE_CONFIG`, then its default. A value of the wrong type, or an",
        "unknown key in the config file, stops start-up with the setting's name, the value seen",
        "and what was expected (exit code 2).",
        "",
    ]
    for s in SETTINGS:
        default = s.shown_default if s.secret else f"`{s.default!r}`"
        lines += [
            f"## {s.name}",
            "",
            s.help,
            "",
            "| | |",
            "| --- | --- |",
            f"| type | {s.type.__name__} |",
            f"| default | {default} |",
            f"| environment | `{s.env}` |",
            f"| owner | `{s.owner}` |",
            f"| expected result | {s.expected} |",
            f"| rollback | {s.rollback} |",
            "",
        ]
    return "\n".join(lines)


def production_problem(settings: Settings) -> ConfigError | None:
    """Why this configuration must not serve in production (None: it may).

    With neither site_url nor an explicit allowed_hosts, links would be built from each
    request's Host header and only the development host names would be served.
    """
    if settings.environment != "production":
        return None
    if settings.site_url.strip() or settings.origin("allowed_hosts") != "default":
        return None
    return ConfigError(
        "environment is production but neither site_url nor allowed_hosts is set",
        "site_url or allowed_hosts (ALPHANODE_SITE_URL=https://example.org or "
        "ALPHANODE_ALLOWED_HOSTS=example.org,www.example.org)",
        code="AN-CONFIG-005",
    )
