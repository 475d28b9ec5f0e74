"""Reading request bodies and form numbers within bounds: size, nesting, number length."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import Request

from alphanode.errors import AlphanodeError, UsageError
from alphanode.formats.jsonl import MAX_INT_DIGITS, NumberTooLong, nesting

REVIEW_BODY_BYTES = 64 * 1024  # an action, a note and a revision number
JSON_BODY_DEPTH = 8  # no API body nests deeper than this
MAX_REVISION = 2**31 - 1  # revision numbers are 32-bit integers in every database


class BodyTooLarge(AlphanodeError):
    code = "AN-REQUEST-001"
    http_status = 413


def _bad(what: str, expected: str) -> UsageError:
    return UsageError(what, expected, code="AN-REQUEST-002")


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"a body of {declared} bytes", f"at most {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge(f"a body of more than {limit} bytes", f"at most {limit} bytes")
    return bytes(body)


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise NumberTooLong(digits)
    return int(digits)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NumberTooLong(text)
    return value


def _constant(name: str) -> Any:
    raise _bad(f"the JSON constant {name}", "finite numbers only")


def parse_json(body: bytes, depth: int = JSON_BODY_DEPTH) -> Any:
    """A JSON body, bounded: at most ``depth`` levels, numbers of at most ``MAX_INT_DIGITS``
    digits and finite; every other failure is a usage error (400), never a traceback."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(f"byte {exc.start} of the body is not UTF-8", "a UTF-8 JSON body") from None
    deepest = nesting(text, depth)
    if deepest > depth:
        raise _bad(f"JSON nested more than {depth} levels deep", f"at most {depth} levels")
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except NumberTooLong as exc:
        shown = str(exc)[:20] + ("…" if len(str(exc)) > 20 else "")
        raise _bad(
            f"the number {shown}", f"numbers of at most {MAX_INT_DIGITS} digits, finite"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise _bad(f"the body is not JSON ({exc})", "a JSON object") from None


async def read_json(request: Request, limit: int, depth: int = JSON_BODY_DEPTH) -> Any:
    return parse_json(await read_body(request, limit), depth)


def whole_number(value: Any, name: str, low: int = 1, high: int = MAX_REVISION) -> int:
    """A JSON value that must be a whole number in ``low..high`` (``true`` is no number;
    ``2.0`` is one, as JSON Schema's ``integer`` says)."""
    if isinstance(value, float) and value.is_integer() and low <= value <= high:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        shown = repr(value) if len(repr(value)) <= 30 else repr(value)[:30] + "…"
        raise _bad(f"{name} {shown}", f"a whole number from {low} to {high}")
    return value


def form_number(text: str, name: str, low: int = 1, high: int = MAX_REVISION) -> int | None:
    """A form field holding a whole number in ``low..high``, or ``None`` when it is empty.

    Only ASCII digits: ``int()`` also takes ``²``, Arabic-Indic and full-width digits."""
    if text == "":
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        raise _bad(f"{name} {text[:30]!r}", f"a whole number from {low} to {high} (digits 0-9)")
    return whole_number(int(text), name, low, high)
