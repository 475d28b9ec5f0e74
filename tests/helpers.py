"""Small helpers for tests: variants of the seed page with their own identity, and waiting
for a server started in a subprocess."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEED

SEED_REF = "anp-ref-026145-7938"


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def variant(
    n: int, *, title: str | None = None, extra_paragraph: str = "", own_body: bool = False
) -> str:
    """The seed with reference ``anp-ref-<n>-0000`` and (optionally) another title.

    Variants share the seed's body, so each is a near-duplicate of the first imported; with
    ``own_body`` their paragraphs are a synthesized article's instead (same meta, same stack
    and tools: related posts, not copies).
    """
    text = seed_text().replace(SEED_REF, f"anp-ref-{n:06d}-0000")
    if own_body:
        text = _own_body(text, n)
    if title is not None:
        text = text.replace(
            "production checklist for documenting production defaults in python services: "
            "maintenance guide",
            title,
            1,
        )
    if extra_paragraph:
        text = text.replace("final notes\n", f"final notes\n\n{extra_paragraph}\n", 1)
    return text


def _own_body(text: str, n: int) -> str:
    from alphanode.content.document import Paragraph
    from alphanode.synth import generate

    (item,) = generate(1, 500 + n)
    paragraphs = [b.text for b in item.document.body if isinstance(b, Paragraph)]
    head, meta = text.split("\nalphanode post meta\n", 1)
    lines = head.split("\n")
    long = [i for i, line in enumerate(lines) if len(line) > 100 and i > 3]
    for k, i in enumerate(long):
        lines[i] = paragraphs[k % len(paragraphs)]
    return "\n".join(lines) + "\nalphanode post meta\n" + meta


def write_variants(directory: Path, count: int, start: int = 1) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(start, start + count):
        path = directory / f"page-{n:05d}.txt"
        path.write_text(variant(n, title=f"article number {n} about python services"), "utf-8")
        paths.append(path)
    return paths


def first(pattern: str, text: str) -> str:
    """The first group of ``pattern``'s first match in ``text`` (dot matches newlines)."""
    found = re.search(pattern, text, re.S)
    assert found is not None, f"{pattern!r} not found"
    return found[1]


def wait_until_serving(
    base_url: str,
    process: subprocess.Popen[bytes] | subprocess.Popen[str],
    path: str = "/readyz",
    timeout: float = 30.0,
) -> None:
    """Return once ``base_url + path`` answers 200; fail the test, with the tail of the
    server's stderr (when it is a pipe), if its process exits first or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"the server exited with {process.returncode} before {path} answered\n"
                + _stderr_tail(process)
            )
        try:
            if httpx.get(base_url + path, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(
                f"{base_url}{path} did not answer 200 in {timeout} s\n" + _stderr_tail(process)
            )
        time.sleep(0.1)


def _stderr_tail(process: subprocess.Popen[bytes] | subprocess.Popen[str], lines: int = 20) -> str:
    """The last lines the ended ``process`` wrote to stderr, if the test piped it."""
    if process.stderr is None:
        return "(its stderr was not captured)"
    _, err = process.communicate(timeout=10)
    text = err.decode("utf-8", "replace") if isinstance(err, bytes) else (err or "")
    return "stderr:\n" + "\n".join(text.splitlines()[-lines:])
