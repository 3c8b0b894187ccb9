"""Durable creates and reads against the hardware's ceiling and a FastAPI baseline, in one run.

Run: .venv/bin/python -m bench.http_throughput [--seconds 10] [--connections 64] [--rounds 3]
     [--server uvicorn|granian]

Each server runs pinned to core 0; wrk (Debian's `wrk`, installed if missing) drives it
from core 1 over loopback. Servers: the ceiling (bench/ceiling.py: decode and echo, no
auth, no storage), closecalls on SQLite with synchronous=FULL and events on, and the
FastAPI + pydantic + aiosqlite baseline (bench/fastapi_baseline.py) doing the same work.
The headline create is realistic: every request a new phone number (US and UK, E.164),
the same lead and contact references, a note of varying length; the repeated-number
variant sends one body again and again. Variants take turns for `--rounds` rounds and each
figure is the median round; POSTs are divided by the ceiling's POST, GETs by its GET.
`--server` runs all three on uvicorn (the default) or granian, so each ratio is to a ceiling
on the same server. Beside req/s, each variant's server CPU per request (all its processes
and threads, from /proc): on a shared machine a server with more threads gets a larger share
of its core, which moves req/s but not the CPU a request costs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.fastapi_baseline import CONTACT_ID, LEAD_ID
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
# wrk's Lua: a new number (three in four US, the rest UK mobiles) and a note of 0-15
# sentences in every request.
FRESH_REQUEST = """
local sentence = "Discussed pricing and the rollout plan. "
local areas = {"650", "415", "212", "312"}
request = function()
  local number
  if math.random() < 0.75 then
    number = "+1" .. areas[math.random(4)] .. tostring(math.random(2000000, 9999999))
  else
    number = "+447" .. tostring(math.random(400000000, 999999999))
  end
  local note = string.rep(sentence, math.random(0, 15))
  local body = template:gsub("PHONE", number):gsub("NOTE", note)
  return wrk.format(nil, nil, nil, body)
end
"""


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    peak_rss_mib: float
    cpu_us: float  # the server's CPU time per request, all its processes and threads


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
) -> tuple[float, float, float, int, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    command = ["taskset", "-c", LOAD_CORE, wrk, "-t1", f"-c{connections}", f"-d{seconds}s",
               "--latency", "-s", lua.name, url]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    patterns = (r"Requests/sec:\s+([\d.]+)", r"^\s+50%\s+(\S+)\s*$", r"^\s+99%\s+(\S+)\s*$",
                r"(\d+) requests in")  # fmt: skip
    found = [re.search(pattern, output, re.M) for pattern in patterns]
    if not all(found):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    rate, p50, p99, count = (match.group(1) for match in found if match)
    rate_value, p50_ms, p99_ms = float(rate), _to_ms(p50), _to_ms(p99)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    failed = (int(bad.group(1)) if bad else 0) + (1 if errors else 0)
    return rate_value, p50_ms, p99_ms, failed, int(count)


def lua(
    method: str, body: dict[str, object] | None, key: str | None, *, fresh_phone: bool = False
) -> str:
    """A wrk script; `fresh_phone` puts a new number and note in every request's body."""
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if body is not None and fresh_phone:
        template = json.dumps({**body, "phone": "PHONE", "note": "NOTE"})
        lines += [f"template = {json.dumps(template)}", FRESH_REQUEST]
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

    def pids(self) -> list[int]:
        """The server's process and its children (granian's workers, under its supervisor)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [self.process.pid, *map(int, children.read_text().split())]

    def peak_rss_mib(self) -> float:
        """The peak resident memory of the server's processes, added up."""
        total = 0
        for pid in self.pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server's processes, every thread's."""
        ticks = 0
        for pid in self.pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    server: Server
    path: str
    script: str
    per: str  # the ceiling variant it is divided by (a POST by a POST, a GET by a GET)
    baseline: str | None = None  # the FastAPI variant doing the same work


def measure(variant: Variant, args: argparse.Namespace, wrk: str) -> Result:
    url = f"http://127.0.0.1:{variant.server.port}{variant.path}"
    run_wrk(wrk, url, variant.script, 1, args.connections)  # warm up
    before = variant.server.cpu_seconds()
    rate, p50, p99, errors, count = run_wrk(
        wrk, url, variant.script, args.seconds, args.connections
    )
    cpu_us = (variant.server.cpu_seconds() - before) * 1e6 / max(count, 1)
    return Result(variant.name, rate, p50, p99, errors, variant.server.peak_rss_mib(), cpu_us)


def median_result(rounds: list[Result]) -> Result:
    """Each figure's median over the rounds; errors summed, RSS at its peak."""
    median = statistics.median
    return Result(
        rounds[0].name, median([r.per_second for r in rounds]), median([r.p50_ms for r in rounds]),
        median([r.p99_ms for r in rounds]), sum(r.errors for r in rounds),
        max(r.peak_rss_mib for r in rounds), median([r.cpu_us for r in rounds]),
    )  # fmt: skip


