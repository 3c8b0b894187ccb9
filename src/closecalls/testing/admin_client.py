"""A client for the admin API, and the test organization the pytest fixtures hand out."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

ADMIN_PREFIX = "/_closecalls"


class AdminClient:
    """Talks to one server's /_closecalls/ routes with its admin token."""

    def __init__(self, url: str, token: str, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url
        self.transport = transport
        self.http = httpx.Client(
            base_url=url + ADMIN_PREFIX, transport=transport, timeout=30,
            headers={"authorization": f"Bearer {token}"},
        )  # fmt: skip

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def create_organization(self, name: str = "closecalls") -> TestOrganization:
        made = self.call("POST", "/organizations/", json={"name": name})
        return TestOrganization(
            admin=self, organization_id=made["organization"]["id"],
            user_id=made["user"]["id"], api_key=made["api_key"],
        )  # fmt: skip

    def close(self) -> None:
        self.http.close()


@dataclass
class TestOrganization:
    """A fresh organization with its first user and API key, and the admin operations on it."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    admin: AdminClient
    organization_id: str
    user_id: str
    api_key: str
    _clients: list[httpx.Client] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """The API root a Close client is given: `http://host:port/api/v1/`."""
        return self.admin.url + "/api/v1/"

    @property
    def oauth_url(self) -> str:
        """Where Close's OAuth endpoints are: `http://host:port/oauth2/` (not under /api/v1/)."""
        return self.admin.url + "/oauth2/"

    @cached_property
    def api(self) -> Any:
        """A `closeio_api.API` for this organization (needs the `closeio` package)."""
        from closeio_api import API  # type: ignore[import-untyped]

        return API(self.base_url, api_key=self.api_key)

    def client(self) -> httpx.Client:
        """An httpx client on the API root, signed in with this organization's key."""
        client = httpx.Client(
            base_url=self.base_url, auth=(self.api_key, ""), transport=self.admin.transport,
            timeout=30,
        )  # fmt: skip
        self._clients.append(client)
        return client

    def _path(self, suffix: str) -> str:
        return f"/organizations/{self.organization_id}/{suffix}"

    def fault(
        self, method: str = "*", path: str = "*", *, status: int | None = None,
        times: int = 1, delay: float = 0, drop: bool = False, retry_after: int = 1,
        after: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """Make the next `times` requests matching `method` and `path` (a glob) fail.

        `after=True` serves the request first, so its write happens and only the answer fails.
        """
        spec = {"method": method, "path": path, "status": status, "times": times, "delay": delay,
                "drop": drop, "retry_after": retry_after, "after": after}  # fmt: skip
        result: dict[str, Any] = self.admin.call("POST", self._path("faults/"), json=spec)
        return result

    def journal(self, **filters: str | int) -> list[dict[str, Any]]:
        """Requests and responses so far, oldest first; filter by method, path, status, after."""
        params = {name: str(value) for name, value in filters.items()}
        entries: list[dict[str, Any]] = self.admin.call(
            "GET", self._path("journal/"), params=params
        )["data"]
        return entries

    def clear_journal(self) -> None:
        self.admin.call("DELETE", self._path("journal/"))

    def set_clock(self, now: str, *, frozen: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = self.admin.call(
            "PUT", self._path("clock/"), json={"now": now, "frozen": frozen}
        )
        return result

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = self.admin.call(
            "POST", self._path("clock/advance/"), json={"seconds": seconds}
        )
        return result

    def seed_ids(self, seed: int) -> None:
        self.admin.call("PUT", self._path("ids/"), json={"seed": seed})

    def set_mode(self, mode: str) -> None:
        self.admin.call("PUT", self._path("mode/"), json={"mode": mode})

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """Load seed data (users, lead statuses, custom fields, outcomes, leads, contacts,
        calls); returns ids and names."""
        result: dict[str, Any] = self.admin.call("POST", self._path("seed/"), json=data)
        return result

    def create_user(self, first_name: str, last_name: str = "", **extra: Any) -> dict[str, Any]:
        body = {"first_name": first_name, "last_name": last_name, **extra}
        result: dict[str, Any] = self.admin.call("POST", self._path("users/"), json=body)
        return result

    def create_app(
        self, name: str = "closecalls app", redirect_uris: tuple[str, ...] | list[str] = (
            "http://localhost/callback",), **chosen: str,
    ) -> dict[str, Any]:  # fmt: skip
        """Register an OAuth app; answers `client_id` and `client_secret` (chosen, or new)."""
        body = {"name": name, "redirect_uris": list(redirect_uris), **chosen}
        result: dict[str, Any] = self.admin.call("POST", self._path("apps/"), json=body)
        return result

    def authorize(
        self, authorization_url: str, *, allow: bool = True, user_id: str | None = None
    ) -> str:
        """Consent to the app's authorization URL as the user would; where they are sent back.

        The organization's first user grants (or, with `allow=False`, declines) unless
        `user_id` names another. No browser is involved.
        """
        query = parse_qsl(urlsplit(authorization_url).query, keep_blank_values=True)
        body: dict[str, Any] = {**dict(query), "allow": allow}
        if user_id is not None:
            body["user_id"] = user_id
        decision = self.admin.call("POST", self._path("oauth2/authorize/"), json=body)
        location: str = decision["redirect_to"]
        return location

    def reset(self) -> None:
        self.admin.call("POST", self._path("reset/"))

    def close(self) -> None:
        for client in self._clients:
            client.close()
        if "api" in self.__dict__:
            self.api.session.close()
