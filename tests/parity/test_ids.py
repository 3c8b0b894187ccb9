"""Ids learnt from answer pairs and translated in paths, queries and bodies."""

from __future__ import annotations

from closecalls.parity.ids import IdMap, id_kind

UP_LEAD = "lead_" + "U" * 43
LOCAL_LEAD = "lead_" + "L" * 43
UP_CALL = "acti_" + "u" * 43
LOCAL_CALL = "acti_" + "l" * 43


def test_ids_at_the_same_places_are_paired_one_to_one() -> None:
    ids = IdMap()
    ids.learn({"id": UP_CALL, "lead_id": UP_LEAD, "note": "x"},
              {"id": LOCAL_CALL, "lead_id": LOCAL_LEAD, "note": "x"})  # fmt: skip
    assert ids.to_local == {UP_CALL: LOCAL_CALL, UP_LEAD: LOCAL_LEAD}
    # An id already paired is not paired again with another.
    ids.learn({"id": UP_CALL}, {"id": "acti_" + "z" * 43})
    assert ids.to_local[UP_CALL] == LOCAL_CALL


def test_ids_of_different_kinds_or_in_lists_pair_only_alike() -> None:
    ids = IdMap()
    ids.learn({"data": [{"id": UP_LEAD}, {"id": UP_CALL}]},
              {"data": [{"id": LOCAL_LEAD}, {"id": "cont_" + "c" * 43}]})  # fmt: skip
    assert ids.to_local == {UP_LEAD: LOCAL_LEAD}


def test_translation_reaches_paths_query_strings_and_bodies() -> None:
    ids = IdMap()
    ids.learn(UP_LEAD, LOCAL_LEAD)
    assert ids.translate_text(f"lead/{UP_LEAD}/") == f"lead/{LOCAL_LEAD}/"
    assert ids.translate_text(f"lead_id={UP_LEAD}&_limit=5") == f"lead_id={LOCAL_LEAD}&_limit=5"
    body = {"lead_id": UP_LEAD, "ids": [UP_LEAD], "note": f"see {UP_LEAD}", "n": 1}
    assert ids.translate(body) == {
        "lead_id": LOCAL_LEAD, "ids": [LOCAL_LEAD], "note": f"see {LOCAL_LEAD}", "n": 1
    }  # fmt: skip


def test_the_organizations_own_names_pair_like_ids() -> None:
    ids = IdMap()
    upstream = {"id": "user_" + "a" * 43, "first_name": "Ann", "display_name": "Ann Lee"}
    ids.learn(upstream, {"id": "user_" + "b" * 43, "first_name": "API", "display_name": "API User"})
    assert ids.same("Ann Lee", "API User") and ids.same("Ann", "API")
    # A lead's name is the integration's, never paired.
    ids.learn({"id": UP_LEAD, "name": "Acme"}, {"id": LOCAL_LEAD, "name": "Other"})
    assert not ids.same("Acme", "Other")


def test_id_kind() -> None:
    assert id_kind(UP_LEAD) == "lead"
    assert id_kind("lead_id") is None
    assert id_kind(42) is None
