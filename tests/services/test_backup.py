"""Backups: consistent while an import runs, verified, restorable; health checks."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.errors import UsageError
from alphanode.services import backup, importer
from alphanode.services.sources import resolve
from alphanode.settings import Settings
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


def test_check_reports_schema_behind(sqlite_settings: Settings) -> None:
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
