"""Reviewers and admins, their sessions, and API tokens with scopes (argon2, hashes only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from alphanode.errors import AlphanodeError, NotFound, UsageError
from alphanode.store import accounts
from alphanode.store.engine import reading, writing
from alphanode.store.posts import now

if TYPE_CHECKING:
    from alphanode.services.runtime import Site

ROLES = ("reviewer", "admin")
SCOPES = ("import", "review")
TOKEN_PREFIX = "an_"  # noqa: S105 - a public prefix, not a secret
SESSION_DAYS = 14
# Failed sign-ins are limited in a sliding window: per name and client address (a guesser at
# one account), and, much higher, per client address across names (a password sprayer).
# Successful sign-ins are never counted, so people behind one address do not lock each
# other out, and nobody elsewhere can lock a name.
LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_LIMIT = 5
CLIENT_LIMIT = 50
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


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

    def __init__(self, what: str, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)  # seconds, for a Retry-After header
        minutes = -(-self.retry_after // 60)
        later = f"another try in {minutes} minute{'' if minutes == 1 else 's'}"
        super().__init__(what, later, retry_safe=True)


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


def add_user(site: Site, name: str, role: str, password: str | None = None) -> str:
    """Create an account; returns the password (generated when none is given)."""
    _check_name(name)
    if role not in ROLES:
        raise UsageError(f"role {role!r}", "reviewer or admin")
    password = password or secrets.token_urlsafe(12)
    if len(password) < 10:
        raise UsageError("password too short", "at least 10 characters")
    hashed = site.hasher.hash(password)  # argon2 is slow on purpose: never inside a transaction
    try:
        with writing(site.engine) as conn:
            accounts.add_user(conn, name, role, hashed)
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


def client_key(address: str) -> str:
    """The part of a client address one party controls: an IPv4 address, an IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        # One subscriber gets a whole /64 and may use any address in it.
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def attempt_keys(name: str, client: str) -> tuple[str, str]:
    """The counters a failed sign-in adds to: (name, client address) and client address.

    The name is stored as a hash: people type their password into the name field by mistake.
    """
    where = client_key(client)
    return f"name:{digest(name.lower())[:32]}@{where}", f"client:{where}"


def _check_limits(conn: Connection, pair: str, spray: str) -> None:
    now_ = now()
    since = now_ - LOGIN_WINDOW
    for key, limit, what in (
        (pair, LOGIN_LIMIT, "too many failed sign-ins for this name from this address"),
        (spray, CLIENT_LIMIT, "too many failed sign-ins from this address"),
    ):
        recent = accounts.recent_attempts(conn, key, since, limit)
        if len(recent) >= limit:
            # Allowed again once the oldest of the newest ``limit`` failures leaves the window.
            wait = recent[-1] + LOGIN_WINDOW - now_
            raise TooManyAttempts(what, int(wait.total_seconds()) + 1)


def _password_ok(hasher: PasswordHasher, user: accounts.UserRow | None, password: str) -> bool:
    if user is None:
        # Spend the same time on unknown names, so timing does not reveal which exist.
        hasher.hash(password)
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def login(site: Site, name: str, password: str, client: str) -> tuple[str, Principal]:
    """Check a password and open a session; returns its token.

    ``client`` is the client's address as the web server sees it (see docs/cli.md: behind a
    proxy, it is the proxy's unless the server trusts that proxy's X-Forwarded-For). Failed
    attempts are limited per (name, address) and per address (``TooManyAttempts``); argon2
    runs outside any transaction, so slow hashing never holds the database's write lock.
    """
    engine, hasher = site.engine, site.hasher
    pair, spray = attempt_keys(name, client)
    with writing(engine) as conn:
        _check_limits(conn, pair, spray)
        # Counted as failures until the password checks out, so that guesses sent in
        # parallel cannot all pass the check above while argon2 runs.
        provisional = [accounts.record_attempt(conn, pair), accounts.record_attempt(conn, spray)]
        user = accounts.user_by_name(conn, name)
    if not _password_ok(hasher, user, password) or user is None or user.disabled:
        raise AuthError("wrong name or password, or the account is disabled", "valid credentials")
    rehashed = hasher.hash(password) if hasher.check_needs_rehash(user.password_hash) else None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    with writing(engine) as conn:
        # A success is not an attempt, and it forgives this name's failures from here.
        accounts.delete_attempts(conn, provisional)
        accounts.clear_attempts(conn, pair)
        accounts.purge_attempts(conn, now() - LOGIN_WINDOW)
        if rehashed is not None:
            accounts.set_password(conn, user.id, rehashed)
        accounts.add_session(
            conn, digest(token), user.id, csrf, now() + dt.timedelta(days=SESSION_DAYS)
        )
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


def same_secret(expected: str, sent: str) -> bool:
    """A constant-time comparison that also takes non-ASCII input (a forged form may send it)."""
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())


def csrf_ok(principal: Principal, sent: str) -> bool:
    return same_secret(principal.csrf, sent)


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
