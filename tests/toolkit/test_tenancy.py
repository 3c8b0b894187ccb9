"""Each organization's clock and ids, set through the admin API, on both backends."""

from __future__ import annotations

import httpx

from tests.toolkit.conftest import Org


async def test_a_frozen_clock_dates_what_is_created_and_moves_when_told(
    admin: httpx.AsyncClient, org: Org, other_org: Org
) -> None:
    clock = await admin.put(org.path + "clock/", json={"now": "2021-06-01T12:00:00Z"})
    assert clock.json() == {"now": "2021-06-01T12:00:00.000000+00:00", "frozen": True}
    first = (await org.http.post("/activity/call/", json={"note": "first"})).json()
    advanced = await admin.post(org.path + "clock/advance/", json={"seconds": 86400})
    assert advanced.json()["now"] == "2021-06-02T12:00:00.000000+00:00"
    second = (await org.http.post("/activity/call/", json={"note": "second"})).json()
    assert first["date_created"] == "2021-06-01T12:00:00.000000+00:00"
    assert second["date_created"] == "2021-06-02T12:00:00.000000+00:00"

    # Filters compare with the same dates, and the other organization keeps real time.
    newer = await org.http.get("/activity/call/", params={"date_created__gte": "2021-06-02"})
    assert [call["note"] for call in newer.json()["data"]] == ["second"]
    theirs = (await other_org.http.post("/activity/call/", json={})).json()
    assert theirs["date_created"].startswith("2026-01-09")  # the suite's base clock

    released = await admin.delete(org.path + "clock/")
    assert released.json()["frozen"] is False
    assert (
        (await org.http.post("/lead/", json={"name": "x"}))
        .json()["date_created"]
        .startswith("2026-01-09")
    )


async def test_a_running_clock_keeps_its_offset(admin: httpx.AsyncClient, org: Org) -> None:
    moved = await admin.put(
        org.path + "clock/", json={"now": "2030-01-01T00:00:00Z", "frozen": False}
    )
    assert moved.json()["frozen"] is False
    lead = (await org.http.post("/lead/", json={"name": "x"})).json()
    assert lead["date_created"].startswith("2030-01-01")
    got = (await admin.get(org.path + "clock/")).json()
    assert got["now"].startswith("2030-01-01")
    bad = await admin.put(org.path + "clock/", json={"now": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["field-errors"] == {"now": "Invalid ISO 8601 datetime."}
    assert (await admin.post(org.path + "clock/advance/", json={"seconds": -1})).status_code == 400


async def test_seeded_ids_repeat_after_a_reset(admin: httpx.AsyncClient, org: Org) -> None:
    async def ids_made() -> list[str]:
        await admin.put(org.path + "clock/", json={"now": "2022-02-02T00:00:00Z"})
        assert (await admin.put(org.path + "ids/", json={"seed": 42})).json() == {"seed": 42}
        lead = (await org.http.post("/lead/", json={"name": "x"})).json()
        call = (await org.http.post("/activity/call/", json={"lead_id": lead["id"]})).json()
        return [lead["id"], call["id"]]

    first = await ids_made()
    assert (await admin.get(org.path)).json()["ids_seed"] == 42
    await admin.post(org.path + "reset/")
    assert (await admin.get(org.path)).json()["ids_seed"] is None
    assert await ids_made() == first
    assert first[0].startswith("lead_") and first[1].startswith("acti_")
