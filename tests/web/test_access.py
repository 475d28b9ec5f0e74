"""Access findings of issue 17.5: hosts, proxies, references, body limits, banners, images."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from alphanode.errors import ConfigError
from alphanode.services import accounts, importer, review
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.web.app import create_app
from alphanode.web.urls import image_view, safe_url
from tests.conftest import make_site
from tests.helpers import SEED_REF, first, seed_text, variant
from tests.web.conftest import SEED_SLUG, Client, Site, free_port

PASSWORD = "correct horse battery"
FORM = {"content-type": "application/x-www-form-urlencoded"}
ERROR_KEYS = {"code", "what", "expected", "retry_safe", "message", "status"}
TRACKER = "https://tracker.example/pixel.png"


@dataclass
class Desk:
    client: Client
    settings: Settings
    cookie: str
    csrf: str
    token: str


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """A small site: the seed (approved), two pending variants, a reviewer and a token."""
    settings = Settings.load(
        env={}, database_url=f"sqlite:///{tmp_path / 'a.db'}", page_cache_check_seconds=0
    )
    engine = open_database(settings)
    for text in (seed_text(), variant(1, title="first pending"), variant(2, title="odd one")):
        importer.import_bytes(engine, settings, "test", text.encode())
    review.approve(engine, SEED_REF, "setup")
    runtime = make_site(settings, engine)
    accounts.add_user(runtime, "rita", "reviewer", PASSWORD)
    token, who = accounts.login(runtime, "rita", PASSWORD, "127.0.0.1")
    api = accounts.create_token(engine, "bot", ["import", "review"])
    engine.dispose()
    client = Client(settings)
    yield Desk(client, settings, f"an_session={token}", who.csrf, api)
    client.close()


def _status_of(desk: Desk, ref: str) -> str:
    with desk.client.app.state.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT status FROM posts WHERE ref = :r"), {"r": ref}).one()
    return str(row[0])


# --- allowed_hosts ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"/posts/{SEED_SLUG}", "/feed.xml", "/sitemap.xml", "/"])
def test_an_unknown_host_is_refused_when_site_url_is_unset(site: Site, path: str) -> None:
    c = Client(site.settings.replace(site_url=""))
    try:
        forged = c.get(path, headers={"host": "evil.example"})
        assert forged.status_code == 400
        assert "evil.example" not in forged.text and "<html" in forged.text
        assert c.get(path).status_code == 200  # the test client's own host: testserver
        assert c.get(path, headers={"host": "localhost:8000"}).status_code == 200
        assert c.get(path, headers={"host": "[::1]:8000"}).status_code == 200
        api = c.get("/api/v1/posts", headers={"host": "evil.example"})
        assert api.status_code == 400 and set(api.json()["error"]) == ERROR_KEYS
    finally:
        c.close()


def test_allowed_hosts_with_a_leading_dot_cover_subdomains(site: Site) -> None:
    c = Client(site.settings.replace(allowed_hosts=".example.org"))
    try:
        for host in ("example.org", "blog.example.org", "BLOG.Example.Org:443"):
            r = c.get("/feed.xml", headers={"host": host})
            assert r.status_code == 200, host
            assert f"http://{host.lower()}/feed.xml" in r.text.lower()
        assert c.get("/feed.xml", headers={"host": "example.org.evil"}).status_code == 400
        assert c.get("/feed.xml", headers={"host": "badexample.org"}).status_code == 400
        assert c.get("/feed.xml").status_code == 400  # testserver is no longer listed
    finally:
        c.close()


def test_with_site_url_links_always_use_it(site: Site) -> None:
    c = Client(site.settings.replace(site_url="https://blog.example.org"))
    try:
        for path in (f"/posts/{SEED_SLUG}", "/feed.xml", "/sitemap.xml"):
            r = c.get(path, headers={"host": "evil.example"})
            assert r.status_code == 200
            assert "evil.example" not in r.text and "https://blog.example.org/" in r.text
    finally:
        c.close()


def test_production_refuses_to_start_without_site_url_or_allowed_hosts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with pytest.raises(ConfigError, match="site_url or allowed_hosts"):
        create_app(Settings.load(env={}, database_url=url, environment="production"))
    base = Settings.load(env={}, database_url=url, environment="production")
    for given in (
        base.replace(site_url="https://blog.example.org"),
        base.replace(allowed_hosts="blog.example.org"),
    ):
        create_app(given).state.engine.dispose()


def test_serve_in_production_without_hosts_stops_with_a_clear_error(tmp_path: Path) -> None:
    from alphanode.cli.main import build_app

    env = {"ALPHANODE_ENVIRONMENT": "production"}
    db = f"sqlite:///{tmp_path / 's.db'}"
    result = CliRunner().invoke(build_app(), ["--db", db, "serve"], env=env)
    assert result.exit_code == 2
    assert "site_url or allowed_hosts" in result.output


# --- forwarded_allow_ips ---------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``alphanode serve`` with its defaults (no proxy trusted) on a fresh database."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    settings = Settings.load(env={}, database_url=url)
    engine = open_database(settings)
    accounts.add_user(make_site(settings, engine), "rita", "reviewer", PASSWORD)
    engine.dispose()
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ALPHANODE_") and k != "FORWARDED_ALLOW_IPS"
    }
    env["ALPHANODE_DATABASE_URL"] = url
    proc = subprocess.Popen(
        [sys.executable, "-m", "alphanode", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("alphanode serve did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_x_forwarded_for_from_loopback_does_not_reset_the_sign_in_limit(served: str) -> None:
    def attempt(password: str, n: int) -> int:
        with httpx.Client(base_url=served) as c:
            page = c.get("/login")
            cookie = first(r"^([^;]+)", page.headers["set-cookie"])
            csrf = first(r'name="csrf" value="([^"]+)"', page.text)
            forged = {"x-forwarded-for": f"198.51.100.{n}", "cookie": cookie, **FORM}
            body = f"csrf={csrf}&name=rita&password={quote(password)}"
            return c.post("/login", content=body, headers=forged).status_code

    statuses = [attempt("wrong password", n) for n in range(8)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3
    assert attempt(PASSWORD, 99) == 429  # the locked account stays locked


# --- references ------------------------------------------------------------------------------


def test_a_reference_with_a_question_mark_is_rejected_at_import(desk: Desk) -> None:
    engine = desk.client.app.state.engine
    for bad in ("anp-ref-000009-0000?x=1", "anp#frag", "a b", "/leading", "a//b", "a/../b"):
        text = variant(9).replace("anp-ref-000009-0000", bad)
        report = importer.import_bytes(engine, desk.settings, "test", text.encode())
        assert report.rejected == 1, bad
        (problem,) = report.to_dict()["errors"]
        assert problem["field"] == "meta.reference" and "A-Za-z0-9" in problem["expected"]
    for good in ("sha256-0123abcd", "wp:site/123", "ghost:5f8a-uuid", "anp-ref-026145-7939"):
        text = variant(9).replace("anp-ref-000009-0000", good)
        report = importer.import_bytes(engine, desk.settings, "test", text.encode())
        assert report.rejected == 0, good


def test_a_stored_odd_reference_opens_and_approves_the_right_post(desk: Desk) -> None:
    odd = "anp-ref-000001-0000?x"  # stored before references were validated
    with desk.client.app.state.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE posts SET ref = :odd WHERE ref = 'anp-ref-000002-0000'"), {"odd": odd}
        )
    me = {"cookie": desk.cookie}
    queue = desk.client.get("/review", headers=me).text
    link = f"/review/posts/{quote(odd, safe='')}"
    assert f'href="{link}"' in queue
    page = desk.client.get(link, headers=me)
    assert page.status_code == 200 and "odd one" in page.text and "first pending" not in page.text
    action = first(r'action="([^"]*/approve)"', page.text)
    assert action == link + "/approve"
    r = desk.client.request(
        "POST", action, content=f"csrf={desk.csrf}&note=ok", headers={**FORM, **me}
    )
    assert r.status_code == 303
    assert _status_of(desk, odd) == "approved"
    assert _status_of(desk, "anp-ref-000001-0000") == "pending_review"


def test_a_reference_with_a_slash_can_be_reviewed(desk: Desk) -> None:
    engine = desk.client.app.state.engine
    text = variant(9, title="from wordpress").replace("anp-ref-000009-0000", "wp:site/123")
    assert importer.import_bytes(engine, desk.settings, "t", text.encode()).rejected == 0
    me = {"cookie": desk.cookie}
    page = desk.client.get("/review/posts/" + quote("wp:site/123", safe=""), headers=me)
    assert page.status_code == 200 and "from wordpress" in page.text
    auth = {"authorization": f"Bearer {desk.token}"}
    r = desk.client.request(
        "POST", "/api/v1/posts/wp:site%2F123/review", json={"action": "approve"}, headers=auth
    )
    assert r.status_code == 200 and r.json()["ref"] == "wp:site/123"
    assert desk.client.get("/api/v1/posts/wp%3Asite%2F123").json()["ref"] == "wp:site/123"


# --- body limits -----------------------------------------------------------------------------


def test_the_review_api_refuses_a_huge_note(desk: Desk) -> None:
    auth = {"authorization": f"Bearer {desk.token}"}
    big = {"action": "approve", "note": "x" * (20 * 1024 * 1024)}
    r = desk.client.request(
        "POST", "/api/v1/posts/anp-ref-000001-0000/review", json=big, headers=auth
    )
    assert r.status_code in (400, 413) and set(r.json()["error"]) == ERROR_KEYS
    assert _status_of(desk, "anp-ref-000001-0000") == "pending_review"
    long = {"action": "approve", "note": "x" * 10_001}
    r = desk.client.request(
        "POST", "/api/v1/posts/anp-ref-000001-0000/review", json=long, headers=auth
    )
    assert r.status_code == 400 and "10000" in r.json()["error"]["expected"]


def test_every_api_body_is_size_limited(desk: Desk) -> None:
    small = Client(desk.settings.replace(api_max_body_bytes=1000))
    try:
        auth = {"authorization": f"Bearer {desk.token}"}
        for path in ("/api/v1/import", "/api/v1/posts/anp-ref-000001-0000/review"):
            body = b'{"action": "approve", "note": "' + b"x" * 2000 + b'"}'
            r = small.request("POST", path, content=body, headers=auth)
            assert r.status_code == 413, path
            assert set(r.json()["error"]) == ERROR_KEYS
    finally:
        small.close()


# --- done= banners ---------------------------------------------------------------------------


def test_done_banners_show_only_messages_the_app_chose(desk: Desk) -> None:
    me = {"cookie": desk.cookie}
    text = "Your session expired: sign in again at evil.example"
    page = desk.client.get("/review", params={"done": text}, headers=me)
    assert page.status_code == 200 and "evil.example" not in page.text
    r = desk.client.request(
        "POST",
        "/review/posts/anp-ref-000001-0000/approve",
        content=f"csrf={desk.csrf}&note=ok",
        headers={**FORM, **me},
    )
    assert r.status_code == 303 and r.headers["location"] == "/review?done=approve"
    shown = desk.client.get(r.headers["location"], headers=me).text
    assert 'class="banner"' in shown and "approved" in shown.lower()


# --- external images -------------------------------------------------------------------------


def _with_tracker(desk: Desk) -> str:
    engine = desk.client.app.state.engine
    text = variant(5, title="tracked post").replace(
        "https://placehold.co/1200x630/png?text=documenting+production+defaults+with+pytho",
        TRACKER,
    )
    assert importer.import_bytes(engine, desk.settings, "t", text.encode()).rejected == 0
    review.approve(engine, "anp-ref-000005-0000", "t")
    slug = first(r'"slug":\s*"([^"]+)"', desk.client.get("/api/v1/posts/anp-ref-000005-0000").text)
    return f"/posts/{slug}"


def test_external_images_are_blocked_by_default(desk: Desk) -> None:
    assert desk.settings.external_images == "block"
    url = _with_tracker(desk)
    page = desk.client.get(url).text
    assert f'src="{TRACKER}"' not in page and f'content="{TRACKER}"' not in page
    assert f'href="{TRACKER}"' in page  # a link to the original, loaded only if followed
    allowed = Client(desk.settings.replace(external_images="allow"))
    try:
        assert f'src="{TRACKER}"' in allowed.get(url).text
    finally:
        allowed.close()


def test_image_view_blocks_or_allows() -> None:
    blocked = image_view(TRACKER, "a pixel", "block")
    assert blocked.src.startswith("/placeholder/") and blocked.original == TRACKER
    assert image_view(TRACKER, "a pixel", "allow").src == TRACKER


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a b.png",
        'https://example.org/a"onerror="x.png',
        "https://example.org/a'b.png",
        "https://example.org/<script>",
        "https://example.org/a>b",
        "https://example.org\\@evil.example/",
        "https://exa mple.org/",
        "https://example.org/\x00",
        "https:///nohost",
        "javascript:alert(1)",
        "https://example.org:99999/",
    ],
)
def test_safe_url_refuses_malformed_urls(url: str) -> None:
    assert safe_url(url) is None


def test_safe_url_reserialises_good_urls() -> None:
    assert safe_url("  HTTPS://Example.org/a/b.png?x=1#f ") == "https://Example.org/a/b.png?x=1#f"
    assert safe_url("http://example.org") == "http://example.org"
