"""Headless Debian Chromium for page tests: one launch, and axe-core's accessibility check.

The browser is Debian's ``/usr/bin/chromium`` (never a browser download). axe-core comes
from the pinned ``axe-playwright-python`` wheel, which carries ``axe.min.js`` (MPL-2.0); only
that file is used, injected into the page under test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from tests.conftest import need

CHROMIUM = "/usr/bin/chromium"
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# WCAG 2.0/2.1 A and AA, plus axe's best practices: what the pages promise.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched Chromium (Playwright ``Browser``); skips, or fails under CI, without one."""
    need(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        f"Chromium is not installed at {CHROMIUM} (make test installs it)",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - make test installs it
        need(False, "the playwright package is not installed")
        raise
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(ARGS))
        try:
            yield browser
        finally:
            browser.close()


def axe_source() -> str:
    """The text of axe-core's ``axe.min.js``."""
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


def axe_violations(page: Any) -> list[str]:
    """Run axe-core on the page as it is now; one line per violated rule and node."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(AXE_TAGS)
    )
    lines = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            lines.append(f"{violation['id']} ({violation['impact']}): {node['target']}")
    return lines


def watched_page(context: Any) -> Any:
    """A new page of ``context`` that records what a payload would cause: every dialog
    (dismissed; ``page.dialogs``) and every uncaught script error (``page.errors``)."""
    page = context.new_page()
    page.dialogs = []
    page.errors = []

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page
