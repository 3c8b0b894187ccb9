"""The `closecalls` command: serve, keys, tokens, migrate, migrate-data, import and export."""

from __future__ import annotations

import asyncio
import json
import os
from contextlib import nullcontext
from typing import TypeVar

import click

from closecalls import accounts
from closecalls.bulk.cli import export_command, import_command
from closecalls.commandline import (
    command_settings,
    command_user,
    database_option,
    organization_owner,
    user_option,
    with_store,
)
from closecalls.domain.clock import SystemClock
from closecalls.domain.ids import IdSource
from closecalls.store import migrate, sqlite_path
from closecalls.store.postgres_driver import PostgresDriver, is_postgres_url
from closecalls.store.store import Store
from closecalls.toolkit.startup import new_admin_token, seed_message

T = TypeVar("T")


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
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Server processes on this host (default 1); more than one needs PostgreSQL "
    "(env CLOSECALLS_WORKERS).",
)
@click.option(
    "--match-phone",
    is_flag=True,
    default=None,
    help="Link calls with no lead or contact to the contact with the same phone number "
    "(env CLOSECALLS_MATCH_PHONE).",
)
@click.option(
    "--rate-limits",
    type=click.Choice(["on", "off"]),
    default=None,
    help="Enforce Close's rate limits (default on; env CLOSECALLS_RATE_LIMITS).",
)
@click.option(
    "--redis",
    default=None,
    help="Keep rate-limit state in this Redis, redis://host:6379/0 (env CLOSECALLS_REDIS).",
)
@click.option(
    "--admin",
    is_flag=True,
    default=False,
    help="Turn on the admin API under /_closecalls/ with a new admin token, printed "
    "(or set CLOSECALLS_ADMIN_TOKEN).",
)
@click.option(
    "--seed",
    "seed_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Load this YAML or JSON seed file into the first organization of an empty database.",
)
@click.option("--mode", type=click.Choice(["strict", "loose"]), default=None,
              help="strict (default) or loose: journal a warning per unknown field "
              "(env CLOSECALLS_MODE; needs the admin API).")  # fmt: skip
def serve(
    host: str | None,
    port: int | None,
    database: str | None,
    bootstrap_key: str | None,
    workers: int | None,
    match_phone: bool | None,
    rate_limits: str | None,
    redis: str | None,
    admin: bool,
    seed_file: str | None,
    mode: str | None,
) -> None:
    """Start the API server, creating an organization and API key on an empty database."""
    import uvicorn

    admin_token = new_admin_token() if admin else None
    settings = command_settings(
        host=host, port=port, database=database, bootstrap_key=bootstrap_key, workers=workers,
        match_phone=match_phone, redis=redis, admin_token=admin_token, mode=mode,
        rate_limits=None if rate_limits is None else rate_limits == "on",
    )  # fmt: skip

    result = with_store(settings, lambda store: first_start(store, settings.bootstrap_key))
    if result.created:
        click.echo(
            f"closecalls: created organization {result.organization.id} on {settings.database}"
        )
    if seed_file is not None:
        click.echo(f"closecalls: {seed_message(settings, result, seed_file)}")
    if admin_token is not None:
        click.echo(f"closecalls: admin token: {admin_token}")
    if result.api_key is not None:
        click.echo(f"closecalls: API key: {result.api_key}")
    else:
        click.echo("closecalls: existing database; `closecalls keys create` makes a new API key")
    click.echo(f"closecalls: serving http://{settings.host}:{settings.port}/api/v1/", err=True)
    # Workers are fresh processes: they read the settings back from the environment.
    os.environ.update(settings.environment())
    uvicorn.run(
        "closecalls.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="warning",
    )


@main.group()
def keys() -> None:
    """Create and revoke API keys."""


@keys.command("create")
@database_option
@user_option
def keys_create(database: str | None, user_id: str | None) -> None:
    """Print a new API key for a user of the organization."""
    settings = command_settings(database=database)

    async def create(store: Store) -> str:
        user = await command_user(store, user_id)
        return await accounts.create_api_key(store, user=user, clock=SystemClock())

    click.echo(with_store(settings, create))


@keys.command("revoke")
@click.argument("key")
@database_option
def keys_revoke(key: str, database: str | None) -> None:
    """Revoke an API key: it stops working within a second."""
    settings = command_settings(database=database)
    if not with_store(settings, lambda store: accounts.revoke_api_key(store, key)):
        raise click.ClickException("no such active API key")
    click.echo("revoked")


