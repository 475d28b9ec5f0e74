"""What search and Similar Posts read of a rich body: prose, code, link text."""

from __future__ import annotations

import json

from alphanode.content.document import Code, Document, Embed, Link, Paragraph, Text, paragraph
from alphanode.content.fingerprint import body_text
from alphanode.formats import markdown
from alphanode.services.indexing import index_doc
from tests.conftest import REPO

RICH = REPO / "tests" / "fixtures" / "markdown" / "rich.md"


def rich() -> Document:
    return markdown.parse(RICH.read_text("utf-8"), "rich.md").document


def test_prose_and_code_split_the_body() -> None:
    doc = rich()
    prose, code = doc.prose_text(), doc.code_text()
    assert "the docs" in prose and "mail us" in prose  # link text is text
    assert "Stop the service." in prose and "Measure before you tune." in prose
    assert "min_size" in prose and "connections opened at start" in prose  # table cells
    assert "measured" in prose  # task list items
    assert "ConnectionPool(" not in prose
    assert 'pool = ConnectionPool("dbname=app"' in code
    assert "pip install psycopg-pool" in code  # inline code, in a paragraph
    assert "min_size\nmax_size" in code  # inline code in table cells
    assert "https://www.psycopg.org" not in prose + code  # an href is not text


def test_embeds_are_neither_prose_nor_code() -> None:
    doc = Document(
        "t",
        (
            paragraph([Text("see "), Link("https://x.org", (Text("here"),))]),
            Embed("html/iframe", "<iframe src=x></iframe>"),
            Code("print(1)", "python"),
        ),
    )
    assert doc.prose_text() == "see here"
    assert doc.code_text() == "print(1)"
    assert isinstance(doc.body[0], Paragraph)


def test_the_index_reads_code_and_link_text() -> None:
    doc = rich()
    indexed, _ = index_doc(1, json.dumps(doc.to_dict()))
    # Code goes to its own, lower-weighted field; link text is prose.
    assert "ConnectionPool" in indexed.code and "ConnectionPool" not in indexed.body
    assert "the local guide" in indexed.body
    assert indexed.body == doc.prose_text() and indexed.code == doc.code_text()
    assert set(body_text(doc).split()) == set(f"{doc.prose_text()} {doc.code_text()}".split())
