"""The `closecalls` command: serve, keys and tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from closecalls import accounts
from closecalls.domain.clock import SystemClock
from closecalls.domain.ids import IdSource
from closecalls.settings import Settings
from closecalls.store import create_store
from closecalls.store.base import Store, User

T = TypeVar("T")

database_option = click.option(
    "--database",
    default=None,
    help="sqlite:///path.db (default sqlite:///closecalls.db) or a bare file path; "
    "env CLOSECALLS_DATABASE.",
)


@click.group()
@click.version_option(package_name="closecalls")
def main() -> None:
    """closecalls: Close CRM's call-activity API, self-hosted."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@database_option
@click.option(
    "--bootstrap-key",
    default=None,
    help="Use this API key for the first organization (env CLOSECALLS_BOOTSTRAP_KEY).",
)
def serve(
    host: str | None, port: int | None, database: str | None, bootstrap_key: str | None
) -> None:
    """Start the API server, creating an organization and API key on an empty database."""
    import uvicorn

    from closecalls.app import build_app

    settings = _settings(host=host, port=port, database=database, bootstrap_key=bootstrap_key)
    result = _with_store(
        settings,
        lambda store: accounts.bootstrap(
            store, clock=SystemClock(), ids=IdSource(SystemClock()), api_key=settings.bootstrap_key
        ),
    )
    if result.created:
        click.echo(
            f"closecalls: created organization {result.organization.id} on {settings.database}"
        )
    if result.api_key is not None:
        click.echo(f"closecalls: API key: {result.api_key}")
    else:
        click.echo("closecalls: existing database; `closecalls keys create` makes a new API key")
    click.echo(f"closecalls: serving http://{settings.host}:{settings.port}/api/v1/", err=True)
    uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_level="warning")


@main.group()
def keys() -> None:
    """Create and revoke API keys."""


@keys.command("create")
@database_option
def keys_create(database: str | None) -> None:
    """Print a new API key for the organization."""
    settings = _settings(database=database)

    async def create(store: Store) -> str:
        user = await _owner(store)
        return await accounts.create_api_key(store, user=user, clock=SystemClock())

    click.echo(_with_store(settings, create))


@keys.command("revoke")
@click.argument("key")
@database_option
def keys_revoke(key: str, database: str | None) -> None:
    """Revoke an API key: it stops working within a second."""
    settings = _settings(database=database)
    if not _with_store(settings, lambda store: accounts.revoke_api_key(store, key)):
        raise click.ClickException("no such active API key")
    click.echo("revoked")


@main.group()
def tokens() -> None:
    """Issue OAuth bearer access tokens."""


@tokens.command("create")
@database_option
@click.option("--expires-in", type=int, default=None, help="Lifetime in seconds (default 3600).")
def tokens_create(database: str | None, expires_in: int | None) -> None:
    """Print a new bearer access token for the organization's first user."""
    settings = _settings(database=database, access_token_seconds=expires_in)

    async def create(store: Store) -> str:
        user = await _owner(store)
        clock = SystemClock()
        return await accounts.create_access_token(
            store,
            user=user,
            clock=clock,
            ids=IdSource(clock),
            lifetime_seconds=settings.access_token_seconds,
        )

    click.echo(_with_store(settings, create))


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.load(overrides)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


async def _owner(store: Store) -> User:
    organization = await store.first_organization()
    user = organization and await store.organization_owner(organization.id)
    if not user:
        raise click.ClickException("the database is empty: start `closecalls serve` once first")
    return user


def _with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    async def run() -> T:
        store = create_store(settings)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())
