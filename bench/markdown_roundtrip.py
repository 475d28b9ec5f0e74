"""Markdown export → import round trip on synthesized posts: every post must come back `unchanged`.

    .venv/bin/python bench/markdown_roundtrip.py [--count 20000] [--rich 0.5] [--hostile 0.05]
        [--seed 1] [--db sqlite:///FILE | postgresql+psycopg://...] [--keep DIR] [--json]

Runs the real CLI, one step after another, each as its own process:
``synth --rich R --hostile H`` → ``import`` → ``review approve --all-pending`` →
``export --format markdown --out DIR`` → ``import DIR`` (must say ``unchanged`` for every
post, and nothing imported, updated or rejected). It also compares, post by post, the
document the Markdown file reads back as with the one ``export --format jsonl`` gives (the
same stored revision), and names the first posts that differ. Prints counts and the seconds
of each step; exit 1 when anything changed. ``tests/cli/test_markdown_roundtrip.py`` runs the
same steps on 300 posts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alphanode.errors import DocumentRejected
from alphanode.formats import jsonl, markdown

RunCli = Callable[[list[str]], tuple[int, str]]  # alphanode arguments → (exit code, stdout)
SAMPLES = 5  # differing posts named in the summary


def round_trip(
    run: RunCli,
    work: Path,
    count: int,
    rich: float,
    hostile: float,
    seed: int = 1,
    approved_db: bool = False,
) -> dict[str, Any]:
    """The steps above; the summary says what each produced and how long it took.

    ``approved_db``: the database already holds the imported and approved posts (a run
    stopped while approval drained the search outbox): only export, re-import, compare."""
    seconds: dict[str, float] = {}

    def step(name: str, args: list[str], ok: tuple[int, ...] = (0,)) -> Any:
        started = time.perf_counter()
        code, out = run(args)
        seconds[name] = round(time.perf_counter() - started, 2)
        if code not in ok:
            raise SystemExit(f"alphanode {' '.join(args)}: exit {code}\n{out[-2000:]}")
        return json.loads(out) if out.strip().startswith("{") else out

    source, out_dir, again = work / "synth.jsonl", work / "markdown", work / "export.jsonl"
    made: dict[str, Any] = {"count": None, "hostile": None}
    first: dict[str, Any] = {"imported": None, "rejected": None}
    approved: dict[str, Any] = {"count": None}
    if not approved_db:
        made = step(
            "synth",
            ["synth", "--count", str(count), "--seed", str(seed), "--rich", str(rich)]
            + ["--hostile", str(hostile), "--format", "jsonl", "--out", str(source), "--json"],
        )
        first = step("import", ["import", str(source), "--json"], ok=(0, 3))
        approved = step(
            "approve", ["review", "approve", "--all-pending", "--as", "bench", "--json"]
        )
    step("export", ["export", "--format", "markdown", "--out", str(out_dir)])
    step("export_jsonl", ["export", "--format", "jsonl", "--out", str(again)])
    second = step("reimport", ["import", str(out_dir), "--json"], ok=(0, 3))
    started = time.perf_counter()
    equal, differing = compare(again, out_dir)
    seconds["compare"] = round(time.perf_counter() - started, 2)
    with again.open(encoding="utf-8") as fh:
        posts = sum(1 for _ in fh)  # every post the database holds
    if first["imported"] is not None and first["imported"] != posts:
        raise SystemExit(f"{first['imported']} imported but {posts} exported")
    return {
        "count": count,
        "rich": rich,
        "hostile": hostile,
        "synthesized": made["count"],
        "hostile_documents": made["hostile"],
        "posts": posts,
        "rejected_on_import": first["rejected"],
        "approved": approved["count"],
        "markdown_files": len(list(out_dir.glob("*.md"))),
        "markdown_bytes": sum(p.stat().st_size for p in out_dir.glob("*.md")),
        "reimport": {k: second[k] for k in ("unchanged", "updated", "imported", "rejected")},
        "documents_equal": equal,
        "differing": differing,
        "seconds": seconds,
        "reimport_docs_per_second": second.get("docs_per_second"),
        "all_unchanged": second["unchanged"] == posts
        and second["imported"] == second["updated"] == second["rejected"] == 0
        and equal == posts,
    }


def compare(exported: Path, out_dir: Path) -> tuple[int, list[dict[str, str]]]:
    """(posts whose Markdown file reads back as their stored document, the first that don't)."""
    equal = 0
    differing: list[dict[str, str]] = []
    with exported.open(encoding="utf-8") as fh:
        for line in fh:
            stored = jsonl.from_object(json.loads(line))
            path = out_dir / f"{stored.slug}.md"
            try:
                back = markdown.parse(path.read_text("utf-8"), path.name)
            except DocumentRejected as exc:
                differing.append({"slug": str(stored.slug), "rejected": str(exc.problems[:2])})
                continue
            want, got = jsonl.dumps(stored.document), jsonl.dumps(back.document)
            if want == got and back.slug == stored.slug:
                equal += 1
            elif len(differing) < SAMPLES:
                differing.append({"slug": str(stored.slug), **_first_difference(want, got)})
    return equal, differing


def _first_difference(want: str, got: str) -> dict[str, str]:
    at = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), None)
    at = min(len(want), len(got)) if at is None else at
    return {"stored": want[max(0, at - 120) : at + 120], "read": got[max(0, at - 120) : at + 120]}


def subprocess_cli(db: str) -> RunCli:
    def run(args: list[str]) -> tuple[int, str]:
        done = subprocess.run(  # noqa: S603 - our own CLI, arguments built above
            [sys.executable, "-m", "alphanode", "--db", db, *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode, done.stdout + (done.stderr if done.returncode not in (0, 3) else "")

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--rich", type=float, default=0.5)
    ap.add_argument("--hostile", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db", help="a database URL (default: a new SQLite file in the work dir)")
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument(
        "--approved-db",
        action="store_true",
        help="--db already holds the approved posts: only export, re-import and compare",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="md-roundtrip-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = args.db or f"sqlite:///{work / 'roundtrip.db'}"
        if args.approved_db and not args.db:
            raise SystemExit("--approved-db needs --db")
        summary = round_trip(
            subprocess_cli(db),
            work,
            args.count,
            args.rich,
            args.hostile,
            args.seed,
            approved_db=args.approved_db,
        )
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        again = summary["reimport"]
        print(
            f"{summary['synthesized']} synthesized (rich {summary['rich']}, hostile "
            f"{summary['hostile_documents']}); {summary['posts']} posts, "
            f"{summary['rejected_on_import']} rejected; {summary['approved']} approved; "
            f"{summary['markdown_files']} Markdown files "
            f"({summary['markdown_bytes'] / 1e6:.1f} MB)"
        )
        print(
            f"re-import: unchanged {again['unchanged']}, updated {again['updated']}, "
            f"imported {again['imported']}, rejected {again['rejected']}; "
            f"documents equal {summary['documents_equal']}/{summary['posts']}"
        )
        print("seconds: " + ", ".join(f"{k} {v}" for k, v in summary["seconds"].items()))
        for d in summary["differing"]:
            print(f"differs: {d}")
        print("all unchanged" if summary["all_unchanged"] else "CHANGED")
    raise SystemExit(0 if summary["all_unchanged"] else 1)


if __name__ == "__main__":
    main()
