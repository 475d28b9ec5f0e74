"""The synthesizer is pure: importing it loads no database, web or CLI framework."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("sqlite3", "sqlalchemy", "fastapi", "starlette", "typer", "click", "rich")


def test_import_synth_loads_no_framework() -> None:
    code = (
        "import json, sys; import alphanode.synth; "
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "alphanode" in loaded
    assert not loaded & set(FORBIDDEN), sorted(loaded & set(FORBIDDEN))
