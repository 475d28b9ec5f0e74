"""Front matter (Hugo, Jekyll, our own export) mapped onto a document's title, slug and meta."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from alphanode.content.document import Block
from alphanode.content.meta import EXTRA
from alphanode.content.reference import reference_for
from alphanode.content.slug import is_slug, slugify
from alphanode.content.source import SOURCE, source_part

# Jekyll's and Ghost 0.x's file names: 2012-7-8-title.md, draft-2014-12-19-test-1.md
_DATED = re.compile(r"^(?:(draft|published|deleted)-)?(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
_USED = {
    "title",
    "slug",
    "meta",
    "reference",
    "id",
    "date",
    "lastmod",
    "updated",
    "draft",
    "published",
    "status",
    "author",
    "authors",
    "tags",
    "tag",
    "categories",
    "category",
    "description",
    "excerpt",
    "summary",
    "image",
    "featured_image",
    "cover",
    "permalink",
    "canonical",
    "canonical_url",
    "url",
}


def document_data(front: dict[str, Any], blocks: list[Block], name: str) -> dict[str, Any]:
    """The canonical JSON dict of a Markdown document (validated by the caller)."""
    path = PurePosixPath(name.replace("\\", "/")) if name else None
    dated = _DATED.match(path.stem) if path is not None else None
    title = front.get("title")
    if not isinstance(title, str) or not title.strip():
        title = dated.group(5).replace("-", " ") if dated else (path.stem if path else "")
    data: dict[str, Any] = {"title": title, "body": [b.to_dict() for b in blocks]}
    own = front.get("meta")
    if isinstance(own, dict) and own:
        data["meta"] = own  # our own export: the meta exactly as it was
        if isinstance(front.get("reference"), str) and "reference" not in own:
            data["meta"] = {**own, "reference": front["reference"]}
    else:
        data["meta"] = _meta(front, path, dated)
    slug = front.get("slug")
    if isinstance(slug, str) and is_slug(slug):
        data["slug"] = slug
    elif dated is not None:
        data["slug"] = slugify(dated.group(5))
    return data


def _meta(front: dict[str, Any], path: PurePosixPath | None, dated: re.Match[str] | None) -> Any:
    meta: dict[str, Any] = {}
    ref = front.get("reference", front.get("id"))
    if isinstance(ref, str | int) and not isinstance(ref, bool) and str(ref).strip():
        # Our own ``reference`` is kept as written (a wrong one is rejected); a platform's
        # ``id`` is made into a valid reference when it is not one already.
        meta["reference"] = str(ref) if "reference" in front else reference_for("", str(ref))
    elif path is not None:
        meta["reference"] = reference_for("md:", str(path))
    section, path_categories, in_drafts = _from_path(path)
    date = _text(front.get("date"))
    if not date and dated is not None:
        date = "-".join((dated.group(2), dated.group(3).zfill(2), dated.group(4).zfill(2)))
    source = source_part(
        format="markdown",
        status=_status(front, dated, in_drafts),
        published=date,
        updated=_text(front.get("lastmod") or front.get("updated")),
        authors=_names(front.get("authors") or front.get("author")),
        tags=_texts(front.get("tags") or front.get("tag")),
        categories=_texts(front.get("categories") or front.get("category")) or path_categories,
        excerpt=_text(front.get("description") or front.get("excerpt") or front.get("summary")),
        image=_text(front.get("image") or front.get("featured_image") or front.get("cover")),
        url=_text(front.get("canonical_url") or front.get("canonical") or front.get("permalink")),
    )
    meta[SOURCE] = source
    extra = {k: v for k, v in front.items() if k not in _USED}
    if section:
        extra.setdefault("section", section)
    if extra:
        meta[EXTRA] = extra
    return meta


def _from_path(path: PurePosixPath | None) -> tuple[str, list[str], bool]:
    """(Hugo section, Jekyll categories, in Jekyll's ``_drafts``) from the file's path below
    the import root: ``posts/x.md`` is section ``posts`` (``content/`` is skipped),
    ``linux/_posts/2012-7-8-x.md`` is category ``linux``."""
    dirs = [d for d in (path.parts[:-1] if path is not None else ()) if d not in (".", "/")]
    for marker in ("_posts", "_drafts"):
        if marker in dirs:
            return "", dirs[: dirs.index(marker)], marker == "_drafts"
    if dirs and dirs[0] == "content":
        dirs = dirs[1:]
    return (dirs[0] if dirs else ""), [], False


def _status(front: dict[str, Any], dated: re.Match[str] | None, in_drafts: bool = False) -> str:
    status = front.get("status")
    if isinstance(status, str) and status.strip():
        return status.strip().lower()
    if front.get("draft") is True or front.get("published") is False or in_drafts:
        return "draft"
    if dated is not None and dated.group(1) in ("draft", "deleted"):
        return str(dated.group(1))
    return "published"


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()


def _names(value: Any) -> list[str]:
    """Authors: a text value is one name ("Ada Lovelace"), never split at spaces."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    return _texts(value)


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        # Jekyll allows "tags: a b" (space separated) and "tags: a, b".
        parts = value.split(",") if "," in value else value.split()
        return [p.strip() for p in parts if p.strip()]
    if isinstance(value, list):
        return [
            str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip()
        ]
    if isinstance(value, dict):
        name = value.get("name")
        return [str(name)] if name else []
    return []
