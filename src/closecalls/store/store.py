"""The store: every resource's transactions, written once, run by an engine's driver."""

from __future__ import annotations

from closecalls.store.accounts import AccountStore
from closecalls.store.activities import ActivityStore
from closecalls.store.bulk import BulkStore
from closecalls.store.contact_lookup import ContactLookupStore
from closecalls.store.custom_fields import CustomFieldStore
from closecalls.store.idempotency import IdempotencyStore
from closecalls.store.lead_statuses import LeadStatusStore
from closecalls.store.migrations import Migration, load_migrations
from closecalls.store.oauth import OAuthStore
from closecalls.store.objects import ObjectStore
from closecalls.store.organization_settings import OrganizationSettingsStore
from closecalls.store.postgres_driver import PostgresDriver
from closecalls.store.rows import Probe
from closecalls.store.sqlite_driver import SQLiteDriver
from closecalls.store.tasks import TaskStore
from closecalls.store.transaction import DELIVERER, one, value
from closecalls.store.webhooks import WebhookStore


# One base per resource, one per line: a new resource adds its line (docs/store.md).
class Store(
    AccountStore,
    ObjectStore,
    ActivityStore,
    WebhookStore,
    IdempotencyStore,
    BulkStore,
    OAuthStore,
    TaskStore,
    LeadStatusStore,
    CustomFieldStore,
    ContactLookupStore,
    OrganizationSettingsStore,
):
    """Persistence for every resource; methods that touch tenant data take the organization."""

    db: SQLiteDriver | PostgresDriver

    def __init__(self, db: SQLiteDriver | PostgresDriver) -> None:
        self.db = db

    @property
    def applied(self) -> list[Migration]:
        """The migrations the last open applied, in order."""
        return self.db.applied

    async def open(self) -> None:
        await self.db.open()

    async def close(self) -> None:
        await self.db.close()

    async def probe(self) -> Probe:
        """Ask the database for its schema version, writer and webhook queue; raises if down."""
        version = await self.db.read(DELIVERER, one, value(LATEST_MIGRATION))
        pending = await self.db.read(DELIVERER, one, value(PENDING_DELIVERIES))
        latest = load_migrations(self.db.dialect.name)[-1].version
        return Probe(version or 0, latest, self.db.writer_alive, pending)


LATEST_MIGRATION = "SELECT max(version) FROM schema_migration"
PENDING_DELIVERIES = "SELECT count(*) FROM webhook_delivery WHERE status = 'pending'"
