"""The `closecalls proxy` and `closecalls replay` commands."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterable
from pathlib import Path

import click

from closecalls.commandline import database_option
from closecalls.parity.cassette import CassetteError, CassetteWriter, read_cassette
from closecalls.parity.exchange import Exchange
from closecalls.parity.local import Local, LocalKeyMissing
from closecalls.parity.proxy import CLOSE_API, REPORT_PATH, Proxy, UnsafeUpstream, check_upstream
from closecalls.parity.replay import Replayer
from closecalls.parity.report import Report
from closecalls.settings import Settings

local_key_option = click.option(
    "--local-key", envvar="CLOSECALLS_PARITY_LOCAL_KEY", default=None,
    help="API key of the local organization (default: made on an empty database; env "
    "CLOSECALLS_PARITY_LOCAL_KEY).",
)  # fmt: skip
tolerance_option = click.option(
    "--time-tolerance", type=float, default=60.0, show_default=True,
    help="Seconds two server-made timestamps may differ by and still count as the same.",
)  # fmt: skip


def _local(database: str | None, local_key: str | None) -> Local:
    try:
        settings = Settings.load({"database": database})
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    return Local(settings, local_key)


@click.command()
@click.option("--upstream", default=CLOSE_API, show_default=True, help="The API to forward to.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=8010, show_default=True, help="Port to listen on.")
@database_option
@local_key_option
@click.option(
    "--cassette",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Record every exchange to this file (credentials are never written).",
)
@click.option(
    "--redact",
    is_flag=True,
    help="Also replace phone numbers, emails and names "
    "in the cassette, consistently, so that it still replays.",
)
@click.option(
    "--allow-http",
    is_flag=True,
    help="Allow a plain http:// upstream (for a local one; Close is https).",
)
@tolerance_option  # fmt: skip
def proxy(
    upstream: str,
    host: str,
    port: int,
    database: str | None,
    local_key: str | None,
    cassette: Path | None,
    redact: bool,
    allow_http: bool,
    time_tolerance: float,
) -> None:
    """Forward requests to Close, replay each against closecalls and report every difference."""
    import uvicorn

    try:
        upstream = check_upstream(upstream, allow_http=allow_http)
    except UnsafeUpstream as error:
        raise click.UsageError(str(error)) from error
    report_token = secrets.token_urlsafe(24)
    writer = None
    if cassette is not None:
        writer = CassetteWriter(cassette, upstream=upstream, redact_personal=redact)
    app = Proxy(upstream=upstream, local=_local(database, local_key), report_token=report_token,
                tolerance_seconds=time_tolerance, cassette=writer)  # fmt: skip
    base = f"http://{host}:{port}"
    click.echo(f"closecalls: point the integration at {base}{app.prefix} (upstream {upstream})")
    click.echo(f"closecalls: report at {base}{REPORT_PATH} and {base}/#/parity, "
               f"report token: {report_token}")  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command()
@click.argument("cassette", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
@local_key_option
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the parity report here as JSON.",
)
@tolerance_option  # fmt: skip
def replay(
    cassette: Path,
    database: str | None,
    local_key: str | None,
    report_file: Path | None,
    time_tolerance: float,
) -> None:
    """Re-run a recorded session against closecalls; exit 1 when any answer differs."""
    try:
        _, exchanges = read_cassette(cassette)
        report = asyncio.run(_replay_all(_local(database, local_key), exchanges, time_tolerance))
    except (CassetteError, LocalKeyMissing) as error:
        raise click.ClickException(str(error)) from error
    if report_file is not None:
        report_file.write_text(json.dumps(report.document(), indent=2) + "\n", encoding="utf-8")
    click.echo(report.summary())
    if report.differing:
        raise SystemExit(1)


async def _replay_all(local: Local, exchanges: Iterable[Exchange], tolerance: float) -> Report:
    await local.start()
    try:
        replayer = Replayer(local, tolerance_seconds=tolerance)
        for exchange in exchanges:
            await replayer.replay(exchange)
        return replayer.report
    finally:
        await local.stop()
