"""Scheduled publication and unpublication on both databases: the real worker function,
a moved clock, two workers at once, cancelling, expiry and the review log."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.errors import AlphanodeError, UsageError
from alphanode.services import importer, review, scheduling, site
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store import outbox, schedules
from alphanode.store.engine import reading, writing
from alphanode.store.migrate import open_database
from tests.conftest import make_site
from tests.helpers import SEED_REF, seed_text, variant

T0 = dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC)  # a clock of the test's own
POST = "anp-ref-000001-0000"


def load(engine: Engine, settings: Settings, tmp_path: Path, count: int = 3) -> None:
    pages = tmp_path / "pages"
    pages.mkdir(exist_ok=True)
    (pages / "seed.txt").write_text(seed_text(), "utf-8")
    for n in range(1, count + 1):
        (pages / f"{n}.txt").write_text(variant(n, title=f"post {n}"), "utf-8")
    importer.import_sources(engine, settings, resolve([str(pages)]))


def actions(engine: Engine, ref: str) -> list[tuple[str, str]]:
    return [(e.action, e.actor) for e in review.log(engine, ref)]


def is_live(engine: Engine, settings: Settings, slug: str) -> bool:
    return site.article(make_site(settings, engine), slug) is not None


def test_a_scheduled_post_goes_live_when_its_time_passes(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path)
    at = T0 + dt.timedelta(minutes=10)
    shown = scheduling.schedule_publish(db, POST, at, "rita", now=T0, address="10.0.0.7")
    assert shown.publish_at == at and shown.publish_revision == 1
    assert POST in review.pending(db)  # still in the queue, marked, until its time

    before = scheduling.run_due(db, at - dt.timedelta(seconds=1))
    assert before.published == [] and not is_live(db, settings, "post-1")

    report = scheduling.run_due(db, at + dt.timedelta(seconds=30))
    assert report.published == [POST]
    assert is_live(db, settings, "post-1")
    assert POST not in review.pending(db)
    assert scheduling.of(db, POST).publish_at is None
    assert actions(db, POST) == [("schedule_publish", "rita"), ("approve", "scheduler")]
    (entry,) = [e for e in review.log(db, POST) if e.action == "schedule_publish"]
    assert "2030-01-01T09:10Z" in entry.note

    again = scheduling.run_due(db, at + dt.timedelta(minutes=5))  # idempotent
    assert again.published == [] and len(actions(db, POST)) == 2


def test_expiry_takes_a_live_post_down_at_its_time(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path)
    review.approve(db, POST, "rita")
    until = T0 + dt.timedelta(hours=2)
    scheduling.schedule_unpublish(db, POST, until, "rita", now=T0)
    assert scheduling.run_due(db, until - dt.timedelta(minutes=1)).unpublished == []
    assert is_live(db, settings, "post-1")
    assert scheduling.run_due(db, until).unpublished == [POST]
    assert not is_live(db, settings, "post-1")
    assert actions(db, POST)[-2:] == [("schedule_unpublish", "rita"), ("retract", "scheduler")]
    assert scheduling.of(db, POST).unpublish_at is None


def test_publish_then_expire_in_one_pass_after_downtime(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path)
    scheduling.schedule_publish(db, POST, T0 + dt.timedelta(hours=1), "rita", now=T0)
    scheduling.schedule_unpublish(db, POST, T0 + dt.timedelta(hours=2), "rita", now=T0)
    report = scheduling.run_due(db, T0 + dt.timedelta(days=1))  # the worker was down
    assert report.published == [POST] and report.unpublished == [POST]
    assert not is_live(db, settings, "post-1")
    assert [a for a, _ in actions(db, POST)][-2:] == ["approve", "retract"]


def test_cancelling_a_schedule(db: Engine, settings: Settings, tmp_path: Path) -> None:
    load(db, settings, tmp_path)
    at = T0 + dt.timedelta(minutes=10)
    scheduling.schedule_publish(db, POST, at, "rita", now=T0)
    scheduling.schedule_unpublish(db, POST, at + dt.timedelta(days=1), "rita", now=T0)
    left = scheduling.cancel(db, POST, "dora", "publish")
    assert left.publish_at is None and left.unpublish_at is not None
    left = scheduling.cancel(db, POST, "dora")
    assert left.unpublish_at is None
    with pytest.raises(AlphanodeError, match="nothing to cancel"):
        scheduling.cancel(db, POST, "dora")
    assert scheduling.run_due(db, at + dt.timedelta(days=2)).published == []
    assert not is_live(db, settings, "post-1")
    cancelled = [e.note for e in review.log(db, POST) if e.action == "cancel_schedule"]
    assert cancelled == [
        "cancelled publication at 2030-01-01T09:10Z",
        "cancelled unpublication at 2030-01-02T09:10Z",
    ]


def test_a_post_decided_by_hand_is_not_published_again(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path)
    at = T0 + dt.timedelta(minutes=10)
    scheduling.schedule_publish(db, POST, at, "rita", now=T0)
    scheduling.schedule_publish(db, "anp-ref-000002-0000", at, "rita", now=T0)
    review.approve(db, POST, "dora")
    review.reject(db, "anp-ref-000002-0000", "dora", "off topic")
    report = scheduling.run_due(db, at)
    assert report.published == [] and sorted(report.dropped) == [POST, "anp-ref-000002-0000"]
    assert [a for a, _ in actions(db, POST)] == ["schedule_publish", "approve", "cancel_schedule"]
    assert not is_live(db, settings, "post-2")


def test_bad_schedules_are_refused(db: Engine, settings: Settings, tmp_path: Path) -> None:
    load(db, settings, tmp_path)
    with pytest.raises(UsageError, match="not in the future"):
        scheduling.schedule_publish(db, POST, T0 - dt.timedelta(seconds=1), "rita", now=T0)
    with pytest.raises(AlphanodeError, match="not live"):
        scheduling.schedule_unpublish(db, POST, T0 + dt.timedelta(hours=1), "rita", now=T0)
    review.approve(db, SEED_REF, "rita")
    with pytest.raises(AlphanodeError, match="not pending"):
        scheduling.schedule_publish(db, SEED_REF, T0 + dt.timedelta(hours=1), "rita", now=T0)
    scheduling.schedule_publish(db, POST, T0 + dt.timedelta(hours=2), "rita", now=T0)
    with pytest.raises(UsageError, match="not after the publication"):
        scheduling.schedule_unpublish(db, POST, T0 + dt.timedelta(hours=1), "rita", now=T0)
    assert scheduling.of(db, POST).unpublish_at is None  # nothing half-written
    assert [a for a, _ in actions(db, POST)] == ["schedule_publish"]


def test_parse_time() -> None:
    assert scheduling.parse_time("2030-01-01T10:30+01:00", T0) == T0 + dt.timedelta(minutes=30)
    assert scheduling.parse_time("2030-01-01T09:30Z", T0) == T0 + dt.timedelta(minutes=30)
    with pytest.raises(UsageError, match="no timezone"):
        scheduling.parse_time("2030-01-01T09:30", T0)
    assert scheduling.parse_time("2030-01-01T09:30", T0, need_zone=False).tzinfo is dt.UTC
    with pytest.raises(UsageError, match="is not a time"):
        scheduling.parse_time("tomorrow", T0)
    with pytest.raises(UsageError, match="not in the future"):
        scheduling.parse_time("2029-12-31T23:00Z", T0)


def test_a_worker_with_a_stale_list_does_not_publish_twice(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    """Worker B read the due list, then worker A published: B's claim finds nothing."""
    load(db, settings, tmp_path)
    at = T0 + dt.timedelta(minutes=1)
    scheduling.schedule_publish(db, POST, at, "rita", now=T0)
    with reading(db) as conn:
        stale = schedules.due_publish(conn, at, 10)
    assert [s.ref for s in stale] == [POST]
    assert scheduling.run_due(db, at).published == [POST]
    report = scheduling.RunReport()
    with writing(db) as conn:
        scheduling._publish_one(conn, stale[0], at, report)
    assert report.published == [] and report.taken_elsewhere == 1
    assert actions(db, POST).count(("approve", "scheduler")) == 1


