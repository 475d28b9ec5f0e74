"""The CLI contract: commands, JSON shapes, exit codes, stdin and pipes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup

from alphanode.cli.main import build_app
from tests.conftest import GOLDEN, REPO, Cli
from tests.helpers import SEED_REF, seed_text, variant, write_variants

ALPHANODE = [sys.executable, "-m", "alphanode"]


def all_commands() -> list[list[str]]:
    root = typer.main.get_command(build_app())
    found: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        found.append(path)
        if isinstance(cmd, TyperGroup):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return found


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "alphanode")
def test_every_command_has_help(path: list[str]) -> None:
    result = Cli("sqlite://")(*path, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    docs = (REPO / "docs" / "cli.md").read_text("utf-8")
    assert f"alphanode {' '.join(path)}".strip() in docs, f"{path} missing from docs/cli.md"


def test_parse_json_equals_golden(seed_path: Path) -> None:
    result = Cli("sqlite://")("parse", str(seed_path), "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    golden = json.loads(GOLDEN.read_text("utf-8"))
    assert {k: out[k] for k in ("title", "body", "meta")} == golden


def test_parse_bad_value_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(seed_text().replace("reading time9", "reading timenine"), "utf-8")
    result = Cli("sqlite://")("parse", str(bad))
    assert result.exit_code == 3
    assert f"{bad}:59 meta.reading_time: got 'nine'" in result.stderr


def test_import_twice_then_edit(cli: Cli, seed_path: Path, tmp_path: Path) -> None:
    first = cli("import", str(seed_path), "--json")
    assert first.exit_code == 0
    summary = json.loads(first.stdout)
    assert {k: summary[k] for k in ("imported", "updated", "unchanged", "rejected")} == {
        "imported": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert summary["errors"] == []
    second = cli("import", str(seed_path))
    assert second.exit_code == 0
    assert f"unchanged  {SEED_REF}" in second.stdout
    edited = tmp_path / "edited.txt"
    edited.write_text(seed_text().replace("watch logs after release", "watch the logs"), "utf-8")
    third = cli("import", str(edited))
    assert f"updated    {SEED_REF}" in third.stdout
    shown = json.loads(cli("show", SEED_REF, "--json").stdout)
    assert shown["revision"] == 2 and shown["status"] == "pending_review"
    assert shown["slug"].startswith("production-checklist")
    assert "watch the logs" in shown["meta"]["checklist"]
    lines = cli("revisions", SEED_REF).stdout.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("*")
    assert cli("rollback", SEED_REF, "--to", "1").exit_code == 0
    assert json.loads(cli("show", SEED_REF, "--json").stdout)["revision"] == 3


def test_directory_with_one_bad_document(cli: Cli, tmp_path: Path) -> None:
    write_variants(tmp_path / "in", 4)
    bad = tmp_path / "in" / "sub" / "bad.txt"
    bad.parent.mkdir()
    bad.write_text(variant(99).replace("quality: 95", "quality: ninety"), "utf-8")
    result = cli("import", str(tmp_path / "in"), "--json")
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert summary["imported"] == 4 and summary["rejected"] == 1
    [error] = summary["errors"]
    assert (error["field"], error["value"]) == ("meta.score.quality", "ninety")
    exported = [json.loads(line) for line in cli("export").stdout.splitlines()]
    assert len(exported) == 4
    rejects = json.loads(cli("rejects", "--json").stdout)
    assert rejects[0]["problems"][0]["field"] == "meta.score.quality"


def test_import_from_stdin_text_and_jsonl(cli: Cli) -> None:
    assert cli("import", "-", input=variant(1)).exit_code == 0
    golden = json.loads(GOLDEN.read_text("utf-8"))
    lines = "\n".join(
        json.dumps({**golden, "meta": {**golden["meta"], "reference": f"r-{n}"}}) for n in range(3)
    )
    result = cli("import", "-", "--json", input=lines)
    assert json.loads(result.stdout)["imported"] == 3


def test_usage_errors_exit_2(cli: Cli, tmp_path: Path) -> None:
    assert cli("import").exit_code == 2
    assert cli("import", str(tmp_path / "missing.txt")).exit_code == 2
    assert cli("export", "--format", "xml").exit_code == 2
    assert cli("no-such-command").exit_code == 2
    assert cli("show", "nothing-here").exit_code == 1


def test_export_text_and_reimport(cli: Cli, tmp_path: Path) -> None:
    write_variants(tmp_path / "in", 3)
    cli("import", str(tmp_path / "in"))
    assert cli("export", "--format", "text", "--out", str(tmp_path / "out")).exit_code == 0
    assert len(list((tmp_path / "out").glob("*.txt"))) == 3
    again = json.loads(cli("import", str(tmp_path / "out"), "--json").stdout)
    assert again["unchanged"] == 3


def test_db_commands(cli: Cli) -> None:
    assert "base (empty)" in cli("db", "current").stdout
    assert cli("db", "upgrade").exit_code == 0
    assert "up to date" in cli("db", "current").stdout
    assert cli("db", "downgrade", "base").exit_code == 0
    assert "behind" in cli("db", "current").stdout


def test_works_in_a_pipe(tmp_path: Path, seed_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    write_variants(tmp_path / "in", 30)
    subprocess.run(
        [*ALPHANODE, "--db", db, "import", str(tmp_path / "in")], check=True, capture_output=True
    )
    export = subprocess.Popen(
        [*ALPHANODE, "--db", db, "export"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert export.stdout is not None and export.stderr is not None
    head = subprocess.run(
        ["head", "-n", "1"], stdin=export.stdout, capture_output=True, text=True, check=True
    )
    export.stdout.close()
    stderr = export.stderr.read().decode()
    export.stderr.close()
    assert export.wait() == 0
    assert json.loads(head.stdout)["title"].startswith("article number")
    assert "Traceback" not in stderr
    piped_in = subprocess.run(
        [*ALPHANODE, "--db", db, "import", "-", "--json"],
        input=seed_path.read_bytes(),
        capture_output=True,
        check=True,
    )
    assert json.loads(piped_in.stdout)["imported"] == 1
    assert b"\x1b[" not in piped_in.stderr  # no progress bar when not on a terminal


def test_bad_setting_stops_with_a_clear_message(tmp_path: Path) -> None:
    env = {"ALPHANODE_IMPORT_BATCH_SIZE": "lots", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [*ALPHANODE, "--db", "sqlite://", "db", "current"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "import_batch_size" in result.stderr and "'lots'" in result.stderr
