"""Judged collections in the SMART/TREC layout (Cranfield, CACM): documents, queries, qrels.

A directory holds one documents file (``.I`` records with ``.T`` title, ``.A`` authors,
``.W`` text and other fields), one queries file (``.I``/``.W``) and one qrels file, in one of:
``q d rel`` (Cranfield: rel 1 best … 4 least, -1 not relevant), ``q d 0 0`` (CACM: every
pair relevant) or ``q 0 d rel`` (TREC: rel > 0 relevant, graded).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_FIELD = re.compile(r"^\.([A-Z])(?:\s+(\S+))?\s*$")


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    authors: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Collection:
    name: str
    docs: list[Doc]
    queries: dict[str, str]  # query id as the qrels number it → text
    qrels: dict[str, dict[str, int]]  # query → doc → gain (> 0: relevant; higher is better)


def records(path: Path) -> list[dict[str, str]]:
    """``.I`` records as {"I": id, "T": text, ...}, each field's lines joined by spaces."""
    out: list[dict[str, str]] = []
    field = ""
    for line in path.read_text("utf-8", "replace").splitlines():
        m = _FIELD.match(line)
        if m and m.group(1) == "I":
            out.append({"I": str(m.group(2) or "").strip()})
            field = ""
        elif m and out:
            field = m.group(1)
            out[-1].setdefault(field, "")
        elif out and field:
            out[-1][field] = (out[-1][field] + " " + line.strip()).strip()
    return out


def _find(directory: Path, *patterns: str) -> Path:
    for pattern in patterns:
        found = sorted(p for p in directory.glob(pattern) if p.is_file())
        if found:
            return found[0]
    raise FileNotFoundError(f"{directory}: no file matching {' or '.join(patterns)}")


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in path.read_text("utf-8").splitlines():
        cols = line.split()
        if len(cols) == 3:  # Cranfield: 1 = complete answer … 4 = minimum interest, -1 none
            q, d, rel = cols[0], cols[1], int(cols[2])
            gain = 5 - rel if 1 <= rel <= 4 else 0
        elif len(cols) == 4 and cols[2:] == ["0", "0"]:  # CACM
            q, d, gain = cols[0], cols[1], 1
        elif len(cols) == 4:  # TREC
            q, d, gain = cols[0], cols[2], max(0, int(cols[3]))
        else:
            continue
        out.setdefault(str(int(q)), {})[str(int(d))] = gain
    return out


def load(directory: Path) -> Collection:
    docs_path = _find(directory, "*.all.*", "*.all", "*docs*")
    query_path = _find(directory, "*.qry", "query*")
    qrels = _qrels(_find(directory, "*qrel*[!e]", "qrels*", "*qrel"))
    docs = [
        Doc(
            str(int(r["I"])),
            " ".join(r.get("T", "").split()),
            tuple(a.strip() for a in r.get("A", "").split(" and ") if a.strip()),
            " ".join(r.get("W", "").split()),
        )
        for r in records(docs_path)
    ]
    raw = [(str(int(r["I"])), " ".join(r.get("W", "").split())) for r in records(query_path)]
    ids = {q for q, _ in raw}
    # The trap in Cranfield: cran.qry numbers its queries 1, 2, 4, 8 … 365 while cranqrel
    # numbers them 1 … 225 in order. Qrels naming queries the file does not have mean the
    # n-th query is qrels query n.
    if not set(qrels) <= ids:
        raw = [(str(n), text) for n, (_, text) in enumerate(raw, 1)]
    return Collection(directory.name, docs, dict(raw), qrels)


def write_jsonl(collection: Collection, path: Path, prefix: str) -> dict[str, str]:
    """The documents as alphanode JSONL (title, one paragraph, authors); ref → doc id."""
    refs: dict[str, str] = {}
    with path.open("w", encoding="utf-8") as out:
        for d in collection.docs:
            text = d.text or d.title
            ref = f"{prefix}-{int(d.id):06d}"
            refs[ref] = d.id
            meta: dict[str, object] = {"reference": ref}
            if d.authors:
                meta["authors"] = list(d.authors)
            data = {
                "title": d.title or text[:80] or ref,
                "body": [{"type": "paragraph", "text": text or ref}],
                "meta": meta,
            }
            out.write(json.dumps(data) + "\n")
    return refs
