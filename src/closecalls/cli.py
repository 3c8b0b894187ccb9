"""The `closecalls` command: serve, keys, tokens, apps, migrate, migrate-data, import, export."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from closecalls import accounts, logs, startup
from closecalls import apps as oauth_apps
from closecalls.bulk.cli import export_command, import_command
from closecalls.commandline import (
    DEBUG,
    SETTINGS,
    WholeNumber,
    command_settings,
    command_user,
    database_option,
    organization_owner,
    user_option,
    with_store,
)
from closecalls.domain.clock import SystemClock
from closecalls.domain.ids import IdSource
from closecalls.parity import cli as parity_commands
from closecalls.settings import Settings
from closecalls.store import migrate, sqlite_path
from closecalls.store.postgres_driver import is_postgres_url
from closecalls.store.store import Store
from closecalls.toolkit.startup import new_admin_token, seed_message

T = TypeVar("T")


class Commands(click.Group):
    """The command group: an operator's mistake ends in one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            message = startup.explain(error, ctx.meta.get(SETTINGS))
            if message is None or ctx.meta.get(DEBUG):
                raise
            raise click.ClickException(message) from None


@click.group(cls=Commands)
@click.version_option(package_name="closecalls")
@click.option("--debug", is_flag=True, help="Show the traceback of an operator's mistake too.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """closecalls: Close CRM's call-activity API, self-hosted."""
    ctx.meta[DEBUG] = debug


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
    "--server",
    "http_server",
    type=click.Choice(["uvicorn", "granian"]),
    default=None,
    help="The HTTP server: uvicorn (default) or granian, whose HTTP is in Rust (install "
    "closecalls[granian]; env CLOSECALLS_HTTP_SERVER).",
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
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="info (default) logs each request; env CLOSECALLS_LOG_LEVEL.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="text (default) or json, one object per line; env CLOSECALLS_LOG_FORMAT.",
)
def serve(
    host: str | None,
    port: int | None,
    database: str | None,
    bootstrap_key: str | None,
    workers: int | None,
    http_server: str | None,
    match_phone: bool | None,
    rate_limits: str | None,
    redis: str | None,
    admin: bool,
    seed_file: str | None,
    mode: str | None,
    log_level: str | None,
    log_format: str | None,
) -> None:
    """Start the API server, creating an organization and API key on an empty database."""
    admin_token = new_admin_token() if admin else None
    settings = command_settings(
        host=host, port=port, database=database, bootstrap_key=bootstrap_key, workers=workers,
        http_server=http_server, match_phone=match_phone, redis=redis, admin_token=admin_token,
        mode=mode, rate_limits=None if rate_limits is None else rate_limits == "on",
        log_level=log_level, log_format=log_format,
    )  # fmt: skip
    # Every check before anything is written: the port, then Redis, then the database.
    with startup.bind(settings.host, settings.port) as listening:
        if settings.redis:
            asyncio.run(startup.check_redis(settings.redis))

        result = with_store(
            settings, lambda store: accounts.first_start(store, settings.bootstrap_key)
        )
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
            click.echo(
                "closecalls: existing database; `closecalls keys create` makes a new API key"
            )
        # Workers are fresh processes: they read the settings back from the environment.
        os.environ.update(settings.environment())
        logs.configure(settings.log_level, settings.log_format)
        _run_server(settings, listening)


def _run_server(settings: Settings, listening: socket.socket) -> None:
    """Serve on the bound socket; say so once it accepts connections."""
    host, port = listening.getsockname()[:2]
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def announce() -> None:
        click.echo(f"closecalls: serving {base}/api/v1/ (web UI {base}/)", err=True)

    if settings.http_server == "granian":
        _run_granian(settings, listening, announce)
    else:
        _run_uvicorn(settings, listening, announce)


def _run_uvicorn(
    settings: Settings, listening: socket.socket, announce: Callable[[], None]
) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                announce()

    config = uvicorn.Config(
        "closecalls.app:app_from_environment", factory=True, workers=settings.workers,
        log_config=None, access_log=False, lifespan="on",
    )  # fmt: skip
    if settings.workers == 1:
        Server(config).run(sockets=[listening])
        return
    announce()
    Multiprocess(config, sockets=[listening]).run()


