"""Hostile request bodies and form fields: each a clear 4xx error, never a 500."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.helpers import SEED_REF
from tests.web import test_review
from tests.web.test_review import Review

# The review tests' site (people, tokens, sessions), a copy per test, on both databases.
template = test_review.template
rv = test_review.rv

DEEP_ARRAY = b"[" * 100_000
DEEP_OBJECTS = b'{"a":' * 5000 + b"1" + b"}" * 5000
LONG_NUMBER = b'{"title": "x", "meta": {"view_count": ' + b"9" * 5000 + b"}}"


def bearer(rv: Review, scope: str) -> dict[str, str]:
    return {"authorization": f"Bearer {rv.tokens[scope]}"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (DEEP_ARRAY, "JSON nested at most"),
        (DEEP_OBJECTS, "JSON nested at most"),
        (LONG_NUMBER, "JSON numbers of at most"),
    ],
    ids=["deep-array", "deep-objects", "5000-digits"],
)
def test_hostile_import_bodies_are_rejected_documents(
    rv: Review, body: bytes, expected: str
) -> None:
    r = rv.client.request("POST", "/api/v1/import", content=body, headers=bearer(rv, "import"))
    assert r.status_code == 422, r.text
    report = r.json()
    assert (report["imported"], report["rejected"]) == (0, 1)
    (error,) = report["errors"]
    assert error["code"] == "AN-IMPORT-003" and error["retry_safe"] is False
    assert error["expected"].startswith(expected)


def test_wordpress_export_body_is_not_a_page(rv: Review) -> None:
    wxr = b'<?xml version="1.0"?>\n<rss xmlns:wp="http://wordpress.org/export/1.2/">'
    r = rv.client.request("POST", "/api/v1/import", content=wxr, headers=bearer(rv, "import"))
    assert r.status_code == 422
    report = r.json()
    # Read by the WordPress reader (cut short: not well-formed), never imported as a page.
    assert report["imported"] == 0 and report["errors"][0]["code"] == "AN-IMPORT-031"


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"[" * 20_000, "nested more than 8 levels"),
        (b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "nested more than 8 levels"),
        (b'{"action": "approve", "revision": 99999999999999999999999}', "revision 9999"),
        (b'{"action": "approve", "revision": ' + b"9" * 5000 + b"}", "the number 9999"),
        (b'{"action": "approve", "revision": 1e999}', "the number 1e999"),
        (b'{"action": "approve", "revision": NaN}', "the JSON constant NaN"),
        (b'{"action": "approve", "revision": true}', "revision True"),
        (b'{"action": "approve", "revision": 0}', "revision 0"),
        (b'{"action": "approve", "revision": 2147483648}', "revision 2147483648"),
        (b'{"action": "approve"\xff}', "is not UTF-8"),
    ],
)
def test_hostile_review_bodies_are_usage_errors(rv: Review, body: bytes, what: str) -> None:
    r = rv.client.request(
        "POST", f"/api/v1/posts/{SEED_REF}/review", content=body, headers=bearer(rv, "review")
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "AN-REQUEST-002" and error["retry_safe"] is False
    assert what in error["what"]


@pytest.mark.parametrize(
    "body",
    [b'{"action": "reject", "note": "' + b"x" * (20 * 1024 * 1024) + b'"}', b"[" * 100_000],
    ids=["20-MiB-note", "100k-brackets"],
)
def test_review_body_size_is_bounded(rv: Review, body: bytes) -> None:
    r = rv.client.request(
        "POST", f"/api/v1/posts/{SEED_REF}/review", content=body, headers=bearer(rv, "review")
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "AN-REQUEST-001"


@pytest.mark.parametrize("revision", ["\u00b2", "\u0663", "\uff11", "1" * 30, "-1", "0", " 1"])
def test_approve_form_revision_must_be_ascii_digits_in_range(rv: Review, revision: str) -> None:
    body = urlencode({"csrf": rv.csrf["rita"], "note": "ok", "revision": revision})
    r = rv.client.request(
        "POST",
        f"/review/posts/{SEED_REF}/approve",
        content=body,
        headers={
            "cookie": f"an_session={rv.cookies['rita']}",
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert r.status_code == 400, (revision, r.status_code)


def test_approve_form_with_a_good_revision_still_works(rv: Review) -> None:
    body = f"csrf={rv.csrf['rita']}&note=ok&revision=1"
    r = rv.client.request(
        "POST",
        f"/review/posts/{SEED_REF}/approve",
        content=body,
        headers={
            "cookie": f"an_session={rv.cookies['rita']}",
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert r.status_code == 303
