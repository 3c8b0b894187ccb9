"""Users, memberships and the organization in Close's shapes, and `PUT /organization/` rules."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.ids import encode_base62

ADMIN, USER = "admin", "user"
# Close's predefined roles grant these; custom roles are not implemented.
PERMISSIONS = {
    ADMIN: ["bulk_delete", "bulk_edit", "bulk_email", "bulk_sequences", "export",
            "manage_organization", "manage_others_activities", "merge_leads",
            "manage_group_phone_numbers", "manage_integrations", "view_others_activities"],
    USER: ["bulk_edit", "bulk_email", "export", "merge_leads", "view_others_activities"],
}  # fmt: skip
_CURRENCY = re.compile(r"^[A-Z]{3}$")
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "$", "NZD": "$",
                    "JPY": "¥", "CNY": "¥", "INR": "₹", "CHF": "CHF", "BRL": "R$",
                    "MXN": "$", "SEK": "kr", "NOK": "kr", "DKK": "kr", "PLN": "zł"}  # fmt: skip


def membership_id(organization_id: str, user_id: str) -> str:
    """A membership's id, stable for a user in an organization."""
    digest = int.from_bytes(hashlib.sha256(f"{organization_id}:{user_id}".encode()).digest())
    return f"memb_{encode_base62(digest % 62**43, 43)}"


def membership(
    user: Mapping[str, Any], *, organization_id: str, role: str, nested_user: bool
) -> dict[str, Any]:
    """A membership with the user's data prefixed `user_`, or nested as `user`."""
    document: dict[str, Any] = {
        "id": membership_id(organization_id, user["id"]),
        "organization_id": organization_id,
        "user_id": user["id"],
        "role_id": role,
        "role": role,
        "permissions_granted": PERMISSIONS[role],
        "auto_record_calls": "unset",
        "is_active": True,
    }
    if nested_user:
        document["user"] = dict(user)
        return document
    full_name = f"{user['first_name']} {user['last_name']}".strip()
    document.update({
        "user_email": user["email"], "user_first_name": user["first_name"],
        "user_last_name": user["last_name"], "user_full_name": full_name,
        "user_image": user["image"], "user_phone": None, "user_phone_formatted": None,
    })  # fmt: skip
    return document


def parse_expand(raw: str | None) -> bool:
    """Whether `_expand` asks for nested users; anything else it names is refused."""
    if raw is None or raw.strip() == "":
        return False
    wanted = {part.strip() for part in raw.split(",") if part.strip()}
    unknown = wanted - {"memberships__user", "inactive_memberships__user"}
    if unknown:
        raise ValidationFailed(errors=[f"Unsupported _expand: {', '.join(sorted(unknown))}."])
    return True


def validate_update(body: Mapping[str, Any]) -> dict[str, Any]:
    """`PUT /organization/{id}/`: `name`, `currency` and the order of `lead_statuses`."""
    cleaned: dict[str, Any] = {}
    field_errors: dict[str, str] = {}
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip():
            field_errors["name"] = errors.REQUIRED
        elif "\x00" in name:
            field_errors["name"] = errors.NUL_CHARACTER
        else:
            cleaned["name"] = name.strip()
    if "currency" in body:
        currency = body["currency"]
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            field_errors["currency"] = errors.NOT_A_CHOICE
        else:
            cleaned["currency"] = currency
    if "lead_statuses" in body:
        cleaned["lead_statuses"] = body["lead_statuses"]
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def organization(
    base: Mapping[str, Any],
    *,
    currency: str,
    memberships: Sequence[dict[str, Any]],
    lead_statuses: Sequence[Mapping[str, Any]],
    lead_custom_fields: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The organization as `GET /organization/{id}/` returns it."""
    return {
        **base,
        "currency": currency,
        "currency_symbol": CURRENCY_SYMBOLS.get(currency, currency),
        "status": "active",
        "user_count": len(memberships),
        "lead_statuses": [{"id": status["id"], "label": status["label"]}
                          for status in lead_statuses],
        "opportunity_statuses": [],
        "lead_custom_fields": list(lead_custom_fields),
        "memberships": list(memberships),
        "inactive_memberships": [],
    }  # fmt: skip
