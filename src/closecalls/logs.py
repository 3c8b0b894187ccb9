"""Logging set-up: a level, and text or JSON lines (for log shippers) on standard error."""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

import msgspec

# What `logging` puts on every record; anything else on a record came through `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "color_message",  # uvicorn's coloured copy of the message
}  # fmt: skip
_encode = msgspec.json.Encoder().encode


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encode(entry).decode()


# `logging.Formatter`'s default time: `2026-11-30 06:44:07,242`.
_TIME = "%Y-%m-%d %H:%M:%S"


class TextFormatter(logging.Formatter):
    """`time level logger: message`, the time as `logging.Formatter` writes it, made once a
    second rather than once a record (`strftime` was a fifth of an access line's cost)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (
                second,
                time.strftime(_TIME, self.converter(record.created)),
            )
        return f"{cached[1]},{int(record.msecs):03d}"


def configure(level: str, log_format: str) -> None:
    """Send every log record at `level` or above to standard error in `log_format`."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # No format of ours prints a record's thread or process: not looking them up saves
    # every record (a request's access line is one) a few microseconds.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # uvicorn's own loggers keep their handlers otherwise, and would print twice; its
    # start-up chatter is debug detail beside our "serving" line, and our access log
    # (with the route and request id) replaces its own.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn").setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True
