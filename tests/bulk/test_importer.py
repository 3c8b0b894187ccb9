"""Imports through the API's validation, on both backends: errors, reruns, references."""

from __future__ import annotations

import io
from typing import Any

import httpx

from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.bulk.formats import BadRow, CsvRow
from closecalls.bulk.importer import ErrorFile, Importer, ImportReport
from closecalls.bulk.mappings import mapper
from closecalls.domain.principal import Principal
from closecalls.settings import Settings
from tests.factories import create_contact, create_lead

CALLS = "/api/v1/activity/call/"


async def run_import(
    app: App,
    tenant: Tenant,
    rows: list[Any],
    *,
    batch: int = 3,
    mapping: str = "close",
    workers: int = 1,
    settings: Settings | None = None,
    header: list[str] | None = None,
) -> tuple[ImportReport, list[list[str]]]:
    """Import numbered rows as the tenant's user; the report and the error file's lines."""
    principal = Principal(tenant.organization.id, tenant.user.id, "API User", "cli_import")
    services = app.services
    importer = Importer(
        services.store, settings or services.settings, principal, mapper(mapping, {}, None),
        clock=services.clock, ids=services.ids, batch=batch, workers=workers,
    )  # fmt: skip
    output = io.StringIO()
    done: list[int] = []
    numbered = enumerate(rows, start=1)
    report = await importer.run(numbered, ErrorFile(output), done.append, header=header)
    assert sum(done) == len(rows)
    lines = [line.split(",", 2) for line in output.getvalue().splitlines()]
    assert lines[0] == ["row", "field", "message"]
    return report, lines[1:]


async def all_calls(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get(CALLS, params={"_order_by": "date_created", "_limit": 100})
    return response.json()["data"]  # type: ignore[no-any-return]


async def test_good_rows_load_and_bad_rows_are_reported_with_closes_messages(
    app: App, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    rows = [
        {"id": "a", "duration": 10, "phone": "+16505551234"},
        {"id": "b", "duration": -1, "direction": "sideways"},
        BadRow("a line must hold one JSON object"),
        {"id": "c", "recording_url": "http://insecure.example.com/1.mp3"},
        {"id": "d", "note": "fine", "date_created": "2025-01-01T00:00:00+00:00"},
    ]
    report, errors = await run_import(app, tenant, rows, batch=2)
    assert (report.rows, report.imported, report.skipped, report.failed) == (5, 2, 0, 3)
    assert errors == [
        ["2", "direction", "Not a valid choice."],
        ["2", "duration", "The value must be at least 0."],
        ["3", "", "a line must hold one JSON object"],
        ["4", "recording_url",
         "This URL uses a scheme that's not allowed. You can only use https://."],
    ]  # fmt: skip
    calls = await all_calls(client)
    assert [call["duration"] for call in calls] == [0, 10]
    assert calls[0]["date_created"] == "2025-01-01T00:00:00.000000+00:00"


async def test_an_imported_call_is_what_the_api_would_have_logged(
    app: App, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    lead = await create_lead(client)
    body = {"lead_id": lead["id"], "direction": "inbound", "duration": 61,
            "phone": "+16505551234", "note": "hello\nthere", "custom_fields": {"x": 1},
            "date_created": "2025-03-04T05:06:07+00:00"}  # fmt: skip
    posted = (await client.post(CALLS, json=body)).json()
    await run_import(app, tenant, [body])
    imported = next(call for call in await all_calls(client) if call["id"] != posted["id"])
    differ = {key for key in posted if posted[key] != imported[key]}
    assert differ == {"id"}


async def test_running_again_imports_nothing_twice(
    app: App, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    rows = [{"id": str(n), "duration": n} for n in range(7)]
    first, _ = await run_import(app, tenant, rows)
    assert first.imported == 7
    again, _ = await run_import(app, tenant, [*rows, {"id": "7", "duration": 7}])
    assert (again.imported, again.skipped) == (1, 7)
    assert len(await all_calls(client)) == 8


async def test_rows_repeated_in_one_file_are_one_call(
    app: App, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    same = {"duration": 5, "note": "no id, so the row's hash names it"}
    report, errors = await run_import(app, tenant, [same, dict(same), {"id": "x"}, {"id": "x"}])
    assert (report.imported, report.skipped, report.repeated, report.failed) == (2, 0, 2, 0)
    assert errors == [
        ["2", "(repeated)", "the same call as row 1: not loaded"],
        ["4", "(repeated)", "the same call as row 3: not loaded"],
    ]
    assert len(await all_calls(client)) == 2


async def test_references_must_be_the_importing_organizations(
    app: App, tenant: Tenant, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    theirs = await create_lead(other_client)
    mine = await create_lead(client)
    rows = [{"id": "1", "lead_id": theirs["id"]}, {"id": "2", "lead_id": mine["id"]}]
    report, errors = await run_import(app, tenant, rows)
    assert errors == [["1", "lead_id", "Object does not exist."]]
    assert [call["lead_id"] for call in await all_calls(client)] == [mine["id"]]
    assert report.imported == 1


async def test_keys_are_per_organization(
    app: App, tenant: Tenant, other_tenant: Tenant, client: httpx.AsyncClient
) -> None:
    rows = [CsvRow({"id": "shared", "duration": "3"})]
    assert (await run_import(app, tenant, rows))[0].imported == 1
    assert (await run_import(app, other_tenant, rows))[0].imported == 1


async def test_rows_as_read_are_checked_in_worker_processes_references_included(
    app: App, tenant: Tenant, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    # CSV cells and JSON Lines lines as `read_raw` gives them; a chunk naming a lead is
    # looked up by this process, then checked by a worker, like the rest.
    mine = await create_lead(client)
    theirs = await create_lead(other_client)
    rows = [
        ["r1", "75", "", "+16505551234"],
        ["r2", "-1", "", ""],
        ["r3", "5", mine["id"], ""],
        ["r4", "5", theirs["id"], ""],
        ["r1", "75", "", "+16505551234"],
        b'{"id": "j1", "duration": 9}\n',
        b"[1, 2]\n",
    ]
    header = ["id", "duration", "lead_id", "phone"]
    report, errors = await run_import(app, tenant, rows, batch=4, workers=2, header=header)
    assert (report.rows, report.imported, report.repeated, report.failed) == (7, 3, 1, 3)
    assert errors == [
        ["2", "duration", "The value must be at least 0."],
        ["4", "lead_id", "Object does not exist."],
        ["5", "(repeated)", "the same call as row 1: not loaded"],
        ["7", "", "a line must hold one JSON object"],
    ]
    calls = await all_calls(client)
    assert sorted(call["duration"] for call in calls) == [5, 9, 75]
    assert {call["lead_id"] for call in calls} == {None, mine["id"]}


async def test_match_phone_attaches_imported_calls_to_the_contact_with_the_number(
    app: App, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    lead = await create_lead(client)
    contact = await create_contact(
        client, lead["id"], phones=[{"phone": "+16505551234", "type": "office"}]
    )
    settings = app.services.settings.replace(match_phone=True)
    rows = [{"id": "1", "phone": "+1 650 555 1234"}, {"id": "2", "phone": "+16505550000"}]
    report, errors = await run_import(app, tenant, rows, workers=2, settings=settings)
    assert (report.imported, errors) == (2, [])
    attached = {call["phone"]: call["contact_id"] for call in await all_calls(client)}
    assert attached == {"+16505551234": contact["id"], "+16505550000": None}
