"""Review decisions on both databases: states, live revisions, the log, filters, bulk."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.errors import AlphanodeError
from alphanode.services import documents, importer, review, site
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from tests.conftest import Cli, make_site
from tests.helpers import SEED_REF, seed_text, variant


def load(engine: Engine, settings: Settings, tmp_path: Path, count: int = 3) -> None:
    pages = tmp_path / "pages"
    pages.mkdir(exist_ok=True)
    (pages / "seed.txt").write_text(seed_text(), "utf-8")
    for n in range(1, count + 1):
        text = variant(n, title=f"post {n}")
        if n % 2 == 0:
            text = text.replace("needs human review: 1", "needs human review: 0")
        (pages / f"{n}.txt").write_text(text, "utf-8")
    importer.import_sources(engine, settings, resolve([str(pages)]))


def test_everything_starts_pending_and_private(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path)
    assert len(review.pending(db)) == 4
    assert site.listing(db).total == 0  # type: ignore[union-attr]
    assert site.article(make_site(settings, db), "post-1") is None


def test_approve_reject_retract_and_log(db: Engine, settings: Settings, tmp_path: Path) -> None:
    load(db, settings, tmp_path)
    review.approve(db, "anp-ref-000001-0000", "rita", "looks right")
    assert site.article(make_site(settings, db), "post-1") is not None
    with pytest.raises(AlphanodeError, match="needs a note"):
        review.reject(db, "anp-ref-000002-0000", "rita", "")
    rejected = review.reject(db, "anp-ref-000002-0000", "rita", "off topic")
    assert rejected.status == "rejected"
    assert documents.show(db, "anp-ref-000002-0000").post.status == "rejected"
    with pytest.raises(AlphanodeError, match="is live"):
        review.reject(db, "anp-ref-000001-0000", "rita", "too late")
    review.retract(db, "anp-ref-000001-0000", "adam", "outdated")
    assert site.article(make_site(settings, db), "post-1") is None
    with pytest.raises(AlphanodeError, match="not live"):
        review.retract(db, "anp-ref-000001-0000", "adam", "again")
    log = [(e.action, e.actor, e.revision, e.note) for e in review.log(db, "anp-ref-000001-0000")]
    assert log == [("approve", "rita", 1, "looks right"), ("retract", "adam", 1, "outdated")]


def test_changed_reimport_keeps_live_revision_until_approved(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path, 0)
    review.approve(db, SEED_REF, "rita")
    edited = tmp_path / "e.txt"
    edited.write_text(seed_text().replace("final notes", "closing notes"), "utf-8")
    importer.import_sources(db, settings, resolve([str(edited)]))
    live = site.article(make_site(settings, db), documents.show(db, SEED_REF).post.slug)
    assert live is not None and live.revision == 1
    assert review.pending(db) == [SEED_REF]
    view = review.review_view(db, SEED_REF)
    assert ("add", "+closing notes") in view.diff and ("del", "-final notes") in view.diff
    review.approve(db, SEED_REF, "rita")
    live = site.article(make_site(settings, db), documents.show(db, SEED_REF).post.slug)
    assert live is not None and live.revision == 2


def test_rejected_post_reimported_with_changes_is_pending_again(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path, 0)
    review.reject(db, SEED_REF, "rita", "no")
    edited = tmp_path / "e.txt"
    edited.write_text(seed_text().replace("final notes", "closing notes"), "utf-8")
    importer.import_sources(db, settings, resolve([str(edited)]))
    assert documents.show(db, SEED_REF).post.status == "pending_review"
    assert review.pending(db) == [SEED_REF]


def test_filters_and_bulk_approval(db: Engine, settings: Settings, tmp_path: Path) -> None:
    load(db, settings, tmp_path, 5)
    needs = review.parse_filters(["flag=needs_human_review"])
    assert review.count_matching(db, needs) == 4  # the seed, posts 1, 3 and 5
    generator = review.parse_filters(
        ["generator=anp content synthesizer", "topic=documenting production defaults"]
    )
    assert review.count_matching(db, generator) == 6
    assert review.approve_matching(db, needs, "adam") == 4
    assert review.pending(db) == ["anp-ref-000002-0000", "anp-ref-000004-0000"]
    with pytest.raises(AlphanodeError, match="KIND=VALUE"):
        review.parse_filters(["colour=red"])


def test_facet_counts_are_what_choosing_each_value_gives(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path, 5)
    # Post 1 changes twice before anyone reviews it: only its newest revision is in the queue.
    for n, words in enumerate(("first edit", "second edit")):
        edited = tmp_path / f"edit{n}.txt"
        text = variant(1, title="post 1").replace("final notes", words)
        edited.write_text(text.replace("needs human review: 1", "needs human review: 0"), "utf-8")
        importer.import_sources(db, settings, resolve([str(edited)]))
    for chosen in ([], ["flag=needs_human_review"], ["near_duplicate=yes"]):
        filters = review.parse_filters(chosen)
        facets = review.facet_values(db, filters)
        assert facets["flag"] and facets["near_duplicate"]
        for kind, values in facets.items():
            others = [f for f in filters if f[0] != kind]
            for value, count in values:
                assert count == review.count_matching(db, [*others, (kind, value)]), (
                    chosen,
                    kind,
                    value,
                )
    everything = review.facet_values(db)
    assert dict(everything["flag"])["ai_generated_style"] == 6  # post 1 once, not thrice
    assert dict(everything["near_duplicate"]) == {"yes": 6}
    needs = review.facet_values(db, review.parse_filters(["flag=needs_human_review"]))
    assert dict(needs["near_duplicate"]) == {"yes": 3}  # the seed, posts 3 and 5
    assert dict(needs["flag"])["needs_human_review"] == 3


def test_cli_review_users_tokens(database_url: str, tmp_path: Path, seed_path: Path) -> None:
    cli = Cli(database_url)
    cli("import", str(seed_path))
    listed = cli("review", "list", "--flag", "needs_human_review", "--json")
    assert listed.exit_code == 0 and '"count": 1' in listed.stdout
    assert cli("review", "approve", "--all-matching", "--as", "x").exit_code == 2
    done = cli(
        "review", "approve", "--all-matching", "--flag", "needs_human_review", "--as", "demo"
    )
    assert done.stdout.strip() == "approved 1"
    assert cli("review", "reject", SEED_REF, "--as", "x").exit_code == 2  # live, and no note
    assert cli("review", "retract", SEED_REF, "--as", "x", "--note", "gone").exit_code == 0
    added = cli("users", "add", "rita", "--role", "reviewer", "--generate")
    assert added.exit_code == 0 and "password (shown once):" in added.stdout
    assert cli("users", "add", "rita", "--generate").exit_code == 2
    assert cli("users", "disable", "rita").exit_code == 0
    assert "rita  reviewer  disabled" in cli("users", "list").stdout
    token = cli("tokens", "create", "ci", "--scopes", "import,review").stdout.strip()
    assert token.startswith("an_") and len(token) > 30
    assert cli("tokens", "create", "bad", "--scopes", "delete").exit_code == 2
    assert token not in cli("tokens", "list").stdout


def test_illegal_transitions_are_one_error_on_every_path(
    database_url: str, seed_path: Path
) -> None:
    cli = Cli(database_url)
    cli("import", str(seed_path))
    early = cli("review", "retract", SEED_REF, "--as", "x", "--note", "not yet live")
    assert early.exit_code == 2 and "AN-REVIEW-003" in early.output
    assert "not live (status pending_review)" in early.output
    assert cli("review", "approve", SEED_REF, "--as", "x").exit_code == 0
    live = cli("review", "reject", SEED_REF, "--as", "x", "--note", "too late")
    assert live.exit_code == 2 and "AN-REVIEW-003" in live.output and "is live" in live.output


def test_approving_an_older_revision_after_a_retraction_supersedes_the_newer_one(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load(db, settings, tmp_path, 0)
    edited = tmp_path / "e.txt"
    edited.write_text(seed_text().replace("final notes", "closing notes"), "utf-8")
    importer.import_sources(db, settings, resolve([str(edited)]))
    review.approve(db, SEED_REF, "rita")  # revision 2
    review.retract(db, SEED_REF, "adam", "wrong version")
    review.approve(db, SEED_REF, "adam", "back to the first", revision=1)
    assert review.review_view(db, SEED_REF).state == "superseded"  # revision 2: not live
    # So rejecting the newest revision is no attempt on the live one: the post stays live.
    decision = review.reject(db, SEED_REF, "rita", "not this one")
    assert (decision.revision, decision.status) == (2, "approved")
    live = site.article(make_site(settings, db), documents.show(db, SEED_REF).post.slug)
    assert live is not None and live.revision == 1
