"""The official closeio client against injected faults on a real server: what it retries."""

from __future__ import annotations

import closeio_api
import pytest
import requests

from closecalls.testing.admin_client import TestOrganization

CALLS = "/api/v1/activity/call/"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's back-off sleeps, recorded instead of slept (seconds to a minute each)."""
    slept: list[float] = []
    monkeypatch.setattr(closeio_api.time, "sleep", slept.append)
    return slept


def test_a_503_is_retried_and_the_call_logged_once(
    closecalls_org: TestOrganization, sleeps: list[float]
) -> None:
    closecalls_org.fault("POST", CALLS, status=503, times=2)
    call = closecalls_org.api.post("activity/call", data={"note": "after two 503s"})
    assert call["note"] == "after two 503s"
    assert len(sleeps) == 2 and 2 <= sleeps[0] <= 4 and 4 <= sleeps[1] <= 8
    assert [entry["status"] for entry in closecalls_org.journal(path=CALLS)] == [503, 503, 200]
    assert [c["id"] for c in closecalls_org.api.get("activity/call")["data"]] == [call["id"]]


def test_a_429_waits_as_long_as_ratelimit_says(
    closecalls_org: TestOrganization, sleeps: list[float]
) -> None:
    closecalls_org.fault("GET", CALLS, status=429, retry_after=5)
    page = closecalls_org.api.get("activity/call")
    assert page["data"] == []
    assert sleeps == [5.0]
    assert [entry["status"] for entry in closecalls_org.journal()] == [429, 200]


def test_a_502_is_retried_on_get_but_not_on_post(
    closecalls_org: TestOrganization, sleeps: list[float]
) -> None:
    closecalls_org.fault("GET", CALLS, status=502)
    assert closecalls_org.api.get("activity/call")["data"] == []
    assert len(sleeps) == 1 and 60 <= sleeps[0] <= 90
    closecalls_org.fault("POST", CALLS, status=502)
    with pytest.raises(closeio_api.APIError) as refused:
        closecalls_org.api.post("activity/call", data={"note": "x"})
    assert refused.value.response.status_code == 502
    assert len(sleeps) == 1


def test_a_500_is_not_retried(closecalls_org: TestOrganization, sleeps: list[float]) -> None:
    closecalls_org.fault("GET", "/api/v1/me/", status=500)
    with pytest.raises(closeio_api.APIError) as failed:
        closecalls_org.api.get("me")
    assert failed.value.response.status_code == 500
    assert sleeps == []


def test_a_dropped_connection_surfaces_as_a_requests_error(
    closecalls_org: TestOrganization, sleeps: list[float]
) -> None:
    closecalls_org.fault("GET", "/api/v1/me/", drop=True)
    with pytest.raises(requests.exceptions.RequestException):
        closecalls_org.api.get("me")
    assert closecalls_org.api.get("me")["id"] == closecalls_org.user_id
