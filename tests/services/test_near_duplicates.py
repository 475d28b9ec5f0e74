"""Near-duplicate detection at import, on both databases, against the synthesizer's truth."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.content.fingerprint import Fingerprint
from alphanode.services import importer, indexing, near_duplicates, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.engine import reading, writing
from alphanode.store.schema import (
    fingerprint_bands,
    post_fingerprints,
    posts,
    revision_facets,
    similar_posts,
)
from alphanode.store.schema import near_duplicates as near_table
from alphanode.synth import SynthItem, SynthOptions, generate
from tests.conftest import Cli, make_site
from tests.helpers import variant


def _write(path: Path, items: list[SynthItem]) -> Path:
    path.write_text("".join(i.to_json() + "\n" for i in items), "utf-8")
    return path


def _marked(engine: Engine) -> dict[str, str]:
    """{post ref: ref of the earlier post it nearly duplicates}."""
    other = posts.alias("other")
    query = (
        sa.select(posts.c.ref, other.c.ref)
        .join(near_table, near_table.c.post_id == posts.c.id)
        .join(other, other.c.id == near_table.c.other_id)
    )
    with reading(engine) as conn:
        return {row[0]: row[1] for row in conn.execute(query)}


def _groups(items: list[SynthItem]) -> dict[str, str]:
    """Each reference's root: the first document of its near-duplicate family."""
    parent = {str(i.document.reference): i.near_duplicate_of for i in items}

    def root(ref: str) -> str:
        up = parent.get(ref)
        return root(up) if up else ref

    return {ref: root(ref) for ref in parent}


