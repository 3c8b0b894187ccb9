"""What the store reads and writes: accounts, activities, leads, contacts and outcomes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    name: str
    date_created: str


@dataclass(frozen=True, slots=True)
class User:
    id: str
    organization_id: str
    first_name: str
    last_name: str
    email: str | None
    date_created: str

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class Credential:
    """An API key or OAuth access token, as stored: never the secret, only its hash."""

    id: str
    kind: str
    organization_id: str
    user_id: str
    lookup: str
    secret_hash: bytes
    date_created: str
    expires_at: int | None = None
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class CredentialMatch:
    """A credential found by its lookup prefix, with its user's name for the caller."""

    credential: Credential
    user_name: str


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """An activity's indexed columns and its full JSON document."""

    id: str
    organization_id: str
    type: str
    lead_id: str | None
    contact_id: str | None
    user_id: str | None
    date_created: int
    activity_at: int
    document: bytes


@dataclass(frozen=True, slots=True)
class ObjectRow:
    """A lead, contact or outcome: its kind, parent (a contact's lead) and JSON document."""

    id: str
    organization_id: str
    kind: str
    parent_id: str | None
    date_created: int
    document: bytes
    phones: tuple[str, ...] = ()
