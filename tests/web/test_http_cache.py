"""HTTP caching at the front line: Last-Modified and If-Modified-Since, compression with Vary
and the page cache's encoded variants, the trailing-slash 308, /favicon.ico, the scheme in
the page-cache key and 400 for a query string that is not UTF-8."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import gzip
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from alphanode.store.engine import writing
from alphanode.store.schema import posts
from alphanode.web.frontline import conditional, encoding
from alphanode.web.middleware import Frontline
from tests.helpers import SEED_REF
from tests.web.conftest import SEED_SLUG, Client, Site, build_site

ARTICLE = f"/posts/{SEED_SLUG}"
# Every post of this module's site last changed at this time: a Last-Modified in the past,
# whatever second the tests run in.
CHANGED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
CHANGED_HTTP = "Fri, 02 Jan 2026 03:04:05 GMT"


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = build_site(tmp_path_factory.mktemp("http-cache"))
    c = Client(site.settings)
    try:
        with writing(c.app.state.engine) as conn:
            conn.execute(posts.update().values(updated_at=CHANGED))
    finally:
        c.close()
    return site


@pytest.fixture
def web(dated: Site) -> Iterator[Client]:
    """A fresh app (its own page cache) on the dated site, no site_url: links follow the
    request's scheme and host."""
    c = Client(dated.settings.replace(page_cache_check_seconds=3600, site_url=""))
    yield c
    c.close()


def frontline(client: Client) -> Frontline:
    app: object = client.app.middleware_stack
    while not isinstance(app, Frontline):
        app = getattr(app, "app")  # noqa: B009 - walking the ASGI stack down
    return app


# -- Last-Modified and If-Modified-Since --------------------------------------------------


def test_article_last_modified_is_the_posts_last_change(web: Client) -> None:
    r = web.get(ARTICLE)
    assert r.status_code == 200
    assert r.headers["last-modified"] == CHANGED_HTTP
    same = web.get(ARTICLE, headers={"if-modified-since": CHANGED_HTTP})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["last-modified"] == CHANGED_HTTP
    assert same.headers["etag"] == r.headers["etag"]
    assert same.headers["x-cache-rule"] == "article-page"
    later = email.utils.format_datetime(CHANGED + dt.timedelta(days=3), usegmt=True)
    assert web.get(ARTICLE, headers={"if-modified-since": later}).status_code == 304
    earlier = email.utils.format_datetime(CHANGED - dt.timedelta(seconds=1), usegmt=True)
    assert web.get(ARTICLE, headers={"if-modified-since": earlier}).status_code == 200
    assert web.get(ARTICLE, headers={"if-modified-since": "yesterday"}).status_code == 200


def test_etag_takes_precedence_over_if_modified_since(web: Client) -> None:
    etag = web.get(ARTICLE).headers["etag"]
    old = "Thu, 01 Jan 2015 00:00:00 GMT"
    # A stale tag with a date the page has not changed since: the tag decides, 200.
    other = web.get(
        ARTICLE, headers={"if-none-match": '"other"', "if-modified-since": CHANGED_HTTP}
    )
    assert other.status_code == 200
    # The current tag with a date the page changed after: the tag decides, 304.
    same = web.get(ARTICLE, headers={"if-none-match": etag, "if-modified-since": old})
    assert same.status_code == 304


@pytest.mark.parametrize("path", ["/", "/sitemap.xml", "/feed.xml", "/api/v1/posts"])
def test_site_wide_pages_carry_the_last_content_change(web: Client, path: str) -> None:
    r = web.get(path)
    assert r.status_code == 200 and r.headers["x-cache"] == "miss"
    assert r.headers["last-modified"] == CHANGED_HTTP  # when any post last changed
    cached = web.get(path, headers={"if-modified-since": CHANGED_HTTP})
    assert cached.status_code == 304 and cached.headers["x-cache"] == "hit"
    head = web.request("HEAD", path, headers={"if-modified-since": CHANGED_HTTP})
    assert head.status_code == 304


def test_personal_and_private_answers_get_no_site_wide_date(web: Client) -> None:
    reviewer = web.get("/", headers={"cookie": "an_session=any"})
    assert reviewer.status_code == 200 and "last-modified" not in reviewer.headers
    assert "last-modified" not in web.get("/login").headers


