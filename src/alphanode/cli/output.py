"""Shared CLI output: JSON on stdout, messages on stderr, progress bars only on a terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import Engine

from alphanode.services.runtime import Site
from alphanode.settings import Settings


def site(ctx: typer.Context) -> Site:
    """The command's ``Site``, built by the root callback and closed when the command ends."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Site)  # noqa: S101 - set by the root callback
    return obj


def settings(ctx: typer.Context) -> Settings:
    return site(ctx).settings


def database(ctx: typer.Context, *, migrate: bool = True) -> Engine:
    """The command's database engine (the site's; closed when the command ends)."""
    return site(ctx).engine if migrate else site(ctx).unmigrated_engine()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def err(message: str) -> None:
    sys.stderr.write(message + "\n")


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def _progress(
    total: int | None, label: str, *columns: ProgressColumn, **fields: Any
) -> Iterator[Progress | None]:
    """A progress bar on stderr when stderr is a terminal; None (nothing drawn) in a pipe."""
    if not stderr_is_terminal():
        yield None
        return
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        *columns,
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    with bar:
        bar.add_task(label, total=total, **fields)
        yield bar


def byte_progress(total: int | None, label: str) -> AbstractContextManager[Progress | None]:
    """Progress over bytes read, with a count of documents (``update(..., docs=n)``)."""
    return _progress(total, label, DownloadColumn(), TextColumn("{task.fields[docs]} docs"), docs=0)


def count_progress(total: int | None, label: str) -> AbstractContextManager[Progress | None]:
    """Progress over a count of items."""
    return _progress(total, label, MofNCompleteColumn())