# How each server runs an ASGI application (`module:app` is appended): one process on uvicorn,
# a supervisor and one worker on granian, as `closecalls serve --server` runs them.
SERVERS = {
    "uvicorn": [sys.executable, "-m", "uvicorn", "--port", "{port}", "--log-level", "warning",
                "--no-access-log"],
    "granian": [sys.executable, "-m", "granian", "--interface", "asgi", "--port", "{port}",
                "--no-ws", "--http", "1", "--loop", "uvloop", "--log-level", "warning"],
}  # fmt: skip
CEILING_POST, CEILING_GET = "ceiling POST: decode + echo, no storage", "ceiling GET: echo"
CREATE = "closecalls POST call, new number (SQLite FULL)"
REPEATED = "closecalls POST call, repeated number"
BASE_CREATE = "baseline POST, new number (FastAPI)"
BASE_REPEATED = "baseline POST, repeated number (FastAPI)"


def variants(ceiling: Server, closecalls: Server, peer: Server) -> list[Variant]:
    """Every variant, with the lead and contact each server knows in its bodies."""
    base = f"http://127.0.0.1:{closecalls.port}/api/v1/"
    with httpx.Client(base_url=base, auth=(KEY, "")) as client:
        lead = client.post("lead/", json={"name": "Acme", "contacts": [{"name": "Ann"}]}).json()
        body = {**BODY, "lead_id": lead["id"], "contact_id": lead["contacts"][0]["id"]}
        call_id = client.post("activity/call/", json=body).json()["id"]
    peer_body = {**BODY, "lead_id": LEAD_ID, "contact_id": CONTACT_ID}
    calls = "/api/v1/activity/call/"
    fresh = lua("POST", body, KEY, fresh_phone=True)
    return [
        Variant(CEILING_POST, ceiling, "/", fresh, CEILING_POST),
        Variant(CEILING_GET, ceiling, "/", lua("GET", None, KEY), CEILING_GET),
        Variant(CREATE, closecalls, calls, fresh, CEILING_POST, BASE_CREATE),
        Variant(REPEATED, closecalls, calls, lua("POST", body, KEY), CEILING_POST, BASE_REPEATED),
        Variant("closecalls GET call by id", closecalls, f"{calls}{call_id}/",
                lua("GET", None, KEY), CEILING_GET),
        Variant(BASE_CREATE, peer, calls, lua("POST", peer_body, KEY, fresh_phone=True),
                CEILING_POST, BASE_CREATE),
        Variant(BASE_REPEATED, peer, calls, lua("POST", peer_body, KEY), CEILING_POST,
                BASE_REPEATED),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", choices=tuple(SERVERS), default="uvicorn",
                        help="the HTTP server every variant runs on")  # fmt: skip
    args = parser.parse_args()
    wrk = ensure_wrk()
    python = sys.executable
    asgi = SERVERS[args.server]
    rounds: dict[str, list[Result]] = {}
    with tempfile.TemporaryDirectory(prefix="closecalls-http-") as folder, ExitStack() as running:
        workdir = Path(folder)
        here = {"PYTHONPATH": str(Path.cwd())}
        ceiling = running.enter_context(Server([*asgi, "bench.ceiling:app"], here, workdir))
        closecalls = running.enter_context(Server(
            [python, "-m", "closecalls", "serve", "--port", "{port}", "--database",
             str(workdir / "closecalls.db"), "--bootstrap-key", KEY, "--rate-limits", "off",
             "--server", args.server],
            {}, workdir,
        ))  # fmt: skip
        peer_env = {**here, "CLOSECALLS_BENCH_DB": str(workdir / "b.db"),
                    "CLOSECALLS_BENCH_KEY": KEY}  # fmt: skip
        peer = running.enter_context(
            Server([*asgi, "bench.fastapi_baseline:app"], peer_env, workdir)
        )
        every = variants(ceiling, closecalls, peer)
        for number in range(args.rounds):
            # Odd rounds run backwards: no variant always follows the same neighbour.
            for variant in every if number % 2 == 0 else every[::-1]:
                rounds.setdefault(variant.name, []).append(measure(variant, args, wrk))
    results = {name: median_result(found) for name, found in rounds.items()}
    print(
        f"wrk: {args.connections} connections, {args.seconds:g} s per variant, median of "
        f"{args.rounds} rounds; {args.server} on core {SERVER_CORE}, wrk on core {LOAD_CORE}; "
        f"load average {os.getloadavg()[0]:.2f}\n"
    )
    print(
        f"{'variant':<48} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU µs':>7} {'errors':>6} "
        f"{'RSS MiB':>7} {'x ceiling':>9} {'x baseline':>10}"
    )
    for variant in every:
        result = results[variant.name]
        baseline = results[variant.baseline] if variant.baseline else None
        per_baseline = f"{result.per_second / baseline.per_second:.2f}" if baseline else "-"
        print(
            f"{result.name:<48} {result.per_second:>8.0f} {result.p50_ms:>7.2f} "
            f"{result.p99_ms:>7.2f} {result.cpu_us:>7.1f} {result.errors:>6} "
            f"{result.peak_rss_mib:>7.0f} "
            f"{result.per_second / results[variant.per].per_second:>9.2f} {per_baseline:>10}"
        )


if __name__ == "__main__":
    main()
