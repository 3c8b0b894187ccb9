"""Rows in and out of files: CSV (a header row, then one call a row) and JSON Lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import msgspec

FORMATS = ("csv", "jsonl")
_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode
READ_CHUNK = 1 << 20


class CsvRow(dict[str, str]):
    """A CSV row: every value is text, to be typed by the field it lands in."""


class BadRow:
    """A row that is not a row at all: a line that is not a JSON object."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def format_of(path: str, chosen: str | None) -> str:
    """The file's format: as chosen, or from its extension."""
    if chosen is not None:
        return chosen
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise ValueError(f"cannot tell the format of {path!r}: name it with --format csv or jsonl")


def columns(path: str, file_format: str, sample: int = 100) -> list[str]:
    """The CSV header, or the keys of the first JSON Lines objects."""
    if file_format == "csv":
        with open(path, newline="", encoding="utf-8-sig") as source:
            return next(csv.reader(source), [])
    seen: dict[str, None] = {}
    for _, row in islice(read_rows(path, file_format), sample):
        if isinstance(row, dict):
            seen.update(dict.fromkeys(row))
    return list(seen)


def count_rows(path: str, file_format: str) -> int:
    """About how many rows the file holds (lines; a CSV cell may span several)."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as source:
        while chunk := source.read(READ_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    lines += last != b"\n"
    return max(0, lines - 1) if file_format == "csv" else lines


# A row as read, before it becomes a dict: a CSV row's cells, a JSON Lines line, or (from
# callers that have them) the dict itself or a BadRow. Reading stays in the importing
# process, which numbers rows; turning them into dicts is done where they are validated.
Raw = list[str] | bytes | dict[str, Any] | BadRow


def read_raw(path: str, file_format: str) -> Iterator[tuple[int, Raw]]:
    """(row number, row as read): CSV rows are numbered as a spreadsheet shows them (the
    header is row 1, blank lines are skipped), JSON Lines by line. `columns` gives the
    CSV header that `to_row` needs."""
    if file_format == "csv":
        with open(path, newline="", encoding="utf-8-sig") as source:
            reader = csv.reader(source)
            next(reader, None)  # the header
            number = 1
            for cells in reader:
                if cells:  # as csv.DictReader: a blank line is not a row
                    number += 1
                    yield number, cells
        return
    with open(path, "rb") as source:
        for number, line in enumerate(source, start=1):
            if line.strip():
                yield number, line


def to_row(raw: Raw, header: list[str] | None) -> dict[str, Any] | BadRow:
    """A row as read, as the dict the mappings take (or a BadRow saying why not)."""
    if isinstance(raw, list):
        # As csv.DictReader makes it (cells past the header dropped, a later column of the
        # same name wins, columns past a short row's end empty), then: an empty cell is a
        # missing value (CSV cannot tell "" from null).
        header = header or []
        cells: dict[str, str | None] = dict(zip(header, raw, strict=False))
        if len(raw) < len(header):
            cells.update(dict.fromkeys(header[len(raw) :]))
        return CsvRow({k: v for k, v in cells.items() if v})
    if isinstance(raw, bytes):
        try:
            value = _decode(raw)
        except msgspec.DecodeError as error:
            return BadRow(f"not JSON: {error}")
        return value if isinstance(value, dict) else BadRow("a line must hold one JSON object")
    return raw


def read_rows(path: str, file_format: str) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    """(row number, row) as `read_raw` numbers them."""
    header = columns(path, file_format) if file_format == "csv" else None
    for number, raw in read_raw(path, file_format):
        yield number, to_row(raw, header)


class CsvWriter:
    """Call documents as CSV: one column per key, objects and lists as JSON."""

    def __init__(self, output: IO[bytes]) -> None:
        self._text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
        self._writer = csv.writer(self._text)
        self._columns: list[str] | None = None

    def write(self, documents: list[bytes]) -> None:
        for document in documents:
            call = _decode(document)
            if self._columns is None:
                self._columns = list(call)
                self._writer.writerow(self._columns)
            self._writer.writerow([_cell(call.get(column)) for column in self._columns])

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


class JsonLinesWriter:
    """Call documents as JSON Lines: each stored document as it is, one a line."""

    def __init__(self, output: IO[bytes]) -> None:
        self._output = output

    def write(self, documents: list[bytes]) -> None:
        if documents:
            # Two writes, not `join(...) + b"\n"`: that copies the whole batch a second time,
            # into a fresh multi-megabyte buffer (page faults included), which cost more than
            # reading the rows out of the database.
            self._output.write(b"\n".join(documents))
            self._output.write(b"\n")

    def close(self) -> None:
        self._output.flush()


def writer_for(file_format: str, output: IO[bytes]) -> CsvWriter | JsonLinesWriter:
    return CsvWriter(output) if file_format == "csv" else JsonLinesWriter(output)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _encode(value).decode()
    return str(value)
