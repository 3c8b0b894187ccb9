"""The store contract: the only place SQL lives and the organization filter is applied."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from closecalls.domain.idempotency import IdempotencyKey, StoredKey
from closecalls.domain.listing import ActivityQuery
from closecalls.store.events import (
    EventRow,
    Recorder,
    RemovalRecorder,
    WebhookStore,
)
from closecalls.store.rows import (
    ActivityRow,
    Credential,
    CredentialMatch,
    ObjectRow,
    Organization,
    User,
)

if TYPE_CHECKING:
    from closecalls.domain.statuses import LeadStatus
    from closecalls.store.bulk import Keyed
    from closecalls.store.custom_fields import CustomFieldRow
    from closecalls.store.lead_statuses import Relabel


class Store(WebhookStore, Protocol):
    """Persistence for every resource; methods that touch tenant data take the organization."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    # Accounts -------------------------------------------------------------------------
    async def create_organization(
        self, organization: Organization, user: User, credentials: Iterable[Credential]
    ) -> None: ...

    async def first_organization(self) -> Organization | None: ...

    async def organization_owner(self, organization_id: str) -> User | None: ...

    async def add_user(self, user: User) -> None: ...

    async def add_credential(self, credential: Credential) -> None: ...

    async def revoke_credential(self, kind: str, lookup: str, secret_hash: bytes) -> bool: ...

    async def find_credential(self, kind: str, lookup: str) -> CredentialMatch | None: ...

    async def users_by_id(self, organization_id: str, user_ids: Iterable[str]) -> list[User]: ...

    async def get_organization(self, organization_id: str, wanted_id: str) -> Organization | None:
        """The organization `wanted_id`, if it is the caller's own (`organization_id`)."""
        ...

    async def list_users(
        self, organization_id: str, *, limit: int, skip: int
    ) -> tuple[list[User], bool]: ...

    async def reset_organization(self, organization_id: str) -> None:
        """Delete the organization's activities, leads, contacts and outcomes; keep its users."""
        ...

    # Leads, contacts and outcomes ------------------------------------------------------
    async def insert_objects(
        self, rows: Iterable[ObjectRow], *, events: Sequence[EventRow] = ()
    ) -> None:
        """Insert objects and the events they cause in one transaction (a lead with contacts)."""
        ...

    async def get_objects(
        self, organization_id: str, kind: str, object_ids: Iterable[str]
    ) -> dict[str, bytes]: ...

    async def find_objects(
        self, organization_id: str, object_ids: Iterable[str]
    ) -> dict[str, tuple[str, str | None]]:
        """Which of these ids exist, as (kind, parent): one query for all a body names."""
        ...

    async def update_object(
        self,
        organization_id: str,
        kind: str,
        object_id: str,
        change: Callable[[bytes], ObjectRow],
        *,
        record: Recorder | None = None,
    ) -> bytes | None:
        """Apply `change` atomically; `record(before, after)` gives the events to write with it."""
        ...

    async def delete_object(
        self,
        organization_id: str,
        kind: str,
        object_id: str,
        *,
        record: RemovalRecorder | None = None,
    ) -> bool: ...

    async def delete_lead(
        self, organization_id: str, lead_id: str, *, record: RemovalRecorder | None = None
    ) -> bool:
        """Delete a lead with its contacts and its activities, as Close does.

        `record` is given every (kind or activity type, document) removed.
        """
        ...

    async def list_objects(
        self,
        organization_id: str,
        kind: str,
        *,
        parent_ids: tuple[str, ...] | None,
        limit: int,
        skip: int,
        newest_first: bool,
    ) -> tuple[list[bytes], bool]: ...

    async def count_objects(
        self, organization_id: str, kind: str, *, parent_ids: tuple[str, ...] | None
    ) -> int: ...

    async def contacts_by_phone(self, organization_id: str, phone: str) -> list[tuple[str, str]]:
        """(contact id, lead id) of contacts with this E.164 number, newest first."""
        ...

    # Lead statuses, custom fields, organization settings (issue 17) -------------------
    async def lead_statuses(self, organization_id: str) -> list[LeadStatus]:
        """The organization's statuses in order; empty while it has Close's defaults."""
        ...

    async def save_lead_status(
        self, organization_id: str, defaults: Sequence[LeadStatus], status: LeadStatus,
        *, relabel: Relabel,
    ) -> LeadStatus:  # fmt: skip
        """Insert or change a status; a new label is carried onto the leads that have it."""
        ...

    async def reorder_lead_statuses(
        self, organization_id: str, defaults: Sequence[LeadStatus],
        order: Callable[[list[LeadStatus]], list[LeadStatus]],
    ) -> list[LeadStatus]: ...  # fmt: skip

    async def delete_lead_status(
        self, organization_id: str, defaults: Sequence[LeadStatus], status_id: str,
        *, in_use: Callable[[list[bytes]], int],
    ) -> tuple[str, int]:  # fmt: skip
        """("missing" | "in_use" | "last" | "deleted", how many leads have it)."""
        ...

    async def update_lead(
        self, organization_id: str, lead_id: str, change: Callable[[bytes], ObjectRow],
        *, record: Recorder | None,
        activity: Callable[[bytes, bytes], tuple[ActivityRow, Sequence[EventRow]] | None],
    ) -> bytes | None:  # fmt: skip
        """Update a lead; the activity its change causes is written in the same transaction."""
        ...

    async def insert_custom_field(self, row: CustomFieldRow) -> None: ...

    async def get_custom_field(
        self, organization_id: str, object_type: str, field_id: str
    ) -> bytes | None: ...

    async def list_custom_fields(
        self, organization_id: str, object_type: str, *, limit: int, skip: int
    ) -> tuple[list[bytes], bool]: ...

    async def update_custom_field(
        self, organization_id: str, object_type: str, field_id: str,
        change: Callable[[bytes], bytes],
    ) -> bytes | None: ...  # fmt: skip

    async def delete_custom_field(
        self, organization_id: str, object_type: str, field_id: str,
        *, strip: Callable[[bytes], tuple[bytes, Sequence[EventRow]] | None],
    ) -> bool:  # fmt: skip
        """Delete a definition and every value it held, with the objects' events."""
        ...

    async def contacts_by_email(self, organization_id: str, email: str) -> list[tuple[str, str]]:
        """(contact id, lead id) of contacts that may have this address (a superset)."""
        ...

    async def organization_currency(self, organization_id: str) -> str: ...

    async def update_organization(
        self, organization_id: str, *, name: str | None, currency: str | None
    ) -> None: ...

    # Activities -----------------------------------------------------------------------
    async def insert_activity(
        self,
        row: ActivityRow,
        *,
        events: Sequence[EventRow] = (),
        idempotency: IdempotencyKey | None = None,
    ) -> None:
        """Insert one activity and the events it causes in one transaction; with a claimed
        idempotency key, record the answer in the same transaction."""
        ...

    async def insert_activities(self, rows: Iterable[ActivityRow]) -> None:
        """Insert many activities in one transaction (bulk loads)."""
        ...

    async def get_activity(
        self, organization_id: str, type: str, activity_id: str
    ) -> bytes | None: ...

    async def update_activity(
        self,
        organization_id: str,
        type: str,
        activity_id: str,
        change: Callable[[bytes], ActivityRow],
        *,
        record: Recorder | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> bytes | None:
        """Apply `change` to the stored document atomically; None if there is no such activity.

        `change` may raise to refuse the update, which then changes nothing;
        `record(before, after)` gives the events written in the same transaction, and a
        claimed idempotency key records the answer in it too.
        """
        ...

    async def delete_activity(
        self,
        organization_id: str,
        type: str,
        activity_id: str,
        *,
        record: RemovalRecorder | None = None,
    ) -> bool: ...

    async def list_activities(
        self, organization_id: str, query: ActivityQuery
    ) -> tuple[list[bytes], bool]:
        """One page of documents in the query's order, and whether more follow."""
        ...

    # Idempotency-Key (an extension, not Close) -----------------------------------------
    async def claim_idempotency_key(
        self, key: IdempotencyKey, *, now: int, expires_at: int, stale_before: int
    ) -> StoredKey | None:
        """Claim the key for this request (None), or what an earlier request stored under it.

        Expired keys are forgotten first, and so is a claim left unfinished since
        `stale_before` (its process died).
        """
        ...

    async def release_idempotency_key(self, key: IdempotencyKey) -> None:
        """Forget an unfinished claim: the request failed, and a retry may run it afresh."""
        ...

    # Bulk import and export -------------------------------------------------------------
    async def import_activities(self, organization_id: str, rows: list[Keyed]) -> int:
        """Insert, in one transaction, the calls whose natural keys were never imported.

        Each key is recorded with its call; how many calls were inserted.
        """
        ...

    async def count_activities(self, organization_id: str, query: ActivityQuery) -> int:
        """How many activities the query's filters match (paging aside)."""
        ...

    def export_activities(
        self, organization_id: str, query: ActivityQuery, *, batch: int = 5_000
    ) -> AsyncIterator[list[bytes]]:
        """Every document the query's filters match, in its order, a batch at a time."""
        ...
