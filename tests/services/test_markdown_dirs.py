"""Hugo and Jekyll directories: identity below the import root, sections and categories from
the path, Jekyll file names, ``...`` front matter ends, drafts kept with their status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.formats import registry
from alphanode.services import importer
from alphanode.services.sources import iter_items, resolve
from alphanode.settings import Settings
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "markdown"


def documents(root: Path | str) -> dict[str, dict[str, object]]:
    """Every document read from ``root`` as import reads it, by title."""
    out: dict[str, dict[str, object]] = {}
    for item in iter_items(resolve([str(root)]), None, 10**7):
        for _, outcome in registry.read(item.kind, item.data, item.line, item.reader_name):
            doc = outcome.document  # type: ignore[union-attr]
            out[doc.title] = doc.meta
    return out


def test_reference_does_not_depend_on_how_the_path_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "blog"
    shutil.copytree(FIXTURES / "hugo", site)
    absolute = documents(site)
    monkeypatch.chdir(tmp_path)
    relative = documents("blog")
    dotted = documents("./blog/../blog/")
    assert absolute == relative == dotted
    assert absolute["First post"]["reference"] == "md:content/posts/first-post.md"
    assert absolute["A note"]["reference"] == "md:content/notes/plain.md"


def test_a_file_given_alone_is_named_by_its_own_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURES / "hugo" / "content" / "notes" / "plain.md"
    monkeypatch.chdir(path.parent.parent)
    assert documents(path)["A note"]["reference"] == "md:plain.md"
    assert documents("notes/plain.md")["A note"]["reference"] == "md:plain.md"


def test_reimport_from_another_working_directory_is_unchanged(
    db: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "blog"
    shutil.copytree(FIXTURES / "jekyll", site)
    first = importer.import_sources(db, settings, resolve([str(site)]))
    assert first.counts()["imported"] == 3
    monkeypatch.chdir(site.parent)
    second = importer.import_sources(db, settings, resolve(["blog"]))
    assert second.counts() == {"imported": 0, "updated": 0, "unchanged": 3, "rejected": 0}


def test_sections_and_categories_come_from_the_path() -> None:
    hugo = documents(FIXTURES / "hugo")
    assert hugo["First post"]["extra"] == {"section": "posts"}
    assert hugo["A note"]["extra"] == {"section": "notes"}
    jekyll = documents(FIXTURES / "jekyll")
    source = jekyll["Single digit date"]["source"]
    assert source["categories"] == ["linux"]  # type: ignore[index]
    assert "section" not in json.dumps(jekyll["Single digit date"].get("extra", {}))


def test_jekyll_dated_name_and_dots_front_matter_end() -> None:
    item = next(
        i
        for i in iter_items(resolve([str(FIXTURES / "jekyll")]), None, 10**7)
        if i.reader_name.endswith("2012-7-8-single-digit-date.md")
    )
    ((_, parsed),) = list(registry.read(item.kind, item.data, 1, item.reader_name))
    assert parsed.slug == "single-digit-date"  # type: ignore[union-attr]
    doc = parsed.document  # type: ignore[union-attr]
    assert doc.meta["source"]["published"] == "2012-07-08"
    assert doc.meta["extra"] == {"layout": "post"}
    assert doc.body[0].text.startswith("The front matter above ends")  # type: ignore[union-attr]
    assert "..." not in doc.body[0].text  # type: ignore[union-attr]


def test_drafts_and_unpublished_keep_their_source_status() -> None:
    hugo, jekyll = documents(FIXTURES / "hugo"), documents(FIXTURES / "jekyll")
    status = {t: m["source"]["status"] for t, m in {**hugo, **jekyll}.items()}  # type: ignore[index]
    assert status == {
        "First post": "draft",  # draft = true (TOML)
        "A note": "published",
        "Single digit date": "published",
        "Not published": "draft",  # published: false
        "Work in progress": "draft",  # in _drafts
    }


def test_front_matter_never_closed_is_rejected() -> None:
    outcomes = list(registry.read("markdown", b"---\ntitle: x\n\nbody\n", 1, "x.md"))
    assert len(outcomes) == 1
    assert "never closed" in str(outcomes[0][1])
