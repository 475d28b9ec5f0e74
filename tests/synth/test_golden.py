"""Golden output: the exact bytes of a few runs, in both formats, pinned by sha256.

A change to a template, to the vocabulary or to the order of draws changes these on
purpose: update them and say in the changelog that the synthesizer's output changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from typing import Any

import pytest

from alphanode.synth import SynthOptions, generate, synthesize
from tests.conftest import REPO

GOLDEN: list[tuple[int, int, dict[str, Any], str, str]] = [
    # count, seed, options, sha256 of the text pages, sha256 of the JSONL
    (
        3,
        0,
        {},
        "0104bca098b19b29e875d32de3a07ff6b81dc77e1a92cee9abc8c42564a916bc",
        "16b6ae6b27a93990c8ae1295cb375c1c882d892f57fbc366bae6611c37c4a91a",
    ),
    (
        2,
        26145,
        {},
        "9c99778b3c1064fa4fa6045b20e3a313bed610c7ca8c640d9e773dc97f1db503",
        "c573d226e18c1243e863b4736cceb11cc83d6b1a5df08ce7123c15f6d0db8d83",
    ),
    (
        5,
        1000,
        {"size": "small"},
        "07fe31400155697d710e20ee433b542a2cae4fd7504703088fe32535c031fee4",
        "4eddb5f6147d591fee343e79178034d68994826845dfeb54c871b7da0d1a187e",
    ),
    (
        1,
        7,
        {"size": "large"},
        "9dd20716a25fd7fd4d8e29911734dd687357ebdb029c18dcd71741c1ab4ef60a",
        "075c07bda508f2538aba129a87c85f7958feac6c19467e239501be201e045a24",
    ),
    (
        40,
        500,
        {"near_duplicates": 0.2, "hostile": 0.2},
        "d083a0198ea984b97fa7b37e6546fba225c83520da4142eab743df1814e330f5",
        "639dae78abd9dcf9662ec6eed1e320766df8bb20754b33a45e3fd99a9c659d16",
    ),
]


def sha256(count: int, seed: int, fmt: str, **options: Any) -> str:
    h = hashlib.sha256()
    for item in generate(count, seed, SynthOptions(**options)):
        h.update((item.to_json() + "\n" if fmt == "jsonl" else item.to_text()).encode("utf-8"))
    return h.hexdigest()


@pytest.mark.parametrize(("count", "seed", "options", "text", "jsonl"), GOLDEN)
def test_golden_sha256(
    count: int, seed: int, options: dict[str, Any], text: str, jsonl: str
) -> None:
    assert sha256(count, seed, "text", **options) == text
    assert sha256(count, seed, "jsonl", **options) == jsonl


def test_a_readable_golden() -> None:
    doc = synthesize(0)
    assert (
        doc.title == "how we approach batching database writes in kafka pipelines: a calm approach"
    )
    assert doc.meta["reference"] == "anp-ref-000000-1867"
    assert doc.meta["ai_outline"]["problem"] == "batching database writes"
    assert doc.meta["ai_outline"]["stack"] == "kafka pipelines"


def test_same_bytes_in_another_process_with_another_hash_seed() -> None:
    code = (
        "from tests.synth.test_golden import sha256; "
        "print(sha256(60, 3, 'jsonl', near_duplicates=0.3, hostile=0.3), "
        "sha256(60, 3, 'text', near_duplicates=0.3, hostile=0.3))"
    )
    here = f"{sha256(60, 3, 'jsonl', near_duplicates=0.3, hostile=0.3)} " + sha256(
        60, 3, "text", near_duplicates=0.3, hostile=0.3
    )
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=REPO,
        )
        assert done.stdout.strip() == here
