"""What handlers are given: settings, the store, the clock and the id source."""

from __future__ import annotations

from dataclasses import dataclass

from closecalls.domain.clock import Clock
from closecalls.domain.ids import IdSource
from closecalls.settings import Settings
from closecalls.store.store import Store


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    store: Store
    clock: Clock
    ids: IdSource
