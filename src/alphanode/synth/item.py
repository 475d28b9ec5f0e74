"""What a synthesizer run yields: a document, its wrong-typed values, and how to write it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from alphanode.content.document import (
    Document,
    Heading,
    Image,
    ListBlock,
    ListItem,
    Paragraph,
)
from alphanode.content.meta import EXTRA, SCHEMA, label, render_leaf
from alphanode.formats import jsonl
from alphanode.formats.render import render
from alphanode.formats.scraped import BULLET, META_MARKER

_EMPTY_LIST = '{"type":"list","items":[]}'
SYNTHETIC = "synthetic"  # the key in ``meta["extra"]`` that marks near-duplicates and hostiles


@dataclass(frozen=True, slots=True)
class Corruption:
    """A meta value written with the wrong type, which the readers must reject.

    ``path`` is the meta key and, inside a record, the field (``("score", "quality")``);
    the rejection names ``field`` (``meta.score.quality``) and ``value``.
    """

    path: tuple[str, ...]
    value: str

    @property
    def field(self) -> str:
        return "meta." + ".".join(self.path)


@dataclass(frozen=True, slots=True)
class SynthItem:
    """One document of a run, always writable as a scraped page (``to_text``) or JSON.

    ``document`` is valid; when ``corruptions`` is not empty the written forms carry those
    wrong-typed values instead, so that importing them must fail. ``plain`` says that every
    string in the document is template text that JSON writes unescaped (normal documents),
    which lets ``to_json`` write the JSON text directly instead of through ``json.dumps``.
    """

    seed: int
    document: Document
    corruptions: tuple[Corruption, ...] = ()
    plain: bool = False

    @property
    def synthetic(self) -> dict[str, str]:
        extra = self.document.meta.get(EXTRA)
        mark = extra.get(SYNTHETIC) if isinstance(extra, dict) else None
        return mark if isinstance(mark, dict) else {}

    @property
    def near_duplicate_of(self) -> str | None:
        return self.synthetic.get("near_duplicate_of")

    @property
    def hostile(self) -> tuple[str, ...]:
        """What a hostile document carries (``markup``, ``wrong_type:reading_time`` ...)."""
        marks = self.synthetic.get("hostile", "")
        return tuple(marks.split(",")) if marks else ()

    @property
    def rejected(self) -> bool:
        """Whether importing this item must fail (it carries wrong-typed values)."""
        return bool(self.corruptions)

    def to_text(self) -> str:
        """The scraped alphanode page (``formats.render``), with any corruptions applied."""
        text = render(self.document)
        return (
            _corrupt_text(text, self.document.meta, self.corruptions) if self.corruptions else text
        )

    def to_json(self) -> str:
        """One line of canonical JSON: exactly ``formats.jsonl.dumps`` of the written form."""
        if self.corruptions:
            return jsonl.dumps(_corrupt_document(self.document, self.corruptions))
        if self.plain:
            return _plain_json(self.document)
        return jsonl.dumps(self.document)


def _corrupt_document(doc: Document, corruptions: tuple[Corruption, ...]) -> Document:
    # ``Document`` does not validate: it can carry the wrong values for the JSON writer.
    meta = dict(doc.meta)
    for c in corruptions:
        key, *rest = c.path
        if rest:
            meta[key] = {**meta[key], rest[0]: c.value}
        else:
            meta[key] = c.value
    return Document(doc.title, doc.body, meta)


def _corrupt_text(text: str, meta: dict[str, Any], corruptions: tuple[Corruption, ...]) -> str:
    # A flag written as "maybe" cannot pass through ``render`` (it writes any truthy flag as
    # 1), so wrong values replace their lines in the rendered meta box instead.
    head, marker, box = text.partition(f"\n{META_MARKER}\n")
    for c in corruptions:
        key, *rest = c.path
        shape = SCHEMA[key]
        if rest:
            sub = rest[0]
            line = f"\n  {BULLET} {label(sub)}: "
            old = line + render_leaf(shape, sub, meta[key][sub]) + "\n"
        else:
            line = "\n" + label(key)
            old = line + render_leaf(shape, key, meta[key]) + "\n"
        if old not in box:
            raise ValueError(f"no line {old.strip()!r} in the meta box to corrupt")
        box = box.replace(old, line + c.value + "\n", 1)
    return head + marker + box


def _plain_json(doc: Document) -> str:
    """``jsonl.dumps(doc)`` for a document whose strings need no JSON escapes.

    The body is most of the bytes and the slowest part for ``json.dumps``; written by hand
    it costs a tenth. Only template text reaches here (``plain``); ``tests/synth`` checks
    the result against ``jsonl.dumps`` byte for byte.
    """
    blocks = []
    for b in doc.body:
        if isinstance(b, Paragraph | Heading) and not b.children and _level_two(b):
            blocks.append(f'{{"type":"{b.type}","text":"{b.text}"}}')
        elif isinstance(b, ListBlock) and not b.ordered and _plain_items(b.items):
            items = '","'.join(str(i) for i in b.items)
            blocks.append(f'{{"type":"list","items":["{items}"]}}' if b.items else _EMPTY_LIST)
        elif isinstance(b, Image) and not b.link:
            blocks.append(
                f'{{"type":"image","alt":"{b.alt}","caption":"{b.caption}",'
                f'"source":"{b.source}","url":"{b.url}"}}'
            )
        else:  # the richer blocks (``--rich``) go through the one JSON writer
            blocks.append(jsonl.dumps_data(b.to_dict()))
    return f'{{"title":"{doc.title}","body":[{",".join(blocks)}],"meta":{_plain_meta(doc.meta)}}}'


def _strings(values: list[str]) -> str:
    return '["' + '","'.join(values) + '"]' if values else "[]"


def _true(flag: bool) -> str:
    return "true" if flag else "false"


def _plain_meta(m: dict[str, Any]) -> str:
    """The meta box of ``generator.compose`` as JSON, keys in its order (tests compare)."""
    if EXTRA in m:
        return json.dumps(m, ensure_ascii=False, separators=(",", ":"))
    o, sc, rv, fl, pl = m["ai_outline"], m["score"], m["revision"], m["flags"], m["payload"]
    entities = ",".join(f'{{"name":"{e["name"]}","type":"{e["type"]}"}}' for e in m["entities"])
    images = ",".join(
        f'{{"source":"{i["source"]}","url":"{i["url"]}","caption":"{i["caption"]}"}}'
        for i in m["image_sources"]
    )
    return (
        f'{{"topic":"{m["topic"]}","summary":"{m["summary"]}",'
        f'"ai_outline":{{"context":"{o["context"]}","problem":"{o["problem"]}",'
        f'"stack":"{o["stack"]}","recommended_action":"{o["recommended_action"]}"}},'
        f'"ai_brief":"{m["ai_brief"]}","stack":{_strings(m["stack"])},'
        f'"tools":{_strings(m["tools"])},"code_language":"{m["code_language"]}",'
        f'"difficulty":"{m["difficulty"]}","reading_time":{m["reading_time"]},'
        f'"view_count":{m["view_count"]},'
        f'"score":{{"quality":{sc["quality"]},"freshness":{sc["freshness"]},'
        f'"depth":{sc["depth"]},"clarity":{sc["clarity"]}}},'
        f'"revision":{{"status":"{rv["status"]}","version":"{rv["version"]}",'
        f'"last_reviewed":"{rv["last_reviewed"]}"}},'
        f'"reference":"{m["reference"]}","hash":"{m["hash"]}",'
        f'"flags":{{"ai_generated_style":{_true(fl["ai_generated_style"])},'
        f'"has_images":{_true(fl["has_images"])},"image_heavy":{_true(fl["image_heavy"])},'
        f'"needs_human_review":{_true(fl["needs_human_review"])}}},'
        f'"checklist":{_strings(m["checklist"])},"entities":[{entities}],'
        f'"image_sources":[{images}],'
        f'"payload":{{"source_id":"{pl["source_id"]}","generator":"{pl["generator"]}",'
        f'"paragraphs":{pl["paragraphs"]},"scenario":"{pl["scenario"]}","seed":{pl["seed"]}}},'
        f'"notes":{_strings(m["notes"])}}}'
    )


def _level_two(b: Paragraph | Heading) -> bool:
    return isinstance(b, Paragraph) or b.depth == 2


def _plain_items(items: tuple[str | ListItem, ...]) -> bool:
    return all(isinstance(i, str) for i in items)
