"""Reviewers and admins, their sessions, and API tokens with scopes (argon2, hashes only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from alphanode.errors import AlphanodeError, NotFound, UsageError
from alphanode.store import accounts
from alphanode.store.engine import reading, writing
from alphanode.store.posts import now

ROLES = ("reviewer", "admin")
SCOPES = ("import", "review")
TOKEN_PREFIX = "an_"  # noqa: S105 - a public prefix, not a secret
SESSION_DAYS = 14
LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_LIMIT = 5
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_hasher = PasswordHasher()


class AuthError(AlphanodeError):
    code = "AN-AUTH-001"
    http_status = 401
    exit_code = 1


class Forbidden(AlphanodeError):
    code = "AN-AUTH-002"
    http_status = 403
    exit_code = 1


class TooManyAttempts(AlphanodeError):
    code = "AN-AUTH-003"
    http_status = 429
    exit_code = 1


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in person or an API token."""

    name: str
    role: str  # reviewer, admin, or "token"
    scopes: tuple[str, ...]
    csrf: str = ""

    def can(self, scope: str) -> bool:
        return scope in self.scopes


def _role_scopes(role: str) -> tuple[str, ...]:
    return ("review", "retract", "bulk") if role == "admin" else ("review",)


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name):
        raise UsageError(f"name {name!r}", "lower-case letters, digits, '.', '_' or '-'")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def add_user(engine: Engine, name: str, role: str, password: str | None = None) -> str:
    """Create an account; returns the password (generated when none is given)."""
    _check_name(name)
    if role not in ROLES:
        raise UsageError(f"role {role!r}", "reviewer or admin")
    password = password or secrets.token_urlsafe(12)
    if len(password) < 10:
        raise UsageError("password too short", "at least 10 characters")
    try:
        with writing(engine) as conn:
            accounts.add_user(conn, name, role, _hasher.hash(password))
    except IntegrityError:
        raise UsageError(f"user {name!r} already exists", "a new name") from None
    return password


def list_users(engine: Engine) -> list[accounts.UserRow]:
    with reading(engine) as conn:
        return accounts.list_users(conn)


def set_disabled(engine: Engine, name: str, disabled: bool = True) -> None:
    with writing(engine) as conn:
        if not accounts.set_disabled(conn, name, disabled):
            raise NotFound(f"no user {name!r}", "an existing user (alphanode users list)")


def login(engine: Engine, name: str, password: str, client: str) -> tuple[str, Principal]:
    """Check a password (rate limited per name and per client); returns a session token."""
    keys = (f"user:{name.lower()}", f"client:{client}")
    since = now() - LOGIN_WINDOW
    with writing(engine) as conn:
        if any(accounts.attempts_since(conn, k, since) >= LOGIN_LIMIT for k in keys):
            raise TooManyAttempts(
                "too many failed sign-ins", "wait 15 minutes before trying again", retry_safe=True
            )
        user = accounts.user_by_name(conn, name)
        ok = False
        if user is not None:
            try:
                ok = _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            # Spend the same time on unknown names, so timing does not reveal which exist.
            _hasher.hash(password)
        if not ok or user is None or user.disabled:
            for k in keys:
                accounts.record_attempt(conn, k)
    if not ok or user is None or user.disabled:
        raise AuthError("wrong name or password, or the account is disabled", "valid credentials")
    with writing(engine) as conn:
        accounts.clear_attempts(conn, keys[0])
        if _hasher.check_needs_rehash(user.password_hash):
            accounts.set_password(conn, user.id, _hasher.hash(password))
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        expires = now() + dt.timedelta(days=SESSION_DAYS)
        accounts.add_session(conn, digest(token), user.id, csrf, expires)
    return token, Principal(user.name, user.role, _role_scopes(user.role), csrf)


def session(engine: Engine, token: str) -> Principal | None:
    with reading(engine) as conn:
        found = accounts.session_user(conn, digest(token))
    if found is None:
        return None
    user, csrf, expires = found
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    if user.disabled or expires < now():
        return None
    return Principal(user.name, user.role, _role_scopes(user.role), csrf)


def logout(engine: Engine, token: str) -> None:
    with writing(engine) as conn:
        accounts.drop_session(conn, digest(token))


def csrf_ok(principal: Principal, sent: str) -> bool:
    return bool(principal.csrf) and hmac.compare_digest(principal.csrf, sent)


def create_token(engine: Engine, name: str, scopes: list[str]) -> str:
    """A new API token; only its sha256 is stored, so it is shown this once."""
    _check_name(name)
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise UsageError(
            f"scopes {','.join(scopes)!r}", "a comma-separated subset of import,review"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with writing(engine) as conn:
            accounts.add_token(conn, name, digest(token), tuple(dict.fromkeys(scopes)))
    except IntegrityError:
        raise UsageError(f"token {name!r} already exists", "a new name") from None
    return token


def token_principal(engine: Engine, token: str) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    with reading(engine) as conn:
        row = accounts.token_by_hash(conn, digest(token))
    if row is None or row.revoked:
        return None
    with writing(engine) as conn:
        accounts.touch_token(conn, row.id)
    return Principal(f"token:{row.name}", "token", row.scopes)


def list_tokens(engine: Engine) -> list[accounts.TokenRow]:
    with reading(engine) as conn:
        return accounts.list_tokens(conn)


def revoke_token(engine: Engine, name: str) -> None:
    with writing(engine) as conn:
        if not accounts.revoke_token(conn, name):
            raise NotFound(f"no token {name!r}", "an existing token (alphanode tokens list)")


def require(principal: Principal | None, scope: str) -> Principal:
    """401 without credentials, 403 without the scope."""
    if principal is None:
        raise AuthError("sign-in or a bearer token is needed", "a valid session or API token")
    if not principal.can(scope):
        raise Forbidden(f"{principal.name} may not {scope}", f"the {scope!r} permission")
    return principal
