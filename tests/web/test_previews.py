"""Link previews and feeds as real clients read them: feedparser, extruct, the PNG cards."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import extruct
import feedparser
import pytest

from alphanode.content.document import Document
from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.web import ogimage, previews
from tests.conftest import REPO, make_site
from tests.web.conftest import HOSTILE_REF, SEED_SLUG, Client

GOLDEN = REPO / "tests" / "fixtures" / "seed" / "000_aeb991cd76c60bdc.json"
AUTHOR = "Ada Lovelace"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
AUTHORED_REF = "anp-ref-424242-0000"
AUTHORED_TITLE = "an article with its own author"
AUTHORED_SLUG = "an-article-with-its-own-author"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature and its CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(b"IHDR" + body) & 0xFFFFFFFF == crc
    width, height = struct.unpack(">II", body[:8])
    return int(width), int(height)


def decoded_rows(data: bytes) -> list[bytes]:
    """The image's rows, read back with zlib: a check that IDAT is a whole, valid stream."""
    width, height = png_size(data)
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) == height * (width + 1)
    return [raw[i * (width + 1) + 1 : (i + 1) * (width + 1)] for i in range(height)]


@pytest.fixture(scope="module")
def authored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A small site whose one post names its author in meta (kept in meta.extra)."""
    directory = tmp_path_factory.mktemp("authored")
    settings = Settings.load(
        env={},
        database_url=f"sqlite:///{directory / 'site.db'}",
        search_index_path=str(directory / "search"),
    )
    doc = json.loads(GOLDEN.read_text("utf-8"))
    doc["title"] = AUTHORED_TITLE
    doc["meta"]["reference"] = AUTHORED_REF
    doc["meta"]["author"] = AUTHOR
    pages = directory / "pages"
    pages.mkdir()
    (pages / "authored.json").write_text(json.dumps(doc), "utf-8")
    engine = open_database(settings)
    importer.import_sources(engine, settings, resolve([str(pages)]))
    review.approve_all_pending(engine, "test-reviewer", "seeded for tests")
    make_site(settings, engine).index_pending()
    engine.dispose()
    client = Client(settings)
    yield client
    client.close()


class Tags(HTMLParser):
    """Every element and attribute in an HTML fragment, and its text, as a browser reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attrs: list[tuple[str, str]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text += data


def json_ld(html: str, url: str) -> dict[str, Any]:
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True)
    (article,) = [d for d in data["json-ld"] if d.get("@type") == "Article"]
    assert isinstance(article, dict)
    return article


