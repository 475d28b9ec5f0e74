"""Claims on the review desk: one reviewer works on a post at a time, for a limited time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from alphanode.content.states import DeskAction, ReviewAction, RevisionState
from alphanode.errors import AlphanodeError, NotFound
from alphanode.store import claims, posts, review
from alphanode.store.engine import reading, writing


class ClaimHeld(AlphanodeError):
    """Another reviewer holds the post's claim: their work is not to be trampled on."""

    code = "AN-REVIEW-010"
    http_status = 409
    exit_code = 2


@dataclass(frozen=True)
class Claim:
    who: str
    until: dt.datetime

    def label(self) -> str:
        return f"{self.who} until {self.until.isoformat(timespec='minutes')[:16]} UTC"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def active(conn: Connection, post_id: int, at: dt.datetime | None = None) -> Claim | None:
    """The post's claim if it has not expired at ``at`` (default: now)."""
    found = claims.holder(conn, post_id)
    if found is None or found[1] <= (at or _now()):
        return None
    return Claim(*found)


def check(conn: Connection, post_id: int, ref: str, actor: str, doing: str) -> None:
    """Raise ``ClaimHeld`` when someone other than ``actor`` holds the post's claim."""
    held = active(conn, post_id)
    if held is not None and held.who != actor:
        raise ClaimHeld(
            f"{ref} is claimed by {held.label()}; {doing} was refused and nothing changed",
            "to wait until the claim ends, or to take the claim over first (Claim → take over)",
        )


def current(engine: Engine, ref_or_slug: str) -> Claim | None:
    with reading(engine) as conn:
        row = posts.find(conn, ref_or_slug)
        return active(conn, row.id) if row is not None else None


def _locked(conn: Connection, ref_or_slug: str) -> posts.PostRow:
    row = posts.find(conn, ref_or_slug, lock=True)
    if row is None:
        raise NotFound(f"no post with reference or slug {ref_or_slug!r}", "an existing post")
    return row


def claim(
    engine: Engine,
    ref_or_slug: str,
    actor: str,
    minutes: int,
    address: str = "",
    *,
    take_over: bool = False,
) -> Claim:
    """Claim the post for ``minutes`` (renewing one's own claim extends it). Someone else's
    live claim is refused unless ``take_over``; taking over is logged with the name of the
    reviewer whose claim ended."""
    with writing(engine) as conn:
        row = _locked(conn, ref_or_slug)
        held = active(conn, row.id)
        note = ""
        if held is not None and held.who != actor:
            if not take_over:
                check(conn, row.id, row.ref, actor, "the claim")
            note = f"took over the claim of {held.who}; "
        until = _now() + dt.timedelta(minutes=minutes)
        claims.set_claim(conn, row.id, actor, until)
        made = Claim(actor, until)
        review.log(
            conn,
            row.id,
            row.current_revision,
            DeskAction.CLAIM.value,
            actor,
            note + f"until {made.label().split(' until ', 1)[1]}",
            address,
        )
    return made


def release(engine: Engine, ref_or_slug: str, actor: str, address: str = "") -> bool:
    """Give the claim back; only its holder can (others take it over). False: the actor
    held no live claim (nothing is logged then)."""
    with writing(engine) as conn:
        row = _locked(conn, ref_or_slug)
        held = active(conn, row.id)
        if held is None or held.who != actor:
            check(conn, row.id, row.ref, actor, "releasing it")
            return False
        claims.set_claim(conn, row.id, None, None)
        review.log(conn, row.id, row.current_revision, DeskAction.RELEASE.value, actor, "", address)
    return True


class Stale(AlphanodeError):
    """The reviewer acted on what the post was when they opened it, and it has moved on
    since (a new revision, or a decision by someone else)."""

    code = "AN-REVIEW-011"
    http_status = 409
    exit_code = 2


def check_seen(
    conn: Connection, row: posts.PostRow, seen: int, doing: str, number: int | None = None
) -> None:
    """Raise ``Stale`` unless revision ``seen`` is still the post's newest and the revision
    acted on (``number``, default ``seen``) is still pending: of two reviewers acting at once
    on what they both saw, the second is refused."""
    if row.current_revision != seen:
        raise Stale(
            f"{row.ref} has revision {row.current_revision} now; you were looking at revision "
            f"{seen}; {doing} was refused and nothing changed",
            "to reload the post and look at the newest revision first",
        )
    number = number or seen
    state = review.revision_state(conn, row.id, number)
    if state != RevisionState.PENDING.value:
        decided = [e for e in review.history(conn, row.id) if e.revision == number]
        by = next(
            (
                f" by {e.actor} at {e.created_at.isoformat(timespec='seconds')[:19]}"
                for e in reversed(decided)
                if e.action in (ReviewAction.APPROVE.value, ReviewAction.REJECT.value)
            ),
            "",
        )
        raise Stale(
            f"revision {number} of {row.ref} was already {state}{by}; {doing} was refused, "
            "so nothing was decided twice",
            "to reload the post: it has left the queue",
        )
