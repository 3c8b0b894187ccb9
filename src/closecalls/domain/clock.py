"""The one clock: injectable so tests and the admin API can control time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime: ...


def now_for(clock: Clock, organization_id: str) -> datetime:
    """The time as an organization sees it: its own under the testing toolkit, else the clock's.

    Needed where a request names no organization until a credential is looked up (the
    token endpoint, authentication), so the time cannot come from the request's context.
    """
    tenant_now = getattr(clock, "now_for", None)
    return tenant_now(organization_id) if tenant_now is not None else clock.now()


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta
