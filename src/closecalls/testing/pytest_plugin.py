"""closecalls' pytest fixtures, registered by `pip install closecalls` (entry point `pytest11`).

- `closecalls_server`: a real server on a free port with its own database, one per session
  (so one per pytest-xdist worker).
- `closecalls_org`: a fresh organization, user and API key per test on that server, so
  parallel tests never see each other's data and nothing needs a global reset.
- `closecalls_client`: an httpx client for a fresh organization of an app in this process,
  for tests that want no sockets (`closecalls_inprocess_org` gives its organization).
- `@pytest.mark.closecalls_seed({...})`: seed data (users, lead statuses, custom fields,
  outcomes, leads, contacts, calls) the test's fresh organization starts with.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from closecalls.testing.admin_client import AdminClient, TestOrganization


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "closecalls_seed(data): seed data the test's fresh organization starts with"
    )


def _seeded(organization: TestOrganization, request: pytest.FixtureRequest) -> TestOrganization:
    marker = request.node.get_closest_marker("closecalls_seed")
    if marker is not None:
        organization.seed(marker.args[0])
    return organization


@dataclass(frozen=True)
class CloseCallsServer:
    """A running closecalls with the admin API on."""

    url: str
    admin_token: str
    admin: AdminClient

    def new_organization(self, name: str = "closecalls") -> TestOrganization:
        return self.admin.create_organization(name)


@pytest.fixture(scope="session")
def closecalls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloseCallsServer]:
    """`closecalls serve` on a free port with a SQLite database of its own."""
    from closecalls.testing.server import LiveServer

    workdir = tmp_path_factory.mktemp("closecalls")
    token = "adm_" + secrets.token_urlsafe(24)
    for attempt in range(3):
        server = LiveServer(
            f"sqlite:///{workdir / 'closecalls.db'}", "api_" + secrets.token_urlsafe(24),
            workdir, environment={"CLOSECALLS_ADMIN_TOKEN": token},
        )  # fmt: skip
        try:
            server.start()
            break
        except RuntimeError:
            # Another process (an xdist worker) took the free port first: pick another.
            if attempt == 2:
                raise
    admin = AdminClient(server.url, token)
    try:
        yield CloseCallsServer(server.url, token, admin)
    finally:
        admin.close()
        server.stop()


@pytest.fixture
def closecalls_org(
    closecalls_server: CloseCallsServer, request: pytest.FixtureRequest
) -> Iterator[TestOrganization]:
    """A fresh organization on the session's server: `.base_url`, `.api_key`, `.api`, admin ops."""
    organization = closecalls_server.new_organization(request.node.name[:200])
    try:
        yield _seeded(organization, request)
    finally:
        organization.close()


@pytest.fixture(scope="session")
def closecalls_inprocess(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminClient]:
    """The app in this process (no sockets), with the admin API on; yields its admin client."""
    from closecalls.app import build_app
    from closecalls.settings import Settings
    from closecalls.testing.inprocess import InProcessApp

    workdir = tmp_path_factory.mktemp("closecalls-inprocess")
    token = "adm_" + secrets.token_urlsafe(24)
    settings = Settings.load(
        {"database": f"sqlite:///{workdir / 'closecalls.db'}", "admin_token": token}, environ={}
    )
    server = InProcessApp(build_app(settings))
    server.start()
    admin = AdminClient("http://closecalls", token, transport=server.transport())
    try:
        yield admin
    finally:
        admin.close()
        server.stop()


@pytest.fixture
def closecalls_inprocess_org(
    closecalls_inprocess: AdminClient, request: pytest.FixtureRequest
) -> Iterator[TestOrganization]:
    organization = closecalls_inprocess.create_organization(request.node.name[:200])
    try:
        yield _seeded(organization, request)
    finally:
        organization.close()


@pytest.fixture
def closecalls_client(closecalls_inprocess_org: TestOrganization) -> httpx.Client:
    """An httpx client on the in-process API root, signed in as a fresh organization."""
    return closecalls_inprocess_org.client()
