"""Hostile import input on both databases: clear rejections, never a traceback; recovery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from alphanode.settings import Settings
from alphanode.store import rejects
from alphanode.store.engine import writing
from alphanode.store.migrate import open_database
from tests.conftest import GOLDEN, REPO, Cli
from tests.helpers import seed_text

DEEP_ARRAY = b"[" * 100_000
DEEP_OBJECTS = b'{"a":' * 5000 + b"1" + b"}" * 5000
LONG_NUMBER = b'{"title": "x", "meta": {"view_count": ' + b"9" * 5000 + b"}}"
WXR = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
    b'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel><title>a blog</title>\n'
)


def golden_line(ref: str, title: str | None = None) -> str:
    golden = json.loads(GOLDEN.read_text("utf-8"))
    doc = {**golden, "meta": {**golden["meta"], "reference": ref}}
    if title is not None:
        doc["title"] = title
    return json.dumps(doc, ensure_ascii=False)


def summary(result) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (DEEP_ARRAY, "JSON nested at most"),
        (DEEP_OBJECTS, "JSON nested at most"),
        (LONG_NUMBER, "JSON numbers of at most"),
    ],
    ids=["deep-array", "deep-objects", "5000-digits"],
)
def test_hostile_json_on_stdin_is_one_clear_rejection(cli: Cli, data: bytes, expected: str) -> None:
    result = cli("import", "-", "--json", input=data)
    assert result.exit_code == 3
    report = summary(result)
    assert report["rejected"] == 1 and report["imported"] == 0
    (error,) = report["errors"]
    assert error["code"] == "AN-IMPORT-003" and error["retry_safe"] is False
    assert error["expected"].startswith(expected)
    parsed = cli("parse", "-", input=data)
    assert parsed.exit_code == 3
    assert "AN-IMPORT-003" in parsed.stderr and expected in parsed.stderr


def test_wordpress_export_is_not_imported_as_a_page(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "blog.txt").write_bytes(WXR)
    for args, data in ((["-"], WXR), ([str(tmp_path / "blog.txt")], None)):
        result = cli("import", *args, "--json", input=data)
        assert result.exit_code == 3
        report = summary(result)
        assert report["imported"] == 0
        (error,) = report["errors"]
        # The WordPress reader reads it: this export is cut short, so it says where.
        assert error["code"] == "AN-IMPORT-031" and error["line"] == 4
        assert error["expected"].startswith("well-formed XML")
    forced = cli("import", "-", "--format", "scraped", "--json", input=WXR)
    assert summary(forced)["errors"][0]["code"] == "AN-IMPORT-007"


def test_page_titled_with_a_brace_on_stdin_is_one_page(cli: Cli) -> None:
    page = seed_text().replace(
        "production checklist for documenting", "{braced} checklist for documenting", 1
    )
    page = page.removeprefix("|\n\n")
    assert page.startswith("{braced}")
    report = summary(cli("import", "-", "--json", input=page))
    assert (report["imported"], report["rejected"]) == (1, 0)


def test_parse_and_import_agree(cli: Cli, tmp_path: Path) -> None:
    good = golden_line("r-1").encode()
    bad_byte = b"\n".join(
        [good, golden_line("r-2").encode(), golden_line("r-3").encode(), b'{"title": "\xff"}']
    )
    separator = golden_line("r-5", "a title with a \u2028 line separator").encode()
    data = bad_byte + b"\n" + separator + b"\n"
    file = tmp_path / "posts.jsonl"
    file.write_bytes(data)
    for source in (str(file), "-"):
        stdin = data if source == "-" else None
        report = summary(cli("import", source, "--json", input=stdin))
        assert (report["imported"] + report["unchanged"], report["rejected"]) == (4, 1)
        (error,) = report["errors"]
        assert (error["code"], error["line"]) == ("AN-IMPORT-002", 4)
        parsed = cli("parse", source, "--json", input=stdin)
        assert parsed.exit_code == 3
        assert f"AN-IMPORT-002 {source}:4 document" in parsed.stderr
        assert parsed.stdout.count('"title"') == 4
        assert "a title with a \\u2028 line separator" in parsed.stdout  # written escaped


def test_json_document_on_parse_stdin_is_json(cli: Cli) -> None:
    result = cli("parse", "-", "--json", input=GOLDEN.read_text("utf-8"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(GOLDEN.read_text("utf-8"))


def test_format_option_is_checked(cli: Cli) -> None:
    result = cli("import", "-", "--format", "yaml", input=b"x")
    assert result.exit_code == 2
    assert "auto or one of" in result.stderr and "scraped, ghost, json, jsonl" in result.stderr


def test_file_name_that_is_not_utf8_is_imported(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    # Names made from bytes that are not UTF-8: Python sees them as surrogate escapes.
    good = Path(os.fsdecode(os.fsencode(folder) + b"/x\xff.txt"))
    good.write_bytes(seed_text().encode())
    bad = Path(os.fsdecode(os.fsencode(folder) + b"/y\xfe.txt"))
    bad.write_bytes(b"title only\n\nmeta\nalphanode post meta\nreading time: nine\n")
    assert os.fsencode(good).endswith(b"x\xff.txt")
    result = cli("import", str(folder), "--json")
    report = summary(result)
    assert (report["imported"], report["rejected"]) == (1, 1)
    assert report["errors"][0]["file"].endswith("d/y\\xfe.txt")
    shown = cli("revisions", "anp-ref-026145-7938").stdout
    assert "x\\xff.txt" in shown
    listed = cli("rejects").stdout
    assert "y\\xfe.txt" in listed


def test_check_reports_unfinished_import_runs(database_url: str) -> None:
    settings = Settings.load(env={}, database_url=database_url)
    engine = open_database(settings)
    with writing(engine) as conn:
        run = rejects.start_run(conn, "in/killed.jsonl")
    cli = Cli(database_url)
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert f"import run {run} started" in result.stderr
    assert "has not finished (in/killed.jsonl)" in result.stderr
    assert "run the same `alphanode import` again" in result.stderr
    (unfinished,) = json.loads(cli("check", "--json").stdout)["unfinished_imports"]
    assert unfinished["id"] == run and unfinished["sources"] == "in/killed.jsonl"
    with writing(engine) as conn:
        rejects.finish_run(conn, run, {"imported": 0})
    engine.dispose()
    assert json.loads(cli("check", "--json").stdout)["unfinished_imports"] == []
    assert "has not finished" not in cli("check").stderr


KILLED_IMPORTER = textwrap.dedent(
    """
    import multiprocessing, sys, time
    from alphanode.services import importer
    from alphanode.services.sources import resolve
    from alphanode.settings import Settings
    from alphanode.store.migrate import open_database

    def stuck(done, docs):
        pids = [p.pid for p in multiprocessing.active_children() if "Spawn" in type(p).__name__]
        print(" ".join(map(str, pids)), flush=True)
        time.sleep(3600)  # killed here, with the workers started and the pool open

    if __name__ == "__main__":
        settings = Settings.load(env={}, database_url=sys.argv[1], import_workers=2)
        engine = open_database(settings)
        importer.import_sources(engine, settings, resolve([sys.argv[2]]), progress=stuck)
    """
)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # a zombie waiting for init to reap it has ended


def test_workers_end_when_the_importer_is_killed(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as fh:
        for n in range(1200):
            fh.write(golden_line(f"r-{n}") + "\n")
    assert big.stat().st_size > 2 * 1024 * 1024  # big enough for the parallel parser
    script = tmp_path / "importer.py"
    script.write_text(KILLED_IMPORTER, "utf-8")
    url = f"sqlite:///{tmp_path / 'a.db'}"
    proc = subprocess.Popen(
        [sys.executable, str(script), url, str(big)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    workers = [int(p) for p in line.split()]
    assert len(workers) == 2, line
    assert not any(_gone(p) for p in workers)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    deadline = time.monotonic() + 30
    while not all(_gone(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [p for p in workers if not _gone(p)]
    for pid in left:  # do not leave them behind even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers {left} outlived their killed importer"
