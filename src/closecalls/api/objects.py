"""What the lead, contact and outcome handlers share: decoding, paging and `_fields`."""

from __future__ import annotations

from typing import Any

import msgspec

from closecalls.domain.listing import MAX_LIMIT, parse_limit, parse_skip
from closecalls.domain.projection import FieldSelection, parse_fields
from closecalls.domain.times import parse_timestamp, to_micros
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json
from closecalls.store.rows import ObjectRow

decode = msgspec.json.Decoder().decode


def object_row(
    kind: str,
    document: dict[str, Any],
    *,
    parent_id: str | None = None,
    phones: tuple[str, ...] = (),
) -> ObjectRow:
    """The stored row of an object document."""
    return ObjectRow(
        id=document["id"],
        organization_id=document["organization_id"],
        kind=kind,
        parent_id=parent_id,
        date_created=to_micros(parse_timestamp(document["date_created"])),
        document=encode_json(document),
        phones=phones,
    )


def select(document: dict[str, Any], selection: FieldSelection | None) -> dict[str, Any]:
    return document if selection is None else selection.apply(document, ())


def respond(request: Request, document: dict[str, Any], status: int = 200) -> Response:
    """One object, restricted by the request's `_fields`."""
    selection = parse_fields(request.query.get("_fields"))
    return Response(encode_json(select(document, selection)), status)


def respond_page(
    request: Request, documents: list[dict[str, Any]], has_more: bool, **extra: Any
) -> Response:
    selection = parse_fields(request.query.get("_fields"))
    data = [select(document, selection) for document in documents]
    return Response(encode_json({"data": data, "has_more": has_more, **extra}))


def paging(request: Request, *, maximum: int = MAX_LIMIT) -> tuple[int, int]:
    return parse_limit(request.query, maximum=maximum), parse_skip(request.query)
