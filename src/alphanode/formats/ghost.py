"""Ghost JSON exports (1.x to 5.x): ``{"db": [{"meta", "data"}]}`` and the bare form.

Posts and pages become posts. The body is the ``html`` field read by ``formats.html`` when
there is one; else the ``lexical`` or ``mobiledoc`` JSON is rendered (markdown and html
cards through their readers, code and image cards as blocks, others as embeds). Tags and
authors come from the join tables; the reference is ``ghost:<uuid>`` (``ghost:<id>``
when a post has no uuid). Exports older than Ghost 1.0 (version ``000``) are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from alphanode.content.document import Block, Code, Embed, Image
from alphanode.content.meta import EXTRA
from alphanode.content.slug import is_slug
from alphanode.content.source import SOURCE, source_part
from alphanode.content.validate import document_from_dict
from alphanode.errors import DocumentRejected, Problem
from alphanode.formats import html, markdown
from alphanode.formats.reader import Outcome, Reader, shifted

CODE_NOT_GHOST = "AN-IMPORT-040"
# Post fields with a place of their own (or that are the body); every other field that has
# a value is kept in meta.extra, as are the posts_meta row's (SEO, social cards).
_MAPPED = frozenset(
    ("id", "uuid", "title", "slug", "status", "published_at", "updated_at", "feature_image")
    + ("canonical_url", "custom_excerpt", "html", "lexical", "mobiledoc", "markdown")
    + ("plaintext", "page", "author_id")
)


def _dbs(data: Any) -> list[dict[str, Any]] | None:
    """The ``{"meta", "data"}`` parts of an export, or None when it is not one."""
    if not isinstance(data, dict):
        return None
    db = data.get("db")
    if isinstance(db, list) and all(isinstance(d, dict) for d in db):
        return db
    if isinstance(data.get("meta"), dict) and isinstance(data.get("data"), dict):
        return [data]
    inner = data.get("data")
    if isinstance(inner, dict) and isinstance(inner.get("meta"), dict) and "data" in inner:
        return [inner]
    return None


def _misnamed(data: Any) -> bool:
    """An export's ``[{"meta", "data"}]`` under another key than ``db`` (Ghost's own
    broken.json): Ghost's, so that its reader says what is wrong."""
    if not isinstance(data, dict) or len(data) != 1:
        return False
    (inner,) = data.values()
    return (
        isinstance(inner, list)
        and bool(inner)
        and all(isinstance(d, dict) and {"meta", "data"} <= set(d) for d in inner)
    )


def sniff(head: bytes) -> bool:
    try:
        loaded = orjson.loads(head)
        return _dbs(loaded) is not None or _misnamed(loaded)
    except orjson.JSONDecodeError:  # longer than the head: judge by its start
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64]
        return start.startswith(b"{") and b'"db"' in start


def read(data: bytes, first_line: int = 1, name: str = "") -> Iterator[tuple[int, Outcome]]:
    try:
        loaded = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield first_line, _reject("json", str(exc), "a Ghost JSON export")
        return
    dbs = _dbs(loaded)
    if dbs is None:
        keys = ", ".join(list(loaded)[:5]) if isinstance(loaded, dict) else type(loaded).__name__
        yield first_line, _reject("db", keys, 'a Ghost export: {"db": [{"meta", "data"}]}')
        return
    for db in dbs:
        version = str((db.get("meta") or {}).get("version", ""))
        if not version[:1].isdigit() or int(version.split(".")[0] or 0) < 1:
            expected = "a Ghost 1.0 or later export (older ones are not supported)"
            yield first_line, _reject("meta.version", version, expected)
            continue
        yield from _posts(db.get("data") or {}, first_line)


def _reject(field: str, value: str, expected: str) -> DocumentRejected:
    return DocumentRejected([Problem(CODE_NOT_GHOST, field, value, expected, line=1)])


