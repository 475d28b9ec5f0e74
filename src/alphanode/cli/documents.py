"""``alphanode parse``, ``show``, ``export``, ``revisions`` and ``rollback``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from alphanode.cli.output import count_progress, database, err, print_json
from alphanode.errors import EXIT_REJECTED, DocumentRejected, UsageError
from alphanode.formats import jsonl, markdown_writer, registry
from alphanode.formats.render import render
from alphanode.services import documents
from alphanode.services.sources import display_name, resolve

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help=f"The input's format: {registry.AUTO} (by extension, then by content) or "
        + ", ".join(registry.names())
        + ".",
    ),
]


def parse(
    file: Annotated[str, typer.Argument(help="A scraped page, a .json or .jsonl file, or -.")],
    as_json: JsonOption = False,
    fmt: FormatOption = registry.AUTO,
) -> None:
    """Read one file and print the canonical document(s); touches no database.

    The same reader as `alphanode import` reads it, so both report the same problems.
    """
    found = resolve([file], fmt)
    data = sys.stdin.buffer.read() if found.stdin else found.files[0].read_bytes()
    name = display_name(file)
    kind = registry.choose(file, data[: registry.SNIFF_BYTES], fmt)
    failed = False
    # The reader sees the name import gives it (the file's own name), so both agree.
    below = found.names[0] if found.names else file
    for _, outcome in registry.read_all(kind, data, below):
        if isinstance(outcome, DocumentRejected):
            failed = True
            for problem in outcome.located(name).problems:
                err(f"rejected: {problem.message()}")
            continue
        for w in outcome.warnings:
            err(f"warning: {name}:{w.line or '?'} {w.field}: {w.detail} ({w.value!r})")
        if as_json:
            sys.stdout.write(jsonl.dumps(outcome.document, indent=2) + "\n")
        else:
            sys.stdout.write(render(outcome.document))
    if failed:
        raise typer.Exit(EXIT_REJECTED)


def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A post's reference or slug.")],
    revision: Annotated[
        int | None, typer.Option("--revision", min=1, help="An older revision.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print a post: its canonical document plus slug, status and revision number."""
    stored = documents.show(database(ctx), ref, revision)
    if as_json:
        print_json(stored.to_dict())
        return
    p = stored.post
    typer.echo(f"# {p.ref}  slug {p.slug}  status {p.status}  revision {p.current_revision}")
    sys.stdout.write(render(stored.document))


def export(
    ctx: typer.Context,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (lossless), markdown (lossless) or text.")
    ] = "jsonl",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="A file for jsonl (default stdout); a directory for text and markdown."
        ),
    ] = None,
) -> None:
    """Write every post's current revision; importing the export re-creates the same posts."""
    if fmt not in ("jsonl", "text", "markdown"):
        raise UsageError(f"--format {fmt!r}", "jsonl, markdown or text")
    engine = database(ctx)
    if fmt in ("text", "markdown"):
        suffix = ".md" if fmt == "markdown" else ".txt"
        if out is None or (out.exists() and not out.is_dir()):
            raise UsageError(
                f"--format {fmt} needs --out DIRECTORY",
                f"a directory to write one {suffix} per post",
            )
        out.mkdir(parents=True, exist_ok=True)
        with count_progress(None, "exporting") as bar:
            for row, doc in documents.export(engine):
                if fmt == "markdown":
                    when = (row.published_at or row.created_at).date().isoformat()
                    text = markdown_writer.render(doc, slug=row.slug, date=when)
                else:
                    text = render(doc)
                (out / f"{row.slug}{suffix}").write_text(text, encoding="utf-8")
                if bar is not None:
                    bar.advance(bar.task_ids[0])
        return
    stream: TextIO = (
        sys.stdout if out is None or str(out) == "-" else out.open("w", encoding="utf-8")
    )
    try:
        for row, doc in documents.export(engine):
            stream.write(jsonl.dumps(doc, extra={"slug": row.slug}) + "\n")
    finally:
        if stream is not sys.stdout:
            stream.close()


def revisions(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A post's reference or slug.")],
    as_json: JsonOption = False,
) -> None:
    """List a post's revisions, one line each (the current one is marked with *)."""
    post, revs = documents.history(database(ctx), ref)
    if as_json:
        print_json({"ref": post.ref, "slug": post.slug, "revisions": [r.to_dict() for r in revs]})
        return
    for r in revs:
        mark = "*" if r.current else " "
        typer.echo(
            f"{mark} {r.number:>3}  {r.created_at}  {r.content_hash[:12]}  "
            f"warnings {r.warnings}  {r.source}  {r.title}"
        )


def rollback(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A post's reference or slug.")],
    to: Annotated[int, typer.Option("--to", min=1, help="The revision to bring back.")],
) -> None:
    """Bring back an earlier revision as a new revision (history is never rewritten)."""
    number = documents.rollback(database(ctx), ref, to)
    typer.echo(f"{ref}: revision {number} is now current (a copy of revision {to})")


def register(app: typer.Typer) -> None:
    app.command("parse")(parse)
    app.command("show")(show)
    app.command("export")(export)
    app.command("revisions")(revisions)
    app.command("rollback")(rollback)
