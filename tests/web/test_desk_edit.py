"""The review desk's edit form and claims over real HTTP through the app: saving a new
revision, Preview without JavaScript, refusals that keep the reviewer's text, CSRF."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa

from alphanode.services import accounts, editing, importer
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.store.schema import revisions
from tests.conftest import make_site
from tests.helpers import SEED_REF, first, seed_text
from tests.web.conftest import Client
from tests.web.test_rich_body import parsed

PASSWORD = "correct horse battery"
FORM = {"content-type": "application/x-www-form-urlencoded"}
EDIT = f"/review/posts/{SEED_REF}/edit"


@dataclass
class Desk:
    client: Client
    settings: Settings
    people: dict[str, tuple[str, str]]  # name → (session cookie, CSRF token)

    def get(self, who: str, path: str) -> str:
        r = self.client.get(path, headers={"cookie": self.people[who][0]})
        assert r.status_code == 200, r.text[:300]
        return r.text

    def post(
        self, who: str, path: str, fields: dict[str, str], csrf: bool = True
    ) -> httpx.Response:
        cookie, token = self.people[who]
        body = urlencode({**fields, "csrf": token if csrf else "stale"})
        return self.client.request("POST", path, content=body, headers={**FORM, "cookie": cookie})


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    settings = Settings.load(
        env={}, database_url=f"sqlite:///{tmp_path / 'd.db'}", page_cache_check_seconds=0
    )
    engine = open_database(settings)
    importer.import_bytes(engine, settings, "seed.txt", seed_text().encode())
    runtime = make_site(settings, engine)
    people = {}
    for name in ("rita", "dora"):
        accounts.add_user(runtime, name, "reviewer", PASSWORD)
        token, who = accounts.login(runtime, name, PASSWORD, "127.0.0.1")
        people[name] = (f"an_session={token}", who.csrf)
    engine.dispose()
    client = Client(settings)
    yield Desk(client, settings, people)
    client.close()


def _form(desk: Desk, who: str = "rita", **changes: str) -> dict[str, str]:
    """The edit form's fields as the page holds them, with ``changes`` made."""
    form, _ = editing.base_document(desk.client.app.state.engine, SEED_REF)
    data = {"title": form.title, "body": form.body, "based_on": str(form.based_on)}
    data.update({f.name: f.value for f in form.fields})
    return {**data, **changes}


def _sources(desk: Desk) -> list[str]:
    with desk.client.app.state.engine.connect() as conn:
        query = sa.select(revisions.c.source).order_by(revisions.c.number)
        return list(conn.scalars(query))


def test_the_edit_page_is_a_valid_form_with_the_article_as_markdown(desk: Desk) -> None:
    page = desk.get("rita", EDIT)
    tags = parsed(page)
    assert tags.errors == [] and tags.stack == []
    ids = {attrs.get("id") for _, attrs in tags.tags}
    for needed in ("edit-form", "edit-title", "edit-body", "edit-reading_time", "edit-stack"):
        assert needed in ids
    for field in ("edit-title", "edit-body", "edit-reading_time", "edit-stack"):
        assert f'for="{field}"' in page  # every field has its label
    assert f'name="csrf" value="{desk.people["rita"][1]}"' in page
    assert 'name="based_on" value="1"' in page
    shown = first(r'<textarea id="edit-body" name="body" rows="24">(.*?)</textarea>', page)
    assert html.unescape(shown) == _form(desk)["body"] and "\n\n" in shown
    assert '<script src="/static/desk_edit.js" defer></script>' in page
    assert desk.client.get("/static/desk_edit.js").status_code == 200


def test_saving_stores_a_new_revision_by_the_reviewer_shown_in_the_log(desk: Desk) -> None:
    data = _form(desk)
    data["body"] = data["body"].replace("boring", "dull", 1)
    r = desk.post("rita", EDIT, {**data, "do": "save"})
    assert r.status_code == 303 and r.headers["location"] == f"/review/posts/{SEED_REF}"
    assert _sources(desk) == ["seed.txt:3", "desk:rita"]
    review_page = desk.get("rita", f"/review/posts/{SEED_REF}")
    assert "rita edit revision 2" in review_page and "dull" in review_page
    log = desk.get("rita", "/review/log?action=edit")
    assert "rita" in log and "127.0.0.1" in log and "new revision 2 from revision 1" in log


def test_preview_without_javascript_shows_the_article_and_stores_nothing(desk: Desk) -> None:
    data = _form(desk, title="a previewed title")
    data["body"] = data["body"].replace("boring", "previewed-word", 1)
    r = desk.post("rita", EDIT, {**data, "do": "preview"})
    assert r.status_code == 200
    assert '<article class="post">' in r.text and "previewed-word" in r.text
    assert "<h1>a previewed title</h1>" in r.text
    assert parsed(r.text).errors == []
    assert _sources(desk) == ["seed.txt:3"]
    fragment = desk.post("rita", f"/review/posts/{SEED_REF}/preview", data)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="edit-preview-body"' in fragment.text
    assert "previewed-word" in fragment.text


def test_a_wrong_meta_value_is_named_and_the_text_is_kept(desk: Desk) -> None:
    data = _form(desk, **{"meta.reading_time": "nine"})
    data["body"] += "\n\nmy unsaved paragraph"
    r = desk.post("rita", EDIT, {**data, "do": "save"})
    assert r.status_code == 422
    assert "AN-IMPORT-004" in r.text and "meta.reading_time" in r.text
    assert "expected a whole number of minutes" in r.text
    assert "my unsaved paragraph" in r.text and 'value="nine"' in r.text
    assert _sources(desk) == ["seed.txt:3"]
    fragment = desk.post("rita", f"/review/posts/{SEED_REF}/preview", data)
    assert fragment.status_code == 422 and "meta.reading_time" in fragment.text


