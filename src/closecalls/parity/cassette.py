"""Cassettes: a recorded session as JSON Lines, a header line then one exchange per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from closecalls.parity.exchange import Exchange
from closecalls.parity.redact import Redactor

FORMAT = "closecalls-cassette"
VERSION = 1


class CassetteError(ValueError):
    """The file is not a cassette this version reads."""


class CassetteWriter:
    """Appends each exchange as it happens, so a session cut short keeps what it recorded."""

    def __init__(self, path: Path, *, upstream: str, redact_personal: bool) -> None:
        self._redactor = Redactor(personal=redact_personal)
        self._file: IO[str] = path.open("w", encoding="utf-8")
        self._write({"format": FORMAT, "version": VERSION, "upstream": upstream,
                     "redacted": redact_personal})  # fmt: skip

    def record(self, exchange: Exchange) -> None:
        self._write(self._redactor.exchange(exchange).document())

    def close(self) -> None:
        self._file.close()

    def _write(self, document: dict[str, Any]) -> None:
        self._file.write(json.dumps(document, separators=(",", ":")) + "\n")
        self._file.flush()


def read_cassette(path: Path) -> tuple[dict[str, Any], Iterator[Exchange]]:
    """The cassette's header and its exchanges, in the order they happened."""
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        header = json.loads(lines[0]) if lines else {}
    except ValueError:
        header = {}
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise CassetteError(f"{path} is not a version {VERSION} closecalls cassette")
    return header, (Exchange.from_document(json.loads(line)) for line in lines[1:] if line)
