"""The HTTP transport webhooks go out on: it connects only to the address it checked.

Checking a name and then letting the client resolve it again to connect leaves a gap a
name that answers differently the second time (DNS rebinding) walks through. Here the
name is resolved once, every answer is checked, and the socket is opened to a checked
address; the request keeps the name for its Host header, and TLS for SNI and the
certificate, because httpcore starts TLS with the URL's host whatever address it dialled.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx

from closecalls.domain.webhooks import is_public_address


async def resolve(host: str, port: int) -> list[str]:
    """The addresses a name resolves to, in the resolver's order; an address is itself."""
    with contextlib.suppress(ValueError):
        return [str(ipaddress.ip_address(host))]
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(address[0]) for *_, address in found))


class CheckedAddressBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections to a host's checked addresses, never to a fresh lookup of it."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not self._allow_private:
            for address in addresses:
                if not is_public_address(address):
                    raise httpcore.ConnectError(
                        f"refused: {host} resolves to a private address ({address})"
                    )
        failure: Exception = httpcore.ConnectError(f"cannot resolve {host}: no address")
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are delivered over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a pool whose connections go through CheckedAddressBackend."""

    def __init__(self, *, verify: bool, allow_private: bool) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(verify=verify, trust_env=False, limits=limits)
        # httpx builds its pool with httpcore's default backend and offers no parameter for
        # another: the pool is replaced with one like it (httpx's default limits, so a
        # pass's deliveries all go at once) on the checking backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedAddressBackend(allow_private=allow_private),
        )
