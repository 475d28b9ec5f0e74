"""Review before indexing on the web: who may do what, visibility, CSRF, secrets."""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine
from starlette.routing import Mount

from alphanode.services import accounts, importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.conftest import FIXTURES, make_site, postgres_database
from tests.helpers import SEED_REF, first, seed_text, variant
from tests.web.conftest import SEED_SLUG, Client

PASSWORD = "correct horse battery"


@dataclass
class Review:
    client: Client
    settings: Settings
    cookies: dict[str, str]
    tokens: dict[str, str]
    csrf: dict[str, str]


FORM = {"content-type": "application/x-www-form-urlencoded"}


def login_form(client: Client) -> tuple[str, str]:
    """GET /login: the CSRF cookie (as a ``name=value`` pair) and the form's hidden token."""
    page = client.get("/login")
    assert page.status_code == 200
    (cookie,) = [c for c in page.headers.get_list("set-cookie") if "an_login=" in c]
    return first(r"^([^;]+)", cookie), first(r'name="csrf" value="([^"]+)"', page.text)


def post_login(
    client: Client, name: str, password: str = PASSWORD, address: str = "127.0.0.1"
) -> httpx.Response:
    """Sign in the way a browser does: fetch the form, post it back with its cookie."""
    cookie, csrf = login_form(client)
    body = f"csrf={csrf}&name={name}&password={password}"
    return request_from(client, address, "/login", body, {**FORM, "cookie": cookie})


