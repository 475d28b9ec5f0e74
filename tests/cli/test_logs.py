"""Action logs: one line per record, JSON or text, on stderr; a server's tracebacks too."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from alphanode import logs
from tests.conftest import Cli


def test_verbose_import_logs_one_json_line_with_counts(
    tmp_path: Path, seed_path: Path, monkeypatch: object
) -> None:
    env = {**os.environ, "ALPHANODE_LOG_FORMAT": "json"}
    url = f"sqlite:///{tmp_path / 'l.db'}"
    run = subprocess.run(
        [sys.executable, "-m", "alphanode", "--db", url, "-v", "import", str(seed_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    imports = [r for r in records if r["logger"] == "alphanode.import"]
    assert len(imports) == 1
    assert imports[0]["level"] == "info" and "imported 1" in imports[0]["message"]
    assert set(imports[0]) == {"time", "level", "logger", "message"}


def test_quiet_by_default_and_text_format(tmp_path: Path, seed_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    base = [sys.executable, "-m", "alphanode", "--db", url]
    env = {**os.environ, "ALPHANODE_LOG_FORMAT": "text"}
    quiet = subprocess.run(
        [*base, "import", str(seed_path)], capture_output=True, text=True, env=env, check=False
    )
    assert quiet.returncode == 0 and "alphanode.import" not in quiet.stderr
    review = subprocess.run(
        [*base, "--verbose", "review", "approve", "anp-ref-026145-7938", "--as", "rita"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert review.returncode == 0, review.stderr
    line = next(x for x in review.stderr.splitlines() if "alphanode.review" in x)
    assert " INFO alphanode.review " in line and "rita" in line


def test_json_formatter_keeps_tracebacks_on_one_line() -> None:
    formatter = logs.JsonFormatter()
    try:
        raise ValueError("boom <script>")
    except ValueError:
        record = logging.getLogger("alphanode.test").makeRecord(
            "alphanode.test", logging.ERROR, __file__, 1, "failed: %s", ("x",), sys.exc_info()
        )
    line = formatter.format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "failed: x" and "ValueError: boom <script>" in data["exception"]


def test_cli_in_process_logging_follows_the_runner(tmp_path: Path, seed_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'p.db'}")
    result = cli("-v", "import", str(seed_path))
    assert result.exit_code == 0
    assert "alphanode.import" in result.stderr or '"logger": "alphanode.import"' in result.stderr
    # The handler writes to the stderr of the moment: logging after the runner is gone works.
    logging.getLogger("alphanode.after").warning("still fine")
