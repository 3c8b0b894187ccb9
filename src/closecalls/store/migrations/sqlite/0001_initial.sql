CREATE TABLE organization (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    date_created TEXT NOT NULL
);

CREATE TABLE user (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    date_created TEXT NOT NULL
);
CREATE INDEX user_organization ON user (organization_id, date_created);

CREATE TABLE credential (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('api_key', 'access_token')),
    organization_id TEXT NOT NULL REFERENCES organization (id),
    user_id TEXT NOT NULL REFERENCES user (id),
    lookup TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    date_created TEXT NOT NULL,
    expires_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX credential_lookup ON credential (kind, lookup);

-- Activities are documents: the columns that filters and orderings need, plus the
-- whole object as the API returns it. `seq` breaks ties between equal timestamps.
CREATE TABLE activity (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    type TEXT NOT NULL,
    lead_id TEXT,
    contact_id TEXT,
    user_id TEXT,
    date_created INTEGER NOT NULL,
    activity_at INTEGER NOT NULL,
    document BLOB NOT NULL
);
CREATE INDEX activity_organization_created ON activity (organization_id, date_created, seq);
CREATE INDEX activity_organization_lead_created
    ON activity (organization_id, lead_id, date_created, seq);
