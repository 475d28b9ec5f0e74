"""Recognising inputs that no reader handles yet (XML, WordPress exports, feeds, HTML)."""

from __future__ import annotations

import re

SNIFF_BYTES = 1024 * 1024  # how much of an input the sniffers see

_DOCTYPE_HTML = re.compile(rb"<!doctype\s+html", re.I)
_HTML_START = re.compile(rb"<(?:html|head|body|meta|title)[\s>/]", re.I)


def markup_kind(head: bytes) -> str | None:
    """What markup ``head`` starts with, in words (``None`` when it does not start with any).

    Only a start that no scraped page has counts: a page title may well begin with ``<``
    (``<script> in templates``), never with an XML declaration or a doctype.
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if not text.startswith(b"<"):
        return None
    lower = text.lower()
    if lower.startswith(b"<?xml") or lower.startswith((b"<rss", b"<feed")):
        if b"xmlns:wp=" in lower or b"wordpress" in lower:
            return "a WordPress export (WXR)"
        if b"<rss" in lower or b"<feed" in lower:
            return "an RSS or Atom feed"
        if b"<html" in lower:
            return "XHTML"
        return "XML"
    if _DOCTYPE_HTML.match(text) or _HTML_START.match(text) or lower.startswith(b"<!--"):
        return "HTML"
    return None


def binary(head: bytes) -> bool:
    """Bytes that are no text at all: NUL bytes, or UTF-16."""
    return b"\x00" in head
