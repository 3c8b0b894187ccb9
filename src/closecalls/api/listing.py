"""Building list and projected responses from stored JSON documents."""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec

from closecalls.domain.activity_types import TYPES, optional_fields
from closecalls.domain.projection import CUSTOM, FieldSelection
from closecalls.http.responses import Response, encode_json

_decode = msgspec.json.Decoder().decode
# Documents of these types hold data served only through `_fields`. `_type` is a document's
# second key, so looking for it in the first bytes costs next to nothing on other types' pages.
_HOLDING_OPTIONAL = tuple(
    f'"_type":"{kind.name}"'.encode() for kind in TYPES if kind.stores_optional_fields
)
_HEAD = 128
# msgspec refuses these in a renamed field; no stored key holds them, but `_fields` may.
_UNRENAMEABLE = re.compile(r'["\\\x00-\x1f]')


def project_document(
    document: bytes, selection: FieldSelection, optional: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The keys `_fields` asks for; `optional` defaults to the document's own type's."""
    decoded = _decode(document)
    if optional is None:
        optional = optional_fields(decoded.get("_type", ""))
    return selection.apply(decoded, optional)


@functools.lru_cache(maxsize=256)
def _partial_decoder(keys: tuple[str, ...]) -> msgspec.json.Decoder[Any]:
    """Decodes only `keys` out of a document, skipping every other key without building it.

    The struct's attributes are positional (`f0`, `f1`, ...) renamed to the keys, since a
    key need not be an identifier; a key the document lacks decodes as UNSET.
    """
    fields = [(f"f{n}", Any, msgspec.UNSET) for n in range(len(keys))]
    rename = {f"f{n}": key for n, key in enumerate(keys)}
    return msgspec.json.Decoder(msgspec.defstruct("Projection", fields, rename=rename))


def _projected(documents: list[bytes], selection: FieldSelection) -> bytes:
    """The documents' `_fields` projections, joined with commas (FieldSelection.apply's rules).

    Decoding a whole document into a dict to keep two of its fifty keys is most of a
    projected page's cost; the partial decode builds only the keys asked for, and `_type`,
    which says the keys a document's type serves as null when it lacks them.
    """
    if (
        selection.everything
        or CUSTOM in selection.names
        or any(_UNRENAMEABLE.search(name) for name in selection.names)
    ):
        return b",".join(
            encode_json(project_document(document, selection)) for document in documents
        )
    names = selection.names
    keys = names if "_type" in names else (*names, "_type")
    decode = _partial_decoder(keys).decode
    at_type = keys.index("_type")
    projected = []
    for document in documents:
        values = msgspec.structs.astuple(decode(document))
        kind = values[at_type]
        optional = optional_fields(kind if isinstance(kind, str) else "")
        projected.append({
            name: None if value is msgspec.UNSET else value
            for name, value in zip(names, values, strict=False)
            if value is not msgspec.UNSET or name in optional
        })  # fmt: skip
    return encode_json(projected)[1:-1]


def visible_document(document: bytes) -> bytes:
    """The document as served by default: without the keys only `_fields` brings."""
    head = document[:_HEAD]
    if not any(marker in head for marker in _HOLDING_OPTIONAL):
        return document
    decoded = _decode(document)
    for name in optional_fields(decoded.get("_type", "")):
        decoded.pop(name, None)
    return encode_json(decoded)


def list_response(
    documents: list[bytes],
    has_more: bool,
    selection: FieldSelection | None,
    *,
    may_hold_optional: bool = True,
) -> Response:
    """`{"data": [...], "has_more": bool}`, splicing stored bytes when nothing is projected.

    A page of one type that never stores optional fields (`may_hold_optional=False`) is
    spliced as it is: the call list, the hot path, does no work per document.
    """
    if selection is None and not may_hold_optional:
        items = b",".join(documents)
    elif selection is None:
        items = b",".join(visible_document(document) for document in documents)
    else:
        items = _projected(documents, selection)
    return Response(
        b'{"data":[' + items + b'],"has_more":' + (b"true" if has_more else b"false") + b"}"
    )
