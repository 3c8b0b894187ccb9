"""The one Settings object: CLI flags, then CLOSECALLS_* environment variables, then defaults."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

ENV_PREFIX = "CLOSECALLS_"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server can be told; each field is also `CLOSECALLS_<NAME>`."""

    database: str = "sqlite:///closecalls.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes on this host (uvicorn workers); more than one needs PostgreSQL.
    workers: int = 1
    bootstrap_key: str | None = None
    # An acknowledged write must survive power loss: FULL, unless the operator says otherwise.
    sqlite_synchronous: str = "FULL"
    # Connections each server process may hold open to PostgreSQL.
    postgres_pool_size: int = 10
    max_body_bytes: int = 1_048_576
    phone_region: str = "US"
    auth_cache_seconds: float = 1.0
    access_token_seconds: int = 3600
    # Link a call with no lead or contact to the contact whose phone matches, as dialers expect.
    match_phone: bool = False
    # How long an Idempotency-Key (an extension, not Close) is remembered: 24 hours.
    idempotency_key_seconds: int = 86_400

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Build settings from explicit overrides (None means unset) over the environment."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(ENV_PREFIX + field.name.upper())
            if raw is not None and raw != "":
                values[field.name] = _convert(field, raw)
        for name, value in (overrides or {}).items():
            if value is not None:
                values[name] = value
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that cannot work, with a message that says which."""
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        if self.sqlite_synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError("sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA")
        if not 0 <= self.auth_cache_seconds <= 1:
            raise ValueError("auth_cache_seconds must be between 0 and 1 (revocation promise)")
        if self.idempotency_key_seconds < 1:
            raise ValueError("idempotency_key_seconds must be at least 1")
        if self.workers < 1 or self.postgres_pool_size < 1:
            raise ValueError("workers and postgres_pool_size must be at least 1")
        if self.workers > 1 and not self.database.startswith(("postgres://", "postgresql://")):
            # Each SQLite process has its own writer: they would queue on the file's lock.
            raise ValueError("several workers need a PostgreSQL database (one process per SQLite)")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def environment(self) -> dict[str, str]:
        """These settings as CLOSECALLS_* variables, for processes that load their own."""
        return {
            ENV_PREFIX + field.name.upper(): str(value)
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None
        }


def _convert(field: dataclasses.Field[Any], raw: str) -> Any:
    kind = field.type if isinstance(field.type, str) else field.type.__name__
    if kind == "bool":
        if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(f"{ENV_PREFIX}{field.name.upper()} must be true or false")
        return raw.lower() in ("1", "true", "yes", "on")
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("float"):
        return float(raw)
    return raw
