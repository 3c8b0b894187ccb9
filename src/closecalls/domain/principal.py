"""Who is calling: the organization and user behind a credential."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller; every store call is scoped to its organization."""

    organization_id: str
    user_id: str
    user_name: str
    credential_id: str
