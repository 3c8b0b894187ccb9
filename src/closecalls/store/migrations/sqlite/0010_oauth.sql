-- OAuth apps and the codes and tokens of their grants (one user's consent to one app).
CREATE TABLE oauth_app (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    name TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    redirect_uris TEXT NOT NULL,
    date_created TEXT NOT NULL
);

-- A code, access token or refresh token: only the hash of its secret is stored, found by
-- its lookup (a prefix of that hash) as API keys are. `revoked` is also set when a code or
-- refresh token is spent, so each is used once.
CREATE TABLE oauth_token (
    kind TEXT NOT NULL CHECK (kind IN ('code', 'access', 'refresh')),
    lookup TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    grant_id TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES oauth_app (id),
    organization_id TEXT NOT NULL REFERENCES organization (id),
    user_id TEXT NOT NULL REFERENCES user (id),
    redirect_uri TEXT,
    expires_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, lookup)
);
CREATE INDEX oauth_token_grant ON oauth_token (organization_id, grant_id);
