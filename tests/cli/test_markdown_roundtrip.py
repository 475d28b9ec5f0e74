"""The Markdown round trip of bench/markdown_roundtrip.py on 300 rich and hostile posts."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import Cli

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from markdown_roundtrip import round_trip  # noqa: E402 - bench/ is not a package


def test_export_markdown_then_import_leaves_every_post_unchanged(cli: Cli, tmp_path: Path) -> None:
    def run(args: list[str]) -> tuple[int, str]:
        result = cli(*args)
        return result.exit_code, result.stdout

    summary = round_trip(run, tmp_path, 300, rich=0.5, hostile=0.1)
    # The run holds what it is meant to exercise: rich posts, hostile ones, some rejected.
    assert summary["hostile_documents"] > 10 and summary["rejected_on_import"] > 0
    assert summary["posts"] == summary["approved"] == summary["markdown_files"] > 250
    assert summary["differing"] == []
    assert summary["documents_equal"] == summary["posts"]
    assert summary["reimport"] == {
        "unchanged": summary["posts"],
        "updated": 0,
        "imported": 0,
        "rejected": 0,
    }
    rich = [p for p in (tmp_path / "markdown").glob("*.md") if "```" in p.read_text("utf-8")]
    assert len(rich) > 100  # code blocks went through the writer and back
