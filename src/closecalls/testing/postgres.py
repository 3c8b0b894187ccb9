"""A throwaway PostgreSQL for tests and benches, and fresh databases on any PostgreSQL.

`TemporaryPostgres` runs a private cluster from the installed server binaries (Debian keeps
them in /usr/lib/postgresql/NN/bin, off PATH). `ScratchDatabases` makes databases owned by
a role that is not a superuser, so that row-level security binds the app as in production;
each is a copy of one migrated template, which takes milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from closecalls.store.postgres_driver import DIRECTORY, PostgresDriver
from closecalls.testing.server import free_port

if TYPE_CHECKING:
    from closecalls.store.postgres_driver import Connection

APP_ROLE = "closecalls_test"
APP_PASSWORD = "closecalls_test"
# PostgreSQL refuses to run as root; as root we run it as the account Debian's package made.
SERVER_ACCOUNT = "postgres"
PREFIX = "closecalls-pg-"
OWNER_FILE = "owner.pid"


def find_bindir() -> Path | None:
    """The folder of `pg_ctl`, `initdb` and `postgres`: PATH first, then Debian's layout."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    found = Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
    versions = sorted(found, key=lambda path: int(re.sub(r"\D", "", path.parts[-3]) or 0))
    return versions[-1].parent if versions else None


class TemporaryPostgres:
    """A private cluster in a temporary folder on a free port, trusting local connections.

    Tests run it without fsync (a crash loses only a throwaway); benches ask for `durable`
    so that PostgreSQL flushes its commits like SQLite's `synchronous=FULL` does.
    """

    def __init__(self, *, durable: bool = False, bindir: Path | None = None) -> None:
        self.durable = durable
        self.bindir = bindir or find_bindir()
        self.port = 0
        self.datadir: Path | None = None
        self._account = _server_account()

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        if self.bindir is None:
            raise RuntimeError(
                "no PostgreSQL server binaries (pg_ctl) found: install Debian's postgresql "
                "package, or set CLOSECALLS_TEST_POSTGRES_URL to a server"
            )
        parent = Path((None if self.durable else _memory_folder()) or tempfile.gettempdir())
        self._discard_abandoned(parent)
        self.datadir = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
        (self.datadir / OWNER_FILE).write_text(str(os.getpid()))
        if self._account is not None:
            os.chown(self.datadir, self._account.pw_uid, self._account.pw_gid)
        try:
            self._initdb_and_start()
        except BaseException:
            self._discard(self.datadir)
            self.datadir = None
            raise

    def _initdb_and_start(self) -> None:
        assert self.datadir is not None and self.bindir is not None
        self._run(
            self.bindir / "initdb", "-D", str(self.datadir / "data"), "-U", "postgres",
            "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        self.port = free_port()
        options = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.datadir}",
            "-c max_connections=200",
        ]
        if not self.durable:
            options += [
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
                "-c wal_level=minimal", "-c max_wal_senders=0", "-c max_wal_size=256MB",
            ]  # fmt: skip
        self._run(
            self.bindir / "pg_ctl", "start", "-w", "-D", str(self.datadir / "data"),
            "-l", str(self.datadir / "server.log"), "-o", " ".join(options),
        )  # fmt: skip

    def stop(self) -> None:
        if self.datadir is not None:
            self._discard(self.datadir)
            self.datadir = None

    def _discard(self, datadir: Path) -> None:
        """Stop a cluster, if it runs, and delete its folder."""
        if self.bindir is not None and (datadir / "data" / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self._run(self.bindir / "pg_ctl", "stop", "-D", str(datadir / "data"),
                          "-m", "immediate")  # fmt: skip
        shutil.rmtree(datadir, ignore_errors=True)

    def _discard_abandoned(self, parent: Path) -> None:
        """Clusters whose test run died without stopping them: in memory they would stay."""
        for datadir in parent.glob(PREFIX + "*"):
            try:
                owner = int((datadir / OWNER_FILE).read_text())
                os.kill(owner, 0)
            except ProcessLookupError:
                self._discard(datadir)
            except (OSError, ValueError):
                continue  # being made right now, or not ours to judge

    def _run(self, *command: str | Path) -> None:
        account = self._account
        done = subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            check=False,
            cwd=tempfile.gettempdir(),
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )
        if done.returncode != 0:
            log = self.datadir / "server.log" if self.datadir else None
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stderr}{done.stdout}{tail}")


