"""Start-up checks: everything `serve` needs is tried before it serves, each failure one line."""

from __future__ import annotations

import asyncio
import errno
import socket
import sqlite3
from urllib.parse import urlsplit

import asyncpg
import redis.asyncio
import redis.exceptions

from closecalls.settings import Settings
from closecalls.store.postgres_driver import is_postgres_url

CONNECT_SECONDS = 5.0


class StartupError(Exception):
    """A setting that cannot work here; the message is the whole explanation."""


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now, so that a port in use is known before anything else."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as error:
        raise StartupError(f"cannot listen on {host}: {error.strerror}") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise StartupError(f"port {port} on {host} is in use by another program") from None
        if error.errno == errno.EACCES:
            raise StartupError(f"not allowed to listen on port {port} (below 1024?)") from None
        raise StartupError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


async def check_redis(url: str) -> None:
    """Refuse a Redis that does not answer PING."""
    client = redis.asyncio.Redis.from_url(url, socket_connect_timeout=CONNECT_SECONDS)
    try:
        await asyncio.wait_for(client.ping(), CONNECT_SECONDS)
    except (redis.exceptions.RedisError, OSError, TimeoutError) as error:
        raise StartupError(f"cannot reach Redis at {_where(url)}: {_reason(error)}") from None
    finally:
        await client.aclose()


def explain(error: BaseException, settings: Settings | None = None) -> str | None:
    """One line for an operator's mistake (a database that cannot be reached...); else None."""
    database = _where(settings.database) if settings else "the database"
    if isinstance(error, StartupError):
        return str(error)
    if isinstance(
        error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        return f"PostgreSQL at {database} refused the login: {error}"
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return f"PostgreSQL at {database}: {error}"
    if isinstance(error, asyncpg.PostgresError):
        return f"PostgreSQL at {database}: {error}"
    if (
        isinstance(error, OSError | TimeoutError)
        and settings
        and is_postgres_url(settings.database)
    ):
        return f"cannot reach PostgreSQL at {database}: {_reason(error)}"
    if isinstance(error, sqlite3.Error):
        return f"SQLite database {database}: {error}"
    if isinstance(error, OSError):
        return f"{error.filename}: {_reason(error)}" if error.filename else _reason(error)
    return None


def _where(url: str) -> str:
    """A URL without its password, for messages."""
    parts = urlsplit(url)
    if not parts.scheme or parts.scheme == "sqlite":
        return url.removeprefix("sqlite:///")
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _reason(error: BaseException) -> str:
    if isinstance(error, redis.exceptions.ConnectionError) and error.__context__ is not None:
        error = error.__context__
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return "no answer in time"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return str(error) or type(error).__name__
