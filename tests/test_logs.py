"""The text log format: `logging`'s own, with the time made once a second."""

from __future__ import annotations

import logging

from closecalls.logs import TextFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def test_text_lines_are_logging_s_own_across_seconds() -> None:
    ours, theirs = TextFormatter(), logging.Formatter(FORMAT)
    for created in (1_764_484_000.0, 1_764_484_000.999, 1_764_484_001.0005, 1_764_484_000.5):
        record = logging.LogRecord("closecalls.access", logging.INFO, "", 0, "GET %s", ("/",), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == theirs.format(record)
