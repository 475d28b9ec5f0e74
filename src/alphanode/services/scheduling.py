"""Scheduled publication and unpublication: set, cancel, and carry out when due.

A reviewer schedules a pending revision to go live at a time, and a post to come down at a
time (``posts.publish_at``/``publish_revision``/``unpublish_at``); the ``Scheduler`` of each
web worker runs ``run_due`` every ``schedule_check_seconds``. Every schedule, cancellation
and the worker's own decision is a review-log row. The worker claims a due schedule with a
conditional UPDATE in the same transaction as the decision, so when several workers (or
several ``serve`` processes) run at once exactly one of them publishes, and a crash between
claim and decision rolls both back. Time is always passed in (``now``), so tests move a
clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine

from alphanode.content.states import DeskAction, PostStatus, ReviewAction, RevisionState
from alphanode.errors import AlphanodeError, NotFound, UsageError
from alphanode.services import review as review_service
from alphanode.services.periodic import Periodic
from alphanode.store import posts, review, schedules
from alphanode.store.engine import reading, writing
from alphanode.store.schedules import Schedule, utc

if TYPE_CHECKING:
    from alphanode.services.runtime import Site

logger = logging.getLogger("alphanode.scheduling")
SCHEDULER = "scheduler"  # the review log's actor for the worker's own decisions
DUE_BATCH = 100
Clock = Callable[[], dt.datetime]


class ScheduleError(review_service.ReviewError):
    code = "AN-SCHEDULE-001"


def parse_time(
    text: str, now: dt.datetime, what: str = "--at", *, need_zone: bool = True
) -> dt.datetime:
    """ISO 8601 text → an aware UTC datetime later than ``now``; anything else is a usage
    error naming ``what``, the value seen and what is expected. ``need_zone=False`` reads a
    time without an offset as UTC (the desk's form says so beside the field)."""
    value = text.strip()
    expected = "an ISO 8601 time with a timezone, e.g. 2026-12-24T09:00+01:00 or 2026-12-24T08:00Z"
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{what} {value!r} is not a time", expected) from None
    if when.tzinfo is None:
        if need_zone:
            raise UsageError(f"{what} {value!r} has no timezone", expected)
        when = when.replace(tzinfo=dt.UTC)
    when = when.astimezone(dt.UTC)
    if when <= utc(now):
        raise UsageError(
            f"{what} {value!r} is not in the future (now is {_iso(now)})",
            "a time later than now (to act now, approve or retract without a time)",
        )
    return when


def _iso(value: dt.datetime) -> str:
    return utc(value).isoformat(timespec="minutes").replace("+00:00", "Z")


def _post(conn: Connection, ref_or_slug: str) -> posts.PostRow:
    row = posts.find(conn, ref_or_slug)
    if row is None:
        raise NotFound(f"no post with reference or slug {ref_or_slug!r}", "an existing post")
    return row


def schedule_publish(
    engine: Engine,
    ref_or_slug: str,
    at: dt.datetime,
    actor: str,
    *,
    now: dt.datetime,
    revision: int | None = None,
    address: str = "",
) -> Schedule:
    """Approve revision ``revision`` (default: the newest) at ``at``: it stays in the queue,
    marked, until the worker publishes it. A new time replaces an earlier one."""
    if utc(at) <= utc(now):
        raise UsageError(f"publication time {_iso(at)} is not in the future", "a later time")
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug)
        number = revision or row.current_revision
        state = review.revision_state(conn, row.id, number)
        if state != RevisionState.PENDING.value:
            raise ScheduleError(
                f"revision {number} of {row.ref} is {state or 'missing'}, not pending",
                "a pending revision (only what awaits review can be scheduled)",
            )
        current = schedules.of(conn, row.id)
        if current.unpublish_at is not None and current.unpublish_at <= utc(at):
            raise UsageError(
                f"publication at {_iso(at)} is not before the unpublication at "
                f"{_iso(current.unpublish_at)}",
                "a publication time before the unpublication time (or cancel that first)",
            )
        schedules.set_publish(conn, row.id, number, at)
        note = f"publish revision {number} at {_iso(at)}"
        review.log(conn, row.id, number, DeskAction.SCHEDULE_PUBLISH.value, actor, note, address)
        done = schedules.of(conn, row.id)
    logger.info("schedule: %s will publish %s revision %d at %s", actor, row.ref, number, _iso(at))
    return done


