"""Responses as status, JSON bytes and lowercase headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from closecalls.http.errors import ApiError

_encoder = msgspec.json.Encoder()
encode_json = _encoder.encode


@dataclass(slots=True)
class Response:
    """What a handler answers."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def json_response(content: Any, status: int = 200) -> Response:
    return Response(encode_json(content), status)


def error_response(error: ApiError) -> Response:
    return Response(encode_json(error.body()), error.status, dict(error.headers))


async def send_response(
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]], response: Response
) -> None:
    """Send a response over ASGI, with its length (the body is whole: no chunked framing)."""
    headers = [
        (b"content-type", response.content_type.encode()),
        (b"content-length", b"%d" % len(response.body)),
    ]
    for name, value in response.headers.items():
        headers.append((name.encode(), value.encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
