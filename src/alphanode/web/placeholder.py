"""Locally drawn placeholder images (SVG), so a page never shows a broken-image icon."""

from __future__ import annotations

from html import escape


def svg(width: int, height: int, text: str) -> str:
    """A neutral box of the given size with its text centred, wrapped to at most 3 lines."""
    text = " ".join(text.split())[:120] or f"{width} × {height}"
    size = max(10, min(width // 24, height // 6, 48))
    per_line = max(8, int(width / (size * 0.6)))
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if len(line) + len(word) + 1 > per_line and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    lines = lines[:3]
    top = height / 2 - (len(lines) - 1) * size * 0.6
    spans = "".join(
        f'<tspan x="50%" y="{top + i * size * 1.2:.0f}">{escape(t)}</tspan>'
        for i, t in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(text)}">'
        f'<rect width="100%" height="100%" fill="#dde3ea"/>'
        f'<text font-family="system-ui, sans-serif" font-size="{size}" fill="#4a5568" '
        f'text-anchor="middle" dominant-baseline="middle">{spans}</text></svg>'
    )
