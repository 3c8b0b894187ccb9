"""An integration's OAuth test, as docs/testing.md shows it: the plugin and requests-oauthlib."""

from __future__ import annotations

import pytest
from requests_oauthlib import OAuth2Session

from closecalls.testing.admin_client import TestOrganization

CALLBACK = "https://dialer.example/callback/close"


@pytest.fixture(autouse=True)
def plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test server speaks http://; oauthlib refuses that unless told it is a test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def test_connect_refresh_and_disconnect(closecalls_org: TestOrganization) -> None:
    app = closecalls_org.create_app("My dialer", [CALLBACK])
    session = OAuth2Session(app["client_id"], redirect_uri=CALLBACK)
    url, _state = session.authorization_url(closecalls_org.oauth_url + "authorize/")

    callback = closecalls_org.authorize(url)  # the user clicks "Grant access"

    token = session.fetch_token(
        closecalls_org.oauth_url + "token/", authorization_response=callback,
        client_secret=app["client_secret"],
    )  # fmt: skip
    assert token["organization_id"] == closecalls_org.organization_id
    me = session.get(closecalls_org.base_url + "me/").json()
    assert me["id"] == closecalls_org.user_id

    refreshed = session.refresh_token(
        closecalls_org.oauth_url + "token/",
        auth=(app["client_id"], app["client_secret"]),
    )
    assert refreshed["refresh_token"] != token["refresh_token"]
    call = session.post(closecalls_org.base_url + "activity/call/", json={"duration": 30})
    assert call.status_code == 200

    revoked = session.post(closecalls_org.oauth_url + "revoke/", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"],
        "token": refreshed["refresh_token"],
    })  # fmt: skip
    assert revoked.status_code == 200


def test_the_user_declines(closecalls_org: TestOrganization) -> None:
    app = closecalls_org.create_app(redirect_uris=[CALLBACK])
    session = OAuth2Session(app["client_id"], redirect_uri=CALLBACK)
    url, _state = session.authorization_url(closecalls_org.oauth_url + "authorize/")
    callback = closecalls_org.authorize(url, allow=False)
    assert "error=access_denied" in callback


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
