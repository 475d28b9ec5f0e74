"""`alphanode serve`: workers run with exactly the settings the command resolved, and the
metrics directory they share is removed when the server stops."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import wait_until_serving
from tests.web.conftest import free_port


@pytest.mark.slow
def test_workers_get_config_file_and_command_line_settings(tmp_path: Path) -> None:
    conf = tmp_path / "site.toml"
    conf.write_text('site_name = "Config Site"\nmetrics_token = "scrape-secret"\n', "utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALPHANODE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    temp = tmp_path / "tmp"  # where serve makes the workers' shared metrics directory
    temp.mkdir()
    env["TMPDIR"] = str(temp)
    url = f"sqlite:///{tmp_path / 's.db'}"
    args = ["--db", url, "--config", str(conf), "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        [sys.executable, "-m", "alphanode", *args, "--log-format", "json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server)
        for _ in range(6):  # several requests: both workers answer some
            assert "Config Site" in httpx.get(base + "/", timeout=5).text
            assert httpx.get(base + "/metrics", timeout=5).status_code == 401
        token = {"authorization": "Bearer scrape-secret"}
        assert httpx.get(base + "/metrics", headers=token, timeout=5).status_code == 200
        assert [d.name[:18] for d in temp.iterdir()] == ["alphanode-metrics-"]
    finally:
        server.terminate()
        _, err = server.communicate(timeout=20)
    lines = [line for line in err.splitlines() if line.startswith("{")]
    assert any('"route":"/metrics"' in line for line in lines)  # JSON, as --log-format said
    assert "scrape-secret" not in err
    assert list(temp.iterdir()) == []  # the metrics directory went with the server
