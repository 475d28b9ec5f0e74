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

from alphanode.content.document import block_text
from alphanode.content.meta import EXTRA
from alphanode.content.reference import reference_for
from alphanode.content.source import SOURCE, source_part
from alphanode.content.validate import document_from_dict
from alphanode.errors import DocumentRejected, DocumentWarning, Problem
from alphanode.formats import html
from alphanode.formats.reader import Outcome, Reader, shifted
from alphanode.formats.sniffing import markup_kind

CODE_NOT_FEED = "AN-IMPORT-050"
CODE_NO_CONTENT = "AN-IMPORT-051"
CODE_SKIPPED = "AN-IMPORT-SKIP"  # services.preparing counts these as skipped
_MAPPED = frozenset(
    ("id", "link", "title", "content", "summary", "published", "updated", "author")
    + ("authors", "tags", "links", "guidislink", "enclosures")
)
TITLE_WORDS = 8  # an entry without a title is called by its first words, as feed readers do
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
    problem, fatal, at = _problem(parsed)
    entries = list(parsed.get("entries") or [])
    if not entries:
        yield first_line, _no_entries(problem, fatal, at)
        return
    feed = parsed.get("feed") or {}
    for number, entry in enumerate(entries, 1):
        try:
            parsed_doc = _document(entry, feed, number, name)
        except DocumentRejected as exc:
            if problem:  # the entry may be empty because the feed broke off inside it
                ill = Problem(
                    CODE_NOT_FEED,
                    "feed",
                    problem,
                    "a well-formed feed; read as far as it goes",
                    line=at,
                )
                exc = DocumentRejected([*exc.problems, ill])
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


def _problem(parsed: Any) -> tuple[str, bool, int]:
    """feedparser's "bozo" problem as text, whether the XML stopped being well-formed
    there (a SAX parse error), and its line (1 when it has none)."""
    if not parsed.get("bozo"):
        return "", False, 1
    exc = parsed.get("bozo_exception")
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_line):
        line, column = int(get_line() or 1), int(exc.getColumnNumber() or 0) + 1
        return f"{exc.getMessage()} at line {line}, column {column}", True, line
    return str(exc), parsed.get("bozo_fatal") is True, 1


def _no_entries(problem: str, fatal: bool, line: int) -> DocumentRejected:
    """A feed with no entry: skipped when it is simply empty (maybe with an encoding
    problem, which loses nothing); rejected when the file stopped being XML first."""
    if fatal:
        expected = "a well-formed RSS, Atom or JSON feed; it was read as far as it goes"
        return DocumentRejected([Problem(CODE_NOT_FEED, "feed", problem, expected, line=line)])
    expected = "a feed with entries" + (f" ({problem})" if problem else "")
    return DocumentRejected(
        [Problem(CODE_SKIPPED, "feed", "feed without entries", expected, line=1)]
    )


def _json_feed(data: bytes) -> dict[str, Any]:
    """A JSON Feed (jsonfeed.org 1.x) in feedparser's shape."""
    try:
        loaded = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return {"bozo": True, "bozo_exception": str(exc), "bozo_fatal": True, "entries": []}
    if not isinstance(loaded, dict):
        problem = "not a JSON object"
        return {"bozo": True, "bozo_exception": problem, "bozo_fatal": True, "entries": []}
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
    feed = {
        "link": loaded.get("home_page_url") or loaded.get("feed_url") or "",
        "title": loaded.get("title", ""),
    }
    return {"bozo": False, "entries": entries, "feed": feed}


def _date(entry: dict[str, Any], key: str) -> str:
    # dict.get, not entry.get: feedparser's dict answers "updated" with "published" (and a
    # DeprecationWarning) when the entry has no updated date of its own.
    value = dict.get(entry, f"{key}_parsed")
    if value:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    return str(dict.get(entry, key, "") or "")


def _reference(entry: Any, feed: Any, number: int, name: str) -> str:
    """The entry's id (a URI such as ``tag:`` or ``http:`` is global; a bare id like ``2``
    is unique within its feed only, so the feed's link or id goes first), else its link,
    else its place in this file (path below the import root, entry number)."""
    home = str(feed.get("id") or feed.get("link") or "").strip() or name or "feed"
    own = str(entry.get("id") or "").strip()
    if own:
        return reference_for("feed:", own if ":" in own else f"{home}/{own}")
    link = str(entry.get("link") or "").strip()
    return reference_for("feed:", link or f"{name or home}/{number}")


def _document(entry: Any, feed: Any, number: int, name: str = "") -> Any:
    contents = entry.get("content") or []
    body_html = str(contents[0].get("value", "")) if contents else ""
    if not body_html:
        body_html = str(entry.get("summary", "") or "")
    blocks = html.body(body_html)
    ref = _reference(entry, feed, number, name)
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
    extra = _extra(entry)
    if extra:
        meta[EXTRA] = extra
    title = " ".join(str(entry.get("title", "") or "").split())
    if not title:
        words = " ".join(block_text(b) for b in blocks).split()
        if not words:
            has = ", ".join(sorted(k for k in entry if not k.endswith(("_detail", "_parsed"))))
            value = f"entry {number}: no title, no content (it has: {has or 'nothing'})"
            expected = "an entry with a title or some content: there is nothing to show"
            raise DocumentRejected([Problem(CODE_NO_CONTENT, "entry", value, expected, line=1)])
        title = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
    return document_from_dict(
        {"title": title, "body": [b.to_dict() for b in blocks], "meta": meta}, line=1
    )


def _extra(entry: Any) -> dict[str, Any]:
    """The entry's other fields (enclosures, comments link, licence, custom elements...):
    text values as they are, enclosures as their URLs and types; feedparser's derived keys
    (``*_detail``, ``*_parsed``) and the mapped ones left out."""
    out: dict[str, Any] = {}
    for key in entry:
        if key in _MAPPED or key.endswith(("_detail", "_parsed")):
            continue
        value = dict.get(entry, key)
        if isinstance(value, str) and value.strip():
            out[key] = value
    enclosures = [
        {k: str(e[k]) for k in ("href", "type", "length") if e.get(k)}
        for e in entry.get("enclosures") or []  # feedparser derives them from the links
        if isinstance(e, dict) and e.get("href")
    ]
    if enclosures:
        out["enclosures"] = enclosures
    return out


def html_text(fragment: str) -> str:
    return " ".join(block_text(b) for b in html.body(fragment))


READER = Reader(
    "feed",
    (".rss", ".atom", ".rdf", ".xml", ".json"),
    sniff,
    read,
    help="an RSS 0.9x/1.0/2.0, Atom or JSON Feed file",
)
