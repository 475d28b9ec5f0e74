"""Sign-in on both databases: failure limits per (name, address) and per address, argon2
outside transactions, what the attempt log keeps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from alphanode.services import accounts
from alphanode.services.runtime import Site
from alphanode.store.schema import login_attempts

PASSWORD = "correct horse battery"
HOME, ELSEWHERE = "192.0.2.10", "198.51.100.20"


@pytest.fixture
def people(site: Site) -> Site:
    """Two reviewers on a site with real argon2 at small costs (a hundred attempts here)."""
    for name in ("rita", "adam"):
        accounts.add_user(site, name, "reviewer", PASSWORD)
    return site


def fail(db: Site, name: str, client: str = HOME, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(accounts.AuthError):
            accounts.login(db, name, "wrong password", client)


def test_five_failures_block_that_name_from_that_address_only(people: Site) -> None:
    fail(people, "rita", times=5)
    with pytest.raises(accounts.TooManyAttempts) as blocked:
        accounts.login(people, "rita", PASSWORD, HOME)  # even the right password
    assert 14 * 60 < blocked.value.retry_after <= 15 * 60 + 1
    assert blocked.value.http_status == 429 and blocked.value.retry_safe
    # Not the others at that address, and not rita elsewhere: nobody can lock her out.
    accounts.login(people, "adam", PASSWORD, HOME)
    accounts.login(people, "rita", PASSWORD, ELSEWHERE)


def test_successes_are_never_counted_and_clear_the_names_failures(people: Site) -> None:
    fail(people, "rita", times=4)
    accounts.login(people, "rita", PASSWORD, HOME)
    fail(people, "rita", times=4)  # would be the 5th to 8th failure without the reset
    for _ in range(60):  # more than any limit
        accounts.login(people, "adam", PASSWORD, HOME)
    accounts.login(people, "rita", PASSWORD, HOME)
    with people.engine.connect() as conn:
        # rita's last 4 failures, each counted for her name and for the address
        assert conn.scalar(sa.select(sa.func.count()).select_from(login_attempts)) == 8


def test_many_names_failing_from_one_address_block_the_address(people: Site) -> None:
    for n in range(accounts.CLIENT_LIMIT - 1):
        fail(people, f"guess{n}")
    accounts.login(people, "rita", PASSWORD, HOME)  # 49 failures: still allowed
    fail(people, "another-guess")
    with pytest.raises(accounts.TooManyAttempts, match="from this address"):
        accounts.login(people, "adam", PASSWORD, HOME)
    accounts.login(people, "adam", PASSWORD, ELSEWHERE)


def test_an_ipv6_client_counts_as_its_64(people: Site) -> None:
    for n in range(5):
        fail(people, "rita", f"2001:db8:0:7::{n + 1}")
    with pytest.raises(accounts.TooManyAttempts):
        accounts.login(people, "rita", PASSWORD, "2001:db8:0:7:ffff:ffff:ffff:ffff")
    accounts.login(people, "rita", PASSWORD, "2001:db8:0:8::1")
    assert accounts.client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert accounts.client_key("unknown") == "unknown"


def test_failures_older_than_the_window_stop_counting(people: Site) -> None:
    fail(people, "rita", times=5)
    with people.engine.begin() as conn:
        conn.execute(
            login_attempts.update().values(
                created_at=login_attempts.c.created_at - dt.timedelta(minutes=16)
            )
        )
    accounts.login(people, "rita", PASSWORD, HOME)  # and a success forgets them altogether
    with people.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(login_attempts)) == 0


def test_the_attempt_log_never_holds_what_was_typed(people: Site) -> None:
    # People type their password into the name field by mistake.
    fail(people, PASSWORD)
    fail(people, "rita")
    with people.engine.connect() as conn:
        keys = list(conn.scalars(sa.select(login_attempts.c.key)))
    assert len(keys) == 4 and not any(PASSWORD in k or "rita" in k for k in keys)


class Transactions:
    """Counts the transactions open on an engine, and what was open when argon2 ran."""

    def __init__(self, engine: Engine) -> None:
        self.open = 0
        self.during_argon2: list[int] = []
        sa.event.listen(engine, "begin", self.begin)
        sa.event.listen(engine, "commit", self.end)
        sa.event.listen(engine, "rollback", self.end)

    def begin(self, *_: Any) -> None:
        self.open += 1

    def end(self, *_: Any) -> None:
        self.open = max(0, self.open - 1)


@pytest.fixture
def transactions(people: Site) -> Iterator[Transactions]:
    seen = Transactions(people.engine)
    inner = people.hasher

    class Watched(PasswordHasher):
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            seen.during_argon2.append(seen.open)
            return inner.hash(password, salt=salt)

        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002
            seen.during_argon2.append(seen.open)
            return inner.verify(hash, password)

    people.hasher = Watched()
    yield seen
    for name, handler in (("begin", seen.begin), ("commit", seen.end), ("rollback", seen.end)):
        sa.event.remove(people.engine, name, handler)


def test_argon2_never_runs_inside_a_transaction(people: Site, transactions: Transactions) -> None:
    accounts.login(people, "rita", PASSWORD, HOME)
    fail(people, "rita")
    fail(people, "nobody")  # an unknown name costs a hash too
    accounts.add_user(people, "dora", "reviewer", PASSWORD)
    # verify, rehash (the watched hasher's costs are higher than the stored hash's), verify,
    # the unknown name's hash, the new account's hash: none with a transaction open
    assert transactions.during_argon2 == [0, 0, 0, 0, 0]


def test_an_outdated_hash_is_upgraded_at_sign_in(people: Site) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=32, parallelism=1)
    with people.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE users SET password_hash = :h WHERE name = 'rita'"),
            {"h": weak.hash(PASSWORD)},
        )
    accounts.login(people, "rita", PASSWORD, HOME)
    with people.engine.connect() as conn:
        stored = conn.scalar(sa.text("SELECT password_hash FROM users WHERE name = 'rita'"))
    assert "m=64," in stored and accounts.login(people, "rita", PASSWORD, HOME)
