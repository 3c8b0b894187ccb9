"""Idempotency-Key on a write route (an extension, not Close): replay, refuse or run once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from closecalls.domain import idempotency
from closecalls.domain.idempotency import (
    ClaimLost,
    IdempotencyKey,
    KeyInProgress,
    KeyMismatch,
)
from closecalls.domain.times import to_micros
from closecalls.http.errors import Conflict, UnprocessableEntity
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.services import Services

log = logging.getLogger("closecalls")
Handle = Callable[[IdempotencyKey | None], Awaitable[Response]]


async def idempotently(services: Services, request: Request, handle: Handle) -> Response:
    """Run `handle` once per key: it must write the key's answer with its own write.

    Without the header the request runs as Close runs it. A request that fails
    (any error answer) releases its key, as Stripe does: nothing was created, and a
    corrected retry may use the same key.
    """
    raw = request.headers.get(idempotency.HEADER)
    if raw is None:
        return await handle(None)
    caller = request.caller
    key = IdempotencyKey(
        organization_id=caller.organization_id,
        credential_id=caller.credential_id,
        key=idempotency.parse_key(raw),
        fingerprint=idempotency.fingerprint(request.method, request.path, await request.body()),
    )
    now = to_micros(services.clock.now())
    expires_at, stale_before = idempotency.expiry(now, services.settings.idempotency_key_seconds)
    store = services.store
    stored = await store.claim_idempotency_key(
        key, now=now, expires_at=expires_at, stale_before=stale_before
    )
    if stored is not None:
        try:
            replay = idempotency.decide(stored, key.fingerprint)
        except KeyMismatch as mismatch:
            raise UnprocessableEntity(str(mismatch)) from None
        except KeyInProgress as running:
            raise Conflict(str(running)) from None
        return Response(replay.body, replay.status, {idempotency.REPLAYED_HEADER: "true"})
    try:
        return await handle(key)
    except ClaimLost:
        raise Conflict(idempotency.LOST) from None
    except BaseException:
        try:
            await store.release_idempotency_key(key)
        except Exception:
            # The claim then lapses after its lease; the request's own error matters more.
            log.exception("could not release an idempotency key")
        raise
