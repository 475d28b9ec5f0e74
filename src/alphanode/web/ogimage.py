"""Link-preview images as PNG, drawn with the standard library: a card per post, a site logo.

Facebook, X and LinkedIn show only raster images in link previews, so the SVG placeholder
will not do. No font library is used: a card is a coloured background (its hue drawn from
the key), a symmetric 5×5 mark and a few bars; the same key always gives the same bytes.
"""

from __future__ import annotations

import colorsys
import hashlib
import struct
import zlib

CARD_SIZE = (1200, 630)  # what Facebook, X (summary_large_image) and LinkedIn ask for
LOGO_SIZE = (256, 256)  # Google asks for at least 112×112 for an Organization logo
MEDIA_TYPE = "image/png"
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_GRID = 5  # the mark: 5×5 cells, mirrored left to right (an identicon)
_BACKGROUND, _MARK, _BAR, _STRIPE = 0, 1, 2, 3


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode(
    width: int, height: int, palette: list[tuple[int, int, int]], rows: list[bytes]
) -> bytes:
    """An 8-bit palette PNG; each row holds one palette index per pixel."""
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    plte = b"".join(bytes(rgb) for rgb in palette)
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 (None) on every row
    return (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", plte)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def _palette(digest: bytes) -> list[tuple[int, int, int]]:
    hue = int.from_bytes(digest[:2], "big") / 65536
    return [
        _rgb(hue, 0.30, 0.45),  # background: dark enough for white text beside it in a preview
        _rgb(hue, 0.82, 0.55),  # the mark
        _rgb(hue, 0.62, 0.30),  # the bars
        _rgb((hue + 0.5) % 1.0, 0.60, 0.65),  # the accent stripe, the opposite hue
    ]


def _cells(digest: bytes) -> list[tuple[int, int]]:
    """Which cells of the 5×5 grid are filled: 15 bits, mirrored so the mark is symmetric."""
    bits = int.from_bytes(digest[2:4], "big")
    half = (_GRID + 1) // 2
    cells = []
    for i in range(_GRID * half):
        if bits >> i & 1:
            col, row = divmod(i, _GRID)
            cells += [(col, row), (_GRID - 1 - col, row)]
    return sorted(set(cells)) or [(_GRID // 2, _GRID // 2)]


Rect = tuple[int, int, int, int, int]  # x, y, width, height, palette index


def _layout(digest: bytes, width: int, height: int) -> list[Rect]:
    stripe = max(2, height // 40)
    side = min(width, height) * 3 // 5 // _GRID * _GRID  # the mark, a whole number of cells
    cell = side // _GRID
    wide = width >= height * 3 // 2
    left = height // 8 if wide else (width - side) // 2
    top = (height - side) // 2
    rects: list[Rect] = [(0, 0, width, stripe, _STRIPE)]
    rects += [(left + c * cell, top + r * cell, cell, cell, _MARK) for c, r in _cells(digest)]
    if wide:  # bars where a title would be: lengths from the key, so cards differ
        x = left + side + height // 8
        bar = max(4, height // 16)
        for i in range(4):
            length = (width - x - height // 8) * (50 + digest[4 + i] % 50) // 100
            rects.append((x, top + i * bar * 2, length, bar, _BAR))
    return rects


def draw(key: str, width: int, height: int) -> bytes:
    """The PNG card for ``key`` at the given size: the same key, the same bytes."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    rects = _layout(digest, width, height)
    blank = bytes(width)
    rows: list[bytes] = []
    for y in range(height):
        here = [r for r in rects if r[1] <= y < r[1] + r[3]]
        if not here:
            rows.append(blank)
            continue
        row = bytearray(blank)
        for x, _, w, _, index in here:
            row[x : x + w] = bytes([index]) * w
        rows.append(bytes(row))
    return encode(width, height, _palette(digest), rows)


def card(slug: str) -> bytes:
    """A post's preview card, 1200×630."""
    return draw(f"post:{slug}", *CARD_SIZE)


def logo(site_name: str) -> bytes:
    """The site's logo for JSON-LD ``publisher.logo``, 256×256."""
    return draw(f"site:{site_name}", *LOGO_SIZE)