def test_a_stale_save_is_refused_with_the_text_kept(desk: Desk) -> None:
    mine = _form(desk, title="rita's title")
    theirs = _form(desk, title="dora's title")
    assert desk.post("dora", EDIT, {**theirs, "do": "save"}).status_code == 303
    r = desk.post("rita", EDIT, {**mine, "do": "save"})
    assert r.status_code == 409
    assert "has revision 2 now" in r.text and "your text is still in the form" in r.text
    assert 'value="rita&#39;s title"' in r.text
    link = first(r'<a href="([^"]+)" id="edit-changed-since"', r.text)
    assert link == f"/review/posts/{SEED_REF}/compare?from=1"
    assert "dora&#39;s title" in desk.get("rita", link)  # what the other reviewer changed
    assert _sources(desk) == ["seed.txt:3", "desk:dora"]


def test_a_claim_is_shown_and_refuses_another_reviewer_until_taken_over(desk: Desk) -> None:
    ref_page = f"/review/posts/{SEED_REF}"
    assert "Not claimed." in desk.get("rita", ref_page)
    assert desk.post("rita", f"{ref_page}/claim", {}).status_code == 303
    assert "Claimed by rita until" in desk.get("dora", ref_page)
    assert "Take over the claim" in desk.get("dora", ref_page)
    assert "Release the claim" in desk.get("rita", ref_page)
    refused = desk.post("dora", EDIT, {**_form(desk, title="dora's"), "do": "save"})
    assert refused.status_code == 409 and "claimed by rita" in refused.text
    approve = desk.post("dora", f"{ref_page}/approve", {"revision": "1", "seen": "1"})
    assert approve.status_code == 409 and "claimed by rita" in approve.text
    assert desk.post("dora", f"{ref_page}/claim", {}).status_code == 409
    took = desk.post("dora", f"{ref_page}/claim", {"take_over": "1"})
    assert took.status_code == 303
    assert desk.post("dora", f"{ref_page}/release", {}).status_code == 303
    log = desk.get("rita", "/review/log")
    assert "took over the claim of rita" in log and "release" in log
    assert (
        desk.post("dora", f"{ref_page}/approve", {"revision": "1", "seen": "1"}).status_code == 303
    )


def test_the_same_revision_cannot_be_approved_twice_from_the_desk(desk: Desk) -> None:
    approve = f"/review/posts/{SEED_REF}/approve"
    assert desk.post("rita", approve, {"revision": "1", "seen": "1"}).status_code == 303
    again = desk.post("dora", approve, {"revision": "1", "seen": "1"})
    assert again.status_code == 409
    assert "already approved by rita" in again.text
    assert "<html" in again.text and "Traceback" not in again.text


@pytest.mark.parametrize("action", ["edit", "preview", "claim", "release"])
def test_every_new_form_needs_the_csrf_token(desk: Desk, action: str) -> None:
    r = desk.post("rita", f"/review/posts/{SEED_REF}/{action}", _form(desk), csrf=False)
    assert r.status_code == 403
    assert _sources(desk) == ["seed.txt:3"]


@pytest.mark.parametrize(
    ("changes", "status", "shown"),
    [
        ({"title": "a NUL \x00 in the title"}, 422, "U+0000"),
        ({"meta.reading_time": "9" * 5000}, 422, "meta.reading_time"),
        ({"meta.view_count": "many"}, 200, "Nothing changed"),  # not a form field: ignored
        ({"based_on": "9" * 50}, 409, "(none given)"),
        ({"based_on": "-1"}, 409, "(none given)"),
        ({"based_on": "7"}, 409, "based on revision 7"),
        ({"title": ""}, 422, "title"),
    ],
    ids=["nul", "5000-digits", "not-a-field", "huge-revision", "negative", "future", "no-title"],
)
def test_hostile_form_fields_get_a_clear_answer_and_nothing_is_stored(
    desk: Desk, changes: dict[str, str], status: int, shown: str
) -> None:
    r = desk.post("rita", EDIT, {**_form(desk), **changes, "do": "save"})
    assert r.status_code == status, r.text[:500]
    assert shown in r.text and "Traceback" not in r.text
    assert parsed(r.text).errors == []
    assert _sources(desk) == ["seed.txt:3"]


def test_markup_typed_into_the_form_comes_back_as_text(desk: Desk) -> None:
    payload = "</textarea><script>alert(1)</script><img src=x onerror=alert(2)>"
    data = _form(desk, title=payload, **{"meta.summary": payload})
    data["body"] = payload + "\n\n" + data["body"]
    for do in ("preview", "save-refused"):
        sent = {**data, "do": do} if do == "preview" else {**data, "based_on": "7"}
        r = desk.post("rita", EDIT, sent)
        assert r.status_code in (200, 409)
        assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text
        assert "&lt;/textarea&gt;&lt;script&gt;alert(1)" in r.text
        tags = parsed(r.text)
        assert tags.errors == [] and tags.stack == []
        assert not [t for t, attrs in tags.tags if any(k.startswith("on") for k in attrs)]
    fragment = desk.post("rita", f"/review/posts/{SEED_REF}/preview", data)
    assert fragment.status_code == 200 and "<script>alert(1)" not in fragment.text


def test_an_oversized_edit_form_is_refused_before_it_is_read(desk: Desk) -> None:
    huge = "x" * (3 * desk.settings.import_max_document_bytes + 1)
    r = desk.post("rita", EDIT, {**_form(desk), "body": huge, "do": "save"})
    assert r.status_code == 413 and "Traceback" not in r.text
    assert _sources(desk) == ["seed.txt:3"]
