"""Start-up checks: each operator's mistake is one line and a non-zero exit, before serving."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from closecalls.cli import main
from closecalls.testing.server import free_port


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each command runs in an empty folder with no CLOSECALLS_* settings of the caller's."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("CLOSECALLS_")]:
        monkeypatch.delenv(name)
    yield tmp_path


def run(*arguments: str) -> Result:
    return CliRunner().invoke(main, list(arguments))


def one_line_error(result: Result, code: int, *words: str) -> str:
    """The error line, after checking the exit status and that no traceback was printed."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def test_an_unsupported_database_scheme_is_refused_and_no_file_is_made(in_tmp: Path) -> None:
    one_line_error(run("serve", "--database", "mysql://x/y"), 2, "mysql://", "not supported")
    assert list(in_tmp.iterdir()) == []


def test_a_port_out_of_range_is_refused(in_tmp: Path) -> None:
    one_line_error(run("serve", "--port", "80000"), 2, "80000", "65535")
    one_line_error(
        CliRunner().invoke(main, ["serve"], env={"CLOSECALLS_PORT": "eighty"}), 2, "number"
    )
    assert list(in_tmp.iterdir()) == []


def test_a_port_in_use_is_named_before_the_database_is_touched(in_tmp: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_line_error(run("serve", "--port", str(port)), 1, f"port {port}", "in use")
    assert list(in_tmp.iterdir()) == []


def test_an_unreachable_postgresql_is_one_line(in_tmp: Path) -> None:
    url = f"postgresql://closecalls:secret@127.0.0.1:{free_port()}/closecalls"
    line = one_line_error(
        run("serve", "--port", str(free_port()), "--database", url), 1,
        "cannot reach PostgreSQL", "connection refused",
    )  # fmt: skip
    assert "secret" not in line
    one_line_error(run("migrate", "--database", url), 1, "cannot reach PostgreSQL")


def test_an_unreachable_redis_is_refused_before_serving(in_tmp: Path) -> None:
    one_line_error(
        run("serve", "--port", str(free_port()), "--redis", f"redis://127.0.0.1:{free_port()}/0"),
        1, "cannot reach Redis", "connection refused",
    )  # fmt: skip


def test_a_missing_source_database_is_refused_and_not_created(in_tmp: Path) -> None:
    result = run("migrate-data", "--from", "sqlite:///typo.db", "--to", "postgresql://x@h/db")
    one_line_error(result, 2, "no SQLite database", "typo.db")
    assert not (in_tmp / "typo.db").exists()
    assert "copied" not in result.output


def test_debug_shows_the_traceback(in_tmp: Path) -> None:
    url = f"postgresql://closecalls@127.0.0.1:{free_port()}/closecalls"
    result = run("--debug", "migrate", "--database", url)
    assert result.exit_code == 1
    assert isinstance(result.exception, OSError)


def test_serving_is_announced_once_the_port_accepts_connections(in_tmp: Path) -> None:
    command = [sys.executable, "-m", "closecalls", "serve", "--port", "0",
               "--database", str(in_tmp / "c.db")]  # fmt: skip
    with subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    ) as server:
        assert server.stderr is not None
        deadline = time.monotonic() + 30
        line = ""
        while "serving" not in line and time.monotonic() < deadline:
            line = server.stderr.readline()
            assert line or server.poll() is None, "the server exited"
        # Port 0 asks for a free port: the line names the one bound, and the web UI.
        assert line.startswith("closecalls: serving http://127.0.0.1:"), line
        api = line.split()[2]
        assert ":0/" not in api and "web UI http://127.0.0.1:" in line
        # No retry: the moment the line is printed, the server answers.
        try:
            assert httpx.get(api.replace("/api/v1/", "/healthz")).json() == {"status": "ok"}
        finally:
            server.terminate()
            server.wait(20)
