"""Fixing a post on the review desk, claims, and two reviewers at once, on both databases."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.errors import AlphanodeError, DocumentRejected
from alphanode.services import claims, desk, editing, importer, review
from alphanode.settings import Settings
from alphanode.store import claims as claim_rows
from alphanode.store import posts
from alphanode.store.migrate import open_database
from alphanode.store.schema import review_log, revisions
from tests.helpers import SEED_REF, seed_text

REF = SEED_REF


def _load(db: Engine, settings: Settings) -> None:
    importer.import_bytes(db, settings, "seed.txt", seed_text().encode())


def _data(db: Engine, **changes: str) -> dict[str, str]:
    """The edit form as the browser would send it back, with ``changes`` made."""
    form, _ = editing.base_document(db, REF)
    data = {"title": form.title, "body": form.body, "based_on": str(form.based_on)}
    data.update({f.name: f.value for f in form.fields})
    return {**data, **changes}


def _revisions(db: Engine) -> list[tuple[int, str, str]]:
    with db.connect() as conn:
        query = sa.select(revisions.c.number, revisions.c.source, revisions.c.review_state)
        return [(r[0], r[1], r[2]) for r in conn.execute(query.order_by(revisions.c.number))]


def _actions(db: Engine) -> list[tuple[str, str, int]]:
    with db.connect() as conn:
        query = sa.select(review_log.c.action, review_log.c.actor, review_log.c.revision)
        return [(r[0], r[1], r[2]) for r in conn.execute(query.order_by(review_log.c.id))]


def test_the_form_round_trips_and_an_unchanged_save_stores_nothing(
    db: Engine, settings: Settings
) -> None:
    _load(db, settings)
    form, doc = editing.base_document(db, REF)
    assert form.based_on == 1 and form.title == doc.title
    assert editing.build(doc, _data(db)).document == doc  # Markdown writer → reader
    saved = editing.save(db, settings, REF, _data(db), "rita")
    assert saved.outcome == "unchanged" and saved.revision == 1
    assert len(_revisions(db)) == 1 and _actions(db) == []


def test_a_save_is_a_new_revision_by_the_reviewer_and_is_logged(
    db: Engine, settings: Settings
) -> None:
    _load(db, settings)
    form, doc = editing.base_document(db, REF)
    body = form.body.replace("boring", "dull", 1)
    assert body != form.body
    data = _data(db, title="a better title", body=body, **{"meta.reading_time": "12"})
    saved = editing.save(db, settings, REF, data, "rita", "192.0.2.7")
    assert (saved.revision, saved.outcome) == (2, "updated")
    assert _revisions(db) == [(1, "seed.txt:3", "pending"), (2, "desk:rita", "pending")]
    new, old = editing.base_document(db, REF)[1], doc
    assert new.title == "a better title" and new.meta["reading_time"] == 12
    assert "dull" in new.prose_text() and "dull" not in old.prose_text()
    (entry,) = desk.log(db, action="edit")
    assert (entry.actor, entry.revision, entry.address) == ("rita", 2, "192.0.2.7")
    assert "from revision 1" in entry.note
    with db.connect() as conn:
        row = posts.find(conn, REF)
        assert row is not None and row.title == "a better title" and row.current_revision == 2
        first = posts.revision(conn, row.id, 1)
        assert first is not None and json.loads(first.document)["title"] == old.title


def test_a_wrong_meta_value_gets_the_import_error_and_nothing_is_stored(
    db: Engine, settings: Settings
) -> None:
    _load(db, settings)
    with pytest.raises(DocumentRejected) as caught:
        editing.save(db, settings, REF, _data(db, **{"meta.reading_time": "nine"}), "rita")
    (problem,) = caught.value.problems
    assert (problem.code, problem.field, problem.value) == (
        "AN-IMPORT-004",
        "meta.reading_time",
        "nine",
    )
    assert problem.expected == "a whole number of minutes"
    with pytest.raises(DocumentRejected, match="title"):
        editing.save(db, settings, REF, _data(db, title="  "), "rita")
    assert len(_revisions(db)) == 1 and _actions(db) == []


def test_a_stale_save_is_refused_and_says_why(db: Engine, settings: Settings) -> None:
    _load(db, settings)
    mine = _data(db, title="mine")
    editing.save(db, settings, REF, _data(db, title="theirs"), "dora")
    with pytest.raises(claims.Stale, match="has revision 2 now.*based on revision 1"):
        editing.save(db, settings, REF, mine, "rita")
    assert [n for n, _, _ in _revisions(db)] == [1, 2]
    assert editing.sent(editing.base_document(db, REF)[0], mine).title == "mine"  # kept


def test_a_claim_keeps_others_out_until_released_taken_over_or_expired(
    db: Engine, settings: Settings
) -> None:
    _load(db, settings)
    held = claims.claim(db, REF, "rita", 30, "192.0.2.1")
    assert held.who == "rita" and claims.current(db, REF) == held
    with pytest.raises(claims.ClaimHeld, match="claimed by rita"):
        editing.save(db, settings, REF, _data(db, title="dora's"), "dora")
    with pytest.raises(claims.ClaimHeld):
        review.approve(db, REF, "dora", seen=1)
    with pytest.raises(claims.ClaimHeld):
        review.reject(db, REF, "dora", "no", seen=1)
    with pytest.raises(claims.ClaimHeld):
        claims.claim(db, REF, "dora", 30)
    with pytest.raises(claims.ClaimHeld):
        claims.release(db, REF, "dora")
    editing.save(db, settings, REF, _data(db, title="rita's"), "rita")  # the holder may
    assert claims.release(db, REF, "rita") and claims.current(db, REF) is None
    claims.claim(db, REF, "rita", 30)
    claims.claim(db, REF, "dora", 30, take_over=True)
    assert claims.current(db, REF).who == "dora"  # type: ignore[union-attr]
    with db.begin() as conn:  # the claim's time has passed
        row = posts.find(conn, REF)
        assert row is not None
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        claim_rows.set_claim(conn, row.id, "dora", past)
    assert claims.current(db, REF) is None
    review.approve(db, REF, "rita", seen=2)
    log = [(a, who) for a, who, _ in _actions(db)]
    assert log == [
        ("claim", "rita"),
        ("edit", "rita"),
        ("release", "rita"),
        ("claim", "rita"),
        ("claim", "dora"),
        ("approve", "rita"),
    ]
    (took,) = desk.log(db, actor="dora")
    assert "took over the claim of rita" in took.note


def _at_once(url: str, *jobs: Callable[[Engine], Any]) -> list[Any]:
    """Run each job in its own thread with its own engine, released together; each result is
    what the job returned or the error it raised."""
    settings = Settings.load(env={}, database_url=url)
    engines = [open_database(settings) for _ in jobs]
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(k: int) -> None:
        start.wait()
        try:
            results[k] = jobs[k](engines[k])
        except AlphanodeError as exc:
            results[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for e in engines:
        e.dispose()
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_two_reviewers_approving_at_once_make_one_decision(
    db: Engine, settings: Settings, database_url: str, attempt: int
) -> None:
    _load(db, settings)
    results = _at_once(
        database_url,
        lambda e: review.approve(e, REF, "rita", revision=1, seen=1),
        lambda e: review.approve(e, REF, "dora", revision=1, seen=1),
    )
    won = [r for r in results if isinstance(r, review.Decision)]
    lost = [r for r in results if isinstance(r, claims.Stale)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "already approved by" in lost[0].what and "nothing was decided twice" in lost[0].what
    assert [a for a, _, _ in _actions(db)] == ["approve"]


@pytest.mark.parametrize("attempt", range(3))
def test_two_reviewers_saving_at_once_make_one_revision(
    db: Engine, settings: Settings, database_url: str, attempt: int
) -> None:
    _load(db, settings)
    first, second = _data(db, title="first edit"), _data(db, title="second edit")
    results = _at_once(
        database_url,
        lambda e: editing.save(e, settings, REF, first, "rita"),
        lambda e: editing.save(e, settings, REF, second, "dora"),
    )
    won = [r for r in results if isinstance(r, editing.Saved)]
    lost = [r for r in results if isinstance(r, claims.Stale)]
    assert len(won) == 1 and len(lost) == 1, results
    assert [n for n, _, _ in _revisions(db)] == [1, 2]
    assert [a for a, _, _ in _actions(db)] == ["edit"]


@pytest.mark.parametrize("attempt", range(3))
def test_an_edit_and_an_approval_at_once_never_publish_unseen_text(
    db: Engine, settings: Settings, database_url: str, attempt: int
) -> None:
    _load(db, settings)
    edit = _data(db, title="edited while approving")
    results = _at_once(
        database_url,
        lambda e: editing.save(e, settings, REF, edit, "rita"),
        lambda e: review.approve(e, REF, "dora", revision=1, seen=1),
    )
    saved, decided = results
    assert isinstance(saved, editing.Saved), saved
    if isinstance(decided, claims.Stale):  # the edit came first: the approval is refused
        assert "has revision 2 now" in decided.what
        assert _revisions(db)[1][2] == "pending" and _revisions(db)[0][2] == "pending"
    else:  # the approval came first: revision 1 is live, the edit waits for review
        assert isinstance(decided, review.Decision) and decided.revision == 1
        assert [s for _, _, s in _revisions(db)] == ["approved", "pending"]
    assert [a for a, _, _ in _actions(db)].count("approve") <= 1
