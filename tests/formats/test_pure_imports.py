"""content and formats are pure: importing them loads no database, web or CLI framework."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = {"sqlite3", "sqlalchemy", "fastapi", "starlette", "typer", "click", "rich", "alembic"}


def test_content_and_formats_load_no_framework() -> None:
    code = (
        "import json, sys; import alphanode.content, alphanode.formats; "
        "import alphanode.content.validate, alphanode.formats.scraped, alphanode.formats.render, "
        "alphanode.formats.jsonl, alphanode.formats.text; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "alphanode" in loaded
    assert not loaded & FORBIDDEN, sorted(loaded & FORBIDDEN)