def test_two_workers_at_once_publish_each_post_once(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path, count=6)
    at = T0 + dt.timedelta(minutes=1)
    refs = [f"anp-ref-00000{n}-0000" for n in range(1, 7)]
    for ref in refs:
        scheduling.schedule_publish(db, ref, at, "rita", now=T0)
    engines = [open_database(settings), open_database(settings)]  # two processes' pools
    start = threading.Barrier(2)
    reports: list[scheduling.RunReport] = []
    failures: list[BaseException] = []

    def work(engine: Engine) -> None:
        try:
            start.wait()
            reports.append(scheduling.run_due(engine, at))
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert failures == []
    published = sorted(r for report in reports for r in report.published)
    assert published == refs
    for ref in refs:
        assert actions(db, ref).count(("approve", "scheduler")) == 1
        assert review.log(db, ref)[-1].action == "approve"


def test_the_site_worker_runs_the_pass_and_indexes(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path)
    scheduling.schedule_publish(db, POST, T0 + dt.timedelta(minutes=1), "rita", now=T0)
    runtime = make_site(settings, db)
    clock = [T0]
    worker = scheduling.Scheduler(runtime, clock=lambda: clock[0])
    first = worker.run_once()
    assert first is not None and first.published == []
    clock[0] = T0 + dt.timedelta(minutes=2)
    second = worker.run_once()
    assert second is not None and second.published == [POST]
    with reading(db) as conn:
        assert outbox.pending(conn) == 0  # the approval's outbox row went into the index
    runtime.close()
