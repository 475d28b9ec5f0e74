"""Import: identity, idempotence, revisions, rejects, batches and the parallel parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.services import documents, importer
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store import posts, rejects
from alphanode.store.engine import reading
from tests.conftest import GOLDEN
from tests.helpers import SEED_REF, seed_text, variant, write_variants


def run(engine: Engine, settings: Settings, *paths: Path | str) -> importer.ImportReport:
    return importer.import_sources(engine, settings, resolve([str(p) for p in paths]))


def test_seed_twice_is_unchanged(db: Engine, settings: Settings, seed_path: Path) -> None:
    first = run(db, settings, seed_path)
    assert first.counts() == {"imported": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    second = run(db, settings, seed_path)
    assert second.counts() == {"imported": 0, "updated": 0, "unchanged": 1, "rejected": 0}
    assert second.outcomes == [(SEED_REF, "unchanged")]
    stored = documents.show(db, SEED_REF)
    assert stored.post.status == "pending_review"
    assert stored.post.current_revision == 1
    assert stored.post.slug == (
        "production-checklist-for-documenting-production-defaults-in-python-services-"
        "maintenance-guide"
    )


def test_edited_copy_is_updated_with_history(
    db: Engine, settings: Settings, seed_path: Path, tmp_path: Path
) -> None:
    run(db, settings, seed_path)
    edited = tmp_path / "edited.txt"
    edited.write_text(seed_text().replace("final notes", "closing notes"), "utf-8")
    report = run(db, settings, edited)
    assert report.counts()["updated"] == 1
    stored = documents.show(db, SEED_REF)
    assert {"type": "heading", "text": "closing notes"} in stored.to_dict()["body"]
    assert stored.to_dict()["revision"] == 2
    _, revs = documents.history(db, SEED_REF)
    assert [r.number for r in revs] == [1, 2]
    assert [r.current for r in revs] == [False, True]
    assert revs[1].source == f"{edited}:3"
    # The first revision is kept exactly.
    old = documents.show(db, SEED_REF, revision=1)
    assert {"type": "heading", "text": "final notes"} in old.to_dict()["body"]


def test_rollback_stores_a_new_revision(
    db: Engine, settings: Settings, seed_path: Path, tmp_path: Path
) -> None:
    run(db, settings, seed_path)
    edited = tmp_path / "edited.txt"
    edited.write_text(seed_text().replace("final notes", "closing notes"), "utf-8")
    run(db, settings, edited)
    assert documents.rollback(db, SEED_REF, 1) == 3
    assert documents.show(db, SEED_REF).document == documents.show(db, SEED_REF, 1).document
    # Re-importing revision 1's content is now unchanged.
    assert run(db, settings, seed_path).counts()["unchanged"] == 1


def test_bad_document_among_good_ones(db: Engine, settings: Settings, tmp_path: Path) -> None:
    write_variants(tmp_path / "in", 5)
    bad = tmp_path / "in" / "page-00003.txt"
    bad.write_text(bad.read_text("utf-8").replace("reading time9", "reading timenine"), "utf-8")
    report = run(db, settings, tmp_path / "in")
    assert report.counts() == {"imported": 4, "updated": 0, "unchanged": 0, "rejected": 1}
    [error] = report.errors
    assert error["field"] == "meta.reading_time"
    assert error["value"] == "nine"
    assert error["expected"] == "a whole number of minutes"
    assert error["file"] == str(bad)
    assert error["line"] == 59
    assert error["retry_safe"] is False
    with reading(db) as conn:
        assert posts.count(conn) == 4
        [row] = rejects.listing(conn)
    assert row.field == "meta.reading_time" and row.line == 59 and row.source == f"{bad}:1"
    assert "reading timenine" in rejects_raw(db)


def rejects_raw(engine: Engine) -> str:
    import sqlalchemy as sa

    from alphanode.store.schema import rejects as table

    with reading(engine) as conn:
        return str(conn.scalar(sa.select(table.c.raw)))


def test_jsonl_with_bad_lines_goes_on(db: Engine, settings: Settings, tmp_path: Path) -> None:
    golden = json.loads(GOLDEN.read_text("utf-8"))
    lines = []
    for n in range(3):
        doc = json.loads(json.dumps(golden))
        doc["meta"]["reference"] = f"anp-ref-{n:06d}-1111"
        lines.append(json.dumps(doc))
    broken = json.loads(json.dumps(golden))
    broken["meta"]["view_count"] = [1, 2]
    lines.insert(1, json.dumps(broken))
    lines.insert(2, "{not json")
    lines.insert(3, "")
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = run(db, settings, path)
    assert report.counts() == {"imported": 3, "updated": 0, "unchanged": 0, "rejected": 2}
    by_line = {e["line"]: e for e in report.errors}
    assert by_line[2]["field"] == "meta.view_count"
    assert by_line[2]["value"] == "[1, 2]"
    assert by_line[3]["code"] == "AN-IMPORT-003"


def test_same_reference_twice_in_one_batch(db: Engine, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(variant(7), "utf-8")
    (tmp_path / "b.txt").write_text(variant(7, extra_paragraph="one more paragraph."), "utf-8")
    (tmp_path / "c.txt").write_text(variant(7), "utf-8")
    # One run, one item per reference: the first file keeps it, b.txt's other content is
    # kept under the reference qualified by its file (with a warning), c.txt is a's again.
    report = run(db, settings, tmp_path)
    assert report.counts() == {"imported": 2, "updated": 0, "unchanged": 1, "rejected": 0}
    assert report.warnings == 1
    _, revs = documents.history(db, "anp-ref-000007-0000")
    assert [r.number for r in revs] == [1]
    _, other = documents.history(db, "anp-ref-000007-0000@b.txt")
    assert [r.number for r in other] == [1]
    again = run(db, settings, tmp_path)  # and every run decides the same way: no flip
    assert again.counts() == {"imported": 0, "updated": 0, "unchanged": 3, "rejected": 0}


def test_same_title_gets_distinct_slugs(db: Engine, settings: Settings, tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(variant(n, title="one title for all"), "utf-8")
    run(db, settings, tmp_path)
    slugs = [row.slug for row, _ in documents.export(db)]
    assert slugs[0] == "one-title-for-all"
    assert len(set(slugs)) == 3
    assert all(s.startswith("one-title-for-all-") for s in slugs[1:])


def test_content_without_reference_is_identified_by_hash(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    text = seed_text().replace("referenceanp-ref-026145-7938\n", "")
    (tmp_path / "a.txt").write_text(text, "utf-8")
    first = run(db, settings, tmp_path / "a.txt")
    ref = first.outcomes[0][0]
    assert ref.startswith("sha256-")
    assert run(db, settings, tmp_path / "a.txt").counts()["unchanged"] == 1
    # Only white space differs: the same normalised content, so the same post, and the
    # exact edit is kept as its second revision.
    (tmp_path / "b.txt").write_text(text.replace("final notes", "final   notes"), "utf-8")
    assert run(db, settings, tmp_path / "b.txt").counts()["updated"] == 1
    _, revs = documents.history(db, ref)
    assert len(revs) == 2


def test_export_then_import_gives_the_same_posts(
    db: Engine, settings: Settings, tmp_path: Path, database_url: str
) -> None:
    write_variants(tmp_path / "in", 4)
    for n in range(2):
        (tmp_path / "in" / f"same-{n}.txt").write_text(variant(100 + n, title="twin"), "utf-8")
    run(db, settings, tmp_path / "in")
    out = tmp_path / "export.jsonl"
    out.write_text(
        "".join(
            json.dumps({**doc.to_dict(), "slug": row.slug}) + "\n"
            for row, doc in documents.export(db)
        ),
        "utf-8",
    )
    other = Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'other.db'}")
    from alphanode.store.migrate import open_database

    engine = open_database(other)
    assert run(engine, other, out).counts()["imported"] == 6
    before = [(r.ref, r.slug, r.content_hash, d) for r, d in documents.export(db)]
    after = [(r.ref, r.slug, r.content_hash, d) for r, d in documents.export(engine)]
    assert before == after
    engine.dispose()


def test_binary_and_empty_files_are_rejected(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    write_variants(tmp_path, 2)
    (tmp_path / "junk.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.txt").write_bytes("title\n\ncaf\xe9".encode("latin-1"))
    (tmp_path / "empty.txt").write_bytes(b"   \n\n")
    report = run(db, settings, tmp_path)
    assert report.counts() == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 3}
    codes = sorted(e["code"] for e in report.errors)
    assert codes == ["AN-IMPORT-001", "AN-IMPORT-002", "AN-IMPORT-002"]
    latin = next(e for e in report.errors if e["file"].endswith("latin1.txt"))
    assert latin["line"] == 3 and latin["expected"] == "UTF-8 text"


def test_too_large_document_is_rejected(db: Engine, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(variant(1, extra_paragraph="word " * 5000 + "."), "utf-8")
    small = settings.replace(import_max_document_bytes=10_000)
    report = run(db, small, tmp_path / "big.txt")
    assert report.rejected == 1
    assert report.errors[0]["code"] == "AN-IMPORT-006"


def test_small_batches_commit_everything(db: Engine, settings: Settings, tmp_path: Path) -> None:
    write_variants(tmp_path, 23)
    report = run(db, settings.replace(import_batch_size=5), tmp_path)
    assert report.imported == 23
    with reading(db) as conn:
        assert posts.count(conn) == 23


@pytest.mark.slow
def test_parallel_parsing_gives_the_same_result(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alphanode.store.migrate import open_database

    write_variants(tmp_path / "in", 150)
    bad = tmp_path / "in" / "page-00042.txt"
    bad.write_text(bad.read_text("utf-8").replace("quality: 95", "quality: high"), "utf-8")
    inline_settings = sqlite_settings.replace(import_workers=0)
    inline_db = open_database(inline_settings)
    inline = run(inline_db, inline_settings, tmp_path / "in")
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    par_settings = Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'par.db'}")
    par_db = open_database(par_settings.replace(import_workers=2))
    parallel = run(par_db, par_settings.replace(import_workers=2), tmp_path / "in")
    assert (
        inline.counts()
        == parallel.counts()
        == {
            "imported": 149,
            "updated": 0,
            "unchanged": 0,
            "rejected": 1,
        }
    )
    strip = [(e["file"], e["line"], e["field"]) for e in inline.errors]
    assert strip == [(e["file"], e["line"], e["field"]) for e in parallel.errors]
    assert [(r.ref, r.slug) for r, _ in documents.export(inline_db)] == [
        (r.ref, r.slug) for r, _ in documents.export(par_db)
    ]
    inline_db.dispose()
    par_db.dispose()
