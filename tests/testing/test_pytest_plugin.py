"""The pytest plugin, used by a test project of its own on two pytest-xdist workers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# A dialer's tests, as an integration author would write them with nothing but the plugin.
PROJECT = """
import httpx
import pytest


@pytest.mark.parametrize("n", range(6))
def test_each_test_sees_only_its_own_calls(closecalls_org, n):
    api = closecalls_org.api
    for index in range(n + 1):
        api.post("activity/call", data={"note": f"call {index}", "duration": n})
    calls = api.get("activity/call")["data"]
    assert sorted(call["note"] for call in calls) == [f"call {i}" for i in range(n + 1)]
    assert {call["duration"] for call in calls} == {n}
    posted = closecalls_org.journal(method="POST")
    assert [entry["status"] for entry in posted] == [200] * (n + 1)


def test_fixtures_hand_out_what_a_test_needs(closecalls_org, closecalls_server):
    assert closecalls_org.base_url == closecalls_server.url + "/api/v1/"
    me = httpx.get(closecalls_org.base_url + "me/", auth=(closecalls_org.api_key, ""))
    assert me.json()["id"] == closecalls_org.user_id
    with closecalls_org.client() as http:
        assert http.get("me/").json()["organizations"][0]["id"] == closecalls_org.organization_id


def test_time_and_faults_are_per_test(closecalls_org):
    closecalls_org.set_clock("2024-02-29T09:00:00Z")
    call = closecalls_org.api.post("activity/call", data={})
    assert call["date_created"].startswith("2024-02-29T09:00:00")
    closecalls_org.fault("GET", "/api/v1/me/", status=500)
    with pytest.raises(Exception):
        closecalls_org.api.get("me")


SEED = {
    "lead_statuses": [{"label": "Interested"}],
    "lead_custom_fields": [{"name": "Last call outcome", "type": "choices",
                            "choices": ["Reached", "Voicemail"]}],
    "leads": [{"name": "Wayne", "status": "Interested", "custom.Last call outcome": "Reached",
               "contacts": [{"name": "Bruce", "phones": [{"phone": "+16505551234"}]}]}],
}


@pytest.mark.closecalls_seed(SEED)
def test_an_organization_can_start_with_statuses_and_custom_fields(closecalls_org):
    api = closecalls_org.api
    [lead] = api.get("lead", params={"query": "phone:(650) 555-1234"})["data"]
    assert lead["status_label"] == "Interested"
    [field] = api.get("custom_field/lead")["data"]
    assert lead["custom." + field["id"]] == "Reached"


def test_in_process_client_needs_no_socket(closecalls_client, closecalls_inprocess_org):
    created = closecalls_client.post("lead/", json={"name": "Acme"})
    assert created.status_code == 200
    assert [lead["name"] for lead in closecalls_client.get("lead/").json()["data"]] == ["Acme"]
    closecalls_inprocess_org.fault("GET", "/api/v1/lead/", status=503)
    assert closecalls_client.get("lead/").status_code == 503
    closecalls_inprocess_org.fault("GET", "/api/v1/lead/", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        closecalls_client.get("lead/")
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project whose pytest loads only closecalls' plugin and xdist, by their entry points.

    This environment also holds the suite's own plugins (schemathesis, hypothesis, ...),
    which a dialer's project would not have and which triple each worker's start-up.
    """
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester


def run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    # `-p closecalls` names the entry point that `pip install closecalls` registers.
    return project.runpytest_subprocess("-p", "closecalls", "-p", "xdist", "-p",
                                        "no:cacheprovider", *args)  # fmt: skip


def guide_examples() -> dict[str, str]:
    """The test files docs/testing.md shows, by name: each must pass as written."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "testing.md").read_text()
    blocks = re.findall(r"```python\n# file: (test_\w+)\.py\n(.*?)```", guide, re.DOTALL)
    return dict(blocks)


def test_a_project_using_the_plugin_passes_on_two_workers(project: pytest.Pytester) -> None:
    examples = guide_examples()
    assert len(examples) == 5
    tests = sum(len(re.findall(r"^def test_", text, re.MULTILINE)) for text in examples.values())
    project.makepyfile(test_dialer=PROJECT, **examples)
    result = run(project, "-n", "2")
    result.assert_outcomes(passed=10 + tests)
    assert "2 workers" in result.stdout.str()


def test_a_failing_project_fails(project: pytest.Pytester) -> None:
    """The plugin does not swallow failures: a test that is wrong about the data fails."""
    project.makepyfile(
        test_wrong="def test_sees_no_calls(closecalls_org):\n"
        "    closecalls_org.api.post('activity/call', data={})\n"
        "    assert closecalls_org.api.get('activity/call')['data'] == []\n"
    )
    result = run(project)
    result.assert_outcomes(failed=1)


def test_the_entry_point_is_registered() -> None:
    from importlib.metadata import entry_points

    (plugin,) = entry_points(group="pytest11", name="closecalls")
    assert plugin.value == "closecalls.testing.pytest_plugin"
