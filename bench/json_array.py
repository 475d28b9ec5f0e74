"""JSON array parse time at 40,000 and 400,000 elements: linear scaling means a ratio ~10x.

.venv/bin/python bench/json_array.py
"""

from __future__ import annotations

import json
import time

from alphanode.formats.jsonl import parse_json

DOC = {
    "title": "a small document",
    "body": [{"type": "paragraph", "text": "one paragraph of text."}],
    "meta": {"reading_time": 1},
}


def seconds(count: int) -> float:
    one = json.dumps(DOC)
    text = "[\n" + ",\n".join(one.replace("small", f"small {n}") for n in range(count)) + "\n]"
    start = time.perf_counter()
    outcomes = parse_json(text)
    elapsed = time.perf_counter() - start
    assert len(outcomes) == count, len(outcomes)
    return elapsed


def main() -> None:
    small, large = seconds(40_000), seconds(400_000)
    print(f"json array  40,000 elements: {small:7.2f} s")
    print(f"json array 400,000 elements: {large:7.2f} s")
    print(f"ratio {large / small:.1f}x for 10x the elements (linear: ~10x; quadratic: ~100x)")


if __name__ == "__main__":
    main()
