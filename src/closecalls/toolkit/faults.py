"""Fault injection: the next N matching requests fail as Close fails, or are slow, or cut."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from closecalls.domain.ratelimits import SECOND
from closecalls.http.errors import (
    ApiError,
    BadGateway,
    ServerError,
    ServiceUnavailable,
    TooManyRequests,
)

STATUSES = (429, 500, 502, 503)


@dataclass(slots=True)
class Fault:
    """What to do to the next `times` requests whose method and path match."""

    id: int
    method: str
    path: str
    times: int
    status: int | None = None
    delay: float = 0.0
    drop: bool = False
    retry_after: int = 1
    # Serve the request first, then fail or drop its answer: the write happened anyway.
    after: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatchcase(path, self.path)

    def error(self) -> ApiError | None:
        """The error to answer with, in Close's shape and with its headers."""
        if self.status == 429:
            return TooManyRequests(
                limit=320, reset=self.retry_after * SECOND, window=8.0, limit_type="key",
                group="default",
            )  # fmt: skip
        if self.status == 503:
            return ServiceUnavailable(retry_after=self.retry_after)
        if self.status == 502:
            return BadGateway()
        if self.status == 500:
            return ServerError()
        return None

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id, "method": self.method, "path": self.path, "times": self.times,
            "status": self.status, "delay": self.delay, "drop": self.drop,
            "retry_after": self.retry_after, "after": self.after,
        }  # fmt: skip


class Faults:
    """Pending faults per organization, used up in the order they were added."""

    def __init__(self) -> None:
        self._pending: dict[str, list[Fault]] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, organization_id: str, **spec: Any) -> Fault:
        with self._lock:
            fault = Fault(id=next(self._numbers), **spec)
            self._pending.setdefault(organization_id, []).append(fault)
            return fault

    def take(self, organization_id: str, method: str, path: str) -> Fault | None:
        """The first pending fault for this request, counted as used once."""
        with self._lock:
            pending = self._pending.get(organization_id)
            if not pending:
                return None
            for fault in pending:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        pending.remove(fault)
                    return fault
            return None

    def pending(self, organization_id: str) -> list[Fault]:
        with self._lock:
            return list(self._pending.get(organization_id, ()))

    def clear(self, organization_id: str) -> None:
        with self._lock:
            self._pending.pop(organization_id, None)
