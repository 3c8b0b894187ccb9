"""An incoming request, read lazily from the ASGI scope and receive channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from closecalls.domain.errors import NUL_CHARACTER
from closecalls.domain.principal import Principal
from closecalls.http.errors import INVALID_JSON, NEEDS_JSON, NOT_A_DICT, BadRequest, PayloadTooLarge

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_decode = msgspec.json.Decoder().decode
UNROUTED = "(unrouted)"


class Request:
    """Method, path, headers, query and body of one HTTP request."""

    __slots__ = ("_body", "_query", "_receive", "headers", "max_body", "method", "path",
                 "path_params", "principal", "query_string", "rate_limit", "route")  # fmt: skip

    def __init__(self, scope: MutableMapping[str, Any], receive: Receive, max_body: int) -> None:
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query_string: bytes = scope.get("query_string", b"")
        self.headers: dict[str, str] = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        self.path_params: dict[str, str] = {}
        # The template of the route that answered (metrics and logs group by it, not by path).
        self.route = UNROUTED
        self.principal: Principal | None = None
        # The `RateLimit` header this request's answer carries, once it has been counted.
        self.rate_limit: str | None = None
        self.max_body = max_body
        self._receive = receive
        self._body: bytes | None = None
        self._query: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        """Query parameters; a repeated name keeps its last value."""
        if self._query is None:
            text = self.query_string.decode("utf-8", "replace")
            # Most requests carry none: an empty query string is not parsed.
            self._query = (
                _without_nul(dict(parse_qsl(text, keep_blank_values=True))) if text else {}
            )
        return self._query

    async def apply_method_override(self) -> None:
        """Close's `x-http-method-override`: a POST that is really a GET with `_params` in the body.

        Long filters do not fit in a URL, so clients POST them; the body's `_params`
        then stand in for (and win over) the query string.
        """
        override = self.headers.get("x-http-method-override", "").strip().upper()
        if not override or self.method != "POST":
            return
        self.method = override
        if override != "GET":
            return
        params = (await self.json_object()).get("_params", {})
        if not isinstance(params, dict):
            raise BadRequest("_params must be an object.", field_errors={"_params": NOT_A_DICT})
        merged = dict(self.query)
        for name, value in params.items():
            if value is None:
                continue
            if isinstance(value, list):
                merged[name] = ",".join(_param_text(item) for item in value)
            else:
                merged[name] = _param_text(value)
        self._query = _without_nul(merged)

    @property
    def caller(self) -> Principal:
        """The authenticated principal; handlers behind auth can rely on it."""
        assert self.principal is not None, "route requires authentication"
        return self.principal

    async def body(self) -> bytes:
        if self._body is None:
            declared = self.headers.get("content-length")
            if (
                declared is not None
                and declared.isascii()
                and declared.isdigit()
                and int(declared) > self.max_body
            ):
                raise PayloadTooLarge(self.max_body)
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    raise PayloadTooLarge(self.max_body)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            self._body = b"".join(chunks)
        return self._body

    async def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or Close's 400 for anything else."""
        media_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise BadRequest(NEEDS_JSON)
        body = await self.body()
        try:
            data = _decode(body)
        except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
            # msgspec refuses nesting deeper than the interpreter's recursion limit, and
            # bytes that are not UTF-8 with a UnicodeDecodeError of Python's.
            raise BadRequest(INVALID_JSON) from None
        if not isinstance(data, dict):
            raise BadRequest(NOT_A_DICT)
        return data


def _without_nul(params: dict[str, str]) -> dict[str, str]:
    """Refuse NUL in a parameter: no id or value can hold one (PostgreSQL text cannot)."""
    for name, value in params.items():
        if "\x00" in name or "\x00" in value:
            label = name.replace("\x00", "\\x00")
            raise BadRequest(
                f"Invalid value for {label}.",
                field_errors={label: NUL_CHARACTER},
            )
    return params


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
