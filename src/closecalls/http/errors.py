"""The one error envelope: every error response is built here, in Close's shapes."""

from __future__ import annotations

from typing import Any

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.ratelimits import SECOND, whole_seconds

UNAUTHORIZED = (
    "The server could not verify that you are authorized to access the URL requested.  "
    "You either supplied the wrong credentials (e.g. a bad password), or your browser "
    "doesn't understand how to supply the credentials required."
)
INVALID_JSON = "The request contains invalid JSON."
NOT_A_DICT = "JSON data must be a dict."
NEEDS_JSON = "Please send valid JSON with a 'Content-Type: application/json' header."


class ApiError(Exception):
    """An error answer: status, message and any extra headers."""

    status = 500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.message}


class BadRequest(ApiError):
    """400: Close always sends `errors` and `field-errors`; `error` keeps tap-closeio happy."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        errors: list[str] | None = None,
        field_errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.errors = errors or []
        self.field_errors = field_errors or {}

    @classmethod
    def from_validation(cls, failure: ValidationFailed) -> BadRequest:
        return cls(failure.summary(), errors=failure.errors, field_errors=failure.field_errors)

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "errors": self.errors, "field-errors": self.field_errors}


class Unauthorized(ApiError):
    status = 401

    def __init__(self) -> None:
        super().__init__(UNAUTHORIZED)


class Forbidden(ApiError):
    """403: Close's "operation not allowed" for a caller who is known but may not do this."""

    status = 403


class NotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(
            "The method is not allowed for the requested URL.",
            headers={"allow": ", ".join(allowed)},
        )


class Conflict(ApiError):
    status = 409


class UnprocessableEntity(ApiError):
    status = 422


class PayloadTooLarge(ApiError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than the limit of {limit} bytes.")


class TooManyRequests(ApiError):
    """429 as Close sends it: `RateLimit` and `retry-after`, and the old body both ways round."""

    status = 429
    MESSAGE = "API call count exceeded for this period"

    def __init__(
        self, *, limit: int, reset: int, window: float, limit_type: str, group: str
    ) -> None:
        # Whole seconds, rounded up: the official client's regex reads digits only, and a
        # client that sleeps the rounded-down value would only be refused again.
        seconds = max(1, whole_seconds(reset))
        super().__init__(
            self.MESSAGE,
            headers={
                "ratelimit": f"limit={limit}, remaining=0, reset={seconds}",
                "retry-after": str(seconds),
            },
        )
        self.details: dict[str, Any] = {
            "message": self.MESSAGE,
            "rate_endpoint_group": group,
            "rate_limit": limit,
            "rate_limit_type": limit_type,
            "rate_reset": reset / SECOND,
            "rate_window": window,
        }

    def body(self) -> dict[str, Any]:
        # Deprecated by Close in 2024 but still read: tap-closeio reads `rate_reset` at the top,
        # older closeio-api and grouparoo under `error`.
        return {**self.details, "error": dict(self.details)}


class ServerError(ApiError):
    status = 500

    def __init__(self) -> None:
        super().__init__("Internal server error. The error has been logged.")


class BadGateway(ApiError):
    """502: what Close's load balancer sends when an upstream fails; clients retry GETs."""

    status = 502

    def __init__(self) -> None:
        super().__init__("Bad gateway. Please try again later.")


class ServiceUnavailable(ApiError):
    """503: Close is briefly unable to answer; the official client retries any method."""

    status = 503

    def __init__(self, *, retry_after: int | None = None) -> None:
        headers = {"retry-after": str(retry_after)} if retry_after is not None else None
        super().__init__(
            "Service temporarily unavailable. Please try again later.", headers=headers
        )


def object_not_found(model: str) -> NotFound:
    """Close's wording for an id that does not exist (or is not the caller's)."""
    return NotFound(f"Empty query: {model} matching query does not exist.")
