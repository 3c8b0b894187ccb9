"""The one Settings object: CLI flags, then CLOSECALLS_* environment variables, then defaults."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from closecalls.domain.ratelimits import Limits, Rule, parse_groups

ENV_PREFIX = "CLOSECALLS_"
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")
LOG_LEVELS = ("debug", "info", "warning", "error")
HTTP_SERVERS = ("uvicorn", "granian")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server can be told; each field is also `CLOSECALLS_<NAME>`."""

    database: str = "sqlite:///closecalls.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes on this host (uvicorn workers); more than one needs PostgreSQL.
    workers: int = 1
    # The HTTP server: uvicorn, or granian (its HTTP in Rust; see docs/performance.md).
    http_server: str = "uvicorn"
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
    # Close's rate limits: requests per API key per endpoint group per window (the organization
    # may make three times as many); `rate_limit_groups` overrides groups, e.g.
    # "GET /lead/=600, POST /activity/=100". Off, nothing is counted.
    rate_limits: bool = True
    rate_limit: int = 320
    rate_limit_window: float = 8.0
    rate_limit_groups: str = ""
    # Keep rate-limit buckets in this Redis instead of the database or the process.
    redis: str | None = None
    # Enables the admin API under /_closecalls/ (the testing toolkit); unset means it is off.
    admin_token: str | None = None
    # strict answers exactly as Close does; loose also journals a warning per unknown field.
    mode: str = "strict"
    # Write the event log (and so deliver webhooks); off, a create costs about half the CPU.
    record_events: bool = True
    # The event log keeps events this long (Close: 30 days); older ones are pruned.
    event_retention_days: float = 30.0
    # Run the webhook delivery loop in each server process; off when `closecalls worker`s do.
    deliver_webhooks: bool = True
    # Deliver to private and loopback addresses: for emulating Close beside the receiver.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = 10.0
    # Failed deliveries back off exponentially from the base to the cap (Close: 20 minutes),
    # for up to retry_for (Close: 72 hours); a subscription failing for pause_after pauses.
    webhook_retry_base_seconds: float = 10.0
    webhook_retry_cap_seconds: float = 1200.0
    webhook_retry_for_seconds: float = 259_200.0
    webhook_pause_after_seconds: float = 259_200.0
    # How often an idle deliverer looks for new events and due retries.
    webhook_poll_seconds: float = 0.5
    # How long an Idempotency-Key (an extension, not Close) is remembered: 24 hours.
    idempotency_key_seconds: int = 86_400
    # Logs: `info` writes one access-log line per request; `json` is one object per line.
    log_level: str = "info"
    log_format: str = "text"
    # Prometheus metrics at /metrics (they hold counts and timings, no tenant data).
    metrics: bool = True

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
        scheme, sep, _ = self.database.partition("://")
        if sep and scheme not in DATABASE_SCHEMES:
            raise ValueError(
                f"database: {scheme}:// is not supported; use sqlite:///path.db, a file path "
                "or postgresql://user:password@host/name"
            )
        if scheme == "sqlite" and not self.database.startswith("sqlite:///"):
            raise ValueError("database: a SQLite URL names a file: sqlite:///path/to/file.db")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, not {self.port}")
        if self.log_level not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of {', '.join(LOG_LEVELS)}")
        if self.http_server not in HTTP_SERVERS:
            raise ValueError(f"http_server must be one of {', '.join(HTTP_SERVERS)}")
        if self.log_format not in ("text", "json"):
            raise ValueError("log_format must be text or json")
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
        if self.rate_limit < 1 or self.rate_limit_window <= 0:
            raise ValueError("rate_limit must be at least 1 and rate_limit_window above 0")
        parse_groups(self.rate_limit_groups, self.rate_limit_window)
        if self.redis is not None and not self.redis.startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError("redis must be a redis://, rediss:// or unix:// URL")
        if min(self.event_retention_days, self.webhook_timeout_seconds,
               self.webhook_retry_base_seconds, self.webhook_retry_cap_seconds,
               self.webhook_retry_for_seconds, self.webhook_pause_after_seconds,
               self.webhook_poll_seconds) <= 0:  # fmt: skip
            raise ValueError("retention, webhook timeouts, delays and periods must be positive")
        if self.workers > 1 and not self.database.startswith(("postgres://", "postgresql://")):
            # Each SQLite process has its own writer: they would queue on the file's lock.
            raise ValueError("several workers need a PostgreSQL database (one process per SQLite)")
        if self.mode not in ("strict", "loose"):
            raise ValueError("mode must be strict or loose")
        if self.mode == "loose" and not self.admin_token:
            raise ValueError("loose mode writes its warnings to the journal: set admin_token")
        if self.admin_token and self.workers > 1:
            # The toolkit's clocks, journal and faults live in the server's memory.
            raise ValueError("the admin API needs a single worker")

    def limits(self) -> Limits:
        """The rate-limit rules these settings describe."""
        default = Rule(self.rate_limit, self.rate_limit_window)
        return Limits(default, parse_groups(self.rate_limit_groups, self.rate_limit_window))

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
    try:
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError:
        raise ValueError(
            f"{ENV_PREFIX}{field.name.upper()} must be a number, not {raw!r}"
        ) from None
    return raw
