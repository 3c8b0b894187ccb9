-- The same tables, columns and indexes as sqlite/0010_oauth.sql.
CREATE TABLE oauth_app (
    id text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organization (id),
    name text NOT NULL,
    secret_hash bytea NOT NULL,
    redirect_uris text NOT NULL,
    date_created text NOT NULL
);

CREATE TABLE oauth_token (
    kind text NOT NULL CHECK (kind IN ('code', 'access', 'refresh')),
    lookup text NOT NULL,
    secret_hash bytea NOT NULL,
    grant_id text NOT NULL,
    client_id text NOT NULL REFERENCES oauth_app (id),
    organization_id text NOT NULL REFERENCES organization (id),
    user_id text NOT NULL REFERENCES "user" (id),
    redirect_uri text,
    expires_at bigint,
    revoked boolean NOT NULL DEFAULT false,
    PRIMARY KEY (kind, lookup)
);
CREATE INDEX oauth_token_grant ON oauth_token (organization_id, grant_id);

-- An app is its registering organization's, but any organization's users may grant it:
-- it is read by its client id alone, as a credential is by its lookup. A token is read by
-- its lookup before its organization is known, then acted on only for that organization.
ALTER TABLE oauth_app ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_app FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON oauth_app
    USING (organization_id = current_setting('closecalls.organization_id', true));
CREATE POLICY by_lookup ON oauth_app FOR SELECT
    USING (id = current_setting('closecalls.credential_lookup', true));

ALTER TABLE oauth_token ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_token FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON oauth_token
    USING (organization_id = current_setting('closecalls.organization_id', true));
CREATE POLICY by_lookup ON oauth_token FOR SELECT
    USING (lookup = current_setting('closecalls.credential_lookup', true));
