"""The web UI's files, read once from the package and served with a strict policy."""

from __future__ import annotations

from importlib import resources

from closecalls.http.responses import Response
from closecalls.web import apidocs

# Only our own scripts run; recordings may live on any http(s) host.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' http: https:; connect-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
PREFIX = "/ui/"


def _load() -> dict[str, tuple[bytes, str]]:
    static = resources.files("closecalls.web").joinpath("static")
    files: dict[str, tuple[bytes, str]] = {}
    for entry in static.iterdir():
        suffix = "." + entry.name.rpartition(".")[2]
        if suffix in _TYPES:
            path = "/" if entry.name == "index.html" else PREFIX + entry.name
            files[path] = (entry.read_bytes(), _TYPES[suffix])
    return files


class WebUI:
    """Answers GET `/`, `/ui/<file>` and the API docs at `/api/docs/`; the rest is the API's."""

    def __init__(self) -> None:
        self._files = _load()
        self._docs = apidocs.files()

    def respond(self, method: str, path: str) -> Response | None:
        if method != "GET":
            return None
        policy = CONTENT_SECURITY_POLICY
        found = self._files.get(path)
        if found is None:
            found, policy = self._docs.get(path), apidocs.CONTENT_SECURITY_POLICY
            if found is None:
                return None
        body, content_type = found
        headers = {
            "content-security-policy": policy,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "cache-control": "no-cache",
        }
        return Response(body, 200, headers, content_type=content_type)
