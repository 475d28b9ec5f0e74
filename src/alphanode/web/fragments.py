"""The versions kept page parts and cards are keyed by: a digest of the code that draws them."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from alphanode.web import ogimage

# Bump to throw away every kept page part when something outside the digested files changes
# what a page looks like (the digest below covers templates, alphanode's web, content and
# formats code, and the versions of the libraries that render).
RENDER_VERSION = 1
_PACKAGE = Path(__file__).resolve().parents[1]  # src/alphanode
_DIGESTED = ("web", "content", "formats")
_LIBRARIES = ("jinja2", "markupsafe", "pygments", "nh3")


def _digest(paths: list[Path], *extra: str) -> str:
    h = hashlib.sha256()
    for part in extra:
        h.update(part.encode("utf-8") + b"\0")
    for path in sorted(p.resolve() for p in paths):
        h.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def render_version(templates: Path) -> str:
    """Changes whenever a template, the rendering code or a rendering library changes."""
    files = [p for p in templates.rglob("*") if p.is_file()]
    for folder in _DIGESTED:
        files += (_PACKAGE / folder).rglob("*.py")
    versions = [f"{name}={metadata.version(name)}" for name in _LIBRARIES]
    return _digest(files, f"render:{RENDER_VERSION}", *versions)


def card_version() -> str:
    """Changes whenever the card drawing code does."""
    return _digest([Path(ogimage.__file__).resolve()], "card")[:32]
