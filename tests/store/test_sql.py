"""The SQL both stores share, rendered for each dialect."""

from __future__ import annotations

from closecalls.domain.listing import ActivityQuery, TimeRange
from closecalls.store.sql import POSTGRES, SQLITE, build_list_sql, numbered


def test_numbered_placeholders_follow_the_order_of_the_question_marks() -> None:
    assert numbered("a = ? AND b IN (?, ?)") == "a = $1 AND b IN ($2, $3)"


def test_lists_are_one_array_parameter_on_postgresql_and_one_per_value_on_sqlite() -> None:
    args: list[object] = []
    assert POSTGRES.one_of("id", ["a", "b"], args) == "id = ANY($1)"
    assert args == [["a", "b"]]
    args = []
    assert SQLITE.one_of("id", ["a", "b"], args) == "id IN (?, ?)"
    assert args == ["a", "b"]
    for dialect in (SQLITE, POSTGRES):
        assert dialect.one_of("id", ["a"], []).startswith("id = ")


def test_one_list_query_for_both_dialects() -> None:
    query = ActivityQuery(types=("Call",), lead_ids=("l1", "l2"),
                          date_created=TimeRange(low=5), limit=10, skip=20)  # fmt: skip
    page = "ORDER BY date_created DESC, seq DESC"
    assert build_list_sql(SQLITE, "orga_1", query) == (
        f"SELECT document FROM activity WHERE seq IN (SELECT seq FROM activity WHERE "
        f"organization_id = ? AND type = ? AND lead_id IN (?, ?) AND date_created >= ? "
        f"{page} LIMIT ? OFFSET ?) {page}",
        ["orga_1", "Call", "l1", "l2", 5, 11, 20],
    )
    assert build_list_sql(POSTGRES, "orga_1", query) == (
        f"SELECT document FROM activity WHERE seq IN (SELECT seq FROM activity WHERE "
        f"organization_id = $1 AND type = $2 AND lead_id = ANY($3) AND date_created >= $4 "
        f"{page} LIMIT $5 OFFSET $6) {page}",
        ["orga_1", "Call", ["l1", "l2"], 5, 11, 20],
    )
    assert build_list_sql(SQLITE, "orga_1", ActivityQuery(organization_id="orga_2")) is None
    assert build_list_sql(POSTGRES, "orga_1", ActivityQuery(ids=())) is None
