"""One request and the answers to it, as recorded: never with credentials."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

# The request headers a replay needs; everything else (authorization, cookies) is left out.
REPLAYED_HEADERS = ("accept", "content-type", "idempotency-key", "x-http-method-override")
# The answer headers clients act on, and so the ones compared and recorded.
ANSWER_HEADERS = ("content-type", "location", "ratelimit", "retry-after", "allow")


def decode(content: bytes) -> tuple[Any, str | None]:
    """(JSON value, None) for a JSON body, else (None, the body as text)."""
    try:
        return json.loads(content), None
    except ValueError:
        return None, content.decode("utf-8", "replace")


@dataclass(slots=True)
class Message:
    """A body, decoded: `body` when it is JSON, `text` when it is not."""

    body: Any = None
    text: str | None = None

    def content(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        return b"" if self.body is None else json.dumps(self.body).encode()


@dataclass(slots=True)
class Request(Message):
    """What the integration sent, relative to the API base (`activity/call/`)."""

    method: str = "GET"
    path: str = ""
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def capture(cls, method: str, path: str, query: str, headers: httpx.Headers,
                content: bytes) -> Request:  # fmt: skip
        body, text = decode(content) if content else (None, None)
        kept = {name: headers[name] for name in REPLAYED_HEADERS if name in headers}
        return cls(body=body, text=text, method=method, path=path, query=query, headers=kept)

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


@dataclass(slots=True)
class Answer(Message):
    """A status, the headers clients act on and the body."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def capture(cls, response: httpx.Response) -> Answer:
        body, text = decode(response.content)
        headers = response.headers
        kept = {name: headers[name] for name in ANSWER_HEADERS if name in headers}
        return cls(body=body, text=text, status=response.status_code, headers=kept)


@dataclass(slots=True)
class Exchange:
    """A request, the upstream's answer and (when replayed) the local one."""

    request: Request
    upstream: Answer
    at: str
    local: Answer | None = None

    def document(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Exchange:
        local = document.get("local")
        return cls(
            request=Request(**document["request"]),
            upstream=Answer(**document["upstream"]),
            at=document["at"],
            local=None if local is None else Answer(**local),
        )
