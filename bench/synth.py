"""Synthesizer speed: documents/s to a JSONL file and to text files, beside bare baselines.

    .venv/bin/python bench/synth.py [--count 20000] [--size small|normal|large]

Prints docs/s for: the baseline (``json.dumps`` of the same documents as pre-built dicts,
written to a file: serialising and writing only, no generation), the synthesizer to a JSONL
file (what ``alphanode synth --out FILE`` does), a second baseline writing the same pages,
pre-rendered, one file each, and the synthesizer to text files (``--format text --out DIR``),
with the ratio of each synthesizer figure to its baseline. One core, one process; docs per
CPU second (``time.process_time``) beside wall-clock docs/s, since other load on the machine
slows the wall clock but not the CPU time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alphanode.synth import SIZES, SynthOptions, generate


def timed(fn: Callable[[], None]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of this process (the CPU figure ignores other load)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--size", choices=SIZES, default="normal")
    args = ap.parse_args()
    count, options = args.count, SynthOptions(size=args.size)
    work = Path(tempfile.mkdtemp(prefix="alphanode-synth-bench-"))
    try:
        items = list(generate(count, 0, options))
        dicts = [i.document.to_dict() for i in items]
        pages = [i.to_text() for i in items]
        del items

        def baseline_jsonl() -> None:
            with (work / "base.jsonl").open("wb", buffering=1 << 20) as fh:
                for d in dicts:
                    line = json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n"
                    fh.write(line.encode("utf-8"))

        def synth_jsonl() -> None:
            with (work / "synth.jsonl").open("wb", buffering=1 << 20) as fh:
                for item in generate(count, 0, options):
                    fh.write((item.to_json() + "\n").encode("utf-8"))

        def baseline_text() -> None:
            out = work / "base-pages"
            out.mkdir()
            for n, page in enumerate(pages):
                (out / f"anp-{n:06d}.txt").write_bytes(page.encode("utf-8"))

        def synth_text() -> None:
            out = work / "synth-pages"
            out.mkdir()
            for item in generate(count, 0, options):
                (out / f"anp-{item.seed:06d}.txt").write_bytes(item.to_text().encode("utf-8"))

        runs = [
            ("baseline_json_dumps", baseline_jsonl),
            ("synth_jsonl", synth_jsonl),
            ("baseline_write_pages", baseline_text),
            ("synth_text", synth_text),
        ]
        times = {name: timed(fn) for name, fn in runs}
        rates = {name: count / wall for name, (wall, _) in times.items()}
        cpu_rates = {name: count / cpu for name, (_, cpu) in times.items()}
        same = (work / "base.jsonl").read_bytes() == (work / "synth.jsonl").read_bytes()
        results = {
            "count": count,
            "size": args.size,
            **{f"{k}_docs_s": round(v) for k, v in rates.items()},
            **{f"{k}_docs_per_cpu_s": round(v) for k, v in cpu_rates.items()},
            "jsonl_ratio": round(rates["synth_jsonl"] / rates["baseline_json_dumps"], 3),
            "text_ratio": round(rates["synth_text"] / rates["baseline_write_pages"], 3),
            "jsonl_cpu_ratio": round(
                cpu_rates["synth_jsonl"] / cpu_rates["baseline_json_dumps"], 3
            ),
            "jsonl_mb": round((work / "synth.jsonl").stat().st_size / 1e6, 1),
            "jsonl_identical_to_baseline": same,
            "python": sys.version.split()[0],
        }
        for name, label, ratio in (
            ("baseline_json_dumps", "baseline json.dumps → file", ""),
            ("synth_jsonl", "synth → JSONL file", f"ratio {results['jsonl_ratio']}"),
            ("baseline_write_pages", "baseline pages → files", ""),
            ("synth_text", "synth → text files", f"ratio {results['text_ratio']}"),
        ):
            print(
                f"{label:<28} : {rates[name]:>9,.0f} docs/s ({cpu_rates[name]:>9,.0f} per "
                f"CPU second)  {ratio}".rstrip()
            )
        print(json.dumps(results))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