def _run_granian(
    settings: Settings, listening: socket.socket, announce: Callable[[], None]
) -> None:
    """granian's processes: a supervisor and `workers` workers, each with the application.

    granian binds its own socket in each worker, so the one that proved the port free is
    closed just before (another program could take the port in between: it is then
    granian's error that says so). SIGTERM drains as uvicorn does: the supervisor stops
    its workers, which answer what they have taken in, then run the application's shutdown.
    """
    try:
        from granian.constants import HTTPModes, Interfaces, Loops
        from granian.log import LogLevels
        from granian.server.mp import MPServer
    except ImportError:
        raise click.UsageError(
            "--server granian needs granian: pip install 'closecalls[granian]'"
        ) from None

    host, port = listening.getsockname()[:2]

    class Granian(MPServer):
        def startup(self, *args: Any, **kwargs: Any) -> None:
            super().startup(*args, **kwargs)  # type: ignore[no-untyped-call]
            threading.Thread(target=_announce_when_accepting, args=(host, port, announce),
                             daemon=True).start()  # fmt: skip

    listening.close()
    Granian(
        "closecalls.app:app_from_environment", address=host, port=port, factory=True,
        interface=Interfaces.ASGI, workers=settings.workers, loop=Loops.uvloop,
        http=HTTPModes.http1, websockets=False, log_access=False,
        log_level=LogLevels.debug if settings.log_level == "debug" else LogLevels.warning,
    ).serve()  # fmt: skip


def _announce_when_accepting(host: str, port: int, announce: Callable[[], None]) -> None:
    """Announce once a worker accepts connections (it has run the application's start-up)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
        except OSError:
            time.sleep(0.05)
            continue
        announce()
        return


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
@click.option(
    "--expires-in",
    type=WholeNumber(1, accounts.MAX_ACCESS_TOKEN_SECONDS),
    default=None,
    help="Lifetime in seconds (default 3600, at most ten years).",
)
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
def apps() -> None:
    """Register OAuth apps (what Close calls OAuth Apps under Settings → Developer)."""


@apps.command("create")
@click.option("--name", required=True, help="The app's name, shown on the consent page.")
@click.option(
    "--redirect-uri", "redirect_uris", multiple=True, required=True,
    help="Where users are sent back after consenting; repeat for more than one.",
)  # fmt: skip
@click.option("--client-id", default=None, help="Use this client id (default: a new one).")
@click.option("--client-secret", default=None, help="Use this secret (default: a new one).")
@database_option
def apps_create(
    name: str, redirect_uris: tuple[str, ...], client_id: str | None, client_secret: str | None,
    database: str | None,
) -> None:  # fmt: skip
    """Register an app for the organization; print it, with its client secret, as JSON."""
    settings = command_settings(database=database)

    async def create(store: Store) -> dict[str, object]:
        owner = await organization_owner(store)
        try:
            registered = await oauth_apps.register_app(
                store, organization_id=owner.organization_id, name=name,
                redirect_uris=redirect_uris, clock=SystemClock(), client_id=client_id,
                client_secret=client_secret,
            )  # fmt: skip
        except oauth_apps.InvalidRedirectUris as problem:
            raise click.BadParameter(str(problem), param_hint="--redirect-uri") from None
        return registered.document()

    click.echo(json.dumps(with_store(settings, create)))


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


@main.command("worker")
@database_option
def worker(database: str | None) -> None:
    """Deliver webhooks (alongside servers started with CLOSECALLS_DELIVER_WEBHOOKS=false)."""
    from closecalls.webhooks.worker import run_worker

    settings = command_settings(database=database)
    logs.configure(settings.log_level, settings.log_format)
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
    command_settings(database=target)
    if not Path(sqlite_path(source)).is_file():
        raise click.UsageError(f"--from: there is no SQLite database at {sqlite_path(source)}")
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
main.add_command(parity_commands.proxy)
main.add_command(parity_commands.replay)