def schedule_unpublish(
    engine: Engine,
    ref_or_slug: str,
    at: dt.datetime,
    actor: str,
    *,
    now: dt.datetime,
    address: str = "",
) -> Schedule:
    """Take the post down at ``at`` (it must be live, or scheduled to go live before then)."""
    if utc(at) <= utc(now):
        raise UsageError(f"unpublication time {_iso(at)} is not in the future", "a later time")
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug)
        current = schedules.of(conn, row.id)
        if row.status != PostStatus.APPROVED.value and current.publish_at is None:
            raise ScheduleError(
                f"{row.ref} is not live ({row.status.replace('_', ' ')}) and not scheduled "
                "to go live",
                "a live post, or one with a publication time",
            )
        if current.publish_at is not None and current.publish_at >= utc(at):
            raise UsageError(
                f"unpublication at {_iso(at)} is not after the publication at "
                f"{_iso(current.publish_at)}",
                "an unpublication time after the publication time",
            )
        schedules.set_unpublish(conn, row.id, at)
        number = row.live_revision or row.current_revision
        note = f"unpublish at {_iso(at)}"
        review.log(conn, row.id, number, DeskAction.SCHEDULE_UNPUBLISH.value, actor, note, address)
        done = schedules.of(conn, row.id)
    logger.info("schedule: %s will unpublish %s at %s", actor, row.ref, _iso(at))
    return done


CANCEL_WHAT = ("publish", "unpublish", "both")


def cancel(
    engine: Engine, ref_or_slug: str, actor: str, what: str = "both", address: str = ""
) -> Schedule:
    """Drop the scheduled publication, unpublication or both; logged with what was dropped."""
    if what not in CANCEL_WHAT:
        raise UsageError(f"cancel {what!r}", "one of " + ", ".join(CANCEL_WHAT))
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug)
        current = schedules.of(conn, row.id)
        dropped: list[str] = []
        if what in ("publish", "both") and current.publish_at is not None:
            schedules.clear_publish(conn, row.id)
            dropped.append(f"publication at {_iso(current.publish_at)}")
        if what in ("unpublish", "both") and current.unpublish_at is not None:
            schedules.set_unpublish(conn, row.id, None)
            dropped.append(f"unpublication at {_iso(current.unpublish_at)}")
        if not dropped:
            raise ScheduleError(
                f"nothing to cancel: {row.ref} has no scheduled "
                + {"publish": "publication", "unpublish": "unpublication"}.get(what, "time"),
                "a post with a schedule",
            )
        number = current.publish_revision or row.current_revision
        note = "cancelled " + " and ".join(dropped)
        review.log(conn, row.id, number, DeskAction.CANCEL_SCHEDULE.value, actor, note, address)
        done = schedules.of(conn, row.id)
    logger.info("schedule: %s %s for %s", actor, note, row.ref)
    return done


def of(engine: Engine, ref_or_slug: str) -> Schedule:
    with reading(engine) as conn:
        return schedules.of(conn, _post(conn, ref_or_slug).id)


def for_posts(engine: Engine, ids: list[int]) -> dict[int, Schedule]:
    with reading(engine) as conn:
        return schedules.for_posts(conn, ids)


def upcoming(engine: Engine, limit: int = 50) -> list[Schedule]:
    with reading(engine) as conn:
        return schedules.upcoming(conn, limit)


@dataclass
class RunReport:
    """What one ``run_due`` did (references), and what another worker had already taken."""

    published: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    taken_elsewhere: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.published or self.unpublished)


