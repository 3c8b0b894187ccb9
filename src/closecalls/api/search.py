"""`/api/v1/data/search/`: Close's Advanced Filtering, for finding leads and contacts."""

from __future__ import annotations

from typing import Any

from closecalls.api import lookup
from closecalls.api.custom_fields import definitions
from closecalls.api.handlers import Handlers
from closecalls.domain.advanced_filter import encode_cursor, parse_search
from closecalls.domain.search import Record
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json
from closecalls.http.router import Route


def _item(record: Record, object_type: str, fields: tuple[str, ...] | None) -> dict[str, Any]:
    document = dict(record.document)
    if object_type == "lead":
        document["contacts"] = list(record.contacts)
    item: dict[str, Any] = {"__object_type": object_type, "id": document["id"]}
    for name in fields or ():
        if name in document:
            item[name] = document[name]
        elif name == "custom":
            item.update({key: value for key, value in document.items()
                         if key.startswith("custom.")})  # fmt: skip
    return item


class SearchHandlers(Handlers):
    """Advanced Filtering over leads and contacts."""

    def routes(self) -> list[Route]:
        return [Route("/api/v1/data/search/", {"POST": self.search})]

    async def search(self, request: Request) -> Response:
        body = await request.json_object()
        organization_id = request.caller.organization_id
        store = self.services.store
        known = [
            field.id
            for object_type in ("lead", "contact")
            for field in await definitions(store, organization_id, object_type)
        ]
        wanted = parse_search(body, region=self.services.settings.phone_region,
                              custom_field_ids=frozenset(known))  # fmt: skip
        hits = await lookup.search(
            self.services.store, organization_id, wanted.condition,
            object_type=wanted.object_type, sort=wanted.sort,
        )  # fmt: skip
        if wanted.results_limit is not None:
            hits = hits[: wanted.results_limit]
        page = hits[wanted.skip : wanted.skip + wanted.limit]
        end = wanted.skip + len(page)
        cursor = encode_cursor(end) if page and end < len(hits) else None
        data = [_item(hit, wanted.object_type, wanted.fields) for hit in page]
        return Response(encode_json({"data": data, "cursor": cursor}))
