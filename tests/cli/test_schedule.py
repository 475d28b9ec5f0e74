"""``alphanode review approve --at``, ``expire`` and ``unschedule``: exit codes and output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from alphanode.services import review, scheduling
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.conftest import Cli
from tests.helpers import variant

POST = "anp-ref-000001-0000"


def _load(cli: Cli, tmp_path: Path) -> None:
    for n in (1, 2):
        (tmp_path / f"{n}.txt").write_text(variant(n, title=f"post {n}"), "utf-8")
    assert cli("import", str(tmp_path / "1.txt"), str(tmp_path / "2.txt")).exit_code == 0


def _later(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).isoformat(timespec="seconds")


def test_approve_at_schedules_and_bad_times_are_usage_errors(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    _load(cli, tmp_path)
    for bad, says in (
        ("2020-01-01T00:00Z", "not in the future"),
        ("2031-01-01T00:00", "no timezone"),
        ("next tuesday", "is not a time"),
    ):
        result = cli("review", "approve", POST, "--as", "rita", "--at", bad)
        assert result.exit_code == 2, result.output
        assert says in result.output and "AN-USAGE-001" in result.output
    result = cli(
        "review", "approve", POST, "--as", "rita", "--at", _later(2), "--unpublish-at", _later(1)
    )
    assert result.exit_code == 2 and "not after --at" in result.output
    engine = open_database(Settings.load(env={}, database_url=database_url))
    try:
        assert review.log(engine, POST) == []  # nothing was written by a refused command
        at = _later(1)
        result = cli("review", "approve", POST, "--as", "rita", "--at", at, "--json")
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)
        assert shown["action"] == "schedule" and shown["revision"] == 1
        assert dt.datetime.fromisoformat(shown["publish_at"]) == dt.datetime.fromisoformat(at)
        assert POST in review.pending(engine)  # not live before its time
        assert [e.action for e in review.log(engine, POST)] == ["schedule_publish"]

        result = cli("review", "expire", POST, "--as", "rita", "--at", _later(3))
        assert result.exit_code == 0 and "to come down at" in result.output
        assert scheduling.of(engine, POST).unpublish_at is not None

        result = cli("review", "unschedule", POST, "--as", "dora", "--only", "publish")
        assert result.exit_code == 0, result.output
        assert scheduling.of(engine, POST).publish_at is None
        assert (
            cli("review", "unschedule", POST, "--as", "dora", "--only", "sideways").exit_code == 2
        )
        cli("review", "unschedule", POST, "--as", "dora")
        again = cli("review", "unschedule", POST, "--as", "dora")
        assert again.exit_code == 2 and "nothing to cancel" in again.output

        # Approve now, come down later.
        result = cli(
            "review", "approve", "anp-ref-000002-0000", "--as", "rita", "--unpublish-at", _later(5)
        )
        assert result.exit_code == 0 and "approved anp-ref-000002-0000" in result.output
        assert scheduling.of(engine, "anp-ref-000002-0000").unpublish_at is not None
    finally:
        engine.dispose()


def test_expire_a_post_that_is_not_live_is_refused(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    result = cli("review", "expire", POST, "--as", "rita", "--at", _later(1))
    assert result.exit_code == 2 and "not live" in result.output


def test_the_new_commands_have_help(cli: Cli) -> None:
    for command in ("approve", "expire", "unschedule"):
        result = cli("review", command, "--help")
        assert result.exit_code == 0
    assert "--unpublish-at" in cli("review", "approve", "--help").output
