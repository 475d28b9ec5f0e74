"""The error types shared by all layers: what failed, what was expected, is a retry safe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Exit codes that mean something to scripts (see docs/cli.md).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one document: where, which field, what was seen, what was expected."""

    code: str
    field: str
    value: str
    expected: str
    retry_safe: bool = False
    source: str = ""
    line: int | None = None

    def where(self) -> str:
        if self.source and self.line is not None:
            return f"{self.source}:{self.line}"
        return self.source or (f"line {self.line}" if self.line is not None else "")

    def message(self) -> str:
        retry = (
            "retrying as it is may succeed"
            if self.retry_safe
            else "the document was not imported; retry after fixing the input"
        )
        where = self.where()
        prefix = f"{self.code} {where} " if where else f"{self.code} "
        return f"{prefix}{self.field}: got {self.value!r}, expected {self.expected}; {retry}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "file": self.source,
            "line": self.line,
            "field": self.field,
            "value": self.value,
            "expected": self.expected,
            "retry_safe": self.retry_safe,
            "message": self.message(),
        }

    def located(self, source: str, line_offset: int = 0) -> Problem:
        """The same problem, placed in a file (and shifted when the document starts mid-file)."""
        line = None if self.line is None else self.line + line_offset
        return Problem(
            self.code, self.field, self.value, self.expected, self.retry_safe, source, line
        )


@dataclass(frozen=True)
class DocumentWarning:
    """Something odd about an accepted document: kept, reported, never silently dropped."""

    code: str
    field: str
    value: str
    detail: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "value": self.value,
            "detail": self.detail,
            "line": self.line,
        }


class AlphanodeError(Exception):
    """Base error: a stable code, what failed, what was expected and whether a retry is safe."""

    code = "AN-000"
    http_status = 500
    exit_code = EXIT_FAILURE

    def __init__(
        self,
        what: str,
        expected: str = "",
        *,
        retry_safe: bool = False,
        code: str | None = None,
    ) -> None:
        self.what = what
        self.expected = expected
        self.retry_safe = retry_safe
        if code is not None:
            self.code = code
        super().__init__(self.message())

    def message(self) -> str:
        text = f"{self.code} {self.what}"
        if self.expected:
            text += f"; expected {self.expected}"
        text += "; retrying may help" if self.retry_safe else "; retrying as it is will not help"
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "what": self.what,
            "expected": self.expected,
            "retry_safe": self.retry_safe,
            "message": self.message(),
        }


class DocumentRejected(AlphanodeError):
    """A document failed validation; every problem found is listed, the first one leads."""

    http_status = 422
    exit_code = EXIT_REJECTED

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("DocumentRejected needs at least one problem")
        self.problems = problems
        super().__init__(problems[0].message(), code=problems[0].code)

    def message(self) -> str:
        return self.what

    def located(self, source: str, line_offset: int = 0) -> DocumentRejected:
        return DocumentRejected([p.located(source, line_offset) for p in self.problems])


class NotFound(AlphanodeError):
    code = "AN-NOTFOUND-001"
    http_status = 404
    exit_code = EXIT_FAILURE


class UsageError(AlphanodeError):
    code = "AN-USAGE-001"
    http_status = 400
    exit_code = EXIT_USAGE


class ConfigError(AlphanodeError):
    code = "AN-CONFIG-001"
    http_status = 500
    exit_code = EXIT_USAGE


class StoreError(AlphanodeError):
    code = "AN-STORE-001"
    http_status = 503
    exit_code = EXIT_FAILURE


class IllegalTransition(AlphanodeError):
    """A review action that the post's state does not allow (see ``content/states.py``):
    rejecting the live revision, retracting a post that is not live."""

    code = "AN-REVIEW-003"
    http_status = 409
    exit_code = EXIT_USAGE
