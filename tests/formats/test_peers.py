"""Conformance on the peers' real export files (../shared/peers, see its SOURCES.md): per
file, what is stored (titles, counts, authors, tags, body samples) and what is reported.

Skips with a reason when ../shared is not beside the repository (a bare clone);
tests/formats/test_own_formats.py covers every reader there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from alphanode.formats import registry
from tests.conftest import Cli, need_shared
from tests.formats.readback import Read, hrefs, of_type, read_file, source

WP = "wordpress-importer/phpunit/data/"
E2E = "wordpress-importer/e2e/fixtures/"
GHOST = "ghost/ghost-4.12.1/test/utils/fixtures/"
MIGRATE = "jekyll/tryghost-migrate/packages/mg-jekyll-export/test/fixtures/"
HUGO = "hugo/hugoBasicExample/content/"
RSS = "rss/"


def peer(name: str) -> Read:
    return read_file(need_shared("peers/" + name), name)


# file → (reader, number of posts, first titles, authors of the first, tags of the first)
STORED: dict[str, tuple[str, int, list[str], list[str] | None, list[str] | None]] = {
    E2E + "wxr-comprehensive.xml": (
        "wordpress",
        2,
        ["Comprehensive Post", "Comprehensive Page"],
        ["Alice"],
        ["T1", "T2"],
    ),
    WP + "small-export.xml": (
        "wordpress",
        11,
        ["Hello world!", "Sample Page", "Child Page", "Parent Page", "Draft Page"],
        ["author"],
        None,
    ),
    WP + "valid-wxr-1.0.xml": (
        "wordpress",
        6,
        ["Hello world!", "About", "Alpha post", "Child post"],
        ["admin"],
        None,
    ),
    WP + "valid-wxr-1.1.xml": (
        "wordpress",
        2,
        ["Hello world!", "About"],
        ["John Doe"],
        ["Clippable"],
    ),
    WP + "namespace-edge-cases.xml": (
        "wordpress",
        5,
        ["Mixed Namespaces", "No Prefix", "Empty Namespace", "Unicode Namespace", "Namespace Bomb"],
        None,
        None,
    ),
    WP + "wxr-flat-attachment-same-site.xml": (
        "wordpress",
        1,
        ["Post with Attachment"],
        ["a11y Team"],
        None,
    ),
    GHOST + "export/v2_export.json": (
        "ghost",
        7,
        ["Creating a custom theme", "Apps & integrations"],
        ["Ghost"],
        ["Getting Started"],
    ),
    GHOST + "export/v3_export.json": (
        "ghost",
        7,
        ["Creating a custom theme", "Apps & integrations"],
        ["Ghost"],
        ["Getting Started"],
    ),
    GHOST + "export/valid.json": (
        "ghost",
        2,
        ["Setting up your own Ghost theme", "Advanced Markdown tips"],
        ["Joe Blogg's Brother"],
        ["tag1"],
    ),
    "ghost/tryghost-migrate/packages/mg-assetscraper-db/src/test/fixtures/ghost.json": (
        "ghost",
        3,
        ["Post 1", "Post 2", "Post 3 - Lexical"],
        ["Alice Johnson"],
        ["News"],
    ),
    HUGO + "post/markdown-syntax.md": (
        "markdown",
        1,
        ["Markdown Syntax Guide"],
        ["Hugo Authors"],
        ["markdown", "css", "html"],
    ),
    HUGO + "post/rich-content.md": (
        "markdown",
        1,
        ["Rich Content"],
        ["Hugo Authors"],
        ["shortcodes", "privacy"],
    ),
    MIGRATE + "2022-06-03-front-matter-tags-cats.md": (
        "markdown",
        1,
        ["This has front matter"],
        None,
        ["dolor", "Simet-Amet"],
    ),
    MIGRATE + "2022-06-05-basic.html": ("html", 1, ["Basic HTML Post"], ["Mark Stosberg"], None),
    MIGRATE + "unquoted-date.markdown": ("markdown", 1, ["Unquoted Date"], ["Mark Stosberg"], None),
    RSS + "docs/examples/examples/atom10.xml": (
        "feed",
        1,
        ["First entry title"],
        ["Mark Pilgrim"],
        None,
    ),
    RSS + "docs/examples/examples/rss20.xml": (
        "feed",
        1,
        ["First item title"],
        ["mark@example.org"],
        ["Miscellaneous"],
    ),
    # No encoding declared: guessed (chardet), the guess reported as a warning.
    RSS + "tests/illformed/chardet/koi8r.xml": (
        "feed",
        1,
        ["Как пережить новогоднюю ночь"],
        None,
        None,
    ),
    RSS + "tests/illformed/chardet/euckr.xml": (
        "feed",
        1,
        ["EUC-KR 에서 TypeKey 한글닉네임 표시하기"],
        None,
        None,
    ),
    RSS + "tests/json/example.json": (
        "feed",
        2,
        ["post 2", "Hello, world!"],
        None,
        ["test", "JSON"],
    ),
}


@pytest.mark.parametrize("name", sorted(STORED))
def test_stored_per_file(name: str) -> None:
    kind, count, titles, authors, tags = STORED[name]
    read = peer(name)
    assert read.kind == kind
    assert len(read.docs) == count
    assert read.titles()[: len(titles)] == titles
    assert source(read.docs[0]).get("authors") == authors
    assert source(read.docs[0]).get("tags") == tags


# file → (code of the problem, line, a part of the value seen)
REJECTED: dict[str, tuple[str, int, str]] = {
    WP + "crazy-cdata.xml": ("AN-IMPORT-031", 18, "not allowed in content at line 18, column 70"),
    WP + "malformed-simple.xml": ("AN-IMPORT-031", 14, "Premature end of data"),
    WP + "malformed.xml": ("AN-IMPORT-031", 90, "Opening and ending tag mismatch"),
    WP + "invalid-version-tag.xml": ("AN-IMPORT-030", 26, "abc"),
    WP + "missing-version-tag.xml": ("AN-IMPORT-030", 26, ""),
    WP + "namespace-edge-cases.xml": ("AN-IMPORT-032", 94, "Hijacked Namespace"),
    GHOST + "export/broken.json": ("AN-IMPORT-040", 1, "asdadas"),
    GHOST + "import/import-data-lts.json": ("AN-IMPORT-040", 1, "000"),
    RSS + "tests/illformed/aaa_illformed.xml": ("AN-IMPORT-050", 7, "unclosed token at line 7"),
    RSS + "tests/wellformed/rss/item_guid_not_permalink.xml": ("AN-IMPORT-051", 1, "no title"),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_reported_per_file(name: str) -> None:
    code, line, value = REJECTED[name]
    problem = peer(name).rejected[0]
    assert (problem.code, problem.line) == (code, line)
    assert value in problem.value
    assert problem.expected


@pytest.mark.parametrize(
    ("name", "what"),
    [
        (WP + "large-authors.xml", ["export without items"]),
        (WP + "term-formats.xml", ["export without items"]),
        (WP + "valid-wxr-1.1.xml", ["comment"]),
        (WP + "wxr-flat-attachment-same-site.xml", ["attachment"]),
        (RSS + "tests/wellformed/rss/rss_version_missing.xml", ["feed without entries"]),
        (HUGO + "_index.md", ["hugo list page (_index)"]),
        (HUGO + "post/_index.md", ["hugo list page (_index)"]),
        (HUGO + "homepage/index.md", ["hugo headless bundle"]),
    ],
)
def test_skipped_per_file_with_their_type(name: str, what: list[str]) -> None:
    assert peer(name).skipped == what


def test_every_file_is_stored_or_reported() -> None:
    root = need_shared("peers")
    suffixes = set(registry.suffixes())
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix.lower() in suffixes]
    assert len(files) > 180
    for path in files:
        read = read_file(path, path.relative_to(root).as_posix())
        assert read.docs or read.rejected or read.skipped, path
        for problem in read.rejected:
            assert problem.code and problem.field and problem.expected, (path, problem)


def test_body_samples() -> None:
    syntax = peer(HUGO + "post/markdown-syntax.md").docs[0]
    assert of_type(syntax, "table")[0]["rows"][0] == ["Name", "Age"]
    assert ("html", "<!doctype html>") in [
        (c.get("lang"), c["value"].split("\n")[0]) for c in of_type(syntax, "code")
    ]
    tips = peer(GHOST + "export/valid.json").doc("Advanced Markdown tips")
    assert "http://prismjs.com/" in hrefs(tips)
    assert of_type(tips, "code")[0]["value"].startswith(".my-link {")
    sample = peer(WP + "small-export.xml").doc("Sample Page")
    assert "http://localhost/wp-admin/" in hrefs(sample)
    assert of_type(sample, "blockquote")
    attached = peer(WP + "wxr-flat-attachment-same-site.xml").docs[0]
    assert of_type(attached, "image")  # the attachment became a figure of its post


def test_source_status_and_identity() -> None:
    small = peer(WP + "small-export.xml")
    assert source(small.doc("Draft Page"))["status"] == "draft"
    assert source(small.doc("Private Post"))["status"] == "private"
    assert small.docs[0]["meta"]["reference"].startswith("wp:localhost/")
    jekyll = peer(MIGRATE + "2022-06-05-published-false.md").docs[0]
    assert source(jekyll)["status"] == "draft"
    rocket = peer(E2E + "wxr-base-url-rewriting.xml").docs[0]
    assert rocket["meta"]["reference"].startswith("wp:science.com/science/10~")
    hashed = peer("jekyll/test/source/_posts/2009-03-12-hash-#1.markdown").docs[0]
    assert hashed["meta"]["reference"].startswith("md:jekyll/test/source/_posts/2009-03-12-hash-")


def _run(cli: Cli, path: str) -> dict[str, Any]:
    result = cli("import", path, "--json")
    assert result.exit_code == 3, result.output  # some input rejected, the rest stored
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_whole_directory_twice_everything_stored_or_reported(cli: Cli) -> None:
    root = need_shared("peers")
    first = _run(cli, str(root))
    assert set(first["by_format"]) == {"feed", "ghost", "html", "markdown", "wordpress"}
    assert first["updated"] == 0  # no reference flips between two files in one run
    assert first["imported"] > 150
    assert len(first["errors"]) >= first["rejected"]  # a rejection may name several problems
    for error in first["errors"]:
        assert error["file"] and error["line"] and error["expected"], error
    second = _run(cli, str(root))
    stored = first["imported"] + first["unchanged"]
    assert (second["imported"], second["updated"], second["unchanged"]) == (0, 0, stored)
    assert second["rejected"] == first["rejected"]
    assert second["skipped_by_type"] == first["skipped_by_type"]
