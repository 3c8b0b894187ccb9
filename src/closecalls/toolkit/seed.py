"""Seed data: users, apps, statuses, custom fields, outcomes, leads, contacts, activities.

Objects go through the same handlers the API serves, so a seed file is checked exactly
as a client's requests would be. An item may name itself with `$name`, and later items
refer to it with `{"$ref": name}` wherever an id belongs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
import yaml

from closecalls import accounts, apps
from closecalls.api.activity_resource import ActivityResource
from closecalls.api.tasks import TaskHandlers
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.principal import Principal
from closecalls.http.errors import ApiError, BadRequest
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Router
from closecalls.services import Services

# Sections in the order they are created: each may refer to the ones before it.
SECTIONS = {
    "users": None,
    "apps": None,
    "lead_statuses": "/api/v1/status/lead/",
    "lead_custom_fields": "/api/v1/custom_field/lead/",
    "contact_custom_fields": "/api/v1/custom_field/contact/",
    "outcomes": "/api/v1/outcome/",
    "leads": "/api/v1/lead/",
    "contacts": "/api/v1/contact/",
    "calls": "/api/v1/activity/call/",
    "sms": "/api/v1/activity/sms/",
    "notes": "/api/v1/activity/note/",
    # Close has no plain create for meetings (calendars bring them): only seeds make them here.
    "meetings": "/api/v1/activity/meeting/",
    # Tasks of every type, as Close's telephony and inbox raise them (missed calls, ...).
    "tasks": "/api/v1/task/",
}


def parse_seed(text: bytes, media_type: str) -> dict[str, Any]:
    """A seed document from JSON, or YAML (a superset of JSON) when it is not JSON."""
    try:
        data = msgspec.json.decode(text) if media_type.endswith("json") else yaml.safe_load(text)
    except (msgspec.DecodeError, yaml.YAMLError) as error:
        raise BadRequest(f"The seed document is not valid JSON or YAML: {error}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadRequest("The seed document must be a mapping of sections.")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise BadRequest(
            f"Unknown seed sections: {', '.join(unknown)}.",
            field_errors={name: "Not a seed section." for name in unknown},
        )
    for name, items in data.items():
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise BadRequest(f"{name} must be a list of objects.", field_errors={name: "list"})
    return data


class Seeder:
    """Creates one seed document's objects in one organization, in section order."""

    def __init__(self, services: Services, router: Router, principal: Principal) -> None:
        self.services = services
        self.router = router
        self.principal = principal
        self.names: dict[str, str] = {}
        self.created: dict[str, list[str]] = {}
        # Registered apps with their client secrets, which are shown only once.
        self.apps: list[dict[str, object]] = []

    async def load(self, data: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
        for section, path in SECTIONS.items():
            for index, item in enumerate(data.get(section, [])):
                where = f"{section}[{index}]"
                name = item.get("$name")
                body = self._resolve({k: v for k, v in item.items() if k != "$name"}, where)
                if section == "users":
                    document = await self._user(body, where)
                elif section == "apps":
                    document = await self._app(body, where)
                else:
                    assert path is not None, "every other section is created through the API"
                    document = await self._post(path, body, where)
                self.created.setdefault(section, []).append(document["id"])
                if isinstance(name, str):
                    self.names[name] = document["id"]
                if section == "leads":
                    self._name_contacts(item, document)
        result: dict[str, Any] = {"created": self.created, "names": self.names}
        if self.apps:
            result["apps"] = self.apps
        return result

    def _resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, dict):
            if set(value) == {"$ref"}:
                name = value["$ref"]
                if name not in self.names:
                    raise BadRequest(f"{where}: no earlier item is named {name!r}.")
                return self.names[name]
            return {key: self._resolve(item, where) for key, item in value.items()}
        if isinstance(value, list):
            return [self._resolve(item, where) for item in value]
        return value

    def _name_contacts(self, item: dict[str, Any], lead: dict[str, Any]) -> None:
        """Contacts nested in a lead come back in the order they were given."""
        for given, made in zip(item.get("contacts") or [], lead.get("contacts", []), strict=False):
            if isinstance(given, dict) and isinstance(given.get("$name"), str):
                self.names[given["$name"]] = made["id"]
            self.created.setdefault("contacts", []).append(made["id"])

    async def _user(self, body: dict[str, Any], where: str) -> dict[str, Any]:
        first, last, email = body.get("first_name"), body.get("last_name", ""), body.get("email")
        if (
            not isinstance(first, str)
            or not isinstance(last, str)
            or not (email is None or isinstance(email, str))
        ):
            raise BadRequest(f"{where}: a user needs first_name and last_name strings.")
        user = await accounts.create_user(
            self.services.store, organization_id=self.principal.organization_id,
            first_name=first, last_name=last, email=email, clock=self.services.clock,
            ids=self.services.ids,
        )  # fmt: skip
        return {"id": user.id}

    async def _app(self, body: dict[str, Any], where: str) -> dict[str, Any]:
        name, uris = body.get("name"), body.get("redirect_uris")
        chosen = [body.get("client_id"), body.get("client_secret")]
        if (
            not isinstance(name, str)
            or not isinstance(uris, list)
            or not all(isinstance(uri, str) for uri in uris)
            or not all(value is None or isinstance(value, str) for value in chosen)
        ):
            raise BadRequest(f"{where}: an app needs a name and a list of redirect_uris.")
        try:
            registered = await apps.register_app(
                self.services.store, organization_id=self.principal.organization_id,
                name=name, redirect_uris=uris, clock=self.services.clock,
                client_id=chosen[0], client_secret=chosen[1],
            )  # fmt: skip
        except apps.InvalidRedirectUris as problem:
            raise BadRequest(f"{where}: {problem}") from None
        self.apps.append(registered.document())
        return {"id": registered.app.client_id}

    async def _post(self, path: str, body: dict[str, Any], where: str) -> dict[str, Any]:
        if "contacts" in body and isinstance(body["contacts"], list):
            body["contacts"] = [
                {k: v for k, v in contact.items() if k != "$name"} if isinstance(contact, dict)
                else contact
                for contact in body["contacts"]
            ]  # fmt: skip
        request = internal_request("POST", path, msgspec.json.encode(body), self.services)
        request.principal = self.principal
        try:
            response = await self._create(path, request, body)
        except ValidationFailed as failure:
            raise _located(BadRequest.from_validation(failure), where) from None
        except ApiError as error:
            raise _located(error, where) from None
        result: dict[str, Any] = msgspec.json.decode(response.body)
        return result

    async def _create(self, path: str, request: Request, body: dict[str, Any]) -> Response:
        """POST to the path, or, where Close has no create, store it as its resource would."""
        match = self.router.match("GET", path)
        route, request.path_params = match.route, match.params
        resource = getattr(route.methods["GET"], "__self__", None)
        if isinstance(resource, TaskHandlers):
            return Response(await resource.insert(request, body, system=True))
        if "POST" in route.methods:
            return await route.methods["POST"](request)
        assert isinstance(resource, ActivityResource), path
        return Response(await resource.insert(request, body))


def internal_request(method: str, path: str, body: bytes, services: Services) -> Request:
    """A request made by the server itself, as if a client had sent it."""
    scope = {"method": method, "path": path, "query_string": b"",
             "headers": [(b"content-type", b"application/json")]}  # fmt: skip
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive, max(services.settings.max_body_bytes, len(body)))


def _located(error: ApiError, where: str) -> BadRequest:
    if isinstance(error, BadRequest):
        return BadRequest(
            f"{where}: {error.message}",
            errors=error.errors,
            field_errors={f"{where}.{key}": value for key, value in error.field_errors.items()},
        )
    return BadRequest(f"{where}: {error.message}")
