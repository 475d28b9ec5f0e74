"""Small document makers for tests: variants of the seed page with their own identity."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SEED

SEED_REF = "anp-ref-026145-7938"


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def variant(n: int, *, title: str | None = None, extra_paragraph: str = "") -> str:
    """The seed with reference ``anp-ref-<n>-0000`` and (optionally) another title."""
    text = seed_text().replace(SEED_REF, f"anp-ref-{n:06d}-0000")
    if title is not None:
        text = text.replace(
            "production checklist for documenting production defaults in python services: "
            "maintenance guide",
            title,
            1,
        )
    if extra_paragraph:
        text = text.replace("final notes\n", f"final notes\n\n{extra_paragraph}\n", 1)
    return text


def write_variants(directory: Path, count: int, start: int = 1) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(start, start + count):
        path = directory / f"page-{n:05d}.txt"
        path.write_text(variant(n, title=f"article number {n} about python services"), "utf-8")
        paths.append(path)
    return paths
