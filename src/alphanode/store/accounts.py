"""Queries on users, API tokens, sessions and login attempts (only hashes are stored)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.store.posts import now
from alphanode.store.schema import api_tokens, login_attempts, sessions, users


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    role: str
    password_hash: str
    disabled: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    scopes: tuple[str, ...]
    revoked: bool
    created_at: dt.datetime
    last_used_at: dt.datetime | None


def _user(r: Any) -> UserRow:
    return UserRow(r.id, r.name, r.role, r.password_hash, bool(r.disabled), r.created_at)


def _token(r: Any) -> TokenRow:
    scopes = tuple(s for s in r.scopes.split(",") if s)
    return TokenRow(r.id, r.name, scopes, bool(r.revoked), r.created_at, r.last_used_at)


def add_user(conn: Connection, name: str, role: str, password_hash: str) -> int:
    result = conn.execute(
        users.insert().values(
            name=name, role=role, password_hash=password_hash, disabled=False, created_at=now()
        )
    )
    key = result.inserted_primary_key
    assert key is not None  # noqa: S101 - inserts have keys
    return int(key[0])


def user_by_name(conn: Connection, name: str) -> UserRow | None:
    row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    return _user(row) if row else None


def list_users(conn: Connection) -> list[UserRow]:
    return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]


def set_disabled(conn: Connection, name: str, disabled: bool) -> bool:
    result = conn.execute(users.update().where(users.c.name == name).values(disabled=disabled))
    if disabled:
        conn.execute(
            sessions.delete().where(
                sessions.c.user_id.in_(sa.select(users.c.id).where(users.c.name == name))
            )
        )
    return bool(result.rowcount)


def set_password(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(users.update().where(users.c.id == user_id).values(password_hash=password_hash))


def add_token(conn: Connection, name: str, token_hash: str, scopes: tuple[str, ...]) -> None:
    conn.execute(
        api_tokens.insert().values(
            name=name, token_hash=token_hash, scopes=",".join(scopes), created_at=now()
        )
    )


def token_by_hash(conn: Connection, token_hash: str) -> TokenRow | None:
    row = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
    return _token(row) if row else None


def touch_token(conn: Connection, token_id: int) -> None:
    conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(last_used_at=now()))


def list_tokens(conn: Connection) -> list[TokenRow]:
    return [_token(r) for r in conn.execute(sa.select(api_tokens).order_by(api_tokens.c.name))]


def revoke_token(conn: Connection, name: str) -> bool:
    result = conn.execute(api_tokens.update().where(api_tokens.c.name == name).values(revoked=True))
    return bool(result.rowcount)


def add_session(
    conn: Connection, session_hash: str, user_id: int, csrf: str, expires_at: dt.datetime
) -> None:
    conn.execute(
        sessions.insert().values(
            id=session_hash, user_id=user_id, csrf=csrf, created_at=now(), expires_at=expires_at
        )
    )


def session_user(conn: Connection, session_hash: str) -> tuple[UserRow, str, dt.datetime] | None:
    row = conn.execute(
        sa.select(users, sessions.c.csrf, sessions.c.expires_at)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(sessions.c.id == session_hash)
    ).first()
    return (_user(row), row.csrf, row.expires_at) if row else None


def drop_session(conn: Connection, session_hash: str) -> None:
    conn.execute(sessions.delete().where(sessions.c.id == session_hash))


def record_attempt(conn: Connection, key: str) -> int:
    result = conn.execute(login_attempts.insert().values(key=key[:200], created_at=now()))
    key_row = result.inserted_primary_key
    assert key_row is not None  # noqa: S101 - inserts have keys
    return int(key_row[0])


def _utc(stamp: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def recent_attempts(
    conn: Connection, key: str, since: dt.datetime, limit: int
) -> list[dt.datetime]:
    """When the newest ``limit`` attempts under ``key`` since ``since`` were made, newest first."""
    query = (
        sa.select(login_attempts.c.created_at)
        .where(login_attempts.c.key == key[:200], login_attempts.c.created_at >= since)
        .order_by(login_attempts.c.created_at.desc())
        .limit(limit)
    )
    return [_utc(stamp) for stamp in conn.scalars(query)]


def delete_attempts(conn: Connection, ids: Sequence[int]) -> None:
    if ids:
        conn.execute(login_attempts.delete().where(login_attempts.c.id.in_(list(ids))))


def clear_attempts(conn: Connection, key: str) -> None:
    conn.execute(login_attempts.delete().where(login_attempts.c.key == key[:200]))


def purge_attempts(conn: Connection, before: dt.datetime) -> None:
    """Forget attempts too old to count against anyone."""
    conn.execute(login_attempts.delete().where(login_attempts.c.created_at < before))
