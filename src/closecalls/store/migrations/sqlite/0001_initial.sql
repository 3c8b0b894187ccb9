CREATE TABLE organization (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    date_created TEXT NOT NULL
);

CREATE TABLE user (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    date_created TEXT NOT NULL
);
CREATE INDEX user_organization ON user (organization_id, date_created, seq);

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
-- One index per list filter and ordering. `type` sits before the time so that a page of
-- one type is read in order straight off the index, and `seq` (the rowid) is every index's
-- implicit last column, so ties on the time are ordered too. Skipping through a deep
-- `_skip` then touches only the index; documents are read for the page alone.
CREATE INDEX activity_created ON activity (organization_id, type, date_created);
CREATE INDEX activity_activity_at ON activity (organization_id, type, activity_at);
CREATE INDEX activity_lead_created ON activity (organization_id, lead_id, type, date_created);
CREATE INDEX activity_lead_at ON activity (organization_id, lead_id, type, activity_at);
CREATE INDEX activity_contact_created
    ON activity (organization_id, contact_id, type, date_created);
CREATE INDEX activity_user_created ON activity (organization_id, user_id, type, date_created);
