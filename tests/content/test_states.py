"""The review state machine: every status × revision state × action, and no stray literals."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from alphanode.content.states import (
    Outcome,
    PostStatus,
    Publication,
    ReviewAction,
    RevisionState,
    SearchAction,
    transition,
)
from alphanode.errors import EXIT_USAGE, AlphanodeError, IllegalTransition

SRC = Path(__file__).resolve().parents[2] / "src" / "alphanode"
ENUM_MODULE = SRC / "content" / "states.py"
MIGRATIONS = SRC / "store" / "migrations" / "versions"

# status, revision state, action -> status, revision state ("-": unchanged), publication;
# "refused": IllegalTransition. Written out by hand, one row per combination.
TABLE = """
pending_review pending    approve approved  approved publish
pending_review approved   approve approved  approved publish
pending_review rejected   approve approved  approved publish
pending_review superseded approve approved  approved publish
approved       pending    approve approved  approved publish
approved       approved   approve approved  approved publish
approved       rejected   approve approved  approved publish
approved       superseded approve approved  approved publish
rejected       pending    approve approved  approved publish
rejected       approved   approve approved  approved publish
rejected       rejected   approve approved  approved publish
rejected       superseded approve approved  approved publish
retracted      pending    approve approved  approved publish
retracted      approved   approve approved  approved publish
retracted      rejected   approve approved  approved publish
retracted      superseded approve approved  approved publish
pending_review pending    reject  rejected  rejected take_down
pending_review approved   reject  rejected  rejected take_down
pending_review rejected   reject  rejected  rejected take_down
pending_review superseded reject  rejected  rejected take_down
approved       pending    reject  approved  rejected keep
approved       approved   reject  refused
approved       rejected   reject  approved  rejected keep
approved       superseded reject  approved  rejected keep
rejected       pending    reject  rejected  rejected take_down
rejected       approved   reject  rejected  rejected take_down
rejected       rejected   reject  rejected  rejected take_down
rejected       superseded reject  rejected  rejected take_down
retracted      pending    reject  rejected  rejected take_down
retracted      approved   reject  rejected  rejected take_down
retracted      rejected   reject  rejected  rejected take_down
retracted      superseded reject  rejected  rejected take_down
pending_review pending    retract refused
pending_review approved   retract refused
pending_review rejected   retract refused
pending_review superseded retract refused
approved       pending    retract retracted -        take_down
approved       approved   retract retracted -        take_down
approved       rejected   retract retracted -        take_down
approved       superseded retract retracted -        take_down
rejected       pending    retract refused
rejected       approved   retract refused
rejected       rejected   retract refused
rejected       superseded retract refused
retracted      pending    retract refused
retracted      approved   retract refused
retracted      rejected   retract refused
retracted      superseded retract refused
"""


def _rows() -> dict[tuple[str, str, str], Outcome | None]:
    rows: dict[tuple[str, str, str], Outcome | None] = {}
    for line in TABLE.strip().splitlines():
        status, state, action, *result = line.split()
        outcome = None
        if result != ["refused"]:
            new_status, new_state, publication = result
            outcome = Outcome(
                PostStatus(new_status),
                None if new_state == "-" else RevisionState(new_state),
                Publication(publication),
            )
        rows[(status, state, action)] = outcome
    return rows


ROWS = _rows()


def test_the_table_covers_every_combination_once() -> None:
    every = set(itertools.product(PostStatus, RevisionState, ReviewAction))
    assert set(ROWS) == every
    assert len(TABLE.strip().splitlines()) == len(every) == 48


@pytest.mark.parametrize(("status", "state", "action"), sorted(ROWS))
def test_transition(status: str, state: str, action: str) -> None:
    expected = ROWS[(status, state, action)]
    if expected is None:
        with pytest.raises(IllegalTransition) as refused:
            transition(status, state, action, "revision 2 of anp-ref-1")
        assert f"cannot {action} revision 2 of anp-ref-1" in refused.value.what
        return
    assert transition(PostStatus(status), RevisionState(state), ReviewAction(action)) == expected


def test_refusals_are_one_error_with_one_code() -> None:
    refusals = []
    for status, state, action in sorted(k for k, v in ROWS.items() if v is None):
        with pytest.raises(AlphanodeError) as caught:
            transition(status, state, action)
        refusals.append(caught.value)
    assert {type(e) for e in refusals} == {IllegalTransition}
    assert {(e.code, e.http_status, e.exit_code, e.retry_safe) for e in refusals} == {
        ("AN-REVIEW-003", 409, EXIT_USAGE, False)
    }
    assert all(e.what and e.expected for e in refusals)
    assert all(e.message().startswith("AN-REVIEW-003 cannot ") for e in refusals)
    assert all(e.message().endswith("retrying as it is will not help.") for e in refusals)


def test_refusal_messages_say_why() -> None:
    with pytest.raises(IllegalTransition, match="cannot reject x: it is live"):
        transition(PostStatus.APPROVED, RevisionState.APPROVED, ReviewAction.REJECT, "x")
    with pytest.raises(IllegalTransition, match=r"cannot retract x: it is not live \(status ret"):
        transition(PostStatus.RETRACTED, RevisionState.APPROVED, ReviewAction.RETRACT, "x")


def test_unknown_values_are_refused_before_any_rule() -> None:
    with pytest.raises(ValueError, match="draft"):
        transition("draft", RevisionState.PENDING, ReviewAction.APPROVE)
    with pytest.raises(ValueError, match="publish"):
        transition(PostStatus.APPROVED, RevisionState.PENDING, "publish")


def test_what_each_outcome_writes_to_the_outbox() -> None:
    found = {o.publication: o.search for o in ROWS.values() if o is not None}
    assert found == {
        Publication.PUBLISH: SearchAction.INDEX,
        Publication.TAKE_DOWN: SearchAction.DELETE,
        Publication.KEEP: None,
    }


STATUS_WORDS = ("pending_review", "approved", "rejected", "retracted", "superseded")
LITERAL = re.compile(r"""(['"])(?:""" + "|".join(STATUS_WORDS) + r")\1")


def _bare_literals(path: Path) -> list[str]:
    text = path.read_text("utf-8")
    return [
        f"{path.relative_to(SRC)}:{text.count(chr(10), 0, m.start()) + 1}: {m[0]}"
        for m in LITERAL.finditer(text)
    ]


def test_no_bare_status_literals_outside_the_enum_module() -> None:
    """Statuses and states are named through ``content/states.py`` everywhere else in src
    (Alembic migrations are frozen history and keep theirs)."""
    assert len(_bare_literals(ENUM_MODULE)) >= len(STATUS_WORDS)  # the pattern does match
    found = [
        hit
        for path in sorted(SRC.rglob("*"))
        if path.is_file()
        and path.suffix in {".py", ".html", ".js", ".css", ".txt"}
        and path != ENUM_MODULE
        and MIGRATIONS not in path.parents
        for hit in _bare_literals(path)
    ]
    assert found == []
