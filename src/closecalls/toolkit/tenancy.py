"""Per-organization time and ids: each test's organization can travel in time on its own."""

from __future__ import annotations

import threading
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from closecalls.domain.clock import Clock
from closecalls.domain.ids import IdSource

# The organization the current request acts for; set by the toolkit before the handler runs.
current_organization: ContextVar[str | None] = ContextVar("current_organization", default=None)


@dataclass(slots=True)
class TimeControl:
    """One organization's time: frozen at a moment, or the base clock shifted by an offset."""

    frozen: datetime | None = None
    offset: timedelta = timedelta(0)

    def now(self, base: datetime) -> datetime:
        return self.frozen if self.frozen is not None else base + self.offset


class TenantClock:
    """THE clock while the toolkit is on: the base clock, unless the organization set its own."""

    def __init__(self, base: Clock) -> None:
        self.base = base
        self._controls: dict[str, TimeControl] = {}
        self._lock = threading.Lock()

    def now(self) -> datetime:
        organization = current_organization.get()
        control = self._controls.get(organization) if organization else None
        base = self.base.now()
        return base if control is None else control.now(base)

    def now_for(self, organization_id: str) -> datetime:
        token = current_organization.set(organization_id)
        try:
            return self.now()
        finally:
            current_organization.reset(token)

    def set(self, organization_id: str, moment: datetime, *, frozen: bool) -> None:
        moment = moment.astimezone(UTC)
        with self._lock:
            if frozen:
                self._controls[organization_id] = TimeControl(frozen=moment)
            else:
                self._controls[organization_id] = TimeControl(offset=moment - self.base.now())

    def advance(self, organization_id: str, delta: timedelta) -> None:
        with self._lock:
            control = self._controls.setdefault(organization_id, TimeControl())
            if control.frozen is not None:
                control.frozen += delta
            else:
                control.offset += delta

    def is_frozen(self, organization_id: str) -> bool:
        control = self._controls.get(organization_id)
        return control is not None and control.frozen is not None

    def forget(self, organization_id: str) -> None:
        with self._lock:
            self._controls.pop(organization_id, None)


class TenantIds(IdSource):
    """THE id source while the toolkit is on: seeded per organization when asked to be."""

    def __init__(self, base: IdSource, clock: Clock) -> None:
        super().__init__(clock)
        self.base = base
        self._seeded: dict[str, IdSource] = {}
        self._seeds: dict[str, int] = {}

    def new(self, prefix: str, length: int = 43) -> str:
        organization = current_organization.get()
        seeded = self._seeded.get(organization) if organization else None
        return (seeded or self.base).new(prefix, length)

    def seed(self, organization_id: str, seed: int) -> None:
        self._seeded[organization_id] = IdSource(self._clock, seed=seed)
        self._seeds[organization_id] = seed

    def seed_of(self, organization_id: str) -> int | None:
        return self._seeds.get(organization_id)

    def forget(self, organization_id: str) -> None:
        self._seeded.pop(organization_id, None)
        self._seeds.pop(organization_id, None)