def _memory_folder() -> str | None:
    """/dev/shm when it is a roomy tmpfs: a database per test is then a copy in memory.

    On a shared disk each CREATE DATABASE waited hundreds of milliseconds for writes that a
    throwaway never needs; containers often give /dev/shm only 64 MiB, hence the check.
    """
    folder = "/dev/shm"
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        return None
    stats = os.statvfs(folder)
    return folder if stats.f_bavail * stats.f_frsize >= 2 << 30 else None


def _server_account() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        raise RuntimeError(
            f"running as root, and PostgreSQL refuses to: create a {SERVER_ACCOUNT!r} account "
            "(Debian's postgresql package does) or run as another user"
        ) from None


class ScratchDatabases:
    """Fresh databases for the app's role, cloned from one migrated template.

    `admin_url` names a superuser, who alone may set the app role's attributes: the
    throwaway cluster's, or CLOSECALLS_TEST_POSTGRES_URL's.
    """

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._prefix = f"closecalls_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self._prefix}_template"
        self._numbers = itertools.count(1)
        self._created: list[str] = []
        self._strategy = ""

    def app_url(self, database: str) -> str:
        """The URL of `database` as the app's role (no superuser: RLS applies)."""
        parts = urlsplit(self.admin_url)
        host = parts.hostname or "127.0.0.1"
        netloc = f"{APP_ROLE}:{APP_PASSWORD}@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, "/" + quote(database), parts.query, ""))

    def admin_url_for(self, database: str) -> str:
        """The URL of `database` as the administrator (RLS does not bind a superuser)."""
        parts = urlsplit(self.admin_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database), parts.query, ""))

    def setup(self) -> None:
        """Create the app's role and the migrated template."""
        asyncio.run(self._setup())

    def create(self, *, migrated: bool = True) -> str:
        """A new database, migrated and empty unless told otherwise; its URL as the app's role."""
        name = f"{self._prefix}_{next(self._numbers)}"
        template = f"{self.template}{self._strategy}" if migrated else "template0"
        asyncio.run(self._admin(f"CREATE DATABASE {name} TEMPLATE {template} OWNER {APP_ROLE}"))
        self._created.append(name)
        return self.app_url(name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        asyncio.run(self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if name in self._created:
            self._created.remove(name)

    def teardown(self) -> None:
        """Drop every database made here, the template last."""
        statements = [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in self._created]
        statements += [
            f"ALTER DATABASE {self.template} IS_TEMPLATE false",
            f"DROP DATABASE IF EXISTS {self.template} WITH (FORCE)",
        ]
        asyncio.run(self._admin(*statements))
        self._created.clear()

    async def _setup(self) -> None:
        connection = await asyncpg.connect(self.admin_url)
        try:
            with contextlib.suppress(asyncpg.DuplicateObjectError):
                await connection.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}'")
            # Whatever the role was before, it must be bound by row-level security.
            await connection.execute(
                f"ALTER ROLE {APP_ROLE} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE "
                f"LOGIN PASSWORD '{APP_PASSWORD}'"
            )
            await connection.execute(f"CREATE DATABASE {self.template} OWNER {APP_ROLE}")
            # Copying the files of a small template is several times faster than WAL-logging
            # them block by block (PostgreSQL 15's default).
            if connection.get_server_version().major >= 15:
                self._strategy = " STRATEGY FILE_COPY"
        finally:
            await connection.close()
        store = PostgresDriver(self.app_url(self.template), pool_size=1)
        await store.open()
        await store.close()
        await self._admin(f"ALTER DATABASE {self.template} IS_TEMPLATE true")

    async def _admin(self, *statements: str) -> None:
        connection = await asyncpg.connect(self.admin_url)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()


async def each_tenant(url: str) -> AsyncIterator[tuple[str, Connection]]:
    """Every organization of a database, each with a transaction scoped to it.

    For tests and benches that read all a database holds: row-level security shows an
    organization's rows only in its own scope. Consume it to the end, so the store closes.
    """
    store = PostgresDriver(url, pool_size=1)
    await store.open()
    try:
        async with store.transaction(**{DIRECTORY: "on"}) as connection:
            organizations = [
                row[0] for row in await connection.fetch("SELECT id FROM organization")
            ]
        for organization_id in organizations:
            async with store.tenant(organization_id) as connection:
                yield organization_id, connection
    finally:
        await store.close()
