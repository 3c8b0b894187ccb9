"""OAuth through the plugin with requests-oauthlib (docs/testing.md's example runs too)."""

from __future__ import annotations

import pytest
from requests_oauthlib import OAuth2Session

from closecalls.testing.admin_client import TestOrganization

CALLBACK = "https://dialer.example/callback/close"


@pytest.fixture(autouse=True)
def plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test server speaks http://; oauthlib refuses that unless told it is a test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def test_tokens_follow_the_organization_s_clock(closecalls_org: TestOrganization) -> None:
    closecalls_org.set_clock("2021-06-01T12:00:00Z")
    app = closecalls_org.create_app(redirect_uris=[CALLBACK])
    session = OAuth2Session(app["client_id"], redirect_uri=CALLBACK)
    url, _state = session.authorization_url(closecalls_org.oauth_url + "authorize/")
    session.fetch_token(
        closecalls_org.oauth_url + "token/", authorization_response=closecalls_org.authorize(url),
        client_secret=app["client_secret"],
    )  # fmt: skip
    me = closecalls_org.base_url + "me/"
    assert session.get(me).status_code == 200

    closecalls_org.advance_clock(3601)  # an hour later, the access token has expired
    assert session.get(me).status_code == 401
    session.refresh_token(
        closecalls_org.oauth_url + "token/", auth=(app["client_id"], app["client_secret"])
    )
    assert session.get(me).status_code == 200
