"""Schema migrations, one folder of numbered SQL files per dialect."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: str) -> list[Migration]:
    """Every migration for a dialect, in version order."""
    folder = resources.files(__package__).joinpath(dialect)
    migrations = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, rest = entry.name.partition("_")
            migrations.append(Migration(int(version), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(migrations, key=lambda migration: migration.version)
