"""The comparer: each kind of difference, and what is normalised away."""

from __future__ import annotations

from typing import Any

from closecalls.parity.compare import Difference, Tolerance, compare
from closecalls.parity.exchange import Answer
from closecalls.parity.ids import IdMap

T0 = "2026-01-09T14:35:08.272000+00:00"


def differences(upstream: Any, local: Any, *, tolerance: Tolerance | None = None,
                ids: IdMap | None = None) -> list[Difference]:  # fmt: skip
    return compare(Answer(body=upstream), Answer(body=local), ids=ids or IdMap(),
                   tolerance=tolerance or Tolerance(60))  # fmt: skip


def test_missing_extra_value_and_type_each_named_by_path() -> None:
    found = differences(
        {"a": 1, "b": {"c": "x"}, "gone": True, "list": [1, 2]},
        {"a": "1", "b": {"c": "y"}, "new": None, "list": [1]},
    )
    assert sorted(found, key=lambda d: d.where) == [
        Difference("body.a", "type", 1, "1"),
        Difference("body.b.c", "value", "x", "y"),
        Difference("body.gone", "missing", True, None),
        Difference("body.list[1]", "missing", 2, None),
        Difference("body.new", "extra", None, None),
    ]


def test_identical_bodies_have_no_differences() -> None:
    body = {"data": [{"id": "x", "n": 1.5, "ok": False}], "has_more": False}
    assert differences(body, body) == []


def test_timestamps_within_the_tolerance_are_the_same_written_alike_only() -> None:
    later = "2026-01-09T14:35:38.000000+00:00"
    assert differences({"t": T0}, {"t": later}) == []
    assert differences({"t": T0}, {"t": later}, tolerance=Tolerance(10)) != []
    # The same instant written differently is a real difference: clients parse the text.
    assert differences({"t": T0}, {"t": "2026-01-09T14:35:08.272Z"}) != []


def test_a_replay_shifts_server_made_times_by_how_much_later_it_ran() -> None:
    a_day_later = "2026-01-10T14:35:09.000000+00:00"
    assert differences({"t": T0}, {"t": a_day_later}, tolerance=Tolerance(5, 86_400)) == []
    assert differences({"t": T0}, {"t": a_day_later}, tolerance=Tolerance(5)) != []


def test_status_and_the_headers_clients_read() -> None:
    upstream = Answer(
        status=429,
        headers={
            "ratelimit": "limit=320, remaining=0, reset=3",
            "retry-after": "3",
            "content-type": "application/json",
        },
    )
    local = Answer(status=200, headers={"ratelimit": "limit=320, remaining=17, reset=8",
                                        "content-type": "application/json"})  # fmt: skip
    found = compare(upstream, local, ids=IdMap(), tolerance=Tolerance())
    assert found == [
        Difference("status", "value", 429, 200),
        Difference("header retry-after", "missing", "3", None),
    ]


def test_a_text_body_is_compared_whole() -> None:
    found = compare(Answer(text="Bad gateway"), Answer(text="Bad gateway"), ids=IdMap(),
                    tolerance=Tolerance())  # fmt: skip
    assert found == []
    found = compare(Answer(text="<html>"), Answer(body={}), ids=IdMap(), tolerance=Tolerance())
    assert found == [Difference("body", "value", "<html>", None)]
