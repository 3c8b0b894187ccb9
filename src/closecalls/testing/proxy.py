"""`closecalls proxy` in a subprocess, as a user runs it: for tests and benches."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from closecalls.testing.server import free_port


@dataclass
class RunningProxy:
    """`closecalls proxy` in a subprocess: its URL, report token and output."""

    url: str
    token: str
    log: Path


@contextmanager
def running_proxy(upstream_api: str, database: str, workdir: Path, *arguments: str,
                  environment: dict[str, str] | None = None) -> Iterator[RunningProxy]:  # fmt: skip
    """Starts `closecalls proxy` to a local (http) upstream, and stops it with SIGTERM."""
    port, log = free_port(), workdir / "proxy.log"
    command = [sys.executable, "-m", "closecalls", "proxy", "--upstream", upstream_api,
               "--allow-http", "--port", str(port), "--database", database, *arguments]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSECALLS_")}
    env.update(environment or {})
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/_parity/report.json").status_code == 401:
                    break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"proxy did not start: {log.read_text()}") from None
                time.sleep(0.1)
        token = re.search(r"report token: (\S+)", log.read_text())
        if token is None:
            raise RuntimeError(f"proxy printed no report token: {log.read_text()}")
        yield RunningProxy(url, token.group(1), log)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
