"""``alphanode search``, ``alphanode similar`` and ``alphanode reindex``."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from alphanode.cli.output import count_progress, print_json, site
from alphanode.services import indexing
from alphanode.services import search as search_service

_TAG = re.compile(r"</?mark>")


def _plain(snippet: str) -> str:
    import html

    return html.unescape(_TAG.sub("", snippet))


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words, "a phrase", or prefix*.')],
    stack: Annotated[str | None, typer.Option(help="Only this stack.")] = None,
    tools: Annotated[str | None, typer.Option(help="Only posts using this tool.")] = None,
    difficulty: Annotated[str | None, typer.Option(help="Only this difficulty.")] = None,
    code_language: Annotated[str | None, typer.Option(help="Only this code language.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show what each term scored in each field.")
    ] = False,
) -> None:
    """Search published posts (BM25 over title, topic, stack/tools and body; stemmed)."""
    here = site(ctx)
    here.index_pending()
    if explain:
        for hit, parts in search_service.explain(here, query, limit):
            typer.echo(f"{hit.score:7.3f}  {hit.card.ref}  {hit.card.title}")
            for c in parts:
                typer.echo(f"         {c.score:7.3f}  {c.term}  in {c.field}")
        return
    filters = {
        "stack": stack,
        "tools": tools,
        "difficulty": difficulty,
        "code_language": code_language,
    }
    result = search_service.search(here, query, filters, 1, limit)
    if as_json:
        print_json(
            {
                "query": query,
                "filters": result.filters,
                "total": result.total,
                "hits": [
                    {
                        "ref": h.card.ref,
                        "slug": h.card.slug,
                        "title": h.card.title,
                        "score": round(h.score, 4),
                        "snippet": h.snippet,
                    }
                    for h in result.hits
                ],
                "facets": {k: dict(v) for k, v in result.facets.items()},
            }
        )
        return
    for h in result.hits:
        typer.echo(f"{h.score:7.3f}  {h.card.ref}  {h.card.title}")
        if h.snippet:
            typer.echo(f"         {_plain(h.snippet)}")
    typer.echo(f"{result.total} matching", err=True)
    if result.matched == "some":
        typer.echo("no post holds all the words: showing results for most of them", err=True)
    if result.suggestion:
        typer.echo(f"did you mean: {result.suggestion}", err=True)


def similar(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A live post's reference or slug.")],
    limit: Annotated[int, typer.Option(min=1, max=10, help="At most this many.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the shared terms and tags behind each score.")
    ] = False,
) -> None:
    """The precomputed Similar Posts of a live post, with scores and reasons."""
    here = site(ctx)
    here.index_pending()
    if explain:
        post, explained = search_service.similar_explained(here, ref, limit)
        typer.echo(f"{post.ref}  {post.title}")
        for s, parts in explained:
            typer.echo(f"{s.score:7.3f}  {s.card.ref}  {s.card.title}")
            for term, part, share in parts:
                typer.echo(f"         {share:7.3f}  {term}  ({part})")
        return
    post, found = search_service.similar_to(here.engine, ref, limit)
    if as_json:
        print_json(
            {
                "ref": post.ref,
                "title": post.title,
                "similar": [
                    {
                        "ref": s.card.ref,
                        "slug": s.card.slug,
                        "title": s.card.title,
                        "score": s.score,
                        "why": list(s.why),
                    }
                    for s in found
                ],
            }
        )
        return
    typer.echo(f"{post.ref}  {post.title}")
    for s in found:
        typer.echo(f"{s.score:7.3f}  {s.card.ref}  {s.card.title}  ({'; '.join(s.why)})")


def reindex(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Go on with a reindex that was stopped while it wrote the lists."
        ),
    ] = False,
) -> None:
    """Rebuild the search index and every Similar Posts list from the database."""
    here = site(ctx)
    with count_progress(None, "reindex") as bar:

        def step(done: int, total: int) -> None:
            if bar is not None:
                bar.update(bar.task_ids[0], completed=done, total=total)

        report = indexing.reindex(here, step, resume=resume)
    if as_json:
        print_json({"indexed": report.indexed, "lists": report.lists})
        return
    typer.echo(f"indexed {report.indexed} posts, {report.lists} similar-posts lists")


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("similar")(similar)
    app.command("reindex")(reindex)
