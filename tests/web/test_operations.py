"""Cache rules, ETags, view counting, metrics and request logs, against the running app."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from alphanode import cache_rules
from alphanode.services import views as view_service
from alphanode.settings import Settings
from alphanode.store import migrate, posts, state
from alphanode.store.engine import reading
from tests.conftest import REPO
from tests.web.conftest import SEED_SLUG, Client, Site

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0"


@pytest.fixture
def ops(site: Site) -> Iterator[Client]:
    c = Client(site.settings.replace(page_cache_check_seconds=0, views_flush_seconds=0))
    yield c
    c.close()


def test_cache_rules_doc_is_current() -> None:
    doc = (REPO / "docs" / "cache-rules.md").read_text("utf-8")
    assert doc == cache_rules.markdown()


EXAMPLES = [(r, e, True) for r in cache_rules.RULES for e in r.cached] + [
    (r, e, False) for r in cache_rules.RULES for e in r.not_cached
]


@pytest.mark.parametrize(
    ("rule", "example", "cached"),
    EXAMPLES,
    ids=[f"{r.name}:{e.path[:40]}:{'cached' if c else 'not'}" for r, e, c in EXAMPLES],
)
def test_every_documented_example(
    ops: Client, rule: cache_rules.CacheRule, example: cache_rules.Example, cached: bool
) -> None:
    headers = {"cookie": example.cookie} if example.cookie else {}
    first = ops.get(example.path, headers=headers)
    assert first.headers["x-cache-rule"] == rule.name
    if cached:
        assert first.status_code == 200
        assert first.headers["cache-control"] == rule.cache_control
        if rule.in_process:
            second = ops.get(example.path, headers=headers)
            assert second.headers["x-cache"] == "hit"
            assert second.content == first.content
        assert "etag" in first.headers
    else:
        control = first.headers["cache-control"]
        assert first.headers.get("x-cache") != "hit"
        again = ops.get(example.path, headers=headers)
        assert again.headers.get("x-cache") != "hit"
        assert (
            control in ("no-cache", "private, no-cache", "private, no-store") or not rule.in_process
        )


def test_if_none_match_gives_304(ops: Client) -> None:
    first = ops.get(f"/posts/{SEED_SLUG}")
    etag = first.headers["etag"]
    second = ops.get(f"/posts/{SEED_SLUG}", headers={"if-none-match": etag})
    assert second.status_code == 304 and second.content == b""
    assert second.headers["etag"] == etag
    assert second.headers["x-cache-rule"] == "article-page"
    other = ops.get(f"/posts/{SEED_SLUG}", headers={"if-none-match": '"something-else"'})
    assert other.status_code == 200


def test_approval_invalidates_cached_pages(ops: Client, site: Site) -> None:
    from alphanode.services import review

    engine = ops.app.state.engine
    assert SEED_SLUG in ops.get("/sitemap.xml").text
    assert ops.get("/sitemap.xml").headers["x-cache"] == "hit"
    review.retract(engine, "anp-ref-026145-7938", "ops-test", "checking invalidation")
    try:
        assert SEED_SLUG not in ops.get("/sitemap.xml").text
        assert ops.get(f"/posts/{SEED_SLUG}").status_code == 404
    finally:
        review.approve(engine, "anp-ref-026145-7938", "ops-test", "restored")
    assert ops.get(f"/posts/{SEED_SLUG}").status_code == 200


def _counted(client: Client) -> int:
    engine = client.app.state.engine
    with reading(engine) as conn:
        row = posts.find(conn, SEED_SLUG)
    assert row is not None
    return view_service.total(engine, row.id)


def test_views_counted_once_per_real_view_never_for_bots(ops: Client) -> None:
    views = ops.app.state.views
    views.flush()
    before = _counted(ops)
    url = f"/posts/{SEED_SLUG}"
    ops.get(url, headers={"user-agent": BROWSER})
    ops.get(url, headers={"user-agent": BROWSER})  # a second real view (served from cache)
    for ua in (
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "curl/8.0",
        "",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "Mozilla/5.0 HeadlessChrome/156",
    ):
        ops.get(url, headers={"user-agent": ua})
    ops.get(url, headers={"user-agent": BROWSER, "sec-purpose": "prefetch"})
    ops.request("HEAD", url, headers={"user-agent": BROWSER})
    ops.get("/posts/no-such-post", headers={"user-agent": BROWSER})
    # Nothing was written while answering: the counts wait in memory.
    assert _counted(ops) == before
    assert views.pending() == 2
    assert views.flush() == 2
    assert _counted(ops) == before + 2
    metrics = ops.get("/metrics").text
    assert "alphanode_view_writes_on_request_path_total 0.0" in metrics
    assert "alphanode_views_counted_total 2.0" in metrics
    assert 'alphanode_views_ignored_total{reason="bot"} 3.0' in metrics


def test_metrics_exposed(site: Site) -> None:
    ops = Client(site.settings.replace(page_cache_check_seconds=3600))
    try:
        _metrics_exposed(ops)
    finally:
        ops.close()


def _metrics_exposed(ops: Client) -> None:
    ops.get("/")
    ops.get(f"/posts/{SEED_SLUG}")
    ops.get(f"/posts/{SEED_SLUG}")  # a page-cache hit: labelled with the same route
    ops.get("/no/such/page")
    text = ops.get("/metrics").text
    assert 'alphanode_http_requests_total{route="/",rule="listing-page",status="2xx"}' in text
    assert (
        'alphanode_http_requests_total{route="/posts/{slug}",rule="article-page",status="2xx"} 2.0'
        in text
    )
    assert 'alphanode_http_requests_total{route="unmatched",rule="default",status="4xx"}' in text
    assert 'alphanode_http_request_duration_seconds_bucket{le="0.001",route="/"}' in text
    assert 'alphanode_page_cache_total{outcome="miss"}' in text
    assert 'alphanode_page_cache_total{outcome="hit"}' in text
    # Figures from the database, the same whichever worker answers the scrape.
    assert "alphanode_review_queue 1.0" in text  # the fixture's pending post
    for result in ("imported", "updated", "unchanged", "rejected"):
        assert f'alphanode_import_documents_total{{result="{result}"}}' in text
    imported = re.search(r'alphanode_import_documents_total\{result="imported"\} (\S+)', text)
    assert imported is not None and float(imported[1]) >= 28


def test_liveness_and_readiness(ops: Client, tmp_path: Path) -> None:
    live = ops.get("/healthz")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert live.headers["cache-control"] == "no-store"
    assert live.headers["x-cache-rule"] == "health-checks"
    ready = ops.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["checks"]["database"] == "ok"
    assert body["checks"]["schema"] == migrate.head() and body["problems"] == []


def test_readiness_fails_when_the_schema_is_behind(tmp_path: Path) -> None:
    settings = Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'r.db'}")
    client = Client(settings)
    try:
        assert client.get("/readyz").status_code == 200
        migrate.downgrade(client.app.state.engine, "-1")
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["status"] == "not ready"
        assert "this version expects" in behind.json()["problems"][0]
        assert client.get("/healthz").status_code == 200  # alive, just not ready
    finally:
        client.close()


def test_one_structured_log_line_per_request(ops: Client) -> None:
    sink = io.StringIO()
    ops.app.state.access_log.stream = sink
    ops.get(
        f"/posts/{SEED_SLUG}",
        headers={
            "x-request-id": "req-123",
            "user-agent": BROWSER,
            "cookie": "an_session=secret-cookie-value",
        },
    )
    ops.app.state.access_log.flush()
    lines = sink.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["request_id"] == "req-123" and entry["method"] == "GET"
    assert entry["status"] == 200 and entry["rule"] == "article-page"
    assert entry["path"] == f"/posts/{SEED_SLUG}" and entry["route"] == "/posts/{slug}"
    assert entry["ua"] == "browser" and entry["cache"] == "bypass" and entry["ms"] >= 0
    assert "secret-cookie-value" not in sink.getvalue()


def test_request_id_is_echoed_or_made(ops: Client) -> None:
    assert (
        ops.get("/robots.txt", headers={"x-request-id": "abc-1"}).headers["x-request-id"] == "abc-1"
    )
    made = ops.get("/robots.txt", headers={"x-request-id": "<bad id>"}).headers["x-request-id"]
    assert len(made) == 16 and made != "<bad id>"


def test_metrics_token_when_set(site: Site) -> None:
    guarded = Client(site.settings.replace(metrics_token="s3cret-scrape-token"))
    try:
        refused = guarded.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "AN-AUTH-001"
        assert "alphanode_" not in refused.text
        wrong = guarded.get("/metrics", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = guarded.get("/metrics", headers={"authorization": "Bearer s3cret-scrape-token"})
        assert ok.status_code == 200 and "alphanode_review_queue" in ok.text
    finally:
        guarded.close()


def test_a_forged_host_never_poisons_what_others_are_served(site: Site) -> None:
    # evil.example is allowed here on purpose: even a host this site answers to must not put
    # its name into the pages other hosts are served (test_access: unknown hosts get 400).
    c = Client(
        site.settings.replace(
            page_cache_check_seconds=3600, site_url="", allowed_hosts="testserver,evil.example"
        )
    )
    try:
        url = f"/posts/{SEED_SLUG}"
        forged = c.get(url, headers={"host": "evil.example"})
        assert forged.status_code == 200 and "http://evil.example/posts/" in forged.text
        normal = c.get(url)
        assert "evil.example" not in normal.text
        again = c.get(url)
        assert again.headers["x-cache"] == "hit" and "evil.example" not in again.text
    finally:
        c.close()


def test_if_none_match_star_gives_304(ops: Client) -> None:
    url = f"/posts/{SEED_SLUG}"
    assert ops.get(url, headers={"if-none-match": "*"}).status_code == 304
    assert ops.get("/posts/no-such-post", headers={"if-none-match": "*"}).status_code == 404
    assert ops.get("/robots.txt", headers={"if-none-match": "*"}).status_code == 304


def test_metrics_count_page_cache_invalidations(ops: Client) -> None:
    """A change to public content empties each worker's page cache; /metrics counts it."""

    def figure(text: str, name: str) -> float:
        found = re.search(rf"^{name} (\S+)$", text, re.M)
        assert found, name
        return float(found.group(1))

    ops.get(f"/posts/{SEED_SLUG}")
    ops.get(f"/posts/{SEED_SLUG}")  # kept now
    before = ops.get("/metrics").text
    engine = ops.app.state.engine
    with engine.begin() as conn:
        state.bump_content_version(conn)
    assert ops.get(f"/posts/{SEED_SLUG}").status_code == 200  # sees the new version
    after = ops.get("/metrics").text
    name = "alphanode_page_cache_invalidations_total"
    assert figure(after, name) == figure(before, name) + 1
    dropped = "alphanode_page_cache_invalidated_entries_total"
    assert figure(after, dropped) >= figure(before, dropped) + 1
