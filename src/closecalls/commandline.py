"""What the commands share: the database and user options, settings, a store for their length."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from closecalls.settings import Settings
from closecalls.store import create_store
from closecalls.store.rows import User
from closecalls.store.store import Store

T = TypeVar("T")

database_option = click.option(
    "--database",
    default=None,
    help="sqlite:///path.db (default sqlite:///closecalls.db), a bare file path, or "
    "postgresql://user:password@host/name; env CLOSECALLS_DATABASE.",
)

user_option = click.option(
    "--user", "user_id", default=None, help="A user of the organization (default: its first)."
)


def command_settings(**overrides: Any) -> Settings:
    try:
        return Settings.load(overrides)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


async def command_user(store: Store, user_id: str | None) -> User:
    """The user `user_id` of the organization, or its first user."""
    owner = await organization_owner(store)
    if user_id is None:
        return owner
    found = await store.users_by_id(owner.organization_id, [user_id])
    if not found:
        raise click.ClickException(f"no user {user_id} in the organization")
    return found[0]


async def organization_owner(store: Store) -> User:
    organization = await store.first_organization()
    user = organization and await store.organization_owner(organization.id)
    if not user:
        raise click.ClickException("the database is empty: start `closecalls serve` once first")
    return user


def with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    async def run() -> T:
        store = create_store(settings)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())