def _posts(data: dict[str, Any], line: int) -> Iterator[tuple[int, Outcome]]:
    users = {u.get("id"): u.get("name") or u.get("slug") for u in data.get("users") or []}
    tags = {t.get("id"): t.get("name") for t in data.get("tags") or []}
    by_post: dict[Any, dict[str, list[str]]] = {}
    for row in sorted(data.get("posts_tags") or [], key=lambda r: r.get("sort_order") or 0):
        if row.get("tag_id") in tags:
            by_post.setdefault(row.get("post_id"), {}).setdefault("tags", []).append(
                str(tags[row["tag_id"]])
            )
    for row in sorted(data.get("posts_authors") or [], key=lambda r: r.get("sort_order") or 0):
        if row.get("author_id") in users:
            by_post.setdefault(row.get("post_id"), {}).setdefault("authors", []).append(
                str(users[row["author_id"]])
            )
    metas = {m.get("post_id"): m for m in data.get("posts_meta") or []}
    for post in data.get("posts") or []:
        if not isinstance(post, dict):
            continue
        joined = by_post.get(post.get("id"), {})
        authors = joined.get("authors") or (
            [str(users[post["author_id"]])] if post.get("author_id") in users else []
        )
        try:
            yield line, _document(post, authors, joined.get("tags", []), metas.get(post["id"]))
        except DocumentRejected as exc:
            yield shifted(exc, line)


def _has(value: Any) -> bool:
    return value not in (None, "", "None", [], {}, False)


def _text(value: Any) -> str:
    return "" if value is None or value == "None" else str(value)


def _document(
    post: dict[str, Any], authors: list[str], tags: list[str], meta_row: dict[str, Any] | None
) -> Any:
    uid = _text(post.get("uuid")) or _text(post.get("id"))
    status = _text(post.get("status")) or "published"
    extra = {k: v for k, v in post.items() if k not in _MAPPED and _has(v)}
    for key, value in (meta_row or {}).items():
        if key not in ("id", "post_id") and _has(value):
            extra.setdefault(key, value)
    if post.get("page") in (True, 1, "1"):
        extra["type"] = "page"
    excerpt = _text(post.get("custom_excerpt")) or _text((meta_row or {}).get("meta_description"))
    meta: dict[str, Any] = {
        "reference": f"ghost:{uid}",
        SOURCE: source_part(
            format="ghost",
            id=_text(post.get("id")),
            url=_text(post.get("canonical_url")),
            status=status,
            published=_text(post.get("published_at")),
            updated=_text(post.get("updated_at")),
            excerpt=excerpt,
            image=_text(post.get("feature_image")),
            authors=authors,
            tags=tags,
        ),
    }
    if extra:
        meta[EXTRA] = extra
    data: dict[str, Any] = {
        "title": _text(post.get("title")) or f"Untitled {uid}",
        "body": [b.to_dict() for b in _body(post)],
        "meta": meta,
    }
    slug = _text(post.get("slug"))
    if is_slug(slug):
        data["slug"] = slug
    return document_from_dict(data, line=1)


def _body(post: dict[str, Any]) -> list[Block]:
    if _text(post.get("html")).strip():
        return html.body(str(post["html"]))
    for key, render in (("lexical", _lexical), ("mobiledoc", _mobiledoc)):
        raw = post.get(key)
        if isinstance(raw, str) and raw.strip() and raw != "None":
            try:
                return render(orjson.loads(raw))
            except (orjson.JSONDecodeError, TypeError, KeyError, IndexError, AttributeError):
                return [Embed(f"ghost:{key}", raw)]
    if _text(post.get("markdown")):
        return markdown.body(str(post["markdown"]))
    return []


def _card(name: str, payload: dict[str, Any]) -> list[Block]:
    if name == "markdown":
        return markdown.body(str(payload.get("markdown", "")))
    if name == "html":
        return html.body(str(payload.get("html", "")))
    if name == "code":
        return [Code(str(payload.get("code", "")), str(payload.get("language", "") or ""))]
    if name == "image":
        return [
            Image(
                str(payload.get("alt", "")),
                str(payload.get("caption", "")),
                "",
                str(payload.get("src", "")),
            )
        ]
    return [Embed(f"ghost:card/{name}", orjson.dumps(payload).decode())]


