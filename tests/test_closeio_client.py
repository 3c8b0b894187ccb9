"""The official closeio client paging, filtering and changing calls on a real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import closeio_api
import pytest

from tests.factories import create_lead_now
from tests.support import UNLIMITED, LiveServer

KEY = "api_pagingpagingpaging00.pagingpagingpaging00"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A server holding 1,000 calls on seven leads that share only five timestamps."""
    workdir: Path = tmp_path_factory.mktemp("closeio")
    live = LiveServer(f"sqlite:///{workdir / 'paging.db'}", KEY, workdir, environment=UNLIMITED)
    live.start()
    try:
        with live.client() as client:
            leads = [create_lead_now(client, f"Lead {n}") for n in range(7)]
        stamps = [f"2026-03-0{day}T09:30:00Z" for day in range(1, 6)]
        bodies = [
            {"date_created": stamps[n % 5], "duration": n, "lead_id": leads[n % 7]}
            for n in range(1000)
        ]
        responses = live.parallel([("POST", "/api/v1/activity/call/", body) for body in bodies])
        failed = [response.text for response in responses if response.status_code != 200]
        assert not failed, failed[:3]
        yield live, {response.json()["id"] for response in responses}, leads
    finally:
        live.stop()


def page_all(api: closeio_api.API, endpoint: str, limit: int, **params: Any) -> list[str]:
    """Page the way Close's own scripts do: `_skip += len(data)` until `has_more` is false."""
    seen: list[str] = []
    skip = 0
    while True:
        page = api.get(endpoint, params={**params, "_limit": limit, "_skip": skip, "_fields": "id"})
        seen.extend(call["id"] for call in page["data"])
        if not page["has_more"]:
            return seen
        skip += len(page["data"])


@pytest.mark.parametrize("limit", [100, 37])
def test_paging_1000_calls_with_shared_timestamps(loaded, limit: int) -> None:  # type: ignore[no-untyped-def]
    live, created, _ = loaded
    api = closeio_api.API(live.api_url, api_key=KEY, max_retries=1)
    seen = page_all(api, "activity/call", limit)
    assert len(seen) == len(set(seen)) == 1000
    assert set(seen) == created


def test_filtered_paging_and_the_generic_activity_list(loaded) -> None:  # type: ignore[no-untyped-def]
    live, _, leads = loaded
    api = closeio_api.API(live.api_url, api_key=KEY, max_retries=1, tz_offset="-5")
    lead_three = page_all(api, "activity/call", 37, lead_id=leads[3])
    assert len(lead_three) == len(set(lead_three)) == len([n for n in range(1000) if n % 7 == 3])
    window = page_all(api, "activity", 100, date_created__gte="2026-03-02T09:30:00Z",
                      date_created__lt="2026-03-04T09:30:00Z")  # fmt: skip
    assert len(window) == 400


def test_update_and_delete_through_the_client(loaded) -> None:  # type: ignore[no-untyped-def]
    live, _, _ = loaded
    api = closeio_api.API(live.api_url, api_key=KEY, max_retries=1)
    call = api.post("activity/call", data={"direction": "inbound", "status": "in-progress"})
    updated = api.put(f"activity/call/{call['id']}", data={"status": "completed", "duration": 61})
    assert (updated["status"], updated["duration"]) == ("completed", 61)
    assert api.delete(f"activity/call/{call['id']}") == {}
    with pytest.raises(closeio_api.APIError) as gone:
        api.get(f"activity/call/{call['id']}")
    assert gone.value.response.status_code == 404
