"""``alphanode synth``: outputs, determinism across runs, exit codes, pipes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alphanode.cli.main import build_app
from alphanode.synth import SynthOptions, generate
from tests.conftest import REPO

ALPHANODE = [sys.executable, "-m", "alphanode"]


def synth(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), ["synth", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_help() -> None:
    code, out, _ = synth("--help")
    assert code == 0
    for option in ("--count", "--seed", "--format", "--out", "--near-duplicates", "--hostile"):
        assert option in out
    docs = (REPO / "docs" / "synth.md").read_text("utf-8")
    for option in ("--count", "--seed", "--format", "--out", "--near-duplicates", "--hostile"):
        assert f"`{option}" in docs, f"{option} missing from docs/synth.md"
    assert "`--size" in docs and "`--json`" in docs


def test_jsonl_on_stdout_is_the_generated_stream() -> None:
    code, out, err = synth("--count", "25", "--seed", "7", "--hostile", "0.3")
    assert code == 0 and err == ""
    expected = "".join(i.to_json() + "\n" for i in generate(25, 7, SynthOptions(hostile=0.3)))
    assert out == expected


def test_jsonl_file_with_summary(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "docs.jsonl"
    args = ["--count", "300", "--seed", "11", "--near-duplicates", "0.2", "--hostile", "0.2"]
    code, stdout, _ = synth(*args, "--out", str(out), "--json")
    assert code == 0
    summary = json.loads(stdout)
    items = list(generate(300, 11, SynthOptions(near_duplicates=0.2, hostile=0.2)))
    assert summary["count"] == 300 and summary["seed"] == 11 and summary["format"] == "jsonl"
    assert summary["out"] == str(out) and summary["bytes"] == out.stat().st_size
    assert summary["near_duplicates"] == sum(1 for i in items if i.near_duplicate_of)
    assert summary["hostile"] == sum(1 for i in items if i.hostile)
    assert summary["rejected_on_import"] == sum(1 for i in items if i.rejected)
    assert summary["seconds"] >= 0 and summary["docs_per_second"] > 0
    assert out.read_text("utf-8") == "".join(i.to_json() + "\n" for i in items)


def test_text_writes_one_page_per_document(tmp_path: Path) -> None:
    code, stdout, stderr = synth(
        "--count", "12", "--seed", "995", "--format", "text", "--out", str(tmp_path / "pages")
    )
    assert code == 0 and stdout == "" and "wrote 12 documents" in stderr
    files = sorted((tmp_path / "pages").iterdir())
    assert [f.name for f in files] == [f"anp-{s:06d}.txt" for s in range(995, 1007)]
    for f, item in zip(files, generate(12, 995), strict=True):
        assert f.read_text("utf-8") == item.to_text()


def test_text_of_one_document_to_stdout_or_a_file(tmp_path: Path) -> None:
    (page,) = generate(1, 26145)
    code, out, _ = synth("--count", "1", "--seed", "26145", "--format", "text")
    assert code == 0 and out == page.to_text()
    code, _, _ = synth(
        "--count", "1", "--seed", "26145", "--format", "text", "--out", str(tmp_path / "one.txt")
    )
    assert code == 0 and (tmp_path / "one.txt").read_text("utf-8") == page.to_text()


@pytest.mark.parametrize(
    "args",
    [
        ["--count", "3", "--near-duplicates", "1.5"],
        ["--count", "3", "--hostile", "-0.1"],
        ["--count", "3", "--near-duplicates", "0.7", "--hostile", "0.7"],
        ["--count", "3", "--format", "xml"],
        ["--count", "3", "--size", "huge"],
        ["--count", "-1"],
        ["--count", "3", "--seed", "-5"],
        ["--count", "three"],
        ["--seed", "3"],
        ["--count", "3", "--format", "text"],
        ["--count", "3", "--format", "text", "--out", "pages.txt"],
        ["--count", "3", "--json"],
    ],
)
def test_usage_errors_exit_2(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = synth(*args)
    assert code == 2, out
    assert out == "" and not (tmp_path / "pages.txt").exists()


def test_jsonl_to_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = synth("--count", "3", "--out", str(tmp_path))
    assert code == 2 and "directory" in err


def test_10000_documents_twice_give_the_same_bytes(tmp_path: Path) -> None:
    outs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for n, out in enumerate(outs):
        env = {"PYTHONHASHSEED": str(n + 1)}  # no hash() or set order may leak into output
        done = subprocess.run(
            [*ALPHANODE, "synth", "--count", "10000", "--seed", "1", "--out", str(out)],
            capture_output=True,
            env={**_env(), **env},
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert sha256(outs[0]) == sha256(outs[1])
    assert len(outs[0].read_bytes().splitlines()) == 10_000


def test_works_in_a_pipe() -> None:
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {' '.join(ALPHANODE)} synth --count 5 | head -1"],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["meta"]["payload"]["seed"] == 0
    # A reader that leaves early: the writer stops quietly, with exit 0.
    with subprocess.Popen(
        [*ALPHANODE, "synth", "--count", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, err
    assert json.loads(first)["meta"]["reference"].startswith("anp-ref-000000-")
    assert b"Traceback" not in err


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "COLUMNS": "100"}
