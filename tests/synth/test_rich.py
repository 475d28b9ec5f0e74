"""``--rich``: a share of articles with inline code, links, code in the stack's language, a
table and a numbered procedure; deterministic, hostile values for hostile documents."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from alphanode.cli.main import build_app
from alphanode.content.document import Code, InlineCode, Link, ListBlock, Paragraph, Table
from alphanode.formats import jsonl
from alphanode.services import importer
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.synth import SynthOptions, generate
from alphanode.synth.rich import HOSTILE_CODE
from tests.synth.test_golden import sha256

# sha256 of generate(40, 1, rich=0.3, hostile=0.1) as JSONL: the rich output is pinned too.
PINNED = "d026ec50f79d5468409efe4c01cde80da2983322d7be5022f2edde80c34e33b3"


def test_rich_output_is_pinned_and_repeatable() -> None:
    first = sha256(40, 1, "jsonl", rich=0.3, hostile=0.1)
    assert first == sha256(40, 1, "jsonl", rich=0.3, hostile=0.1)
    assert first == PINNED
    assert sha256(40, 1, "jsonl") != first


def test_a_share_gets_every_rich_block() -> None:
    items = list(generate(200, 1, SynthOptions(rich=0.3)))
    rich = [i for i in items if any(isinstance(b, Code) for b in i.document.body)]
    assert 40 <= len(rich) <= 80
    for item in rich:
        body, meta = item.document.body, item.document.meta
        code = next(b for b in body if isinstance(b, Code))
        assert code.lang == meta["code_language"] and code.value.strip()
        assert any(isinstance(b, Table) and len(b.rows) == 4 for b in body)
        assert any(isinstance(b, ListBlock) and b.ordered for b in body)
        intro = next(b for b in body if isinstance(b, Paragraph) and b.children)
        assert any(isinstance(n, InlineCode) for n in intro.children)
        assert any(isinstance(n, Link) for n in intro.children)
        # The JSON reads back as the same document.
        again = jsonl.from_object(json.loads(item.to_json())).document
        assert again == item.document
    plain = [i for i in items if i not in rich]
    assert plain and all(not isinstance(b, Code) for i in plain for b in i.document.body)


def test_hostile_rich_documents_carry_hostile_values() -> None:
    items = list(generate(300, 1, SynthOptions(rich=0.5, hostile=0.3)))
    both = [i for i in items if i.hostile and any(isinstance(b, Code) for b in i.document.body)]
    assert both
    for item in both:
        code = next(b for b in item.document.body if isinstance(b, Code))
        assert code.value.endswith(HOSTILE_CODE)
        text = item.to_json()
        assert "<script>alert('inline')</script>" in text
        assert "onerror" in text


def test_text_format_refuses_rich(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        build_app(),
        ["synth", "--count", "2", "--rich", "0.5", "--format", "text", "--out", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "--format jsonl" in result.output


def test_rich_jsonl_imports_and_reimports_unchanged(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "rich.jsonl"
    path.write_text(
        "".join(i.to_json() + "\n" for i in generate(30, 1, SynthOptions(rich=0.5))), "utf-8"
    )
    first = importer.import_sources(db, settings, resolve([str(path)]))
    assert first.counts()["imported"] == 30 and first.counts()["rejected"] == 0
    second = importer.import_sources(db, settings, resolve([str(path)]))
    assert second.counts()["unchanged"] == 30
