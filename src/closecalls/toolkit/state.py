"""The toolkit's per-organization state: time, ids, mode, the journal and pending faults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from closecalls.http.router import Router
from closecalls.services import Services
from closecalls.toolkit.faults import Faults
from closecalls.toolkit.journal import Journal
from closecalls.toolkit.tenancy import TenantClock, TenantIds, current_organization


class ToolkitState:
    """What the admin API sets and the request hook reads, per organization."""

    def __init__(self, services: Services, app_router: Router) -> None:
        self.services = services
        self.app_router = app_router
        self.default_mode = services.settings.mode
        self.modes: dict[str, str] = {}
        self.journal = Journal()
        self.faults = Faults()
        assert isinstance(services.clock, TenantClock)
        assert isinstance(services.ids, TenantIds)
        self.clock, self.ids = services.clock, services.ids

    def mode(self, organization_id: str) -> str:
        return self.modes.get(organization_id, self.default_mode)

    def forget(self, organization_id: str) -> None:
        """Back to a fresh organization's state: real time, random ids, default mode."""
        self.clock.forget(organization_id)
        self.ids.forget(organization_id)
        self.modes.pop(organization_id, None)
        self.journal.clear(organization_id)
        self.faults.clear(organization_id)

    @contextmanager
    def acting_for(self, organization_id: str) -> Iterator[None]:
        token = current_organization.set(organization_id)
        try:
            yield
        finally:
            current_organization.reset(token)