def request_from(
    client: Client, address: str, path: str, body: str, headers: dict[str, str]
) -> httpx.Response:
    """A form POST from another client address (the ASGI scope's client)."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.post(path, content=body, headers=headers)

    return asyncio.run(go())


def login(client: Client, name: str, password: str = PASSWORD) -> tuple[str, str]:
    r = post_login(client, name, password)
    assert r.status_code == 303, r.text
    (cookie,) = [c for c in r.headers.get_list("set-cookie") if c.startswith("an_session=")]
    assert "HttpOnly" in cookie and "Secure" in cookie and "samesite=lax" in cookie.lower()
    token = first(r"an_session=([^;]+)", cookie)
    page = client.get("/review", headers={"cookie": f"an_session={token}"})
    csrf = first(r'name="csrf" value="([^"]+)"', page.text)
    return token, csrf


@dataclass
class Template:
    url: str
    cookies: dict[str, str]
    tokens: dict[str, str]
    csrf: dict[str, str]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def template(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin: Engine | None,
) -> Iterator[Template]:
    """One prepared site (posts, people, tokens, sessions); each test gets a copy of it."""
    tmp = tmp_path_factory.mktemp("review")
    if request.param == "sqlite":
        yield _template(tmp, f"sqlite:///{tmp / 'r.db'}")
        return
    with postgres_database(postgres_admin) as url:
        yield _template(tmp, url)


def _template(tmp: Path, url: str) -> Template:
    settings = Settings.load(env={}, database_url=url)
    engine = open_database(settings)
    pages = tmp / "pages"
    pages.mkdir()
    (pages / "seed.txt").write_text(seed_text(), "utf-8")
    for n in range(1, 4):
        (pages / f"{n}.txt").write_text(variant(n, title=f"pending post {n}"), "utf-8")
    importer.import_sources(engine, settings, resolve([str(pages)]))
    review.approve(engine, SEED_REF, "setup")
    for name, role in (("rita", "reviewer"), ("adam", "admin"), ("dora", "reviewer")):
        accounts.add_user(make_site(settings, engine), name, role, PASSWORD)
    tokens = {
        "import": accounts.create_token(engine, "importer", ["import"]),
        "review": accounts.create_token(engine, "reviewbot", ["review"]),
        "revoked": accounts.create_token(engine, "old", ["import", "review"]),
    }
    accounts.revoke_token(engine, "old")
    engine.dispose()
    client = Client(settings)
    cookies, csrf = {}, {}
    for name in ("rita", "adam", "dora"):
        cookies[name], csrf[name] = login(client, name)
    accounts.set_disabled(client.app.state.engine, "dora")
    client.close()
    return Template(url, cookies, tokens, csrf)


@pytest.fixture
def rv(template: Template, tmp_path: Path, postgres_admin: Engine | None) -> Iterator[Review]:
    """A copy of the template site: a file copy on SQLite, CREATE DATABASE … TEMPLATE on
    PostgreSQL."""
    if template.url.startswith("sqlite"):
        db = tmp_path / "r.db"
        shutil.copyfile(template.url.removeprefix("sqlite:///"), db)
        url = f"sqlite:///{db}"
        yield from _review(template, url)
        return
    assert postgres_admin is not None
    name = f"alphanode_copy_{uuid.uuid4().hex[:12]}"
    source = sa.engine.make_url(template.url).database
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield from _review(template, postgres_admin.url.set(database=name).render_as_string(False))
    finally:
        with postgres_admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _review(template: Template, url: str) -> Iterator[Review]:
    settings = Settings.load(env={}, database_url=url, page_cache_check_seconds=0)
    client = Client(settings)
    yield Review(client, settings, template.cookies, template.tokens, template.csrf)
    client.close()


PRINCIPALS = ("anonymous", "bad", "wrong_scope", "disabled", "reviewer", "admin")


def headers_for(rv: Review, who: str, api: bool, scope: str) -> tuple[dict[str, str], str]:
    """Request headers and the CSRF token a principal brings to a route."""
    if api:
        token = {
            "anonymous": None,
            "bad": "an_not-a-real-token",
            "wrong_scope": rv.tokens["review" if scope == "import" else "import"],
            "disabled": rv.tokens["revoked"],
            "reviewer": rv.tokens[scope],
            "admin": rv.tokens[scope],
        }[who]
        return ({"authorization": f"Bearer {token}"} if token else {}), ""
    name = {"disabled": "dora", "reviewer": "rita", "admin": "adam", "wrong_scope": "rita"}.get(who)
    if who == "bad":
        return {"cookie": "an_session=forged"}, "x"
    if name is None:
        return {}, ""
    return {"cookie": f"an_session={rv.cookies[name]}"}, rv.csrf[name]


# (method, path template) → expected status for each principal, in PRINCIPALS order.
# Screens: 401 signed out, 403 lacking the role; decisions redirect (303) when done.
MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "/review"): (401, 401, 200, 401, 200, 200),
    ("GET", "/review/posts/{ref:path}"): (401, 401, 200, 401, 200, 200),
    ("POST", "/review/posts/{ref:path}/approve"): (401, 401, 303, 401, 303, 303),
    ("POST", "/review/posts/{ref:path}/reject"): (401, 401, 303, 401, 303, 303),
    ("POST", "/review/posts/{ref:path}/retract"): (401, 401, 403, 401, 403, 303),
    ("POST", "/review/bulk-approve"): (401, 401, 403, 401, 403, 200),
    # All matching needs the bulk permission (admin); the body below asks for it. A
    # reviewer's action on selected posts: tests/web/test_desk_queue.py.
    ("POST", "/review/act"): (401, 401, 403, 401, 403, 200),
    ("GET", "/review/posts/{ref:path}/compare"): (401, 401, 200, 401, 200, 200),
    ("POST", "/review/posts/{ref:path}/not-duplicate"): (401, 401, 303, 401, 303, 303),
    ("GET", "/review/log"): (401, 401, 200, 401, 200, 200),
    # The desk's edit form and claims (web/routes/desk_edit.py); the matrix's body has no
    # title, so the edit and its preview answer 422 with the form and what is wrong.
    ("GET", "/review/posts/{ref:path}/edit"): (401, 401, 200, 401, 200, 200),
    ("POST", "/review/posts/{ref:path}/edit"): (401, 401, 422, 401, 422, 422),
    ("POST", "/review/posts/{ref:path}/preview"): (401, 401, 422, 401, 422, 422),
    ("POST", "/review/posts/{ref:path}/claim"): (401, 401, 303, 401, 303, 303),
    ("POST", "/review/posts/{ref:path}/release"): (401, 401, 303, 401, 303, 303),
    ("GET", "/review/desk"): (401, 401, 200, 401, 200, 200),
    # The form carries a publication time in 2099 (see the body below); nothing is
    # scheduled when unschedule runs, which is a clear 409.
    ("POST", "/review/posts/{ref:path}/schedule"): (401, 401, 303, 401, 303, 303),
    ("POST", "/review/posts/{ref:path}/unschedule"): (401, 401, 409, 401, 409, 409),
    ("POST", "/logout"): (401, 401, 303, 401, 303, 303),
    ("POST", "/api/v1/import"): (401, 401, 403, 401, 200, 200),
    ("POST", "/api/v1/posts/{ref:path}/review"): (401, 401, 403, 401, 200, 200),
}
PUBLIC = {
    ("GET", "/"),
    ("GET", "/posts/{slug}"),
    ("GET", "/stack/{term}"),
    ("GET", "/tools/{term}"),
    ("GET", "/difficulty/{term}"),
    ("GET", "/topics/{term}"),
    ("GET", "/feed.xml"),
    ("GET", "/sitemap.xml"),
    ("GET", "/robots.txt"),
    ("GET", "/placeholder/{width}x{height}.svg"),
    ("GET", "/og/posts/{slug}.png"),
    ("GET", "/og/site.png"),
    ("GET", "/api/v1/posts"),
    ("GET", "/api/v1/posts/{ref:path}"),
    ("GET", "/most-read"),
    ("GET", "/api/v1/most-read"),
    ("GET", "/search"),
    ("GET", "/api/v1/search"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/metrics"),  # open unless the metrics_token setting is set (test_operations)
    ("GET", "/healthz"),
    ("GET", "/readyz"),
}


def app_routes(rv: Review) -> set[tuple[str, str]]:
    found = set()
    for route in rv.client.app.routes:
        if isinstance(route, APIRoute):
            found |= {(m, route.path) for m in route.methods or ()}
        elif hasattr(route, "effective_candidates"):  # FastAPI's included routers
            for ctx in route.effective_candidates():
                found |= {(m, ctx.path) for m in ctx.methods}
        elif isinstance(route, Mount):
            found.add(("MOUNT", route.path))
        else:
            found.add(("OTHER", getattr(route, "path", "?")))
    return found


def test_no_route_is_missing_from_the_matrix(rv: Review) -> None:
    known = set(MATRIX) | PUBLIC | {("MOUNT", "/static"), ("OTHER", "/api/v1/openapi.json")}
    assert app_routes(rv) - known == set(), "classify every new route in MATRIX or PUBLIC"


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("who", PRINCIPALS)
def test_access_matrix(rv: Review, route: tuple[str, str], who: str) -> None:
    method, template = route
    expected = MATRIX[route][PRINCIPALS.index(who)]
    api = template.startswith("/api/")
    scope = "import" if template.endswith("/import") else "review"
    headers, csrf = headers_for(rv, who, api, scope)
    path = template.replace(
        "{ref:path}", SEED_REF if template.endswith("retract") else "anp-ref-000001-0000"
    )
    body: str | bytes | None = None
    if method == "POST" and api and scope == "import":
        body = variant(50, title="posted through the api")
    elif method == "POST" and api:
        body = json.dumps({"action": "approve", "note": "ok"})
    elif method == "POST":
        body = (
            f"csrf={csrf}&note=checked&flag=ai_generated_style&confirm=no"
            "&publish_at=2099-01-01T00:00&do=approve:matching"
        )
        headers = {**headers, "content-type": "application/x-www-form-urlencoded"}
    r = rv.client.request(method, path, headers=headers, content=body)
    assert r.status_code == expected, r.text[:300]


def test_forms_need_the_csrf_token(rv: Review) -> None:
    r = rv.client.request(
        "POST",
        "/review/posts/anp-ref-000001-0000/approve",
        headers={
            "cookie": f"an_session={rv.cookies['rita']}",
            "content-type": "application/x-www-form-urlencoded",
        },
        content="csrf=wrong",
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    "route",
    sorted(r for r in MATRIX if r[0] == "POST" and not r[1].startswith("/api/")),
    ids=lambda r: r[1],
)
def test_every_form_post_needs_the_csrf_token(rv: Review, route: tuple[str, str]) -> None:
    path = route[1].replace("{ref:path}", "anp-ref-000001-0000")
    for token in ("wrong", ""):
        r = rv.client.request(
            "POST",
            path,
            headers={"cookie": f"an_session={rv.cookies['adam']}", **FORM},
            content=f"csrf={token}&note=checked&flag=ai_generated_style&publish_at=2099-01-01T00:00",
        )
        assert r.status_code == 403, (path, r.text[:200])


def test_pending_posts_are_not_public_but_reviewers_preview_them(rv: Review) -> None:
    slug = "pending-post-1"
    assert rv.client.get(f"/posts/{slug}").status_code == 404
    assert "pending post" not in rv.client.get("/").text
    assert "pending post" not in rv.client.get("/feed.xml").text
    assert "pending post" not in rv.client.get("/sitemap.xml").text
    assert rv.client.get("/api/v1/posts/anp-ref-000001-0000").status_code == 404
    seen = rv.client.get(f"/posts/{slug}", headers={"cookie": f"an_session={rv.cookies['rita']}"})
    assert seen.status_code == 200
    assert '<meta name="robots" content="noindex, nofollow">' in seen.text
    assert "Not public: this post is pending review" in seen.text


def test_reimport_of_approved_post_waits_for_review(rv: Review, tmp_path: Path) -> None:
    engine = rv.client.app.state.engine
    before = rv.client.get(f"/posts/{SEED_SLUG}").text
    edited = tmp_path / "edited.txt"
    edited.write_text(seed_text().replace("final notes", "closing thoughts"), "utf-8")
    assert importer.import_sources(engine, rv.settings, resolve([str(edited)])).updated == 1
    after = rv.client.get(f"/posts/{SEED_SLUG}").text
    assert "closing thoughts" not in after and "final notes" in after
    assert before.count("final notes") == after.count("final notes")
    assert rv.client.get(f"/api/v1/posts/{SEED_REF}").json()["revision"] == 1
    # The reviewer sees the diff, then approves; the live page changes.
    cookie = {"cookie": f"an_session={rv.cookies['rita']}"}
    page = rv.client.get(f"/review/posts/{SEED_REF}", headers=cookie).text
    assert "<del>final notes</del>" in page or "<del>Final notes</del>" in page
    assert "<ins>closing thoughts</ins>" in page
    banner = rv.client.get(f"/posts/{SEED_SLUG}", headers=cookie).text
    assert "A newer revision of this post awaits review." in banner
    r = rv.client.request(
        "POST",
        f"/review/posts/{SEED_REF}/approve",
        headers={**cookie, "content-type": "application/x-www-form-urlencoded"},
        content=f"csrf={rv.csrf['rita']}&note=fine",
    )
    assert r.status_code == 303
    assert "closing thoughts" in rv.client.get(f"/posts/{SEED_SLUG}").text
    log = review.log(engine, SEED_REF)
    assert [(e.action, e.actor, e.revision) for e in log][-1] == ("approve", "rita", 2)


def test_bulk_approve_confirms_the_countfirst(rv: Review) -> None:
    cookie = {
        "cookie": f"an_session={rv.cookies['adam']}",
        "content-type": "application/x-www-form-urlencoded",
    }
    body = f"csrf={rv.csrf['adam']}&flag=needs_human_review"
    first = rv.client.request("POST", "/review/bulk-approve", headers=cookie, content=body)
    assert first.status_code == 200 and "Approve 3 posts?" in first.text
    assert rv.client.get("/posts/pending-post-2").status_code == 404
    second = rv.client.request(
        "POST", "/review/bulk-approve", headers=cookie, content=body + "&confirm=3"
    )
    assert second.status_code == 303
    assert rv.client.get("/posts/pending-post-2").status_code == 200


def test_retracted_post_leaves_every_public_surface(rv: Review) -> None:
    engine = rv.client.app.state.engine
    review.retract(engine, SEED_REF, "adam", "outdated")
    assert rv.client.get(f"/posts/{SEED_SLUG}").status_code == 404
    for path in ("/", "/feed.xml", "/sitemap.xml", "/api/v1/posts", "/stack/python-services"):
        assert SEED_SLUG not in rv.client.get(path).text


def test_login_limits_failures_per_name_and_address(rv: Review) -> None:
    for _ in range(5):
        assert post_login(rv.client, "rita", "wrong password").status_code == 401
    blocked = post_login(rv.client, "rita")
    assert blocked.status_code == 429
    assert 14 * 60 < int(blocked.headers["retry-after"]) <= 15 * 60 + 1
    assert "Too many failed sign-ins" in blocked.text and "an_session=" not in str(blocked.headers)
    # Someone else behind the same address signs in as usual, and so does rita elsewhere.
    assert post_login(rv.client, "adam").status_code == 303
    assert post_login(rv.client, "rita", address="203.0.113.9").status_code == 303
    # An X-Forwarded-For the app was not told to trust changes nothing (uvicorn, not the
    # app, applies the header, and only for FORWARDED_ALLOW_IPS).
    cookie, csrf = login_form(rv.client)
    spoofed = rv.client.request(
        "POST",
        "/login",
        content=f"csrf={csrf}&name=rita&password={PASSWORD}",
        headers={**FORM, "cookie": cookie, "x-forwarded-for": "198.51.100.7"},
    )
    assert spoofed.status_code == 429


def test_successful_sign_ins_are_never_counted(rv: Review) -> None:
    for _ in range(4):
        assert post_login(rv.client, "rita", "wrong password").status_code == 401
    assert post_login(rv.client, "rita").status_code == 303  # and it clears rita's failures
    for _ in range(4):
        assert post_login(rv.client, "rita", "wrong password").status_code == 401
    for _ in range(8):
        assert post_login(rv.client, "adam").status_code == 303
    assert post_login(rv.client, "rita").status_code == 303


def test_login_form_sets_a_csrf_cookie_and_field(rv: Review) -> None:
    page = rv.client.get("/login")
    (cookie,) = page.headers.get_list("set-cookie")
    token = first(r"^__Host-an_login=([^;]+);", cookie)
    assert first(r'name="csrf" value="([^"]+)"', page.text) == token
    attributes = cookie.lower()
    for attribute in ("httponly", "secure", "samesite=lax", "path=/", "max-age=3600"):
        assert attribute in attributes
    assert "domain=" not in attributes
    # The browser's token is kept, so two open sign-in tabs both work.
    again = rv.client.get("/login", headers={"cookie": f"__Host-an_login={token}"})
    assert first(r'name="csrf" value="([^"]+)"', again.text) == token
    # The sign-in form shown on a review screen to a signed-out visitor carries one too.
    screen = rv.client.get("/review")
    assert screen.status_code == 401 and 'name="csrf" value="' in screen.text


@pytest.mark.parametrize(
    "case", ["no token", "no cookie", "wrong token", "another form's token", "cross-site"]
)
def test_login_post_needs_the_forms_csrf_token(rv: Review, case: str) -> None:
    cookie, csrf = login_form(rv.client)
    other_cookie, other_csrf = login_form(rv.client)  # e.g. an attacker's own copy
    headers = {**FORM, "cookie": cookie}
    sent = {
        "no token": "",
        "no cookie": csrf,
        "wrong token": "x" * 43,
        "another form's token": other_csrf,
        "cross-site": csrf,
    }[case]
    if case == "no cookie":
        headers.pop("cookie")
    if case == "cross-site":
        headers["sec-fetch-site"] = "cross-site"
    r = rv.client.request(
        "POST", "/login", headers=headers, content=f"csrf={sent}&name=rita&password={PASSWORD}"
    )
    assert r.status_code == 403
    assert "This sign-in form has expired or was not sent from this site" in r.text
    assert not any(c.startswith("an_session=") for c in r.headers.get_list("set-cookie"))
    # The page offers a working form again.
    assert 'name="csrf" value="' in r.text and other_cookie != cookie


def test_login_csrf_token_that_is_not_ascii_is_refused_not_a_crash(rv: Review) -> None:
    cookie, _ = login_form(rv.client)
    r = rv.client.request(
        "POST",
        "/login",
        headers={**FORM, "cookie": cookie},
        content=f"csrf=%C3%A9&name=rita&password={PASSWORD}",
    )
    assert r.status_code == 403
    forged = rv.client.request(
        "POST",
        "/review/posts/anp-ref-000001-0000/approve",
        headers={**FORM, "cookie": f"an_session={rv.cookies['rita']}"},
        content="csrf=%C3%A9",
    )
    assert forged.status_code == 403


def test_signing_in_ends_the_login_csrf_cookie(rv: Review) -> None:
    r = post_login(rv.client, "rita")
    assert r.status_code == 303
    (ended,) = [c for c in r.headers.get_list("set-cookie") if "an_login=" in c]
    assert ended.startswith("__Host-an_login=") and "max-age=0" in ended.lower()
    assert "secure" in ended.lower()  # a __Host- cookie is only replaced by a Secure one


def test_api_import_reports_rejects(rv: Review) -> None:
    auth = {"authorization": f"Bearer {rv.tokens['import']}"}
    bad = variant(60).replace("reading time9", "reading timenine")
    r = rv.client.request("POST", "/api/v1/import", headers=auth, content=bad)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "meta.reading_time"
    ok = rv.client.request("POST", "/api/v1/import", headers=auth, content=variant(61))
    assert ok.status_code == 200 and ok.json()["imported"] == 1


def test_secrets_are_never_stored_or_logged_in_clear(
    rv: Review, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    login(rv.client, "adam")
    rv.client.request(
        "POST",
        "/api/v1/import",
        content=variant(70),
        headers={"authorization": f"Bearer {rv.tokens['import']}"},
    )
    engine = rv.client.app.state.engine
    with engine.connect() as conn:
        dump = "\n".join(
            str(row)
            for table in ("users", "api_tokens", "sessions", "review_log", "login_attempts")
            for row in conn.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608
        )
    secrets = [PASSWORD, *rv.tokens.values(), *rv.cookies.values()]
    for secret in secrets:
        assert secret not in dump
        assert secret not in caplog.text
    assert "$argon2id$" in dump


def test_api_reject_without_a_note_names_the_json_field(rv: Review) -> None:
    auth = {"authorization": f"Bearer {rv.tokens['review']}"}
    for body in ({"action": "reject"}, {"action": "reject", "note": "  "}):
        r = rv.client.request(
            "POST", "/api/v1/posts/anp-ref-000001-0000/review", headers=auth, json=body
        )
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["code"] == "AN-REVIEW-002"
        assert '"note"' in error["expected"] and "--note" not in r.text
    assert review.pending(rv.client.app.state.engine)[:1] == ["anp-ref-000001-0000"]


def test_api_refuses_to_reject_the_live_revision(rv: Review) -> None:
    auth = {"authorization": f"Bearer {rv.tokens['review']}"}
    body = {"action": "reject", "note": "too late"}
    r = rv.client.request("POST", f"/api/v1/posts/{SEED_REF}/review", headers=auth, json=body)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "AN-REVIEW-003" and "is live" in error["what"]
    assert error["retry_safe"] is False and "retract" in error["expected"]
    assert rv.client.get(f"/api/v1/posts/{SEED_REF}").status_code == 200


def test_queue_facet_counts_follow_the_active_filters(rv: Review) -> None:
    cookie = {"cookie": f"an_session={rv.cookies['rita']}"}

    def facet(page: str, kind: str, value: str) -> tuple[int, str]:
        """The count shown beside a facet value, and where its link leads."""
        found = re.search(
            rf'<a class="badge" href="/review\?([^"]*)"[^>]*>{re.escape(value)} \((\d+)\)</a>',
            page.split(f"<strong>{kind}</strong>")[1].split("</p>")[0],
        )
        assert found is not None, f"{kind} {value} not shown"
        return int(found[2]), html.unescape(found[1])

    everything = rv.client.get("/review", headers=cookie).text
    assert facet(everything, "flag", "needs_human_review")[0] == 3
    near = rv.client.get("/review?near_duplicate=yes", headers=cookie).text
    count, link = facet(near, "flag", "needs_human_review")
    assert count == 2  # pending posts 2 and 3: the near-duplicates among the three
    # Each count is what following its link shows.
    assert f"{count} pending" in rv.client.get(f"/review?{link}", headers=cookie).text
    assert sorted(link.split("&")) == ["flag=needs_human_review", "near_duplicate=yes"]
    # A kind's own filter does not narrow its counts: choosing a value replaces it.
    assert facet(near, "near duplicate", "yes")[0] == 2


def test_queue_shows_a_live_post_with_a_pending_revision(rv: Review, tmp_path: Path) -> None:
    engine = rv.client.app.state.engine
    edited = tmp_path / "edited.txt"
    edited.write_text(seed_text().replace("final notes", "closing thoughts"), "utf-8")
    importer.import_sources(engine, rv.settings, resolve([str(edited)]))
    page = rv.client.get("/review", headers={"cookie": f"an_session={rv.cookies['rita']}"}).text
    row = page.split(f"<small>{SEED_REF}</small>")[1].split("</tr>")[0]
    assert "<td>update<br><small>revision 2 pending · live 1</small></td>" in row
    assert "<td>new</td>" in page  # posts never approved are new to the site


def test_oversized_form_is_refused(rv: Review) -> None:
    r = rv.client.request(
        "POST",
        "/login",
        content="name=" + "a" * 200_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413


def test_review_page_and_queue_show_near_duplicates(rv: Review) -> None:
    # "pending post N" pages are the seed with another title: the same body, found at import.
    # Files are imported in name order, so "pending post 1" is the original of the others.
    cookie = {"cookie": f"an_session={rv.cookies['rita']}"}
    page = rv.client.get("/review/posts/anp-ref-000002-0000", headers=cookie).text
    assert "near-duplicate of" in page
    assert '<a href="/review/posts/anp-ref-000001-0000">pending post 1</a>' in page
    assert "body 100 % alike" in page
    assert "near_duplicate: yes" in page  # the revision's facet
    queue = rv.client.get("/review?near_duplicate=yes", headers=cookie).text
    assert "pending post 2" in queue and "pending post 3" in queue
    assert "pending post 1" not in queue
    original = rv.client.get("/review/posts/anp-ref-000001-0000", headers=cookie).text
    assert "near-duplicate of" not in original  # the original is not marked


def test_review_page_is_the_article_with_its_facts(rv: Review) -> None:
    who = {"cookie": f"an_session={rv.cookies['rita']}"}
    page = rv.client.get("/review/posts/anp-ref-000001-0000", headers=who)
    assert page.status_code == 200
    assert '<article class="post">' in page.text and "Similar Posts" in page.text
    assert "age in the queue" in page.text and "import run" in page.text


def test_changed_post_opens_on_the_word_difference(rv: Review, tmp_path: Path) -> None:
    changed = seed_text().replace("alphanode", "alphanodeX", 1)
    assert changed != seed_text()
    (tmp_path / "seed.txt").write_text(changed, "utf-8")
    importer.import_sources(rv.client.app.state.engine, rv.settings, resolve([str(tmp_path)]))
    who = {"cookie": f"an_session={rv.cookies['rita']}"}
    page = rv.client.get(f"/review/posts/{SEED_REF}", headers=who)
    assert "Changes: revision 1 → 2" in page.text
    assert "<ins>" in page.text and "<del>" in page.text
    compare = rv.client.get(f"/review/posts/{SEED_REF}/compare?from=1&to=2", headers=who)
    assert compare.status_code == 200 and "revision 1 → 2" in compare.text


def test_decisions_and_not_duplicate_are_in_the_log_with_the_address(rv: Review) -> None:
    r = request_from(
        rv.client,
        "10.1.2.3",
        "/review/posts/anp-ref-000002-0000/not-duplicate",
        f"csrf={rv.csrf['rita']}",
        {**FORM, "cookie": f"an_session={rv.cookies['rita']}"},
    )
    assert r.status_code == 303
    who = {"cookie": f"an_session={rv.cookies['rita']}"}
    page = rv.client.get("/review/log?action=not_duplicate", headers=who)
    assert "10.1.2.3" in page.text and "not_duplicate" in page.text
    assert "setup" not in page.text  # the filter applies
    assert "setup" in rv.client.get("/review/log", headers=who).text


def test_queue_filters_on_the_source_status(rv: Review) -> None:
    engine = rv.client.app.state.engine
    ghost = FIXTURES / "formats" / "ghost" / "export.json"
    importer.import_sources(engine, rv.settings, resolve([str(ghost)]))
    cookie = {"cookie": f"an_session={rv.cookies['rita']}"}
    everything = rv.client.get("/review", headers=cookie).text
    assert "<strong>source status</strong>" in everything
    assert 'href="/review?source_status=draft"' in everything
    drafts = rv.client.get("/review?source_status=draft", headers=cookie).text
    assert "1 pending" in drafts
    assert "Draft: WAL archiving" in drafts
    assert "Tuning PostgreSQL autovacuum" not in drafts
