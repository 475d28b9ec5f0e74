"""One item per reference in a run: the compact record of what a run has claimed."""

from __future__ import annotations

import hashlib

import pytest

from alphanode.services import run_references
from alphanode.services.run_references import RunReferences


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("merge_at", [3, run_references.MERGE_AT])
def test_first_claim_wins_same_content_is_free_other_content_names_the_first(
    monkeypatch: pytest.MonkeyPatch, merge_at: int
) -> None:
    monkeypatch.setattr(run_references, "MERGE_AT", merge_at)
    run = RunReferences()
    for n in range(10):  # across several merges into the sorted arrays
        assert run.claim(f"wp:site/{n}", h(f"body {n}"), "a.xml") is None
    assert len(run) == 10
    for n in range(10):
        assert run.claim(f"wp:site/{n}", h(f"body {n}"), "c.xml") is None  # the same item
        assert run.claim(f"wp:site/{n}", h(f"edited {n}"), "b.xml") == "a.xml"
    assert len(run) == 10  # a refused or repeated claim records nothing
    assert run.claim("wp:site/10", h("new"), "b.xml") is None
    assert run.claim("wp:site/10", h("other"), "d.xml") == "b.xml"
