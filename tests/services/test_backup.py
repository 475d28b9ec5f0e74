"""Backups: consistent while an import runs, verified, restorable; health checks."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.errors import UsageError
from alphanode.services import backup, importer
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.engine import connect
from alphanode.store.migrate import open_database
from tests.conftest import Cli
from tests.helpers import write_variants


def test_backup_during_import_restores_a_consistent_site(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    engine = open_database(sqlite_settings)
    write_variants(tmp_path / "in", 1500)
    slow = sqlite_settings.replace(import_batch_size=50, import_workers=0)
    done = threading.Event()
    first_batch = threading.Event()
    first_backup = threading.Event()

    def progress(_bytes: int, documents: int) -> None:
        # The first committed batch pauses the import until one backup has been taken,
        # so at least one backup is certainly mid-import; later ones race the writer.
        if not first_batch.is_set() and documents < 1500:
            first_batch.set()
            assert first_backup.wait(timeout=60)

    def run() -> None:
        importer.import_sources(engine, slow, resolve([str(tmp_path / "in")]), progress=progress)
        done.set()

    worker = threading.Thread(target=run)
    worker.start()
    assert first_batch.wait(timeout=60)
    reports = [backup.backup(engine, tmp_path / "backup-0.db")]
    first_backup.set()
    while not done.is_set() and len(reports) < 5:
        target = tmp_path / f"backup-{len(reports)}.db"
        reports.append(backup.backup(engine, target))
    worker.join()
    assert reports and all(r.ok for r in reports)
    mid = [r for r in reports if 0 < r.posts < 1500]
    assert mid, "no backup was taken while the import was under way"
    for r in reports:
        assert r.revisions == r.posts  # whole transactions only: no post without revision
    restored_settings = Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'restored.db'}")
    restored = open_database(restored_settings)
    report = backup.restore(restored, Path(mid[0].file or ""))
    assert report.ok and report.posts == mid[0].posts
    again = open_database(restored_settings)
    assert backup.check(again).ok
    with pytest.raises(UsageError, match="already holds posts"):
        backup.restore(again, Path(mid[0].file or ""))
    again.dispose()
    engine.dispose()


def test_backup_and_restore_round_trip(db: Engine, settings: Settings, tmp_path: Path) -> None:
    write_variants(tmp_path / "in", 5)
    importer.import_sources(db, settings, resolve([str(tmp_path / "in")]))
    made = backup.backup(db, tmp_path / "site.backup")
    assert made.ok and made.posts == 5 and made.sha256
    with pytest.raises(UsageError, match="exists"):
        backup.backup(db, tmp_path / "site.backup")
    backup.restore(db, tmp_path / "site.backup", force=True)
    assert backup.check(db).posts == 5


def test_check_reports_schema_behind(sqlite_settings: Settings, tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "alphanode.db").close()  # a database without any schema
    engine = open_database(sqlite_settings.replace(auto_migrate=False))
    report = backup.check(engine)
    assert not report.ok and any("schema at base" in p for p in report.problems)
    engine.dispose()


def test_cli_backup_restore_check(tmp_path: Path, seed_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'a.db'}")
    cli("import", str(seed_path))
    assert cli("check").exit_code == 0
    made = cli("backup", str(tmp_path / "a.backup"), "--json")
    assert made.exit_code == 0 and '"posts": 1' in made.stdout
    other = Cli(f"sqlite:///{tmp_path / 'b.db'}")
    assert other("restore", str(tmp_path / "a.backup")).exit_code == 0
    assert other("restore", str(tmp_path / "a.backup")).exit_code == 2
    assert other("restore", str(tmp_path / "a.backup"), "--force").exit_code == 0
    assert "1 posts" in other("check").stdout
    (tmp_path / "junk.backup").write_bytes(b"not a database at all" * 100)
    broken = Cli(f"sqlite:///{tmp_path / 'c.db'}")
    assert broken("restore", str(tmp_path / "junk.backup")).exit_code == 1


def test_backup_report_names_the_live_database(db: Engine, tmp_path: Path) -> None:
    made = backup.backup(db, tmp_path / "site.backup")
    assert made.database == db.url.render_as_string(hide_password=True)
    assert ".partial" not in made.database


@pytest.mark.postgres
def test_backup_report_hides_the_password(postgres_url: str, tmp_path: Path) -> None:
    # Trust authentication ignores the password; it is there to be hidden.
    url = sa.make_url(postgres_url).set(password="not-for-reports")
    engine = open_database(Settings.load(env={}, database_url=url.render_as_string(False)))
    try:
        made = backup.backup(engine, tmp_path / "site.backup")
    finally:
        engine.dispose()
    assert "not-for-reports" not in made.database and "***" in made.database
    assert made.database == url.render_as_string(hide_password=True)


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.mark.parametrize("journal", ["as written", "wal"])
def test_restore_writes_nothing_beside_the_backup(
    sqlite_settings: Settings, tmp_path: Path, journal: str
) -> None:
    site = open_database(sqlite_settings)
    write_variants(tmp_path / "in", 3)
    importer.import_sources(site, sqlite_settings, resolve([str(tmp_path / "in")]))
    kept = tmp_path / "kept"
    file = kept / "site.backup"
    backup.backup(site, file)
    site.dispose()
    assert sorted(_files(kept)) == ["site.backup"]
    if journal == "wal":  # as earlier versions left it: reading it read-only wrote -wal/-shm
        con = sqlite3.connect(file)
        con.execute("PRAGMA journal_mode=WAL")
        con.close()
    else:  # one self-contained file: any read-only reader (sqlite3 too) leaves it alone
        con = sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True)
        assert con.execute("SELECT count(*) FROM posts").fetchone() == (3,)
        con.close()
        assert sorted(_files(kept)) == ["site.backup"]
    before = _files(kept)
    restored = open_database(Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'r.db'}"))
    try:
        report = backup.restore(restored, file)
        assert report.ok and report.posts == 3
        assert backup.restore(restored, file, force=True).ok
    finally:
        restored.dispose()
    assert _files(kept) == before


def test_check_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "site.db"
    (tmp_path / "typo").mkdir()
    engine = connect(Settings.load(env={}, database_url=f"sqlite:///{missing}"))
    with pytest.raises(backup.MissingDatabase, match="does not exist") as caught:
        backup.check(engine)
    engine.dispose()
    assert str(missing) in caught.value.what and caught.value.expected
    assert list((tmp_path / "typo").iterdir()) == []


def test_cli_check_missing_file_and_base_schema(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    result = Cli(f"sqlite:///{missing}")("check")
    assert result.exit_code == 1
    assert f"{missing} does not exist" in result.stderr and "AN-CHECK-001" in result.stderr
    assert list(tmp_path.iterdir()) == []
    sqlite3.connect(tmp_path / "empty.db").close()  # an existing file, no schema
    empty = Cli(f"sqlite:///{tmp_path / 'empty.db'}")("check")
    assert empty.exit_code == 1
    assert "schema at base (no migrations applied)" in empty.stdout
    assert "None" not in empty.stdout


def test_cli_restore_leaves_the_backup_alone(tmp_path: Path, seed_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'a.db'}")
    cli("import", str(seed_path))
    kept = tmp_path / "kept"
    kept.mkdir()
    made = cli("backup", str(kept / "a.backup"), "--json")
    assert json.loads(made.stdout)["database"] == f"sqlite:///{tmp_path / 'a.db'}"
    (kept / "junk.backup").write_bytes(b"not a database at all" * 100)
    before = _files(kept)
    other = Cli(f"sqlite:///{tmp_path / 'b.db'}")
    assert other("restore", str(kept / "a.backup")).exit_code == 0
    assert other("restore", str(kept / "junk.backup"), "--force").exit_code == 1
    assert _files(kept) == before
    assert other("check").exit_code == 0


def test_cli_backup_refuses_a_missing_sqlite_file(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    result = Cli(f"sqlite:///{missing}")("backup", str(tmp_path / "site.backup"))
    assert result.exit_code == 1 and f"{missing} does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no empty database, no backup of one
