"""What link previews and feeds say about a post: its author, its image and its JSON-LD."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from alphanode.content.document import Document
from alphanode.web import ogimage

AUTHOR_KEY = "author"  # not in the meta schema: an imported page may carry it in meta.extra


@dataclass(frozen=True)
class PreviewImage:
    url: str  # absolute: crawlers fetch it from outside
    width: int
    height: int
    media_type: str = ogimage.MEDIA_TYPE


def card_path(slug: str) -> str:
    return f"/og/posts/{slug}.png"


LOGO_PATH = "/og/site.png"


def card_image(base: str, slug: str) -> PreviewImage:
    return PreviewImage(base + card_path(slug), *ogimage.CARD_SIZE)


def logo_image(base: str) -> PreviewImage:
    return PreviewImage(base + LOGO_PATH, *ogimage.LOGO_SIZE)


def author_name(doc: Document) -> str | None:
    """The post's own author, when its meta names one (``author: name`` or a record with a
    ``name``); None otherwise, and the site stands as the author."""
    extra = doc.meta.get("extra")
    value = extra.get(AUTHOR_KEY) if isinstance(extra, dict) else None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())[:200]
    return None


def _image_object(image: PreviewImage) -> dict[str, Any]:
    return {
        "@type": "ImageObject",
        "url": image.url,
        "contentUrl": image.url,
        "width": image.width,
        "height": image.height,
        "encodingFormat": image.media_type,
    }


def organization(site_name: str, base: str) -> dict[str, Any]:
    return {
        "@type": "Organization",
        "name": site_name,
        "url": base + "/",
        "logo": _image_object(logo_image(base)),
    }


def author(doc: Document, site_name: str, base: str) -> dict[str, Any]:
    name = author_name(doc)
    if name is None:
        return {"@type": "Organization", "name": site_name, "url": base + "/"}
    return {"@type": "Person", "name": name}


def script_json(data: dict[str, Any]) -> str:
    """JSON for a ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` are written
    as \\u escapes, so no text in the data can close the element (``</script>``) or open a
    comment (``<!--``); JSON readers get the same strings back."""
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # U+2028/U+2029 are valid in JSON but end a line in older JavaScript parsers.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def article_ld(
    doc: Document, fields: dict[str, Any], site_name: str, base: str, image: PreviewImage
) -> dict[str, Any]:
    """schema.org Article: the page's ``fields`` plus author, publisher (with its logo) and
    a raster image (the post's PNG card, 1200×630)."""
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        **fields,
        "author": author(doc, site_name, base),
        "publisher": organization(site_name, base),
        "image": _image_object(image),
    }
