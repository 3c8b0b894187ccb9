"""Reading files: rows as read in one process become, in another, what csv.DictReader makes."""

from __future__ import annotations

import csv
from pathlib import Path

from closecalls.bulk.formats import BadRow, columns, read_raw, read_rows, to_row

TRICKY_CSV = (
    "\ufeffid,note,duration,note\r\n"
    'a,"two\nlines",5,later wins\r\n'
    "\r\n"
    "b,,,\r\n"
    "c,short\r\n"
    "d,x,1,y,past the header\r\n"
    '"e","quoted ""twice""",2,\r\n'
)


def test_csv_rows_are_numbered_and_read_as_dict_reader_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(TRICKY_CSV, encoding="utf-8", newline="")
    with path.open(newline="", encoding="utf-8-sig") as source:
        expected = [
            (number, {k: v for k, v in row.items() if v and k is not None})
            for number, row in enumerate(csv.DictReader(source), start=2)
        ]
    header = columns(str(path), "csv")
    assert [(n, to_row(raw, header)) for n, raw in read_raw(str(path), "csv")] == expected
    assert list(read_rows(str(path), "csv")) == expected
    assert expected[0] == (2, {"id": "a", "note": "later wins", "duration": "5"})
    assert [number for number, _ in expected] == [2, 3, 4, 5, 6]


def test_json_lines_are_numbered_by_line_and_bad_lines_say_why(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b'{"id": "a"}\n\n[1]\n{"id": \n{"id": "b"}')
    rows = [(number, to_row(raw, None)) for number, raw in read_raw(str(path), "jsonl")]
    assert [number for number, _ in rows] == [1, 3, 4, 5]
    assert rows[0][1] == {"id": "a"} and rows[3][1] == {"id": "b"}
    assert isinstance(rows[1][1], BadRow) and rows[1][1].message == (
        "a line must hold one JSON object"
    )
    assert isinstance(rows[2][1], BadRow) and rows[2][1].message.startswith("not JSON: ")
