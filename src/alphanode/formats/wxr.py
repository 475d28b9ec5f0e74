"""WordPress eXtended RSS (WXR 1.0–1.2) exports, streamed.

The file is read with ``lxml.etree.iterparse`` configured safely (no entities resolved, no
DTD loaded, no network, no huge trees), item by item: each ``<item>`` becomes one small
JSON piece (``pieces``) that ``read`` turns into a document, and the element is freed, so
memory stays flat on a 1 GB export. A first pass collects only the attachments (id → URL
and parent) so that featured images and attached images can be placed on their posts.

Posts and pages become posts; attachments become figures of their parent; comments stay
inside their item and are counted; nav menu items, revisions and other types are rejected
as skipped with their type (``AN-IMPORT-SKIP``), never dropped silently.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson
from lxml import etree

from alphanode.content.document import Image
from alphanode.content.meta import EXTRA
from alphanode.content.reference import reference_for
from alphanode.content.slug import is_slug
from alphanode.content.source import SOURCE, source_part
from alphanode.content.validate import document_from_dict
from alphanode.errors import DocumentRejected, Problem
from alphanode.formats import html
from alphanode.formats.reader import Outcome, Reader, shifted
from alphanode.formats.sniffing import markup_kind

CODE_NOT_WXR = "AN-IMPORT-030"
CODE_MALFORMED = "AN-IMPORT-031"
CODE_SKIPPED = "AN-IMPORT-SKIP"  # services.preparing counts these as skipped
VERSIONS = ("1.0", "1.1", "1.2")
POST_TYPES = ("post", "page")
_STATUS = {"publish": "published"}
_WHERE = re.compile(r",? line \d+, column \d+\s*$")
CODE_NO_ID = "AN-IMPORT-032"
# wp: fields with a place of their own; the others are kept in meta.extra.wp. The post
# password is a secret: only that there is one is kept (and the status says "protected").
_MAPPED = frozenset(
    ("post_id", "post_type", "status", "post_date_gmt", "post_modified_gmt", "post_name")
    + ("is_sticky", "post_password", "attachment_url")
)
PROTECTED = "protected"


def sniff(head: bytes) -> bool:
    return markup_kind(head) == "a WordPress export (WXR)"


def _local(el: Any) -> str:
    tag = el.tag
    return str(tag).rpartition("}")[2] if isinstance(tag, str) else ""


def _ns(el: Any) -> str:
    tag = el.tag
    return str(tag)[1:].partition("}")[0] if isinstance(tag, str) and tag[:1] == "{" else ""


def _is_wp(el: Any) -> bool:
    ns = _ns(el)
    return "wordpress.org/export/" in ns and not ns.endswith("excerpt/")


def _events(stream: IO[bytes]) -> Any:
    return etree.iterparse(
        stream,
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        recover=False,
    )


def _text(el: Any) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _attachments(stream: IO[bytes]) -> dict[str, tuple[str, str]]:
    """Attachment post id → (URL, parent id); a malformed file gives what came before."""
    found: dict[str, tuple[str, str]] = {}
    try:
        for _, el in _events(stream):
            if _local(el) != "item" or _ns(el):
                continue
            fields = {_local(c): c for c in el if _is_wp(c)}
            if _text(fields.get("post_type")) == "attachment":
                url = _text(fields.get("attachment_url"))
                found[_text(fields.get("post_id"))] = (url, _text(fields.get("post_parent")))
            _free(el)
    except etree.XMLSyntaxError:
        pass
    return found


def _free(el: Any) -> None:
    el.clear()
    parent = el.getparent()
    while parent is not None and el.getprevious() is not None:
        del parent[0]


def pieces(stream: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """One JSON piece per item (or per problem), with the line the item ends on."""
    fh: Any = stream if hasattr(stream, "seek") else io.BytesIO(b"".join(stream))
    start = fh.tell()
    media = _attachments(fh)
    fh.seek(start)
    children: dict[str, list[str]] = {}
    for url, parent in media.values():
        if parent and parent != "0" and url:
            children.setdefault(parent, []).append(url)
    channel: dict[str, Any] = {"version": "", "host": "", "site": "", "authors": {}}
    items = 0
    line = 1
    try:
        for _, el in _events(fh):
            line = el.sourceline or line
            parent = el.getparent()
            if parent is None or _local(parent) != "channel":
                continue  # inside an item: read when the item ends
            if _local(el) == "item" and not _ns(el):
                if channel["version"] not in VERSIONS:
                    yield line, _problem(CODE_NOT_WXR, "wp:wxr_version", channel["version"])
                    return
                yield line, orjson.dumps(_item(el, channel, media, children))
                items += 1
                _free(el)
            else:
                _channel_field(el, channel)
    except etree.XMLSyntaxError as exc:
        if not _namespace_only(exc):
            # A namespace error (an IRI as namespace name, as in WordPress's own tests) is
            # reported by libxml2 after the whole file was read: nothing was lost.
            at = exc.lineno or line
            yield at, _problem(CODE_MALFORMED, "xml", _syntax_error(exc), at)
            return
    if channel["version"] not in VERSIONS:
        yield line, _problem(CODE_NOT_WXR, "wp:wxr_version", channel["version"])
    elif not items:
        yield line, orjson.dumps({"empty": len(channel["authors"])})


def _namespace_only(exc: Any) -> bool:
    # The log may hold earlier files' messages too: only the one raised counts.
    msg = str(exc.msg)
    raised = [e for e in getattr(exc, "error_log", None) or [] if e.message and e.message in msg]
    return bool(raised) and all(e.domain == etree.ErrorDomains.NAMESPACE for e in raised)


def _syntax_error(exc: Any) -> str:
    """libxml2's message once, with the line and (1-based) column it stopped at."""
    msg = _WHERE.sub("", str(exc.msg)).strip()
    column = (exc.offset or 0) + 1
    return f"{msg} at line {exc.lineno}, column {column}"


