"""`/api/v1/activity/sms/`: log, draft, schedule, read, change, delete and list SMS."""

from __future__ import annotations

from closecalls.api.activity_resource import ActivityResource
from closecalls.domain import sms


class SmsHandlers(ActivityResource):
    """Handlers for the SMS resource."""

    kind = sms.KIND
