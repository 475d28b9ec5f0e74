"""``alphanode import`` and ``alphanode rejects``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from alphanode.cli.documents import FormatOption
from alphanode.cli.output import byte_progress, database, err, print_json, settings
from alphanode.errors import EXIT_OK, EXIT_REJECTED
from alphanode.formats import registry
from alphanode.services import importer, sources
from alphanode.services.importer import ImportReport


def import_(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files, directories (searched for every extension a reader knows) or - for stdin."
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary object on stdout.")
    ] = False,
    fmt: FormatOption = registry.AUTO,
    only_published: Annotated[
        bool,
        typer.Option(
            "--only-published",
            help="Skip items their source says are not public (drafts, private...): counted.",
        ),
    ] = False,
) -> None:
    """Import scraped pages, JSON/JSONL, Markdown, HTML, WordPress WXR and Ghost exports;
    re-importing is safe (idempotent).

    Exit 0 when every document was accepted, 3 when some were rejected (the others are
    imported; see `alphanode rejects`), 2 for usage errors.
    """
    conf = settings(ctx)
    found = sources.resolve(paths, fmt)
    engine = database(ctx)
    with byte_progress(found.total_bytes or None, "importing") as bar:

        def progress(done: int, docs: int) -> None:
            if bar is not None:
                bar.update(bar.task_ids[0], completed=done, docs=docs)

        report = importer.import_sources(
            engine,
            conf,
            found,
            stdin=sys.stdin.buffer,
            progress=progress,
            only_published=only_published,
        )
    if as_json:
        print_json(report.to_dict())
    else:
        _human(report)
    raise typer.Exit(EXIT_REJECTED if report.rejected else EXIT_OK)


def _human(report: ImportReport) -> None:
    for who, result in report.outcomes:
        typer.echo(f"{result:<10} {who}")
    if report.documents > len(report.outcomes):
        typer.echo(f"... and {report.documents - len(report.outcomes)} more")
    for error in report.errors[:50]:
        err(f"rejected: {error['message']}")
    if len(report.errors) > 50:
        err(f"... {len(report.errors) - 50} more problems: see `alphanode rejects`")
    rate = report.to_dict()["docs_per_second"]
    typer.echo(
        f"imported {report.imported}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {report.rejected}, skipped {sum(report.skipped.values())}, "
        f"warnings {report.warnings} "
        f"in {report.seconds:.2f} s ({rate} docs/s)"
    )


def rejects_(
    ctx: typer.Context,
    run: Annotated[int | None, typer.Option("--run", help="Only this import run.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List rejected documents, newest first, with what was wrong and where."""
    engine = database(ctx)
    rows = importer.list_rejects(engine, run, limit)
    if as_json:
        print_json(
            [
                {
                    "id": r.id,
                    "run_id": r.run_id,
                    "source": r.source,
                    "created_at": r.created_at.isoformat(timespec="seconds"),
                    "problems": r.problems,
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        typer.echo(f"#{r.id} run {r.run_id} {r.message}")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("rejects")(rejects_)