def _channel_field(el: Any, channel: dict[str, Any]) -> None:
    """The site's link, the WXR version and the authors; everything else is let go."""
    name = _local(el)
    if name == "link" and not _ns(el) and not channel["host"]:
        channel["host"] = _site(_text(el))
    elif name == "base_blog_url" and _is_wp(el):
        channel["site"] = _site(_text(el))
    elif name == "wxr_version" and _is_wp(el):
        channel["version"] = _text(el)
    elif name == "author" and _is_wp(el):
        fields = {_local(c): _text(c) for c in el}
        login = fields.get("author_login", "")
        channel["authors"][login] = fields.get("author_display_name") or login
    el.clear()


def _site(url: str) -> str:
    """``https://example.com/blog/`` → ``example.com/blog``: a multisite's sites differ by path."""
    rest = url.strip().partition("://")[2] or url.strip()
    return rest.split("?", 1)[0].split("#", 1)[0].strip("/")


def _problem(code: str, field: str, value: str, line: int = 1) -> bytes:
    problem = {"code": code, "field": field, "value": value, "line": line}
    return orjson.dumps({"problem": problem})


def _item(
    el: Any,
    channel: dict[str, Any],
    media: dict[str, tuple[str, str]],
    children: dict[str, list[str]],
) -> dict[str, Any]:
    """The fields of one item that make a document (plain JSON values)."""
    wp: dict[str, str] = {}
    meta: dict[str, str] = {}
    comments = 0
    out: dict[str, Any] = {"authors": [], "tags": [], "categories": []}
    for c in el:
        name, ns = _local(c), _ns(c)
        if _is_wp(c):
            if name == "postmeta":
                fields = {_local(x): _text(x) for x in c}
                meta.setdefault(fields.get("meta_key", ""), fields.get("meta_value", ""))
            elif name == "comment":
                comments += 1
            else:
                wp[name] = _text(c)
        elif name == "encoded" and ns.endswith("excerpt/"):
            out["excerpt"] = _text(c)
        elif name == "encoded":
            out["content"] = "".join(c.itertext())
        elif name == "creator":
            login = _text(c)
            out["authors"].append(channel["authors"].get(login, login))
        elif name == "category" and not ns:
            _term(out, c.get("domain", "category"), _text(c))
        elif not ns and name in ("title", "link"):
            out[name] = _text(c)
    post_id = wp.get("post_id", "")
    thumb = media.get(meta.get("_thumbnail_id", ""), ("", ""))[0]
    out.update(
        post_id=post_id,
        type=wp.get("post_type", "post"),
        status=wp.get("status", ""),
        date=_gmt(wp.get("post_date_gmt", "")) or wp.get("post_date", "").replace(" ", "T"),
        slug=wp.get("post_name", ""),
        sticky=wp.get("is_sticky", "0") == "1",
        updated=_gmt(wp.get("post_modified_gmt", "")),
        protected=bool(wp.get("post_password")),
        wp={k: v for k, v in wp.items() if k not in _MAPPED and v not in ("", "0")},
        image=thumb,
        figures=[u for u in children.get(post_id, []) if u != thumb],
        meta=meta,
        comments=comments,
        reference=reference_for("wp:", f"{channel['site'] or channel['host'] or 'site'}/{post_id}")
        if post_id
        else "",
    )
    return out