def _publish_one(conn: Connection, item: Schedule, now: dt.datetime, report: RunReport) -> None:
    number = schedules.take_publish(conn, item.post_id, now)
    if number is None:
        report.taken_elsewhere += 1
        return
    row = posts.by_id(conn, item.post_id)
    state = review.revision_state(conn, item.post_id, number)
    if row is None:
        return
    if state != RevisionState.PENDING.value:
        # Decided by hand meanwhile (approved or rejected): the schedule has nothing to do.
        note = f"scheduled publication dropped: revision {number} is {state or 'missing'}"
        review.log(conn, row.id, number, DeskAction.CANCEL_SCHEDULE.value, SCHEDULER, note)
        report.dropped.append(row.ref)
        return
    note = f"scheduled publication due {_iso(item.publish_at or now)}"
    review_service.decide_in(conn, row, number, ReviewAction.APPROVE, SCHEDULER, note)
    report.published.append(row.ref)


def _unpublish_one(conn: Connection, item: Schedule, now: dt.datetime, report: RunReport) -> None:
    if not schedules.take_unpublish(conn, item.post_id, now):
        report.taken_elsewhere += 1
        return
    row = posts.by_id(conn, item.post_id)
    if row is None:
        return
    if row.status != PostStatus.APPROVED.value or row.live_revision is None:
        note = f"scheduled unpublication dropped: the post is {row.status.replace('_', ' ')}"
        review.log(
            conn, row.id, row.current_revision, DeskAction.CANCEL_SCHEDULE.value, SCHEDULER, note
        )
        report.dropped.append(row.ref)
        return
    note = f"scheduled unpublication due {_iso(item.unpublish_at or now)}"
    review_service.decide_in(conn, row, row.live_revision, ReviewAction.RETRACT, SCHEDULER, note)
    report.unpublished.append(row.ref)


def _drop_failed(engine: Engine, item: Schedule, which: str, exc: AlphanodeError) -> None:
    """A schedule whose decision the state machine refused: cleared, with the reason logged,
    so the worker does not retry it every interval."""
    with writing(engine) as conn:
        if which == "publish":
            schedules.clear_publish(conn, item.post_id)
        else:
            schedules.set_unpublish(conn, item.post_id, None)
        row = posts.by_id(conn, item.post_id)
        number = row.current_revision if row is not None else 0
        note = f"scheduled {which} dropped: {exc.what}"
        review.log(conn, item.post_id, number, DeskAction.CANCEL_SCHEDULE.value, SCHEDULER, note)


def run_due(engine: Engine, now: dt.datetime, limit: int = DUE_BATCH) -> RunReport:
    """Carry out every publication, then every unpublication, due at ``now``: one
    transaction per post (claim, decide, log), so a failure costs one post, not the run."""
    report = RunReport()
    with reading(engine) as conn:
        due = schedules.due_publish(conn, now, limit)
    for item in due:
        try:
            with writing(engine) as conn:
                _publish_one(conn, item, now, report)
        except AlphanodeError as exc:
            logger.warning("schedule: publishing %s failed: %s", item.ref, exc.message())
            _drop_failed(engine, item, "publish", exc)
            report.dropped.append(item.ref)
    with reading(engine) as conn:
        gone = schedules.due_unpublish(conn, now, limit)
    for item in gone:
        try:
            with writing(engine) as conn:
                _unpublish_one(conn, item, now, report)
        except AlphanodeError as exc:
            logger.warning("schedule: unpublishing %s failed: %s", item.ref, exc.message())
            _drop_failed(engine, item, "unpublish", exc)
            report.dropped.append(item.ref)
    for ref in report.published:
        logger.info("schedule: published %s", ref)
    for ref in report.unpublished:
        logger.info("schedule: unpublished %s", ref)
    return report


class Scheduler:
    """A web worker's background thread: ``run_due`` every ``schedule_check_seconds``,
    then the search index catches up with what it published or took down."""

    def __init__(self, site: Site, clock: Clock | None = None) -> None:
        self.site = site
        self.clock = clock  # None: the site's clock, read at each pass
        self._periodic = Periodic(
            "alphanode-schedule", site.settings.schedule_check_seconds, self.run_once, final=False
        )

    def run_once(self) -> RunReport | None:
        """One pass; never raises (the thread must outlive a database hiccup)."""
        try:
            report = run_due(self.site.engine, (self.clock or self.site.clock)())
        except Exception:
            logger.exception("schedule: the scheduled-publication pass failed; next pass retries")
            return None
        if report.changed:
            self.site.index_pending()
        return report

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
