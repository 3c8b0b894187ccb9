"""Who is calling: the organization and user behind a credential."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller; every store call is scoped to its organization."""

    organization_id: str
    user_id: str
    user_name: str
    # The API key's id; for an OAuth access token its grant's (one user's consent to one
    # app), so that rate limits and Idempotency-Keys outlive the hourly token rotation.
    credential_id: str
    # The OAuth app acting for the user, when the credential is an OAuth access token.
    oauth_client_id: str | None = None
