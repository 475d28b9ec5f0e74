"""Counted views shown to readers: the article byline, /most-read, the home page, the API."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.services import review
from alphanode.services import views as view_service
from tests.conftest import make_site
from tests.helpers import SEED_REF
from tests.web.conftest import (
    HOSTILE_REF,
    PENDING_REF,
    REJECTED_REF,
    SEED_SLUG,
    Client,
    Site,
    build_site,
    seeded_site,
)

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PART = "how-to-tune-{}-in-python-services-part-{}"


def part(n: int) -> str:
    """The slug of seeded post number ``n`` (1 to 25)."""
    return PART.format("caching" if n % 2 else "logging", n)


def ref(n: int) -> str:
    return f"anp-ref-{n:06d}-0000"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def own_site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin: Engine | None,
) -> Iterator[Site]:
    """A seeded site of its own: these tests count views and rank by them, so the counts other
    tests leave on the shared site would make the numbers meaningless."""
    yield from seeded_site(request, tmp_path_factory, postgres_admin, "views")


@pytest.fixture(scope="module")
def vc(own_site: Site) -> Iterator[Client]:
    # No page cache: each request below must show what the database holds right then.
    c = Client(own_site.settings.replace(page_cache_entries=0, views_flush_seconds=0))
    yield c
    c.close()


def engine(client: Client) -> Engine:
    value = client.app.state.engine
    assert isinstance(value, Engine)
    return value


def read(client: Client, slug: str, times: int = 1, **headers: str) -> None:
    for _ in range(times):
        r = client.get(f"/posts/{slug}", headers={"user-agent": BROWSER, **headers})
        assert r.status_code == 200


def flush(client: Client) -> None:
    client.app.state.views.flush()


def byline_views(page: str) -> str:
    header = page[page.index('<article class="post">') : page.index('<div class="post-body">')]
    found = re.findall(r'<span class="counted-views"[^>]*>([^<]*)</span>', header)
    assert len(found) == 1, header
    return html_lib.unescape(found[0])


def counted(label: str) -> int:
    number, word = label.split(" ")
    assert word == ("view" if number == "1" else "views"), label
    return int(number.replace(",", ""))


def ranking(client: Client, query: str = "") -> list[tuple[str, int]]:
    data = client.get(f"/api/v1/most-read{query}").json()
    return [(p["slug"], p["views"]) for p in data["posts"]]


def test_article_shows_counted_views_apart_from_the_imported_count(vc: Client) -> None:
    flush(vc)
    looking = {"user-agent": BOT}  # the test's own look at the page is never counted
    before = counted(byline_views(vc.get(f"/posts/{SEED_SLUG}", headers=looking).text))
    read(vc, SEED_SLUG, 3)
    read(vc, SEED_SLUG, 1, cookie="an_session=whoever")  # a signed-in reviewer
    read(vc, SEED_SLUG, 1, **{"sec-purpose": "prefetch"})
    for ua in (BOT, "curl/8.0", ""):
        vc.get(f"/posts/{SEED_SLUG}", headers={"user-agent": ua})
    # Counted in memory, written in one batch: nothing shows until the flush.
    page = vc.get(f"/posts/{SEED_SLUG}", headers=looking).text
    assert counted(byline_views(page)) == before
    flush(vc)
    page = vc.get(f"/posts/{SEED_SLUG}", headers=looking).text
    assert counted(byline_views(page)) == before + 3
    box = page[page.index('class="meta-box"') :]
    assert "counted-views" not in box  # the meta box keeps only the imported figure
    assert "view count (imported)" in box and "624,820" in box
    assert "imported with the page, not counted here" in box
    assert vc.get(f"/api/v1/posts/{SEED_REF}").json()["views"] == before + 3


def test_api_posts_carry_counted_views_apart_from_meta_view_count(vc: Client) -> None:
    flush(vc)
    start = vc.get(f"/api/v1/posts/{SEED_REF}").json()["views"]
    read(vc, SEED_SLUG, 2)
    flush(vc)
    post = vc.get(f"/api/v1/posts/{SEED_REF}").json()
    assert post["views"] == start + 2
    assert post["meta"]["view_count"] == 624820  # imported, never mixed with ours
    listing = vc.get("/api/v1/posts").json()
    for item in listing["posts"]:
        assert set(item) == {
            "ref",
            "slug",
            "title",
            "summary",
            "stack",
            "reading_time",
            "difficulty",
            "published_at",
            "updated_at",
            "url",
            "views",
        }
        assert isinstance(item["views"], int) and item["views"] >= 0
    by_ref = {p["ref"]: p["views"] for p in listing["posts"]}
    assert by_ref[SEED_REF] == start + 2
    assert "views" not in post["meta"]


def test_most_read_ranks_live_posts_by_counted_views(vc: Client) -> None:
    read(vc, part(21), 9)
    read(vc, part(22), 8)
    read(vc, part(23), 7)
    flush(vc)
    top = ranking(vc, "?limit=50")
    slugs = [s for s, _ in top]
    assert slugs.index(part(21)) < slugs.index(part(22)) < slugs.index(part(23))
    assert dict(top)[part(21)] == 9 and dict(top)[part(23)] == 7
    assert [n for _, n in top] == sorted((n for _, n in top), reverse=True)
    assert ranking(vc, "?limit=2") == top[:2]
    page = vc.get("/most-read").text
    cards = re.findall(r'<h2 class="card-title"><a href="/posts/([^"]+)">', page)
    assert cards == slugs[: len(cards)] and part(21) in cards
    first = page[page.index(f'href="/posts/{part(21)}"') :]
    assert '<span class="counted-views">9 views</span>' in first[: first.index("</article>")]
    assert 'aria-current="page">Last 30 days</a>' in page
    assert '<a href="/most-read?days=7">Last 7 days</a>' in page


def test_pending_rejected_and_retracted_posts_never_rank(vc: Client, own_site: Site) -> None:
    eng = engine(vc)
    today = view_service.today()
    # Counted views on record for posts that are not live, more than most live posts have.
    view_service.record(eng, {"pending-secret-post": 500, "rejected-secret-post": 400}, today)
    read(vc, part(24), 30)
    flush(vc)
    assert (part(24), 30) in ranking(vc, "?limit=50")
    review.retract(eng, ref(24), "views-test", "checking most-read")
    make_site(own_site.settings, eng).index_pending()
    try:
        api = vc.get("/api/v1/most-read?limit=50").text
        page = vc.get("/most-read").text
        home = vc.get("/").text
        for text in (api, page, home):
            assert "secret post" not in text and part(24) not in text
        for hidden in (PENDING_REF, REJECTED_REF, ref(24)):
            assert hidden not in api
        for days in view_service.WINDOWS:
            slugs = [s for s, _ in ranking(vc, f"?days={days}&limit=50")]
            assert slugs and part(24) not in slugs and "pending-secret-post" not in slugs
    finally:
        review.approve(eng, ref(24), "views-test", "restored")
        make_site(own_site.settings, eng).index_pending()
    # Approved again: its counted views were kept and it ranks again.
    assert (part(24), 30) in ranking(vc, "?limit=50")


def test_most_read_window(vc: Client) -> None:
    eleven_days_ago = view_service.today() - dt.timedelta(days=11)
    view_service.record(engine(vc), {part(19): 1000}, eleven_days_ago)
    month = dict(ranking(vc, "?days=30&limit=50"))
    week = dict(ranking(vc, "?days=7&limit=50"))
    year = dict(ranking(vc, "?days=365&limit=50"))
    assert month[part(19)] == 1000 and year[part(19)] == 1000
    assert part(19) not in week
    data = vc.get("/api/v1/most-read?days=7").json()
    assert data["days"] == 7
    assert data["since"] == (view_service.today() - dt.timedelta(days=6)).isoformat()
    page = vc.get("/most-read?days=7").text
    assert part(19) not in page and 'aria-current="page">Last 7 days</a>' in page
    assert '<link rel="canonical" href="http://testserver/most-read?days=7">' in page


def test_most_read_api_shape(vc: Client) -> None:
    read(vc, part(18), 2)
    flush(vc)
    r = vc.get("/api/v1/most-read?limit=3&days=30")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert set(data) == {"days", "since", "posts"} and data["days"] == 30
    assert 1 <= len(data["posts"]) <= 3
    for item in data["posts"]:
        assert set(item) == {"ref", "slug", "title", "url", "views"}
        assert item["url"] == f"/posts/{item['slug']}"
        assert isinstance(item["views"], int) and item["views"] > 0
        post = vc.get(f"/api/v1/posts/{item['ref']}").json()
        assert post["slug"] == item["slug"] and post["views"] >= item["views"]


@pytest.mark.parametrize(
    "query", ["?days=8", "?days=0", "?days=abc", "?limit=0", "?limit=51", "?limit=x"]
)
def test_most_read_rejects_other_parameters(vc: Client, query: str) -> None:
    api = vc.get(f"/api/v1/most-read{query}")
    assert api.status_code == 400
    assert set(api.json()["error"]) == {
        "code",
        "what",
        "expected",
        "retry_safe",
        "message",
        "status",
    }
    if "days" in query:
        page = vc.get(f"/most-read{query}")
        assert page.status_code == 400 and "<html" in page.text


def test_titles_are_escaped_in_rankings(vc: Client) -> None:
    hostile = vc.get(f"/api/v1/posts/{HOSTILE_REF}").json()
    read(vc, hostile["slug"], 2)
    view_service.record(engine(vc), {hostile["slug"]: 1_000_000}, view_service.today())
    flush(vc)
    assert ranking(vc)[0] == (hostile["slug"], 1_000_002)
    api = vc.get("/api/v1/most-read").json()["posts"][0]
    assert api["title"] == hostile["title"] and "<script>" in api["title"]
    assert '<span class="counted-views">1,000,002 views</span>' in vc.get("/most-read").text
    for path in ("/most-read", "/"):
        text = vc.get(path).text
        assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in text, path
        assert "<script>window.pwned" not in text and "<img src=x" not in text, path


def test_home_page_short_list(vc: Client) -> None:
    read(vc, part(17), 2)
    flush(vc)
    home = vc.get("/").text
    assert home.count('class="card"') == 20  # the latest posts are unchanged
    box = home[home.index('class="most-read-box"') : home.index("</aside>")]
    items = re.findall(r'<li><a href="/posts/([^"]+)">', box)
    top = [s for s, _ in ranking(vc, "?limit=5")]
    assert items == top and len(items) == 5
    assert '<a href="/most-read">' in box and "in the last 30 days" in box
    assert "most-read-box" not in vc.get("/?page=2").text
    assert "most-read-box" not in vc.get("/stack/python-services").text


def test_fresh_site_counts_from_zero_and_cached_pages_lag(tmp_path: Path) -> None:
    settings = build_site(tmp_path / "fresh").settings
    cached = Client(settings)  # the page cache on, as in production
    live = Client(settings.replace(page_cache_entries=0))
    try:
        page = cached.get("/most-read")
        assert page.status_code == 200
        assert "No views have been counted in the last 30 days yet." in page.text
        assert cached.get("/api/v1/most-read").json()["posts"] == []
        assert "No views counted in the last 30 days yet." in cached.get("/").text
        assert cached.get(f"/api/v1/posts/{SEED_REF}").json()["views"] == 0
        assert byline_views(cached.get(f"/posts/{SEED_SLUG}").text) == "0 views"
        read(cached, SEED_SLUG)
        flush(cached)
        # The article page (60 s) and the post's JSON (30 s) are served from the page cache
        # until their entries expire: a count up to a minute old is expected there.
        assert byline_views(cached.get(f"/posts/{SEED_SLUG}").text) == "0 views"
        assert cached.get(f"/api/v1/posts/{SEED_REF}").json()["views"] == 0
        # Rendered afresh, every surface shows the one view ("1 view", singular).
        assert byline_views(live.get(f"/posts/{SEED_SLUG}").text) == "1 view"
        assert live.get(f"/api/v1/posts/{SEED_REF}").json()["views"] == 1
        assert ranking(live) == [(SEED_SLUG, 1)]
        assert '<span class="counted-views">1 view</span>' in live.get("/most-read").text
        home = live.get("/").text
        assert '<small class="counted-views">1 view</small>' in home
    finally:
        cached.close()
        live.close()
