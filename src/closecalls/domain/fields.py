"""Field kinds and how each cleans a raw JSON value, with cleancat's messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from closecalls.domain import errors
from closecalls.domain.phones import normalize_phone
from closecalls.domain.times import parse_timestamp
from closecalls.domain.urls import WEB_SCHEMES, web_url

Kind = Literal[
    "string", "choice", "integer", "datetime", "url", "https_url", "phone", "object", "boolean",
    "array",
]  # fmt: skip


class FieldError(Exception):
    """One field's value is wrong; the message is what the client sees."""


@dataclass(frozen=True, slots=True)
class Field:
    """What one request key may hold."""

    kind: Kind
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None


def clean_value(field: Field, value: Any, *, phone_region: str) -> Any:
    """Return the cleaned value or raise FieldError with Close's message."""
    if value is None:
        return field.default
    kind = field.kind
    if kind == "string":
        return _require_type(value, str, "str")
    if kind == "choice":
        if not isinstance(value, str) or value not in field.choices:
            raise FieldError(errors.NOT_A_CHOICE)
        return value
    if kind == "integer":
        return _clean_integer(field, value)
    if kind == "object":
        return _require_type(value, dict, "dict")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise FieldError(errors.wrong_type("bool"))
        return value
    if kind == "array":
        return _require_type(value, list, "list")
    text = _require_type(value, str, "str")
    if text == "":
        return field.default
    if kind == "datetime":
        try:
            return parse_timestamp(text)
        except (ValueError, OverflowError):
            # An offset can carry year 1 or 9999 past what a UTC datetime holds.
            raise FieldError(errors.BAD_DATETIME) from None
    if kind == "phone":
        try:
            return normalize_phone(text, default_region=phone_region)
        except ValueError:
            raise FieldError(errors.BAD_PHONE) from None
    return _clean_url(text, https_only=kind == "https_url")


def clean_fields(
    schema: Mapping[str, Field], body: Mapping[str, Any], *, phone_region: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean every known key present in `body`; unknown keys are ignored, as Close does."""
    cleaned: dict[str, Any] = {}
    field_errors: dict[str, str] = {}
    for name, value in body.items():
        field = schema.get(name)
        if field is None:
            continue
        try:
            cleaned[name] = clean_value(field, value, phone_region=phone_region)
        except FieldError as exc:
            field_errors[name] = str(exc)
    return cleaned, field_errors


def _require_type(value: Any, expected: type, name: str) -> Any:
    # bool is an int in Python but never a valid JSON number for Close.
    if not isinstance(value, expected) or isinstance(value, bool):
        raise FieldError(errors.wrong_type(name))
    return value


def _clean_integer(field: Field, value: Any) -> int:
    number: int = _require_type(value, int, "int")
    if field.maximum is not None and number > field.maximum:
        raise FieldError(errors.too_large(field.maximum))
    if field.minimum is not None and number < field.minimum:
        raise FieldError(errors.too_small(field.minimum))
    return number


def _clean_url(text: str, *, https_only: bool) -> str:
    try:
        web_url(text, schemes=("https",) if https_only else WEB_SCHEMES)
    except ValueError as problem:
        raise FieldError(str(problem)) from None
    return text