@main.group()
def tokens() -> None:
    """Issue OAuth bearer access tokens."""


@tokens.command("create")
@database_option
@user_option
@click.option("--expires-in", type=int, default=None, help="Lifetime in seconds (default 3600).")
def tokens_create(database: str | None, user_id: str | None, expires_in: int | None) -> None:
    """Print a new bearer access token for a user of the organization."""
    settings = command_settings(database=database, access_token_seconds=expires_in)

    async def create(store: Store) -> str:
        user = await command_user(store, user_id)
        clock = SystemClock()
        return await accounts.create_access_token(
            store,
            user=user,
            clock=clock,
            ids=IdSource(clock),
            lifetime_seconds=settings.access_token_seconds,
        )

    click.echo(with_store(settings, create))


@main.group()
def users() -> None:
    """Add users to the organization."""


@users.command("create")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--email", default=None)
@database_option
def users_create(first_name: str, last_name: str, email: str | None, database: str | None) -> None:
    """Add a user and print it, with a new API key of its own, as JSON."""
    settings = command_settings(database=database)

    async def create(store: Store) -> dict[str, str | None]:
        owner, clock = await organization_owner(store), SystemClock()
        user = await accounts.create_user(
            store, organization_id=owner.organization_id, first_name=first_name,
            last_name=last_name, email=email, clock=clock, ids=IdSource(clock),
        )  # fmt: skip
        key = await accounts.create_api_key(store, user=user, clock=clock)
        return {
            "id": user.id, "first_name": first_name, "last_name": last_name, "email": email,
            "organization_id": user.organization_id, "api_key": key,
        }  # fmt: skip

    click.echo(json.dumps(with_store(settings, create)))


async def first_start(store: Store, api_key: str | None) -> accounts.Bootstrap:
    """Find or make the first organization; servers starting at once make only one."""
    alone = store.db.exclusively() if isinstance(store.db, PostgresDriver) else nullcontext()
    async with alone:
        clock = SystemClock()
        return await accounts.bootstrap(store, clock=clock, ids=IdSource(clock), api_key=api_key)


@main.command("worker")
@database_option
def worker(database: str | None) -> None:
    """Deliver webhooks (alongside servers started with CLOSECALLS_DELIVER_WEBHOOKS=false)."""
    from closecalls.webhooks.worker import run_worker

    settings = command_settings(database=database)
    click.echo(f"closecalls: delivering webhooks from {settings.database}", err=True)
    asyncio.run(run_worker(settings))


@main.command("migrate")
@database_option
def migrate_command(database: str | None) -> None:
    """Apply the schema migrations the database lacks (`serve` also does, on start)."""
    settings = command_settings(database=database)
    applied = asyncio.run(migrate(settings))
    for migration in applied:
        click.echo(f"applied {migration.version:04d}_{migration.name}")
    click.echo("schema up to date")


@main.command("migrate-data")
@click.option("--from", "source", required=True, help="The SQLite database: sqlite:///path.db.")
@click.option("--to", "target", required=True, help="An empty PostgreSQL: postgresql://...")
def migrate_data(source: str, target: str) -> None:
    """Copy everything from a SQLite file into an empty PostgreSQL database, then verify it."""
    from rich.progress import Progress

    from closecalls.store.transfer import SQLiteToPostgres, TransferError

    if is_postgres_url(source) or not is_postgres_url(target):
        raise click.UsageError("copy from a SQLite file (--from) to PostgreSQL (--to)")
    transfer = SQLiteToPostgres(sqlite_path(source), target)
    try:
        total = sum(transfer.source_counts().values())
        with Progress(transient=True) as progress:
            copying = progress.add_task("copying", total=total)
            verifying = progress.add_task("verifying", total=total)
            reports = asyncio.run(
                transfer.run(
                    copied=lambda rows: progress.advance(copying, rows),
                    verified=lambda rows: progress.advance(verifying, rows),
                )
            )
    except TransferError as error:
        raise click.ClickException(str(error)) from error
    for report in reports:
        click.echo(f"{report.name:<24} {report.rows:>12,} rows  checksum {report.checksum[:16]}")
    click.echo(f"copied and verified {sum(report.rows for report in reports):,} rows")


main.add_command(import_command)
main.add_command(export_command)
