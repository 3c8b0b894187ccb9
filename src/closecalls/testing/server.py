"""A real closecalls server in a subprocess: for tests where the edge is the point, and benches."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

# Benches measure capacity, which Close's default rate limits would cap at 40 requests/s.
UNLIMITED = {"CLOSECALLS_RATE_LIMITS": "off"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """`closecalls serve` on a free port, started and stopped like a user would."""

    def __init__(
        self,
        database: str,
        api_key: str,
        workdir: Path,
        *,
        environment: dict[str, str] | None = None,
        workers: int = 1,
        arguments: tuple[str, ...] = (),
    ) -> None:
        self.database = database
        self.workers = workers
        # More `serve` options, such as `--admin` or `--seed FILE`.
        self.arguments = arguments
        self.api_key = api_key
        self.workdir = workdir
        # CLOSECALLS_* settings for the server; when they name the bootstrap key, no flag does.
        self.environment = environment or {}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.output = workdir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v1/"

    def start(self, timeout: float = 20.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSECALLS_")}
        env.update(self.environment)
        command = [sys.executable, "-m", "closecalls", "serve", "--port", str(self.port),
                   "--database", self.database, "--workers", str(self.workers)]  # fmt: skip
        if "CLOSECALLS_BOOTSTRAP_KEY" not in self.environment:
            command += ["--bootstrap-key", self.api_key]
        command += self.arguments
        with self.output.open("ab") as log:
            # Workers get a process group of their own, so that a hard kill takes them too.
            self.process = subprocess.Popen(
                command, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=self.workers > 1,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"server exited: {self.output.read_text()}")
            try:
                # Our key must work: another server could hold a port we were told was free.
                me = httpx.get(self.api_url + "me/", auth=(self.api_key, ""), timeout=1)
                if me.status_code == 200 and self.process.poll() is None:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop(signal.SIGKILL)
        raise TimeoutError(f"server did not start: {self.output.read_text()}")

    def peak_rss_kib(self) -> int:
        """The server's peak resident memory so far (Linux), in KiB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM in /proc status")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if sig == signal.SIGKILL and self.workers > 1:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=20)
        self.process = None
        return code

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(self.api_key, ""), timeout=30)

    def parallel(
        self, requests: list[tuple[str, str, Any]], workers: int = 64
    ) -> list[httpx.Response]:
        """Send (method, path, json) requests from many threads at once, answers in order.

        Threads with the sync client, because httpx's async client costs milliseconds
        of client CPU per request and would measure itself instead of the server.
        """
        limits = httpx.Limits(max_connections=workers)
        with (
            httpx.Client(
                base_url=self.url, auth=(self.api_key, ""), timeout=60, limits=limits
            ) as client,
            ThreadPoolExecutor(workers) as pool,
        ):
            return list(pool.map(lambda r: client.request(r[0], r[1], json=r[2]), requests))
