"""The request journal: every request and response of an organization, newest last."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

import msgspec

# Per organization: enough for any one test, bounded so a long run cannot grow without end.
JOURNAL_LIMIT = 1000
# Never echo credentials back, even to the admin.
HIDDEN_HEADERS = frozenset({"authorization", "cookie"})
# Kept as bytes and decoded only when read: most entries are never read.
BODIES = ("request_body", "response_body")


def decoded(body: bytes) -> Any:
    """A body as JSON when it is JSON, else as text."""
    if not body:
        return None
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return body.decode("utf-8", "replace")


class Journal:
    """Entries per organization, each with a number that only grows."""

    def __init__(self, limit: int = JOURNAL_LIMIT) -> None:
        self._limit = limit
        self._entries: dict[str, deque[dict[str, Any]]] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, organization_id: str, entry: dict[str, Any]) -> None:
        with self._lock:
            entry["seq"] = next(self._numbers)
            self._entries.setdefault(organization_id, deque(maxlen=self._limit)).append(entry)

    def entries(self, organization_id: str, filters: Mapping[str, str]) -> list[dict[str, Any]]:
        """Entries in order, narrowed by `method`, `path`, `path__startswith`, `status`, `after`."""
        with self._lock:
            found = list(self._entries.get(organization_id, ()))
        method = filters.get("method", "").upper()
        status = filters.get("status")
        after = int(filters["after"]) if filters.get("after", "").isdigit() else 0
        return [
            {**entry, **{key: decoded(entry[key]) for key in BODIES}}
            for entry in found
            if (not method or entry["method"] == method)
            and ("path" not in filters or entry["path"] == filters["path"])
            and entry["path"].startswith(filters.get("path__startswith", ""))
            and (not status or str(entry["status"]) == status)
            and entry["seq"] > after
        ]

    def clear(self, organization_id: str) -> None:
        with self._lock:
            self._entries.pop(organization_id, None)


def visible_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in HIDDEN_HEADERS}
