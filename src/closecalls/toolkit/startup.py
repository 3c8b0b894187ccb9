"""What `closecalls serve` does for the toolkit before it serves: a token and the seed file."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from closecalls.domain.principal import Principal
from closecalls.http.errors import ApiError
from closecalls.settings import Settings
from closecalls.toolkit.seed import Seeder, parse_seed
from closecalls.toolkit.tenancy import current_organization

if TYPE_CHECKING:
    from closecalls.accounts import Bootstrap


def new_admin_token() -> str:
    return "adm_" + secrets.token_urlsafe(24)


async def load_seed_file(settings: Settings, bootstrap: Bootstrap, path: str) -> dict[str, int]:
    """Load the file into the first organization through an app of its own; counts per section."""
    from closecalls.app import build_app

    data = parse_seed(Path(path).read_bytes(), "json" if path.endswith(".json") else "yaml")
    app = build_app(settings)
    await app.startup()
    try:
        user, organization = bootstrap.user, bootstrap.organization
        principal = Principal(organization.id, user.id, user.display_name, "seed")
        token = current_organization.set(organization.id)
        try:
            result = await Seeder(app.services, app.router, principal).load(data)
        finally:
            current_organization.reset(token)
    finally:
        await app.shutdown()
    return {section: len(ids) for section, ids in result["created"].items()}


def seed_message(settings: Settings, bootstrap: Bootstrap, path: str) -> str:
    """Seed an empty database (a second start must not load the file twice)."""
    import click

    if not bootstrap.created:
        return f"existing database: {path} not loaded again"
    try:
        counts = asyncio.run(load_seed_file(settings, bootstrap, path))
    except ApiError as error:
        raise click.ClickException(f"seed file {path}: {error.message}") from error
    loaded = ", ".join(f"{count} {section}" for section, count in counts.items()) or "nothing"
    return f"loaded {path}: {loaded}"
