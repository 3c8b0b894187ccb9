"""Contacts found by email address, for lead and contact searches."""

from __future__ import annotations

from closecalls.store.document_match import document_like, holding
from closecalls.store.transaction import Driver, one, rows, tenant

# A scan of the organization's contact documents in SQL (no index), re-checked by the caller.
BY_EMAIL = (
    "SELECT id, parent_id FROM crm_object WHERE organization_id = ? AND kind = 'contact' AND "
)


class ContactLookupStore:
    """The store's lookups of contacts by what they hold."""

    db: Driver

    async def contacts_by_email(self, organization_id: str, email: str) -> list[tuple[str, str]]:
        """(contact id, lead id) of contacts that may have this address."""
        sql = BY_EMAIL + document_like(self.db.dialect.numbered)
        statement = rows(sql, organization_id, holding(f'"email":"{email}"'))
        found = await self.db.read(tenant(organization_id), one, statement)
        return [(str(row[0]), str(row[1])) for row in found]
