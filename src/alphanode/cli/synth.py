"""``alphanode synth``: documents from the anp content synthesizer, as pages or JSONL."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from alphanode.cli.output import count_progress, err, print_json
from alphanode.errors import UsageError
from alphanode.synth import SIZES, SynthItem, SynthOptions, generate

FORMATS = ("text", "jsonl")
_PROGRESS_EVERY = 1000  # documents between progress bar updates (the bar costs time too)
_Progress = Callable[[int], None]


@dataclass
class _Tally:
    documents: int = 0
    near_duplicates: int = 0
    hostile: int = 0
    rejected: int = 0
    bytes: int = 0

    def add(self, item: SynthItem, size: int) -> None:
        self.documents += 1
        self.bytes += size
        if item.plain:  # a normal document: nothing else to count
            return
        if item.near_duplicate_of:
            self.near_duplicates += 1
        elif item.hostile:
            self.hostile += 1
            self.rejected += item.rejected


def synth(
    count: Annotated[int, typer.Option("--count", help="How many documents.")],
    seed: Annotated[
        int, typer.Option("--seed", help="Document k is made from seed S+k (S ≥ 0).")
    ] = 0,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (one JSON object per line) or text (pages).")
    ] = "jsonl",
    out: Annotated[
        str,
        typer.Option(
            "--out",
            help="jsonl: a FILE or - (stdout). text: a DIRECTORY (anp-<seed>.txt each); "
            "a FILE.txt or - only with --count 1.",
        ),
    ] = "-",
    near_duplicates: Annotated[
        float,
        typer.Option("--near-duplicates", help="Fraction (0..1) that are light edits of another."),
    ] = 0.0,
    hostile: Annotated[
        float,
        typer.Option(
            "--hostile", help="Fraction (0..1) carrying markup, scripts, bad URLs, wrong types."
        ),
    ] = 0.0,
    rich: Annotated[
        float,
        typer.Option(
            "--rich",
            help="Fraction (0..1) with inline code, links, a code block in the stack's "
            "language, a table and a numbered procedure (jsonl only).",
        ),
    ] = 0.0,
    size: Annotated[
        str,
        typer.Option("--size", help="small (~2.7 KB), normal (~4.3 KB) or large (~20 KB) pages."),
    ] = "normal",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout (needs --out).")
    ] = False,
) -> None:
    """Make deterministic synthetic articles for import and load tests.

    The same options give the same bytes on any machine. Exit 0 when written, 2 for usage
    errors (a rate outside 0..1, an unknown format or size, text to one file with --count > 1,
    --rich with --format text).
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}", "jsonl or text")
    if size not in SIZES:
        raise UsageError(f"--size {size!r}", "small, normal or large")
    if count < 0 or seed < 0:
        raise UsageError(f"--count {count} --seed {seed}", "whole numbers of 0 or more")
    if rich and fmt != "jsonl":
        # The scraped text format has no code blocks, links or tables: rich documents
        # written as pages would not read back as the same documents.
        raise UsageError(f"--rich {rich} with --format {fmt}", "--format jsonl for --rich")
    options = SynthOptions(size, near_duplicates, hostile, rich)
    to_stdout = out == "-"
    if as_json and to_stdout:
        raise UsageError("--json with --out -", "--out FILE or DIR: stdout carries the documents")
    items = generate(count, seed, options)
    started = time.perf_counter()
    with count_progress(count, "synthesizing") as bar:

        def progress(done: int) -> None:
            if bar is not None:
                bar.update(bar.task_ids[0], completed=done)

        if fmt == "jsonl":
            tally = _write_jsonl(items, out, progress)
        else:
            tally = _write_text(items, out, count, progress)
    seconds = time.perf_counter() - started
    summary = {
        "count": tally.documents,
        "seed": seed,
        "format": fmt,
        "size": size,
        "out": out,
        "bytes": tally.bytes,
        "seconds": round(seconds, 3),
        "docs_per_second": round(tally.documents / seconds) if seconds > 0 else None,
        "near_duplicates": tally.near_duplicates,
        "hostile": tally.hostile,
        "rejected_on_import": tally.rejected,
    }
    if as_json:
        print_json(summary)
    elif not to_stdout:
        err(
            f"wrote {tally.documents} documents ({tally.bytes / 1e6:.1f} MB) to {out} in "
            f"{seconds:.2f} s ({summary['docs_per_second']} docs/s); near-duplicates "
            f"{tally.near_duplicates}, hostile {tally.hostile} ({tally.rejected} to be rejected)"
        )


@contextmanager
def _binary_out(out: str) -> Iterator[BinaryIO]:
    """stdout's bytes, or a new file (its directory made): UTF-8 and ``\\n`` everywhere."""
    if out == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"--out {out} is a directory", "a file for --format jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb", buffering=1 << 20) as fh:
        yield fh


def _write_jsonl(items: Iterator[SynthItem], out: str, progress: _Progress) -> _Tally:
    tally = _Tally()
    with _binary_out(out) as fh:
        for item in items:
            data = (item.to_json() + "\n").encode("utf-8")
            fh.write(data)
            tally.add(item, len(data))
            if tally.documents % _PROGRESS_EVERY == 0:
                progress(tally.documents)
    progress(tally.documents)
    return tally


def _write_text(items: Iterator[SynthItem], out: str, count: int, progress: _Progress) -> _Tally:
    tally = _Tally()
    directory = Path(out)
    if out == "-" or (out.endswith(".txt") and not directory.is_dir()):
        if count != 1:
            raise UsageError(
                f"--format text --out {out} with --count {count}",
                "a directory (one page per document), or --count 1 for one page",
            )
        with _binary_out(out) as fh:
            for item in items:
                data = item.to_text().encode("utf-8")
                fh.write(data)
                tally.add(item, len(data))
        return tally
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--out {out} is a file", "a directory for --format text")
    directory.mkdir(parents=True, exist_ok=True)
    for item in items:
        data = item.to_text().encode("utf-8")
        (directory / f"anp-{item.seed:06d}.txt").write_bytes(data)
        tally.add(item, len(data))
        if tally.documents % _PROGRESS_EVERY == 0:
            progress(tally.documents)
    progress(tally.documents)
    return tally


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
