"""Doc drift: generated docs match the code they describe."""

from __future__ import annotations

from alphanode.settings import SETTINGS, settings_markdown
from tests.conftest import REPO


def test_production_defaults_doc_is_current() -> None:
    doc = (REPO / "docs" / "production-defaults.md").read_text("utf-8")
    assert doc == settings_markdown(), (
        "run: alphanode defaults --markdown > docs/production-defaults.md"
    )


def test_every_setting_is_documented_with_owner_and_rollback() -> None:
    for s in SETTINGS:
        assert s.help and s.owner.startswith("alphanode.") and s.expected and s.rollback
        assert s.env == "ALPHANODE_" + s.name.upper()
