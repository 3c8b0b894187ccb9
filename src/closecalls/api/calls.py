"""`/api/v1/activity/call/`: log, read, change, delete and list call activities."""

from __future__ import annotations

from typing import Any

from closecalls.api.activity_resource import ActivityResource, activity_row, look_up_references
from closecalls.domain import calls
from closecalls.domain.principal import Principal

# The bulk importer and benches build call rows the way every activity's are built.
call_row = activity_row
__all__ = ["CallHandlers", "call_row", "look_up_references"]


class CallHandlers(ActivityResource):
    """Handlers for the Calls resource."""

    kind = calls.KIND

    async def prepare(self, cleaned: dict[str, Any], caller: Principal) -> dict[str, Any]:
        """With `--match-phone`, an unattached call joins the contact with its number."""
        phone = cleaned.get("phone")
        if not self.services.settings.match_phone or phone is None:
            return cleaned
        matches = await self.services.store.contacts_by_phone(caller.organization_id, phone.e164)
        return calls.attach_by_phone(cleaned, matches)