def _term(out: dict[str, Any], domain: str, value: str) -> None:
    """A term once (WXR 1.0 lists each category twice); a custom taxonomy's terms are kept
    under ``terms`` (they end in ``meta.extra``)."""
    if domain in ("category", "post_tag", "tag"):
        key = "tags" if domain != "category" else "categories"
        found = out[key]
    else:
        found = out.setdefault("terms", {}).setdefault(domain, [])
    if value and value not in found:
        found.append(value)


def _gmt(value: str) -> str:
    return "" if not value or value.startswith("0000") else value.replace(" ", "T") + "Z"


def read(data: bytes, first_line: int = 1, name: str = "") -> Iterator[tuple[int, Outcome]]:
    """Documents of a piece (or of a whole WXR file, cut into pieces first)."""
    if not data.lstrip().startswith(b"{"):
        for line, piece in pieces(io.BytesIO(data)):
            yield from read(piece, line, name)
        return
    item = orjson.loads(data)
    try:
        yield first_line, _document(item, first_line)
    except DocumentRejected as exc:
        yield shifted(exc, first_line)
    for _ in range(int(item.get("comments") or 0)):  # comments are not posts: counted
        yield first_line, _skipped("comment")


def _document(item: dict[str, Any], line: int) -> Any:
    kind = _postable(item)
    blocks = html.body(str(item.get("content", "")))
    blocks.extend(Image("", "", "", url) for url in item.get("figures", []))
    extra, status = _extra(item, kind)
    meta: dict[str, Any] = {
        "reference": item["reference"],
        SOURCE: source_part(
            format="wordpress",
            id=item.get("post_id"),
            url=item.get("link"),
            status=_STATUS.get(status, status),
            published=item.get("date"),
            updated=item.get("updated"),
            excerpt=item.get("excerpt"),
            image=item.get("image"),
            authors=item.get("authors"),
            tags=item.get("tags"),
            categories=item.get("categories"),
        ),
    }
    if extra:
        meta[EXTRA] = extra
    title = str(item.get("title", "")) or f"Untitled {kind} {item.get('post_id', '')}".strip()
    data: dict[str, Any] = {"title": title, "body": [b.to_dict() for b in blocks], "meta": meta}
    slug = str(item.get("slug", ""))
    if is_slug(slug):
        data["slug"] = slug
    return document_from_dict(data, line=1)


def _postable(item: dict[str, Any]) -> str:
    """The item's post type when it becomes a post; else why not (rejected or skipped)."""
    problem = item.get("problem")
    if isinstance(problem, dict):
        raise DocumentRejected([_rejection(problem)])
    if "empty" in item:  # a valid export with authors or terms only: nothing to import
        raise _skipped("export without items", "wp:item", "an export with posts or pages")
    kind = str(item.get("type", "post"))
    if kind not in POST_TYPES:
        raise _skipped(kind)
    if not item.get("reference"):
        expected = (
            "a wp:post_id in the WordPress export namespace (http://wordpress.org/export/1.x/): "
            "without it the item has no stable identity; the other items were imported"
        )
        title = str(item.get("title", ""))
        raise DocumentRejected(
            [Problem(CODE_NO_ID, "wp:post_id", f"none (item {title!r})", expected, line=1)]
        )
    return kind


def _extra(item: dict[str, Any], kind: str) -> tuple[dict[str, Any], str]:
    """``meta.extra`` (postmeta, the other wp: fields, terms...) and the source status."""
    extra: dict[str, Any] = dict(item.get("meta") or {})
    if item.get("sticky"):
        extra["sticky"] = True
    for key in ("terms", "comments", "wp"):
        if item.get(key):
            extra[key] = item[key]
    if kind != "post":
        extra["post_type"] = kind
    status = str(item.get("status", "")) or "publish"
    if item.get("protected"):
        extra["password_protected"] = True
        status = PROTECTED if status == "publish" else status
    return extra, status


_SKIP_EXPECTED = (
    "a post or page (attachments become figures of their post; comments, menus and "
    "revisions are not imported): skipped"
)


def _skipped(
    kind: str, field: str = "wp:post_type", expected: str = _SKIP_EXPECTED
) -> DocumentRejected:
    return DocumentRejected([Problem(CODE_SKIPPED, field, kind, expected, line=1)])


def _rejection(problem: dict[str, Any]) -> Problem:
    code = str(problem.get("code", CODE_MALFORMED))
    expected = (
        "a WordPress export with wp:wxr_version 1.0, 1.1 or 1.2"
        if code == CODE_NOT_WXR
        else "well-formed XML; the items before this point were imported"
    )
    return Problem(
        code, str(problem.get("field", "")), str(problem.get("value", "")), expected, line=1
    )


READER = Reader(
    "wordpress",
    (".xml",),
    sniff,
    read,
    pieces=pieces,
    help="a WordPress export (WXR 1.0-1.2), streamed item by item",
)
