"""``alphanode export --format markdown``: one file per post; importing it changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.helpers import write_variants


def test_export_markdown_and_reimport_is_unchanged(cli: Cli, tmp_path: Path) -> None:
    write_variants(tmp_path / "in", 5)
    rich = tmp_path / "in" / "rich.json"
    rich.write_text(
        json.dumps(
            {
                "title": "Deploying with make",
                "body": [
                    {
                        "type": "paragraph",
                        "children": ["Run ", {"type": "inlineCode", "value": "make"}],
                    },
                    {"type": "code", "lang": "sh", "value": "make deploy"},
                    {"type": "table", "align": [None, "right"], "rows": [["a", "b"], ["1", "2"]]},
                ],
                "meta": {"reference": "rich-1", "source": {"format": "json", "tags": ["ops"]}},
            }
        ),
        encoding="utf-8",
    )
    first = json.loads(cli("import", str(tmp_path / "in"), "--json").stdout)
    assert first["imported"] == 6
    out = tmp_path / "out"
    assert cli("export", "--format", "markdown", "--out", str(out)).exit_code == 0
    files = sorted(out.glob("*.md"))
    assert len(files) == 6
    text = (out / "deploying-with-make.md").read_text("utf-8")
    assert text.startswith("---\ntitle: Deploying with make\ndate: ")
    assert "\nslug: deploying-with-make\ntags:\n- ops\nreference: rich-1\n" in text
    assert "```sh\nmake deploy\n```" in text and "| a | b |\n| --- | --: |" in text
    again = json.loads(cli("import", str(out), "--json").stdout)
    assert again["unchanged"] == 6 and again["imported"] == 0 and again["updated"] == 0
