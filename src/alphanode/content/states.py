"""The review state machine: post statuses, revision states, actions and the one transition.

Pure (no I/O): the store writes these values, the services decide with ``transition``, and
every path that reviews (CLI, review desk, API, bulk approval) goes through it. A post is
live exactly when its status is ``approved`` (its ``live_revision`` is set then, and only
then); ``store/live.py`` says that once in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alphanode.errors import IllegalTransition


class PostStatus(StrEnum):
    """``posts.status``: where the post as a whole stands."""

    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"  # live: readers see its live revision
    REJECTED = "rejected"  # refused before it ever went live (or after it was taken down)
    RETRACTED = "retracted"  # was live, taken down


class RevisionState(StrEnum):
    """``revisions.review_state``: the reviewer's word on one revision."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # was approved, then another revision was


class ReviewAction(StrEnum):
    """What a reviewer does (``review_log.action``)."""

    APPROVE = "approve"
    REJECT = "reject"
    RETRACT = "retract"


class DeskAction(StrEnum):
    """Review-log rows that are not decisions (the state machine does not see them)."""

    NOT_DUPLICATE = "not_duplicate"
    EDIT = "edit"  # a reviewer stored a new revision from the desk's edit form
    CLAIM = "claim"  # a reviewer took the post to work on (the note says until when)
    RELEASE = "release"  # the claim was given back
    SCHEDULE_PUBLISH = "schedule_publish"  # approve at a time (services/scheduling.py)
    SCHEDULE_UNPUBLISH = "schedule_unpublish"  # take down at a time
    CANCEL_SCHEDULE = "cancel_schedule"  # a schedule dropped (by a reviewer or the worker)


class Publication(StrEnum):
    """What a decision does to the public surfaces."""

    PUBLISH = "publish"  # the revision becomes the live one (others approved: superseded)
    TAKE_DOWN = "take_down"  # nothing of the post stays public
    KEEP = "keep"  # what readers see does not change


class SearchAction(StrEnum):
    """``search_outbox.action``: what the index and Similar Posts must catch up with."""

    INDEX = "index"
    DELETE = "delete"


class ImportOutcome(StrEnum):
    """What an import did with one document. A different concept from the review states
    (``REJECTED`` here means the document failed validation and was not stored)."""

    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    """A legal transition: the post's status afterwards, the acted-on revision's state
    afterwards (``None``: it keeps its state) and what happens to the public surfaces."""

    status: PostStatus
    revision: RevisionState | None
    publication: Publication

    @property
    def search(self) -> SearchAction | None:
        """The outbox entry the decision writes (``None``: nothing public changed)."""
        return {
            Publication.PUBLISH: SearchAction.INDEX,
            Publication.TAKE_DOWN: SearchAction.DELETE,
        }.get(self.publication)


def transition(
    status: PostStatus | str,
    revision: RevisionState | str,
    action: ReviewAction | str,
    subject: str = "the post",
) -> Outcome:
    """The one rule for review decisions.

    ``status`` is the post's status, ``revision`` the state of the revision acted on (for
    approve: the revision chosen; reject: the newest; retract: the live one). Illegal
    combinations raise ``IllegalTransition``; ``subject`` names the post in its message.

    - approve: always legal; the revision goes live.
    - reject: illegal on the live revision (approved post, approved revision); on a live
      post's other revision the post stays live; otherwise the post becomes ``rejected``.
    - retract: legal only on a live (approved) post, which becomes ``retracted``.
    """
    status, revision, action = PostStatus(status), RevisionState(revision), ReviewAction(action)
    live = status is PostStatus.APPROVED
    if action is ReviewAction.APPROVE:
        return Outcome(PostStatus.APPROVED, RevisionState.APPROVED, Publication.PUBLISH)
    if action is ReviewAction.REJECT:
        if live and revision is RevisionState.APPROVED:
            raise IllegalTransition(
                f"cannot reject {subject}: it is live",
                "retract to take a live post down, or reject a newer pending revision",
            )
        if live:
            return Outcome(PostStatus.APPROVED, RevisionState.REJECTED, Publication.KEEP)
        return Outcome(PostStatus.REJECTED, RevisionState.REJECTED, Publication.TAKE_DOWN)
    if not live:
        raise IllegalTransition(
            f"cannot retract {subject}: it is not live (status {status})", "an approved post"
        )
    return Outcome(PostStatus.RETRACTED, None, Publication.TAKE_DOWN)


def allowed_from(action: ReviewAction | str) -> dict[tuple[PostStatus, RevisionState], Outcome]:
    """Every (post status, revision state) pair ``action`` is legal from, with its outcome.

    Derived from ``transition`` itself (each pair is tried), so bulk paths can filter rows
    in one SQL condition on these pairs and apply one outcome per pair, without a second
    copy of the rule.
    """
    out: dict[tuple[PostStatus, RevisionState], Outcome] = {}
    for status in PostStatus:
        for revision in RevisionState:
            try:
                out[(status, revision)] = transition(status, revision, action)
            except IllegalTransition:
                continue
    return out
