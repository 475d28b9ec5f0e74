"""The desk's edit page in Chromium: hostile content stays text (0 dialogs), the Preview
button works without JavaScript, and the live preview follows the typing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from alphanode.formats import markdown
from alphanode.services import accounts, importer
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.browser import watched_page
from tests.conftest import REPO, make_site
from tests.helpers import wait_until_serving
from tests.web.conftest import free_port
from tests.web.test_browser_hostile import REF, P, hostile_document

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "correct horse battery"

# The edit page's own form controls are the only textareas; anything else a payload made.
INERT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.trim().toLowerCase();
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'srcdoc', 'data'].includes(a.name)
          && (v.startsWith('javascript:') || v.startsWith('data:')))
        bad.push(el.tagName + ' ' + a.name + '=' + v);
    }
  }
  for (const t of ['iframe', 'svg', 'style', 'object', 'embed', 'script:not([src])'])
    if (document.querySelectorAll(t).length) bad.push(t);
  const areas = [...document.querySelectorAll('textarea')].map(t => t.id);
  if (areas.some(id => !id.startsWith('edit-'))) bad.push('textarea ' + areas.join(','));
  return bad;
}"""


@dataclass
class Served:
    url: str
    cookie: str  # rita's session token


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The hostile document, pending, on a live server, and a signed-in reviewer."""
    directory = tmp_path_factory.mktemp("desk-edit-browser")
    settings = Settings.load(
        env={},
        database_url=f"sqlite:///{directory / 'site.db'}",
        search_index_path=str(directory / "search"),
    )
    engine = open_database(settings)
    importer.import_bytes(engine, settings, "hostile.json", json.dumps(hostile_document()).encode())
    runtime = make_site(settings, engine)
    accounts.add_user(runtime, "rita", "reviewer", PASSWORD)
    token, _ = accounts.login(runtime, "rita", PASSWORD, "127.0.0.1")
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "ALPHANODE_DATABASE_URL": str(settings.database_url),
        "ALPHANODE_SEARCH_INDEX_PATH": str(settings.search_index_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "alphanode", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, "/robots.txt")
        yield Served(base, token)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _page(browser: Any, served: Served, javascript: bool = True) -> Any:
    context = browser.new_context(bypass_csp=True, java_script_enabled=javascript)
    context.add_cookies([{"name": "an_session", "value": served.cookie, "url": served.url}])
    pg = watched_page(context)
    return pg


def _settle(pg: Any) -> None:
    pg.wait_for_load_state("load")
    pg.evaluate("() => document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    pg.wait_for_function("() => [...document.images].every(i => i.complete)")


def test_hostile_content_on_the_edit_page_is_text_and_previews_live(
    browser: Any, served: Served
) -> None:
    pg = _page(browser, served)
    try:
        pg.goto(f"{served.url}/review/posts/{REF}/edit")
        _settle(pg)
        assert pg.input_value("#edit-title") == P  # the payload is the field's text
        # The body field holds Markdown (escaped), which reads back to the payload as text.
        (para, *_) = markdown.body(pg.input_value("#edit-body"))
        assert para.to_dict() == {"type": "paragraph", "text": f"para {P}"}
        assert pg.input_value("#edit-summary") == f"summary {P}"
        pg.click("#edit-preview-button")  # a page load: the server renders the preview
        _settle(pg)
        assert pg.inner_text("#edit-preview-body h1") == P
        assert pg.dialogs == [] and pg.evaluate(INERT) == [] and pg.errors == []
        # Typing updates the preview through …/preview (the page's script).
        pg.fill("#edit-body", f"para {P}\n\na freshly typed paragraph")
        pg.wait_for_selector("#edit-preview-body .post-body p >> text=freshly typed")
        _settle(pg)
        assert pg.dialogs == [] and pg.evaluate(INERT) == [] and pg.errors == []
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "desk-edit.png"), full_page=True)
    finally:
        pg.context.close()


def test_without_javascript_preview_and_save_work(browser: Any, served: Served) -> None:
    pg = _page(browser, served, javascript=False)
    try:
        pg.goto(f"{served.url}/review/posts/{REF}/edit")
        pg.fill("#edit-reading_time", "nine")
        pg.click("#edit-save")
        assert "AN-IMPORT-004" in pg.inner_text("#edit-problems")
        assert pg.input_value("#edit-reading_time") == "nine"  # kept
        pg.fill("#edit-reading_time", "7")
        pg.fill("#edit-title", "a safe title now")
        pg.click("#edit-save")
        assert pg.url.endswith(f"/review/posts/{REF}")
        assert "a safe title now" in pg.inner_text("h1")
        assert "rita edit revision 2" in pg.content()
        assert pg.dialogs == []
    finally:
        pg.context.close()
