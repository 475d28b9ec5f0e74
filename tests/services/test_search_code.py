"""Search reads rich bodies: code blocks count, at a lower weight than prose; link text is text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alphanode.services import importer, review, search
from alphanode.services.sources import resolve
from tests.searchcases import Case, make_corpus

WORD = "frobnicator"


def _doc(ref: str, title: str, body: list[dict[str, Any]]) -> dict[str, Any]:
    filler = {"type": "paragraph", "text": "A note on running services calmly in production."}
    return {"title": title, "body": [filler, *body], "meta": {"reference": ref}}


POSTS = {
    "in-title": _doc("code-t", f"The {WORD} guide", []),
    "in-prose": _doc(
        "code-p", "Release notes", [{"type": "paragraph", "text": f"We tuned the {WORD} today."}]
    ),
    "in-code": _doc(
        "code-c",
        "Deploy script",
        [{"type": "code", "lang": "python", "value": f"import {WORD}\n{WORD}.run()"}],
    ),
    "in-link": _doc(
        "code-l",
        "Further reading",
        [
            {
                "type": "paragraph",
                "children": [
                    "See ",
                    {"type": "link", "url": "https://x.test/", "children": ["the quuxwidget docs"]},
                    ".",
                ],
            }
        ],
    ),
}


def test_code_words_find_the_post_below_prose_and_title(
    tmp_path: Path, case: Case, case_url: str
) -> None:
    corpus = make_corpus(tmp_path, case_url, 0, case)
    try:
        pages = tmp_path / "rich"
        pages.mkdir()
        for name, doc in POSTS.items():
            (pages / f"{name}.json").write_text(json.dumps(doc), "utf-8")
        importer.import_sources(corpus.engine, corpus.settings, resolve([str(pages)]))
        review.approve_all_pending(corpus.engine, "tester", "rich")
        corpus.site.index_pending()
        found = [h.card.ref for h in search.search(corpus.site, WORD, {}).hits]
        assert found == ["code-t", "code-p", "code-c"]  # found in code, ranked below prose
        assert [h.card.ref for h in search.search(corpus.site, "quuxwidget", {}).hits] == ["code-l"]
    finally:
        corpus.engine.dispose()
