"""The desk's home over real HTTP on both databases: the numbers in its tables are the data
made here, every chart is well-formed SVG with its title and description, hostile titles stay
text; and the review page's scheduling forms (CSRF, bad times, the worker publishing)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from defusedxml import ElementTree
from sqlalchemy.engine import Engine

from alphanode.services import accounts, importer, review, scheduling
from alphanode.services import desk as desk_service
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.web.app import create_app
from tests.conftest import cheap_hasher
from tests.helpers import SEED_REF, seed_text, variant
from tests.web.conftest import Client

PASSWORD = "correct horse battery"
FORM = {"content-type": "application/x-www-form-urlencoded"}
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>window.pwned=1</script> <img src=x onerror="window.pwned=2"> & "quoted"'
P1, P2, P3 = (f"anp-ref-00000{n}-0000" for n in (1, 2, 3))


class DeskClient(Client):
    """The test client around a Site whose clock the test holds."""

    def __init__(self, settings: Settings, clock: list[dt.datetime]) -> None:
        from alphanode.services.runtime import Site

        runtime = Site(settings, hasher=cheap_hasher(), clock=lambda: clock[0])
        self.app = create_app(settings, site=runtime)


@dataclass
class Desk:
    client: DeskClient
    engine: Engine
    clock: list[dt.datetime]
    today: dt.date
    headers: dict[str, str]
    csrf: str
    admin_headers: dict[str, str]
    admin_csrf: str

    def get(self, path: str) -> str:
        r = self.client.get(path, headers=self.headers)
        assert r.status_code == 200, r.text[:500]
        return r.text

    def post(self, path: str, body: str, admin: bool = False) -> int:
        headers = {**(self.admin_headers if admin else self.headers), **FORM}
        return self.client.request("POST", path, headers=headers, content=body).status_code


def _at(base: dt.datetime, days: int) -> dt.datetime:
    return base - dt.timedelta(days=days) + dt.timedelta(hours=1)


def _set_times(engine: Engine, ref: str, entered: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE revisions SET created_at = :t "
                "WHERE post_id = (SELECT id FROM posts WHERE ref = :r)"
            ),
            {"t": entered, "r": ref},
        )


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> Iterator[Desk]:
    """Four posts with known queue times, two decisions, one reject, known views.

    Day D is today (UTC). P1 waits from D-5 to D-2 (approved by rita), P2 from D-3 until
    today (rejected by dora), the seed from D-2 and P3 from D-1 still wait.
    """
    engine = open_database(settings)
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "seed.txt").write_text(seed_text(), "utf-8")
    for n in (1, 2):
        (pages / f"{n}.txt").write_text(variant(n, title=f"post {n}"), "utf-8")
    (pages / "3.txt").write_text(variant(3, title=HOSTILE), "utf-8")
    bad = variant(4).replace("reading time9", "reading timenine")
    (pages / "4.txt").write_text(bad, "utf-8")
    importer.import_sources(engine, settings, resolve([str(pages)]))
    midnight = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)
    for ref, days in ((P1, 5), (P2, 3), (SEED_REF, 2), (P3, 1)):
        _set_times(engine, ref, _at(midnight, days))
    review.approve(engine, P1, "rita")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE review_log SET created_at = :t"), {"t": _at(midnight, 2)})
        ids = {r.ref: r.id for r in conn.execute(sa.text("SELECT ref, id FROM posts"))}
        conn.execute(
            sa.text("INSERT INTO post_views (post_id, day, views) VALUES (:p, :d, :v)"),
            [
                {"p": ids[P1], "d": midnight.date() - dt.timedelta(days=1), "v": 7},
                {"p": ids[P1], "d": midnight.date(), "v": 3},
            ],
        )
    review.reject(engine, P2, "dora", "off topic")
    from alphanode.services.runtime import Site

    runtime = Site(settings, hasher=cheap_hasher(), engine=engine)
    accounts.add_user(runtime, "rita", "reviewer", PASSWORD)
    accounts.add_user(runtime, "adam", "admin", PASSWORD)
    token, who = accounts.login(runtime, "rita", PASSWORD, "127.0.0.1")
    admin_token, admin = accounts.login(runtime, "adam", PASSWORD, "127.0.0.1")
    clock = [dt.datetime.now(dt.UTC)]
    client = DeskClient(settings, clock)
    yield Desk(
        client,
        engine,
        clock,
        clock[0].date(),
        {"cookie": f"an_session={token}"},
        who.csrf,
        {"cookie": f"an_session={admin_token}"},
        admin.csrf,
    )
    client.close()
    engine.dispose()


def table(page: str, table_id: str) -> list[list[str]]:
    """The rows of one table (header cells and data cells), as text."""
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    assert found, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def by_day(rows: list[list[str]], today: dt.date) -> dict[int, list[str]]:
    """Data rows keyed by how many days before today they are."""
    out = {}
    for row in rows[1:]:
        out[(today - dt.date.fromisoformat(row[0])).days] = row[1:]
    return out


def test_the_tables_hold_the_numbers_of_the_data(desk: Desk) -> None:
    page = desk.get("/review/desk")
    size = by_day(table(page, "table-queue-size"), desk.today)
    assert len(size) == 30
    assert [size[k][0] for k in (6, 5, 4, 3, 2, 1, 0)] == ["0", "1", "1", "2", "2", "3", "2"]
    assert size[0] == [str(len(review.pending(desk.engine)))]  # today's is the queue itself
    age = by_day(table(page, "table-queue-age"), desk.today)
    # (oldest, mean) days waited at each day's end: P1 alone, then with P2, then P2 and the
    # seed (P1 approved), then P2, the seed and P3.
    assert [age[k] for k in (6, 5, 4, 3, 2, 1)] == [
        ["0.0", "0.0"],
        ["1.0", "1.0"],
        ["2.0", "2.0"],
        ["3.0", "2.0"],
        ["2.0", "1.5"],
        ["3.0", "2.0"],
    ]
    decisions = table(page, "table-decisions")
    assert decisions[0] == ["Day", "dora", "rita"]
    rows = by_day(decisions, desk.today)
    assert rows[2] == ["0", "1"] and rows[0] == ["1", "0"]
    assert sum(int(c) for r in rows.values() for c in r) == 2
    imports = table(page, "table-imports")
    assert imports[0] == ["Day", "Imported", "Updated", "AN-IMPORT-004"]
    imported = by_day(imports, desk.today)
    assert imported[0] == ["4", "0", "1"] and imported[1] == ["0", "0", "0"]
    views = by_day(table(page, "table-views"), desk.today)
    assert views[1] == ["7"] and views[0] == ["3"] and views[2] == ["0"]
    oldest = table(page, "table-oldest")
    assert [r[0] for r in oldest[1:]] == [
        "production checklist for documenting production defaults in python services: "
        "maintenance guide",
        HOSTILE,
    ]


def test_every_chart_is_well_formed_labelled_svg(desk: Desk) -> None:
    page = desk.get("/review/desk")
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 6
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and desc is not None and title.text and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert page.count("The numbers behind this chart") == 5
    assert "/review/desk" in page  # the navigation links the desk's home


def test_hostile_titles_are_text_on_the_desk(desk: Desk) -> None:
    page = desk.get("/review/desk")
    assert "<script>window.pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    # Inside the SVG too: the title is in the oldest-posts chart as escaped text.
    (oldest,) = [s for s in re.findall(r"<svg .*?</svg>", page, re.S) if "chart-oldest" in s]
    texts = "".join(ElementTree.fromstring(oldest).itertext())
    assert "<script>window.pwned=1</script>" in texts


def test_the_review_page_schedules_and_the_worker_publishes(desk: Desk) -> None:
    page = desk.get(f"/review/posts/{P3}")
    assert 'id="schedule-form"' in page and 'id="publish-at"' in page
    assert 'id="unpublish-at"' not in page  # a reviewer cannot schedule a take-down
    at = desk.clock[0] + dt.timedelta(hours=1)
    local = at.strftime("%Y-%m-%dT%H:%M")
    body = f"csrf={desk.csrf}&revision=1&publish_at={local}"
    assert desk.post(f"/review/posts/{P3}/schedule", "csrf=wrong&publish_at=" + local) == 403
    assert desk.post(f"/review/posts/{P3}/schedule", body) == 303
    shown = desk.get(f"/review/posts/{P3}")
    assert "goes live at" in shown and local.replace("T", "T") in shown
    queue = desk.get("/review")
    assert "goes live " + local in queue
    home = desk.get("/review/desk")
    scheduled = table(home, "table-scheduled")
    assert scheduled[1][0] == HOSTILE and scheduled[1][1].startswith(local)

    # The worker of the app's site, at a moved clock.
    desk.clock[0] = at + dt.timedelta(seconds=30)
    report = scheduling.Scheduler(desk.client.app.state.site).run_once()
    assert report is not None and report.published == [P3]
    assert [e.action for e in review.log(desk.engine, P3)] == ["schedule_publish", "approve"]
    (scheduled_row,) = desk_service.log(desk.engine, action="schedule_publish", ref=P3)
    assert scheduled_row.actor == "rita" and scheduled_row.address == "127.0.0.1"
    assert P3 not in review.pending(desk.engine)


def test_bad_schedules_get_a_clear_answer(desk: Desk) -> None:
    past = (desk.clock[0] - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for body, status, says in (
        (f"publish_at={past}", 400, "not in the future"),
        ("publish_at=soon", 400, "is not a time"),
        ("", 400, "neither a publication nor an unpublication"),
        ("unpublish_at=2099-01-01T00:00", 403, "right to retract"),
    ):
        headers = {**desk.headers, **FORM}
        r = desk.client.request(
            "POST",
            f"/review/posts/{P3}/schedule",
            headers=headers,
            content=f"csrf={desk.csrf}&{body}",
        )
        assert r.status_code == status, (body, r.text[:300])
        assert says in html.unescape(r.text)
    assert review.log(desk.engine, P3) == []


def test_an_admin_schedules_expiry_and_cancels(desk: Desk) -> None:
    later = (desk.clock[0] + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    body = f"csrf={desk.admin_csrf}&unpublish_at={later}"
    assert desk.post(f"/review/posts/{P1}/schedule", body, admin=True) == 303
    assert scheduling.of(desk.engine, P1).unpublish_at is not None
    page = desk.client.get(f"/review/posts/{P1}", headers=desk.admin_headers).text
    assert "Comes down at" in page and 'id="unschedule-form"' in page
    assert desk.post(f"/review/posts/{P1}/unschedule", f"csrf={desk.csrf}&what=both") == 409
    assert scheduling.of(desk.engine, P1).unpublish_at is not None  # a reviewer cannot drop it
    assert desk.post(f"/review/posts/{P1}/unschedule", "csrf=nope&what=both", admin=True) == 403
    assert (
        desk.post(f"/review/posts/{P1}/unschedule", f"csrf={desk.admin_csrf}&what=both", True)
        == 303
    )
    assert scheduling.of(desk.engine, P1).unpublish_at is None
    assert review.log(desk.engine, P1)[-1].action == "cancel_schedule"