def test_import_marks_exactly_the_synthesized_near_duplicates(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    items = list(generate(240, 21, SynthOptions(near_duplicates=0.15)))
    truth = {str(i.document.reference) for i in items if i.near_duplicate_of}
    assert len(truth) > 20
    # Batches of 50: originals and copies meet both within a batch and across batches.
    small = settings.replace(import_batch_size=50)
    report = importer.import_sources(db, small, resolve([str(_write(tmp_path / "a.jsonl", items))]))
    assert report.imported == 240
    marked = _marked(db)
    assert set(marked) == truth
    family = _groups(items)
    assert all(family[ref] == family[original] for ref, original in marked.items())
    # The review queue filters on it; the CLI lists the same pairs.
    assert set(review.pending(db, [("near_duplicate", "yes")])) == truth
    listed = Cli(str(db.url.render_as_string(hide_password=False)))(
        "review", "duplicates", "--json"
    )
    assert listed.exit_code == 0
    data = json.loads(listed.stdout)
    assert data["count"] == len(truth)
    assert {d["ref"]: d["original_ref"] for d in data["near_duplicates"]} == marked
    assert all(0.7 <= d["similarity"] <= 1.0 for d in data["near_duplicates"])


def test_reimport_and_edits_keep_the_rows_exact(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.txt").write_text(variant(1, title="the original"), "utf-8")
    importer.import_sources(db, settings, resolve([str(tmp_path / "one")]))
    copy = tmp_path / "copy.txt"
    copy.write_text(variant(2, title="a copy under another title"), "utf-8")
    importer.import_sources(db, settings, resolve([str(copy)]))
    assert _marked(db) == {"anp-ref-000002-0000": "anp-ref-000001-0000"}
    again = importer.import_sources(db, settings, resolve([str(copy)]))
    assert again.unchanged == 1 and _marked(db) == {"anp-ref-000002-0000": "anp-ref-000001-0000"}
    # The copy is rewritten into a different post: the mark goes, the new body is stored.
    items = list(generate(1, 99))
    rewritten = items[0].to_text().replace(str(items[0].document.reference), "anp-ref-000002-0000")
    copy.write_text(rewritten, "utf-8")
    assert importer.import_sources(db, settings, resolve([str(copy)])).updated == 1
    assert _marked(db) == {}
    with reading(db) as conn:
        prints = conn.scalar(sa.select(sa.func.count()).select_from(post_fingerprints))
        bands = conn.execute(
            sa.select(fingerprint_bands.c.post_id, sa.func.count()).group_by(
                fingerprint_bands.c.post_id
            )
        ).all()
        facet = conn.execute(
            sa.select(revision_facets.c.number).where(revision_facets.c.kind == "near_duplicate")
        ).all()
    assert prints == 2 and all(1 <= n <= 16 for _, n in bands) and len(bands) == 2
    assert facet == [(1,)]  # only the revision that was a copy carries the facet


def test_similar_posts_never_suggest_near_duplicates(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    items = list(generate(150, 33, SynthOptions(near_duplicates=0.2)))
    conf = settings.replace(search_index_path=str(tmp_path / "index"))
    importer.import_sources(db, conf, resolve([str(_write(tmp_path / "a.jsonl", items))]))
    review.approve_all_pending(db, "tester", "all")
    indexing.sync(make_site(conf, db))
    with reading(db) as conn:
        pairs = conn.execute(sa.select(similar_posts.c.post_id, similar_posts.c.other_id)).all()
        prints = {
            r.post_id: Fingerprint.from_bytes(bytes(r.signature))
            for r in conn.execute(sa.select(post_fingerprints))
        }
    assert len(pairs) > 500
    assert all(prints[a].similarity(prints[b]) < 0.7 for a, b in pairs)
    # Two copies of one original are marked against the original only, yet never paired.
    family = _groups(items)
    with reading(db) as conn:
        ref_of = {row[0]: row[1] for row in conn.execute(sa.select(posts.c.id, posts.c.ref))}
    assert all(family[ref_of[a]] != family[ref_of[b]] for a, b in pairs)
    # Nor does any page suggest two members of one family (an original and its copy).
    shown: dict[int, list[str]] = {}
    for a, b in pairs:
        shown.setdefault(a, []).append(family[ref_of[b]])
    assert all(len(fams) == len(set(fams)) for fams in shown.values())


def test_rescan_finds_the_same_after_the_tables_were_emptied(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    items = list(generate(120, 8, SynthOptions(near_duplicates=0.2)))
    importer.import_sources(db, settings, resolve([str(_write(tmp_path / "a.jsonl", items))]))
    before = _marked(db)
    assert before
    with writing(db) as conn:  # as after upgrading a site imported before detection existed
        for table in (near_table, fingerprint_bands, post_fingerprints):
            conn.execute(sa.delete(table))
        conn.execute(sa.delete(revision_facets).where(revision_facets.c.kind == "near_duplicate"))
    assert review.pending(db, [("near_duplicate", "yes")]) == []
    scanned, found = near_duplicates.scan(db, 0.7, batch=25)
    assert (scanned, found) == (120, len(before))
    assert _marked(db) == before
    assert set(review.pending(db, [("near_duplicate", "yes")])) == set(before)
    # A stricter threshold marks only the closest copies (or none).
    _, strict = near_duplicates.scan(db, 0.99)
    assert strict <= found


def test_a_bulk_load_without_detection_is_caught_up_by_a_rescan(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    items = list(generate(120, 8, SynthOptions(near_duplicates=0.2)))
    off = settings.replace(near_duplicate_import=False)
    importer.import_sources(db, off, resolve([str(_write(tmp_path / "a.jsonl", items))]))
    assert _marked(db) == {}
    with reading(db) as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(post_fingerprints)) == 0
    _, found = near_duplicates.scan(db, 0.7)
    truth = {str(i.document.reference) for i in items if i.near_duplicate_of}
    assert found == len(truth) and set(_marked(db)) == truth


def test_band_lookups_are_bounded_to_the_most_recent_holders(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    from alphanode.store import fingerprints
    from tests.store.posts_made import make_posts

    ids = sorted(make_posts(db, settings, tmp_path).values())
    band = 12345
    with writing(db) as conn:
        conn.execute(sa.delete(fingerprint_bands).where(fingerprint_bands.c.band == band))
        conn.execute(fingerprint_bands.insert(), [{"band": band, "post_id": i} for i in ids])
        bounded = fingerprints.sharing(conn, [band, band + 1], 2)
        everyone = fingerprints.sharing(conn, [band], len(ids))
    assert sorted(bounded[band]) == ids[-2:]  # the two most recent holders only
    assert sorted(everyone[band]) == ids and band + 1 not in bounded
