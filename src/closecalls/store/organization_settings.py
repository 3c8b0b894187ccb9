"""An organization's own settings: its name and currency."""

from __future__ import annotations

from closecalls.store.transaction import Driver, Transaction, one, run, tenant, value

GET_CURRENCY = "SELECT currency FROM organization WHERE id = ?"
RENAME = "UPDATE organization SET name = ? WHERE id = ?"
SET_CURRENCY = "UPDATE organization SET currency = ? WHERE id = ?"


def update(organization_id: str, name: str | None, currency: str | None) -> Transaction[None]:
    if name is not None:
        yield run(RENAME, name, organization_id)
    if currency is not None:
        yield run(SET_CURRENCY, currency, organization_id)


class OrganizationSettingsStore:
    """The store's organization settings methods."""

    db: Driver

    async def organization_currency(self, organization_id: str) -> str:
        found = await self.db.read(tenant(organization_id), one,
                                   value(GET_CURRENCY, organization_id))  # fmt: skip
        return str(found or "USD")

    async def update_organization(
        self, organization_id: str, *, name: str | None, currency: str | None
    ) -> None:
        await self.db.write(tenant(organization_id), update, organization_id, name, currency)