def _mobiledoc(doc: dict[str, Any]) -> list[Block]:
    """Mobiledoc 0.3: markup sections (1), images (2), lists (3) and cards (10); the text
    with its markups (links, strong, em, code...) goes through the HTML reader."""
    cards = doc.get("cards") or []
    markups = doc.get("markups") or []
    atoms = doc.get("atoms") or []
    out: list[Block] = []
    for section in doc.get("sections") or []:
        kind = section[0]
        if kind == 10:  # a card section
            name, payload = cards[section[1]]
            out.extend(_card(str(name), payload or {}))
        elif kind == 2:  # an image section
            out.append(Image("", "", "", str(section[1])))
        elif kind in (1, 3):
            tag = str(section[1]).lower()
            if kind == 1:
                inner = _markers(section[2], markups, atoms)
            else:
                inner = "".join(f"<li>{_markers(m, markups, atoms)}</li>" for m in section[2])
            out.extend(html.body(f"<{tag}>{inner}</{tag}>") if inner.strip() else [])
    return out


def _markers(markers: list[Any], markups: list[Any], atoms: list[Any]) -> str:
    """A mobiledoc marker list as HTML: each marker opens markups, adds its text (or an
    atom's text), then closes the given number of open markups."""
    out: list[str] = []
    open_tags: list[str] = []
    for marker in markers:
        kind, opens, closes, value = marker[0], marker[1], int(marker[2]), marker[3]
        for index in opens:
            tag, attrs = _markup(markups[index])
            out.append(f"<{tag}{attrs}>")
            open_tags.append(tag)
        text = str(value) if kind == 0 else str((atoms[value] or [None, ""])[1])
        out.append(_escape(text))
        for _ in range(min(closes, len(open_tags))):
            out.append(f"</{open_tags.pop()}>")
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out)


def _markup(markup: list[Any]) -> tuple[str, str]:
    tag = str(markup[0]).lower()
    if tag not in ("a", "b", "strong", "em", "i", "code", "s", "del", "sub", "sup", "u"):
        return "span", ""
    attrs = markup[1] if len(markup) > 1 else []
    pairs = dict(zip(attrs[0::2], attrs[1::2], strict=False))
    href = str(pairs.get("href", ""))
    return tag, (' href="' + _escape(href).replace('"', "&quot;") + '"' if tag == "a" else "")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _lexical(doc: dict[str, Any]) -> list[Block]:
    out: list[Block] = []
    for node in (doc.get("root") or {}).get("children") or []:
        kind = str(node.get("type", ""))
        if kind in ("markdown", "html", "code", "image"):
            payload = dict(node)
            if kind == "html" and "html" not in payload:
                payload["html"] = node.get("html", "")
            out.extend(_card(kind, payload))
        elif kind in ("paragraph", "heading", "quote", "list"):
            out.extend(html.body(_lexical_html(node)))
        else:
            out.append(Embed(f"ghost:lexical/{kind}", orjson.dumps(node).decode()))
    return out


def _lexical_html(node: dict[str, Any]) -> str:
    kind = node.get("type")
    inner = "".join(_lexical_html(c) for c in node.get("children") or [])
    if kind == "text":
        text, fmt = _escape(str(node.get("text", ""))), int(node.get("format") or 0)
        for bit, tag in ((1, "strong"), (2, "em"), (4, "del"), (16, "code")):
            if fmt & bit:
                text = f"<{tag}>{text}</{tag}>"
        return text
    if kind == "linebreak":
        return "<br>"
    if kind == "link":
        href = _escape(str(node.get("url", ""))).replace('"', "&quot;")
        return f'<a href="{href}">{inner}</a>'
    tag = {"paragraph": "p", "quote": "blockquote", "listitem": "li"}.get(str(kind), "")
    if kind == "heading":
        tag = str(node.get("tag", "h2"))
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" else "ul"
    return f"<{tag}>{inner}</{tag}>" if tag else inner


READER = Reader(
    "ghost",
    (".json",),
    sniff,
    read,
    help="a Ghost JSON export (1.x to 5.x: html, mobiledoc or lexical bodies)",
)