def test_a_date_in_the_current_second_is_not_sent() -> None:
    now = CHANGED.timestamp()
    assert not conditional.settled(conditional.http_date(now), now + 0.5)
    assert conditional.settled(conditional.http_date(now), now + 1.0)
    assert not conditional.settled(b"not a date", now)


# -- compression ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        (None, "identity"),
        ("", "identity"),
        ("gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip;q=0.9", "gzip"),
        ("gzip;q=0, br;q=0", "identity"),
        ("identity;q=0, gzip;q=0.2", "gzip"),
        ("*", "br"),
        ("*;q=0, gzip", "gzip"),
        ("br;q=0, *", "gzip"),
        ("gzip;q=0.5, identity", "identity"),
        ("GZIP;Q=1", "gzip"),
        ("gzip;q=nonsense", "identity"),
        ("zstd, deflate", "identity"),
    ],
)
def test_accept_encoding_negotiation(header: str | None, coding: str) -> None:
    assert encoding.negotiate(header) == coding


def test_gzip_with_vary_and_the_cached_variant(web: Client) -> None:
    plain = web.get("/", headers={"accept-encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"  # the identity variant says so too
    zipped = web.get("/", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["x-cache"] == "hit"  # the same entry, another variant
    assert zipped.content == plain.content  # httpx decoded it
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    # RFC 9110: a different content coding is a different representation, another ETag.
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    brotli = web.get("/", headers={"accept-encoding": "br"})
    assert brotli.headers["content-encoding"] == "br" and brotli.content == plain.content
    assert brotli.headers["etag"].endswith('-br"')
    # Each tag revalidates its own variant only.
    tag = zipped.headers["etag"]
    assert (
        web.get("/", headers={"accept-encoding": "gzip", "if-none-match": tag}).status_code == 304
    )
    assert web.get("/", headers={"accept-encoding": "br", "if-none-match": tag}).status_code == 200


def test_the_page_cache_compresses_each_variant_once(web: Client) -> None:
    web.get(ARTICLE, headers={"accept-encoding": "gzip"})
    entry = frontline(web).cache.entries[f"http://testserver{ARTICLE}"]
    stored = entry.answer.variants["gzip"].body
    assert gzip.decompress(stored) == entry.answer.body
    again = web.get(ARTICLE, headers={"accept-encoding": "gzip"})
    assert again.headers["x-cache"] == "hit"
    assert entry.answer.variants["gzip"].body is stored  # kept, not compressed again
    assert set(entry.answer.variants) == {"gzip"}


def test_what_is_not_compressed(web: Client) -> None:
    gz = {"accept-encoding": "gzip"}
    small = web.get("/robots.txt", headers=gz)
    assert len(small.content) < encoding.MIN_SIZE and "content-encoding" not in small.headers
    # A signed-in reviewer's page holds a CSRF token: never compressed (BREACH).
    reviewer = web.get("/", headers={**gz, "cookie": "an_session=any"})
    assert reviewer.status_code == 200 and "content-encoding" not in reviewer.headers
    assert "content-encoding" not in web.get("/login", headers=gz).headers
    assert "content-encoding" not in web.get("/static/site.css", headers=gz).headers
    # An uncached public answer (a 404 page) is compressed on the way through.
    missing = web.get("/posts/no-such-post", headers=gz)
    assert missing.status_code == 404 and missing.headers["content-encoding"] == "gzip"


# -- trailing slashes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "location"),
    [
        (f"{ARTICLE}/", ARTICLE),
        (f"{ARTICLE}/?page=2&q=%C3%A9", f"{ARTICLE}?page=2&q=%C3%A9"),
        ("/stack/python-services/", "/stack/python-services"),
        ("/stack/c%23/", "/stack/c%23"),
        ("http://testserver//evil.example/", "/evil.example"),
    ],
)
def test_trailing_slash_is_a_permanent_redirect(web: Client, asked: str, location: str) -> None:
    r = web.get(asked)
    assert r.status_code == 308
    assert r.headers["location"] == location
    assert r.headers["x-request-id"] and r.headers["content-security-policy"]


def test_trailing_slash_redirect_keeps_the_method_and_lands(web: Client) -> None:
    assert web.request("POST", "/api/v1/import/").status_code == 308
    landed = web.get("/stack/python-services/", follow_redirects=True)
    assert landed.status_code == 200 and landed.url.path == "/stack/python-services"


# -- /favicon.ico ----------------------------------------------------------------------------


def test_favicon_ico(web: Client) -> None:
    r = web.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.headers["x-cache-rule"] == "favicon"
    reserved, kind, count = struct.unpack("<HHH", r.content[:6])
    assert (reserved, kind, count) == (0, 1, 1)  # an icon file holding one image
    width, height, _, _, _, bits, size, offset = struct.unpack("<BBBBHHII", r.content[6:22])
    assert (width, height, bits) == (32, 32, 32)
    assert r.content[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
    assert offset + size == len(r.content)
    assert (
        r.content
        == (Path(__file__).parents[2] / "src/alphanode/web/static/favicon.ico").read_bytes()
    )
    assert web.get("/favicon.ico", headers={"if-none-match": r.headers["etag"]}).status_code == 304
    head = web.request("HEAD", "/favicon.ico")
    assert head.status_code == 200 and head.content == b""


# -- the scheme in the page-cache key ------------------------------------------------------


def test_an_https_request_behind_a_trusted_proxy_gets_its_own_entry(web: Client) -> None:
    # uvicorn's own proxy-header handling, as `alphanode serve` runs it (its ASGI types are
    # stricter than starlette's, hence Any).
    app: Any = web.app
    behind: Any = ProxyHeadersMiddleware(app, trusted_hosts="127.0.0.1")

    async def go(headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=behind, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.get(ARTICLE, headers=headers)

    https = asyncio.run(go({"x-forwarded-proto": "https"}))
    assert f'<link rel="canonical" href="https://testserver{ARTICLE}">' in https.text
    plain = asyncio.run(go({}))
    assert plain.headers["x-cache"] == "miss"
    assert f'<link rel="canonical" href="http://testserver{ARTICLE}">' in plain.text
    again = asyncio.run(go({}))
    assert again.headers["x-cache"] == "hit" and "https://testserver" not in again.text
    assert asyncio.run(go({"x-forwarded-proto": "https"})).headers["x-cache"] == "hit"


# -- a query string that is not UTF-8 ------------------------------------------------------


def test_a_query_string_that_is_not_utf8_gets_400(web: Client) -> None:
    page = web.get("/search?q=%ff")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Bad request</h1>" in page.text and "not valid UTF-8" in page.text
    assert page.headers["x-cache-rule"] == "search" and page.headers["cache-control"] == "no-cache"
    api = web.get("/api/v1/search?q=%ff")
    assert api.status_code == 400
    error = api.json()["error"]
    assert error["code"] == "AN-HTTP-400" and error["status"] == 400
    assert error["retry_safe"] is False and "UTF-8" in error["what"]
    for bad in ("/?page=%ff", "/search?q=caf%C3", "/search?q=%ed%a0%80", "/search?%80=x"):
        assert web.get(bad).status_code == 400, bad
    assert web.get("/search?q=caf%C3%A9").status_code == 200
    assert web.get(f"/api/v1/posts/{SEED_REF}?x=%E2%9C%93").status_code == 200


# -- no blocking I/O on the event loop -------------------------------------------------------


def test_the_content_version_is_read_off_the_event_loop() -> None:
    import threading

    from alphanode.web.accesslog import AccessLog
    from alphanode.web.metrics import Metrics
    from alphanode.web.views import ViewCounter

    readers: list[int] = []

    def version() -> int:
        readers.append(threading.get_ident())
        return 1

    async def page(scope: object, receive: object, send: object) -> None:
        assert callable(send)
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"<p>hello</p>"})

    front = Frontline(
        page,
        metrics=Metrics(),
        views=ViewCounter(sa.create_engine("sqlite://"), 60),  # never flushed here
        version=version,
        entries=10,
        check_seconds=0,
        log_format="json",
        access=AccessLog(),
    )

    async def go() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=front)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.get("/")
        return r.status_code, threading.get_ident()

    status, loop_thread = asyncio.run(go())
    assert status == 200
    assert readers and all(t != loop_thread for t in readers)
