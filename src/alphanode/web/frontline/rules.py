"""Rule match: which cache rule a path falls under, and when its page cache is bypassed."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl

from alphanode.cache_rules import CacheRule, rule_for

SESSION = b"an_session="


def personal(headers: dict[bytes, bytes]) -> bool:
    """The answer depends on who asks: a reviewer's session or an Authorization header."""
    return b"authorization" in headers or SESSION in headers.get(b"cookie", b"")


def bypassed(rule: CacheRule, method: str, query: bytes, is_personal: bool) -> bool:
    """True when this request must not be answered from (or stored in) the page cache."""
    if method not in ("GET", "HEAD") or not rule.in_process or is_personal:
        return True
    if query:
        keys = {k for k, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
        if not keys <= set(rule.query_ok):
            return True
    return False


class RuleBook:
    """``rule_for`` memoised per app: it is a regular-expression scan, and paths repeat."""

    def __init__(self, size: int = 8192) -> None:
        self.rule = lru_cache(maxsize=size)(rule_for)
