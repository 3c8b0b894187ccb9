"""The OAuth consent screen and the page shown when a request cannot go back to its app."""

from __future__ import annotations

from html import escape

from closecalls.http.responses import Response
from closecalls.web.pages import CONTENT_SECURITY_POLICY

HTML = "text/html; charset=utf-8"
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _page(title: str, body: str, *, script: bool) -> str:
    module = '<script type="module" src="/ui/consent.js"></script>\n' if script else ""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · closecalls</title>\n"
        f'<link rel="stylesheet" href="/ui/style.css">\n{module}</head>\n<body>\n'
        '<header><span class="brand">closecalls</span></header>\n'
        f'<main id="main" tabindex="-1">\n{body}\n</main>\n</body>\n</html>\n'
    )


def consent_page(app_name: str) -> Response:
    """The shell consent.js fills in: it signs the user in, then asks to grant or decline."""
    body = (
        f'<section id="consent" data-app-name="{escape(app_name)}" '
        'aria-labelledby="consent-title">\n'
        f'<h1 id="consent-title">Connect {escape(app_name)} to Close</h1>\n'
        "<p>Loading…</p>\n</section>"
    )
    return Response(_page("Authorize", body, script=True).encode(), 200, dict(HEADERS), HTML)


def error_page(error: str, description: str) -> Response:
    """RFC 6749 §4.1.2.1: with no trustworthy redirect URI, the user is told, not redirected."""
    body = (
        '<section aria-labelledby="error-title">\n'
        '<h1 id="error-title">This app could not be authorized</h1>\n'
        f'<p class="error" role="alert">{escape(description)}</p>\n'
        f'<p class="hint">OAuth error: <code>{escape(error)}</code></p>\n</section>'
    )
    return Response(_page("Error", body, script=False).encode(), 400, dict(HEADERS), HTML)
