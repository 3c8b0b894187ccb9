"""Contacts found by email address, for lead and contact searches."""

from __future__ import annotations

from closecalls.store.transaction import Driver, one, rows, tenant

# A scan of the organization's contact documents in SQL (no index): the candidates it gives
# are a superset (LIKE's `_` matches any character, case is folded), re-checked by the caller.
BY_EMAIL = {
    False: "SELECT id, parent_id FROM crm_object WHERE organization_id = ? AND kind = 'contact' "
    "AND CAST(document AS TEXT) LIKE ?",
    True: "SELECT id, parent_id FROM crm_object WHERE organization_id = ? AND kind = 'contact' "
    "AND convert_from(document, 'UTF8') ILIKE ?",
}


class ContactLookupStore:
    """The store's lookups of contacts by what they hold."""

    db: Driver

    async def contacts_by_email(self, organization_id: str, email: str) -> list[tuple[str, str]]:
        """(contact id, lead id) of contacts that may have this address."""
        statement = rows(BY_EMAIL[self.db.dialect.numbered], organization_id,
                         f'%"email":"{email}"%')  # fmt: skip
        found = await self.db.read(tenant(organization_id), one, statement)
        return [(str(row[0]), str(row[1])) for row in found]
