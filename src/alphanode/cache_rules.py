"""Named cache rules: what each matches, its Cache-Control, when it is bypassed, examples.

Written for the people who will debug them later (docs/cache-rules.md is generated from
this list, and a test requests every example against the running app).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Bypass conditions, by name (docs/cache-rules.md explains each).
SIGNED_IN = "signed-in reviewer (an_session cookie): pages show review banners and previews"
AUTHORIZATION = "an Authorization header: the answer depends on who asks"
OTHER_QUERY = "a query string other than ?page=N (e.g. ?preview, ?utm_source): personal"
NOT_GET = "a method other than GET or HEAD"


@dataclass(frozen=True)
class Example:
    path: str
    cookie: str = ""
    note: str = ""


@dataclass(frozen=True)
class CacheRule:
    name: str
    description: str
    pattern: str  # a regular expression on the path
    cache_control: str
    in_process: bool  # served from each worker's page cache when no bypass applies
    ttl: int  # seconds an in-process entry may be served before it is rebuilt
    bypass: tuple[str, ...] = ()
    cached: tuple[Example, ...] = ()
    not_cached: tuple[Example, ...] = ()
    query_ok: tuple[str, ...] = field(default=("page",))

    def matches(self, path: str) -> bool:
        return re.fullmatch(self.pattern, path) is not None


PAGE_BYPASS = (SIGNED_IN, AUTHORIZATION, OTHER_QUERY, NOT_GET)

RULES: tuple[CacheRule, ...] = (
    CacheRule(
        "article-page",
        "A published article (/posts/<slug>). Rebuilt when any approval or retraction changes "
        "public content (that also changes Similar Posts).",
        r"/posts/[^/]+",
        "public, max-age=60, stale-while-revalidate=600",
        True,
        60,
        PAGE_BYPASS,
        (
            Example(
                "/posts/production-checklist-for-documenting-production-defaults-in-python-services-maintenance-guide",
                note="the seed article",
            ),
        ),
        (
            Example(
                "/posts/production-checklist-for-documenting-production-defaults-in-python-services-maintenance-guide?preview=1",
                note="a personalising query string",
            ),
            Example(
                "/posts/production-checklist-for-documenting-production-defaults-in-python-services-maintenance-guide",
                cookie="an_session=any",
                note="a signed-in reviewer",
            ),
            Example("/posts/no-such-post", note="a 404 is never stored"),
        ),
        (),
    ),
    CacheRule(
        "listing-page",
        "The latest posts and taxonomy listings, any ?page=N.",
        r"/|/(stack|tools|difficulty|topics)/[^/]+",
        "public, max-age=30, stale-while-revalidate=300",
        True,
        30,
        PAGE_BYPASS,
        (Example("/"), Example("/?page=1"), Example("/stack/python-services")),
        (Example("/?utm_source=mail", note="a query string other than page"),),
    ),
    CacheRule(
        "feeds",
        "The Atom feed, the sitemap and robots.txt.",
        r"/feed\.xml|/sitemap\.xml|/robots\.txt",
        "public, max-age=300, stale-while-revalidate=3600",
        True,
        300,
        PAGE_BYPASS,
        (Example("/feed.xml"), Example("/sitemap.xml"), Example("/robots.txt")),
        (Example("/feed.xml?token=abc", note="a query string"),),
        (),
    ),
    CacheRule(
        "api-read",
        "The JSON API's read endpoints (approved content only).",
        r"/api/v1/posts(/[^/]+)?",
        "public, max-age=30, stale-while-revalidate=300",
        True,
        30,
        PAGE_BYPASS,
        (Example("/api/v1/posts"), Example("/api/v1/posts/anp-ref-026145-7938")),
        (Example("/api/v1/posts?fields=title", note="a query string other than page"),),
    ),
    CacheRule(
        "most-read",
        "The most-read ranking, page and JSON, per ?days= (7, 30, 365) and ?limit=N: counts "
        "change all the time and a minute's lag is fine.",
        r"/most-read|/api/v1/most-read",
        "public, max-age=60, stale-while-revalidate=300",
        True,
        60,
        PAGE_BYPASS,
        (
            Example("/most-read"),
            Example("/most-read?days=7"),
            Example("/api/v1/most-read?limit=5&days=30"),
        ),
        (Example("/most-read?utm_source=mail", note="a query string other than days/limit"),),
        ("days", "limit"),
    ),
    CacheRule(
        "search",
        "The search page and GET /api/v1/search, per exact URL (query, filters, page). Kept "
        "in-process for 30 s only: popular and facet-link searches repeat, and an approval or "
        "retraction drops them with every other page (the index sync bumps the content "
        "version again once the post is searchable; a host with its own index also drops "
        "them when that index moves on in the change log). Results hold live posts only, even "
        "while the index catches up. Distinct queries share the page cache's LRU with "
        "articles; set page_cache_entries higher if crawlers search a lot.",
        r"/search|/api/v1/search",
        "public, max-age=30, stale-while-revalidate=60",
        True,
        30,
        PAGE_BYPASS,
        (
            Example("/search"),
            Example("/search?q=caching"),
            Example("/search?q=caching&stack=python+services&page=1"),
            Example("/api/v1/search?q=caching"),
        ),
        (
            Example("/search?q=caching&utm_source=mail", note="a query string it does not know"),
            Example("/search?q=caching", cookie="an_session=any", note="a signed-in reviewer"),
            Example("/api/v1/search?q=" + "x" * 600, note="a 400: too long, never stored"),
        ),
        ("q", "page", "stack", "tools", "difficulty", "code_language"),
    ),
    CacheRule(
        "static-assets",
        "CSS, JavaScript and icons shipped with the app (not fingerprinted: a day, then "
        "revalidated with their ETag).",
        r"/static/.+",
        "public, max-age=86400, stale-while-revalidate=604800",
        False,
        0,
        (),
        (Example("/static/site.css"),),
        (),
    ),
    CacheRule(
        "favicon",
        "The site icon at the address browsers and feed readers ask for (a 32x32 .ico beside "
        "static/favicon.svg), answered by the front line itself.",
        r"/favicon\.ico",
        "public, max-age=86400, stale-while-revalidate=604800",
        False,
        0,
        (),
        (Example("/favicon.ico"),),
        (),
    ),
    CacheRule(
        "placeholder-images",
        "Locally drawn placeholder images: the URL says everything, so they never change.",
        r"/placeholder/\d+x\d+\.svg",
        "public, max-age=31536000, immutable",
        False,
        0,
        (),
        (Example("/placeholder/1200x630.svg?text=example"),),
        (),
    ),
    CacheRule(
        "preview-images",
        "Link-preview PNGs: a post's card (/og/posts/<slug>.png, 1200×630, og:image and "
        "JSON-LD image) and the site's logo (/og/site.png, JSON-LD publisher.logo). Drawn "
        "from the slug or the site name alone, so a day's caching is safe; the logo changes "
        "only when site_name does.",
        r"/og/posts/[^/]+\.png|/og/site\.png",
        "public, max-age=86400, stale-while-revalidate=604800",
        False,
        0,
        (),
        (
            Example(
                "/og/posts/production-checklist-for-documenting-production-defaults-in-python-services-maintenance-guide.png",
                note="the seed article's card",
            ),
            Example("/og/site.png", note="the publisher logo"),
        ),
        (),
    ),
    CacheRule(
        "private-screens",
        "Sign-in and review screens, and every write: never stored anywhere.",
        r"/login|/logout|/review(/.*)?|/api/v1/import|/api/v1/posts/[^/]+/review|/metrics",
        "private, no-store",
        False,
        0,
        (),
        (),
        (Example("/login"), Example("/review"), Example("/metrics")),
    ),
    CacheRule(
        "health-checks",
        "Liveness and readiness for load balancers and orchestrators: always answered live.",
        r"/healthz|/readyz",
        "no-store",
        False,
        0,
        (),
        (),
        (Example("/healthz"), Example("/readyz")),
    ),
    CacheRule(
        "default",
        "Anything else (errors, unknown paths): revalidate every time.",
        r".*",
        "no-cache",
        False,
        0,
        (),
        (),
        (Example("/no/such/page", note="a 404"),),
    ),
)


def rule_for(path: str) -> CacheRule:
    for rule in RULES:
        if rule.matches(path):
            return rule
    return RULES[-1]


def _in_process(rule: CacheRule) -> str:
    return f"yes, each page for {rule.ttl} s at most" if rule.in_process else "no"


def markdown() -> str:
    """docs/cache-rules.md (a test keeps it in step with RULES and the running app)."""
    lines = [
        "# Cache rules",
        "",
        "Generated from `src/alphanode/cache_rules.py` by",
        "`alphanode cache-rules --markdown > docs/cache-rules.md`; a test requests every example",
        "below against the running app. Every response names its rule in `X-Cache-Rule`; pages",
        "served from a worker's in-process cache say `X-Cache: hit` (else `miss` or `bypass`).",
        "Cacheable responses carry an `ETag`; a matching `If-None-Match` gets `304 Not Modified`.",
        "",
        "## HTTP caching and compression (every rule)",
        "",
        "- `Last-Modified` on the cacheable pages (rules served from the page cache): an",
        "  article's is the post's last change; listings, feeds, the sitemap, search and the",
        "  JSON API carry the time the worker first saw the current content version (never",
        "  earlier than the change, so a restart only costs one full answer). `If-Modified-Since`",
        "  at or after it gets `304`; when `If-None-Match` is sent too, only the ETag decides",
        "  (RFC 9110 13.2.2). Every 304 carries the same fields: `ETag`, `Cache-Control`,",
        "  `Last-Modified`, `Vary`, `Date`, `Expires`, `Content-Location` and the `X-` tracing.",
        "- HTML, XML and JSON bodies of 512 bytes or more are sent gzip- or brotli-encoded when",
        "  `Accept-Encoding` asks for it (q-values honoured: `br;q=0`, `identity;q=0`, `*`;",
        "  brotli wins a tie; no header means identity), with `Vary: Accept-Encoding` on every",
        "  variant. A page-cache entry compresses each coding once, on its first request, and",
        '  keeps it. Each coding has its own ETag (`"<hash>-gzip"`, `"<hash>-br"`).',
        "  Answers that may hold a secret (a signed-in reviewer's pages, the private screens,",
        "  anything asked with `Authorization`) are never compressed (BREACH).",
        "- The page-cache key is scheme, host, path and query: an `https` request (say, behind",
        "  a trusted proxy sending `X-Forwarded-Proto`) and a forged `Host` get entries of",
        "  their own.",
        "- Every worker on every host serves a change (an approval, edit, rollback or",
        "  retraction made on any host or from the CLI) within `page_cache_check_seconds`",
        "  (1 s) for pages, feeds, the sitemap and the API, and within `search_sync_seconds`",
        "  (0.5 s) for search (on hosts that keep their own index, `search_follow_seconds`",
        "  (0.5 s) plus the time one batch of the change log takes to apply, and at most",
        "  `page_cache_check_seconds` more for a cached search), plus `replica_check_seconds`",
        "  (1 s) with read replicas; a shared cache in front (CDN, load balancer) may add its",
        "  `max-age` below.",
        "  `tests/cluster/` checks it with three hosts on one PostgreSQL.",
        "- A path with a trailing slash (`/posts/x/`, `/stack/python/`) gets a permanent `308`",
        "  to the path without it, query string kept; leading slashes collapse to one.",
        "- A query string that is not UTF-8 once percent-decoded (`/search?q=%ff`) gets `400`",
        "  with the error page (the JSON error shape under `/api/`), never a lenient decode.",
        "",
        "Rules are tried in this order; the first whose pattern matches the whole path wins.",
        "",
    ]
    for r in RULES:
        lines += [
            f"## {r.name}",
            "",
            r.description,
            "",
            f"- matches: `{r.pattern}`",
            f"- Cache-Control: `{r.cache_control}`",
            f"- in-process page cache: {_in_process(r)}",
        ]
        if r.bypass:
            lines.append("- bypassed by:")
            lines += [f"  - {b}" for b in r.bypass]
        if r.cached:
            lines.append("- cached, for example:")
            lines += [f"  - `{e.path}`" + (f" ({e.note})" if e.note else "") for e in r.cached]
        if r.not_cached:
            lines.append("- not cached, for example:")
            lines += [
                f"  - `{e.path}`"
                + (f" with cookie `{e.cookie}`" if e.cookie else "")
                + (f" ({e.note})" if e.note else "")
                for e in r.not_cached
            ]
        lines.append("")
    return "\n".join(lines)
