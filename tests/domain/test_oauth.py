"""Close's OAuth rules as pure functions: redirect URIs, authorize and token requests."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from oauthlib.oauth2.rfc6749 import errors

from closecalls.domain import oauth

REGISTERED = ("https://example.com/callback/close", "http://localhost:8080/cb?tenant=7")


def query_of(uri: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(uri).query)


def test_a_registered_redirect_uri_is_used_with_the_code_and_state() -> None:
    checked = oauth.check_authorize(
        {"client_id": "c", "response_type": "code", "redirect_uri": REGISTERED[1],
         "state": "xyz"},
        registered=REGISTERED,
    )  # fmt: skip
    uri = oauth.granted_uri(checked, "oa2code_abc")
    assert uri.startswith("http://localhost:8080/cb?")
    assert query_of(uri) == {"tenant": ["7"], "code": ["oa2code_abc"], "state": ["xyz"]}


def test_close_s_own_example_omits_redirect_uri_and_the_one_registered_is_used() -> None:
    checked = oauth.check_authorize(
        {"client_id": "c", "response_type": "code"}, registered=REGISTERED[:1]
    )
    assert checked.redirect_uri == REGISTERED[0]
    assert query_of(oauth.granted_uri(checked, "x")) == {"code": ["x"]}


@pytest.mark.parametrize(
    ("params", "registered", "error"),
    [
        ({"response_type": "code"}, REGISTERED, "invalid_request"),
        ({"client_id": "nope", "response_type": "code"}, None, "invalid_client"),
        ({"client_id": "c", "response_type": "code"}, REGISTERED, "invalid_request"),
        # Exact match only: no prefix, no extra path, no other query.
        ({"client_id": "c", "redirect_uri": "https://example.com/callback/close/x"},
         REGISTERED, "invalid_request"),
        ({"client_id": "c", "redirect_uri": "https://evil.example/callback/close"},
         REGISTERED, "invalid_request"),
        ({"client_id": "c", "redirect_uri": "http://localhost:8080/cb"}, REGISTERED,
         "invalid_request"),
    ],
)  # fmt: skip
def test_requests_that_cannot_go_back_to_the_app_never_redirect(
    params: dict[str, str], registered: tuple[str, ...] | None, error: str
) -> None:
    with pytest.raises(oauth.NoRedirect) as raised:
        oauth.check_authorize(params, registered=registered)
    assert raised.value.error == error


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({}, "invalid_request"),
        ({"response_type": "code", "code_challenge": "abc"}, "invalid_request"),
    ],
)
def test_other_refusals_go_back_to_the_redirect_uri_with_the_state(
    extra: dict[str, str], error: str
) -> None:
    params = {"client_id": "c", "redirect_uri": REGISTERED[0], "state": "s1", **extra}
    with pytest.raises(oauth.RedirectedError) as raised:
        oauth.check_authorize(params, registered=REGISTERED)
    query = query_of(raised.value.location)
    assert raised.value.location.startswith(REGISTERED[0] + "?")
    assert query["error"] == [error]
    assert query["state"] == ["s1"]


def test_declining_sends_access_denied_as_close_does() -> None:
    checked = oauth.check_authorize(
        {"client_id": "c", "response_type": "code", "state": "s"}, registered=REGISTERED[:1]
    )
    query = query_of(oauth.denied_uri(checked))
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["s"]


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("https://example.com/cb", False),
        ("http://localhost:3000/oauth/callback", False),
        ("com.example.app:/oauth2redirect", False),
        ("example.com/cb", True),
        ("https://example.com/cb#frag", True),
        ("https:///cb", True),
    ],
)
def test_which_redirect_uris_can_be_registered(uri: str, problem: bool) -> None:
    assert (oauth.valid_redirect_uri(uri) is not None) is problem


def test_token_requests_are_checked_as_rfc_6749_says() -> None:
    grant = oauth.check_token_request(
        {"grant_type": "authorization_code", "code": "k", "redirect_uri": "u"}
    )
    assert (grant.grant_type, grant.secret, grant.redirect_uri) == ("authorization_code", "k", "u")
    refresh = oauth.check_token_request({"grant_type": "refresh_token", "refresh_token": "r"})
    assert (refresh.grant_type, refresh.secret) == ("refresh_token", "r")
    for form, error in (
        ({}, errors.InvalidRequestError),
        ({"grant_type": "authorization_code"}, errors.InvalidRequestError),
        ({"grant_type": "refresh_token"}, errors.InvalidRequestError),
        ({"grant_type": "password", "username": "u"}, errors.UnsupportedGrantTypeError),
        ({"grant_type": "client_credentials"}, errors.UnsupportedGrantTypeError),
    ):
        with pytest.raises(error):
            oauth.check_token_request(form)


def test_the_token_response_has_close_s_fields() -> None:
    issued = oauth.IssuedTokens("oa2at_a", "oa2rt_r", "orga_1", "user_1")
    assert issued.document() == {
        "token_type": "Bearer", "access_token": "oa2at_a", "expires_in": 3600,
        "refresh_token": "oa2rt_r", "scope": "all.full_access offline_access",
        "organization_id": "orga_1", "user_id": "user_1",
    }  # fmt: skip


def test_each_kind_of_secret_is_told_by_its_prefix() -> None:
    for kind in ("code", "access", "refresh"):
        token = oauth.new_token(kind)
        assert oauth.kind_of(token) == kind
        assert len(token) == len(oauth.PREFIXES[kind]) + 43
    assert oauth.kind_of("api_abc.def") is None
    assert oauth.is_access_token(oauth.new_token("access"))
    assert not oauth.is_access_token(oauth.new_token("refresh"))
    assert oauth.new_client_id().startswith("oa2client_")
    assert oauth.new_client_secret() != oauth.new_client_secret()
