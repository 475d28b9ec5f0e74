"""One error page template and one JSON error shape for every failure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from alphanode.errors import AlphanodeError
from alphanode.web.templating import page

TITLES = {
    400: "Bad request",
    401: "Sign in needed",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Not valid",
    429: "Too many requests",
    500: "Server error",
}
MESSAGES = {
    404: "There is no published page at this address. It may have been moved or retracted.",
}


class ErrorDetail(BaseModel):
    """What failed, what was expected, whether retrying as it is may help."""

    code: str
    what: str
    expected: str
    retry_safe: bool
    message: str
    status: int


class ErrorBody(BaseModel):
    """The one JSON error shape every API error answers with."""

    error: ErrorDetail


def error_body(status: int, message: str, exc: AlphanodeError | None = None) -> dict[str, Any]:
    """The JSON error shape (locked by a test): code, what, expected, retry_safe, message."""
    if exc is not None:
        return {"error": {**exc.to_dict(), "status": status}}
    return {
        "error": {
            "code": f"AN-HTTP-{status}",
            "what": message,
            "expected": "",
            "retry_safe": status >= 500 or status == 429,
            "message": message,
            "status": status,
        }
    }


def respond(
    request: Request, status: int, message: str, exc: AlphanodeError | None = None
) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse(error_body(status, message, exc), status_code=status)
    shown = MESSAGES.get(status, message if status < 500 else "Something went wrong on our side.")
    return page(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, f"Error {status}"), "message": shown},
        status_code=status,
    )


@dataclass(frozen=True)
class FixedError:
    """An error answer rendered once at start-up, which the front line sends without the app:
    the error page for pages, the JSON error shape for ``/api/``."""

    html: bytes
    json: bytes

    def for_path(self, path: str) -> tuple[bytes, bytes]:
        """The body and its content type."""
        if path.startswith("/api/"):
            return self.json, b"application/json"
        return self.html, b"text/html; charset=utf-8"


def fixed_json(status: int, message: str) -> bytes:
    return json.dumps(error_body(status, message)).encode("utf-8")


def fixed(templates: Any, status: int, message: str) -> FixedError:
    shown = MESSAGES.get(status, message if status < 500 else "Something went wrong on our side.")
    template = templates.env.get_template("error.html")
    html = template.render(
        status=status, title=TITLES.get(status, f"Error {status}"), message=shown
    )
    return FixedError(str(html).encode("utf-8"), fixed_json(status, message))


WRONG_HOST = "This site does not answer to that host name."


def wrong_host(templates: Any) -> ASGIApp:
    """The 400 for a Host that is not allowed, rendered once: the host is never echoed."""
    answer = fixed(templates, 400, WRONG_HOST)

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        body, kind = answer.for_path(str(scope.get("path", "")))
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return refuse
