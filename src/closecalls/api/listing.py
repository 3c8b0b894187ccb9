"""Building list and projected responses from stored JSON documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from closecalls.domain.projection import FieldSelection
from closecalls.http.responses import Response, encode_json

_decode = msgspec.json.Decoder().decode


def project_document(
    document: bytes, selection: FieldSelection, optional: Iterable[str]
) -> dict[str, Any]:
    return selection.apply(_decode(document), optional)


def list_response(
    documents: list[bytes],
    has_more: bool,
    selection: FieldSelection | None,
    optional: Iterable[str],
) -> Response:
    """`{"data": [...], "has_more": bool}`, splicing stored bytes when nothing is projected."""
    if selection is None:
        items = b",".join(documents)
    else:
        optional = tuple(optional)
        items = b",".join(
            encode_json(project_document(document, selection, optional)) for document in documents
        )
    return Response(
        b'{"data":[' + items + b'],"has_more":' + (b"true" if has_more else b"false") + b"}"
    )
