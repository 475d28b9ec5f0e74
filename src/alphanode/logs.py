"""Logging set-up shared by ``serve`` and the other commands: one line per record.

With ``log_format = json`` every record — actions (imports, review decisions, backups),
warnings and tracebacks — is one JSON object per line, like the request lines written by
``web.accesslog``; with ``text`` it is a timestamped plain line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import sys
from typing import Any


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"[, "exception"]}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (a test runner may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except (OSError, ValueError):
            self.handleError(record)


def config(fmt: str, level: str = "INFO", *, server: bool = False) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for alphanode's loggers (and uvicorn's, for ``serve``).

    Records also propagate to the root logger except under ``serve``, which owns its process.
    """
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    handler = {"handlers": ["stderr"], "propagate": not server}
    loggers: dict[str, Any] = {"alphanode": {**handler, "level": level}}
    if server:
        for name in ("uvicorn", "uvicorn.error"):
            loggers[name] = {**handler, "level": "WARNING"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": formatter},
        "handlers": {"stderr": {"()": StderrHandler, "formatter": "line"}},
        "loggers": loggers,
    }


def setup(fmt: str, level: str = "INFO") -> None:
    logging.config.dictConfig(config(fmt, level))
