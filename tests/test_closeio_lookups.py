"""The official closeio client: lookups, statuses and custom fields, on both backends."""

from __future__ import annotations

from pathlib import Path

import closeio_api
import pytest

from tests.support import UNLIMITED, LiveServer

KEY = "api_lookuplookuplookup00.lookuplookuplookup00"


def test_a_dialers_round_trip_through_the_official_client(
    database_url: str, tmp_path: Path
) -> None:
    live = LiveServer(database_url, KEY, tmp_path, environment=UNLIMITED)
    live.start()
    try:
        api = closeio_api.API(live.api_url, api_key=KEY, max_retries=1)
        api.post("status/lead", data={"label": "Interested"})
        field = api.post(
            "custom_field/lead",
            data={
                "name": "Last call outcome",
                "type": "choices",
                "choices": ["Reached", "Voicemail"],
            },
        )
        key = f"custom.{field['id']}"
        lead = api.post(
            "lead",
            data={
                "name": "Wayne Enterprises",
                "status": "Interested",
                "contacts": [
                    {
                        "name": "Bruce Wayne",
                        "phones": [{"phone": "+16505551234"}],
                        "emails": [{"email": "bruce@wayne.example"}],
                    }
                ],
            },
        )
        api.post("lead", data={"name": "Acme"})
        # An inbound call from (650) 555-1234: find the lead, as a dialer does.
        found = api.get(
            "lead", params={"query": "phone:(650) 555-1234", "_fields": "id,status_label"}
        )
        assert found == {
            "data": [{"id": lead["id"], "status_label": "Interested"}],
            "has_more": False,
            "total_results": 1,
        }
        search = api.post(
            "data/search",
            data={
                "query": {
                    "type": "and",
                    "queries": [
                        {"type": "object_type", "object_type": "contact"},
                        {
                            "type": "has_related",
                            "this_object_type": "contact",
                            "related_object_type": "contact_email",
                            "related_query": {
                                "type": "field_condition",
                                "field": {
                                    "type": "regular_field",
                                    "object_type": "contact_email",
                                    "field_name": "email",
                                },
                                "condition": {
                                    "type": "text",
                                    "mode": "exact_value",
                                    "value": "bruce@wayne.example",
                                },
                            },
                        },
                    ],
                }
            },
        )
        assert search["data"] == [{"__object_type": "contact", "id": lead["contacts"][0]["id"]}]
        with pytest.raises(closeio_api.APIError) as refused:
            api.get("lead", params={"query": "has:calls"})
        assert refused.value.response.status_code == 400
        # After the call: set the status and the last call outcome.
        updated = api.put(f"lead/{lead['id']}", data={"status": "Customer", key: "Voicemail"})
        assert (updated["status_label"], updated[key]) == ("Customer", "Voicemail")
        changes = api.get("activity", params={"lead_id": lead["id"]})["data"]
        assert [item["new_status_label"] for item in changes] == ["Customer"]
        # Map users by email, and page with the sizes production connectors ask for.
        me = api.get("me")
        organization = api.get(f"organization/{me['organizations'][0]['id']}")
        assert [m["user_id"] for m in organization["memberships"]] == [me["id"]]
        assert api.get("user", params={"_limit": 1000})["data"][0]["id"] == me["id"]
        assert len(api.get("lead", params={"_limit": 200})["data"]) == 2
    finally:
        live.stop()
