"""What handlers are given: settings, the store, the clock, the id source and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

from closecalls.domain.clock import Clock
from closecalls.domain.ids import IdSource
from closecalls.metrics import Metrics
from closecalls.settings import Settings
from closecalls.store.store import Store


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    store: Store
    clock: Clock
    ids: IdSource
    metrics: Metrics = field(default_factory=Metrics)