def test_feed_entries_have_content_and_author(client: Client) -> None:
    feed = feedparser.parse(client.get("/feed.xml").content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert len(feed.entries) == 20
    for entry in feed.entries:
        assert entry.author == "alphanode", entry.title
        assert entry.summary
        (content,) = entry.content
        assert content.type == "text/html" and "<p>" in content.value
    seed = next(e for e in feed.entries if e.link == f"http://testserver/posts/{SEED_SLUG}")
    body = seed.content[0].value
    assert "<h2>the practical approach</h2>" in body
    assert "<li>capture the current behavior</li>" in body
    # Local images are absolute in a feed: a reader fetches them from elsewhere.
    assert 'src="http://testserver/placeholder/1200x630.svg?text=' in body
    assert "image source: placehold.co" in body


def test_feed_content_of_the_hostile_post_is_inert(client: Client) -> None:
    root = ET.fromstring(client.get("/feed.xml").content)
    slug = client.get("/api/v1/posts/" + HOSTILE_REF).json()["slug"]
    entry = next(
        e for e in root.findall("a:entry", ATOM) if e.findtext("a:id", "", ATOM).endswith(slug)
    )
    # The HTML a reader gets (feedparser would sanitise it again, so this is read raw).
    html = entry.findtext("a:content", "", ATOM)
    assert "&lt;script&gt;window.pwned = 3&lt;/script&gt;" in html
    tags = Tags()
    tags.feed(html)
    assert tags.names <= {"p", "h2", "ul", "li", "figure", "img", "figcaption", "span"}
    assert not [a for a in tags.attrs if a[0].startswith("on")]
    assert not [a for a in tags.attrs if a[0] in ("href", "src") and "javascript" in a[1]]
    assert "<script>window.pwned = 3</script>" in tags.text


def test_article_json_ld_names_site_as_author_and_publisher_with_logo(client: Client) -> None:
    url = f"http://testserver/posts/{SEED_SLUG}"
    html = client.get(f"/posts/{SEED_SLUG}").text
    ld = json_ld(html, url)
    assert ld["author"] == {
        "@type": "Organization",
        "name": "alphanode",
        "url": "http://testserver/",
    }
    publisher = ld["publisher"]
    assert publisher["@type"] == "Organization" and publisher["name"] == "alphanode"
    logo = publisher["logo"]
    assert logo["@type"] == "ImageObject" and logo["url"] == "http://testserver/og/site.png"
    answer = client.get("/og/site.png")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert png_size(answer.content) == (logo["width"], logo["height"]) == ogimage.LOGO_SIZE
    image = ld["image"]
    assert image["@type"] == "ImageObject"
    assert image["url"] == f"http://testserver/og/posts/{SEED_SLUG}.png"
    card = client.get(image["url"].removeprefix("http://testserver"))
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"
    assert png_size(card.content) == (1200, 630) == (image["width"], image["height"])
    assert len(decoded_rows(card.content)) == 630


def test_article_json_ld_names_the_posts_own_author(authored: Client) -> None:
    html = authored.get(f"/posts/{AUTHORED_SLUG}").text
    ld = json_ld(html, f"http://testserver/posts/{AUTHORED_SLUG}")
    assert ld["author"] == {"@type": "Person", "name": AUTHOR}
    assert ld["publisher"]["logo"]["url"] == "http://testserver/og/site.png"
    assert '<meta name="author" content="Ada Lovelace">' in html
    feed = feedparser.parse(authored.get("/feed.xml").content)
    assert feed.bozo == 0
    (entry,) = feed.entries
    assert entry.author == AUTHOR
    assert feed.feed.author == "alphanode"


def test_opengraph_image_is_the_png_card_with_its_size(client: Client) -> None:
    url = f"http://testserver/posts/{SEED_SLUG}"
    html = client.get(f"/posts/{SEED_SLUG}").text
    data = extruct.extract(html, base_url=url, syntaxes=["opengraph"], uniform=True)
    (og,) = data["opengraph"]
    assert og["og:image"] == f"http://testserver/og/posts/{SEED_SLUG}.png"
    assert og["og:image:width"] == "1200" and og["og:image:height"] == "630"
    assert og["og:image:type"] == "image/png"
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta name="twitter:image" content="{og["og:image"]}">' in html


def test_cards_are_deterministic_and_differ_by_post(client: Client) -> None:
    first = client.get(f"/og/posts/{SEED_SLUG}.png")
    again = client.get(f"/og/posts/{SEED_SLUG}.png")
    other = client.get("/og/posts/how-to-tune-caching-in-python-services-part-1.png")
    assert first.content == again.content == ogimage.card(SEED_SLUG)
    assert other.status_code == 200 and other.content != first.content
    assert first.headers["x-cache-rule"] == "preview-images"
    assert first.headers["cache-control"].startswith("public, max-age=86400")
    rows = decoded_rows(first.content)
    assert len({bytes(set(r)) for r in rows}) > 1  # not one flat colour: a stripe and a mark
    for bad in ("/og/posts/Not_A_Slug.png", "/og/posts/%3Cscript%3E.png"):
        assert client.get(bad).status_code == 404


def test_author_name_reads_meta_extra_only() -> None:
    def doc(meta: dict[str, Any]) -> Document:
        return Document("t", (), meta)

    assert previews.author_name(doc({})) is None
    assert previews.author_name(doc({"extra": {"author": "  Grace   Hopper "}})) == "Grace Hopper"
    assert previews.author_name(doc({"extra": {"author": {"name": "Ada"}}})) == "Ada"
    assert previews.author_name(doc({"extra": {"author": ["x"]}})) is None
    assert previews.author_name(doc({"extra": {"author": " "}})) is None


@pytest.mark.parametrize(
    "text", ["</script><script>alert(1)</script>", "<!--", "a & b > c", "\u2028"]
)
def test_script_json_cannot_close_the_script_or_open_a_comment(text: str) -> None:
    out = previews.script_json({"headline": text})
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out
    assert json.loads(out) == {"headline": text}


def test_png_encoder_round_trips(tmp_path: Path) -> None:
    rows = [bytes([0, 1, 2]), bytes([2, 1, 0])]
    data = ogimage.encode(3, 2, [(255, 0, 0), (0, 255, 0), (0, 0, 255)], rows)
    assert png_size(data) == (3, 2)
    assert decoded_rows(data) == rows
    assert data.endswith(b"IEND\xae\x42\x60\x82")
