"""The one error envelope: every error response is built here, in Close's shapes."""

from __future__ import annotations

from typing import Any

from closecalls.domain.errors import ValidationFailed

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


class PayloadTooLarge(ApiError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than the limit of {limit} bytes.")


class ServerError(ApiError):
    status = 500

    def __init__(self) -> None:
        super().__init__("Internal server error. The error has been logged.")


def object_not_found(model: str) -> NotFound:
    """Close's wording for an id that does not exist (or is not the caller's)."""
    return NotFound(f"Empty query: {model} matching query does not exist.")
