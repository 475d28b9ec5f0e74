"""Turning raw input (JSON values or text read from a page) into a validated Document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alphanode.content.document import (
    Block,
    Document,
    Heading,
    Image,
    ListBlock,
    Paragraph,
    ParsedDocument,
)
from alphanode.content.meta import (
    CODE_WRONG_SHAPE,
    WARN_IMAGE_NO_SOURCE,
    WARN_UNSAFE_URL,
    is_safe_url,
    validate_meta,
)
from alphanode.errors import DocumentRejected, DocumentWarning, Problem

CODE_EMPTY = "AN-IMPORT-001"
CODE_NOT_TEXT = "AN-IMPORT-002"
CODE_BAD_JSON = "AN-IMPORT-003"
CODE_TOO_LARGE = "AN-IMPORT-006"

BLOCK_TYPES = ("paragraph", "heading", "list", "image")
_IMAGE_FIELDS = ("alt", "caption", "source", "url")


def document_from_dict(
    data: Any, *, lines: Mapping[str, int] | None = None, line: int | None = None
) -> ParsedDocument:
    """Validate a document in the canonical JSON shape; raise ``DocumentRejected`` if wrong."""
    problems: list[Problem] = []
    warnings: list[DocumentWarning] = []

    def problem(path: str, value: Any, expected: str, code: str = CODE_WRONG_SHAPE) -> None:
        shown = value if isinstance(value, str) else repr(value)[:200]
        problems.append(Problem(code, path, shown, expected, False, "", line))

    if not isinstance(data, dict):
        problem("document", data, "a JSON object with title, body and meta")
        raise DocumentRejected(problems)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problem("title", title, "a non-empty title")
    body = _blocks(data.get("body", []), problem, warnings, line)
    meta_raw = data.get("meta", {})
    meta: dict[str, Any] = {}
    if not isinstance(meta_raw, dict):
        problem("meta", meta_raw, "a JSON object of meta keys")
    else:
        result = validate_meta(meta_raw, lines)
        problems.extend(p if p.line is not None else _at(p, line) for p in result.problems)
        warnings.extend(result.warnings)
        meta = result.meta
    for key in data:
        if key not in ("title", "body", "meta", "slug"):
            warnings.append(
                DocumentWarning("AN-WARN-001", key, repr(data[key])[:200], "unknown top-level key, ignored", line)
            )
    if problems:
        raise DocumentRejected(problems)
    assert isinstance(title, str)  # noqa: S101 - checked above; narrows for mypy
    slug = data.get("slug")
    return ParsedDocument(
        Document(title, tuple(body), meta),
        tuple(warnings),
        line,
        slug if isinstance(slug, str) and slug else None,
    )


def _at(p: Problem, line: int | None) -> Problem:
    return Problem(p.code, p.field, p.value, p.expected, p.retry_safe, p.source, line)


def _blocks(raw: Any, problem: Any, warnings: list[DocumentWarning], line: int | None) -> list[Block]:
    if not isinstance(raw, list):
        problem("body", raw, "a list of blocks")
        return []
    out: list[Block] = []
    for i, item in enumerate(raw):
        path = f"body[{i}]"
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in BLOCK_TYPES:
            problem(f"{path}.type", kind, "one of " + ", ".join(BLOCK_TYPES))
            continue
        assert isinstance(item, dict)  # noqa: S101 - kind is only set for dicts
        if kind == "list":
            items = item.get("items")
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                problem(f"{path}.items", items, "a list of text")
                continue
            out.append(ListBlock(tuple(items)))
        elif kind == "image":
            values = {k: item.get(k, "") for k in _IMAGE_FIELDS}
            bad = [k for k, v in values.items() if not isinstance(v, str)]
            for k in bad:
                problem(f"{path}.{k}", values[k], "text")
            if bad:
                continue
            url = values["url"]
            if url and not is_safe_url(url):
                warnings.append(
                    DocumentWarning(WARN_UNSAFE_URL, f"{path}.url", url, "not an http(s) URL: kept as inert text, never a link", line)
                )
            elif not url:
                warnings.append(
                    DocumentWarning(WARN_IMAGE_NO_SOURCE, f"{path}.url", "", "image has no url", line)
                )
            out.append(Image(values["alt"], values["caption"], values["source"], url))
        else:
            text = item.get("text")
            if not isinstance(text, str):
                problem(f"{path}.text", text, "text")
                continue
            out.append(Paragraph(text) if kind == "paragraph" else Heading(text))
    return out
