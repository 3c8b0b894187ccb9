"""Durable creates and reads against the hardware's ceiling and a FastAPI baseline, in one run.

Run: .venv/bin/python -m bench.http_throughput [--seconds 10] [--connections 64]

Each server runs pinned to core 0; wrk (Debian's `wrk`, installed if missing) drives it
from core 1 over loopback. Variants: the ceiling (bench/ceiling.py: decode and echo, no
auth, no storage), closecalls' POST /api/v1/activity/call/ on SQLite with
synchronous=FULL, closecalls' GET of one call, and the FastAPI + pydantic + aiosqlite
baseline doing the same create (bench/fastapi_baseline.py).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from closecalls.testing.server import free_port

KEY = "api_throughputthroughput0.throughputthroughput0"
BODY = {
    "direction": "outbound", "status": "completed", "source": "External",
    "disposition": "answered", "duration": 345, "phone": "+16505551234",
    "note": "Discussed pricing.\nFollow up next week.", "quality_info": "mos=4.3",
    "recording_url": "https://recordings.example.com/calls/8f1c2a.mp3",
    "voicemail_url": None, "activity_at": "2026-01-09T14:30:00+00:00",
    "custom_fields": {"campaign": "spring", "agent_score": 4},
    "conversation_type_id": "convtype_demo", "playbook_id": "playbook_main",
    "note_html": None, "user_id": None, "created_by_id": None, "organization_id": None,
}  # fmt: skip
SERVER_CORE, LOAD_CORE = "0", "1"


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    peak_rss_mib: float


def ensure_wrk() -> str:
    """wrk from Debian's package; installed here when missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return shutil.which("wrk") or "wrk"
    raise SystemExit("wrk is needed: apt-get install wrk")


def _to_ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"wrk latency {text!r}")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(
    wrk: str, url: str, script: str, seconds: int, connections: int
) -> tuple[float, float, float, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    command = ["taskset", "-c", LOAD_CORE, wrk, "-t1", f"-c{connections}", f"-d{seconds}s",
               "--latency", "-s", lua.name, url]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    patterns = (r"Requests/sec:\s+([\d.]+)", r"^\s+50%\s+(\S+)$", r"^\s+99%\s+(\S+)$")
    found = [re.search(pattern, output, re.M) for pattern in patterns]
    if not all(found):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    rate, p50, p99 = (match.group(1) for match in found if match)
    rate_value, p50_ms, p99_ms = float(rate), _to_ms(p50), _to_ms(p99)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return rate_value, p50_ms, p99_ms, (int(bad.group(1)) if bad else 0) + (1 if errors else 0)


def lua(
    method: str, body: dict[str, object] | None, key: str | None, *, fresh_phone: bool = False
) -> str:
    """A wrk script; `fresh_phone` puts a new random number in every request's body."""
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if body is not None and fresh_phone:
        template = json.dumps({**body, "phone": "PHONE"})
        lines += [
            f"local template = {json.dumps(template)}",
            "request = function()",
            '  local number = "+1650" .. tostring(math.random(2000000, 9999999))',
            '  return wrk.format(nil, nil, nil, (template:gsub("PHONE", number)))',
            "end",
        ]
    elif body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
    if key is not None:
        token = base64.b64encode(f"{key}:".encode()).decode()
        lines.append(f'wrk.headers["Authorization"] = "Basic {token}"')
    return "\n".join(lines) + "\n"


class Server:
    """A server process pinned to the server core."""

    def __init__(self, command: list[str], env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.command = [arg.replace("{port}", str(self.port)) for arg in command]
        self.env = {**os.environ, **env}
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, *self.command], cwd=self.workdir, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError(" ".join(self.command))

    def peak_rss_mib(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)


def measure(
    name: str, server: Server, path: str, script: str, args: argparse.Namespace, wrk: str
) -> Result:
    url = f"http://127.0.0.1:{server.port}{path}"
    run_wrk(wrk, url, script, 1, args.connections)  # warm up
    rate, p50, p99, errors = run_wrk(wrk, url, script, args.seconds, args.connections)
    return Result(name, rate, p50, p99, errors, server.peak_rss_mib())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    wrk = ensure_wrk()
    python = sys.executable
    uvicorn = [python, "-m", "uvicorn", "--port", "{port}", "--log-level", "warning",
               "--no-access-log"]  # fmt: skip
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="closecalls-http-") as folder:
        workdir = Path(folder)
        create = lua("POST", BODY, KEY)
        with Server([*uvicorn, "bench.ceiling:app"], {"PYTHONPATH": str(Path.cwd())}, workdir) as s:
            results.append(measure("ceiling: decode + echo, no storage", s, "/", create, args, wrk))
        database = str(workdir / "closecalls.db")
        closecalls = [python, "-m", "closecalls", "serve", "--port", "{port}",
                      "--database", database, "--bootstrap-key", KEY,
                      "--rate-limits", "off"]  # fmt: skip
        with Server(closecalls, {}, workdir) as s:
            base = f"http://127.0.0.1:{s.port}/api/v1/"
            with httpx.Client(base_url=base, auth=(KEY, "")) as client:
                lead = client.post(
                    "lead/", json={"name": "Acme", "contacts": [{"name": "Ann"}]}
                ).json()
                body = {**BODY, "lead_id": lead["id"], "contact_id": lead["contacts"][0]["id"]}
                call_id = client.post("activity/call/", json=body).json()["id"]
            results.append(
                measure(
                    "closecalls POST call (SQLite FULL)",
                    s,
                    "/api/v1/activity/call/",
                    lua("POST", body, KEY),
                    args,
                    wrk,
                )
            )
            fresh = lua("POST", body, KEY, fresh_phone=True)
            results.append(measure("  ... every request a new phone number", s,
                                   "/api/v1/activity/call/", fresh, args, wrk))  # fmt: skip
            results.append(measure("closecalls GET call by id", s,
                                   f"/api/v1/activity/call/{call_id}/", lua("GET", None, KEY),
                                   args, wrk))  # fmt: skip
        baseline_env = {"PYTHONPATH": str(Path.cwd()), "CLOSECALLS_BENCH_DB": str(workdir / "b.db"),
                        "CLOSECALLS_BENCH_KEY": KEY}  # fmt: skip
        with Server([*uvicorn, "bench.fastapi_baseline:app"], baseline_env, workdir) as s:
            results.append(measure("baseline POST (FastAPI+pydantic+aiosqlite)", s,
                                   "/api/v1/activity/call/", create, args, wrk))  # fmt: skip
    ceiling, baseline = results[0], results[-1]
    print(
        f"wrk: {args.connections} connections, {args.seconds:g} s per variant; "
        f"server on core {SERVER_CORE}, wrk on core {LOAD_CORE}\n"
    )
    print(
        f"{'variant':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'RSS MiB':>7} {'x ceiling':>9} {'x baseline':>10}"
    )
    for result in results:
        print(
            f"{result.name:<44} {result.per_second:>8.0f} {result.p50_ms:>7.2f} "
            f"{result.p99_ms:>7.2f} {result.errors:>6} {result.peak_rss_mib:>7.0f} "
            f"{result.per_second / ceiling.per_second:>9.2f} "
            f"{result.per_second / baseline.per_second:>10.2f}"
        )


if __name__ == "__main__":
    main()
