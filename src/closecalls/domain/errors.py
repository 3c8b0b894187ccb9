"""What the rules say when input is wrong, in Close's words."""

from __future__ import annotations


class ValidationFailed(Exception):
    """Input broke one or more rules; every bad field is named at once."""

    def __init__(
        self,
        field_errors: dict[str, str] | None = None,
        errors: list[str] | None = None,
    ) -> None:
        self.field_errors = field_errors or {}
        self.errors = errors or []
        super().__init__(self.summary())

    def summary(self) -> str:
        parts = [f"{name}: {message}" for name, message in self.field_errors.items()]
        return "; ".join([*self.errors, *parts]) or "Invalid request."


REQUIRED = "This field is required."
NOT_A_CHOICE = "Not a valid choice."
BAD_DATETIME = "Invalid ISO 8601 datetime."
BAD_URL = "Invalid URL."
NO_SUCH_OBJECT = "Object does not exist."
BAD_PHONE = "Invalid phone number."
NUL_CHARACTER = "NUL characters are not allowed."


def wrong_type(type_name: str) -> str:
    """cleancat's message for a value of the wrong JSON type."""
    return f"Value must be of {type_name} type."


def too_large(maximum: int) -> str:
    return f"The value must not be larger than {maximum}."


def too_small(minimum: int) -> str:
    return f"The value must be at least {minimum}."
