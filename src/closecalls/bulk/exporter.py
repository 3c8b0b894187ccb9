"""`closecalls export`: an organization's calls, filtered as the list API filters, streamed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import IO

from closecalls.bulk.formats import writer_for
from closecalls.domain import calls
from closecalls.domain.listing import ActivityQuery, parse_call_list
from closecalls.store.store import Store

Progress = Callable[[int], None]
# Paging parameters mean nothing to an export, which streams every match.
PAGING = ("_limit", "_skip", "_fields")


def export_query(filters: Mapping[str, str]) -> ActivityQuery:
    """The list API's query for these filters, oldest first unless `_order_by` says otherwise."""
    params = {name: value for name, value in filters.items() if name not in PAGING}
    params.setdefault("_order_by", "date_created")
    tz_offset = params.pop("tz_offset", None)  # what the X-TZ-Offset header says to the API
    query = parse_call_list(params, tz_offset=tz_offset)
    if query.types is not None and calls.CALL_TYPE not in query.types:
        query = replace(query, ids=())
    return replace(query, types=(calls.CALL_TYPE,))


async def export_calls(
    store: Store,
    organization_id: str,
    query: ActivityQuery,
    output: IO[bytes],
    file_format: str,
    progress: Progress,
) -> int:
    """Write every matching call to `output`; how many."""
    writer = writer_for(file_format, output)
    written = 0
    try:
        async for documents in store.export_activities(organization_id, query):
            writer.write(documents)
            written += len(documents)
            progress(len(documents))
    finally:
        writer.close()
    return written
