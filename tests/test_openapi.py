"""/api/v1/openapi.json is valid OpenAPI 3.1, names every route, and the server keeps to it."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from closecalls import accounts
from closecalls.api.openapi import PATH
from closecalls.app import App, build_app
from closecalls.http.router import Route
from closecalls.openapi import API_PREFIX, build_document
from closecalls.settings import Settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    use_after_free,
    ensure_resource_availability,
]
# A budget that keeps the whole module well under a minute: about 20 s on a laptop core.
# bench/fuzz.py raises it through the environment for a longer run, still with a fixed seed.
SEED = int(os.environ.get("FUZZ_SEED", "20260109"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
WORKFLOWS = int(os.environ.get("FUZZ_WORKFLOWS", "30"))
WORKFLOW_STEPS = int(os.environ.get("FUZZ_WORKFLOW_STEPS", "10"))

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]


def documented(routes: list[Route]) -> list[Route]:
    """Every route but Close's OAuth endpoints: at the host's root, and (as in Close's own
    OpenAPI document) outside the API's document."""
    outside = [route for route in routes if not route.path.startswith(API_PREFIX + "/")]
    assert all(route.path.startswith("/oauth2/") for route in outside), outside
    return [route for route in routes if route not in outside]


async def fetch_document(app: App) -> dict[str, Any]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as anonymous:
        response = await anonymous.get(PATH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    return document


async def test_document_is_valid_openapi_31_and_needs_no_credentials(app: App) -> None:
    document = await fetch_document(app)
    assert document["openapi"] == "3.1.0"
    validate(document)


async def test_document_has_every_route_with_every_method(app: App) -> None:
    paths = (await fetch_document(app))["paths"]
    served = {
        route.path.removeprefix(API_PREFIX): {method.lower() for method in route.methods}
        for route in documented(app.router.routes)
    }
    assert {path: set(item) for path, item in paths.items()} == served


def documented_schema() -> schemathesis.BaseSchema:
    """The document of an app that is built but never started: routes need no database."""
    app = build_app(Settings.load({"database": "sqlite:///unused.db"}, environ={}))
    routes = documented(app.router.routes)
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # Positive and negative data: what the document refuses must be refused too.
            "generation": {"deterministic": True, "max-examples": EXAMPLES, "mode": "all"},
        }
    )
    return schemathesis.openapi.from_dict(build_document(routes), config=config)


# Loaded at import because schemathesis parametrizes at collection; its fixture-based lazy
# loader does not run on pytest 9 (it sets a node attribute pytest 9 removed).
schema = documented_schema()


async def test_served_document_is_the_one_tested(app: App) -> None:
    assert await fetch_document(app) == build_document(documented(app.router.routes))


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Limits off: the fuzzing explores the API, and on the tests' frozen clock a spent bucket
    never refills, so hypothesis' replays would meet 429s where the first run did not."""
    return Settings.load({"database": database_url, "rate_limits": False}, environ={})


@pytest.fixture
def asgi_app(app: App) -> ASGIApp:
    """The started app, for schemathesis' own event loop, which would otherwise start it again."""

    async def http_only(scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await app(scope, receive, send)

    return http_only


@pytest.fixture
def credentials(tenant: accounts.Tenant) -> dict[str, str]:
    token = base64.b64encode(f"{tenant.api_key}:".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@schema.parametrize()
# One server per operation and backend, kept across examples as a real client's would be.
@hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
def test_every_operation_keeps_to_the_document(
    case: schemathesis.Case, asgi_app: ASGIApp, credentials: dict[str, str]
) -> None:
    case.call_and_validate(app=asgi_app, headers=credentials, checks=CHECKS)


def test_workflows_keep_to_the_document(app: App, asgi_app: ASGIApp) -> None:
    """Sequences along the links schemathesis infers, so calls that exist are read and changed."""
    services = app.services
    credentials: dict[str, str] = {}

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each sequence in an organization of its own: what one leaves behind would
            # change what the next draws from its links, which hypothesis refuses as flaky.
            tenant = asyncio.run(
                accounts.create_organization(
                    services.store, name="Fuzz", clock=services.clock, ids=services.ids
                )
            )
            token = base64.b64encode(f"{tenant.api_key}:".encode()).decode()
            credentials["Authorization"] = f"Basic {token}"

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"app": asgi_app, "headers": dict(credentials)}

        def validate_response(
            self,
            response: schemathesis.Response,
            case: schemathesis.Case,
            additional_checks: Any = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=WORKFLOWS,
            stateful_step_count=WORKFLOW_STEPS,
            derandomize=True,
            deadline=None,
        )
    )


async def test_an_operation_with_any_query_parameter_documents_its_400(
    app: App, client: httpx.AsyncClient
) -> None:
    # Found by bench/fuzz.py: a NUL in an unknown parameter of GET /me/ is refused.
    answer = await client.get("/api/v1/me/", params={"other": "a\x00"})
    assert answer.status_code == 400
    assert "400" in (await fetch_document(app))["paths"]["/me/"]["get"]["responses"]
