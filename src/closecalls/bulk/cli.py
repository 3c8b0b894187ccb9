"""The `closecalls import` and `closecalls export` commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from typing import IO

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from closecalls.bulk import formats, mappings
from closecalls.bulk.exporter import export_calls, export_query
from closecalls.bulk.importer import BATCH, WORKER_ROWS, ErrorFile, Importer, ImportReport
from closecalls.commandline import (
    WholeNumber,
    command_settings,
    command_user,
    database_option,
    user_option,
    with_store,
)
from closecalls.domain.clock import SystemClock
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.ids import IdSource
from closecalls.domain.principal import Principal
from closecalls.store.store import Store

# Not a credential: imports are not requests, and carry no Idempotency-Key.
IMPORT_CREDENTIAL = "cli_import"


class RateColumn(ProgressColumn):
    """Rows per second so far."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s", style="progress.data.speed")


def progress_bar() -> Progress:
    """A bar with rows done of all, rows per second, time taken and time left."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
    )  # fmt: skip


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@database_option
@click.option(
    "--mapping",
    type=click.Choice(sorted(mappings.MAPPINGS)),
    default=None,
    help="Whose column names the file uses (default: told from its columns; "
    "docs/import-export.md shows each).",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Take a call field from this column (repeat, or separate with commas).",
)
@click.option("--key-column", default=None, help="The column with each row's own call id.")
@click.option("--format", "file_format", type=click.Choice(formats.FORMATS), default=None)
@click.option("--errors", "errors_path", default=None, help="Bad rows (default FILE.errors.csv).")
@user_option
@click.option(
    "--batch", type=WholeNumber(1), default=BATCH, show_default=True, help="Rows per transaction."
)
@click.option(
    "--workers",
    type=WholeNumber(1),
    default=None,
    help="Processes that validate rows (default: one per CPU for files of more than "
    f"{WORKER_ROWS:,} rows; 1 validates in this one).",
)
@click.option(
    "--max-failures",
    default="0",
    show_default=True,
    metavar="N|P%",
    help="Rows that may fail (a count, or a share such as 5%) before the exit status is 1.",
)
def import_command(
    file: str,
    database: str | None,
    mapping: str | None,
    maps: tuple[str, ...],
    key_column: str | None,
    file_format: str | None,
    errors_path: str | None,
    user_id: str | None,
    batch: int,
    workers: int | None,
    max_failures: str,
) -> None:
    """Load calls from a CSV or JSON Lines FILE; running it again loads only what is missing."""
    settings = command_settings(database=database)
    if not os.environ.get("CLOSECALLS_SQLITE_SYNCHRONOUS"):
        # Each batch commits with its natural keys: a power cut can lose only the last few
        # batches, which running the import again loads, so no fsync per batch is needed.
        settings = settings.replace(sqlite_synchronous="NORMAL")
    try:
        file_format = formats.format_of(file, file_format)
        extra = mappings.parse_map(list(maps))
        allowed = failure_threshold(max_failures)
        columns = formats.columns(file, file_format)
        if mapping is None:
            mapping = mappings.detect([*columns, *extra])
            click.echo(f"closecalls: the columns are {mapping}'s (--mapping {mapping})", err=True)
        elif not extra:
            mappings.check_columns(mapping, columns)
        mapper = mappings.mapper(mapping, extra, key_column)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    if batch < 1:
        raise click.UsageError("--batch must be at least 1")
    errors_path = errors_path or f"{file}.errors.csv"
    total = formats.count_rows(file, file_format)
    if workers is None:
        # Processes pay off only for a large file: each costs about 0.6 s of CPU to start.
        workers = (os.cpu_count() or 1) if total > WORKER_ROWS else 1

    async def run(store: Store) -> ImportReport:
        user = await command_user(store, user_id)
        principal = Principal(user.organization_id, user.id, user.display_name, IMPORT_CREDENTIAL)
        clock = SystemClock()
        importer = Importer(
            store, settings, principal, mapper, clock=clock, ids=IdSource(clock), batch=batch,
            workers=workers,
        )  # fmt: skip
        with (
            open(errors_path, "w", newline="", encoding="utf-8") as errors,
            progress_bar() as progress,
        ):
            task = progress.add_task("importing", total=total)
            return await importer.run(
                formats.read_raw(file, file_format),
                ErrorFile(errors),
                lambda rows: progress.advance(task, rows),
                header=columns if file_format == "csv" else None,
            )

    report = with_store(settings, run)
    click.echo(
        f"read {report.rows:,} rows: imported {report.imported:,}, "
        f"skipped {report.skipped:,} imported before, "
        f"repeated {report.repeated:,} (the same call as an earlier row), "
        f"failed {report.failed:,}"
    )
    if report.failed or report.repeated:
        click.echo(f"bad and repeated rows (row, field, message) are in {errors_path}")
    if report.failed > allowed(report.rows):
        raise click.ClickException(
            f"{report.failed:,} of {report.rows:,} rows failed, more than --max-failures "
            f"{max_failures} allows"
        )


def failure_threshold(text: str) -> Callable[[int], float]:
    """`--max-failures`: how many of so many rows may fail (a count, or a percentage)."""
    try:
        if text.strip().endswith("%"):
            share = float(text.strip()[:-1]) / 100
            if 0 <= share <= 1:
                return lambda rows: share * rows
        elif int(text) >= 0:
            return lambda rows: int(text)
    except ValueError:
        pass
    raise ValueError(f"--max-failures takes a count or a percentage such as 5%, not {text!r}")


@click.command("export")
@database_option
@click.option("--output", "-o", default="-", help="The file to write (default: standard output).")
@click.option("--format", "file_format", type=click.Choice(formats.FORMATS), default=None)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="NAME=VALUE",
    help="A filter of GET /activity/call/, e.g. lead_id=lead_x or date_created__gte=2026-01-01.",
)
@user_option
def export_command(
    database: str | None,
    output: str,
    file_format: str | None,
    filters: tuple[str, ...],
    user_id: str | None,
) -> None:
    """Write the organization's calls to CSV or JSON Lines, oldest first, streaming."""
    settings = command_settings(database=database)
    params: dict[str, str] = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.UsageError(f"--filter takes NAME=VALUE, not {item!r}")
        params[name.strip()] = value.strip()
    try:
        file_format = file_format or (formats.format_of(output, None) if output != "-" else "jsonl")
        query = export_query(params)
    except ValidationFailed as failure:
        raise click.UsageError(failure.summary()) from failure
    except ValueError as error:
        raise click.UsageError(str(error)) from error

    async def run(store: Store) -> int:
        user = await command_user(store, user_id)
        total = await store.count_activities(user.organization_id, query)
        target: IO[bytes] = sys.stdout.buffer if output == "-" else open(output, "wb")  # noqa: SIM115
        with nullcontext() if output == "-" else target, progress_bar() as progress:
            task = progress.add_task("exporting", total=total)
            return await export_calls(
                store, user.organization_id, query, target, file_format,
                lambda rows: progress.advance(task, rows),
            )  # fmt: skip

    written = with_store(settings, run)
    click.echo(f"exported {written:,} calls", err=True)
