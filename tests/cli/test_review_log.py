"""``alphanode review log`` and the approve/reject commands' one decision path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alphanode.services import claims, editing
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.conftest import Cli
from tests.helpers import SEED_REF, seed_text, variant

OTHER = "anp-ref-000001-0000"


def _load(cli: Cli) -> None:
    assert cli("import", "-", input=seed_text()).exit_code == 0
    assert cli("import", "-", input=variant(1, title="the other one")).exit_code == 0


def test_the_log_lists_filters_and_pages_every_kind_of_row(cli: Cli) -> None:
    _load(cli)
    engine = open_database(Settings.load(env={}, database_url=cli.database_url))
    claims.claim(engine, SEED_REF, "rita", 30, "192.0.2.9")
    form, _ = editing.base_document(engine, SEED_REF)
    data = {"title": "edited", "body": form.body, "based_on": "1"}
    data.update({f.name: f.value for f in form.fields})
    editing.save(
        engine, Settings.load(env={}, database_url=cli.database_url), SEED_REF, data, "rita"
    )
    engine.dispose()
    assert cli("review", "approve", SEED_REF, "--as", "rita").exit_code == 0
    rejected = cli("review", "reject", OTHER, "--as", "dora", "--note", "thin", "--json")
    assert rejected.exit_code == 0
    assert json.loads(rejected.stdout) == {
        "action": "reject",
        "count": 1,
        "ref": OTHER,
        "revision": 1,
        "status": "rejected",
    }
    whole = cli("review", "log", "--json")
    assert whole.exit_code == 0
    shown = json.loads(whole.stdout)
    assert [e["action"] for e in shown["entries"]] == ["reject", "approve", "edit", "claim"]
    assert shown["entries"][3]["address"] == "192.0.2.9" and shown["next_before"] is None
    assert shown["entries"][0]["note"] == "thin" and shown["entries"][0]["actor"] == "dora"
    mine = json.loads(cli("review", "log", "--actor", "rita", "--json").stdout)
    assert {e["actor"] for e in mine["entries"]} == {"rita"} and mine["count"] == 3
    edits = json.loads(cli("review", "log", "--action", "edit", "--json").stdout)
    assert [e["revision"] for e in edits["entries"]] == [2]
    one = json.loads(cli("review", "log", "--ref", OTHER, "--json").stdout)
    assert [e["ref"] for e in one["entries"]] == [OTHER]
    first = cli("review", "log", "--limit", "2")
    assert first.exit_code == 0
    lines = first.stdout.splitlines()
    assert len(lines) == 2 and lines[0].split("\t")[4] == "reject"
    cursor = first.stderr.strip().removeprefix("more: --before ")
    assert cursor == lines[-1].split("\t")[0]
    rest = cli("review", "log", "--before", cursor, "--json")
    assert [e["action"] for e in json.loads(rest.stdout)["entries"]] == ["edit", "claim"]
    bad = cli("review", "log", "--action", "bless")
    assert bad.exit_code == 2 and "bless" in bad.stderr


def test_the_log_works_in_a_pipe(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    run = [sys.executable, "-m", "alphanode", "--db", db]
    subprocess.run([*run, "import", "-"], input=seed_text().encode(), check=True)
    subprocess.run([*run, "review", "approve", SEED_REF, "--as", "rita"], check=True)
    out = subprocess.run([*run, "review", "log"], capture_output=True, text=True, check=True)
    (line,) = out.stdout.splitlines()
    assert line.split("\t")[2:] == ["rita", "", "approve", SEED_REF, "1", ""]
    assert "\x1b[" not in out.stdout + out.stderr
