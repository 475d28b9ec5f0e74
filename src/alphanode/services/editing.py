"""Fixing a post before approving it: the edit form's fields, its preview, and saving it as a
new revision authored by the reviewer (through the importer's own write path)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Engine

from alphanode.content.document import Document, ParsedDocument
from alphanode.content.meta import SCHEMA, label
from alphanode.content.states import DeskAction, ImportOutcome
from alphanode.errors import NotFound
from alphanode.formats import jsonl, markdown, markdown_writer
from alphanode.services import claims, importer
from alphanode.services.preparing import prepare_parsed
from alphanode.settings import Settings
from alphanode.store import posts, review
from alphanode.store.engine import reading, writing

# The meta keys the form edits, each as one line (a scalar) or one item per line (a list).
# Records (scores, flags, outline, entities...) and the reference stay as they are: the
# reference is the post's identity, the rest is what the import or the generator measured.
LINE_KEYS = tuple(
    k
    for k, s in SCHEMA.items()
    if s.form == "scalar" and k not in ("reference", "hash", "view_count")
)
LIST_KEYS = tuple(k for k, s in SCHEMA.items() if s.form == "list")
SOURCE_PREFIX = "desk:"  # revisions.source of a revision written on the desk: desk:<reviewer>


@dataclass(frozen=True)
class Field:
    name: str  # the form field's name: meta.<key>
    key: str
    label: str
    value: str
    many: bool  # one item per line
    expected: str


@dataclass(frozen=True)
class EditForm:
    """What the edit page shows: the post's newest revision, or what the reviewer sent."""

    ref: str
    slug: str
    based_on: int
    title: str
    body: str
    fields: tuple[Field, ...]
    kept: tuple[str, ...]  # meta keys kept as they are (not edited here)


@dataclass(frozen=True)
class Saved:
    ref: str
    revision: int
    outcome: str  # ImportOutcome: updated, or unchanged (nothing was stored)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _fields(meta: Mapping[str, Any]) -> tuple[Field, ...]:
    out = []
    for key in (*LINE_KEYS, *LIST_KEYS):
        shape = SCHEMA[key]
        many = key in LIST_KEYS
        value = meta.get(key)
        if value is None:
            shown = ""
        elif many and isinstance(value, list):
            shown = "\n".join(_text(v) for v in value)
        else:
            shown = _text(value)
        out.append(Field(f"meta.{key}", key, label(key), shown, many, shape.kind.expected))
    return tuple(out)


def _form(ref: str, slug: str, based_on: int, doc: Document) -> EditForm:
    edited = set(LINE_KEYS) | set(LIST_KEYS)
    kept = tuple(k for k in doc.meta if k not in edited)
    body = markdown_writer.blocks(doc.body)
    return EditForm(ref, slug, based_on, doc.title, body, _fields(doc.meta), kept)


def _document(text: str) -> Document:
    return jsonl.from_object(json.loads(text)).document


def sent(form: EditForm, data: Mapping[str, str]) -> EditForm:
    """The same form carrying what the reviewer typed (kept when a save is refused)."""
    fields = tuple(replace(f, value=data.get(f.name, "")) for f in form.fields)
    return replace(
        form,
        title=data.get("title", ""),
        body=data.get("body", "").replace("\r\n", "\n"),
        fields=fields,
        # What the reviewer's text was based on, even when stale: a save from this form
        # must be refused again rather than quietly undo the newer revision (0: none sent).
        based_on=_number(data.get("based_on", "")) or 0,
    )


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _meta(base: Mapping[str, Any], data: Mapping[str, str]) -> dict[str, Any]:
    """The revision's meta with the form's fields in place: an emptied field drops its key;
    values stay text, so the import's own validation types them (and names what is wrong)."""
    meta = dict(base)
    for key in (*LINE_KEYS, *LIST_KEYS):
        raw = data.get(f"meta.{key}", "").replace("\r\n", "\n")
        value: Any
        if key in LIST_KEYS:
            value = [line.strip() for line in raw.split("\n") if line.strip()]
        else:
            value = raw.strip()
        if value:
            meta[key] = value
        else:
            meta.pop(key, None)
    return meta


def build(base: Document, data: Mapping[str, str]) -> ParsedDocument:
    """The edited document, validated exactly as an imported JSON document is; raises
    ``DocumentRejected`` naming each wrong field, the value seen and what was expected."""
    body = markdown.body(data.get("body", "").replace("\r\n", "\n"))
    raw = {
        "title": data.get("title", "").strip(),
        "body": [b.to_dict() for b in body],
        "meta": _meta(base.meta, data),
    }
    return jsonl.from_object(raw)


def base_document(engine: Engine, ref_or_slug: str) -> tuple[EditForm, Document]:
    """The form and the document of the post's newest revision (what an edit starts from)."""
    with reading(engine) as conn:
        row = posts.find(conn, ref_or_slug)
        if row is None:
            raise NotFound(f"no post with reference or slug {ref_or_slug!r}", "an existing post")
        rev = posts.revision(conn, row.id, row.current_revision)
    assert rev is not None  # noqa: S101 - the current revision always exists
    doc = _document(rev.document)
    return _form(row.ref, row.slug, row.current_revision, doc), doc


def save(
    engine: Engine,
    settings: Settings,
    ref_or_slug: str,
    data: Mapping[str, str],
    actor: str,
    address: str = "",
) -> Saved:
    """Store the form as a new revision of the post, authored by ``actor``.

    Refused (``claims.Stale``) when the form was based on a revision that is no longer the
    newest, and (``claims.ClaimHeld``) when someone else holds the post's claim; the post's
    row is locked meanwhile, so of two reviewers saving at once exactly one revision wins.
    Invalid values raise ``DocumentRejected``. Nothing is ever overwritten.
    """
    based_on = _number(data.get("based_on", ""))
    _, base = base_document(engine, ref_or_slug)
    parsed = build(base, data)  # validated before any lock is taken
    threshold = settings.near_duplicate_threshold if settings.near_duplicate_import else None
    with writing(engine) as conn:
        row = posts.find(conn, ref_or_slug, lock=True)
        if row is None:
            raise NotFound(f"no post with reference or slug {ref_or_slug!r}", "an existing post")
        claims.check(conn, row.id, row.ref, actor, "saving the edit")
        if based_on != row.current_revision:
            raise claims.Stale(
                f"{row.ref} has revision {row.current_revision} now, and your edit was based on "
                f"revision {based_on if based_on is not None else '(none given)'}; it was not "
                "saved, and your text is still in the form",
                "to copy your changes, reload the newest revision and apply them again",
            )
        # The post keeps its reference whatever the edited document would be identified by.
        prepared = replace(
            prepare_parsed(parsed, SOURCE_PREFIX + actor, threshold is not None), ref=row.ref
        )
        outcome = importer.store_one(conn, prepared, threshold)
        number = row.current_revision + (outcome == ImportOutcome.UPDATED.value)
        if outcome == ImportOutcome.UPDATED.value:
            note = f"new revision {number} from revision {row.current_revision}"
            review.log(conn, row.id, number, DeskAction.EDIT.value, actor, note, address)
    return Saved(row.ref, number, outcome)
