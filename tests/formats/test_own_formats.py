"""Every reader on the project's own small fixtures (tests/fixtures/formats): a bare clone
tests each format, the identity rules and the two-runs-unchanged property."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, Cli
from tests.formats.readback import hrefs, of_type, read_file, source

OWN = FIXTURES / "formats"


def run(cli: Cli, *paths: str) -> dict[str, Any]:
    result = cli("import", *paths, "--json")
    assert result.exit_code in (0, 3), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_the_directory_twice_every_format_then_all_unchanged(cli: Cli) -> None:
    first = run(cli, str(OWN))
    assert first["by_format"] == {
        "feed": {"imported": 4, "rejected": 1},
        "ghost": {"imported": 3},
        "html": {"imported": 1},
        "json": {"imported": 1},
        "jsonl": {"imported": 1},
        "markdown": {"imported": 2},
        "scraped": {"imported": 1},
        "wordpress": {"imported": 4, "rejected": 1, "skipped": 3},
    }
    assert first["skipped_by_type"] == {"attachment": 1, "comment": 1, "nav_menu_item": 1}
    second = run(cli, str(OWN))
    assert (second["imported"], second["updated"], second["unchanged"]) == (0, 0, 17)
    assert second["rejected"] == first["rejected"] == 2  # the same two, reported again


def test_wordpress_export_maps_every_field() -> None:
    read = read_file(OWN / "wordpress" / "export.xml", "wordpress/export.xml")
    assert read.kind == "wordpress"
    assert read.titles() == [
        "Rotating logs with logrotate",
        "Rotating logs with logrotate",
        "Members only: log shipping",
    ]
    assert sorted(read.skipped) == ["attachment", "comment", "nav_menu_item"]
    first, second, protected = read.docs
    # A password-protected post: never public without review; the password is not kept.
    assert source(protected)["status"] == "protected"
    assert source(protected)["updated"] == "2024-03-05T10:00:00Z"
    assert protected["meta"]["extra"]["password_protected"] is True
    assert protected["meta"]["extra"]["wp"] == {"menu_order": "3"}
    assert "hunter2" not in json.dumps(protected)
    # Same title and date: two posts, told apart by the site (with its path) and post id.
    assert first["meta"]["reference"] == "wp:blog.example.com/ops/11"
    assert second["meta"]["reference"] == "wp:blog.example.com/ops/12"
    src = source(first)
    assert src["authors"] == ["Ada Lovelace"]
    assert (src["tags"], src["categories"]) == (["logs"], ["Linux"])
    assert src["published"] == "2024-03-01T09:30:00Z"
    assert src["excerpt"] == "Keep /var/log small."
    assert src["image"] == "https://blog.example.com/ops/files/logrotate.png"
    assert src["url"] == "https://blog.example.com/ops/rotating-logs/"
    extra = first["meta"]["extra"]
    assert extra["terms"] == {"series": ["Basics"]}
    assert (extra["reading_level"], extra["sticky"], extra["comments"]) == ("easy", True, 1)
    assert source(second)["status"] == "draft"
    code = of_type(first, "code")
    assert [(c["lang"], c["value"]) for c in code] == [("bash", "logrotate -d /etc/logrotate.conf")]
    assert of_type(first, "table")[0]["rows"] == [
        ["Option", "Meaning"],
        ["daily", "rotate every day"],
    ]
    assert hrefs(first) == ["https://linux.die.net/man/8/logrotate"]


def test_a_cut_wxr_file_keeps_the_items_before_the_error() -> None:
    read = read_file(OWN / "wordpress" / "truncated.xml", "wordpress/truncated.xml")
    assert read.titles() == ["Kept before the break"]
    (problem,) = read.rejected
    assert problem.code == "AN-IMPORT-031"
    assert problem.line == 18
    assert problem.value.endswith("at line 18, column 1")
    assert "items before this point were imported" in problem.expected


def test_ghost_lexical_and_html_bodies_with_status() -> None:
    read = read_file(OWN / "ghost" / "export.json", "ghost/export.json")
    assert read.kind == "ghost"
    tuning, draft, scheduled = read.docs
    assert tuning["meta"]["reference"] == "ghost:0b6f3c52-5a4e-4c8e-9d43-1f2a3b4c5d6e"
    src = source(tuning)
    assert (src["authors"], src["tags"]) == (["Grace Hopper"], ["PostgreSQL", "Operations"])
    assert src["image"] == "https://ghost.example.com/content/images/vacuum.png"
    assert src["excerpt"] == "Vacuum before it hurts."
    assert tuning["meta"]["extra"] == {"visibility": "public", "type": "post"}  # the rest kept
    assert [n["value"] for n in of_type(tuning, "inlineCode")] == ["pg_stat_user_tables"]
    assert [(c["lang"], c["value"]) for c in of_type(tuning, "code")] == [
        ("sql", "SELECT relname FROM pg_stat_user_tables;")
    ]
    assert source(draft)["status"] == "draft"
    assert [n["value"] for n in of_type(draft, "inlineCode")] == ["archive_mode = on"]
    # A mobiledoc-only body: markups (links, strong), lists and cards all kept.
    assert source(scheduled)["status"] == "scheduled"
    assert hrefs(scheduled) == ["https://kubernetes.io/docs/"]
    (steps,) = of_type(scheduled, "list")
    assert steps["ordered"] is True
    assert len(steps["items"]) == 2
    assert [n["children"] for n in of_type(scheduled, "strong")] == [["configure"]]
    assert [(c["lang"], c["value"]) for c in of_type(scheduled, "code")] == [
        ("bash", "kubectl get pods -A")
    ]


def test_feeds_rss_atom_and_json() -> None:
    rss = read_file(OWN / "feed" / "rss.xml", "feed/rss.xml")
    assert rss.titles() == [
        "Find big files",
        "An entry without a title is called by…",
    ]
    assert rss.docs[0]["meta"]["reference"].startswith("feed:https/tips.example.net/big-files~")
    assert source(rss.docs[0])["authors"] == ["Linus"]
    assert source(rss.docs[0])["tags"] == ["shell"]
    assert rss.docs[0]["meta"]["extra"] == {
        "comments": "https://tips.example.net/big-files#comments",
        "enclosures": [
            {"href": "https://tips.example.net/du.mp3", "type": "audio/mpeg", "length": "1234"}
        ],
    }
    (problem,) = rss.rejected  # the third entry: nothing to show
    assert problem.code == "AN-IMPORT-051"
    assert "no title, no content (it has: tags)" in problem.value
    atom = read_file(OWN / "feed" / "atom.xml", "feed/atom.xml")
    assert atom.titles() == ["Reading dmesg"]
    assert hrefs(atom.docs[0]) == ["https://man7.org/linux/man-pages/man1/dmesg.1.html"]
    json_feed = read_file(OWN / "feed" / "feed.json", "feed/feed.json")
    (doc,) = json_feed.docs
    # A bare id ("1") is unique within its feed only: the feed's home page goes first.
    assert doc["meta"]["reference"].startswith("feed:https/go.example.com/1~")
    assert [c["lang"] for c in of_type(doc, "code")] == ["go"]


def test_markdown_hugo_and_jekyll_layouts() -> None:
    hugo = read_file(
        OWN / "markdown" / "content" / "posts" / "systemd-timers.md",
        "content/posts/systemd-timers.md",
    )
    (doc,) = hugo.docs
    src = source(doc)
    assert (src["authors"], src["tags"], src["categories"]) == (
        ["Lennart"],
        ["systemd", "linux"],
        ["ops"],
    )
    assert doc["meta"]["extra"]["section"] == "posts"
    assert of_type(doc, "table")[0]["align"] == ["left", "right"]
    jekyll = read_file(
        OWN / "markdown" / "linux" / "_posts" / "2012-7-8-draft-notes.md",
        "linux/_posts/2012-7-8-draft-notes.md",
    )
    (post,) = jekyll.docs
    src = source(post)
    assert (src["status"], src["published"], src["categories"]) == (
        "draft",
        "2012-07-08",
        ["linux"],
    )
    assert hrefs(post) == ["https://man7.org/linux/man-pages/man1/strace.1.html"]


def test_html_page_keeps_no_script() -> None:
    (doc,) = read_file(OWN / "html" / "page.html", "html/page.html").docs
    assert doc["title"] == "Make targets"
    assert "alert" not in json.dumps(doc)
    assert hrefs(doc) == ["https://www.gnu.org/software/make/manual/"]


def test_only_published_skips_drafts_and_counts_them(cli: Cli) -> None:
    report = json.loads(cli("import", str(OWN), "--only-published", "--json").stdout)
    assert report["skipped_by_type"]["not published at the source"] == 5


def test_two_files_reusing_a_reference_keep_both_the_same_way_each_run(
    cli: Cli, tmp_path: Path
) -> None:
    export = (OWN / "wordpress" / "export.xml").read_text("utf-8")
    (tmp_path / "a.xml").write_text(export, "utf-8")
    (tmp_path / "b.xml").write_text(export.replace("A second post", "Edited elsewhere"), "utf-8")
    (tmp_path / "c.xml").write_text(export, "utf-8")  # the very same items: the same posts
    first = run(cli, str(tmp_path))
    assert (first["imported"], first["updated"], first["unchanged"]) == (4, 0, 5)
    assert first["warnings"] == 1
    second = run(cli, str(tmp_path))
    assert (second["imported"], second["updated"], second["unchanged"]) == (0, 0, 9)
    listed = json.loads(cli("review", "list", "--json").stdout)
    refs = sorted(p["ref"] for p in listed["pending"])
    assert refs == [
        "wp:blog.example.com/ops/11",
        "wp:blog.example.com/ops/12",
        "wp:blog.example.com/ops/12@b.xml",
        "wp:blog.example.com/ops/15",
    ]
    shutil.rmtree(tmp_path)
