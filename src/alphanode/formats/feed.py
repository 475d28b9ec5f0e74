"""RSS 0.9x/1.0/2.0, Atom and JSON Feed, read by feedparser from bytes (never a URL).

Each entry is a post: its content (or summary) HTML goes through ``formats.html``; the
reference is the entry's id, else its link, else the feed's link and the entry's number.
An ill-formed feed is read as far as feedparser gets; its problem (feedparser's "bozo") is a
warning on every entry, or the rejection when no entry could be read.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import feedparser
import orjson

from alphanode.content.source import SOURCE, source_part
from alphanode.content.validate import document_from_dict
from alphanode.errors import DocumentRejected, DocumentWarning, Problem
from alphanode.formats import html
from alphanode.formats.reader import Outcome, Reader, shifted
from alphanode.formats.sniffing import markup_kind

CODE_NOT_FEED = "AN-IMPORT-050"
WARN_ILL_FORMED = "AN-WARN-FEED"


def sniff(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM
        head = head[:8192].decode("utf-16", "replace").encode("utf-8")
    kind = markup_kind(head)
    if kind == "an RSS or Atom feed":
        return True
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096].lower()
    if start.startswith(b"{"):
        return b"jsonfeed.org/version" in start
    if kind in ("XML", "HTML") and b"<html" not in start:  # a feed after a comment
        return any(tag in start for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel"))
    return False


def read(data: bytes, first_line: int = 1, name: str = "") -> Iterator[tuple[int, Outcome]]:
    # Bytes, never a URL or a path: feedparser fetches nothing.
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        parsed = _json_feed(data)
    else:
        parsed = feedparser.parse(io.BytesIO(data), resolve_relative_uris=False, sanitize_html=True)
    problem = str(parsed.get("bozo_exception", "")) if parsed.get("bozo") else ""
    entries = list(parsed.get("entries") or [])
    if not entries:
        expected = "an RSS, Atom or JSON feed with at least one entry"
        value = problem or "no entries"
        yield (
            first_line,
            DocumentRejected([Problem(CODE_NOT_FEED, "feed", value, expected, line=1)]),
        )
        return
    feed = parsed.get("feed") or {}
    for number, entry in enumerate(entries, 1):
        try:
            parsed_doc = _document(entry, feed, number)
        except DocumentRejected as exc:
            yield shifted(exc, first_line)
            continue
        if problem:
            warning = DocumentWarning(
                WARN_ILL_FORMED,
                "feed",
                problem[:200],
                "ill-formed feed: read as far as it goes",
                first_line,
            )
            parsed_doc = type(parsed_doc)(
                parsed_doc.document,
                (*parsed_doc.warnings, warning),
                parsed_doc.line,
                parsed_doc.slug,
            )
        yield first_line, parsed_doc


def _json_feed(data: bytes) -> dict[str, Any]:
    """A JSON Feed (jsonfeed.org 1.x) in feedparser's shape."""
    try:
        loaded = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return {"bozo": True, "bozo_exception": str(exc), "entries": []}
    if not isinstance(loaded, dict):
        return {"bozo": True, "bozo_exception": "not a JSON object", "entries": []}
    entries = []
    for item in loaded.get("items") or []:
        if not isinstance(item, dict):
            continue
        body = item.get("content_html") or ""
        if not body and item.get("content_text"):
            body = (
                "<pre>"
                + str(item["content_text"]).replace("&", "&amp;").replace("<", "&lt;")
                + "</pre>"
            )
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        entries.append(
            {
                "id": item.get("id"),
                "link": item.get("url"),
                "title": item.get("title"),
                "content": [{"value": body}] if body else [],
                "summary": item.get("summary", ""),
                "published": item.get("date_published", ""),
                "updated": item.get("date_modified", ""),
                "authors": [a for a in authors if isinstance(a, dict)],
                "tags": [{"term": t} for t in item.get("tags") or [] if isinstance(t, str)],
            }
        )
    feed = {"link": loaded.get("home_page_url", ""), "title": loaded.get("title", "")}
    return {"bozo": False, "entries": entries, "feed": feed}


def _date(entry: dict[str, Any], key: str) -> str:
    value = entry.get(f"{key}_parsed")
    if value:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    return str(entry.get(key, "") or "")


def _document(entry: Any, feed: Any, number: int) -> Any:
    contents = entry.get("content") or []
    body_html = str(contents[0].get("value", "")) if contents else ""
    if not body_html:
        body_html = str(entry.get("summary", "") or "")
    blocks = html.body(body_html)
    ref = str(entry.get("id") or entry.get("link") or f"{feed.get('link', 'feed')}#{number}")
    authors = [str(a.get("name")) for a in entry.get("authors") or [] if a.get("name")]
    if not authors and entry.get("author"):
        authors = [str(entry["author"])]
    tags = [str(t.get("term")) for t in entry.get("tags") or [] if t.get("term")]
    summary = str(entry.get("summary", "") or "") if contents else ""
    # A text summary (Atom type="text") is its own characters, not markup to strip.
    plain = str((entry.get("summary_detail") or {}).get("type", "")) == "text/plain"
    excerpt = " ".join((summary if plain else html_text(summary)).split()) if summary else ""
    meta: dict[str, Any] = {
        "reference": ref,
        SOURCE: source_part(
            format="feed",
            id=str(entry.get("id", "") or ""),
            url=str(entry.get("link", "") or ""),
            published=_date(entry, "published"),
            updated=_date(entry, "updated"),
            authors=authors,
            tags=tags,
            excerpt=excerpt,
        ),
    }
    title = " ".join(str(entry.get("title", "") or "").split()) or f"Entry {number}"
    return document_from_dict(
        {"title": title, "body": [b.to_dict() for b in blocks], "meta": meta}, line=1
    )


def html_text(fragment: str) -> str:
    from alphanode.content.document import block_text

    return " ".join(block_text(b) for b in html.body(fragment))


READER = Reader(
    "feed",
    (".rss", ".atom", ".rdf", ".xml", ".json"),
    sniff,
    read,
    help="an RSS 0.9x/1.0/2.0, Atom or JSON Feed file",
)
