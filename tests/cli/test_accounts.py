"""``alphanode users add``: where the password comes from (terminal, standard input, generated)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from alphanode.cli import accounts as accounts_cli
from alphanode.services import accounts
from alphanode.settings import Settings
from tests.conftest import Cli, make_site

PASSWORD = "correct horse battery"


def signs_in(db: Engine, name: str, password: str) -> bool:
    try:
        # Only the site's engine and (cheap) hasher take part in a sign-in.
        accounts.login(make_site(Settings.load(env={}), db), name, password, "127.0.0.1")
    except accounts.AuthError:
        return False
    return True


def test_a_piped_password_is_used(cli: Cli, db: Engine) -> None:
    added = cli("users", "add", "rita", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert added.stdout == "added reviewer rita\n"  # nothing generated, nothing shown
    assert signs_in(db, "rita", PASSWORD)


@pytest.mark.parametrize("piped", [PASSWORD, PASSWORD + "\r\n", PASSWORD + "\nsecond line\n"])
def test_only_the_first_line_without_its_ending_is_the_password(
    cli: Cli, db: Engine, piped: str
) -> None:
    assert cli("users", "add", "rita", input=piped).exit_code == 0
    assert signs_in(db, "rita", PASSWORD)


def test_a_password_with_spaces_at_its_ends_is_kept_whole(cli: Cli, db: Engine) -> None:
    assert cli("users", "add", "rita", input=f"  {PASSWORD} \n").exit_code == 0
    assert signs_in(db, "rita", f"  {PASSWORD} ")
    assert not signs_in(db, "rita", PASSWORD)


@pytest.mark.parametrize("piped", ["", "\n"])
def test_empty_standard_input_is_an_error_not_a_generated_password(
    cli: Cli, db: Engine, piped: str
) -> None:
    added = cli("users", "add", "rita", input=piped)
    assert added.exit_code == 2
    assert "no password on standard input" in added.stderr and "--generate" in added.stderr
    assert accounts.list_users(db) == []


def test_a_short_piped_password_is_refused(cli: Cli, db: Engine) -> None:
    added = cli("users", "add", "rita", input="short\n")
    assert added.exit_code == 2 and "at least 10 characters" in added.stderr
    assert accounts.list_users(db) == []


def test_generate_ignores_standard_input(cli: Cli, db: Engine) -> None:
    added = cli("users", "add", "rita", "--generate", input=PASSWORD + "\n")
    assert added.exit_code == 0
    shown = added.stdout.split("password (shown once): ")[1].strip()
    assert signs_in(db, "rita", shown) and not signs_in(db, "rita", PASSWORD)


def test_a_terminal_is_prompted_twice(
    cli: Cli, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts_cli, "_interactive", lambda: True)
    mismatch = cli("users", "add", "rita", input=f"{PASSWORD}\nsomething else\n")
    assert mismatch.exit_code != 0 and accounts.list_users(db) == []
    added = cli("users", "add", "rita", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0 and "shown once" not in added.stdout
    assert signs_in(db, "rita", PASSWORD)
