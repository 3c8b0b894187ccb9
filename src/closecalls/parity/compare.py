"""Compare an upstream answer with the local one, after normalising what must differ."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from closecalls.parity.exchange import Answer
from closecalls.parity.ids import IdMap

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
RATELIMIT_LIMIT = re.compile(r"limit=(\d+)")


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where the answers differ: missing, extra, value or type."""

    where: str
    kind: str
    upstream: Any
    local: Any


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far apart two timestamps may be; `shift` is how much later the local request ran."""

    seconds: float = 60.0
    shift: float = 0.0


def compare(
    upstream: Answer, local: Answer, *, ids: IdMap, tolerance: Tolerance
) -> list[Difference]:
    """Every difference between the answers: status, the headers clients use, then the body."""
    found: list[Difference] = []
    if upstream.status != local.status:
        found.append(Difference("status", "value", upstream.status, local.status))
    _headers(upstream.headers, local.headers, ids, found)
    if upstream.text is not None or local.text is not None:
        if not (upstream.text is not None and local.text is not None
                and ids.same(upstream.text, local.text)):  # fmt: skip
            found.append(Difference("body", "value", upstream.text, local.text))
    else:
        _values("body", upstream.body, local.body, _Context(ids, tolerance), found)
    return found


def _headers(upstream: dict[str, str], local: dict[str, str], ids: IdMap,
             found: list[Difference]) -> None:  # fmt: skip
    for name in sorted(upstream.keys() | local.keys()):
        where = f"header {name}"
        if name not in local:
            found.append(Difference(where, "missing", upstream[name], None))
        elif name not in upstream:
            found.append(Difference(where, "extra", None, local[name]))
        elif _header_key(name, upstream[name], ids) != _header_key(name, local[name], None):
            found.append(Difference(where, "value", upstream[name], local[name]))


def _header_key(name: str, value: str, ids: IdMap | None) -> str:
    """What must match: the limit of `ratelimit` (remaining and reset move), the rest as is."""
    if name == "ratelimit":
        limit = RATELIMIT_LIMIT.search(value)
        return limit.group(1) if limit else value
    if name == "retry-after":
        return "present"
    if name == "content-type":
        return value.replace(" ", "").lower()
    if name == "location":
        # Close may answer with an absolute URL, closecalls with a path: the path must match.
        parts = urlsplit(value)
        value = parts.path + ("?" + parts.query if parts.query else "")
    return ids.translate_text(value) if ids is not None else value


@dataclass(frozen=True, slots=True)
class _Context:
    ids: IdMap
    tolerance: Tolerance


def _values(where: str, upstream: Any, local: Any, context: _Context,
            found: list[Difference]) -> None:  # fmt: skip
    kind = _type(upstream)
    if kind != _type(local):
        found.append(Difference(where, "type", upstream, local))
    elif kind == "object":
        for key in upstream.keys() - local.keys():
            found.append(Difference(f"{where}.{key}", "missing", upstream[key], None))
        for key in local.keys() - upstream.keys():
            found.append(Difference(f"{where}.{key}", "extra", None, local[key]))
        for key in sorted(upstream.keys() & local.keys()):
            _values(f"{where}.{key}", upstream[key], local[key], context, found)
    elif kind == "array":
        for index, (upstream_item, local_item) in enumerate(zip(upstream, local, strict=False)):
            _values(f"{where}[{index}]", upstream_item, local_item, context, found)
        for index in range(len(local), len(upstream)):
            found.append(Difference(f"{where}[{index}]", "missing", upstream[index], None))
        for index in range(len(upstream), len(local)):
            found.append(Difference(f"{where}[{index}]", "extra", None, local[index]))
    elif kind == "string":
        if not context.ids.same(upstream, local) and not _close_in_time(
            upstream, local, context.tolerance
        ):
            found.append(Difference(where, "value", upstream, local))
    elif upstream != local:
        found.append(Difference(where, "value", upstream, local))


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _close_in_time(upstream: str, local: str, tolerance: Tolerance) -> bool:
    """Two timestamps written alike, apart by no more than the tolerance (after the shift)."""
    if not (TIMESTAMP.match(upstream) and TIMESTAMP.match(local)):
        return False
    if re.sub(r"\d", "9", upstream) != re.sub(r"\d", "9", local):
        return False
    try:
        apart = (_instant(local) - _instant(upstream)).total_seconds()
    except ValueError:
        return False
    return min(abs(apart), abs(apart - tolerance.shift)) <= tolerance.seconds


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
